/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The safety state's Manager properties on the bus (safety-state.h,
 * doc/dbus-api.md). The Manager's vtable (manager-bus.c) takes them with
 * SAFETY_STATE_BUS_PROPERTIES.
 */

#include <systemd/sd-bus.h>

#include "safety-state.h"

int prop_usage_today(sd_bus *bus, const char *path, const char *interface, const char *property,
                     sd_bus_message *reply, void *userdata, sd_bus_error *error);
int prop_safety_state_scalar(sd_bus *bus, const char *path, const char *interface, const char *property,
                             sd_bus_message *reply, void *userdata, sd_bus_error *error);
int prop_limits(sd_bus *bus, const char *path, const char *interface, const char *property,
                sd_bus_message *reply, void *userdata, sd_bus_error *error);

#define SAFETY_STATE_BUS_PROPERTIES                                                                             \
        SD_BUS_PROPERTY(MANAGER_PROP_USAGE_TODAY, "a{sv}", prop_usage_today, 0,                                 \
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),                                                   \
        SD_BUS_PROPERTY(MANAGER_PROP_WEEK_SECONDS, "t", prop_safety_state_scalar, 0,                            \
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),                                                   \
        SD_BUS_PROPERTY(MANAGER_PROP_SCREENING_VALID_UNTIL, "x", prop_safety_state_scalar, 0,                   \
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),                                                   \
        SD_BUS_PROPERTY(MANAGER_PROP_THERMAL_LOCKOUT, "b", prop_safety_state_scalar, 0,                         \
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),                                                   \
        SD_BUS_PROPERTY(MANAGER_PROP_HEAT_DISABLED, "b", prop_safety_state_scalar, 0,                           \
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),                                                   \
        SD_BUS_PROPERTY(MANAGER_PROP_SYMPTOM_CAP_UNTIL, "x", prop_safety_state_scalar, 0,                       \
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),                                                   \
        SD_BUS_PROPERTY(MANAGER_PROP_LIMITS, "a{sv}", prop_limits, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE)
