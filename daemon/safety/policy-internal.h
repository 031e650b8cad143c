/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Shared between policy.c, policy-plan.c and policy-tick.c; not for the daemon. */

#include <stdarg.h>

#include "macro.h"
#include "policy.h"

/* Everything plan_build() needs to lay out the steps of one segment. */
typedef struct PlanSpec {
        const Program *program;
        const MassagerDeviceInfo *device;
        bool gentle;
        uint32_t origin_s;              /* session seconds already run */
        uint32_t session_s;             /* the segment ends at this session second */
        uint8_t target;                 /* the user's level after caps */
        uint8_t cap;                    /* highest level any step may use */
        uint8_t from_level;             /* level on the device when the segment starts */
        uint32_t hold_s;                /* what is left of the session's soft start (0 … 60 s) */
        uint8_t heat_level;             /* 0 = off */
        uint32_t heat_remaining_s;      /* heat-on seconds left in the session budget */
} PlanSpec;

/* Fill plan->steps (and n_steps) from spec; sets POLICY_ADJUST_PATTERN and
 * POLICY_ADJUST_HEAT_TIME in plan->adjustments when they apply.
 * Returns 0, -ENOMEM, or -EINVAL (the device supports no usable pattern). */
int plan_build(const PlanSpec *spec, PolicyPlan *plan);

/* The pattern to drive for a program pattern: gentle substitution, then
 * device support. -EINVAL if the device supports none that may be used. */
int policy_pick_pattern(const MassagerDeviceInfo *device, bool gentle, uint8_t pattern, bool *ret_substituted);

_printf_(2, 3) void refusal_set(PolicyRefusal *r, const char *fmt, ...);
_printf_(3, 4) void message_append(char *buf, size_t size, const char *fmt, ...);

static inline uint32_t minutes_ceil(uint64_t seconds) {
        return (uint32_t) ((seconds + 59) / 60);
}
