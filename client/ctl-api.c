/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl-api.h"
#include "ctl-bus.h"
#include "ctl-parse.h"
#include "i18n.h"
#include "massaged-dbus.h"

#define DBUS_PROPERTIES "org.freedesktop.DBus.Properties"
#define DBUS_OBJECT_MANAGER "org.freedesktop.DBus.ObjectManager"

/* History methods (doc/dbus-api.md). Times on the wire are µs since the epoch. */
#define API_HISTORY_SESSIONS    "GetSessions"           /* (x from, x to) → aa{sv} */
#define API_HISTORY_DAILY       "GetUsagePerDay"        /* (x from, x to) → aa{sv} */
#define API_HISTORY_NOTE        "SetNote"               /* (t session, a{sv} note) */
#define API_HISTORY_EVENTS      "GetEvents"             /* (x from, x to) → aa{sv} */
#define API_MANAGER_USAGE_TODAY "GetUsageToday"         /* () → a{sv} */
#define API_MANAGER_DESCRIBE_LIMITS "DescribeLimits"    /* () → a{sa{sv}} */

static int oom(Ctl *c) {
        return ctl_fail(c, EXIT_FAILURE_OTHER, -ENOMEM, _("Out of memory."));
}

static int device_call(Ctl *c, const char *path, const char *method, const char *doing, uint64_t timeout) {
        char what[96];

        (void) snprintf(what, sizeof(what), "%s %s", doing, c->device ?: _("the massager"));
        return ctl_call(c, timeout, path, MASSAGED_DEVICE_INTERFACE, method, what, NULL, NULL);
}

static int manager_call_value(Ctl *c, const char *interface, const char *method, const char *what, Value **ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = ctl_call(c, CTL_CALL_TIMEOUT_USEC, MASSAGED_MANAGER_PATH, interface, method, what, &reply, NULL);
        if (r < 0)
                return r;
        return ctl_reply_value(c, reply, ret);
}

static int compare_address(const void *a, const void *b) {
        const char *x = "", *y = "";

        (void) value_get_string(*(Value *const *) a, API_DEV_ADDRESS, &x);
        (void) value_get_string(*(Value *const *) b, API_DEV_ADDRESS, &y);
        return strcmp(x, y);
}

int api_list_devices(Ctl *c, Value **ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_value_ Value *objects = NULL, *list = NULL;
        int r;

        r = ctl_call(c, CTL_CALL_TIMEOUT_USEC, MASSAGED_MANAGER_PATH, DBUS_OBJECT_MANAGER, "GetManagedObjects",
                     _("Listing massagers"), &reply, NULL);
        if (r < 0)
                return r;
        r = ctl_reply_value(c, reply, &objects);
        if (r < 0)
                return r;
        list = value_new_array();
        if (!list)
                return oom(c);
        for (size_t i = 0; objects->type == VALUE_OBJECT && i < objects->c.n; i++) {
                Value *props = value_object_get(objects->c.items[i], MASSAGED_DEVICE_INTERFACE);
                Value *copy;

                if (!props || props->type != VALUE_OBJECT)
                        continue;
                /* Move the properties out of the reply's tree into the list. */
                copy = props;
                for (size_t k = 0; k < objects->c.items[i]->c.n; k++)
                        if (objects->c.items[i]->c.items[k] == props)
                                objects->c.items[i]->c.items[k] = value_new_null();
                r = value_array_append(list, copy);
                if (r < 0)
                        return oom(c);
        }
        if (list->c.n > 1)
                qsort(list->c.items, list->c.n, sizeof(Value *), compare_address);
        *ret = STEAL_PTR(list);
        return 0;
}

int api_resolve_device(Ctl *c, const char *arg, char **ret_path) {
        static char address[ADDRESS_STRING_MAX];
        _cleanup_value_ Value *list = NULL;
        const char *a = NULL;
        char *path;
        int r;

        if (arg) {
                if (parse_address(arg, address) < 0)
                        return ctl_fail(c, EXIT_USAGE, -EINVAL,
                                        _("'%s' is not a Bluetooth address: expected six hex pairs such as "
                                        "AA:BB:CC:DD:EE:FF (or with '_')."), arg);
        } else {
                r = api_list_devices(c, &list);
                if (r < 0 || !list)
                        return r < 0 ? r : -EIO;
                if (list->c.n == 0)
                        return ctl_fail(c, EXIT_NOT_FOUND, -ENODEV,
                                        _("No massager has been added yet: find one with 'massagectl scan', then "
                                        "'massagectl add ADDRESS'."));
                if (list->c.n > 1) {
                        const char *first = "AA:BB:CC:DD:EE:FF";
                        (void) value_get_string(list->c.items[0], API_DEV_ADDRESS, &first);
                        return ctl_fail(c, EXIT_USAGE, -EINVAL,
                                        _("%zu massagers are known; say which one, e.g. 'massagectl %s %s' "
                                        "('massagectl devices' lists them)."), list->c.n, c->verb, first);
                }
                if (!value_get_string(list->c.items[0], API_DEV_ADDRESS, &a) ||
                    parse_address(a, address) < 0)
                        return ctl_fail(c, EXIT_FAILURE_OTHER, -EBADMSG,
                                        _("massaged listed a device without a valid address."));
        }
        path = address_to_object_path(address);
        if (!path)
                return oom(c);
        c->device = address;
        *ret_path = path;
        return 0;
}

int api_device_properties(Ctl *c, const char *path, Value **ret) {
        return ctl_get_all_properties(c, path, MASSAGED_DEVICE_INTERFACE, ret);
}

int api_connect(Ctl *c, const char *path) {
        return device_call(c, path, "Connect", _("Connecting to"), CTL_DEVICE_TIMEOUT_USEC);
}

int api_disconnect(Ctl *c, const char *path) {
        return device_call(c, path, "Disconnect", _("Disconnecting"), CTL_DEVICE_TIMEOUT_USEC);
}

int api_start(Ctl *c, const char *path, const StartOptions *o, Value **ret_plan) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = ctl_new_call(c, path, MASSAGED_DEVICE_INTERFACE, "Start", &m);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(m, SD_BUS_TYPE_ARRAY, "{sv}");
        if (r >= 0 && o->program)
                r = bus_append_dict_entry(m, API_START_PROGRAM, "s", o->program);
        if (r >= 0 && o->intensity >= 0)
                r = bus_append_dict_entry(m, API_START_INTENSITY, "y", (uint8_t) o->intensity);
        if (r >= 0 && o->heat >= 0)
                r = bus_append_dict_entry(m, API_START_HEAT, "y", (uint8_t) o->heat);
        if (r >= 0 && o->duration_s >= 0)
                r = bus_append_dict_entry(m, API_START_DURATION, "u", (uint32_t) o->duration_s);
        if (r >= 0 && o->tie_to_caller)
                r = bus_append_dict_entry(m, API_START_TIE, "b", 1);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r < 0)
                return ctl_fail(c, EXIT_FAILURE_OTHER, r, _("Cannot build the Start call: %s."), strerror(-r));
        r = ctl_call_message(c, CTL_DEVICE_TIMEOUT_USEC, m, _("Starting a session"), &reply);
        if (r < 0)
                return r;
        *ret_plan = NULL;
        /* An API 1 daemon answers with nothing: the session runs all the same. */
        if (sd_bus_message_peek_type(reply, NULL, NULL) <= 0)
                return 0;
        return ctl_reply_value(c, reply, ret_plan);
}

int api_stop(Ctl *c, const char *path) {
        return device_call(c, path, "Stop", _("Stopping"), CTL_CALL_TIMEOUT_USEC);
}

/* Returns the raw error too: the caller falls back to Stop() when the reason is refused. */
int api_stop_with_reason(Ctl *c, const char *path, const char *reason, sd_bus_error *ret_error) {
        sd_bus *bus = NULL;
        int r;

        r = ctl_bus(c, &bus);
        if (r < 0)
                return r;
        return sd_bus_call_method(bus, MASSAGED_BUS_NAME, path, MASSAGED_DEVICE_INTERFACE, "StopWithReason",
                                  ret_error, NULL, "s", reason);
}

int api_pause(Ctl *c, const char *path) {
        return device_call(c, path, "Pause", _("Pausing"), CTL_DEVICE_TIMEOUT_USEC);
}

int api_resume(Ctl *c, const char *path) {
        return device_call(c, path, "Resume", _("Resuming"), CTL_DEVICE_TIMEOUT_USEC);
}

int api_set_intensity(Ctl *c, const char *path, uint8_t level) {
        return ctl_call(c, CTL_DEVICE_TIMEOUT_USEC, path, MASSAGED_DEVICE_INTERFACE, "SetIntensity",
                        _("Setting the intensity"), NULL, "y", level);
}

int api_set_heat(Ctl *c, const char *path, uint8_t level) {
        return ctl_call(c, CTL_DEVICE_TIMEOUT_USEC, path, MASSAGED_DEVICE_INTERFACE, "SetHeat",
                        _("Setting the heat"), NULL, "y", level);
}

int api_start_discovery(Ctl *c) {
        return ctl_call(c, CTL_CALL_TIMEOUT_USEC, MASSAGED_MANAGER_PATH, MASSAGED_MANAGER_INTERFACE,
                        "StartDiscovery", _("Starting to scan"), NULL, NULL);
}

int api_stop_discovery(Ctl *c) {
        return ctl_call(c, CTL_CALL_TIMEOUT_USEC, MASSAGED_MANAGER_PATH, MASSAGED_MANAGER_INTERFACE,
                        "StopDiscovery", _("Stopping the scan"), NULL, NULL);
}

int api_discovered(Ctl *c, Value **ret) {
        return ctl_get_property(c, MASSAGED_MANAGER_PATH, MASSAGED_MANAGER_INTERFACE, API_PROP_DISCOVERED, ret);
}

int api_add_device(Ctl *c, const char *address, char **ret_path) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *path;
        int r;

        r = ctl_call(c, CTL_DEVICE_TIMEOUT_USEC, MASSAGED_MANAGER_PATH, MASSAGED_MANAGER_INTERFACE, "AddDevice",
                     _("Adding the massager"), &reply, "s", address);
        if (r < 0)
                return r;
        r = sd_bus_message_read(reply, "o", &path);
        if (r < 0)
                return ctl_fail(c, EXIT_FAILURE_OTHER, r, _("Cannot read AddDevice's reply: %s."), strerror(-r));
        *ret_path = strdup(path);
        return *ret_path ? 0 : oom(c);
}

int api_forget_device(Ctl *c, const char *path) {
        return ctl_call(c, CTL_DEVICE_TIMEOUT_USEC, MASSAGED_MANAGER_PATH, MASSAGED_MANAGER_INTERFACE,
                        "ForgetDevice", _("Forgetting the massager"), NULL, "o", path);
}

int api_stop_all(Ctl *c) {
        return ctl_call(c, CTL_CALL_TIMEOUT_USEC, MASSAGED_MANAGER_PATH, MASSAGED_MANAGER_INTERFACE, "StopAll",
                        _("Stopping every massager"), NULL, NULL);
}

int api_get_limits(Ctl *c, Value **ret) {
        return manager_call_value(c, MASSAGED_MANAGER_INTERFACE, "GetLimits", _("Reading the limits"), ret);
}

int api_set_limit(Ctl *c, const char *key, const Value *value) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        r = ctl_new_call(c, MASSAGED_MANAGER_PATH, MASSAGED_MANAGER_INTERFACE, "SetLimits", &m);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(m, SD_BUS_TYPE_ARRAY, "{sv}");
        if (r >= 0) {
                if (value->type == VALUE_BOOL)
                        r = bus_append_dict_entry(m, key, "b", (int) value->b);
                else
                        r = bus_append_dict_entry(m, key, "u", (uint32_t) value->u);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r < 0)
                return ctl_fail(c, EXIT_FAILURE_OTHER, r, _("Cannot build the SetLimits call: %s."), strerror(-r));
        return ctl_call_message(c, CTL_CALL_TIMEOUT_USEC, m, _("Changing the limit"), NULL);
}

int api_screening_questions(Ctl *c, Value **ret) {
        return ctl_get_property(c, MASSAGED_MANAGER_PATH, MASSAGED_MANAGER_INTERFACE, API_PROP_SCREENING_QUESTIONS,
                                ret);
}

int api_submit_screening(Ctl *c, const Value *answers) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        r = ctl_new_call(c, MASSAGED_MANAGER_PATH, MASSAGED_MANAGER_INTERFACE, "SubmitScreening", &m);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(m, SD_BUS_TYPE_ARRAY, "{sv}");
        for (size_t i = 0; r >= 0 && i < answers->c.n; i++)
                r = bus_append_dict_entry(m, answers->c.keys[i], "b", (int) answers->c.items[i]->b);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r < 0)
                return ctl_fail(c, EXIT_FAILURE_OTHER, r, _("Cannot build the screening call: %s."), strerror(-r));
        return ctl_call_message(c, CTL_CALL_TIMEOUT_USEC, m, _("Recording the screening"), NULL);
}

int api_api_version(Ctl *c, uint64_t *ret) {
        _cleanup_value_ Value *v = NULL;
        int r;

        r = ctl_get_property(c, MASSAGED_MANAGER_PATH, MASSAGED_MANAGER_INTERFACE, API_PROP_API_VERSION, &v);
        if (r < 0)
                return r;
        if (!value_as_uint(v, ret))
                return ctl_fail(c, EXIT_FAILURE_OTHER, -EBADMSG, _("massaged's APIVersion is not a number."));
        return 0;
}

int api_programs(Ctl *c, Value **ret) {
        return ctl_get_property(c, MASSAGED_MANAGER_PATH, MASSAGED_MANAGER_INTERFACE, API_PROP_PROGRAMS, ret);
}

int api_describe_limits(Ctl *c, Value **ret) {
        return manager_call_value(c, MASSAGED_MANAGER_INTERFACE, API_MANAGER_DESCRIBE_LIMITS,
                                  _("Reading the limits"), ret);
}

int api_usage_today(Ctl *c, Value **ret) {
        return manager_call_value(c, MASSAGED_MANAGER_INTERFACE, API_MANAGER_USAGE_TODAY, _("Reading today's usage"),
                                  ret);
}

int api_sessions(Ctl *c, int64_t since, int64_t until, Value **ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = ctl_call(c, CTL_CALL_TIMEOUT_USEC, MASSAGED_MANAGER_PATH, MASSAGED_HISTORY_INTERFACE,
                     API_HISTORY_SESSIONS, _("Reading the history"), &reply, "xx",
                     since * 1000000, until > 0 ? until * 1000000 : INT64_MAX);
        if (r < 0)
                return r;
        return ctl_reply_value(c, reply, ret);
}

int api_events(Ctl *c, int64_t since, int64_t until, Value **ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = ctl_call(c, CTL_CALL_TIMEOUT_USEC, MASSAGED_MANAGER_PATH, MASSAGED_HISTORY_INTERFACE,
                     API_HISTORY_EVENTS, _("Reading the safety events"), &reply, "xx",
                     since * 1000000, until > 0 ? until * 1000000 : INT64_MAX);
        if (r < 0)
                return r;
        return ctl_reply_value(c, reply, ret);
}

int api_daily_usage(Ctl *c, int64_t since, int64_t until, Value **ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = ctl_call(c, CTL_CALL_TIMEOUT_USEC, MASSAGED_MANAGER_PATH, MASSAGED_HISTORY_INTERFACE,
                     API_HISTORY_DAILY, _("Reading usage per day"), &reply, "xx",
                     since * 1000000, until > 0 ? until * 1000000 : INT64_MAX);
        if (r < 0)
                return r;
        return ctl_reply_value(c, reply, ret);
}

int api_add_note(Ctl *c, uint64_t session_id, const Value *note) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        r = ctl_new_call(c, MASSAGED_MANAGER_PATH, MASSAGED_HISTORY_INTERFACE, API_HISTORY_NOTE, &m);
        if (r < 0)
                return r;
        r = sd_bus_message_append(m, "t", session_id);
        if (r >= 0)
                r = sd_bus_message_open_container(m, SD_BUS_TYPE_ARRAY, "{sv}");
        for (size_t i = 0; r >= 0 && i < note->c.n; i++) {
                const Value *v = note->c.items[i];
                if (v->type == VALUE_STRING)
                        r = bus_append_dict_entry(m, note->c.keys[i], "s", v->s);
                else
                        r = bus_append_dict_entry(m, note->c.keys[i], "i", (int32_t) v->i);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r < 0)
                return ctl_fail(c, EXIT_FAILURE_OTHER, r, _("Cannot build the note call: %s."), strerror(-r));
        return ctl_call_message(c, CTL_CALL_TIMEOUT_USEC, m, _("Saving the note"), NULL);
}

int api_acknowledge_thermal(Ctl *c) {
        return ctl_call(c, CTL_CALL_TIMEOUT_USEC, MASSAGED_MANAGER_PATH, MASSAGED_MANAGER_INTERFACE,
                        "AcknowledgeThermal", _("Acknowledging the cut-off"), NULL, NULL);
}

int api_reset_heat(Ctl *c) {
        return ctl_call(c, CTL_CALL_TIMEOUT_USEC, MASSAGED_MANAGER_PATH, MASSAGED_MANAGER_INTERFACE, "ResetHeat",
                        "Re-enabling heat", NULL, NULL);
}
