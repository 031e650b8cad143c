/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/address.h"
#include "api-args-bus.h"
#include "bluez/bluez.h"
#include "bus-errors.h"
#include "device.h"
#include "discovery-clients.h"
#include "base/log.h"
#include "manager.h"
#include "manager-bus.h"
#include "massaged-dbus.h"
#include "safety-event.h"
#include "safety-glue.h"
#include "safety-state-bus.h"
#include "safety/screening.h"
#include "session.h"
#include "start-availability.h"
#include "start-bus.h"
#include "base/util.h"

static int prop_api_version(sd_bus *bus, const char *path, const char *interface, const char *property,
                            sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "u", MASSAGED_API_VERSION);
}

static int prop_discovering(sd_bus *bus, const char *path, const char *interface, const char *property,
                            sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        return sd_bus_message_append(reply, "b", discovery_clients_any(m->discovery));
}

static int prop_screening_questions(sd_bus *bus, const char *path, const char *interface, const char *property,
                                    sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        int r = sd_bus_message_open_container(reply, 'a', "s");
        if (r < 0)
                return r;
        for (int q = 0; q < _SCREENING_QUESTION_MAX; q++) {
                r = sd_bus_message_append(reply, "s", screening_question_key((ScreeningQuestion) q));
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(reply);
}

static int prop_programs(sd_bus *bus, const char *path, const char *interface, const char *property,
                         sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        int r = sd_bus_message_open_container(reply, 'a', "s");
        if (r < 0)
                return r;
        for (size_t i = 0; i < m->safety->programs.n; i++) {
                r = sd_bus_message_append(reply, "s", m->safety->programs.programs[i]->name);
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(reply);
}

static int prop_discovered(sd_bus *bus, const char *path, const char *interface, const char *property,
                           sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        GHashTableIter i;
        gpointer v;
        int r = sd_bus_message_open_container(reply, 'a', "(ss)");
        if (r < 0)
                return r;
        bluez_client_iter_devices(m->bluez_client, &i);
        while (g_hash_table_iter_next(&i, NULL, &v)) {
                BluezDevice *d = v;
                if (!d->massager || !*d->address)
                        continue;
                r = sd_bus_message_append(reply, "(ss)", d->address, d->name ?: "");
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(reply);
}

static int prop_storage_error(sd_bus *bus, const char *path, const char *interface, const char *property,
                              sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        return sd_bus_message_append(reply, "s", m->safety->ledger ? "" : safety_storage_error(m->safety));
}

static int prop_config_error(sd_bus *bus, const char *path, const char *interface, const char *property,
                             sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        return sd_bus_message_append(reply, "s", safety_config_error(m->safety) ?: "");
}

/* ---- discovery -------------------------------------------------------- */

static int method_start_discovery(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        int r;

        if (!bluez_client_is_up(m->bluez_client) || bluez_client_n_adapters(m->bluez_client) == 0)
                return bus_error_set_errno(error, -EHOSTDOWN, "Bluetooth is not available (no BlueZ or no "
                                           "adapter); start bluetoothd and power an adapter on");
        const char *sender = sd_bus_message_get_sender(msg);
        if (!sender)
                return sd_bus_error_set(error, SD_BUS_ERROR_NOT_SUPPORTED, "Scanning needs a client on a bus");
        r = discovery_client_add(m->discovery, sender);
        if (r < 0)
                return bus_error_set_errno(error, r, "Cannot start scanning");
        return sd_bus_reply_method_return(msg, NULL);
}

static int method_stop_discovery(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const char *sender = sd_bus_message_get_sender(msg);

        if (sender)
                discovery_client_remove(m->discovery, sender);
        return sd_bus_reply_method_return(msg, NULL);
}

/* ---- adding and forgetting -------------------------------------------- */

typedef struct AddRequest {
        Manager *manager;
        sd_bus_message *call;
        char address[18];
        BluezCall *pair_call;
        bool pairing;                   /* set the client's pairing address */
} AddRequest;

static void finish_add(AddRequest *req) {
        Manager *m = req->manager;
        SafetyContext *safety = m->safety;
        BluezDevice *bd = bluez_find_device_by_address(m->bluez_client, req->address);
        SafetyClock clock;
        Device *d;
        int r;

        r = safety_clock_now(&clock);
        if (r >= 0)
                r = ledger_device_add(safety->ledger, req->address, bd && bd->name ? bd->name : "", clock.wall_us);
        if (r < 0) {
                _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
                bus_error_set_storage(&e, "Cannot remember %s: %s", req->address, safety_storage_error(safety));
                (void) sd_bus_reply_method_error(req->call, &e);
                return;
        }
        r = device_new(&m->device_ctx, req->address, &d);
        if (r < 0) {
                (void) bus_reply_errno(req->call, r, "Out of memory adding %s", req->address);
                return;
        }
        g_hash_table_replace(m->devices, d->address, d);
        if (bd)
                device_set_name(d, bd->name);
        (void) sd_bus_emit_object_added(m->api, d->object_path);
        log_info("%s: added", d->address);
        if (bd)
                device_bluez_attached(d, bd->path);
        (void) device_connect(d, NULL);
        (void) sd_bus_reply_method_return(req->call, "o", d->object_path);
}

static void add_request_free(AddRequest *req) {
        Manager *m = req->manager;
        if (req->pairing)
                (void) bluez_client_set_pairing_address(m->bluez_client, NULL);
        bluez_call_cancel(&req->pair_call);
        sd_bus_message_unref(req->call);
        free(req);
}

static void on_add_paired(sd_bus_message *reply, const sd_bus_error *error, void *userdata) {
        AddRequest *req = userdata;

        if (sd_bus_error_is_set(error) && !sd_bus_error_has_name(error, "org.bluez.Error.AlreadyExists")) {
                log_warning("%s: pairing failed: %s: %s", req->address, error->name, error->message);
                int e = bluez_error_to_errno(error) == -ETIMEDOUT ? -ETIMEDOUT : -EACCES;
                (void) bus_reply_errno(req->call, e, "Pairing with %s failed (%s); put the massager in pairing "
                                       "mode and try again", req->address, error->message ?: error->name);
        } else
                finish_add(req);
        add_request_free(req);
}

static int method_add_device(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const char *address;
        BluezDevice *bd;
        Device *d;
        AddRequest *req;
        int r;

        r = sd_bus_message_read(msg, "s", &address);
        if (r < 0)
                return r;
        if (!address_is_valid(address))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "address '%s' is not a Bluetooth address of the form AA:BB:CC:DD:EE:FF",
                                         address);
        d = manager_find_device(m, address);
        if (d)
                return sd_bus_reply_method_return(msg, "o", d->object_path);
        if (!m->safety->ledger)
                return bus_error_set_storage(error, "Cannot remember a device: %s", safety_storage_error(m->safety));
        if (bluez_client_pairing_address(m->bluez_client))
                return sd_bus_error_setf(error, MASSAGED_ERROR_BUSY, "Already adding %s; try again when it is done",
                                         bluez_client_pairing_address(m->bluez_client));
        if (!bluez_client_is_up(m->bluez_client))
                return bus_error_set_errno(error, -EHOSTDOWN, "Bluetooth is not available; start bluetoothd");
        bd = bluez_find_device_by_address(m->bluez_client, address);
        if (!bd)
                return sd_bus_error_setf(error, MASSAGED_ERROR_UNKNOWN_DEVICE,
                                         "%s has not been seen by Bluetooth; call StartDiscovery() with the "
                                         "massager switched on and near, then try again", address);

        req = calloc(1, sizeof *req);
        if (!req)
                return -ENOMEM;
        req->manager = m;
        req->call = sd_bus_message_ref(msg);
        memcpy(req->address, bd->address, sizeof req->address);
        if (bd->paired) {
                /* Already paired (by us earlier, or by a desktop tool). */
                finish_add(req);
                add_request_free(req);
                return 1;
        }
        r = bluez_client_set_pairing_address(m->bluez_client, bd->address);
        if (r < 0) {
                add_request_free(req);
                return r;
        }
        req->pairing = true;
        log_info("%s: pairing", bd->address);
        r = bluez_call(m->bluez, &req->pair_call, bd->path, "org.bluez.Device1", "Pair", BLUEZ_TIMEOUT_PAIR_USEC,
                       NULL, NULL, 0, on_add_paired, req);
        if (r < 0) {
                add_request_free(req);
                return bus_error_set_errno(error, r, "Cannot pair with %s", address);
        }
        /* req lives until on_add_paired; the call pointer is owned by req. */
        return 1;
}

static int method_forget_device(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const char *path;
        Device *d;
        int r;

        r = sd_bus_message_read(msg, "o", &path);
        if (r < 0)
                return r;
        d = manager_find_device_by_path(m, path);
        if (!d)
                return sd_bus_error_setf(error, MASSAGED_ERROR_UNKNOWN_DEVICE, "No known device at %s", path);
        /* Stop it first, whatever happens to the ledger. */
        if (device_is_ready(d))
                (void) device_send_stop(d, NULL, NULL);
        if (d->session)
                session_end(d->session, POLICY_END_USER);
        if (!m->safety->ledger)
                return bus_error_set_storage(error, "Cannot forget %s: %s", d->address, safety_storage_error(m->safety));
        r = ledger_device_remove(m->safety->ledger, d->address);
        if (r < 0 && r != -ENOENT)
                return bus_error_set_storage(error, "Cannot forget %s: %s", d->address, ledger_error(m->safety->ledger));

        log_info("%s: forgotten", d->address);
        if (d->bluez_path && d->adapter_path)
                /* Unpair too: a forgotten device keeps no bond. */
                (void) bluez_call(m->bluez, NULL, d->adapter_path, "org.bluez.Adapter1", "RemoveDevice",
                                  BLUEZ_TIMEOUT_SHORT_USEC, bluez_append_object, d->bluez_path,
                                  strlen(d->bluez_path) + 1, NULL, NULL);
        else if (d->bluez_path)
                (void) bluez_client_disconnect(m->bluez_client, d->bluez_path, NULL);
        g_hash_table_remove(m->devices, d->address);
        (void) sd_bus_emit_object_removed(m->api, d->object_path);
        device_free(d);
        start_availability_invalidate(m->availability);
        safety_state_invalidate(m->safety_state);
        bluez_client_update_discovery(m->bluez_client);
        return sd_bus_reply_method_return(msg, NULL);
}

static int method_stop_all(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        manager_stop_all(userdata, "StopAll()");
        return sd_bus_reply_method_return(msg, NULL);
}

/* ---- screening -------------------------------------------------------- */

static int method_submit_screening(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        _cleanup_(api_args_clear) ApiArgs args = {};
        _cleanup_free_ char *why = NULL;
        PolicyRefusal refusal;
        ScreeningAnswers answers;
        int r;

        r = bus_read_api_args(msg, API_ARGS_SCREENING, &args, error);
        if (r < 0)
                return r;
        r = api_screening_parse(&args, &answers, &why);
        if (r < 0)
                return bus_error_set_api_args(error, r, why);
        if (!m->safety->ledger)
                return bus_error_set_storage(error, "Cannot record the screening: %s", safety_storage_error(m->safety));
        r = safety_screening_submit(m->safety, &answers, &refusal);
        if (r < 0)
                return bus_error_set_storage(error, "Cannot record the screening: %s", safety_storage_error(m->safety));
        /* ScreeningRequired, not InvalidArgs: the call is well formed; a "yes"
         * without clearance is in force, which is what that error means. */
        if (r == 0)
                return sd_bus_error_set(error, policy_reason_to_dbus_error(refusal.reason) ?: MASSAGED_ERROR_SCREENING,
                                        refusal.message);
        start_availability_invalidate(m->availability);
        safety_state_invalidate(m->safety_state);
        return sd_bus_reply_method_return(msg, NULL);
}

/* ---- limits ----------------------------------------------------------- */

static int method_get_limits(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "{sv}");
        for (int id = 0; r >= 0 && id < _LIMIT_MAX; id++) {
                const LimitInfo *li = limit_info((LimitId) id);
                uint32_t v = m->safety->limits.value[id];
                if (li->type == LIMIT_TYPE_BOOL)
                        r = sd_bus_message_append(reply, "{sv}", li->key, "b", (int) !!v);
                else
                        r = sd_bus_message_append(reply, "{sv}", li->key, "u", v);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

/* Each limit with its value, range, default, source, unit and summary. */
static int method_describe_limits(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "{sa{sv}}");
        for (int id = 0; r >= 0 && id < _LIMIT_MAX; id++) {
                const LimitInfo *li = limit_info((LimitId) id);
                r = sd_bus_message_open_container(reply, 'e', "sa{sv}");
                if (r >= 0)
                        r = sd_bus_message_append(reply, "s", li->key);
                if (r >= 0)
                        r = sd_bus_message_append(reply, "a{sv}", 9,
                                                  "value", "u", m->safety->limits.value[id],
                                                  "min", "u", li->min,
                                                  "max", "u", li->max,
                                                  "default", "u", li->def,
                                                  "type", "s", li->type == LIMIT_TYPE_BOOL ? "b" : "u",
                                                  "source", "s", limit_source_to_string(m->safety->sources[id]),
                                                  "unit", "s", li->unit ?: "",
                                                  "higher_is_safer", "b", (int) li->higher_is_safer,
                                                  "summary", "s", li->summary ?: "");
                if (r >= 0)
                        r = sd_bus_message_close_container(reply);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int method_set_limits(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        SafetyContext *safety = m->safety;
        _cleanup_(api_args_clear) ApiArgs args = {};
        _cleanup_free_ char *why = NULL;
        ApiLimitsRequest req;
        SafetyClock clock;
        int r;

        /* Validate every entry before changing anything. */
        r = bus_read_api_args(msg, API_ARGS_LIMITS, &args, error);
        if (r < 0)
                return r;
        r = api_limits_parse(&args, &req, &why);
        if (r < 0)
                return bus_error_set_api_args(error, r, why);
        if (!safety->ledger)
                return bus_error_set_storage(error, "Cannot store limits: %s", safety_storage_error(safety));
        r = safety_clock_now(&clock);
        if (r < 0)
                return bus_error_set_errno(error, r, "Cannot read the clock");

        for (int id = 0; id < _LIMIT_MAX; id++) {
                if (!req.set[id])
                        continue;
                uint32_t old = safety->limits.value[id];
                LimitChangeKind kind = limits_change_kind((LimitId) id, old, req.value[id]);
                r = ledger_setting_set(safety->ledger, (LimitId) id, req.value[id], LIMIT_SOURCE_API, clock.wall_us);
                if (r < 0)
                        return bus_error_set_storage(error, "Cannot store limit '%s': %s", limit_info((LimitId) id)->key,
                                                     ledger_error(safety->ledger));
                if (kind == LIMIT_CHANGE_NONE)
                        continue;
                _cleanup_free_ char *detail = NULL;
                if (asprintf(&detail, "%s %u→%u (%s) api", limit_info((LimitId) id)->key, old, req.value[id],
                             limit_change_kind_to_string(kind)) >= 0)
                        (void) ledger_event_add(safety->ledger, &clock, LEDGER_EVENT_LIMIT_CHANGE, NULL, detail);
                log_safety_event(SAFETY_EVENT_LIMIT_CHANGE, kind == LIMIT_CHANGE_LOOSER ? LOG_NOTICE : LOG_INFO, NULL, 0,
                                 limit_change_kind_to_string(kind), "Limit %s: %s",
                                 kind == LIMIT_CHANGE_LOOSER ? "raised" : "lowered",
                                 detail ?: limit_info((LimitId) id)->key);
        }
        r = safety_reload_limits(safety);
        if (r < 0)
                return bus_error_set_storage(error, "Cannot read limits back: %s", ledger_error(safety->ledger));

        /* Running sessions follow at once (a lowered limit may end one). */
        GHashTableIter i;
        gpointer v;
        g_hash_table_iter_init(&i, m->devices);
        while (g_hash_table_iter_next(&i, NULL, &v)) {
                Device *d = v;
                if (d->session)
                        session_limits_changed(d->session);
        }
        start_availability_invalidate(m->availability);
        safety_state_invalidate(m->safety_state);
        return sd_bus_reply_method_return(msg, NULL);
}

/* ---- usage and thermal lock-out --------------------------------------- */

static int method_get_usage_today(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        SafetyContext *safety = m->safety;
        SafetyClock clock;
        PolicyFigures f;
        int r;

        r = safety_figures(safety, &clock, &f);
        if (r < 0)
                return bus_error_set_storage(error, "Cannot read usage: %s", safety_storage_error(safety));
        return sd_bus_reply_method_return(msg, "a{sv}", 9,
                                          "sessions", "u", f.sessions_today,
                                          "seconds", "t", f.seconds_today,
                                          "heat_seconds", "t", f.heat_seconds_today,
                                          "week_seconds", "t", f.seconds_week,
                                          "daily_sessions_limit", "u", safety->limits.value[LIMIT_DAILY_SESSIONS],
                                          "daily_minutes_limit", "u", safety->limits.value[LIMIT_DAILY_MINUTES],
                                          "last_end", "x", f.has_last_end ? f.last_end_wall_us : (int64_t) 0,
                                          "thermal_locked", "b", (int) f.thermal_locked,
                                          "heat_disabled", "b", (int) f.heat_disabled);
}

static void on_faults_cleared(Device *d, int error, const MassagerMessage *resp, void *userdata) {
        if (error < 0)
                log_warning_errno(error, "%s: CLEAR_FAULTS not answered: %m", d->address);
        else if (resp->result != MASSAGER_RESULT_OK)
                log_notice("%s: some faults stay latched (%s)", d->address, massager_result_to_string(resp->result));
        else
                log_info("%s: faults cleared", d->address);
}

/* A fresh reading first: an idle device does not report a cooling pad by itself. */
typedef struct ThermalRequest {
        Manager *manager;
        sd_bus_message *call;
        bool reset;
        unsigned pending;
        char trip_device[POLICY_DEVICE_ADDRESS_MAX];    /* the pad that tripped ("" if not recorded) */
        bool have_fresh;                                /* it answered this request's GET_STATUS */
        int16_t fresh_temperature;
} ThermalRequest;

/* The reading an acknowledgement may use: the pad that tripped, read for
 * this request. Another device's cool pad says nothing about it. Returns 0,
 * or -ENOTCONN / -ENODATA with the sentence in e. */
static int thermal_reading(Manager *m, const ThermalRequest *t, int16_t *ret, sd_bus_error *e) {
        Device *d;

        if (!t->trip_device[0]) {
                /* A trip recorded without its device (an older ledger): the hottest
                 * connected pad, just refreshed, as before. */
                GHashTableIter i;
                gpointer v;
                *ret = MASSAGER_TEMP_NONE;
                g_hash_table_iter_init(&i, m->devices);
                while (g_hash_table_iter_next(&i, NULL, &v)) {
                        d = v;
                        if (device_is_ready(d) && d->have_status && d->status.temperature != MASSAGER_TEMP_NONE &&
                            (*ret == MASSAGER_TEMP_NONE || d->status.temperature > *ret))
                                *ret = d->status.temperature;
                }
                return 0;
        }
        if (t->have_fresh) {
                *ret = t->fresh_temperature;
                return 0;
        }
        d = manager_find_device(m, t->trip_device);
        if (!d || !device_is_ready(d)) {
                (void) sd_bus_error_setf(e, MASSAGED_ERROR_NOT_CONNECTED,
                                         "The thermal cut-off tripped on %s, which is not connected: connect it "
                                         "(massagectl connect %s) so its pad can be read below %d °C, then "
                                         "acknowledge again.", t->trip_device, t->trip_device,
                                         POLICY_THERMAL_RELOCK_DECI_C / 10);
                return -ENOTCONN;
        }
        /* No reading is the policy's "too hot" too: the pad is not known to be cool. */
        (void) sd_bus_error_setf(e, MASSAGED_ERROR_PAD_TOO_HOT,
                                 "%s, whose thermal cut-off tripped, did not report its pad temperature; try "
                                 "again in a moment.", t->trip_device);
        return -ENODATA;
}

static int thermal_decide(ThermalRequest *t) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        sd_bus_message *msg = t->call;
        Manager *m = t->manager;
        bool reset = t->reset;
        SafetyContext *safety = m->safety;
        SafetyClock clock;
        PolicyFigures f;
        PolicyRefusal refusal = {};
        int16_t temperature = MASSAGER_TEMP_NONE;
        GHashTableIter i;
        gpointer v;
        int r;

        r = safety_figures(safety, &clock, &f);
        if (r < 0) {
                bus_error_set_storage(&e, "Cannot read the ledger: %s", safety_storage_error(safety));
                return sd_bus_reply_method_error(msg, &e);
        }
        /* The device of the trip is the one read in thermal_action(); a trip
         * recorded since then (another device) must be read first. */
        if (!reset && f.thermal_locked && strcmp(f.last_trip_device, t->trip_device) != 0) {
                (void) sd_bus_error_set(&e, MASSAGED_ERROR_THERMAL_LOCKOUT,
                                        "Another thermal cut-off was recorded meanwhile; acknowledge again.");
                return sd_bus_reply_method_error(msg, &e);
        }
        if (!reset && f.thermal_locked) {
                r = thermal_reading(m, t, &temperature, &e);
                if (r < 0)
                        return sd_bus_reply_method_error(msg, &e);
        }
        PolicyInput in = safety_policy_input(safety, &f, NULL, NULL);
        in.temperature = temperature;   /* the tripped pad's reading, not a device's status */
        r = reset ? policy_check_heat_reset(&in, &refusal) : policy_check_thermal_ack(&in, &refusal);
        if (r < 0) {
                bus_error_set_errno(&e, r, "The safety policy could not decide");
                return sd_bus_reply_method_error(msg, &e);
        }
        if (r == 0) {
                (void) sd_bus_error_set(&e, policy_reason_to_dbus_error(refusal.reason) ?: MASSAGED_ERROR_FAILED,
                                        refusal.message);
                return sd_bus_reply_method_error(msg, &e);
        }
        r = ledger_event_add(safety->ledger, &clock, reset ? LEDGER_EVENT_HEAT_RESET : LEDGER_EVENT_THERMAL_ACK,
                             reset || !f.last_trip_device[0] ? NULL : f.last_trip_device,
                             reset ? "heat re-enabled by the user" : "thermal cut-off acknowledged");
        if (r < 0) {
                bus_error_set_storage(&e, "Cannot record it: %s", ledger_error(safety->ledger));
                return sd_bus_reply_method_error(msg, &e);
        }
        log_safety_event(reset ? SAFETY_EVENT_HEAT_RESET : SAFETY_EVENT_THERMAL_ACK, LOG_NOTICE, NULL, 0, NULL, "%s",
                         reset ? "Heat re-enabled by the user" : "Thermal cut-off acknowledged by the user");
        start_availability_invalidate(m->availability);
        safety_state_invalidate(m->safety_state);
        if (!reset) {
                /* The policy's lock-out is over: let the devices drop latched faults whose cause has gone. */
                g_hash_table_iter_init(&i, m->devices);
                while (g_hash_table_iter_next(&i, NULL, &v)) {
                        Device *d = v;
                        MassagerCommand clear = { .opcode = MASSAGER_OP_CLEAR_FAULTS };
                        if (device_is_ready(d) && d->have_status && (d->status.faults & ~MASSAGER_FAULT_LOW_BATTERY))
                                (void) device_command(d, &clear, on_faults_cleared, NULL);
                }
        }
        return sd_bus_reply_method_return(msg, NULL);
}

static void thermal_request_done(ThermalRequest *t) {
        (void) thermal_decide(t);
        sd_bus_message_unref(t->call);
        free(t);
}

static void on_fresh_status(Device *d, int error, const MassagerMessage *resp, void *userdata) {
        ThermalRequest *t = userdata;

        if (error < 0)
                log_debug_errno(error, "%s: GET_STATUS failed: %m", d->address);
        else if (resp && strcmp(d->address, t->trip_device) == 0) {
                t->have_fresh = true;
                t->fresh_temperature = resp->status.temperature;
        }
        if (--t->pending > 0)
                return;
        thermal_request_done(t);
}

static int thermal_action(sd_bus_message *msg, Manager *m, bool reset, sd_bus_error *error) {
        ThermalRequest *t;
        SafetyClock clock;
        PolicyFigures f;
        GHashTableIter i;
        gpointer v;

        if (!m->safety->ledger)
                return bus_error_set_storage(error, "Cannot read the ledger: %s", safety_storage_error(m->safety));
        if (safety_figures(m->safety, &clock, &f) < 0)
                return bus_error_set_storage(error, "Cannot read the ledger: %s", safety_storage_error(m->safety));
        t = calloc(1, sizeof *t);
        if (!t)
                return -ENOMEM;
        t->manager = m;
        t->call = sd_bus_message_ref(msg);
        t->reset = reset;
        memcpy(t->trip_device, f.last_trip_device, sizeof t->trip_device);
        t->pending = 1;         /* held until every GET_STATUS is queued */
        g_hash_table_iter_init(&i, m->devices);
        while (g_hash_table_iter_next(&i, NULL, &v)) {
                MassagerCommand get = { .opcode = MASSAGER_OP_GET_STATUS };
                t->pending++;
                if (!device_is_ready(v) || device_command(v, &get, on_fresh_status, t) < 0)
                        t->pending--;
        }
        if (--t->pending == 0)
                thermal_request_done(t);
        return 1;
}

static int method_acknowledge_thermal(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return thermal_action(msg, userdata, false, error);
}

static int method_reset_heat(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return thermal_action(msg, userdata, true, error);
}

static const sd_bus_vtable manager_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("APIVersion", "u", prop_api_version, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Discovering", "b", prop_discovering, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Discovered", "a(ss)", prop_discovered, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("ScreeningQuestions", "as", prop_screening_questions, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Programs", "as", prop_programs, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("StorageError", "s", prop_storage_error, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("ConfigError", "s", prop_config_error, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("StartAvailability", "a{sv}", prop_start_availability, 0,
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SAFETY_STATE_BUS_PROPERTIES,
        SD_BUS_METHOD("StartDiscovery", "", "", method_start_discovery, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("StopDiscovery", "", "", method_stop_discovery, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("AddDevice", SD_BUS_ARGS("s", address), SD_BUS_RESULT("o", device),
                                method_add_device, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ForgetDevice", SD_BUS_ARGS("o", device), SD_BUS_NO_RESULT,
                                method_forget_device, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("StopAll", "", "", method_stop_all, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("SubmitScreening", SD_BUS_ARGS("a{sv}", answers), SD_BUS_NO_RESULT,
                                method_submit_screening, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetLimits", SD_BUS_NO_ARGS, SD_BUS_RESULT("a{sv}", limits),
                                method_get_limits, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("DescribeLimits", SD_BUS_NO_ARGS, SD_BUS_RESULT("a{sa{sv}}", limits),
                                method_describe_limits, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("SetLimits", SD_BUS_ARGS("a{sv}", limits), SD_BUS_NO_RESULT,
                                method_set_limits, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetUsageToday", SD_BUS_NO_ARGS, SD_BUS_RESULT("a{sv}", usage),
                                method_get_usage_today, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("CheckStart", SD_BUS_ARGS("o", device, "a{sv}", options),
                                SD_BUS_RESULT("a{sv}", answer), method_check_start, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("AcknowledgeThermal", "", "", method_acknowledge_thermal, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("ResetHeat", "", "", method_reset_heat, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END
};

int manager_bus_register(Manager *m) {
        return sd_bus_add_object_vtable(m->api, NULL, MASSAGED_MANAGER_PATH, MASSAGED_MANAGER_INTERFACE,
                                        manager_vtable, m);
}
