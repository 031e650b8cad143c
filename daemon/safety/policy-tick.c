/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Mid-session checks (doc/safety.md): the thermal cut-off and its lock-out, heat-time
 * caps, limits lowered while running. Pure: the daemon passes the readings
 * and the time, this decides.
 *
 * The device cuts off at 45 °C by itself (§3); the host checks the same
 * threshold plus the rise rate and the reading's presence, so that a device
 * whose own cut-off failed is still stopped, and so the lock-out and the
 * "two trips in 24 h" rule can be kept in the ledger.
 */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy-internal.h"
#include "safety-i18n.h"

void policy_thermal_init(PolicyThermal *t, uint64_t now_mono_us) {
        *t = (PolicyThermal) {
                .started_mono_us = now_mono_us,
        };
}

static bool plausible(int16_t t) {
        return t != MASSAGER_TEMP_NONE && t >= POLICY_TEMP_PLAUSIBLE_MIN_DECI_C &&
               t <= POLICY_TEMP_PLAUSIBLE_MAX_DECI_C;
}

static void thermal_push(PolicyThermal *t, uint64_t mono_us, int16_t temperature) {
        t->mono_us[t->head] = mono_us;
        t->temperature[t->head] = temperature;
        t->head = (t->head + 1) % POLICY_THERMAL_SAMPLES;
        if (t->n < POLICY_THERMAL_SAMPLES)
                t->n++;
}

/* A rise faster than 2 °C/min, judged against every kept reading 30–60 s older. */
static bool thermal_rising_fast(const PolicyThermal *t, uint64_t now_us, int16_t now_t, int *ret_rate) {
        for (size_t i = 0; i < t->n; i++) {
                size_t k = (t->head + POLICY_THERMAL_SAMPLES - 1 - i) % POLICY_THERMAL_SAMPLES;
                uint64_t dt;
                int64_t rise;

                if (t->mono_us[k] > now_us)
                        continue;
                dt = now_us - t->mono_us[k];
                if (dt < (uint64_t) POLICY_THERMAL_RISE_WINDOW_MIN_S * USEC_PER_SEC)
                        continue;
                if (dt > (uint64_t) POLICY_THERMAL_RISE_WINDOW_MAX_S * USEC_PER_SEC)
                        break;          /* older readings only get older */
                rise = (int64_t) now_t - t->temperature[k];
                /* rise / dt > 2.0 °C per 60 s, in integers: rise·60 s > 20 dC·dt */
                if (rise > 0 && rise * 60 * (int64_t) USEC_PER_SEC >
                                (int64_t) POLICY_THERMAL_RISE_DECI_C_PER_MIN * (int64_t) dt) {
                        if (ret_rate)
                                *ret_rate = (int) (rise * 60 * (int64_t) USEC_PER_SEC / (int64_t) dt);
                        return true;
                }
        }
        return false;
}

static PolicyAction stop(PolicyTickResult *ret, PolicyEndReason why, bool trip, const char *fmt, ...)
        _printf_(4, 5);
static PolicyAction stop(PolicyTickResult *ret, PolicyEndReason why, bool trip, const char *fmt, ...) {
        va_list ap;

        ret->action = POLICY_STOP;
        ret->end_reason = why;
        ret->thermal_trip = trip;
        va_start(ap, fmt);
        (void) vsnprintf(ret->message, sizeof ret->message, fmt, ap);
        va_end(ap);
        return POLICY_STOP;
}

PolicyAction policy_tick(const PolicyInput *in, const PolicyPlan *plan, PolicyThermal *thermal,
                         const PolicyTick *tick, PolicyTickResult *ret) {
        const PolicySample *s = tick ? tick->sample : NULL;
        const Limits *lim;
        bool heat_active;
        int rate = 0;

        if (!ret)
                return POLICY_STOP;
        *ret = (PolicyTickResult) { .action = POLICY_CONTINUE, .end_reason = POLICY_END_COMPLETED };
        /* Without its inputs the check cannot vouch for anything: stop (fail closed). */
        if (!in || !in->limits || !plan || !thermal || !tick)
                return stop(ret, POLICY_END_DEVICE_FAULT, false, "Safety check called without its inputs.");
        lim = in->limits;

        heat_active = tick->heat_on || (s && (s->heating));

        if (s) {
                if (s->faults & MASSAGER_FAULT_OVERHEAT)
                        return stop(ret, POLICY_END_THERMAL_CUTOFF, true,
                                    "The device reports an overheat fault (pad ≥ 45 °C): heater off, session stopped.");
                if (s->temperature != MASSAGER_TEMP_NONE && s->temperature >= POLICY_THERMAL_CUTOFF_DECI_C)
                        return stop(ret, POLICY_END_THERMAL_CUTOFF, true,
                                    "Pad temperature %d.%d °C reached the %d °C cut-off: heater off, session stopped.",
                                    s->temperature / 10, s->temperature % 10, POLICY_THERMAL_CUTOFF_DECI_C / 10);
                if (heat_active && ((s->faults & MASSAGER_FAULT_SENSOR) || !plausible(s->temperature))) {
                        if (s->temperature == MASSAGER_TEMP_NONE || (s->faults & MASSAGER_FAULT_SENSOR))
                                return stop(ret, POLICY_END_SENSOR_FAULT, true,
                                            "No pad temperature reading while heating: heater off, session stopped.");
                        return stop(ret, POLICY_END_SENSOR_FAULT, true,
                                    "Implausible pad temperature %d.%d °C while heating: heater off, session stopped.",
                                    s->temperature / 10, abs(s->temperature % 10));
                }
                if (plausible(s->temperature)) {
                        if (heat_active && thermal_rising_fast(thermal, s->mono_us, s->temperature, &rate))
                                return stop(ret, POLICY_END_THERMAL_CUTOFF, true,
                                            "Pad temperature rising %d.%d °C/min (more than 2 °C/min): heater off, "
                                            "session stopped.", rate / 10, rate % 10);
                        thermal_push(thermal, s->mono_us, s->temperature);
                }
                thermal->last_sample_mono_us = s->mono_us;
        }

        if (heat_active) {
                uint64_t last = thermal->last_sample_mono_us ? thermal->last_sample_mono_us : thermal->started_mono_us;
                if (tick->now_mono_us > last &&
                    tick->now_mono_us - last > (uint64_t) POLICY_TEMP_STALE_S * USEC_PER_SEC)
                        return stop(ret, POLICY_END_SENSOR_FAULT, true,
                                    "No pad temperature reading for %llu s while heating: heater off, session stopped.",
                                    (unsigned long long) ((tick->now_mono_us - last) / USEC_PER_SEC));
        }

        /* Length: the plan's end, or a limit lowered since the plan was made. */
        if (tick->elapsed_s >= plan->session_s)
                return stop(ret, POLICY_END_COMPLETED, false, "Session complete.");
        {
                uint64_t cap = (uint64_t) lim->value[LIMIT_SESSION_MINUTES] * 60;
                if (plan->gentle || lim->value[LIMIT_GENTLE_MODE])
                        cap = MIN(cap, (uint64_t) lim->value[LIMIT_GENTLE_SESSION_MINUTES] * 60);
                cap = MIN(cap, (uint64_t) lim->value[LIMIT_DAILY_MINUTES] * 60 > plan->seconds_today_at_start_s
                                       ? (uint64_t) lim->value[LIMIT_DAILY_MINUTES] * 60 - plan->seconds_today_at_start_s
                                       : 0);
                cap = MIN(cap, (uint64_t) lim->value[LIMIT_WEEKLY_MINUTES] * 60 > plan->seconds_week_at_start_s
                                       ? (uint64_t) lim->value[LIMIT_WEEKLY_MINUTES] * 60 - plan->seconds_week_at_start_s
                                       : 0);
                if (tick->elapsed_s >= cap)
                        return stop(ret, POLICY_END_LIMIT, false,
                                    "A limit lowered during the session has been reached: session stopped.");
        }

        if (heat_active) {
                uint64_t daily = (uint64_t) lim->value[LIMIT_HEAT_DAILY_MINUTES] * 60;
                uint64_t budget = MIN((uint64_t) plan->heat_budget_s,
                                      (uint64_t) lim->value[LIMIT_HEAT_SESSION_MINUTES] * 60);
                budget = MIN(budget, daily > plan->heat_today_at_start_s ? daily - plan->heat_today_at_start_s : 0);
                const char *why = NULL;

                if (tick->heat_used_s >= budget)
                        why = "Heat-time limit reached: heater off for the rest of the session.";
                else if (plan->heat_level == 0)
                        why = "Heat is on although the plan has none: heater off.";
                else if (s && s->battery != MASSAGER_BATTERY_UNKNOWN && s->battery < POLICY_BATTERY_MIN_HEAT_PERCENT)
                        why = "Battery below 20 %: heater off for the rest of the session.";
                else if ((plan->gentle || lim->value[LIMIT_GENTLE_MODE]) && !lim->value[LIMIT_GENTLE_HEAT])
                        why = "Gentle mode without the heat opt-in: heater off.";
                else if (in->figures && (in->figures->heat_disabled || in->figures->thermal_locked))
                        why = "Heat is disabled after thermal cut-offs: heater off.";
                if (why) {
                        ret->action = POLICY_HEAT_OFF;
                        (void) snprintf(ret->message, sizeof ret->message, "%s", why);
                        return POLICY_HEAT_OFF;
                }
        }
        return POLICY_CONTINUE;
}

int policy_check_thermal_ack(const PolicyInput *in, PolicyRefusal *ret_refusal) {
        if (!in || !in->figures || !ret_refusal)
                return -EINVAL;
        *ret_refusal = (PolicyRefusal) {};
        if (!in->figures->thermal_locked) {
                ret_refusal->reason = POLICY_REFUSE_NOTHING_TO_DO;
                refusal_set(ret_refusal, _("There is no thermal cut-off to acknowledge."));
                return 0;
        }
        if (in->temperature == MASSAGER_TEMP_NONE || !plausible(in->temperature)) {
                ret_refusal->reason = POLICY_REFUSE_TOO_HOT;
                refusal_set(ret_refusal, _("The pad temperature is unknown: connect the massager so its pad can be "
                            "checked to be below %d °C, then acknowledge."), POLICY_THERMAL_RELOCK_DECI_C / 10);
                return 0;
        }
        if (in->temperature >= POLICY_THERMAL_RELOCK_DECI_C) {
                ret_refusal->reason = POLICY_REFUSE_TOO_HOT;
                refusal_set(ret_refusal, _("The pad is still %d.%d °C: wait until it is below %d °C, then acknowledge."),
                            in->temperature / 10, in->temperature % 10, POLICY_THERMAL_RELOCK_DECI_C / 10);
                return 0;
        }
        return 1;
}

int policy_check_heat_reset(const PolicyInput *in, PolicyRefusal *ret_refusal) {
        if (!in || !in->figures || !ret_refusal)
                return -EINVAL;
        *ret_refusal = (PolicyRefusal) {};
        if (!in->figures->heat_disabled) {
                ret_refusal->reason = POLICY_REFUSE_NOTHING_TO_DO;
                refusal_set(ret_refusal, _("Heat is not disabled; there is nothing to reset."));
                return 0;
        }
        if (in->figures->thermal_locked) {
                ret_refusal->reason = POLICY_REFUSE_THERMAL_LOCKOUT;
                refusal_set(ret_refusal, _("Acknowledge the last thermal cut-off first (the pad must be below %d °C)."),
                            POLICY_THERMAL_RELOCK_DECI_C / 10);
                return 0;
        }
        return 1;
}
