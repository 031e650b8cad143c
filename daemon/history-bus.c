/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "api-args-bus.h"
#include "bus-errors.h"
#include "history-bus.h"
#include "base/log.h"
#include "manager.h"
#include "massaged-dbus.h"
#include "safety-glue.h"
#include "base/util.h"
#include "i18n.h"

/* Times on this interface are wall-clock microseconds since the epoch (x). */

static int read_range(sd_bus_message *msg, int64_t *from, int64_t *to, sd_bus_error *error) {
        _cleanup_free_ char *message = NULL;
        int r = sd_bus_message_read(msg, "xx", from, to);
        if (r < 0)
                return r;
        r = api_history_range_check(*from, *to, &message);
        if (r < 0)
                return bus_error_set_api_args(error, r, message);
        return 0;
}

static int need_ledger(Manager *m, sd_bus_error *error) {
        if (m->safety->ledger)
                return 0;
        return bus_error_set_storage(error, _("History unavailable: %s"), safety_storage_error(m->safety));
}

/*
 * The a{sv} entries of the history replies, appended call by call: on a year
 * of rows these replies hold thousands of entries, and sd_bus_message_append()
 * parses its format string again for each value (a quarter of the reply's
 * instructions, doc/performance.md "Round 2").
 */
static int append_entry(sd_bus_message *m, const char *key, char type, const void *value) {
        const char sig[2] = { type, '\0' };
        int r;

        r = sd_bus_message_open_container(m, 'e', "sv");
        if (r >= 0)
                r = sd_bus_message_append_basic(m, 's', key);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'v', sig);
        if (r >= 0)
                r = sd_bus_message_append_basic(m, type, value);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        return r;
}

static int append_s(sd_bus_message *m, const char *key, const char *v) {
        return append_entry(m, key, 's', v ?: "");
}

static int append_x(sd_bus_message *m, const char *key, int64_t v) {
        return append_entry(m, key, 'x', &v);
}

static int append_t(sd_bus_message *m, const char *key, uint64_t v) {
        return append_entry(m, key, 't', &v);
}

static int append_u(sd_bus_message *m, const char *key, uint32_t v) {
        return append_entry(m, key, 'u', &v);
}

static int append_i(sd_bus_message *m, const char *key, int32_t v) {
        return append_entry(m, key, 'i', &v);
}

static int append_y(sd_bus_message *m, const char *key, uint8_t v) {
        return append_entry(m, key, 'y', &v);
}

static int append_b(sd_bus_message *m, const char *key, bool v) {
        int b = v;
        return append_entry(m, key, 'b', &b);
}

/* One session as doc/dbus-api.md lists its keys, in that order. */
static int append_session(sd_bus_message *m, const LedgerSession *s) {
        int r;

        r = sd_bus_message_open_container(m, 'a', "{sv}");
        if (r >= 0)
                r = append_t(m, "id", (uint64_t) s->id);
        if (r >= 0)
                r = append_s(m, "device", s->device);
        if (r >= 0)
                r = append_s(m, "program", s->program);
        if (r >= 0)
                r = append_x(m, "start", s->start_wall_us);
        if (r >= 0)
                r = append_x(m, "end", s->end_wall_us);
        if (r >= 0)
                r = append_u(m, "planned_seconds", s->planned_s);
        if (r >= 0)
                r = append_u(m, "seconds", s->seconds);
        if (r >= 0)
                r = append_u(m, "heat_seconds", s->heat_seconds);
        if (r >= 0)
                r = append_y(m, "intensity", s->intensity);
        if (r >= 0)
                r = append_y(m, "heat", s->heat_level);
        if (r >= 0)
                r = append_b(m, "open", s->open);
        if (r >= 0)
                r = append_s(m, "end_reason", s->end_reason);
        if (r >= 0)
                r = append_i(m, "pain_before", s->pain_before);
        if (r >= 0)
                r = append_i(m, "pain_after", s->pain_after);
        if (r >= 0)
                r = append_s(m, "note", s->note);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        return r;
}

static int method_get_sessions(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        LedgerSession *s = NULL;
        size_t n = 0;
        int64_t from, to;
        int r;

        r = read_range(msg, &from, &to, error);
        if (r != 0)
                return r;
        if ((r = need_ledger(m, error)) < 0)
                return r;
        r = ledger_sessions_range(m->safety->ledger, from, to, 0, &s, &n);
        if (r < 0)
                return bus_error_set_storage(error, _("Cannot read sessions: %s"), ledger_error(m->safety->ledger));
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "a{sv}");
        for (size_t i = 0; r >= 0 && i < n; i++)
                r = append_session(reply, &s[i]);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        ledger_session_list_free(s, n);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int method_get_usage_per_day(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        LedgerDayUsage *u = NULL;
        size_t n = 0;
        int64_t from, to;
        int r;

        r = read_range(msg, &from, &to, error);
        if (r != 0)
                return r;
        if ((r = need_ledger(m, error)) < 0)
                return r;
        r = ledger_usage_per_day(m->safety->ledger, from, to, &u, &n);
        if (r == -E2BIG)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, _("range too long: at most 366 days"));
        /* -ERANGE: a time the C library cannot turn into a local day (e.g. INT64_MIN µs):
         * the caller's argument, not a broken ledger (found by test-daemon-abuse.py). */
        if (r == -ERANGE)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         _("'from' (%lld) or 'to' (%lld) is not a representable local time; "
                                           "give microseconds since the epoch within a few thousand years"),
                                         (long long) from, (long long) to);
        if (r < 0)
                return bus_error_set_storage(error, _("Cannot read usage: %s"), ledger_error(m->safety->ledger));
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "a{sv}");
        for (size_t i = 0; r >= 0 && i < n; i++) {
                r = sd_bus_message_open_container(reply, 'a', "{sv}");
                if (r >= 0)
                        r = append_x(reply, "day", u[i].day_start_us);
                if (r >= 0)
                        r = append_u(reply, "sessions", u[i].sessions);
                if (r >= 0)
                        r = append_t(reply, "seconds", u[i].seconds);
                if (r >= 0)
                        r = append_t(reply, "heat_seconds", u[i].heat_seconds);
                if (r >= 0)
                        r = sd_bus_message_close_container(reply);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        free(u);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int method_set_note(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(api_args_clear) ApiArgs args = {};
        _cleanup_free_ char *message = NULL;
        Manager *m = userdata;
        ApiNoteRequest req;
        SafetyClock clock;
        uint64_t id;
        int r;

        r = sd_bus_message_read(msg, "t", &id);
        if (r < 0)
                return r;
        r = bus_read_api_args(msg, API_ARGS_NOTE, &args, error);
        if (r < 0)
                return r;
        r = api_note_parse(&args, &req, &message);
        if (r < 0)
                return bus_error_set_api_args(error, r, message);
        if ((r = need_ledger(m, error)) < 0)
                return r;
        r = safety_clock_now(&clock);
        if (r >= 0)
                r = ledger_diary_set(m->safety->ledger, (int64_t) id, req.pain_before, req.pain_after, req.note,
                                     clock.wall_us);
        if (r == -ENOENT)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, _("no session with id %llu"),
                                         (unsigned long long) id);
        if (r == -E2BIG)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, _("note too long: at most %u bytes"),
                                         API_NOTE_MAX_BYTES);
        if (r == -ERANGE)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, _("pain must be 0–%d"), API_PAIN_MAX);
        if (r < 0)
                return bus_error_set_storage(error, _("Cannot save the note: %s"), ledger_error(m->safety->ledger));
        return sd_bus_reply_method_return(msg, NULL);
}

static int method_get_events(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        LedgerEvent *e = NULL;
        size_t n = 0;
        int64_t from, to;
        int r;

        r = read_range(msg, &from, &to, error);
        if (r != 0)
                return r;
        if ((r = need_ledger(m, error)) < 0)
                return r;
        r = ledger_events_range(m->safety->ledger, from, to, &e, &n);
        if (r < 0)
                return bus_error_set_storage(error, _("Cannot read events: %s"), ledger_error(m->safety->ledger));
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "a{sv}");
        for (size_t i = 0; r >= 0 && i < n; i++)
                r = sd_bus_message_append(reply, "a{sv}", 4,
                                          "time", "x", e[i].wall_us,
                                          "kind", "s", e[i].kind ?: "",
                                          "device", "s", e[i].device ?: "",
                                          "detail", "s", e[i].detail ?: "");
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        ledger_event_list_free(e, n);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static const sd_bus_vtable history_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD_WITH_ARGS("GetSessions", SD_BUS_ARGS("x", from, "x", to), SD_BUS_RESULT("aa{sv}", sessions),
                                method_get_sessions, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetUsagePerDay", SD_BUS_ARGS("x", from, "x", to), SD_BUS_RESULT("aa{sv}", days),
                                method_get_usage_per_day, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetEvents", SD_BUS_ARGS("x", from, "x", to), SD_BUS_RESULT("aa{sv}", events),
                                method_get_events, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("SetNote", SD_BUS_ARGS("t", session, "a{sv}", note), SD_BUS_NO_RESULT,
                                method_set_note, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END
};

int history_bus_register(Manager *m) {
        return sd_bus_add_object_vtable(m->api, NULL, MASSAGED_MANAGER_PATH, MASSAGED_HISTORY_INTERFACE,
                                        history_vtable, m);
}
