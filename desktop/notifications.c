/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <glib/gi18n.h>

#include "notifications.h"

#define BATTERY_LOW_PERCENT 15

/* Endings that are news for someone who was not looking: safety stops. */
static const struct {
        const char *reason, *text;
} safety_endings[] = {
        { "thermal_cutoff", N_("The pad got too hot: the massager was stopped.") },
        { "sensor_fault", N_("The temperature sensor failed: the massager was stopped.") },
        { "link_lost", N_("The connection to the massager was lost: it stops by itself.") },
        { "device_fault", N_("The massager reported a fault and was stopped.") },
        { "battery", N_("The battery is too low: the massager was stopped.") },
        { "limit", N_("A safety limit was reached: the session ended.") },
        { "suspend", N_("The computer went to sleep: the massager was stopped.") },
        { "pause_timeout", N_("The session was paused too long and has ended.") },
        { "interrupted", N_("The session was interrupted.") },
};

typedef struct Watched {
        Notifications *owner;
        MassagedDevice *device;         /* owned */
        gboolean active;                /* running or paused, as last seen */
        gboolean battery_low;           /* notified for this crossing */
} Watched;

struct Notifications {
        GApplication *app;              /* not owned: it owns us */
        DaemonLink *link;
        GHashTable *watched;            /* object path → Watched */
        guint holds;                    /* g_application_hold() calls for active sessions */
};

static char *notification_id(MassagedDevice *d, const char *what) {
        return g_strdup_printf("%s-%s", what, massaged_device_get_address(d));
}

static const char *device_title(MassagedDevice *d) {
        const char *name = massaged_device_get_name(d);
        return name && *name ? name : massaged_device_get_address(d);
}

static void set_active(Watched *w, gboolean active) {
        if (active == w->active)
                return;
        w->active = active;
        /* Alive while a session runs, so the notification's Stop works with
         * the window closed. */
        if (active) {
                g_application_hold(w->owner->app);
                w->owner->holds++;
        } else {
                g_application_release(w->owner->app);
                w->owner->holds--;
        }
}

static void show_running(Watched *w) {
        MassagedDevice *d = w->device;
        g_autofree char *id = notification_id(d, "session");
        g_autoptr(GNotification) n = g_notification_new(_("Massage running"));
        guint remaining = massaged_device_get_remaining(d);
        g_autofree char *body = g_strdup_printf(_("%s: %s, %u min left."), device_title(d),
                                                massaged_device_get_program(d), (remaining + 59) / 60);
        const char *path = g_dbus_proxy_get_object_path(G_DBUS_PROXY(d));

        g_notification_set_body(n, body);
        g_notification_set_priority(n, G_NOTIFICATION_PRIORITY_HIGH);
        g_notification_add_button_with_target(n, _("Stop"), "app.stop-device", "s", path);
        g_notification_set_default_action(n, "app.activate");
        g_application_send_notification(w->owner->app, id, n);
}

static void on_properties(GDBusProxy *proxy, GVariant *changed, GStrv invalidated, Watched *w) {
        (void) proxy, (void) invalidated;
        const char *state;
        guchar battery;

        if (g_variant_lookup(changed, "State", "&s", &state)) {
                gboolean active = g_str_equal(state, "running") || g_str_equal(state, "paused");
                if (active && !w->active)
                        show_running(w);
                set_active(w, active);
        }
        if (g_variant_lookup(changed, "Battery", "y", &battery) && battery <= 100) {
                if (battery <= BATTERY_LOW_PERCENT && !w->battery_low) {
                        g_autofree char *id = notification_id(w->device, "battery");
                        g_autoptr(GNotification) n = g_notification_new(_("Massager battery low"));
                        g_autofree char *body = g_strdup_printf(_("%s: %u %% left. Charge it before the next session."),
                                                                device_title(w->device), battery);
                        g_notification_set_body(n, body);
                        g_application_send_notification(w->owner->app, id, n);
                        w->battery_low = TRUE;
                } else if (battery > BATTERY_LOW_PERCENT + 5) {
                        w->battery_low = FALSE;  /* charged again: the next crossing is news */
                }
        }
}

static void on_session_ended(MassagedDevice *d, guint64 id, const char *reason, guint seconds, Watched *w) {
        (void) id;
        g_autofree char *running_id = notification_id(d, "session");
        g_autofree char *ended_id = notification_id(d, "ended");
        const char *safety = NULL;

        g_application_withdraw_notification(w->owner->app, running_id);
        for (size_t i = 0; i < G_N_ELEMENTS(safety_endings); i++)
                if (g_strcmp0(reason, safety_endings[i].reason) == 0)
                        safety = _(safety_endings[i].text);

        g_autoptr(GNotification) n = g_notification_new(safety ? _("Massage stopped for safety")
                                                        : g_strcmp0(reason, "completed") == 0 ? _("Massage completed")
                                                        : _("Massage stopped"));
        g_autofree char *body = safety ? g_strdup_printf("%s: %s", device_title(d), safety)
                                       : g_strdup_printf(_("%s: %u min."), device_title(d), (seconds + 59) / 60);
        g_notification_set_body(n, body);
        if (safety)
                g_notification_set_priority(n, G_NOTIFICATION_PRIORITY_URGENT);
        g_application_send_notification(w->owner->app, ended_id, n);
        set_active(w, FALSE);
}

static void watched_free(Watched *w) {
        g_signal_handlers_disconnect_by_data(w->device, w);
        set_active(w, FALSE);
        g_object_unref(w->device);
        g_free(w);
}

static void watch(Notifications *n, MassagedDevice *d) {
        const char *path = g_dbus_proxy_get_object_path(G_DBUS_PROXY(d));
        Watched *w;

        if (g_hash_table_contains(n->watched, path))
                return;
        w = g_new0(Watched, 1);
        w->owner = n;
        w->device = g_object_ref(d);
        g_signal_connect(d, "g-properties-changed", G_CALLBACK(on_properties), w);
        g_signal_connect(d, "session-ended", G_CALLBACK(on_session_ended), w);
        g_hash_table_insert(n->watched, g_strdup(path), w);
        /* A session already running when the app starts is announced too. */
        const char *state = massaged_device_get_state(d);
        if (g_strcmp0(state, "running") == 0 || g_strcmp0(state, "paused") == 0) {
                show_running(w);
                set_active(w, TRUE);
        }
}

static void rescan(Notifications *n) {
        g_autoptr(GList) devices = daemon_link_get_devices(n->link);
        GHashTableIter it;
        gpointer key;

        /* Forget devices that are gone (or a daemon that went away: never a stale "running"). */
        g_hash_table_iter_init(&it, n->watched);
        while (g_hash_table_iter_next(&it, &key, NULL)) {
                gboolean present = FALSE;
                for (GList *l = devices; l && !present; l = l->next)
                        present = g_str_equal(key, g_dbus_proxy_get_object_path(G_DBUS_PROXY(l->data)));
                if (!present) {
                        Watched *w = g_hash_table_lookup(n->watched, key);
                        g_autofree char *id = notification_id(w->device, "session");
                        g_application_withdraw_notification(n->app, id);
                        g_hash_table_iter_remove(&it);
                }
        }
        for (GList *l = devices; l; l = l->next)
                watch(n, l->data);
}

/* Manager.Advice: the policy's follow-up after a symptom stop, said even
 * with the window closed. */
static void on_advice(DaemonLink *link, const char *sentence, Notifications *n) {
        (void) link;
        g_autoptr(GNotification) note = g_notification_new(_("Advice"));
        g_notification_set_body(note, sentence);
        g_notification_set_priority(note, G_NOTIFICATION_PRIORITY_HIGH);
        g_application_send_notification(n->app, "advice", note);
}

static void on_link_changed(DaemonLink *link, Notifications *n) {
        (void) link;
        rescan(n);
}

static void on_device_changed(DaemonLink *link, MassagedDevice *device, Notifications *n) {
        (void) link, (void) device;
        rescan(n);
}

Notifications *notifications_new(GApplication *app, DaemonLink *link) {
        Notifications *n = g_new0(Notifications, 1);

        n->app = app;
        n->link = g_object_ref(link);
        n->watched = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify) watched_free);
        g_signal_connect(link, "daemon-changed", G_CALLBACK(on_link_changed), n);
        g_signal_connect(link, "device-added", G_CALLBACK(on_device_changed), n);
        g_signal_connect(link, "device-removed", G_CALLBACK(on_device_changed), n);
        g_signal_connect(link, "advice", G_CALLBACK(on_advice), n);
        rescan(n);
        return n;
}

void notifications_free(Notifications *n) {
        if (!n)
                return;
        g_signal_handlers_disconnect_by_data(n->link, n);
        g_hash_table_unref(n->watched);
        g_object_unref(n->link);
        g_free(n);
}
