/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <glib/gi18n.h>

#include "massager-app.h"
#include "page-devices.h"

typedef struct PageDevices {
        DaemonLink *link;
        AdwPreferencesGroup *known, *nearby;
        GtkToggleButton *scan;
        GPtrArray *known_rows, *nearby_rows;    /* GtkWidget* we added, to remove on rebuild */
} PageDevices;

static void page_devices_free(PageDevices *page) {
        g_signal_handlers_disconnect_by_data(page->link, page);
        g_ptr_array_unref(page->known_rows);
        g_ptr_array_unref(page->nearby_rows);
        g_object_unref(page->link);
        g_free(page);
}

static void report(GtkWidget *widget, const char *what, GError *error) {
        GtkApplication *app = gtk_window_get_application(GTK_WINDOW(gtk_widget_get_root(widget)));
        g_dbus_error_strip_remote_error(error);
        g_autofree char *text = g_strdup_printf("%s: %s", what, error->message);
        if (app)
                massager_app_report(MASSAGER_APP(app), text);
}

/* A call's reply: only errors are shown; state comes back through properties. */
typedef gboolean (*FinishFunc)(gpointer proxy, GAsyncResult *result, GError **error);
typedef struct CallContext {
        GtkWidget *widget;      /* weak: the row may be gone when the reply comes */
        const char *what;
} CallContext;

static void call_done(GObject *source, GAsyncResult *result, gpointer user_data) {
        CallContext *ctx = user_data;
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) reply = g_dbus_proxy_call_finish(G_DBUS_PROXY(source), result, &error);

        if (!reply && ctx->widget)
                report(ctx->widget, ctx->what, error);
        if (ctx->widget)
                g_object_remove_weak_pointer(G_OBJECT(ctx->widget), (gpointer *) &ctx->widget);
        g_free(ctx);
}

/* Generic async call through the generated proxy's GDBusProxy: every method
 * here takes its arguments as one tuple. Timeout -1: the bus default (25 s);
 * Connect answers within 60 s, so it gets more. */
static void call(GtkWidget *widget, gpointer proxy, const char *method, GVariant *args, int timeout_ms,
                 const char *what) {
        CallContext *ctx = g_new0(CallContext, 1);
        ctx->widget = widget;
        ctx->what = what;
        g_object_add_weak_pointer(G_OBJECT(widget), (gpointer *) &ctx->widget);
        g_dbus_proxy_call(G_DBUS_PROXY(proxy), method, args, G_DBUS_CALL_FLAGS_NONE, timeout_ms, NULL,
                          call_done, ctx);
}

static const char *connection_text(const char *state) {
        if (g_str_equal(state, "ready"))
                return _("Connected");
        if (g_str_equal(state, "connecting") || g_str_equal(state, "resolving"))
                return _("Connecting…");
        if (g_str_equal(state, "reconnecting"))
                return _("Connection lost, reconnecting…");
        return _("Not connected");
}

/* ---- known devices ---- */

typedef struct DeviceRow {
        MassagedDevice *device;         /* owned */
        GtkWidget *row, *connect, *disconnect;
} DeviceRow;

static void device_row_free(DeviceRow *r) {
        g_signal_handlers_disconnect_by_data(r->device, r);
        g_object_unref(r->device);
        g_free(r);
}

static void device_row_update(DeviceRow *r) {
        const char *name = massaged_device_get_name(r->device);
        const char *address = massaged_device_get_address(r->device);
        const char *state = massaged_device_get_connection_state(r->device);
        guint battery = massaged_device_get_battery(r->device);
        gboolean ready = g_strcmp0(state, "ready") == 0;
        gboolean disconnected = g_strcmp0(state, "disconnected") == 0;
        g_autofree char *subtitle = NULL;

        adw_preferences_row_set_title(ADW_PREFERENCES_ROW(r->row), name && *name ? name : address);
        if (ready && battery <= 100)
                subtitle = g_strdup_printf(_("%s · battery %u\u00a0%%"), connection_text(state), battery);
        else
                subtitle = g_strdup(connection_text(state ? state : "disconnected"));
        adw_action_row_set_subtitle(ADW_ACTION_ROW(r->row), subtitle);
        gtk_widget_set_visible(r->connect, disconnected);
        gtk_widget_set_visible(r->disconnect, !disconnected);
}

static void on_device_properties(GDBusProxy *proxy, GVariant *changed, GStrv invalidated, DeviceRow *r) {
        (void) proxy, (void) changed, (void) invalidated;
        device_row_update(r);
}

static void on_connect(GtkButton *button, DeviceRow *r) {
        call(GTK_WIDGET(button), r->device, "Connect", NULL, 70000, _("Connect failed"));
}

static void on_disconnect(GtkButton *button, DeviceRow *r) {
        call(GTK_WIDGET(button), r->device, "Disconnect", NULL, -1, _("Disconnect failed"));
}

static void on_forget(GtkButton *button, PageDevices *page) {
        MassagedManager *manager = daemon_link_get_manager(page->link);
        const char *path = g_object_get_data(G_OBJECT(button), "device-path");
        if (manager && path)
                call(GTK_WIDGET(button), manager, "ForgetDevice", g_variant_new("(o)", path), -1,
                     _("Forget failed"));
}

static GtkWidget *suffix_button(const char *label, const char *accessible) {
        GtkWidget *b = gtk_button_new_with_label(label);
        gtk_widget_set_valign(b, GTK_ALIGN_CENTER);
        gtk_accessible_update_property(GTK_ACCESSIBLE(b), GTK_ACCESSIBLE_PROPERTY_LABEL, accessible, -1);
        return b;
}

static GtkWidget *device_row_new(PageDevices *page, MassagedDevice *device) {
        DeviceRow *r = g_new0(DeviceRow, 1);
        const char *address = massaged_device_get_address(device);
        g_autofree char *connect_name = g_strdup_printf(_("Connect %s"), address);
        g_autofree char *disconnect_name = g_strdup_printf(_("Disconnect %s"), address);
        g_autofree char *forget_name = g_strdup_printf(_("Forget %s"), address);

        r->device = g_object_ref(device);
        r->row = adw_action_row_new();
        r->connect = suffix_button(_("Connect"), connect_name);
        r->disconnect = suffix_button(_("Disconnect"), disconnect_name);
        GtkWidget *forget = suffix_button(_("Forget"), forget_name);
        gtk_widget_add_css_class(forget, "flat");
        g_object_set_data_full(G_OBJECT(forget), "device-path",
                               g_strdup(g_dbus_proxy_get_object_path(G_DBUS_PROXY(device))), g_free);

        adw_action_row_add_suffix(ADW_ACTION_ROW(r->row), r->connect);
        adw_action_row_add_suffix(ADW_ACTION_ROW(r->row), r->disconnect);
        adw_action_row_add_suffix(ADW_ACTION_ROW(r->row), forget);
        g_signal_connect(r->connect, "clicked", G_CALLBACK(on_connect), r);
        g_signal_connect(r->disconnect, "clicked", G_CALLBACK(on_disconnect), r);
        g_signal_connect(forget, "clicked", G_CALLBACK(on_forget), page);
        g_signal_connect(device, "g-properties-changed", G_CALLBACK(on_device_properties), r);
        g_object_set_data_full(G_OBJECT(r->row), "device-row", r, (GDestroyNotify) device_row_free);
        device_row_update(r);
        return r->row;
}

/* ---- nearby (Discovered) ---- */

static void on_add(GtkButton *button, PageDevices *page) {
        MassagedManager *manager = daemon_link_get_manager(page->link);
        const char *address = g_object_get_data(G_OBJECT(button), "address");
        if (manager && address)
                call(GTK_WIDGET(button), manager, "AddDevice", g_variant_new("(s)", address), 70000,
                     _("Adding the massager failed"));
}

static gboolean is_known(PageDevices *page, const char *address) {
        g_autoptr(GList) devices = daemon_link_get_devices(page->link);
        for (GList *l = devices; l; l = l->next)
                if (g_strcmp0(massaged_device_get_address(l->data), address) == 0)
                        return TRUE;
        return FALSE;
}

static void clear_rows(AdwPreferencesGroup *group, GPtrArray *rows) {
        for (guint i = 0; i < rows->len; i++)
                adw_preferences_group_remove(group, rows->pdata[i]);
        g_ptr_array_set_size(rows, 0);
}

static void add_row(AdwPreferencesGroup *group, GPtrArray *rows, GtkWidget *row) {
        adw_preferences_group_add(group, row);
        g_ptr_array_add(rows, row);
}

static void rebuild_nearby(PageDevices *page) {
        MassagedManager *manager = daemon_link_get_manager(page->link);
        GVariant *discovered = manager ? massaged_manager_get_discovered(manager) : NULL;
        GVariantIter iter;
        const char *address, *name;
        gboolean any = FALSE;

        clear_rows(page->nearby, page->nearby_rows);
        if (discovered) {
                g_variant_iter_init(&iter, discovered);
                while (g_variant_iter_next(&iter, "(&s&s)", &address, &name)) {
                        if (is_known(page, address))
                                continue;
                        GtkWidget *row = adw_action_row_new();
                        g_autofree char *add_name = g_strdup_printf(_("Add %s"), address);
                        GtkWidget *add = suffix_button(_("Add"), add_name);
                        adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row), *name ? name : address);
                        adw_action_row_set_subtitle(ADW_ACTION_ROW(row), address);
                        g_object_set_data_full(G_OBJECT(add), "address", g_strdup(address), g_free);
                        g_signal_connect(add, "clicked", G_CALLBACK(on_add), page);
                        adw_action_row_add_suffix(ADW_ACTION_ROW(row), add);
                        add_row(page->nearby, page->nearby_rows, row);
                        any = TRUE;
                }
        }
        if (!any) {
                GtkWidget *row = adw_action_row_new();
                adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row),
                                              manager && massaged_manager_get_discovering(manager)
                                                      ? _("Looking for massagers…")
                                                      : _("Turn the massager on, then press Scan."));
                add_row(page->nearby, page->nearby_rows, row);
        }
        g_signal_handlers_block_matched(page->scan, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL, page);
        gtk_toggle_button_set_active(page->scan, manager && massaged_manager_get_discovering(manager));
        g_signal_handlers_unblock_matched(page->scan, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL, page);
        gtk_widget_set_sensitive(GTK_WIDGET(page->scan), manager != NULL);
}

static void rebuild_known(PageDevices *page) {
        g_autoptr(GList) devices = daemon_link_get_devices(page->link);

        clear_rows(page->known, page->known_rows);
        for (GList *l = devices; l; l = l->next)
                add_row(page->known, page->known_rows, device_row_new(page, l->data));
        if (!devices) {
                GtkWidget *row = adw_action_row_new();
                adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row),
                                              daemon_link_is_running(page->link)
                                                      ? _("No massager added yet")
                                                      : _("massaged is not running"));
                add_row(page->known, page->known_rows, row);
        }
}

static void on_manager_changed(DaemonLink *link, PageDevices *page) {
        (void) link;
        rebuild_nearby(page);
}

static void rebuild(PageDevices *page) {
        rebuild_known(page);
        rebuild_nearby(page);
}

static void on_link_changed(DaemonLink *link, PageDevices *page) {
        (void) link;
        rebuild(page);
}

static void on_device_changed(DaemonLink *link, MassagedDevice *device, PageDevices *page) {
        (void) link, (void) device;
        rebuild(page);
}

static void on_scan_toggled(GtkToggleButton *button, PageDevices *page) {
        MassagedManager *manager = daemon_link_get_manager(page->link);
        if (!manager)
                return;
        call(GTK_WIDGET(button), manager, gtk_toggle_button_get_active(button) ? "StartDiscovery" : "StopDiscovery",
             NULL, -1, _("Scan failed"));
}

GtkWidget *page_devices_new(DaemonLink *link) {
        PageDevices *page = g_new0(PageDevices, 1);
        GtkWidget *widget = adw_preferences_page_new();

        page->link = g_object_ref(link);
        page->known_rows = g_ptr_array_new();
        page->nearby_rows = g_ptr_array_new();
        page->known = ADW_PREFERENCES_GROUP(adw_preferences_group_new());
        adw_preferences_group_set_title(page->known, _("Your massagers"));
        page->nearby = ADW_PREFERENCES_GROUP(adw_preferences_group_new());
        adw_preferences_group_set_title(page->nearby, _("Nearby"));
        page->scan = GTK_TOGGLE_BUTTON(gtk_toggle_button_new_with_label(_("Scan")));
        gtk_widget_set_valign(GTK_WIDGET(page->scan), GTK_ALIGN_CENTER);
        adw_preferences_group_set_header_suffix(page->nearby, GTK_WIDGET(page->scan));
        adw_preferences_page_add(ADW_PREFERENCES_PAGE(widget), page->known);
        adw_preferences_page_add(ADW_PREFERENCES_PAGE(widget), page->nearby);

        g_signal_connect(page->scan, "toggled", G_CALLBACK(on_scan_toggled), page);
        /* The page's state lives as long as its widget; page_devices_free()
         * disconnects what it connected to the longer-lived link and manager. */
        g_object_set_data_full(G_OBJECT(widget), "page", page, (GDestroyNotify) page_devices_free);
        g_signal_connect(link, "daemon-changed", G_CALLBACK(on_link_changed), page);
        g_signal_connect(link, "manager-changed", G_CALLBACK(on_manager_changed), page);
        g_signal_connect(link, "device-added", G_CALLBACK(on_device_changed), page);
        g_signal_connect(link, "device-removed", G_CALLBACK(on_device_changed), page);
        rebuild(page);
        return widget;
}
