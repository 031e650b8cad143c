/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The start and replan decisions of the safety policy (doc/safety.md). Pure. */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "massaged-dbus.h"
#include "policy-internal.h"
#include "screening.h"

#define DBUS_ERROR_INVALID_ARGS "org.freedesktop.DBus.Error.InvalidArgs"

static const char *const reason_names[_POLICY_REASON_MAX] = {
        [POLICY_OK] = "ok",
        [POLICY_REFUSE_INVALID] = "invalid-argument",
        [POLICY_REFUSE_SCREENING_MISSING] = "screening-required",
        [POLICY_REFUSE_SCREENING_BLOCKED] = "screening-blocked",
        [POLICY_REFUSE_REST] = "rest-required",
        [POLICY_REFUSE_DAILY_SESSIONS] = "daily-sessions",
        [POLICY_REFUSE_DAILY_MINUTES] = "daily-minutes",
        [POLICY_REFUSE_WEEKLY_MINUTES] = "weekly-minutes",
        [POLICY_REFUSE_HEAT_TIME] = "heat-time",
        [POLICY_REFUSE_BATTERY] = "battery-low",
        [POLICY_REFUSE_HEAT_BATTERY] = "heat-battery-low",
        [POLICY_REFUSE_THERMAL_LOCKOUT] = "thermal-lockout",
        [POLICY_REFUSE_HEAT_DISABLED] = "heat-disabled",
        [POLICY_REFUSE_HEAT_SENSATION] = "heat-reduced-sensation",
        [POLICY_REFUSE_HEAT_GENTLE] = "heat-gentle-mode",
        [POLICY_REFUSE_HEAT_SETPOINT] = "heat-setpoint",
        [POLICY_REFUSE_SESSION_OVER] = "session-over",
        [POLICY_REFUSE_TOO_HOT] = "too-hot",
        [POLICY_REFUSE_NOTHING_TO_DO] = "nothing-to-do",
        [POLICY_REFUSE_SESSION_OPEN] = "session-open",
};

const char *policy_reason_to_string(PolicyReason r) {
        if ((unsigned) r >= _POLICY_REASON_MAX)
                return "unknown";
        return reason_names[r];
}

const char *policy_reason_to_dbus_error(PolicyReason r) {
        switch (r) {
        case POLICY_OK:
        case _POLICY_REASON_MAX:
                return NULL;
        case POLICY_REFUSE_INVALID:
                return DBUS_ERROR_INVALID_ARGS;
        case POLICY_REFUSE_SCREENING_MISSING:
                return MASSAGED_ERROR_SCREENING;
        case POLICY_REFUSE_SCREENING_BLOCKED:
                return MASSAGED_ERROR_CLEARANCE;
        case POLICY_REFUSE_REST:
                return MASSAGED_ERROR_REST_REQUIRED;
        case POLICY_REFUSE_SESSION_OPEN:
                return MASSAGED_ERROR_SESSION_OPEN;
        case POLICY_REFUSE_DAILY_SESSIONS:
                return MASSAGED_ERROR_DAILY_SESSIONS;
        case POLICY_REFUSE_DAILY_MINUTES:
                return MASSAGED_ERROR_DAILY_CAP;
        case POLICY_REFUSE_WEEKLY_MINUTES:
                return MASSAGED_ERROR_WEEKLY_CAP;
        case POLICY_REFUSE_HEAT_TIME:
                return MASSAGED_ERROR_HEAT_TIME;
        case POLICY_REFUSE_BATTERY:
                return MASSAGED_ERROR_BATTERY_LOW;
        case POLICY_REFUSE_HEAT_BATTERY:
                return MASSAGED_ERROR_HEAT_BATTERY;
        case POLICY_REFUSE_THERMAL_LOCKOUT:
                return MASSAGED_ERROR_THERMAL_LOCKOUT;
        case POLICY_REFUSE_HEAT_DISABLED:
                return MASSAGED_ERROR_HEAT_DISABLED;
        case POLICY_REFUSE_HEAT_SENSATION:
                return MASSAGED_ERROR_HEAT_SENSATION;
        case POLICY_REFUSE_HEAT_GENTLE:
                return MASSAGED_ERROR_HEAT_GENTLE;
        case POLICY_REFUSE_HEAT_SETPOINT:
                return MASSAGED_ERROR_HEAT_SETPOINT;
        case POLICY_REFUSE_SESSION_OVER:
                return MASSAGED_ERROR_SESSION_OVER;
        case POLICY_REFUSE_TOO_HOT:
                return MASSAGED_ERROR_PAD_TOO_HOT;
        case POLICY_REFUSE_NOTHING_TO_DO:
                return MASSAGED_ERROR_NOTHING_LOCKED;
        }
        return NULL;
}

static const char *const end_names[_POLICY_END_MAX] = {
        [POLICY_END_COMPLETED] = "completed",
        [POLICY_END_USER] = "user",
        [POLICY_END_STOP_ALL] = "stop_all",
        [POLICY_END_CALLER_LEFT] = "caller_left",
        [POLICY_END_PAIN_RISING] = "pain_rising",
        [POLICY_END_NUMBNESS] = "numbness",
        [POLICY_END_TINGLING] = "tingling",
        [POLICY_END_DIZZINESS] = "dizziness",
        [POLICY_END_HEADACHE_FLARE] = "headache_flare",
        [POLICY_END_BURNING_SKIN] = "burning_skin",
        [POLICY_END_THERMAL_CUTOFF] = "thermal_cutoff",
        [POLICY_END_SENSOR_FAULT] = "sensor_fault",
        [POLICY_END_LIMIT] = "limit",
        [POLICY_END_BATTERY] = "battery",
        [POLICY_END_LINK_LOST] = "link_lost",
        [POLICY_END_DEVICE_FAULT] = "device_fault",
        [POLICY_END_SHUTDOWN] = "shutdown",
        [POLICY_END_SUSPEND] = "suspend",
        [POLICY_END_INTERRUPTED] = "interrupted",
};

const char *policy_end_reason_to_string(PolicyEndReason r) {
        if ((unsigned) r >= _POLICY_END_MAX)
                return "unknown";
        return end_names[r];
}

int policy_end_reason_from_string(const char *s) {
        for (unsigned i = 0; s && i < _POLICY_END_MAX; i++)
                if (strcmp(end_names[i], s) == 0)
                        return (int) i;
        return -EINVAL;
}

bool policy_end_reason_is_symptom(PolicyEndReason r) {
        switch (r) {
        case POLICY_END_PAIN_RISING:
        case POLICY_END_NUMBNESS:
        case POLICY_END_TINGLING:
        case POLICY_END_DIZZINESS:
        case POLICY_END_HEADACHE_FLARE:
        case POLICY_END_BURNING_SKIN:
                return true;
        case POLICY_END_COMPLETED:
        case POLICY_END_USER:
        case POLICY_END_STOP_ALL:
        case POLICY_END_CALLER_LEFT:
        case POLICY_END_THERMAL_CUTOFF:
        case POLICY_END_SENSOR_FAULT:
        case POLICY_END_LIMIT:
        case POLICY_END_BATTERY:
        case POLICY_END_LINK_LOST:
        case POLICY_END_DEVICE_FAULT:
        case POLICY_END_SHUTDOWN:
        case POLICY_END_SUSPEND:
        case POLICY_END_INTERRUPTED:
        case _POLICY_END_MAX:
                return false;
        }
        return false;
}

uint8_t policy_lowest_third(uint8_t intensity_max) {
        return (uint8_t) MAX(1, intensity_max / 3);
}

void policy_plan_clear(PolicyPlan *p) {
        if (!p)
                return;
        free(p->steps);
        program_free(p->program);
        *p = (PolicyPlan) {};
}

static uint32_t L(const PolicyInput *in, LimitId id) {
        return in->limits->value[id];
}

static bool symptom_cap_active(const PolicyInput *in) {
        const PolicyFigures *f = in->figures;

        return f->has_symptom_stop &&
               safety_clock_elapsed_us(&f->clock, f->last_symptom_wall_us, f->last_symptom_mono_us,
                                       f->last_symptom_boot_id) < (uint64_t) POLICY_SYMPTOM_CAP_S * USEC_PER_SEC;
}

static bool gentle_now(const PolicyInput *in, bool requested) {
        return requested || L(in, LIMIT_GENTLE_MODE);
}

static uint32_t session_cap_s(const PolicyInput *in, bool gentle) {
        uint32_t m = L(in, LIMIT_SESSION_MINUTES);
        if (gentle)
                m = MIN(m, L(in, LIMIT_GENTLE_SESSION_MINUTES));
        return m * 60;
}

static uint64_t left_s(uint64_t cap_s, uint64_t used_s) {
        return used_s >= cap_s ? 0 : cap_s - used_s;
}

/* The highest usable heat level ≤ want whose setpoint is within the limit; 0 if none. */
static uint8_t heat_level_within_setpoint(const PolicyInput *in, bool gentle, uint8_t want) {
        uint32_t limit_c = L(in, LIMIT_HEAT_SETPOINT_CELSIUS);
        if (gentle)
                limit_c = MIN(limit_c, L(in, LIMIT_GENTLE_HEAT_SETPOINT_CELSIUS));

        for (uint8_t l = MIN(want, in->device->heat_levels); l > 0; l--)
                if (in->device->heat_setpoint[l - 1] <= (int32_t) limit_c * 10)
                        return l;
        return 0;
}

static bool battery_below(const PolicyInput *in, unsigned percent) {
        return in->battery != MASSAGER_BATTERY_UNKNOWN && in->battery < percent;
}

/*
 * Is heat allowed at all right now? Returns POLICY_OK or the reason, with the
 * sentence in r. The order puts the reasons the user cannot change first.
 */
static PolicyReason heat_refusal(const PolicyInput *in, bool gentle, uint8_t level, PolicyRefusal *r) {
        const PolicyFigures *f = in->figures;

        if (f->screened && (f->screening_yes & (UINT32_C(1) << SCREENING_REDUCED_SKIN_SENSATION))) {
                refusal_set(r, "Heat is off because the health screening reports reduced skin sensation: "
                            "skin that cannot feel heat can burn unnoticed. Start without heat.");
                return POLICY_REFUSE_HEAT_SENSATION;
        }
        if (f->heat_disabled) {
                refusal_set(r, "Heat is disabled after two thermal cut-offs within 24 hours. Check the pad, "
                            "then reset heat explicitly (massagectl reset-heat) or start without heat.");
                return POLICY_REFUSE_HEAT_DISABLED;
        }
        if (gentle && !L(in, LIMIT_GENTLE_HEAT)) {
                refusal_set(r, "Heat is off in gentle mode unless you opt in (limit gentle_heat, at most %u °C).",
                            L(in, LIMIT_GENTLE_HEAT_SETPOINT_CELSIUS));
                return POLICY_REFUSE_HEAT_GENTLE;
        }
        if (battery_below(in, POLICY_BATTERY_MIN_HEAT_PERCENT)) {
                refusal_set(r, "Battery at %u %%: heat needs at least %u %%. Charge the massager or start "
                            "without heat.", in->battery, POLICY_BATTERY_MIN_HEAT_PERCENT);
                return POLICY_REFUSE_HEAT_BATTERY;
        }
        if (heat_level_within_setpoint(in, gentle, level) == 0) {
                refusal_set(r, "No heat level of this device stays within the %u °C setpoint limit.",
                            gentle ? MIN(L(in, LIMIT_HEAT_SETPOINT_CELSIUS),
                                         L(in, LIMIT_GENTLE_HEAT_SETPOINT_CELSIUS))
                                   : L(in, LIMIT_HEAT_SETPOINT_CELSIUS));
                return POLICY_REFUSE_HEAT_SETPOINT;
        }
        return POLICY_OK;
}

/* Heat-on seconds allowed for a session of session_s with heat_today_s already used. */
static uint32_t heat_budget(const PolicyInput *in, uint32_t session_s, uint64_t heat_today_s) {
        uint64_t b = MIN((uint64_t) L(in, LIMIT_HEAT_SESSION_MINUTES) * 60, (uint64_t) session_s);
        return (uint32_t) MIN(b, left_s((uint64_t) L(in, LIMIT_HEAT_DAILY_MINUTES) * 60, heat_today_s));
}

static int refuse(PolicyRefusal *ret, PolicyReason reason, int64_t available_at, const PolicyRefusal *msg) {
        ret->reason = reason;
        ret->available_at_wall_us = available_at;
        if (msg && msg != ret)
                memcpy(ret->message, msg->message, sizeof ret->message);
        return 0;
}

static bool input_valid(const PolicyInput *in) {
        return in && in->limits && in->figures && in->device && in->device->intensity_max > 0;
}

static int check_screening(const PolicyInput *in, PolicyRefusal *ret) {
        const PolicyFigures *f = in->figures;
        const SafetyClock *c = &f->clock;

        if (!f->screened) {
                refusal_set(ret, "Health screening required before first use: answer the screening questions "
                            "(massagectl screening).");
                return refuse(ret, POLICY_REFUSE_SCREENING_MISSING, 0, NULL);
        }
        if (c->wall_us > f->screening_wall_us &&
            (uint64_t) (c->wall_us - f->screening_wall_us) >= (uint64_t) POLICY_SCREENING_VALID_S * USEC_PER_SEC) {
                refusal_set(ret, "Health screening is due again (every 6 months; last answered %llu days ago): "
                            "answer the screening questions (massagectl screening).",
                            (unsigned long long) ((c->wall_us - f->screening_wall_us) / (int64_t) USEC_PER_DAY));
                return refuse(ret, POLICY_REFUSE_SCREENING_MISSING, 0, NULL);
        }
        if (f->screening_yes && !f->screening_cleared) {
                const char *first = NULL;
                unsigned n = 0;
                for (unsigned q = 0; q < _SCREENING_QUESTION_MAX; q++)
                        if (f->screening_yes & (UINT32_C(1) << q)) {
                                if (!first)
                                        first = screening_question_key(q);
                                n++;
                        }
                refusal_set(ret, "The health screening answer \"%s\"%s rules out massage until a clinician "
                            "clears you; then record the clearance (massagectl screening --clearance). If the "
                            "answer was a mistake, correct it (massagectl screening --correction).",
                            first ? first : "?", n > 1 ? " (and others)" : "");
                return refuse(ret, POLICY_REFUSE_SCREENING_BLOCKED, 0, NULL);
        }
        return 1;
}

static int check_lockout(const PolicyInput *in, PolicyRefusal *ret) {
        const PolicyFigures *f = in->figures;
        char hhmm[6];

        if (!f->thermal_locked)
                return 1;
        refusal_set(ret, "The heat pad's thermal cut-off tripped at %s. Let the pad cool below %d °C, then "
                    "acknowledge it (massagectl acknowledge) before the next session.",
                    safety_clock_format_hhmm(&f->clock, f->last_trip_wall_us, hhmm),
                    POLICY_THERMAL_RELOCK_DECI_C / 10);
        return refuse(ret, POLICY_REFUSE_THERMAL_LOCKOUT, 0, NULL);
}

/* The daily figures that bind: the local day's or the last 24 h's, the higher. */
static uint64_t day_seconds(const PolicyFigures *f) {
        return MAX(f->seconds_today, f->seconds_24h);
}

static uint64_t day_heat_seconds(const PolicyFigures *f) {
        return MAX(f->heat_seconds_today, f->heat_seconds_24h);
}

/* When the last 24 h hold no more than cap_s - need_s of usage (motor or
 * heat seconds): a session counts whole until its end leaves the window,
 * oldest end first, so the promise is never early. */
static int64_t rolling_free_at(const PolicyFigures *f, uint64_t cap_s, uint64_t need_s, bool heat) {
        uint64_t used = heat ? f->heat_seconds_24h : f->seconds_24h;

        for (size_t i = f->n_rolling; i > 0; i--) {
                if (used + need_s <= cap_s)
                        break;
                uint64_t part = heat ? f->rolling[i - 1].heat_seconds : f->rolling[i - 1].seconds;
                used -= MIN(used, part);
                if (used + need_s <= cap_s)
                        return f->rolling[i - 1].end_wall_us + (int64_t) USEC_PER_DAY;
        }
        return f->clock.wall_us;
}

/* When a limit of cap_s with need_s left frees up: the next local day if
 * today binds, the rolling window if the last 24 h bind, whichever is later. */
static int64_t day_free_at(const PolicyFigures *f, uint64_t cap_s, uint64_t need_s, bool heat) {
        uint64_t today = heat ? f->heat_seconds_today : f->seconds_today;
        uint64_t rolling = heat ? f->heat_seconds_24h : f->seconds_24h;
        int64_t at = f->clock.wall_us;

        if (today + need_s > cap_s)
                at = MAX(at, f->clock.next_day_start_us);
        if (rolling + need_s > cap_s)
                at = MAX(at, rolling_free_at(f, cap_s, need_s, heat));
        return at;
}

/* Rest, daily and weekly rules. On success *ret_left_s is the most a session may last. */
static int check_usage(const PolicyInput *in, PolicyRefusal *ret, uint64_t *ret_left_day, uint64_t *ret_left_week) {
        const PolicyFigures *f = in->figures;
        const SafetyClock *c = &f->clock;
        char hhmm[6];

        /* An open session counts as running until it is closed, paused or not:
         * two sessions never run at once, and its rest has not even begun. */
        if (f->sessions_open > 0) {
                refusal_set(ret, "A session is still open (running or paused): stop it first (massagectl stop); "
                            "the next one may start %u min after it ends.", L(in, LIMIT_REST_MINUTES));
                return refuse(ret, POLICY_REFUSE_SESSION_OPEN, 0, NULL);
        }

        if (f->has_last_end) {
                int64_t rest_us = (int64_t) L(in, LIMIT_REST_MINUTES) * (int64_t) USEC_PER_MIN;
                /* Negative while the end is still ahead (a recovered session counts to its
                 * planned end): the rest is counted from that end, not from now. */
                int64_t since = safety_clock_since_us(c, f->last_end_wall_us, f->last_end_mono_us,
                                                      f->last_end_boot_id);
                if (since < rest_us) {
                        uint64_t wait = (uint64_t) (rest_us - since);
                        int64_t at = c->wall_us + (int64_t) wait;
                        char end_hhmm[6];
                        if (since < 0)
                                refusal_set(ret, "Rest required between sessions: %u more min (%u after the last "
                                            "session's planned end at %s); available again at %s.",
                                            minutes_ceil(wait / USEC_PER_SEC + (wait % USEC_PER_SEC != 0)),
                                            L(in, LIMIT_REST_MINUTES),
                                            safety_clock_format_hhmm(c, c->wall_us - since, end_hhmm),
                                            safety_clock_format_hhmm(c, at, hhmm));
                        else
                                refusal_set(ret, "Rest required between sessions: %u more min (of %u); available "
                                            "again at %s.", minutes_ceil(wait / USEC_PER_SEC + (wait % USEC_PER_SEC != 0)),
                                            L(in, LIMIT_REST_MINUTES), safety_clock_format_hhmm(c, at, hhmm));
                        return refuse(ret, POLICY_REFUSE_REST, at, NULL);
                }
        }

        if (f->sessions_today >= L(in, LIMIT_DAILY_SESSIONS) || f->sessions_24h >= L(in, LIMIT_DAILY_SESSIONS)) {
                int64_t at = c->wall_us;
                bool local = f->sessions_today >= L(in, LIMIT_DAILY_SESSIONS);

                if (local)
                        at = c->next_day_start_us;
                /* The window holds fewer than the limit once the limit-th newest start leaves it. */
                if (f->sessions_24h >= L(in, LIMIT_DAILY_SESSIONS))
                        at = MAX(at, L(in, LIMIT_DAILY_SESSIONS) <= f->n_starts_24h
                                     ? f->starts_24h[L(in, LIMIT_DAILY_SESSIONS) - 1] + (int64_t) USEC_PER_DAY
                                     : c->wall_us + (int64_t) USEC_PER_DAY);
                refusal_set(ret, "Daily session limit reached: %u of %u sessions %s; available again at %s.",
                            local ? f->sessions_today : f->sessions_24h, L(in, LIMIT_DAILY_SESSIONS),
                            local ? "today" : "in the last 24 hours", safety_clock_format_hhmm(c, at, hhmm));
                return refuse(ret, POLICY_REFUSE_DAILY_SESSIONS, at, NULL);
        }

        *ret_left_day = left_s((uint64_t) L(in, LIMIT_DAILY_MINUTES) * 60, day_seconds(f));
        if (*ret_left_day < POLICY_MIN_SESSION_S) {
                uint64_t cap = (uint64_t) L(in, LIMIT_DAILY_MINUTES) * 60;
                int64_t at = day_free_at(f, cap, POLICY_MIN_SESSION_S, false);
                bool local = f->seconds_today + POLICY_MIN_SESSION_S > cap;

                refusal_set(ret, "Daily limit reached: %u of %u min used %s; available again at %s.",
                            MIN(minutes_ceil(local ? f->seconds_today : f->seconds_24h), L(in, LIMIT_DAILY_MINUTES)),
                            L(in, LIMIT_DAILY_MINUTES), local ? "today" : "in the last 24 hours",
                            safety_clock_format_hhmm(c, at, hhmm));
                return refuse(ret, POLICY_REFUSE_DAILY_MINUTES, at, NULL);
        }

        *ret_left_week = left_s((uint64_t) L(in, LIMIT_WEEKLY_MINUTES) * 60, f->seconds_week);
        if (*ret_left_week < POLICY_MIN_SESSION_S) {
                /* The 7-day window moves on at local midnight; whether that frees
                 * enough depends on the day dropping out, so promise nothing more. */
                refusal_set(ret, "Weekly limit reached: %u of %u min used in the last 7 days; time frees up as "
                            "days leave the window (next change at %s).",
                            MIN(minutes_ceil(f->seconds_week), L(in, LIMIT_WEEKLY_MINUTES)),
                            L(in, LIMIT_WEEKLY_MINUTES), safety_clock_format_hhmm(c, c->next_day_start_us, hhmm));
                return refuse(ret, POLICY_REFUSE_WEEKLY_MINUTES, c->next_day_start_us, NULL);
        }
        return 1;
}

static void advice_add(const PolicyInput *in, uint32_t session_s, PolicyPlan *plan) {
        const PolicyFigures *f = in->figures;
        uint32_t days = f->days_used_week + (f->sessions_today == 0 ? 1 : 0);

        if (f->seconds_week + session_s > (uint64_t) L(in, LIMIT_WEEKLY_ADVICE_MINUTES) * 60) {
                plan->advice |= POLICY_ADVICE_WEEKLY_MINUTES;
                message_append(plan->message, sizeof plan->message,
                               "Advice: this brings you over %u min of massage in 7 days; rest days help the "
                               "tissue recover.", L(in, LIMIT_WEEKLY_ADVICE_MINUTES));
        }
        if (days > L(in, LIMIT_WEEKLY_ADVICE_DAYS)) {
                plan->advice |= POLICY_ADVICE_WEEKLY_DAYS;
                message_append(plan->message, sizeof plan->message,
                               "Advice: this is day %u of the last 7 with massage; consider a rest day.", days);
        }
        if (f->symptom_stops_7d >= POLICY_SYMPTOM_ADVICE_COUNT) {
                plan->advice |= POLICY_ADVICE_CLINICIAN;
                message_append(plan->message, sizeof plan->message,
                               "Advice: you stopped %u sessions for symptoms in the last 7 days; please see a "
                               "clinician before continuing.", f->symptom_stops_7d);
        }
}

static void adjustments_describe(const PolicyInput *in, const PolicyPlan *p, uint32_t requested_s,
                                 char *buf, size_t size) {
        if (p->adjustments & POLICY_ADJUST_DURATION_WEEKLY)
                message_append(buf, size, "Session shortened to %u min: weekly limit of %u min.",
                               p->session_s / 60, L(in, LIMIT_WEEKLY_MINUTES));
        else if (p->adjustments & POLICY_ADJUST_DURATION_DAILY)
                message_append(buf, size, "Session shortened to %u min %u s: daily limit of %u min.",
                               p->session_s / 60, p->session_s % 60, L(in, LIMIT_DAILY_MINUTES));
        else if (p->adjustments & (POLICY_ADJUST_DURATION_SESSION | POLICY_ADJUST_DURATION_GENTLE))
                message_append(buf, size, "Session capped at %u min (asked for %u min)%s.", p->session_s / 60,
                               minutes_ceil(requested_s),
                               (p->adjustments & POLICY_ADJUST_DURATION_GENTLE) ? " in gentle mode" : "");
        if (p->adjustments & POLICY_ADJUST_INTENSITY_SYMPTOM)
                message_append(buf, size, "Intensity capped at %u for 24 h after a stop for symptoms.",
                               p->intensity_cap);
        else if (p->adjustments & POLICY_ADJUST_INTENSITY_GENTLE)
                message_append(buf, size, "Intensity capped at %u in gentle mode.", p->intensity_cap);
        if (p->adjustments & POLICY_ADJUST_HEAT_LEVEL)
                message_append(buf, size, "Heat level lowered to %u (setpoint limit).", p->heat_level);
        if (p->adjustments & POLICY_ADJUST_HEAT_TIME)
                message_append(buf, size, "Heat switches off after %u min (heat-time limits).",
                               p->heat_budget_s / 60);
}

static Program *program_copy_checked(const Program *p) {
        if (!p || p->n_steps == 0 || !p->steps)
                return NULL;
        return program_dup(p);
}

int policy_check_start(const PolicyInput *in, const PolicyStartRequest *req, PolicyPlan *ret_plan,
                       PolicyRefusal *ret_refusal) {
        PolicyRefusal heat_msg = {};
        PolicyPlan plan = {};
        uint64_t left_day = 0, left_week = 0;
        uint32_t dur, cap_s;
        uint8_t cap, heat_level;
        bool gentle;
        int r;

        if (!input_valid(in) || !req || !ret_plan || !ret_refusal)
                return -EINVAL;
        *ret_refusal = (PolicyRefusal) {};

        if (!req->program || req->program->n_steps == 0) {
                refusal_set(ret_refusal, "The program has no steps.");
                return refuse(ret_refusal, POLICY_REFUSE_INVALID, 0, NULL);
        }
        if (req->intensity < 1 || req->intensity > in->device->intensity_max) {
                refusal_set(ret_refusal, "Intensity %u out of range 1–%u for this device.", req->intensity,
                            in->device->intensity_max);
                return refuse(ret_refusal, POLICY_REFUSE_INVALID, 0, NULL);
        }
        if (req->heat_level > in->device->heat_levels) {
                refusal_set(ret_refusal, "Heat level %u out of range 0–%u for this device.", req->heat_level,
                            in->device->heat_levels);
                return refuse(ret_refusal, POLICY_REFUSE_INVALID, 0, NULL);
        }
        if (req->duration_s != 0 && req->duration_s < POLICY_MIN_SESSION_S) {
                refusal_set(ret_refusal, "Duration %u s is too short: a session lasts at least %u s (the soft "
                            "start alone takes %u s).", req->duration_s, POLICY_MIN_SESSION_S,
                            POLICY_SOFT_START_HOLD_S);
                return refuse(ret_refusal, POLICY_REFUSE_INVALID, 0, NULL);
        }

        r = check_screening(in, ret_refusal);
        if (r <= 0)
                return r;
        r = check_lockout(in, ret_refusal);
        if (r <= 0)
                return r;
        if (battery_below(in, POLICY_BATTERY_MIN_START_PERCENT)) {
                refusal_set(ret_refusal, "Battery at %u %%: a session needs at least %u %%. Charge the massager.",
                            in->battery, POLICY_BATTERY_MIN_START_PERCENT);
                return refuse(ret_refusal, POLICY_REFUSE_BATTERY, 0, NULL);
        }
        r = check_usage(in, ret_refusal, &left_day, &left_week);
        if (r <= 0)
                return r;

        gentle = gentle_now(in, req->gentle || req->program->gentle);

        /* Duration: the request, capped by session length, then what is left. */
        cap_s = session_cap_s(in, gentle);
        dur = req->duration_s ? req->duration_s : cap_s;
        if (dur > cap_s) {
                dur = cap_s;
                plan.adjustments |= gentle && cap_s < L(in, LIMIT_SESSION_MINUTES) * 60
                        ? POLICY_ADJUST_DURATION_GENTLE : POLICY_ADJUST_DURATION_SESSION;
        }
        if (dur > left_day) {
                dur = (uint32_t) left_day;
                plan.adjustments |= POLICY_ADJUST_DURATION_DAILY;
        }
        if (dur > left_week) {
                dur = (uint32_t) left_week;
                plan.adjustments |= POLICY_ADJUST_DURATION_WEEKLY;
        }

        /* Intensity caps. */
        cap = in->device->intensity_max;
        if (symptom_cap_active(in)) {
                cap = policy_lowest_third(in->device->intensity_max);
                if (req->intensity > cap)
                        plan.adjustments |= POLICY_ADJUST_INTENSITY_SYMPTOM;
        }
        if (gentle && cap > policy_lowest_third(in->device->intensity_max)) {
                cap = policy_lowest_third(in->device->intensity_max);
                if (req->intensity > cap)
                        plan.adjustments |= POLICY_ADJUST_INTENSITY_GENTLE;
        }

        /* Heat: explicit requests are refused with the reason, defaults dropped with a note. */
        heat_level = req->heat_level;
        if (!req->heat_explicit && heat_level == 0 && req->program->heat)
                heat_level = heat_level_within_setpoint(in, gentle, in->device->heat_levels);
        if (heat_level > 0) {
                PolicyReason why = heat_refusal(in, gentle, heat_level, &heat_msg);
                uint32_t budget = heat_budget(in, dur, day_heat_seconds(in->figures));
                bool local = in->figures->heat_seconds_today >= in->figures->heat_seconds_24h;

                if (why == POLICY_OK && budget == 0) {
                        refusal_set(&heat_msg, "No heat time left: %u of %u min of heat used %s. Start "
                                    "without heat.", MIN(minutes_ceil(day_heat_seconds(in->figures)),
                                                         L(in, LIMIT_HEAT_DAILY_MINUTES)),
                                    L(in, LIMIT_HEAT_DAILY_MINUTES), local ? "today" : "in the last 24 hours");
                        why = POLICY_REFUSE_HEAT_TIME;
                }
                if (why != POLICY_OK) {
                        if (req->heat_explicit)
                                return refuse(ret_refusal, why,
                                              why == POLICY_REFUSE_HEAT_TIME
                                              ? day_free_at(in->figures, (uint64_t) L(in, LIMIT_HEAT_DAILY_MINUTES) * 60,
                                                            1, true)
                                              : 0, &heat_msg);
                        plan.adjustments |= POLICY_ADJUST_HEAT_DROPPED;
                        message_append(plan.message, sizeof plan.message, "%s", heat_msg.message);
                        heat_level = 0;
                } else {
                        uint8_t usable = heat_level_within_setpoint(in, gentle, heat_level);
                        if (usable < heat_level)
                                plan.adjustments |= POLICY_ADJUST_HEAT_LEVEL;
                        heat_level = usable;
                }
        }

        /* The budget is what the session may use, also when it starts without heat
         * and SetHeat switches it on later. */
        plan.heat_budget_s = heat_budget(in, dur, day_heat_seconds(in->figures));

        plan.program = program_copy_checked(req->program);
        if (!plan.program)
                return -ENOMEM;
        plan.session_s = dur;
        plan.intensity = MIN(req->intensity, cap);
        plan.intensity_cap = cap;
        plan.heat_level = heat_level;
        plan.gentle = gentle;
        /* The binding daily figures (local day or last 24 h), so a replan re-checks the same caps. */
        plan.heat_today_at_start_s = day_heat_seconds(in->figures);
        plan.seconds_today_at_start_s = day_seconds(in->figures);
        plan.seconds_week_at_start_s = in->figures->seconds_week;
        plan.soft_start_end_s = POLICY_SOFT_START_HOLD_S;

        r = plan_build(&(PlanSpec) {
                        .program = plan.program,
                        .device = in->device,
                        .gentle = gentle,
                        .origin_s = 0,
                        .session_s = dur,
                        .target = plan.intensity,
                        .cap = cap,
                        .from_level = 1,
                        .hold_s = POLICY_SOFT_START_HOLD_S,
                        .heat_level = heat_level,
                        .heat_remaining_s = plan.heat_budget_s,
                }, &plan);
        if (r == -EINVAL) {
                policy_plan_clear(&plan);
                refusal_set(ret_refusal, "This device supports no pattern the program may use%s.",
                            gentle ? " in gentle mode (steady or wave)" : "");
                return refuse(ret_refusal, POLICY_REFUSE_INVALID, 0, NULL);
        }
        if (r < 0) {
                policy_plan_clear(&plan);
                return r;
        }

        {
                char adj[POLICY_MESSAGE_MAX] = "";
                adjustments_describe(in, &plan, req->duration_s ? req->duration_s : dur, adj, sizeof adj);
                if (adj[0])
                        message_append(plan.message, sizeof plan.message, "%s", adj);
        }
        advice_add(in, dur, &plan);

        *ret_plan = plan;
        return 1;
}

int policy_replan(const PolicyInput *in, const PolicyPlan *current, const PolicyChange *change,
                  PolicyPlan *ret_plan, PolicyRefusal *ret_refusal) {
        PolicyRefusal heat_msg = {};
        PolicyPlan plan = {};
        uint32_t session_s, hold_end;
        uint64_t left_day, left_week;
        uint8_t cap, target, heat_level, from;
        bool gentle;
        int r;

        if (!input_valid(in) || !current || !current->program || !change || !ret_plan || !ret_refusal ||
            (unsigned) change->kind >= _POLICY_CHANGE_MAX)
                return -EINVAL;
        *ret_refusal = (PolicyRefusal) {};

        gentle = gentle_now(in, current->gentle);

        /* Lowered limits apply at once: the session only ever gets shorter. */
        left_day = left_s((uint64_t) L(in, LIMIT_DAILY_MINUTES) * 60, current->seconds_today_at_start_s);
        left_week = left_s((uint64_t) L(in, LIMIT_WEEKLY_MINUTES) * 60, current->seconds_week_at_start_s);
        session_s = (uint32_t) MIN(MIN((uint64_t) current->session_s, (uint64_t) session_cap_s(in, gentle)),
                                   MIN(left_day, left_week));
        if (change->elapsed_s >= session_s) {
                refusal_set(ret_refusal, "No session time left (%u of %u s run); the session ends now.",
                            change->elapsed_s, session_s);
                return refuse(ret_refusal, POLICY_REFUSE_SESSION_OVER, 0, NULL);
        }

        cap = MIN(current->intensity_cap, in->device->intensity_max);
        if (gentle)
                cap = MIN(cap, policy_lowest_third(in->device->intensity_max));
        if (symptom_cap_active(in))
                cap = MIN(cap, policy_lowest_third(in->device->intensity_max));

        target = current->intensity;
        heat_level = current->heat_level;
        from = change->current_intensity;
        hold_end = current->soft_start_end_s;

        switch (change->kind) {
        case POLICY_CHANGE_INTENSITY:
                if (change->intensity < 1 || change->intensity > in->device->intensity_max) {
                        refusal_set(ret_refusal, "Intensity %u out of range 1–%u for this device.",
                                    change->intensity, in->device->intensity_max);
                        return refuse(ret_refusal, POLICY_REFUSE_INVALID, 0, NULL);
                }
                target = change->intensity;
                if (target > cap)
                        plan.adjustments |= gentle ? POLICY_ADJUST_INTENSITY_GENTLE : POLICY_ADJUST_INTENSITY_SYMPTOM;
                break;
        case POLICY_CHANGE_HEAT:
                if (change->heat_level > in->device->heat_levels) {
                        refusal_set(ret_refusal, "Heat level %u out of range 0–%u for this device.",
                                    change->heat_level, in->device->heat_levels);
                        return refuse(ret_refusal, POLICY_REFUSE_INVALID, 0, NULL);
                }
                heat_level = change->heat_level;
                if (heat_level > 0) {
                        PolicyReason why = POLICY_OK;
                        if (in->figures->thermal_locked) {
                                check_lockout(in, &heat_msg);
                                why = POLICY_REFUSE_THERMAL_LOCKOUT;
                        } else
                                why = heat_refusal(in, gentle, heat_level, &heat_msg);
                        if (why != POLICY_OK)
                                return refuse(ret_refusal, why, 0, &heat_msg);
                }
                break;
        case POLICY_CHANGE_RESUME:
                hold_end = change->elapsed_s + POLICY_SOFT_START_HOLD_S;
                from = 1;
                break;
        case POLICY_CHANGE_LIMITS:
        case _POLICY_CHANGE_MAX:
                break;
        }

        /* Heat within the current rules: budget never grows, setpoint limit re-applied. */
        {
                uint32_t budget = MIN(current->heat_budget_s,
                                      heat_budget(in, session_s, current->heat_today_at_start_s));
                uint32_t remaining = budget > change->heat_used_s ? budget - change->heat_used_s : 0;

                if (heat_level > 0) {
                        uint8_t usable = (gentle && !L(in, LIMIT_GENTLE_HEAT)) ||
                                         battery_below(in, POLICY_BATTERY_MIN_HEAT_PERCENT) ||
                                         in->figures->heat_disabled || in->figures->thermal_locked
                                ? 0 : heat_level_within_setpoint(in, gentle, heat_level);
                        if (change->kind == POLICY_CHANGE_HEAT && remaining == 0) {
                                refusal_set(ret_refusal, "No heat time left in this session or today.");
                                return refuse(ret_refusal, POLICY_REFUSE_HEAT_TIME, 0, NULL);
                        }
                        if (usable < heat_level)
                                plan.adjustments |= usable ? POLICY_ADJUST_HEAT_LEVEL : POLICY_ADJUST_HEAT_DROPPED;
                        heat_level = usable;
                }
                plan.heat_budget_s = budget;
                plan.heat_level = heat_level;

                plan.program = program_copy_checked(current->program);
                if (!plan.program)
                        return -ENOMEM;
                plan.session_s = session_s;
                plan.intensity = MIN(target, cap);
                plan.intensity_cap = cap;
                plan.gentle = gentle;
                plan.heat_today_at_start_s = current->heat_today_at_start_s;
                plan.seconds_today_at_start_s = current->seconds_today_at_start_s;
                plan.seconds_week_at_start_s = current->seconds_week_at_start_s;
                plan.origin_s = change->elapsed_s;
                plan.soft_start_end_s = hold_end;

                r = plan_build(&(PlanSpec) {
                                .program = plan.program,
                                .device = in->device,
                                .gentle = gentle,
                                .origin_s = change->elapsed_s,
                                .session_s = session_s,
                                .target = plan.intensity,
                                .cap = cap,
                                .from_level = from,
                                /* The rest of the hold, whichever change asked for this plan. */
                                .hold_s = hold_end > change->elapsed_s ? hold_end - change->elapsed_s : 0,
                                .heat_level = heat_level,
                                .heat_remaining_s = remaining,
                        }, &plan);
        }
        if (r == -EINVAL) {
                policy_plan_clear(&plan);
                refusal_set(ret_refusal, "This device supports no pattern the program may use.");
                return refuse(ret_refusal, POLICY_REFUSE_INVALID, 0, NULL);
        }
        if (r < 0) {
                policy_plan_clear(&plan);
                return r;
        }
        if (session_s < current->session_s)
                plan.adjustments |= POLICY_ADJUST_DURATION_SESSION;
        {
                char adj[POLICY_MESSAGE_MAX] = "";
                adjustments_describe(in, &plan, current->session_s, adj, sizeof adj);
                if (adj[0])
                        message_append(plan.message, sizeof plan.message, "%s", adj);
        }
        *ret_plan = plan;
        return 1;
}

bool policy_symptom_advice_due(const PolicyFigures *f, char *buf, size_t size) {
        if (!f || f->symptom_stops_7d < POLICY_SYMPTOM_ADVICE_COUNT)
                return false;
        if (buf && size > 0)
                (void) snprintf(buf, size, "You stopped %u sessions for symptoms in the last 7 days. Please see a "
                         "clinician before continuing; intensity stays in the lowest third for 24 hours.",
                         f->symptom_stops_7d);
        return true;
}
