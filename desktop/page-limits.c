/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <glib/gi18n.h>

#include "massager-app.h"
#include "page-limits.h"

typedef struct PageLimits {
        DaemonLink *link;
        AdwPreferencesGroup *group;
        GPtrArray *rows;
        GtkWidget *widget;      /* the page; not owned */
} PageLimits;

static void page_limits_free(PageLimits *page) {
        g_signal_handlers_disconnect_by_data(page->link, page);
        g_ptr_array_unref(page->rows);
        g_object_unref(page->link);
        g_free(page);
}

static void reload(PageLimits *page);

static void report(GtkWidget *widget, const char *text) {
        GtkRoot *root = gtk_widget_get_root(widget);
        GtkApplication *app = root ? gtk_window_get_application(GTK_WINDOW(root)) : NULL;
        if (app)
                massager_app_report(MASSAGER_APP(app), text);
}

/* A change's reply: a refusal is shown with the daemon's sentence, and the
 * page is reloaded either way, so it shows what is in force. */
static void on_set_done(GObject *source, GAsyncResult *result, gpointer user_data) {
        g_autoptr(GtkWidget) widget = user_data;
        PageLimits *page = g_object_get_data(G_OBJECT(widget), "page");
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) reply = g_dbus_proxy_call_finish(G_DBUS_PROXY(source), result, &error);

        if (!reply) {
                g_dbus_error_strip_remote_error(error);
                report(widget, error->message);
        }
        if (page)
                reload(page);
}

static void set_limit(PageLimits *page, const char *key, GVariant *value) {
        MassagedManager *manager = daemon_link_get_manager(page->link);
        GVariantBuilder b;

        if (!manager)
                return;
        g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
        g_variant_builder_add(&b, "{sv}", key, value);
        g_dbus_proxy_call(G_DBUS_PROXY(manager), "SetLimits", g_variant_new("(a{sv})", &b), G_DBUS_CALL_FLAGS_NONE,
                          -1, NULL, on_set_done, g_object_ref(page->widget));
}

/* A spin button's value is sent once the person stops changing it (700 ms
 * after the last step), not once per click on its arrows. */
static gboolean send_spin(gpointer user_data) {
        GtkSpinButton *spin = user_data;
        /* Through the widget tree: a row removed by a reload, or a closed
         * window, has no page above it any more. */
        GtkWidget *page_widget = gtk_widget_get_ancestor(GTK_WIDGET(spin), ADW_TYPE_PREFERENCES_PAGE);
        PageLimits *page = page_widget ? g_object_get_data(G_OBJECT(page_widget), "page") : NULL;
        guint current = GPOINTER_TO_UINT(g_object_get_data(G_OBJECT(spin), "current"));
        guint value = gtk_spin_button_get_value_as_int(spin);

        g_object_set_data(G_OBJECT(spin), "pending", NULL);
        if (page && value != current)
                set_limit(page, g_object_get_data(G_OBJECT(spin), "key"), g_variant_new_uint32(value));
        return G_SOURCE_REMOVE;
}

static void on_spin_changed(GtkSpinButton *spin, PageLimits *page) {
        (void) page;
        guint pending = GPOINTER_TO_UINT(g_object_get_data(G_OBJECT(spin), "pending"));
        if (pending)
                g_source_remove(pending);
        pending = g_timeout_add_full(G_PRIORITY_DEFAULT, 700, send_spin, g_object_ref(spin), g_object_unref);
        g_object_set_data(G_OBJECT(spin), "pending", GUINT_TO_POINTER(pending));
}

static gboolean on_switch(GtkSwitch *sw, gboolean state, PageLimits *page) {
        set_limit(page, g_object_get_data(G_OBJECT(sw), "key"), g_variant_new_boolean(state));
        return FALSE;
}

static const char *source_text(const char *source) {
        if (g_strcmp0(source, "config") == 0)
                return _("set in massaged.conf");
        if (g_strcmp0(source, "api") == 0)
                return _("set here");
        return _("default");
}

static GtkWidget *limit_row(PageLimits *page, const char *key, GVariant *d) {
        const char *summary = "", *type = "u", *unit = "", *source = "default";
        guint32 value = 0, min = 0, max = 0, def = 0;
        gboolean higher_is_safer = FALSE, bvalue = FALSE, bdef = FALSE;
        GtkWidget *row = adw_action_row_new();
        g_autofree char *subtitle = NULL;

        g_variant_lookup(d, "summary", "&s", &summary);
        g_variant_lookup(d, "type", "&s", &type);
        g_variant_lookup(d, "unit", "&s", &unit);
        g_variant_lookup(d, "source", "&s", &source);
        g_variant_lookup(d, "higher_is_safer", "b", &higher_is_safer);
        adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row), summary && *summary ? summary : key);

        if (g_str_equal(type, "b")) {
                g_variant_lookup(d, "value", "b", &bvalue);
                g_variant_lookup(d, "default", "b", &bdef);
                subtitle = g_strdup_printf(_("%s · default %s · %s"), key, bdef ? _("on") : _("off"),
                                           source_text(source));
                GtkWidget *sw = gtk_switch_new();
                gtk_switch_set_active(GTK_SWITCH(sw), bvalue);
                gtk_widget_set_valign(sw, GTK_ALIGN_CENTER);
                g_object_set_data_full(G_OBJECT(sw), "key", g_strdup(key), g_free);
                g_signal_connect(sw, "state-set", G_CALLBACK(on_switch), page);
                adw_action_row_add_suffix(ADW_ACTION_ROW(row), sw);
                adw_action_row_set_activatable_widget(ADW_ACTION_ROW(row), sw);
        } else {
                g_variant_lookup(d, "value", "u", &value);
                g_variant_lookup(d, "min", "u", &min);
                g_variant_lookup(d, "max", "u", &max);
                g_variant_lookup(d, "default", "u", &def);
                /* The hard limit is the max, or the min where higher is safer (rest). */
                subtitle = g_strdup_printf(_("%s · default %u %s · hard limit %u %s · %s"), key, def, unit,
                                           higher_is_safer ? min : max, unit, source_text(source));
                GtkWidget *spin = gtk_spin_button_new_with_range(min, max, 1);
                gtk_spin_button_set_value(GTK_SPIN_BUTTON(spin), value);
                gtk_widget_set_valign(spin, GTK_ALIGN_CENTER);
                g_object_set_data_full(G_OBJECT(spin), "key", g_strdup(key), g_free);
                g_object_set_data(G_OBJECT(spin), "current", GUINT_TO_POINTER(value));
                g_signal_connect(spin, "value-changed", G_CALLBACK(on_spin_changed), page);
                adw_action_row_add_suffix(ADW_ACTION_ROW(row), spin);
                adw_action_row_set_activatable_widget(ADW_ACTION_ROW(row), spin);
        }
        adw_action_row_set_subtitle(ADW_ACTION_ROW(row), subtitle);
        return row;
}

static void on_described(GObject *source, GAsyncResult *result, gpointer user_data) {
        g_autoptr(GtkWidget) widget = user_data;
        PageLimits *page = g_object_get_data(G_OBJECT(widget), "page");
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) reply = g_dbus_proxy_call_finish(G_DBUS_PROXY(source), result, &error);
        g_autoptr(GVariant) limits = NULL;
        GVariantIter iter;
        const char *key;
        GVariant *d;

        if (!page)
                return;
        for (guint i = 0; i < page->rows->len; i++)
                adw_preferences_group_remove(page->group, page->rows->pdata[i]);
        g_ptr_array_set_size(page->rows, 0);
        if (!reply) {
                g_dbus_error_strip_remote_error(error);
                GtkWidget *row = adw_action_row_new();
                adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row), error->message);
                adw_preferences_group_add(page->group, row);
                g_ptr_array_add(page->rows, row);
                return;
        }
        limits = g_variant_get_child_value(reply, 0);
        g_variant_iter_init(&iter, limits);
        while (g_variant_iter_next(&iter, "{&s@a{sv}}", &key, &d)) {
                GtkWidget *row = limit_row(page, key, d);
                adw_preferences_group_add(page->group, row);
                g_ptr_array_add(page->rows, row);
                g_variant_unref(d);
        }
}

static void reload(PageLimits *page) {
        MassagedManager *manager = daemon_link_get_manager(page->link);
        if (manager)
                g_dbus_proxy_call(G_DBUS_PROXY(manager), "DescribeLimits", NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                                  on_described, g_object_ref(page->widget));
}

static void on_link_changed(DaemonLink *link, PageLimits *page) {
        (void) link;
        reload(page);
}

GtkWidget *page_limits_new(DaemonLink *link) {
        PageLimits *page = g_new0(PageLimits, 1);
        GtkWidget *widget = adw_preferences_page_new();

        page->link = g_object_ref(link);
        page->widget = widget;
        page->rows = g_ptr_array_new();
        page->group = ADW_PREFERENCES_GROUP(adw_preferences_group_new());
        adw_preferences_group_set_title(page->group, _("Safety limits"));
        adw_preferences_group_set_description(page->group,
                _("Each limit can be set between its floor and its hard limit. Changes are recorded."));
        adw_preferences_page_add(ADW_PREFERENCES_PAGE(widget), page->group);
        g_object_set_data_full(G_OBJECT(widget), "page", page, (GDestroyNotify) page_limits_free);
        g_signal_connect(link, "daemon-changed", G_CALLBACK(on_link_changed), page);
        /* Other clients change limits too, and API 1 announces no change: read
         * them again whenever the page is shown. */
        g_signal_connect_swapped(widget, "map", G_CALLBACK(reload), page);
        reload(page);
        return widget;
}
