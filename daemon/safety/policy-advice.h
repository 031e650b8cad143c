/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What the policy decided, told back (doc/dbus-api.md, API 2): the plan's
 * sentences one by one, its figures, and when a decision can next come out
 * differently. Pure, like the rest of the policy.
 */

#include <stddef.h>
#include <stdint.h>

#include "policy.h"

/* The sentences of a policy message ("A. B." → "A.", "B."), in order, as a
 * NULL-terminated malloc'd array of malloc'd strings; an empty message gives
 * an empty array. A sentence ends at ". ", "! " or "? " followed by a capital
 * letter, which every sentence the policy writes starts with. 0 or -ENOMEM. */
int policy_message_sentences(const char *message, char ***ret);
void policy_sentences_free(char **v);

/* Heat-on seconds the plan schedules (its steps with heat > 0). */
uint32_t policy_plan_heat_seconds(const PolicyPlan *p);

/* The soft start still ahead at the plan's origin, in seconds. */
uint32_t policy_plan_soft_start_seconds(const PolicyPlan *p);

/*
 * The next wall time (µs, > in->figures->clock.wall_us) at which
 * policy_check_start() with the same input can decide differently while the
 * ledger does not change: a rest running out, local midnight (daily and weekly
 * windows, advice), a session or start leaving the rolling 24 h, the symptom
 * cap's end, the screening falling due. The daemon arms one timer for it
 * instead of polling. Never 0 (midnight always comes).
 */
int64_t policy_next_change(const PolicyInput *in);

/*
 * What a person is told right after a symptom stop (Manager.Advice,
 * doc/dbus-api.md), into buf: that intensity stays in the lowest third for
 * 24 h, and, once symptom stops repeat (POLICY_SYMPTOM_ADVICE_COUNT in 7
 * days), to see a clinician. f: the figures after the stop was recorded.
 */
void policy_symptom_followup(const PolicyFigures *f, char *buf, size_t size);
