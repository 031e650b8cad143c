/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The Manager properties that tell the safety state (doc/dbus-api.md):
 * UsageToday, WeekSeconds, ScreeningValidUntil, ThermalLockout, HeatDisabled,
 * SymptomCapUntil and Limits, kept current without polling, as
 * StartAvailability is (start-availability.h): recomputed from the ledger once
 * per event-loop turn when something that writes it happened, and at the one
 * moment the policy says a figure can next change by itself
 * (policy_next_change(): midnight, a session leaving the rolling 24 h, the
 * symptom cap or the screening running out). PropertiesChanged names only the
 * properties whose value differs.
 */

#include <stdbool.h>
#include <stdint.h>

#include "safety/safety-limits.h"

typedef struct DeviceContext DeviceContext;
typedef struct SafetyState SafetyState;

typedef struct SafetyStateValues {
        uint32_t sessions_today;
        uint64_t seconds_today;
        uint64_t heat_seconds_today;
        uint32_t sessions_24h;
        uint64_t seconds_24h;
        uint64_t heat_seconds_24h;
        uint64_t week_seconds;
        int64_t screening_valid_until_us;       /* wall; 0: none in force */
        bool thermal_lockout;
        bool heat_disabled;
        int64_t symptom_cap_until_us;           /* wall; 0: no cap */
        Limits limits;                          /* effective */
} SafetyStateValues;

int safety_state_new(SafetyState **ret, const DeviceContext *ctx);
SafetyState *safety_state_free(SafetyState *s);

/* Something that can change a value happened (the ledger written, limits
 * set). NULL-safe; the recompute runs once, later in this loop turn. */
void safety_state_invalidate(SafetyState *s);

/* The values as last computed (computed now if never yet). */
const SafetyStateValues *safety_state_get(SafetyState *s);

/* The property names: the vtable (safety-state-bus.c) and the emitter use these. */
#define MANAGER_PROP_USAGE_TODAY                "UsageToday"
#define MANAGER_PROP_WEEK_SECONDS               "WeekSeconds"
#define MANAGER_PROP_SCREENING_VALID_UNTIL      "ScreeningValidUntil"
#define MANAGER_PROP_THERMAL_LOCKOUT            "ThermalLockout"
#define MANAGER_PROP_HEAT_DISABLED              "HeatDisabled"
#define MANAGER_PROP_SYMPTOM_CAP_UNTIL          "SymptomCapUntil"
#define MANAGER_PROP_LIMITS                     "Limits"
