/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The one decision behind Device.Start, Manager.CheckStart and
 * Manager.StartAvailability (doc/dbus-api.md, API 2): may this device start
 * this request now, and if so with which plan; if not, the error Start
 * returns, a stable reason code, the sentence and when it frees up. Deciding
 * has no side effect: Start records and logs a refusal itself.
 */

#include <stdbool.h>
#include <stdint.h>

#include "device.h"
#include "safety/policy.h"

/* What a client asks to start (Device.Start options, doc/dbus-api.md). */
typedef struct SessionRequest {
        const char *program;    /* NULL: the default program */
        int intensity;          /* -1: the program's */
        int heat;               /* -1: the program's */
        int64_t duration_s;     /* -1: the program's */
        bool tie_to_caller;
        const char *caller;     /* unique name of the caller */
} SessionRequest;

typedef struct StartDecision {
        bool allowed;
        bool policy;                    /* refused by the safety policy: refusal holds it */
        const char *error;              /* D-Bus error name Start returns; NULL when allowed */
        const char *reason;             /* stable code (doc/dbus-api.md, "Refusals"); "" when allowed */
        char *message;                  /* the sentence; NULL when allowed */
        int64_t available_at_us;        /* wall µs when waiting frees it up; 0: now, or waiting won't help */
        PolicyRefusal refusal;          /* policy refusals */
        SafetyClock clock;              /* of the decision (valid once the ledger was read) */
        PolicyFigures figures;
        PolicyInput input;              /* points into figures and the manager's limits */
        PolicyPlan plan;                /* allowed: owned, steal it to keep it */
} StartDecision;

/* Decide. 0 with *ret filled (allowed or not), or a negative errno when the
 * decision itself could not be made (out of memory, the policy's -EINVAL). */
int start_decide(Device *d, const SessionRequest *req, StartDecision *ret);
void start_decision_clear(StartDecision *dec);
