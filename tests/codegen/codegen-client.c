/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * codegen-client: a third-party client of org.massaged1, built only from the
 * installed introspection XML (doc/org.massaged1.*.xml) through gdbus-codegen
 * and gio. It includes no header of this project on purpose: it is what an
 * app author can write with the XML and doc/dbus-api.md alone.
 *
 *   codegen-client BUS_ADDRESS DEVICE_ADDRESS
 *
 * It reads every property of every interface generically (the generated
 * interface info is the XML's list) and calls every method through the
 * generated proxies, in an order a real app would. It reports on stdout, one
 * line each, for tests/codegen/test-codegen.py:
 *
 *   property Manager.APIVersion u      a property read, with its type
 *   called Device.Start ok              a method called and its outcome,
 *   called Device.Pause error NAME      or the D-Bus error name it got
 *   removed PATH yes|no                 the ObjectManager client dropped the
 *                                       device after ForgetDevice
 *   done                                every step passed
 *   fail MESSAGE                        a check failed (exit status 1)
 *
 * After each "called" line it waits for "next" on stdin, so the driver can
 * check the simulated device's true state after each call before the next.
 *
 * Reply types need no code here: the generated proxies carry the XML's
 * interface info, so GDBusProxy refuses a reply whose type differs from the
 * XML's out arguments (the call then fails and so does this client), and
 * drops (with a warning) a property value of the wrong type.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gio/gio.h>

#include "massaged-codegen.h"

#define BUS_NAME "org.massaged1"
#define ROOT_PATH "/org/massaged1"
#define IFACE_PREFIX "org.massaged1."
#define FAR_FUTURE_US ((gint64) 1 << 62)

typedef struct {
        const char *key;
        const char *type;
} Field;

G_GNUC_NORETURN G_GNUC_PRINTF(1, 2) static void die(const char *fmt, ...) {
        va_list ap;

        (void) fputs("fail ", stdout);
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        (void) fputc('\n', stdout);
        (void) fflush(stdout);
        exit(EXIT_FAILURE);
}

/* Report a finished call and wait until the driver has checked its effect. */
static void step(const char *iface, const char *method, const char *outcome) {
        char line[64];

        printf("called %s.%s %s\n", iface, method, outcome);
        (void) fflush(stdout);
        if (!fgets(line, sizeof(line), stdin) || strcmp(line, "next\n") != 0)
                die("the driver did not say \"next\" after %s.%s", iface, method);
}

static void expect_ok(const char *iface, const char *method, gboolean ok, GError *error) {
        if (!ok)
                die("%s.%s failed: %s", iface, method, error ? error->message : "(no error)");
        step(iface, method, "ok");
}

/* A refusal must arrive as exactly the documented D-Bus error name. */
static void expect_error(const char *iface, const char *method, gboolean ok, GError *error, const char *name) {
        g_autofree char *got = NULL;
        g_autofree char *outcome = NULL;

        if (ok)
                die("%s.%s succeeded, expected %s", iface, method, name);
        got = g_dbus_error_get_remote_error(error);
        if (!got)
                die("%s.%s failed without a D-Bus error name: %s", iface, method, error->message);
        if (strcmp(got, name) != 0)
                die("%s.%s: expected %s, got %s: %s", iface, method, name, got, error->message);
        outcome = g_strdup_printf("error %s", got);
        step(iface, method, outcome);
}

static double slowdown(void) {
        const char *s = g_getenv("MASSAGED_TEST_SLOWDOWN");
        double f = s ? g_ascii_strtod(s, NULL) : 1.0;

        return f >= 1.0 ? f : 1.0;
}

static gboolean on_tick(gpointer userdata) {
        *(gboolean *) userdata = TRUE;
        return G_SOURCE_REMOVE;
}

/* Dispatch D-Bus signals until the object at path is present, with a deadline. */
static GDBusObject *wait_object(GDBusObjectManager *om, const char *path) {
        gint64 deadline = g_get_monotonic_time() + (gint64) (10 * G_USEC_PER_SEC * slowdown());

        for (;;) {
                GDBusObject *o = g_dbus_object_manager_get_object(om, path);
                gboolean fired = FALSE;
                guint id;

                if (o)
                        return o;
                if (g_get_monotonic_time() > deadline)
                        die("object %s not in the ObjectManager after the deadline", path);
                id = g_timeout_add(50, on_tick, &fired);
                g_main_context_iteration(NULL, TRUE);
                if (!fired)
                        g_source_remove(id);
        }
}

static const char *short_name(GDBusInterfaceInfo *info) {
        return g_str_has_prefix(info->name, IFACE_PREFIX) ? info->name + strlen(IFACE_PREFIX) : info->name;
}

/* Every property the XML declares, from the proxy's cache, of the XML's type. */
static void read_properties(GDBusProxy *proxy, GDBusInterfaceInfo *info) {
        for (GDBusPropertyInfo **p = info->properties; p && *p; p++) {
                g_autoptr(GVariant) v = g_dbus_proxy_get_cached_property(proxy, (*p)->name);

                if (!v)
                        die("property %s.%s missing (not sent, or not of type %s)", short_name(info), (*p)->name,
                            (*p)->signature);
                if (!g_variant_is_of_type(v, G_VARIANT_TYPE((*p)->signature)))
                        die("property %s.%s is %s, the XML says %s", short_name(info), (*p)->name,
                            g_variant_get_type_string(v), (*p)->signature);
                printf("property %s.%s %s\n", short_name(info), (*p)->name, g_variant_get_type_string(v));
        }
        (void) fflush(stdout);
}

static void check_fields(const char *what, GVariant *dict, const Field *fields) {
        for (const Field *f = fields; f->key; f++) {
                g_autoptr(GVariant) v = g_variant_lookup_value(dict, f->key, NULL);

                if (!v)
                        die("%s lacks '%s'", what, f->key);
                if (!g_variant_is_of_type(v, G_VARIANT_TYPE(f->type)))
                        die("%s: '%s' is %s, doc/dbus-api.md says %s", what, f->key, g_variant_get_type_string(v),
                            f->type);
        }
}

static void check_each(const char *what, GVariant *list, const Field *fields) {
        GVariantIter it;
        GVariant *entry;

        g_variant_iter_init(&it, list);
        while ((entry = g_variant_iter_next_value(&it))) {
                check_fields(what, entry, fields);
                g_variant_unref(entry);
        }
}

static const Field plan_fields[] = {
        { "program", "s" }, { "seconds", "u" }, { "intensity", "y" }, { "intensity_max", "y" },
        { "heat", "y" }, { "heat_seconds", "u" }, { "soft_start_seconds", "u" }, { "advice", "as" },
        {}
};
static const Field answer_fields[] = {
        { "allowed", "b" }, { "error", "s" }, { "reason", "s" }, { "message", "s" }, { "available_at", "x" },
        {}
};
static const Field usage_fields[] = {
        { "sessions", "u" }, { "seconds", "t" }, { "heat_seconds", "t" }, { "week_seconds", "t" },
        { "daily_sessions_limit", "u" }, { "daily_minutes_limit", "u" }, { "last_end", "x" },
        { "thermal_locked", "b" }, { "heat_disabled", "b" },
        {}
};
static const Field describe_fields[] = {
        { "value", "u" }, { "min", "u" }, { "max", "u" }, { "default", "u" }, { "type", "s" }, { "source", "s" },
        { "unit", "s" }, { "higher_is_safer", "b" }, { "summary", "s" },
        {}
};
static const Field session_fields[] = {
        { "id", "t" }, { "device", "s" }, { "program", "s" }, { "start", "x" }, { "end", "x" },
        { "planned_seconds", "u" }, { "seconds", "u" }, { "heat_seconds", "u" }, { "intensity", "y" },
        { "heat", "y" }, { "open", "b" }, { "end_reason", "s" }, { "pain_before", "i" }, { "pain_after", "i" },
        { "note", "s" },
        {}
};
static const Field day_fields[] = {
        { "day", "x" }, { "sessions", "u" }, { "seconds", "t" }, { "heat_seconds", "t" },
        {}
};
static const Field event_fields[] = {
        { "time", "x" }, { "kind", "s" }, { "device", "s" }, { "detail", "s" },
        {}
};

/* All-no answers for every key of ScreeningQuestions; read generically, so a
 * list of (key, text) pairs instead of plain keys works too. */
static GVariant *all_no_screening(MassagedManager *manager) {
        g_autoptr(GVariant) questions =
                g_dbus_proxy_get_cached_property(G_DBUS_PROXY(manager), "ScreeningQuestions");
        GVariantBuilder b;
        GVariantIter it;
        GVariant *q;
        unsigned n = 0;

        if (!questions || !g_variant_is_container(questions))
                die("Manager.ScreeningQuestions is not a list");
        g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
        g_variant_iter_init(&it, questions);
        while ((q = g_variant_iter_next_value(&it))) {
                g_autoptr(GVariant) key = g_variant_is_container(q) ? g_variant_get_child_value(q, 0)
                                                                    : g_variant_ref(q);

                if (!g_variant_is_of_type(key, G_VARIANT_TYPE_STRING))
                        die("a ScreeningQuestions entry has no string key: %s", g_variant_get_type_string(q));
                g_variant_builder_add(&b, "{sv}", g_variant_get_string(key, NULL), g_variant_new_boolean(FALSE));
                g_variant_unref(q);
                n++;
        }
        if (n == 0)
                die("Manager.ScreeningQuestions is empty");
        return g_variant_builder_end(&b);
}

static GVariant *options_duration(guint32 seconds) {
        GVariantBuilder b;

        g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
        g_variant_builder_add(&b, "{sv}", "duration", g_variant_new_uint32(seconds));
        return g_variant_builder_end(&b);
}

static GVariant *one_limit(const char *key, guint32 value) {
        GVariantBuilder b;

        g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
        g_variant_builder_add(&b, "{sv}", key, g_variant_new_uint32(value));
        return g_variant_builder_end(&b);
}

static guint32 lookup_u(GVariant *dict, const char *key, const char *what) {
        guint32 v;

        if (!g_variant_lookup(dict, key, "u", &v))
                die("%s lacks '%s' (u)", what, key);
        return v;
}

/* The limits: read, described, a refused and an accepted change. */
static void limits(MassagedManager *m) {
        g_autoptr(GError) e = NULL;
        g_autoptr(GVariant) got = NULL, desc = NULL, session = NULL;
        gboolean ok;
        guint32 value, max;

        ok = massaged_manager_call_get_limits_sync(m, &got, NULL, &e);
        expect_ok("Manager", "GetLimits", ok, e);
        (void) lookup_u(got, "session_minutes", "GetLimits");

        ok = massaged_manager_call_describe_limits_sync(m, &desc, NULL, &e);
        expect_ok("Manager", "DescribeLimits", ok, e);
        {
                GVariantIter it;
                const char *key;
                GVariant *entry;

                g_variant_iter_init(&it, desc);
                while (g_variant_iter_next(&it, "{&s@a{sv}}", &key, &entry)) {
                        g_autofree char *what = g_strdup_printf("DescribeLimits '%s'", key);

                        check_fields(what, entry, describe_fields);
                        g_variant_unref(entry);
                }
        }
        session = g_variant_lookup_value(desc, "session_minutes", G_VARIANT_TYPE_VARDICT);
        if (!session)
                die("DescribeLimits lacks session_minutes");
        value = lookup_u(session, "value", "DescribeLimits session_minutes");
        max = lookup_u(session, "max", "DescribeLimits session_minutes");

        ok = massaged_manager_call_set_limits_sync(m, one_limit("session_minutes", max + 1), NULL, &e);
        expect_error("Manager", "SetLimits", ok, e, "org.freedesktop.DBus.Error.InvalidArgs");
        g_clear_error(&e);
        ok = massaged_manager_call_set_limits_sync(m, one_limit("session_minutes", value), NULL, &e);
        expect_ok("Manager", "SetLimits", ok, e);
}

/* A session from start to stop, through every Device call that moves it. */
static guint64 session(MassagedManager *m, MassagedDevice *dev, const char *path) {
        g_autoptr(GError) e = NULL;
        g_autoptr(GVariant) answer = NULL, plan = NULL, check_plan = NULL, refused = NULL;
        gboolean ok, allowed;
        guint64 id;

        ok = massaged_device_call_start_sync(dev, options_duration(600), &refused, NULL, &e);
        expect_error("Device", "Start", ok, e, "org.massaged1.Error.ScreeningRequired");
        g_clear_error(&e);

        ok = massaged_manager_call_submit_screening_sync(m, all_no_screening(m), NULL, &e);
        expect_ok("Manager", "SubmitScreening", ok, e);

        ok = massaged_manager_call_check_start_sync(m, path, options_duration(600), &answer, NULL, &e);
        expect_ok("Manager", "CheckStart", ok, e);
        check_fields("CheckStart's answer", answer, answer_fields);
        if (!g_variant_lookup(answer, "allowed", "b", &allowed) || !allowed)
                die("CheckStart does not allow a start after an all-no screening");
        check_plan = g_variant_lookup_value(answer, "plan", G_VARIANT_TYPE_VARDICT);
        if (!check_plan)
                die("CheckStart allows a start but has no plan a{sv}");
        check_fields("CheckStart's plan", check_plan, plan_fields);

        ok = massaged_device_call_pause_sync(dev, NULL, &e);
        expect_error("Device", "Pause", ok, e, "org.massaged1.Error.NotRunning");
        g_clear_error(&e);

        ok = massaged_device_call_start_sync(dev, options_duration(600), &plan, NULL, &e);
        expect_ok("Device", "Start", ok, e);
        check_fields("Start's plan", plan, plan_fields);
        if (!g_variant_lookup(plan, "session_id", "t", &id) || id == 0)
                die("Start's plan has no session_id t");

        ok = massaged_device_call_set_intensity_sync(dev, 1, NULL, &e);
        expect_ok("Device", "SetIntensity", ok, e);
        ok = massaged_device_call_set_heat_sync(dev, 1, NULL, &e);
        expect_ok("Device", "SetHeat", ok, e);
        ok = massaged_device_call_pause_sync(dev, NULL, &e);
        expect_ok("Device", "Pause", ok, e);
        ok = massaged_device_call_resume_sync(dev, NULL, &e);
        expect_ok("Device", "Resume", ok, e);
        ok = massaged_device_call_stop_sync(dev, NULL, &e);
        expect_ok("Device", "Stop", ok, e);

        g_clear_pointer(&refused, g_variant_unref);
        ok = massaged_device_call_start_sync(dev, options_duration(600), &refused, NULL, &e);
        expect_error("Device", "Start", ok, e, "org.massaged1.Error.RestRequired");
        g_clear_error(&e);

        /* After the stop: a symptom reported late is recorded all the same. */
        ok = massaged_device_call_stop_with_reason_sync(dev, "dizziness", NULL, &e);
        expect_ok("Device", "StopWithReason", ok, e);
        return id;
}

static GVariant *find_session(GVariant *sessions, guint64 id) {
        GVariantIter it;
        GVariant *s;

        g_variant_iter_init(&it, sessions);
        while ((s = g_variant_iter_next_value(&it))) {
                guint64 sid;

                if (g_variant_lookup(s, "id", "t", &sid) && sid == id)
                        return s;
                g_variant_unref(s);
        }
        die("GetSessions lacks session %" G_GUINT64_FORMAT, id);
}

static void history(MassagedHistory *h, guint64 id) {
        g_autoptr(GError) e = NULL;
        g_autoptr(GVariant) sessions = NULL, noted = NULL, days = NULL, events = NULL, s = NULL, s2 = NULL;
        GVariantBuilder note;
        const char *reason = NULL, *text = NULL;
        gint32 before = -1, after = -1;
        gint64 now = g_get_real_time();
        gboolean ok, open = TRUE;

        ok = massaged_history_call_get_sessions_sync(h, 0, FAR_FUTURE_US, &sessions, NULL, &e);
        expect_ok("History", "GetSessions", ok, e);
        check_each("a GetSessions entry", sessions, session_fields);
        s = find_session(sessions, id);
        if (!g_variant_lookup(s, "open", "b", &open) || open)
                die("session %" G_GUINT64_FORMAT " still open after Stop", id);
        if (!g_variant_lookup(s, "end_reason", "&s", &reason) || strcmp(reason, "user") != 0)
                die("session %" G_GUINT64_FORMAT " ended with '%s', not 'user'", id, reason ? reason : "");

        g_variant_builder_init(&note, G_VARIANT_TYPE_VARDICT);
        g_variant_builder_add(&note, "{sv}", "pain_before", g_variant_new_int32(4));
        g_variant_builder_add(&note, "{sv}", "pain_after", g_variant_new_int32(2));
        g_variant_builder_add(&note, "{sv}", "note", g_variant_new_string("written by codegen-client"));
        ok = massaged_history_call_set_note_sync(h, id, g_variant_builder_end(&note), NULL, &e);
        expect_ok("History", "SetNote", ok, e);

        ok = massaged_history_call_get_sessions_sync(h, 0, FAR_FUTURE_US, &noted, NULL, &e);
        expect_ok("History", "GetSessions", ok, e);
        s2 = find_session(noted, id);
        if (!g_variant_lookup(s2, "pain_before", "i", &before) || !g_variant_lookup(s2, "pain_after", "i", &after) ||
            !g_variant_lookup(s2, "note", "&s", &text) || before != 4 || after != 2 ||
            strcmp(text, "written by codegen-client") != 0)
                die("SetNote's diary not in GetSessions: %d %d '%s'", before, after, text ? text : "");

        ok = massaged_history_call_get_usage_per_day_sync(h, now - 2 * G_TIME_SPAN_DAY, now + G_TIME_SPAN_DAY, &days,
                                                          NULL, &e);
        expect_ok("History", "GetUsagePerDay", ok, e);
        check_each("a GetUsagePerDay entry", days, day_fields);
        if (g_variant_n_children(days) == 0)
                die("GetUsagePerDay has no day around today");

        ok = massaged_history_call_get_events_sync(h, 0, FAR_FUTURE_US, &events, NULL, &e);
        expect_ok("History", "GetEvents", ok, e);
        check_each("a GetEvents entry", events, event_fields);
        {
                GVariantIter it;
                GVariant *ev;
                gboolean symptom = FALSE;

                g_variant_iter_init(&it, events);
                while ((ev = g_variant_iter_next_value(&it))) {
                        const char *kind;

                        if (g_variant_lookup(ev, "kind", "&s", &kind) && strcmp(kind, "stop_reason") == 0)
                                symptom = TRUE;
                        g_variant_unref(ev);
                }
                if (!symptom)
                        die("GetEvents has no stop_reason event after StopWithReason");
        }
}

int main(int argc, char *argv[]) {
        g_autoptr(GError) e = NULL;
        g_autoptr(GDBusConnection) conn = NULL;
        MassagedManager *manager = NULL;        /* no g_autoptr: codegen emits it only with --glib-min-required */
        MassagedHistory *hist = NULL;
        g_autoptr(GDBusObjectManager) om = NULL;
        g_autoptr(GDBusObject) object = NULL;
        g_autoptr(GDBusObject) gone = NULL;
        MassagedDevice *dev = NULL;
        g_autoptr(GVariant) unknown_answer = NULL;
        g_autofree char *device_path = NULL, *guessed = NULL;
        const char *bus = argc > 1 ? argv[1] : g_getenv("CODEGEN_BUS_ADDRESS");
        const char *address = argc > 2 ? argv[2] : g_getenv("CODEGEN_DEVICE_ADDRESS");
        gboolean ok;
        guint64 id;

        if (argc > 3 || !bus || !address) {
                (void) fprintf(stderr, "Usage: %s BUS_ADDRESS DEVICE_ADDRESS (or $CODEGEN_BUS_ADDRESS, "
                                "$CODEGEN_DEVICE_ADDRESS)\n", argv[0]);
                return 2;
        }

        conn = g_dbus_connection_new_for_address_sync(bus, G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                      G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                      NULL, NULL, &e);
        if (!conn)
                die("cannot connect to %s: %s", bus, e->message);
        manager = massaged_manager_proxy_new_sync(conn, G_DBUS_PROXY_FLAGS_NONE, BUS_NAME, ROOT_PATH, NULL, &e);
        if (!manager)
                die("Manager proxy: %s", e->message);
        hist = massaged_history_proxy_new_sync(conn, G_DBUS_PROXY_FLAGS_NONE, BUS_NAME, ROOT_PATH, NULL, &e);
        if (!hist)
                die("History proxy: %s", e->message);
        om = massaged_object_manager_client_new_sync(conn, G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_NONE, BUS_NAME,
                                                     ROOT_PATH, NULL, &e);
        if (!om)
                die("ObjectManager client: %s", e->message);

        read_properties(G_DBUS_PROXY(manager), massaged_manager_interface_info());
        read_properties(G_DBUS_PROXY(hist), massaged_history_interface_info());

        /* Nothing to acknowledge in a fresh world. */
        ok = massaged_manager_call_acknowledge_thermal_sync(manager, NULL, &e);
        expect_error("Manager", "AcknowledgeThermal", ok, e, "org.massaged1.Error.NothingToAcknowledge");
        g_clear_error(&e);
        ok = massaged_manager_call_reset_heat_sync(manager, NULL, &e);
        expect_error("Manager", "ResetHeat", ok, e, "org.massaged1.Error.NothingToAcknowledge");
        g_clear_error(&e);

        limits(manager);
        {
                g_autoptr(GVariant) usage = NULL;

                ok = massaged_manager_call_get_usage_today_sync(manager, &usage, NULL, &e);
                expect_ok("Manager", "GetUsageToday", ok, e);
                check_fields("GetUsageToday", usage, usage_fields);
        }

        ok = massaged_manager_call_start_discovery_sync(manager, NULL, &e);
        expect_ok("Manager", "StartDiscovery", ok, e);
        ok = massaged_manager_call_stop_discovery_sync(manager, NULL, &e);
        expect_ok("Manager", "StopDiscovery", ok, e);

        /* The path doc/dbus-api.md promises, before the device is known. */
        guessed = g_strdelimit(g_strdup_printf(ROOT_PATH "/device/%s", address), ":", '_');
        ok = massaged_manager_call_check_start_sync(manager, guessed, options_duration(600), &unknown_answer, NULL,
                                                    &e);
        expect_error("Manager", "CheckStart", ok, e, "org.massaged1.Error.UnknownDevice");
        g_clear_error(&e);

        ok = massaged_manager_call_add_device_sync(manager, address, &device_path, NULL, &e);
        expect_ok("Manager", "AddDevice", ok, e);
        if (g_ascii_strcasecmp(device_path, guessed) != 0)
                die("AddDevice returned %s, doc/dbus-api.md's scheme gives %s", device_path, guessed);

        /* The device as an app finds it: through the generated ObjectManager client. */
        object = wait_object(om, device_path);
        dev = massaged_object_get_device(MASSAGED_OBJECT(object));
        if (!dev)
                die("%s has no org.massaged1.Device", device_path);

        ok = massaged_device_call_connect_sync(dev, NULL, &e);
        expect_ok("Device", "Connect", ok, e);
        read_properties(G_DBUS_PROXY(dev), massaged_device_interface_info());

        id = session(manager, dev, device_path);
        history(hist, id);

        ok = massaged_device_call_clear_faults_sync(dev, NULL, &e);
        expect_ok("Device", "ClearFaults", ok, e);
        ok = massaged_manager_call_stop_all_sync(manager, NULL, &e);
        expect_ok("Manager", "StopAll", ok, e);
        ok = massaged_device_call_disconnect_sync(dev, NULL, &e);
        expect_ok("Device", "Disconnect", ok, e);
        ok = massaged_manager_call_forget_device_sync(manager, device_path, NULL, &e);
        expect_ok("Manager", "ForgetDevice", ok, e);
        /* The daemon emits InterfacesRemoved before its reply, so the signal
         * is already queued here: dispatch it, no waiting. */
        while (g_main_context_pending(NULL))
                g_main_context_iteration(NULL, FALSE);
        gone = g_dbus_object_manager_get_object(om, device_path);
        printf("removed %s %s\n", device_path, gone ? "no" : "yes");

        read_properties(G_DBUS_PROXY(manager), massaged_manager_interface_info());
        printf("done\n");
        g_object_unref(dev);
        g_object_unref(hist);
        g_object_unref(manager);
        return EXIT_SUCCESS;
}
