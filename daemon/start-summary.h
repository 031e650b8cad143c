/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A start decision as the API tells it (doc/dbus-api.md, API 2): the plan
 * dict of Start/CheckStart and the answer dict of CheckStart and
 * StartAvailability, as plain owned values that can be compared (so
 * StartAvailability emits only when its answer changes) and put on the bus
 * (start-bus.c).
 */

#include <stdbool.h>
#include <stdint.h>

#include "safety/policy.h"
#include "start-decision.h"

typedef struct PlanSummary {
        uint64_t session_id;            /* 0: no session yet (key left out) */
        char *program;
        uint32_t seconds;               /* granted length */
        uint8_t intensity;              /* target level after caps */
        uint8_t intensity_max;          /* highest level any step may use */
        uint8_t heat;                   /* session heat level, 0 = off */
        uint32_t heat_seconds;          /* heat-on seconds the plan schedules */
        uint32_t soft_start_seconds;
        int64_t ends_at_us;             /* wall µs; 0: left out (StartAvailability) */
        char **advice;                  /* every sentence the policy produced, in order */
} PlanSummary;

typedef struct StartSummary {
        bool allowed;
        char *error;                    /* "" when allowed */
        char *reason;                   /* "ok" when allowed */
        char *message;
        int64_t available_at_us;
        bool has_plan;
        PlanSummary plan;
} StartSummary;

int plan_summary_from(PlanSummary *ret, const PolicyPlan *p, uint64_t session_id, int64_t ends_at_us);
void plan_summary_clear(PlanSummary *p);

/* with_ends_at: CheckStart says when a session started now would end;
 * StartAvailability leaves it out, since it changes every moment. */
int start_summary_from(StartSummary *ret, const StartDecision *dec, bool with_ends_at);
/* No device to decide for: "no-device", NotConnected. */
int start_summary_no_device(StartSummary *ret);
void start_summary_clear(StartSummary *s);
bool start_summary_equal(const StartSummary *a, const StartSummary *b);
