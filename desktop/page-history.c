/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <glib/gi18n.h>

#include "massager-app.h"
#include "page-history.h"
#include "usage-chart.h"

#define SESSIONS_DAYS   30
#define SESSIONS_SHOWN  50
#define HISTORY_DAYS_MAX 30     /* the chart's longest range: a month */

/* Why a session ended (doc/dbus-api.md, end reasons), as a person says it. */
static const struct {
        const char *reason, *text;
} end_texts[] = {
        { "completed", N_("completed") },
        { "user", N_("stopped") },
        { "stop_all", N_("stopped (all)") },
        { "caller_left", N_("stopped: the app that started it closed") },
        { "pain_rising", N_("stopped: pain") },
        { "numbness", N_("stopped: numbness") },
        { "tingling", N_("stopped: tingling") },
        { "dizziness", N_("stopped: dizziness") },
        { "headache_flare", N_("stopped: headache worse") },
        { "burning_skin", N_("stopped: burning skin") },
        { "thermal_cutoff", N_("ended: the pad got too hot") },
        { "sensor_fault", N_("ended: temperature sensor fault") },
        { "limit", N_("ended: a limit was reached") },
        { "battery", N_("ended: battery low") },
        { "link_lost", N_("ended: connection lost") },
        { "device_fault", N_("ended: device fault") },
        { "shutdown", N_("ended: the service stopped") },
        { "suspend", N_("ended: the computer went to sleep") },
        { "interrupted", N_("ended: interrupted") },
        { "pause_timeout", N_("ended: paused too long") },
};

static const char *end_text(const char *reason, gboolean open) {
        if (open)
                return _("running");
        for (size_t i = 0; i < G_N_ELEMENTS(end_texts); i++)
                if (g_strcmp0(end_texts[i].reason, reason) == 0)
                        return _(end_texts[i].text);
        return reason;
}

typedef struct PageHistory {
        DaemonLink *link;
        GtkWidget *widget;
        GtkWidget *chart;
        GtkToggleButton *week, *month;
        AdwPreferencesGroup *sessions;
        GPtrArray *rows;
} PageHistory;

static void page_history_free(PageHistory *page) {
        g_signal_handlers_disconnect_by_data(page->link, page);
        g_ptr_array_unref(page->rows);
        g_object_unref(page->link);
        g_free(page);
}

static PageHistory *page_of(GtkWidget *widget) {
        GtkWidget *p = gtk_widget_get_ancestor(widget, ADW_TYPE_PREFERENCES_PAGE);
        return p ? g_object_get_data(G_OBJECT(p), "page") : NULL;
}

static void report(GtkWidget *widget, const char *text) {
        GtkRoot *root = gtk_widget_get_root(widget);
        GtkApplication *app = root ? gtk_window_get_application(GTK_WINDOW(root)) : NULL;
        if (app)
                massager_app_report(MASSAGER_APP(app), text);
}

static gint64 local_midnight_days_ago(int days) {
        g_autoptr(GDateTime) now = g_date_time_new_now_local();
        g_autoptr(GDateTime) midnight = g_date_time_new_local(g_date_time_get_year(now), g_date_time_get_month(now),
                                                              g_date_time_get_day_of_month(now), 0, 0, 0);
        g_autoptr(GDateTime) then = g_date_time_add_days(midnight, -days);
        return g_date_time_to_unix(then) * G_USEC_PER_SEC;
}

/* ---- the chart ---- */

typedef struct ChartQuery {
        GtkWidget *widget;      /* owned ref to the page widget */
        guint days;
        guint cap;
        gint64 from;
} ChartQuery;

static void on_usage(GObject *source, GAsyncResult *result, gpointer user_data) {
        ChartQuery *q = user_data;
        PageHistory *page = g_object_get_data(G_OBJECT(q->widget), "page");
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) reply = g_dbus_proxy_call_finish(G_DBUS_PROXY(source), result, &error);

        if (page && reply) {
                guint minutes[HISTORY_DAYS_MAX] = {};
                g_autoptr(GVariant) days = g_variant_get_child_value(reply, 0);
                GVariantIter iter;
                GVariant *day;
                g_variant_iter_init(&iter, days);
                while ((day = g_variant_iter_next_value(&iter))) {
                        gint64 start = 0;
                        guint64 seconds = 0;
                        g_variant_lookup(day, "day", "x", &start);
                        g_variant_lookup(day, "seconds", "t", &seconds);
                        /* Index by whole days from the first midnight (DST days are 23 or 25 h). */
                        gint64 index = (start - q->from + G_TIME_SPAN_HOUR * 12) / G_TIME_SPAN_DAY;
                        if (index >= 0 && index < q->days)
                                minutes[index] = (seconds + 59) / 60;
                        g_variant_unref(day);
                }
                /* q->from is a local midnight: the chart counts calendar days from it. */
                g_autoptr(GDateTime) first = g_date_time_new_from_unix_local(q->from / G_USEC_PER_SEC);
                usage_chart_set(page->chart, minutes, q->days, q->cap, first);
        } else if (page) {
                g_dbus_error_strip_remote_error(error);
                report(page->chart, error->message);
        }
        g_object_unref(q->widget);
        g_free(q);
}

static void on_limits_for_chart(GObject *source, GAsyncResult *result, gpointer user_data) {
        ChartQuery *q = user_data;
        g_autoptr(GVariant) reply = g_dbus_proxy_call_finish(G_DBUS_PROXY(source), result, NULL);
        PageHistory *page = g_object_get_data(G_OBJECT(q->widget), "page");
        MassagedHistory *history = page ? daemon_link_get_history(page->link) : NULL;

        if (reply) {
                g_autoptr(GVariant) limits = g_variant_get_child_value(reply, 0);
                g_variant_lookup(limits, "daily_minutes", "u", &q->cap);
        }
        if (!history) {
                g_object_unref(q->widget);
                g_free(q);
                return;
        }
        q->from = local_midnight_days_ago(q->days - 1);
        g_dbus_proxy_call(G_DBUS_PROXY(history), "GetUsagePerDay",
                          g_variant_new("(xx)", q->from, local_midnight_days_ago(-1)), G_DBUS_CALL_FLAGS_NONE, -1,
                          NULL, on_usage, q);
}

static void reload_chart(PageHistory *page) {
        MassagedManager *manager = daemon_link_get_manager(page->link);
        if (!manager)
                return;
        ChartQuery *q = g_new0(ChartQuery, 1);
        q->widget = g_object_ref(page->widget);
        q->days = gtk_toggle_button_get_active(page->month) ? HISTORY_DAYS_MAX : 7;
        g_dbus_proxy_call(G_DBUS_PROXY(manager), "GetLimits", NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                          on_limits_for_chart, q);
}

/* ---- the sessions ---- */

static void reload(PageHistory *page);

/* ---- the diary of one session: a small dialog ---- */

typedef struct Diary {
        guint64 id;
        DaemonLink *link;
        GtkWindow *window;
        GtkSpinButton *before, *after;
        GtkEditable *note;
        GtkWidget *history_page;        /* to reload after saving; owned ref */
} Diary;

static void diary_free(Diary *diary) {
        g_object_unref(diary->link);
        g_object_unref(diary->history_page);
        g_free(diary);
}

static void on_diary_saved(GObject *source, GAsyncResult *result, gpointer user_data) {
        g_autoptr(GtkWindow) window = user_data;
        Diary *diary = g_object_get_data(G_OBJECT(window), "diary");
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) reply = g_dbus_proxy_call_finish(G_DBUS_PROXY(source), result, &error);

        if (!reply) {
                g_dbus_error_strip_remote_error(error);
                report(GTK_WIDGET(gtk_window_get_transient_for(window)), error->message);
                return;
        }
        PageHistory *page = g_object_get_data(G_OBJECT(diary->history_page), "page");
        if (page)
                reload(page);
        gtk_window_destroy(window);
}

static void on_diary_save(GtkButton *button, Diary *diary) {
        (void) button;
        MassagedHistory *history = daemon_link_get_history(diary->link);
        GVariantBuilder note;
        int before = gtk_spin_button_get_value_as_int(diary->before);
        int after = gtk_spin_button_get_value_as_int(diary->after);

        if (!history)
                return;
        g_variant_builder_init(&note, G_VARIANT_TYPE_VARDICT);
        g_variant_builder_add(&note, "{sv}", "note", g_variant_new_string(gtk_editable_get_text(diary->note)));
        if (before >= 0)
                g_variant_builder_add(&note, "{sv}", "pain_before", g_variant_new_int32(before));
        if (after >= 0)
                g_variant_builder_add(&note, "{sv}", "pain_after", g_variant_new_int32(after));
        g_dbus_proxy_call(G_DBUS_PROXY(history), "SetNote", g_variant_new("(ta{sv})", diary->id, &note),
                          G_DBUS_CALL_FLAGS_NONE, -1, NULL, on_diary_saved, g_object_ref(diary->window));
}

static GtkSpinButton *pain_row(GtkWidget *list, const char *title, gint32 value) {
        GtkWidget *row = adw_action_row_new();
        GtkWidget *spin = gtk_spin_button_new_with_range(-1, 10, 1);

        adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row), title);
        adw_action_row_set_subtitle(ADW_ACTION_ROW(row), _("0 none … 10 worst; −1 not recorded"));
        gtk_spin_button_set_value(GTK_SPIN_BUTTON(spin), value);
        gtk_widget_set_valign(spin, GTK_ALIGN_CENTER);
        adw_action_row_add_suffix(ADW_ACTION_ROW(row), spin);
        adw_action_row_set_activatable_widget(ADW_ACTION_ROW(row), spin);
        gtk_list_box_append(GTK_LIST_BOX(list), row);
        return GTK_SPIN_BUTTON(spin);
}

static void open_diary(GtkWidget *from, guint64 id, const char *title, gint32 before, gint32 after,
                       const char *text) {
        PageHistory *page = page_of(from);
        Diary *diary;

        if (!page)
                return;
        diary = g_new0(Diary, 1);
        diary->id = id;
        diary->link = g_object_ref(page->link);
        diary->history_page = g_object_ref(page->widget);
        diary->window = GTK_WINDOW(adw_window_new());
        gtk_window_set_title(diary->window, _("Diary"));
        gtk_window_set_modal(diary->window, TRUE);
        gtk_window_set_transient_for(diary->window, GTK_WINDOW(gtk_widget_get_root(from)));
        gtk_window_set_default_size(diary->window, 360, -1);
        g_object_set_data_full(G_OBJECT(diary->window), "diary", diary, (GDestroyNotify) diary_free);

        GtkWidget *header = adw_header_bar_new();
        adw_header_bar_set_title_widget(ADW_HEADER_BAR(header), adw_window_title_new(_("Diary"), title));
        GtkWidget *list = gtk_list_box_new();
        gtk_list_box_set_selection_mode(GTK_LIST_BOX(list), GTK_SELECTION_NONE);
        gtk_widget_add_css_class(list, "boxed-list");
        diary->before = pain_row(list, _("Pain before"), before);
        diary->after = pain_row(list, _("Pain after"), after);
        GtkWidget *note = adw_entry_row_new();
        adw_preferences_row_set_title(ADW_PREFERENCES_ROW(note), _("Note"));
        gtk_editable_set_text(GTK_EDITABLE(note), text);
        gtk_list_box_append(GTK_LIST_BOX(list), note);
        diary->note = GTK_EDITABLE(note);
        GtkWidget *save = gtk_button_new_with_label(_("Save"));
        gtk_widget_add_css_class(save, "suggested-action");
        gtk_widget_add_css_class(save, "pill");
        gtk_widget_set_halign(save, GTK_ALIGN_CENTER);
        g_signal_connect(save, "clicked", G_CALLBACK(on_diary_save), diary);

        GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 18);
        GtkWidget *content = gtk_box_new(GTK_ORIENTATION_VERTICAL, 18);
        gtk_widget_set_margin_start(content, 12);
        gtk_widget_set_margin_end(content, 12);
        gtk_widget_set_margin_bottom(content, 18);
        gtk_box_append(GTK_BOX(content), list);
        gtk_box_append(GTK_BOX(content), save);
        gtk_box_append(GTK_BOX(box), header);
        gtk_box_append(GTK_BOX(box), content);
        adw_window_set_content(ADW_WINDOW(diary->window), box);
        gtk_window_present(diary->window);
        /* Typing goes straight into the note. */
        gtk_widget_grab_focus(note);
}

static void on_edit_diary(GtkButton *button, gpointer unused) {
        (void) unused;
        GVariant *session = g_object_get_data(G_OBJECT(button), "session");
        guint64 id = 0;
        gint32 before = -1, after = -1;
        const char *note = "";

        g_variant_lookup(session, "id", "t", &id);
        g_variant_lookup(session, "pain_before", "i", &before);
        g_variant_lookup(session, "pain_after", "i", &after);
        g_variant_lookup(session, "note", "&s", &note);
        open_diary(GTK_WIDGET(button), id, g_object_get_data(G_OBJECT(button), "title"), before, after, note);
}

static GtkWidget *session_row(GVariant *s) {
        guint64 id = 0;
        gint64 start = 0;
        guint32 seconds = 0;
        gint32 before = -1, after = -1;
        gboolean open = FALSE;
        const char *program = "", *reason = "", *note = "";

        g_variant_lookup(s, "id", "t", &id);
        g_variant_lookup(s, "start", "x", &start);
        g_variant_lookup(s, "seconds", "u", &seconds);
        g_variant_lookup(s, "open", "b", &open);
        g_variant_lookup(s, "program", "&s", &program);
        g_variant_lookup(s, "end_reason", "&s", &reason);
        g_variant_lookup(s, "note", "&s", &note);
        g_variant_lookup(s, "pain_before", "i", &before);
        g_variant_lookup(s, "pain_after", "i", &after);

        g_autoptr(GDateTime) when = g_date_time_new_from_unix_local(start / G_USEC_PER_SEC);
        g_autofree char *date = g_date_time_format(when, "%a %-d %b %H:%M");
        g_autofree char *title = g_strdup_printf("%s · %s", date, program);
        char before_text[16] = "–", after_text[16] = "–";
        if (before >= 0)
                g_snprintf(before_text, sizeof before_text, "%d", before);
        if (after >= 0)
                g_snprintf(after_text, sizeof after_text, "%d", after);
        g_autofree char *pain = before >= 0 || after >= 0
                ? g_strdup_printf(_(" · pain %s → %s"), before_text, after_text)
                : g_strdup("");
        g_autofree char *subtitle = g_strdup_printf(_("%u min · %s%s%s%s"), (seconds + 59) / 60,
                                                    end_text(reason, open), pain, *note ? " · " : "", note);

        GtkWidget *row = adw_action_row_new();
        adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row), title);
        adw_action_row_set_subtitle(ADW_ACTION_ROW(row), subtitle);
        adw_action_row_set_subtitle_lines(ADW_ACTION_ROW(row), 3);
        GtkWidget *edit = gtk_button_new_with_label(_("Diary"));
        g_autofree char *edit_name = g_strdup_printf(_("Diary of %s"), date);
        gtk_accessible_update_property(GTK_ACCESSIBLE(edit), GTK_ACCESSIBLE_PROPERTY_LABEL, edit_name, -1);
        gtk_widget_set_valign(edit, GTK_ALIGN_CENTER);
        g_object_set_data_full(G_OBJECT(edit), "title", g_strdup(title), g_free);
        g_object_set_data_full(G_OBJECT(edit), "session", g_variant_ref(s), (GDestroyNotify) g_variant_unref);
        g_signal_connect(edit, "clicked", G_CALLBACK(on_edit_diary), NULL);
        adw_action_row_add_suffix(ADW_ACTION_ROW(row), edit);
        return row;
}

static void on_sessions(GObject *source, GAsyncResult *result, gpointer user_data) {
        g_autoptr(GtkWidget) widget = user_data;
        PageHistory *page = g_object_get_data(G_OBJECT(widget), "page");
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) reply = g_dbus_proxy_call_finish(G_DBUS_PROXY(source), result, &error);

        if (!page)
                return;
        for (guint i = 0; i < page->rows->len; i++)
                adw_preferences_group_remove(page->sessions, page->rows->pdata[i]);
        g_ptr_array_set_size(page->rows, 0);
        if (!reply) {
                g_dbus_error_strip_remote_error(error);
                report(widget, error->message);
                return;
        }
        g_autoptr(GVariant) list = g_variant_get_child_value(reply, 0);
        gsize n = g_variant_n_children(list);
        for (gsize i = 0; i < n && i < SESSIONS_SHOWN; i++) {       /* newest first */
                g_autoptr(GVariant) s = g_variant_get_child_value(list, n - 1 - i);
                GtkWidget *row = session_row(s);
                adw_preferences_group_add(page->sessions, row);
                g_ptr_array_add(page->rows, row);
        }
        if (n == 0) {
                GtkWidget *row = adw_action_row_new();
                adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row), _("No sessions in the last 30 days"));
                adw_preferences_group_add(page->sessions, row);
                g_ptr_array_add(page->rows, row);
        }
}

static void reload(PageHistory *page) {
        MassagedHistory *history = daemon_link_get_history(page->link);
        if (!history)
                return;
        g_dbus_proxy_call(G_DBUS_PROXY(history), "GetSessions",
                          g_variant_new("(xx)", local_midnight_days_ago(SESSIONS_DAYS - 1), G_MAXINT64),
                          G_DBUS_CALL_FLAGS_NONE, -1, NULL, on_sessions, g_object_ref(page->widget));
        reload_chart(page);
}

static void on_link_changed(DaemonLink *link, PageHistory *page) {
        (void) link;
        reload(page);
}

static void on_session_ended(MassagedDevice *device, guint64 id, const char *reason, guint seconds,
                             GtkWidget *widget) {
        (void) device, (void) id, (void) reason, (void) seconds;
        PageHistory *page = g_object_get_data(G_OBJECT(widget), "page");
        if (page)
                reload(page);
}

static void follow_device(PageHistory *page, MassagedDevice *device) {
        /* Tied to the page's widget: the device proxy may outlive the window. */
        g_signal_connect_object(device, "session-ended", G_CALLBACK(on_session_ended), page->widget, 0);
}

static void on_device_added(DaemonLink *link, MassagedDevice *device, PageHistory *page) {
        (void) link;
        follow_device(page, device);
}

static void on_range_toggled(GtkToggleButton *button, PageHistory *page) {
        if (gtk_toggle_button_get_active(button))
                reload_chart(page);
}

GtkWidget *page_history_new(DaemonLink *link) {
        PageHistory *page = g_new0(PageHistory, 1);
        GtkWidget *widget = adw_preferences_page_new();

        page->link = g_object_ref(link);
        page->widget = widget;
        page->rows = g_ptr_array_new();

        AdwPreferencesGroup *usage = ADW_PREFERENCES_GROUP(adw_preferences_group_new());
        adw_preferences_group_set_title(usage, _("Minutes per day"));
        GtkWidget *range = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 0);
        gtk_widget_add_css_class(range, "linked");
        page->week = GTK_TOGGLE_BUTTON(gtk_toggle_button_new_with_label(_("Week")));
        page->month = GTK_TOGGLE_BUTTON(gtk_toggle_button_new_with_label(_("Month")));
        gtk_toggle_button_set_group(page->month, page->week);
        gtk_toggle_button_set_active(page->week, TRUE);
        gtk_box_append(GTK_BOX(range), GTK_WIDGET(page->week));
        gtk_box_append(GTK_BOX(range), GTK_WIDGET(page->month));
        gtk_widget_set_valign(range, GTK_ALIGN_CENTER);
        adw_preferences_group_set_header_suffix(usage, range);
        page->chart = usage_chart_new();
        adw_preferences_group_add(usage, page->chart);
        adw_preferences_page_add(ADW_PREFERENCES_PAGE(widget), usage);

        page->sessions = ADW_PREFERENCES_GROUP(adw_preferences_group_new());
        adw_preferences_group_set_title(page->sessions, _("Sessions"));
        adw_preferences_page_add(ADW_PREFERENCES_PAGE(widget), page->sessions);

        g_signal_connect(page->week, "toggled", G_CALLBACK(on_range_toggled), page);
        g_signal_connect(page->month, "toggled", G_CALLBACK(on_range_toggled), page);
        g_object_set_data_full(G_OBJECT(widget), "page", page, (GDestroyNotify) page_history_free);
        g_signal_connect(link, "daemon-changed", G_CALLBACK(on_link_changed), page);
        g_signal_connect(link, "device-added", G_CALLBACK(on_device_added), page);
        g_signal_connect_swapped(widget, "map", G_CALLBACK(reload), page);
        g_autoptr(GList) devices = daemon_link_get_devices(link);
        for (GList *l = devices; l; l = l->next)
                follow_device(page, l->data);
        reload(page);
        return widget;
}
