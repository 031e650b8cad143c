/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "base/util.h"
#include "manager.h"
#include "safety-state-bus.h"

int prop_usage_today(sd_bus *bus, const char *path, const char *interface, const char *property,
                     sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const SafetyStateValues *v = safety_state_get(m->safety_state);

        return sd_bus_message_append(reply, "a{sv}", 6,
                                     "sessions", "u", v->sessions_today,
                                     "seconds", "t", v->seconds_today,
                                     "heat_seconds", "t", v->heat_seconds_today,
                                     "sessions_24h", "u", v->sessions_24h,
                                     "seconds_24h", "t", v->seconds_24h,
                                     "heat_seconds_24h", "t", v->heat_seconds_24h);
}

int prop_safety_state_scalar(sd_bus *bus, const char *path, const char *interface, const char *property,
                             sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const SafetyStateValues *v = safety_state_get(m->safety_state);

        if (streq(property, MANAGER_PROP_WEEK_SECONDS))
                return sd_bus_message_append(reply, "t", v->week_seconds);
        if (streq(property, MANAGER_PROP_SCREENING_VALID_UNTIL))
                return sd_bus_message_append(reply, "x", v->screening_valid_until_us);
        if (streq(property, MANAGER_PROP_THERMAL_LOCKOUT))
                return sd_bus_message_append(reply, "b", (int) v->thermal_lockout);
        if (streq(property, MANAGER_PROP_HEAT_DISABLED))
                return sd_bus_message_append(reply, "b", (int) v->heat_disabled);
        if (streq(property, MANAGER_PROP_SYMPTOM_CAP_UNTIL))
                return sd_bus_message_append(reply, "x", v->symptom_cap_until_us);
        return -EINVAL;         /* a vtable entry without a case here */
}

/* The effective limits, as GetLimits returns them. */
int prop_limits(sd_bus *bus, const char *path, const char *interface, const char *property,
                sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const SafetyStateValues *v = safety_state_get(m->safety_state);
        int r;

        r = sd_bus_message_open_container(reply, 'a', "{sv}");
        for (int id = 0; r >= 0 && id < _LIMIT_MAX; id++) {
                const LimitInfo *li = limit_info((LimitId) id);
                if (li->type == LIMIT_TYPE_BOOL)
                        r = sd_bus_message_append(reply, "{sv}", li->key, "b", (int) !!v->limits.value[id]);
                else
                        r = sd_bus_message_append(reply, "{sv}", li->key, "u", v->limits.value[id]);
        }
        if (r < 0)
                return r;
        return sd_bus_message_close_container(reply);
}
