/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "massager-app.h"
#include "page-session.h"
#include "temperature-chart.h"

/* Symptom buttons → StopWithReason() reasons (doc/dbus-api.md). */
static const struct {
        const char *label;
        const char *reason;
} symptoms[] = {
        { N_("Dizziness"),      "dizziness" },
        { N_("Numbness"),       "numbness" },
        { N_("Headache worse"), "headache_flare" },
        { N_("Pain"),           "pain_rising" },
        { N_("Other"),          "user" },
};

typedef struct PageSession {
        DaemonLink *link;
        MassagedDevice *device;         /* the one this page drives; owned */
        gulong device_handler;

        AdwActionRow *device_row;
        AdwPreferencesGroup *setup, *running, *symptom_group;
        AdwComboRow *program;
        GtkStringList *programs;        /* titles, as the daemon serves them (Manager.Programs) */
        GPtrArray *program_names;       /* char*: the name Start takes, same order */
        GPtrArray *program_texts;       /* char*: each program's description */
        GtkSpinButton *intensity, *heat, *minutes;
        GtkLabel *refusal;              /* why a start is not possible now, and until when */
        GtkLabel *advice;               /* the policy's sentences for the next start */
        GtkLabel *followup;             /* Manager.Advice: the policy's word after a symptom stop */
        GtkWidget *start;
        GtkLabel *plan;                 /* the running session's plan and advice (Start's reply) */

        AdwActionRow *time_left, *pattern, *level, *temperature;
        GtkWidget *chart, *pause, *resume;

        /* The countdown runs on our clock between the daemon's Remaining updates. */
        guint32 remaining_s;
        gint64 remaining_at_us;
        guint tick;
} PageSession;

static void report(PageSession *page, const char *what, GError *error) {
        GtkWidget *w = GTK_WIDGET(page->device_row);
        GtkApplication *app = gtk_window_get_application(GTK_WINDOW(gtk_widget_get_root(w)));
        g_dbus_error_strip_remote_error(error);
        g_autofree char *text = g_strdup_printf("%s: %s", what, error->message);
        if (app)
                massager_app_report(MASSAGER_APP(app), text);
}

static gboolean is_active(const char *state) {
        return g_strcmp0(state, "running") == 0 || g_strcmp0(state, "paused") == 0;
}

static void show_time_left(PageSession *page) {
        gint64 passed = (g_get_monotonic_time() - page->remaining_at_us) / G_USEC_PER_SEC;
        gint64 left = MAX(0, (gint64) page->remaining_s - (page->device &&
                          g_strcmp0(massaged_device_get_state(page->device), "running") == 0 ? passed : 0));
        g_autofree char *text = g_strdup_printf("%" G_GINT64_FORMAT ":%02" G_GINT64_FORMAT, left / 60, left % 60);
        adw_action_row_set_subtitle(page->time_left, text);
}

static gboolean on_tick(gpointer user_data) {
        show_time_left(user_data);
        return G_SOURCE_CONTINUE;
}

static void set_ticking(PageSession *page, gboolean on) {
        if (on && !page->tick)
                page->tick = g_timeout_add_seconds(1, on_tick, page);
        else if (!on && page->tick)
                g_clear_handle_id(&page->tick, g_source_remove);
}

static void show_availability(PageSession *page);

static void update(PageSession *page) {
        MassagedDevice *d = page->device;
        const char *state = d ? massaged_device_get_state(d) : NULL;
        gboolean ready = d && g_strcmp0(massaged_device_get_connection_state(d), "ready") == 0;
        gboolean active = d && is_active(state);

        if (!d)
                adw_preferences_row_set_title(ADW_PREFERENCES_ROW(page->device_row), _("No massager added"));
        else {
                const char *name = massaged_device_get_name(d);
                adw_preferences_row_set_title(ADW_PREFERENCES_ROW(page->device_row),
                                              name && *name ? name : massaged_device_get_address(d));
        }
        adw_action_row_set_subtitle(page->device_row,
                                    !d ? _("Add one on the Device page.")
                                    : !ready ? _("Not connected")
                                    : g_strcmp0(state, "running") == 0 ? _("Running")
                                    : g_strcmp0(state, "paused") == 0 ? _("Paused")
                                    : g_strcmp0(state, "fault") == 0 ? _("Device fault") : _("Ready"));

        gtk_widget_set_visible(GTK_WIDGET(page->setup), !active);
        gtk_widget_set_visible(GTK_WIDGET(page->running), active);
        gtk_widget_set_visible(GTK_WIDGET(page->symptom_group), active);
        gtk_widget_set_sensitive(page->start, ready && !active);
        show_availability(page);
        if (!d)
                return;

        guint imax = massaged_device_get_intensity_max(d), hmax = massaged_device_get_heat_levels(d);
        if (imax)
                gtk_spin_button_set_range(page->intensity, 1, imax);
        gtk_spin_button_set_range(page->heat, 0, hmax);

        if (!active) {
                set_ticking(page, FALSE);
                temperature_chart_clear(page->chart);
                return;
        }
        gtk_widget_set_visible(page->pause, g_strcmp0(state, "running") == 0);
        gtk_widget_set_visible(page->resume, g_strcmp0(state, "paused") == 0);

        g_autofree char *pattern = g_strdup_printf("%s · %s", massaged_device_get_program(d),
                                                   massaged_device_get_pattern(d));
        adw_action_row_set_subtitle(page->pattern, pattern);
        g_autofree char *level = g_strdup_printf(_("%u, heat %u"), massaged_device_get_intensity(d),
                                                 massaged_device_get_heat(d));
        adw_action_row_set_subtitle(page->level, level);
        double t = massaged_device_get_temperature(d);
        g_autofree char *temp = isnan(t) ? g_strdup(_("unknown")) : g_strdup_printf(_("%.1f °C"), t);
        adw_action_row_set_subtitle(page->temperature, temp);
        set_ticking(page, g_strcmp0(state, "running") == 0);
        show_time_left(page);
}

static void on_device_properties(GDBusProxy *proxy, GVariant *changed, GStrv invalidated, PageSession *page) {
        (void) proxy, (void) invalidated;
        guint32 remaining;
        double temperature;

        if (g_variant_lookup(changed, "Remaining", "u", &remaining)) {
                page->remaining_s = remaining;
                page->remaining_at_us = g_get_monotonic_time();
        }
        if (g_variant_lookup(changed, "Temperature", "d", &temperature) &&
            is_active(massaged_device_get_state(page->device)))
                temperature_chart_add(page->chart, temperature);
        update(page);
}

/* "14:20", or "Tue 14:20" when it is not today. */
static char *local_time_text(gint64 wall_us) {
        g_autoptr(GDateTime) when = g_date_time_new_from_unix_local(wall_us / G_USEC_PER_SEC);
        g_autoptr(GDateTime) now = g_date_time_new_now_local();
        gboolean today = g_date_time_get_day_of_year(when) == g_date_time_get_day_of_year(now) &&
                         g_date_time_get_year(when) == g_date_time_get_year(now);
        return g_date_time_format(when, today ? "%H:%M" : "%a %H:%M");
}

static char *advice_text(GVariant *plan) {
        g_autoptr(GVariant) advice = plan ? g_variant_lookup_value(plan, "advice", G_VARIANT_TYPE_STRING_ARRAY) : NULL;
        g_autofree const char **lines = advice ? g_variant_get_strv(advice, NULL) : NULL;
        return lines && lines[0] ? g_strjoinv("\n", (char **) lines) : NULL;
}

/* Manager.StartAvailability: whether a start (default options, this device)
 * is possible now, the daemon's sentence when not and until when. Followed
 * through PropertiesChanged: the daemon says when it changes, nothing polls. */
static void show_availability(PageSession *page) {
        MassagedManager *manager = daemon_link_get_manager(page->link);
        GVariant *a = manager ? massaged_manager_get_start_availability(manager) : NULL;
        gboolean allowed = FALSE;
        const char *message = "", *reason = "";
        gint64 available_at = 0;

        if (!a) {
                gtk_widget_set_visible(GTK_WIDGET(page->refusal), FALSE);
                gtk_widget_set_visible(GTK_WIDGET(page->advice), FALSE);
                return;
        }
        g_variant_lookup(a, "allowed", "b", &allowed);
        g_variant_lookup(a, "message", "&s", &message);
        g_variant_lookup(a, "reason", "&s", &reason);
        g_variant_lookup(a, "available_at", "x", &available_at);
        if (allowed || g_str_equal(reason, "no-device")) {
                gtk_widget_set_visible(GTK_WIDGET(page->refusal), FALSE);
        } else {
                g_autofree char *at = available_at > 0 ? local_time_text(available_at) : NULL;
                /* The daemon's sentence usually names the time already ("available
                 * again at 14:20"); say it only when it does not. */
                g_autofree char *text = at && !strstr(message, at)
                                        ? g_strdup_printf(_("%s\nAvailable at %s."), message, at)
                                        : g_strdup(message);
                gtk_label_set_label(page->refusal, text);
                gtk_widget_set_visible(GTK_WIDGET(page->refusal), TRUE);
        }
        g_autoptr(GVariant) plan = g_variant_lookup_value(a, "plan", G_VARIANT_TYPE_VARDICT);
        g_autofree char *advice = allowed ? advice_text(plan) : NULL;
        gtk_label_set_label(page->advice, advice ? advice : "");
        gtk_widget_set_visible(GTK_WIDGET(page->advice), advice != NULL);
        gtk_widget_set_sensitive(page->start, gtk_widget_get_sensitive(page->start) && allowed);
}

static void on_manager_changed(DaemonLink *link, PageSession *page) {
        (void) link;
        update(page);
}

static void on_advice(DaemonLink *link, const char *sentence, PageSession *page) {
        (void) link;
        gtk_label_set_label(page->followup, sentence);
        gtk_widget_set_visible(GTK_WIDGET(page->followup), TRUE);
}

/* The device to drive: the first ready one, else the first known. */
static void choose_device(PageSession *page) {
        g_autoptr(GList) devices = daemon_link_get_devices(page->link);
        MassagedDevice *chosen = devices ? devices->data : NULL;

        for (GList *l = devices; l; l = l->next)
                if (g_strcmp0(massaged_device_get_connection_state(l->data), "ready") == 0) {
                        chosen = l->data;
                        break;
                }
        if (chosen != page->device) {
                if (page->device) {
                        g_signal_handler_disconnect(page->device, page->device_handler);
                        g_clear_object(&page->device);
                }
                if (chosen) {
                        page->device = g_object_ref(chosen);
                        page->device_handler = g_signal_connect(chosen, "g-properties-changed",
                                                                G_CALLBACK(on_device_properties), page);
                        page->remaining_s = massaged_device_get_remaining(chosen);
                        page->remaining_at_us = g_get_monotonic_time();
                }
        }

        MassagedManager *manager = daemon_link_get_manager(page->link);
        GVariant *programs = manager ? massaged_manager_get_programs(manager) : NULL;
        if (programs && page->program_names->len == 0) {
                GVariantIter iter;
                GVariant *p;
                g_variant_iter_init(&iter, programs);
                while ((p = g_variant_iter_next_value(&iter))) {
                        const char *name = "", *title = "", *description = "";
                        g_variant_lookup(p, "name", "&s", &name);
                        g_variant_lookup(p, "title", "&s", &title);
                        g_variant_lookup(p, "description", "&s", &description);
                        g_ptr_array_add(page->program_names, g_strdup(name));
                        g_ptr_array_add(page->program_texts, g_strdup(description));
                        gtk_string_list_append(page->programs, *title ? title : name);
                        g_variant_unref(p);
                }
        }
        update(page);
}

static void on_link_changed(DaemonLink *link, PageSession *page) {
        (void) link;
        choose_device(page);
}

static void on_device_list_changed(DaemonLink *link, MassagedDevice *device, PageSession *page) {
        (void) link, (void) device;
        choose_device(page);
}

/* ---- calls ---- */

static void on_start_done(GObject *source, GAsyncResult *result, gpointer user_data) {
        g_autoptr(GtkWidget) widget = user_data;      /* the page's widget, held while the call ran */
        PageSession *page = g_object_get_data(G_OBJECT(widget), "page");
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) reply = g_dbus_proxy_call_finish(G_DBUS_PROXY(source), result, &error);

        if (!reply) {
                /* The daemon's own sentence: what was refused, why, until when. */
                g_dbus_error_strip_remote_error(error);
                gtk_label_set_label(page->refusal, error->message);
                gtk_widget_set_visible(GTK_WIDGET(page->refusal), TRUE);
                return;
        }
        /* API 2: the plan the policy made, with its sentences. */
        g_autoptr(GVariant) plan = g_variant_get_child_value(reply, 0);
        guint32 seconds = 0, heat_seconds = 0;
        guchar intensity = 0, heat = 0;
        g_variant_lookup(plan, "seconds", "u", &seconds);
        g_variant_lookup(plan, "heat_seconds", "u", &heat_seconds);
        g_variant_lookup(plan, "intensity", "y", &intensity);
        g_variant_lookup(plan, "heat", "y", &heat);
        g_autofree char *line = heat && heat_seconds
                ? g_strdup_printf(_("%u min at up to %u, heat %u for %u min."), (seconds + 59) / 60, intensity, heat,
                                  (heat_seconds + 59) / 60)
                : g_strdup_printf(_("%u min at up to %u, no heat."), (seconds + 59) / 60, intensity);
        g_autofree char *advice = advice_text(plan);
        g_autofree char *text = advice ? g_strdup_printf("%s\n%s", line, advice) : g_strdup(line);
        gtk_label_set_label(page->plan, text);
}

static void on_start(GtkButton *button, PageSession *page) {
        GVariantBuilder options;
        guint selected = adw_combo_row_get_selected(page->program);
        const char *program = selected < page->program_names->len ? page->program_names->pdata[selected] : NULL;

        if (!page->device)
                return;
        gtk_widget_set_visible(GTK_WIDGET(page->refusal), FALSE);
        g_variant_builder_init(&options, G_VARIANT_TYPE_VARDICT);
        if (program)
                g_variant_builder_add(&options, "{sv}", "program",
                                      g_variant_new_string(program));
        g_variant_builder_add(&options, "{sv}", "intensity",
                              g_variant_new_byte(gtk_spin_button_get_value_as_int(page->intensity)));
        g_variant_builder_add(&options, "{sv}", "heat",
                              g_variant_new_byte(gtk_spin_button_get_value_as_int(page->heat)));
        g_variant_builder_add(&options, "{sv}", "duration",
                              g_variant_new_uint32(60 * gtk_spin_button_get_value_as_int(page->minutes)));
        GtkWidget *widget = gtk_widget_get_ancestor(GTK_WIDGET(button), ADW_TYPE_PREFERENCES_PAGE);
        g_dbus_proxy_call(G_DBUS_PROXY(page->device), "Start", g_variant_new("(a{sv})", &options),
                          G_DBUS_CALL_FLAGS_NONE, 30000, NULL, on_start_done, g_object_ref(widget));
}

static void on_simple_done(GObject *source, GAsyncResult *result, gpointer user_data) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) reply = g_dbus_proxy_call_finish(G_DBUS_PROXY(source), result, &error);
        GtkWidget *button = user_data;

        if (!reply && gtk_widget_get_root(button)) {
                PageSession *page = g_object_get_data(G_OBJECT(button), "page");
                if (page)
                        report(page, _("The massager did not answer"), error);
        }
        g_object_unref(button);
}

static void call_device(PageSession *page, GtkWidget *button, const char *method, GVariant *args) {
        if (!page->device)
                return;
        g_object_set_data(G_OBJECT(button), "page", page);
        g_dbus_proxy_call(G_DBUS_PROXY(page->device), method, args, G_DBUS_CALL_FLAGS_NONE, 15000, NULL,
                          on_simple_done, g_object_ref(button));
}

static void on_pause(GtkButton *button, PageSession *page) {
        call_device(page, GTK_WIDGET(button), "Pause", NULL);
}

static void on_resume(GtkButton *button, PageSession *page) {
        call_device(page, GTK_WIDGET(button), "Resume", NULL);
}

static void on_stop(GtkButton *button, PageSession *page) {
        call_device(page, GTK_WIDGET(button), "Stop", NULL);
}

static void on_symptom(GtkButton *button, PageSession *page) {
        const char *reason = g_object_get_data(G_OBJECT(button), "reason");
        call_device(page, GTK_WIDGET(button), "StopWithReason", g_variant_new("(s)", reason));
}

/* The chosen program's description, served by the daemon, under its title. */
static void on_program_selected(AdwComboRow *row, GParamSpec *pspec, PageSession *page) {
        (void) pspec;
        guint selected = adw_combo_row_get_selected(row);
        adw_action_row_set_subtitle(ADW_ACTION_ROW(row), selected < page->program_texts->len
                                    ? page->program_texts->pdata[selected] : "");
}

/* ---- building ---- */

static GtkSpinButton *spin_row(AdwPreferencesGroup *group, const char *title, double min, double max,
                               double value) {
        GtkWidget *row = adw_action_row_new();
        GtkWidget *spin = gtk_spin_button_new_with_range(min, max, 1);

        adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row), title);
        gtk_spin_button_set_value(GTK_SPIN_BUTTON(spin), value);
        gtk_widget_set_valign(spin, GTK_ALIGN_CENTER);
        /* Its accessible name comes from the row's title (the row labels its
         * activatable widget); a label of its own would read "Intensity Intensity". */
        adw_action_row_add_suffix(ADW_ACTION_ROW(row), spin);
        adw_action_row_set_activatable_widget(ADW_ACTION_ROW(row), spin);
        adw_preferences_group_add(group, row);
        return GTK_SPIN_BUTTON(spin);
}

static AdwActionRow *info_row(AdwPreferencesGroup *group, const char *title) {
        GtkWidget *row = adw_action_row_new();
        adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row), title);
        adw_preferences_group_add(group, row);
        return ADW_ACTION_ROW(row);
}

static GtkWidget *button_new(const char *label, const char *css) {
        GtkWidget *b = gtk_button_new_with_label(label);
        if (css)
                gtk_widget_add_css_class(b, css);
        return b;
}

static void page_session_free(PageSession *page) {
        g_ptr_array_unref(page->program_names);
        g_ptr_array_unref(page->program_texts);
        g_signal_handlers_disconnect_by_data(page->link, page);
        if (page->device) {
                g_signal_handler_disconnect(page->device, page->device_handler);
                g_object_unref(page->device);
        }
        set_ticking(page, FALSE);
        g_object_unref(page->link);
        g_free(page);
}

GtkWidget *page_session_new(DaemonLink *link) {
        PageSession *page = g_new0(PageSession, 1);
        GtkWidget *widget = adw_preferences_page_new();
        AdwPreferencesGroup *which = ADW_PREFERENCES_GROUP(adw_preferences_group_new());

        page->link = g_object_ref(link);
        page->device_row = info_row(which, _("Massager"));
        adw_preferences_page_add(ADW_PREFERENCES_PAGE(widget), which);

        /* Before a session. */
        page->setup = ADW_PREFERENCES_GROUP(adw_preferences_group_new());
        adw_preferences_group_set_title(page->setup, _("New session"));
        page->programs = gtk_string_list_new(NULL);
        page->program = ADW_COMBO_ROW(adw_combo_row_new());
        adw_preferences_row_set_title(ADW_PREFERENCES_ROW(page->program), _("Program"));
        adw_combo_row_set_model(page->program, G_LIST_MODEL(page->programs));
        page->program_names = g_ptr_array_new_with_free_func(g_free);
        page->program_texts = g_ptr_array_new_with_free_func(g_free);
        g_signal_connect(page->program, "notify::selected", G_CALLBACK(on_program_selected), page);
        adw_preferences_group_add(page->setup, GTK_WIDGET(page->program));
        page->intensity = spin_row(page->setup, _("Intensity"), 1, 10, 3);
        page->heat = spin_row(page->setup, _("Heat"), 0, 3, 0);
        page->minutes = spin_row(page->setup, _("Minutes"), 1, 60, 15);
        page->refusal = GTK_LABEL(gtk_label_new(NULL));
        gtk_label_set_wrap(page->refusal, TRUE);
        gtk_label_set_xalign(page->refusal, 0);
        gtk_widget_add_css_class(GTK_WIDGET(page->refusal), "error");
        gtk_widget_set_margin_top(GTK_WIDGET(page->refusal), 12);
        gtk_widget_set_visible(GTK_WIDGET(page->refusal), FALSE);
        adw_preferences_group_add(page->setup, GTK_WIDGET(page->refusal));
        page->advice = GTK_LABEL(gtk_label_new(NULL));
        gtk_label_set_wrap(page->advice, TRUE);
        gtk_label_set_xalign(page->advice, 0);
        gtk_widget_set_margin_top(GTK_WIDGET(page->advice), 12);
        gtk_widget_set_visible(GTK_WIDGET(page->advice), FALSE);
        adw_preferences_group_add(page->setup, GTK_WIDGET(page->advice));
        page->followup = GTK_LABEL(gtk_label_new(NULL));
        gtk_label_set_wrap(page->followup, TRUE);
        gtk_label_set_xalign(page->followup, 0);
        gtk_widget_add_css_class(GTK_WIDGET(page->followup), "warning");
        gtk_widget_set_margin_top(GTK_WIDGET(page->followup), 12);
        gtk_widget_set_visible(GTK_WIDGET(page->followup), FALSE);
        adw_preferences_group_add(page->setup, GTK_WIDGET(page->followup));
        page->start = button_new(_("Start"), "suggested-action");
        gtk_widget_add_css_class(page->start, "pill");
        gtk_widget_set_margin_top(page->start, 12);
        adw_preferences_group_add(page->setup, page->start);
        adw_preferences_page_add(ADW_PREFERENCES_PAGE(widget), page->setup);

        /* During a session. */
        page->running = ADW_PREFERENCES_GROUP(adw_preferences_group_new());
        adw_preferences_group_set_title(page->running, _("Session"));
        page->plan = GTK_LABEL(gtk_label_new(NULL));
        gtk_label_set_wrap(page->plan, TRUE);
        gtk_label_set_xalign(page->plan, 0);
        gtk_widget_set_margin_bottom(GTK_WIDGET(page->plan), 12);
        adw_preferences_group_add(page->running, GTK_WIDGET(page->plan));
        page->time_left = info_row(page->running, _("Time left"));
        page->pattern = info_row(page->running, _("Program and pattern"));
        page->level = info_row(page->running, _("Intensity"));
        page->temperature = info_row(page->running, _("Pad temperature"));
        page->chart = temperature_chart_new();
        adw_preferences_group_add(page->running, page->chart);
        GtkWidget *buttons = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 12);
        gtk_widget_set_halign(buttons, GTK_ALIGN_CENTER);
        gtk_widget_set_margin_top(buttons, 12);
        page->pause = button_new(_("Pause"), NULL);
        page->resume = button_new(_("Resume"), "suggested-action");
        GtkWidget *stop = button_new(_("Stop"), "destructive-action");
        gtk_box_append(GTK_BOX(buttons), page->pause);
        gtk_box_append(GTK_BOX(buttons), page->resume);
        gtk_box_append(GTK_BOX(buttons), stop);
        adw_preferences_group_add(page->running, buttons);
        adw_preferences_page_add(ADW_PREFERENCES_PAGE(widget), page->running);

        /* Stop because of a symptom: one tap each. */
        page->symptom_group = ADW_PREFERENCES_GROUP(adw_preferences_group_new());
        adw_preferences_group_set_title(page->symptom_group, _("Stop because of"));
        GtkWidget *flow = gtk_flow_box_new();
        gtk_flow_box_set_selection_mode(GTK_FLOW_BOX(flow), GTK_SELECTION_NONE);
        gtk_flow_box_set_max_children_per_line(GTK_FLOW_BOX(flow), 3);
        for (size_t i = 0; i < G_N_ELEMENTS(symptoms); i++) {
                GtkWidget *b = button_new(_(symptoms[i].label), NULL);
                g_autofree char *name = g_strdup_printf(_("Stop: %s"), _(symptoms[i].label));
                gtk_accessible_update_property(GTK_ACCESSIBLE(b), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
                g_object_set_data(G_OBJECT(b), "reason", (gpointer) symptoms[i].reason);
                g_signal_connect(b, "clicked", G_CALLBACK(on_symptom), page);
                gtk_flow_box_append(GTK_FLOW_BOX(flow), b);
        }
        adw_preferences_group_add(page->symptom_group, flow);
        adw_preferences_page_add(ADW_PREFERENCES_PAGE(widget), page->symptom_group);

        g_signal_connect(page->start, "clicked", G_CALLBACK(on_start), page);
        g_signal_connect(page->pause, "clicked", G_CALLBACK(on_pause), page);
        g_signal_connect(page->resume, "clicked", G_CALLBACK(on_resume), page);
        g_signal_connect(stop, "clicked", G_CALLBACK(on_stop), page);
        g_object_set_data_full(G_OBJECT(widget), "page", page, (GDestroyNotify) page_session_free);
        g_signal_connect(link, "daemon-changed", G_CALLBACK(on_link_changed), page);
        g_signal_connect(link, "manager-changed", G_CALLBACK(on_manager_changed), page);
        g_signal_connect(link, "advice", G_CALLBACK(on_advice), page);
        g_signal_connect(link, "device-added", G_CALLBACK(on_device_list_changed), page);
        g_signal_connect(link, "device-removed", G_CALLBACK(on_device_list_changed), page);
        choose_device(page);
        return widget;
}
