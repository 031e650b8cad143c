/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <glib/gi18n.h>

#include "massager-app.h"
#include "page-screening.h"

typedef struct PageScreening {
        DaemonLink *link;
        GtkWidget *widget;
        AdwPreferencesGroup *questions;
        GPtrArray *rows;                /* AdwActionRow*, one per question (data: "key", "switch", "help") */
        GtkWidget *clearance_row;
        GtkSwitch *clearance;
        GtkSwitch *correction;
        GtkLabel *status;
        GtkLabel *yes_help;             /* the help of every "yes", in the daemon's words */
} PageScreening;

static void report(GtkWidget *widget, const char *text) {
        GtkRoot *root = gtk_widget_get_root(widget);
        GtkApplication *app = root ? gtk_window_get_application(GTK_WINDOW(root)) : NULL;
        if (app)
                massager_app_report(MASSAGER_APP(app), text);
}

static void show_status(PageScreening *page) {
        MassagedManager *manager = daemon_link_get_manager(page->link);
        gint64 until = manager ? massaged_manager_get_screening_valid_until(manager) : 0;
        g_autofree char *text = NULL;

        if (until > 0) {
                g_autoptr(GDateTime) when = g_date_time_new_from_unix_local(until / G_USEC_PER_SEC);
                g_autofree char *date = g_date_time_format(when, "%-d %B %Y");
                text = g_strdup_printf(_("Your answers hold until %s."), date);
        } else {
                text = g_strdup(_("Sessions start only after these questions are answered (again every six months)."));
        }
        gtk_label_set_label(page->status, text);
}

/* A "yes" says what it means, in the daemon's words, and offers the clearance. */
static void on_answer_changed(GObject *sw, GParamSpec *pspec, PageScreening *page) {
        (void) sw, (void) pspec;
        g_autoptr(GString) help = g_string_new(NULL);

        for (guint i = 0; i < page->rows->len; i++) {
                GtkSwitch *s = g_object_get_data(page->rows->pdata[i], "switch");
                if (gtk_switch_get_active(s)) {
                        if (help->len)
                                g_string_append(help, "\n\n");
                        g_string_append(help, g_object_get_data(page->rows->pdata[i], "help"));
                }
        }
        gtk_label_set_label(page->yes_help, help->str);
        gtk_widget_set_visible(GTK_WIDGET(page->yes_help), help->len > 0);
        gtk_widget_set_visible(page->clearance_row, help->len > 0);
}

static void build_questions(PageScreening *page) {
        MassagedManager *manager = daemon_link_get_manager(page->link);
        GVariant *questions = manager ? massaged_manager_get_screening_questions(manager) : NULL;
        GVariantIter iter;
        const char *key, *question, *help;

        for (guint i = 0; i < page->rows->len; i++)
                adw_preferences_group_remove(page->questions, page->rows->pdata[i]);
        g_ptr_array_set_size(page->rows, 0);
        if (!questions)
                return;
        g_variant_iter_init(&iter, questions);
        while (g_variant_iter_next(&iter, "(&s&s&s)", &key, &question, &help)) {
                GtkWidget *row = adw_action_row_new();
                GtkWidget *sw = gtk_switch_new();

                adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row), question);
                adw_action_row_set_title_lines(ADW_ACTION_ROW(row), 0);
                gtk_widget_set_valign(sw, GTK_ALIGN_CENTER);
                adw_action_row_add_suffix(ADW_ACTION_ROW(row), sw);
                adw_action_row_set_activatable_widget(ADW_ACTION_ROW(row), sw);
                g_object_set_data_full(G_OBJECT(row), "key", g_strdup(key), g_free);
                g_object_set_data_full(G_OBJECT(row), "help", g_strdup(help), g_free);
                g_object_set_data(G_OBJECT(row), "switch", sw);
                g_signal_connect(sw, "notify::active", G_CALLBACK(on_answer_changed), page);
                adw_preferences_group_add(page->questions, row);
                g_ptr_array_add(page->rows, row);
        }
}

static void on_submitted(GObject *source, GAsyncResult *result, gpointer user_data) {
        g_autoptr(GtkWidget) widget = user_data;
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) reply = g_dbus_proxy_call_finish(G_DBUS_PROXY(source), result, &error);

        if (!reply) {
                g_dbus_error_strip_remote_error(error);
                report(widget, error->message);
        } else {
                report(widget, _("Answers recorded."));
        }
}

static void on_submit(GtkButton *button, PageScreening *page) {
        (void) button;
        MassagedManager *manager = daemon_link_get_manager(page->link);
        GVariantBuilder answers;

        if (!manager || page->rows->len == 0)
                return;
        g_variant_builder_init(&answers, G_VARIANT_TYPE_VARDICT);
        for (guint i = 0; i < page->rows->len; i++) {
                GtkSwitch *s = g_object_get_data(page->rows->pdata[i], "switch");
                g_variant_builder_add(&answers, "{sv}", (const char *) g_object_get_data(page->rows->pdata[i], "key"),
                                      g_variant_new_boolean(gtk_switch_get_active(s)));
        }
        if (gtk_widget_get_visible(page->clearance_row) && gtk_switch_get_active(page->clearance))
                g_variant_builder_add(&answers, "{sv}", "clinician_clearance", g_variant_new_boolean(TRUE));
        if (gtk_switch_get_active(page->correction))
                g_variant_builder_add(&answers, "{sv}", "correction", g_variant_new_boolean(TRUE));
        g_dbus_proxy_call(G_DBUS_PROXY(manager), "SubmitScreening", g_variant_new("(a{sv})", &answers),
                          G_DBUS_CALL_FLAGS_NONE, -1, NULL, on_submitted, g_object_ref(page->widget));
}

static void on_manager_changed(DaemonLink *link, PageScreening *page) {
        (void) link;
        show_status(page);
}

static void on_link_changed(DaemonLink *link, PageScreening *page) {
        (void) link;
        build_questions(page);  /* a daemon that came back may serve other questions */
        show_status(page);
}

static GtkWidget *switch_row(AdwPreferencesGroup *group, const char *title, const char *subtitle, GtkSwitch **ret) {
        GtkWidget *row = adw_action_row_new();
        GtkWidget *sw = gtk_switch_new();

        adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row), title);
        adw_action_row_set_subtitle(ADW_ACTION_ROW(row), subtitle);
        gtk_widget_set_valign(sw, GTK_ALIGN_CENTER);
        adw_action_row_add_suffix(ADW_ACTION_ROW(row), sw);
        adw_action_row_set_activatable_widget(ADW_ACTION_ROW(row), sw);
        adw_preferences_group_add(group, row);
        *ret = GTK_SWITCH(sw);
        return row;
}

static void page_screening_free(PageScreening *page) {
        g_signal_handlers_disconnect_by_data(page->link, page);
        g_ptr_array_unref(page->rows);
        g_object_unref(page->link);
        g_free(page);
}

GtkWidget *page_screening_new(DaemonLink *link) {
        PageScreening *page = g_new0(PageScreening, 1);
        GtkWidget *widget = adw_preferences_page_new();

        page->link = g_object_ref(link);
        page->widget = widget;
        page->rows = g_ptr_array_new();

        page->questions = ADW_PREFERENCES_GROUP(adw_preferences_group_new());
        adw_preferences_group_set_title(page->questions, _("Health screening"));
        page->status = GTK_LABEL(gtk_label_new(NULL));
        gtk_label_set_wrap(page->status, TRUE);
        gtk_label_set_xalign(page->status, 0);
        gtk_widget_add_css_class(GTK_WIDGET(page->status), "dim-label");
        gtk_widget_set_margin_bottom(GTK_WIDGET(page->status), 12);
        adw_preferences_group_set_header_suffix(page->questions, NULL);
        adw_preferences_page_add(ADW_PREFERENCES_PAGE(widget), page->questions);

        AdwPreferencesGroup *after = ADW_PREFERENCES_GROUP(adw_preferences_group_new());
        page->yes_help = GTK_LABEL(gtk_label_new(NULL));
        gtk_label_set_wrap(page->yes_help, TRUE);
        gtk_label_set_xalign(page->yes_help, 0);
        gtk_widget_add_css_class(GTK_WIDGET(page->yes_help), "warning");
        gtk_widget_set_margin_bottom(GTK_WIDGET(page->yes_help), 12);
        gtk_widget_set_visible(GTK_WIDGET(page->yes_help), FALSE);
        adw_preferences_group_add(after, GTK_WIDGET(page->status));
        adw_preferences_group_add(after, GTK_WIDGET(page->yes_help));
        page->clearance_row = switch_row(after, _("A clinician has cleared me"),
                                         _("Only when a doctor has said neck massage is safe for you."),
                                         &page->clearance);
        gtk_widget_set_visible(page->clearance_row, FALSE);
        switch_row(after, _("Correct an earlier answer"), _("An earlier \"yes\" was a mistake."), &page->correction);
        GtkWidget *submit = gtk_button_new_with_label(_("Submit answers"));
        gtk_widget_add_css_class(submit, "suggested-action");
        gtk_widget_add_css_class(submit, "pill");
        gtk_widget_set_margin_top(submit, 12);
        g_signal_connect(submit, "clicked", G_CALLBACK(on_submit), page);
        adw_preferences_group_add(after, submit);
        adw_preferences_page_add(ADW_PREFERENCES_PAGE(widget), after);

        g_object_set_data_full(G_OBJECT(widget), "page", page, (GDestroyNotify) page_screening_free);
        g_signal_connect(link, "daemon-changed", G_CALLBACK(on_link_changed), page);
        g_signal_connect(link, "manager-changed", G_CALLBACK(on_manager_changed), page);
        build_questions(page);
        show_status(page);
        return widget;
}
