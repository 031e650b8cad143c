/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api-args-bus.h"
#include "bus-errors.h"
#include "device.h"
#include "device-bus.h"
#include "base/log.h"
#include "manager.h"
#include "massaged-dbus.h"
#include "session.h"
#include "base/util.h"
#include "i18n.h"

static int find_device(sd_bus *bus, const char *path, const char *interface, void *userdata, void **found,
                       sd_bus_error *error) {
        Device *d = manager_find_device_by_path(userdata, path);
        if (!d)
                return 0;
        *found = d;
        return 1;
}

static int enumerate_devices(sd_bus *bus, const char *path, void *userdata, char ***nodes, sd_bus_error *error) {
        Manager *m = userdata;
        GHashTableIter i;
        gpointer v;
        size_t n = 0;
        char **l = calloc(g_hash_table_size(m->devices) + 1, sizeof(char *));

        if (!l)
                return -ENOMEM;
        g_hash_table_iter_init(&i, m->devices);
        while (g_hash_table_iter_next(&i, NULL, &v)) {
                l[n] = strdup(((Device *) v)->object_path);
                if (!l[n]) {
                        for (size_t k = 0; k < n; k++)
                                free(l[k]);
                        free(l);
                        return -ENOMEM;
                }
                n++;
        }
        *nodes = l;
        return 0;
}

/* ---- properties ------------------------------------------------------- */

static int prop_address(sd_bus *bus, const char *path, const char *interface, const char *property,
                        sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Device *d = userdata;
        return sd_bus_message_append(reply, "s", d->address);
}

static int prop_name(sd_bus *bus, const char *path, const char *interface, const char *property,
                     sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Device *d = userdata;
        return sd_bus_message_append(reply, "s", d->name ?: "");
}

static int prop_connection_state(sd_bus *bus, const char *path, const char *interface, const char *property,
                                 sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Device *d = userdata;
        return sd_bus_message_append(reply, "s", connection_state_to_string(d->connection));
}

static int prop_battery(sd_bus *bus, const char *path, const char *interface, const char *property,
                        sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Device *d = userdata;
        return sd_bus_message_append(reply, "y", d->have_status ? d->status.battery : MASSAGER_BATTERY_UNKNOWN);
}

/* idle|running|paused|fault (doc/dbus-api.md, State). */
static const char *device_state(Device *d) {
        if (device_has_fault(d))
                return "fault";
        if (d->session)
                return session_is_paused(d->session) ? "paused" : "running";
        return "idle";
}

static int prop_state(sd_bus *bus, const char *path, const char *interface, const char *property,
                      sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "s", device_state(userdata));
}

static int prop_intensity(sd_bus *bus, const char *path, const char *interface, const char *property,
                          sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Device *d = userdata;
        return sd_bus_message_append(reply, "y", d->have_status ? d->status.intensity : 0);
}

static int prop_heat(sd_bus *bus, const char *path, const char *interface, const char *property,
                     sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Device *d = userdata;
        return sd_bus_message_append(reply, "y", d->have_status ? d->status.heat_level : 0);
}

static int prop_temperature(sd_bus *bus, const char *path, const char *interface, const char *property,
                            sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Device *d = userdata;
        double t = NAN;
        if (d->have_status && d->status.temperature != MASSAGER_TEMP_NONE)
                t = d->status.temperature / 10.0;
        return sd_bus_message_append(reply, "d", t);
}

static int prop_pattern(sd_bus *bus, const char *path, const char *interface, const char *property,
                        sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Device *d = userdata;
        return sd_bus_message_append(reply, "s", d->have_status ? massager_pattern_to_string(d->status.pattern) : "");
}

static int prop_program(sd_bus *bus, const char *path, const char *interface, const char *property,
                        sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Device *d = userdata;
        return sd_bus_message_append(reply, "s", d->session ? session_program(d->session) : "");
}

static int prop_remaining(sd_bus *bus, const char *path, const char *interface, const char *property,
                          sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Device *d = userdata;
        return sd_bus_message_append(reply, "u", d->session ? session_remaining(d->session) : 0);
}

static int prop_session_id(sd_bus *bus, const char *path, const char *interface, const char *property,
                           sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Device *d = userdata;
        return sd_bus_message_append(reply, "t", d->session ? session_id(d->session) : (uint64_t) 0);
}

static int prop_faults(sd_bus *bus, const char *path, const char *interface, const char *property,
                       sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Device *d = userdata;
        static const char *const names[] = { "overheat", "motor-stall", "low-battery", "sensor" };
        int r = sd_bus_message_open_container(reply, 'a', "s");
        if (r < 0)
                return r;
        for (unsigned i = 0; i < ELEMENTSOF(names) && d->have_status; i++)
                if (d->status.faults & (1u << i)) {
                        r = sd_bus_message_append(reply, "s", names[i]);
                        if (r < 0)
                                return r;
                }
        return sd_bus_message_close_container(reply);
}

static int prop_model(sd_bus *bus, const char *path, const char *interface, const char *property,
                      sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Device *d = userdata;
        return sd_bus_message_append(reply, "s", d->have_info ? d->info.model : "");
}

static int prop_intensity_max(sd_bus *bus, const char *path, const char *interface, const char *property,
                              sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Device *d = userdata;
        return sd_bus_message_append(reply, "y", d->have_info ? d->info.intensity_max : 0);
}

static int prop_heat_levels(sd_bus *bus, const char *path, const char *interface, const char *property,
                            sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Device *d = userdata;
        return sd_bus_message_append(reply, "y", d->have_info ? d->info.heat_levels : 0);
}

static int prop_firmware_revision(sd_bus *bus, const char *path, const char *interface, const char *property,
                                  sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Device *d = userdata;
        char rev[sizeof "255.255.255"] = "";

        if (d->have_info)
                (void) snprintf(rev, sizeof rev, "%u.%u.%u", d->info.fw_major, d->info.fw_minor, d->info.fw_patch);
        return sd_bus_message_append(reply, "s", rev);
}

static int prop_protocol_version(sd_bus *bus, const char *path, const char *interface, const char *property,
                                 sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Device *d = userdata;
        return sd_bus_message_append(reply, "u", d->have_info ? (uint32_t) d->info.protocol_version : 0);
}

/* The Device Info's pattern bit mask, as names; bits the protocol does not define are left out. */
static int prop_patterns(sd_bus *bus, const char *path, const char *interface, const char *property,
                         sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Device *d = userdata;
        int r = sd_bus_message_open_container(reply, 'a', "s");

        for (unsigned p = 0; r >= 0 && d->have_info && p < _MASSAGER_PATTERN_MAX; p++)
                if (d->info.patterns & (1u << p))
                        r = sd_bus_message_append(reply, "s", massager_pattern_to_string((MassagerPattern) p));
        if (r < 0)
                return r;
        return sd_bus_message_close_container(reply);
}

/* The pad temperature of heat levels 1 … HeatLevels, °C. */
static int prop_heat_setpoints(sd_bus *bus, const char *path, const char *interface, const char *property,
                               sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Device *d = userdata;
        int r = sd_bus_message_open_container(reply, 'a', "d");

        for (unsigned i = 0; r >= 0 && d->have_info && i < d->info.heat_levels && i < MASSAGER_HEAT_LEVELS_MAX; i++)
                r = sd_bus_message_append(reply, "d", d->info.heat_setpoint[i] / 10.0);
        if (r < 0)
                return r;
        return sd_bus_message_close_container(reply);
}

/* ---- methods ---------------------------------------------------------- */

static int method_connect(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Device *d = userdata;
        int r = device_connect(d, msg);
        if (r < 0)
                return bus_error_set_errno(error, r, _("%s: cannot connect"), d->address);
        return 1;       /* answered when ready, or when the attempt fails */
}

static int method_disconnect(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Device *d = userdata;
        int r = device_disconnect(d);
        if (r < 0)
                return bus_error_set_errno(error, r, _("%s: cannot disconnect"), d->address);
        return sd_bus_reply_method_return(msg, NULL);
}

static int method_start(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Device *d = userdata;
        _cleanup_(api_args_clear) ApiArgs args = {};
        _cleanup_free_ char *why = NULL;
        ApiStartOptions o;
        int r;

        /* Read and validate everything before acting. */
        r = bus_read_api_args(msg, API_ARGS_START, &args, error);
        if (r < 0)
                return r;
        r = api_start_options_parse(&args, d->have_info ? d->info.intensity_max : MASSAGER_INTENSITY_MAX,
                                    d->have_info ? d->info.heat_levels : MASSAGER_HEAT_LEVELS_MAX, &o, &why);
        if (r < 0)
                return bus_error_set_api_args(error, r, why);

        SessionRequest req = {
                .program = o.program,
                .intensity = o.intensity,
                .heat = o.heat,
                .duration_s = o.duration_s,
                .tie_to_caller = o.tie_to_caller,
                .caller = sd_bus_message_get_sender(msg),
        };
        return session_start(d, &req, msg, error);
}

static void on_stop_done(Device *d, int error, const MassagerMessage *resp, void *userdata) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = userdata;

        /* -ENOTCONN: the link went while stopping; the device stops on link loss by itself. */
        if (error < 0 && error != -ENOTCONN)
                (void) bus_reply_errno(call, error, _("%s did not confirm the stop; its lease stops it within "
                                       "%u s regardless"), d->address, MASSAGER_LEASE_MAX_S);
        else
                (void) sd_bus_reply_method_return(call, NULL);
}

/* Stop always works: STOP goes to the device first (jumping the queue),
 * then the session row is closed; the reply waits for the device. */
static int stop_with(Device *d, sd_bus_message *msg, PolicyEndReason reason, sd_bus_error *error) {
        int r = device_send_stop(d, on_stop_done, sd_bus_message_ref(msg));
        if (r < 0)
                sd_bus_message_unref(msg);
        if (d->session)
                session_end(d->session, reason);
        else if (policy_end_reason_is_symptom(reason))
                /* A symptom felt just after the session still counts (never dropped). */
                session_symptom_after(d, reason);
        if (r == -ENOTCONN)
                /* Not connected: nothing can be running (the device stops on link loss). */
                return sd_bus_reply_method_return(msg, NULL);
        if (r < 0)
                return bus_error_set_errno(error, r, _("%s: cannot send STOP"), d->address);
        return 1;
}

static int method_stop(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return stop_with(userdata, msg, POLICY_END_USER, error);
}

static int method_stop_with_reason(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        const char *reason;
        int r, e;

        r = sd_bus_message_read(msg, "s", &reason);
        if (r < 0)
                return r;
        e = policy_end_reason_from_string(reason);
        /* A stop is never refused: a reason we do not know still stops, recorded as "user". */
        if (e < 0 || !policy_end_reason_is_symptom((PolicyEndReason) e)) {
                log_notice("StopWithReason('%s'): not a known symptom reason, recorded as 'user'", reason);
                e = POLICY_END_USER;
        }
        return stop_with(userdata, msg, (PolicyEndReason) e, error);
}

static int need_session(Device *d, sd_bus_error *error) {
        if (d->session)
                return 0;
        return sd_bus_error_setf(error, MASSAGED_ERROR_NOT_RUNNING, _("%s is not running a session; Start() one first"),
                                 d->address);
}

static int method_pause(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Device *d = userdata;
        int r = need_session(d, error);
        return r < 0 ? r : session_pause(d->session, msg, error);
}

static int method_resume(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Device *d = userdata;
        int r = need_session(d, error);
        return r < 0 ? r : session_resume(d->session, msg, error);
}

static int method_set_intensity(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Device *d = userdata;
        unsigned max = d->have_info ? d->info.intensity_max : MASSAGER_INTENSITY_MAX;
        uint8_t v;
        int r;

        r = sd_bus_message_read(msg, "y", &v);
        if (r < 0)
                return r;
        if (v < 1 || v > max)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, _("intensity %u out of range 1–%u "
                                         "(use Stop() or Pause() for 0)"), v, max);
        r = need_session(d, error);
        return r < 0 ? r : session_set_intensity(d->session, v, msg, error);
}

static int method_set_heat(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Device *d = userdata;
        unsigned max = d->have_info ? d->info.heat_levels : MASSAGER_HEAT_LEVELS_MAX;
        uint8_t v;
        int r;

        r = sd_bus_message_read(msg, "y", &v);
        if (r < 0)
                return r;
        if (v > max)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, _("heat %u out of range 0–%u (0 = off)"),
                                         v, max);
        r = need_session(d, error);
        return r < 0 ? r : session_set_heat(d->session, v, msg, error);
}

static void on_clear_faults_done(Device *d, int error, const MassagerMessage *resp, void *userdata) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = userdata;

        if (error < 0)
                (void) bus_reply_errno(call, error, _("%s did not answer CLEAR_FAULTS"), d->address);
        else if (resp->result == MASSAGER_RESULT_FAULT_LATCHED)
                (void) bus_reply_errno(call, -EREMOTEIO, _("%s keeps a fault latched because its cause is still "
                                       "there (overheat clears below 38 °C, a sensor fault with a plausible "
                                       "reading); see the Faults property"), d->address);
        else if (resp->result != MASSAGER_RESULT_OK) {
                _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
                bus_error_set_device_result(&e, d->address, resp->result);
                (void) sd_bus_reply_method_error(call, &e);
        } else
                (void) sd_bus_reply_method_return(call, NULL);
}

/* The user has checked the device: ask it to drop latched faults whose cause has gone. */
static int method_clear_faults(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Device *d = userdata;
        MassagerCommand clear = { .opcode = MASSAGER_OP_CLEAR_FAULTS };
        int r;

        if (!device_is_ready(d))
                return sd_bus_error_setf(error, MASSAGED_ERROR_NOT_CONNECTED, _("%s is not connected; call Connect() first"),
                                         d->address);
        r = device_command(d, &clear, on_clear_faults_done, sd_bus_message_ref(msg));
        if (r < 0) {
                sd_bus_message_unref(msg);
                return bus_error_set_errno(error, r, _("%s: cannot send CLEAR_FAULTS"), d->address);
        }
        log_info("%s: clearing latched faults on the user's request", d->address);
        return 1;
}

static const sd_bus_vtable device_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY(DEVICE_PROP_ADDRESS, "s", prop_address, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY(DEVICE_PROP_NAME, "s", prop_name, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY(DEVICE_PROP_CONNECTION_STATE, "s", prop_connection_state, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY(DEVICE_PROP_BATTERY, "y", prop_battery, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY(DEVICE_PROP_STATE, "s", prop_state, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY(DEVICE_PROP_INTENSITY, "y", prop_intensity, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY(DEVICE_PROP_HEAT, "y", prop_heat, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY(DEVICE_PROP_TEMPERATURE, "d", prop_temperature, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY(DEVICE_PROP_PATTERN, "s", prop_pattern, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY(DEVICE_PROP_PROGRAM, "s", prop_program, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY(DEVICE_PROP_REMAINING, "u", prop_remaining, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY(DEVICE_PROP_SESSION_ID, "t", prop_session_id, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY(DEVICE_PROP_FAULTS, "as", prop_faults, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY(DEVICE_PROP_MODEL, "s", prop_model, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY(DEVICE_PROP_INTENSITY_MAX, "y", prop_intensity_max, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY(DEVICE_PROP_HEAT_LEVELS, "y", prop_heat_levels, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY(DEVICE_PROP_FIRMWARE_REVISION, "s", prop_firmware_revision, 0,
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY(DEVICE_PROP_PROTOCOL_VERSION, "u", prop_protocol_version, 0,
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY(DEVICE_PROP_PATTERNS, "as", prop_patterns, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY(DEVICE_PROP_HEAT_SETPOINTS, "ad", prop_heat_setpoints, 0,
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_METHOD("Connect", "", "", method_connect, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("Disconnect", "", "", method_disconnect, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Start", SD_BUS_ARGS("a{sv}", options), SD_BUS_RESULT("a{sv}", plan),
                                method_start, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("Stop", "", "", method_stop, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("StopWithReason", SD_BUS_ARGS("s", reason), SD_BUS_NO_RESULT,
                                method_stop_with_reason, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("Pause", "", "", method_pause, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("Resume", "", "", method_resume, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("SetIntensity", SD_BUS_ARGS("y", intensity), SD_BUS_NO_RESULT,
                                method_set_intensity, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("SetHeat", SD_BUS_ARGS("y", heat), SD_BUS_NO_RESULT, method_set_heat,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("ClearFaults", "", "", method_clear_faults, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_SIGNAL_WITH_ARGS("SessionEnded", SD_BUS_ARGS("t", id, "s", reason, "u", seconds), 0),
        SD_BUS_VTABLE_END
};

int device_bus_register(Manager *m) {
        int r;

        r = sd_bus_add_fallback_vtable(m->api, NULL, MASSAGED_DEVICE_PATH_PREFIX, MASSAGED_DEVICE_INTERFACE,
                                       device_vtable, find_device, m);
        if (r < 0)
                return r;
        return sd_bus_add_node_enumerator(m->api, NULL, MASSAGED_DEVICE_PATH_PREFIX, enumerate_devices, m);
}
