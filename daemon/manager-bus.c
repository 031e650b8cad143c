/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include "base/address.h"
#include "api-args-bus.h"
#include "bluez/bluez.h"
#include "bus-errors.h"
#include "device.h"
#include "discovery-clients.h"
#include "i18n.h"
#include "manager.h"
#include "manager-bus.h"
#include "manager-devices.h"
#include "manager-limits.h"
#include "massaged-dbus.h"
#include "safety-glue.h"
#include "safety-state-bus.h"
#include "safety/screening.h"
#include "texts-bus.h"
#include "start-bus.h"
#include "thermal-ack.h"

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
        return bus_append_screening_questions(reply);
}

static int prop_programs(sd_bus *bus, const char *path, const char *interface, const char *property,
                         sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        return bus_append_programs(reply, &m->safety->programs);
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
                return bus_error_set_errno(error, -EHOSTDOWN, _("Bluetooth is not available (no BlueZ or no "
                                           "adapter); start bluetoothd and power an adapter on"));
        const char *sender = sd_bus_message_get_sender(msg);
        if (!sender)
                return sd_bus_error_set(error, SD_BUS_ERROR_NOT_SUPPORTED, _("Scanning needs a client on a bus"));
        r = discovery_client_add(m->discovery, sender);
        if (r < 0)
                return bus_error_set_errno(error, r, _("Cannot start scanning"));
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

static int method_add_device(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const char *address;
        Device *d;
        int r;

        r = sd_bus_message_read(msg, "s", &address);
        if (r < 0)
                return r;
        if (!address_is_valid(address))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         _("address '%s' is not a Bluetooth address of the form AA:BB:CC:DD:EE:FF"),
                                         address);
        d = manager_find_device(m, address);
        if (d)
                return sd_bus_reply_method_return(msg, "o", d->object_path);
        /* Answers msg itself, now or once paired. */
        return manager_devices_add(&m->device_ctx, msg, address, error);
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
                return sd_bus_error_setf(error, MASSAGED_ERROR_UNKNOWN_DEVICE, _("No known device at %s"), path);
        r = manager_devices_forget(&m->device_ctx, d, error);
        if (r < 0)
                return r;
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
        ScreeningAnswers answers;
        int r;

        r = bus_read_api_args(msg, API_ARGS_SCREENING, &args, error);
        if (r < 0)
                return r;
        r = api_screening_parse(&args, &answers, &why);
        if (r < 0)
                return bus_error_set_api_args(error, r, why);
        r = manager_screening_submit(&m->device_ctx, &answers, error);
        if (r < 0)
                return r;
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
                                                  "summary", "s", li->summary ? _(li->summary) : "");
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
        _cleanup_(api_args_clear) ApiArgs args = {};
        _cleanup_free_ char *why = NULL;
        ApiLimitsRequest req;
        int r;

        /* Validate every entry before changing anything. */
        r = bus_read_api_args(msg, API_ARGS_LIMITS, &args, error);
        if (r < 0)
                return r;
        r = api_limits_parse(&args, &req, &why);
        if (r < 0)
                return bus_error_set_api_args(error, r, why);
        r = manager_limits_set(&m->device_ctx, &req, error);
        if (r < 0)
                return r;
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
                return bus_error_set_storage(error, _("Cannot read usage: %s"), safety_storage_error(safety));
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

/* Both answer msg themselves, once the connected pads are read afresh. */
static int method_acknowledge_thermal(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        return thermal_ack_start(&m->device_ctx, msg, /* reset= */ false, error);
}

static int method_reset_heat(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        return thermal_ack_start(&m->device_ctx, msg, /* reset= */ true, error);
}

static const sd_bus_vtable manager_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("APIVersion", "u", prop_api_version, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Discovering", "b", prop_discovering, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Discovered", "a(ss)", prop_discovered, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("ScreeningQuestions", TEXTS_SCREENING_QUESTIONS_SIGNATURE, prop_screening_questions, 0,
                        SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Programs", TEXTS_PROGRAMS_SIGNATURE, prop_programs, 0, SD_BUS_VTABLE_PROPERTY_CONST),
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
        /* Emitted by session.c after a symptom stop (doc/dbus-api.md). */
        SD_BUS_SIGNAL_WITH_ARGS("Advice", SD_BUS_ARGS("s", sentence), 0),
        SD_BUS_VTABLE_END
};

int manager_bus_register(Manager *m) {
        return sd_bus_add_object_vtable(m->api, NULL, MASSAGED_MANAGER_PATH, MASSAGED_MANAGER_INTERFACE,
                                        manager_vtable, m);
}
