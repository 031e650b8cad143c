/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The start and replan decisions of the safety policy (doc/safety.md). Pure. */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "massaged-dbus.h"
#include "policy-internal.h"
#include "safety-i18n.h"
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
        [POLICY_END_PAUSE_TIMEOUT] = "pause_timeout",
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
        case POLICY_END_PAUSE_TIMEOUT:
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
                refusal_set(ret, _("Health screening required before first use: answer the screening questions "
                            "(massagectl screening)."));
                return refuse(ret, POLICY_REFUSE_SCREENING_MISSING, 0, NULL);
        }
        if (c->wall_us > f->screening_wall_us &&
            (uint64_t) (c->wall_us - f->screening_wall_us) >= (uint64_t) POLICY_SCREENING_VALID_S * USEC_PER_SEC) {
                refusal_set(ret, _("Health screening is due again (every 6 months; last answered %llu days ago): "
                            "answer the screening questions (massagectl screening)."),
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
                /* TRANSLATORS: the first %s is a screening question's key (not translated),
                 * the second is empty or " (and others)". */
                refusal_set(ret, _("The health screening answer \"%s\"%s rules out massage until a clinician "
                            "clears you; then record the clearance (massagectl screening --clearance). If the "
                            "answer was a mistake, correct it (massagectl screening --correction)."),
                            first ? first : "?", n > 1 ? _(" (and others)") : "");
                return refuse(ret, POLICY_REFUSE_SCREENING_BLOCKED, 0, NULL);
        }
        return 1;
}

static int check_lockout(const PolicyInput *in, PolicyRefusal *ret) {
        const PolicyFigures *f = in->figures;
        char hhmm[6];

        if (!f->thermal_locked)
                return 1;
        refusal_set(ret, _("The heat pad's thermal cut-off tripped at %s. Let the pad cool below %d °C, then "
                    "acknowledge it (massagectl acknowledge) before the next session."),
                    safety_clock_format_hhmm(&f->clock, f->last_trip_wall_us, hhmm),
                    POLICY_THERMAL_RELOCK_DECI_C / 10);
        return refuse(ret, POLICY_REFUSE_THERMAL_LOCKOUT, 0, NULL);
}

/*
 * Is heat allowed at all right now? Returns POLICY_OK or the reason, with the
 * sentence in r. The order puts the reasons the user cannot change first;
 * a start never gets here locked out (check_lockout() refused it).
 */
static PolicyReason heat_refusal(const PolicyInput *in, bool gentle, uint8_t level, PolicyRefusal *r) {
        const PolicyFigures *f = in->figures;

        if (f->thermal_locked) {
                (void) check_lockout(in, r);
                return POLICY_REFUSE_THERMAL_LOCKOUT;
        }
        if (f->screened && (f->screening_yes & (UINT32_C(1) << SCREENING_REDUCED_SKIN_SENSATION))) {
                refusal_set(r, _("Heat is off because the health screening reports reduced skin sensation: "
                            "skin that cannot feel heat can burn unnoticed. Start without heat."));
                return POLICY_REFUSE_HEAT_SENSATION;
        }
        if (f->heat_disabled) {
                refusal_set(r, _("Heat is disabled after two thermal cut-offs within 24 hours. Check the pad, "
                            "then reset heat explicitly (massagectl reset-heat) or start without heat."));
                return POLICY_REFUSE_HEAT_DISABLED;
        }
        if (gentle && !L(in, LIMIT_GENTLE_HEAT)) {
                refusal_set(r, _("Heat is off in gentle mode unless you opt in (limit gentle_heat, at most %u °C)."),
                            L(in, LIMIT_GENTLE_HEAT_SETPOINT_CELSIUS));
                return POLICY_REFUSE_HEAT_GENTLE;
        }
        if (battery_below(in, POLICY_BATTERY_MIN_HEAT_PERCENT)) {
                refusal_set(r, _("Battery at %u %%: heat needs at least %u %%. Charge the massager or start "
                            "without heat."), in->battery, POLICY_BATTERY_MIN_HEAT_PERCENT);
                return POLICY_REFUSE_HEAT_BATTERY;
        }
        if (heat_level_within_setpoint(in, gentle, level) == 0) {
                refusal_set(r, _("No heat level of this device stays within the %u °C setpoint limit."),
                            gentle ? MIN(L(in, LIMIT_HEAT_SETPOINT_CELSIUS),
                                         L(in, LIMIT_GENTLE_HEAT_SETPOINT_CELSIUS))
                                   : L(in, LIMIT_HEAT_SETPOINT_CELSIUS));
                return POLICY_REFUSE_HEAT_SETPOINT;
        }
        return POLICY_OK;
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
                refusal_set(ret, _("A session is still open (running or paused): stop it first (massagectl stop); "
                            "the next one may start %u min after it ends."), L(in, LIMIT_REST_MINUTES));
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
                                refusal_set(ret, _("Rest required between sessions: %u more min (%u after the last "
                                            "session's planned end at %s); available again at %s."),
                                            minutes_ceil(wait / USEC_PER_SEC + (wait % USEC_PER_SEC != 0)),
                                            L(in, LIMIT_REST_MINUTES),
                                            safety_clock_format_hhmm(c, c->wall_us - since, end_hhmm),
                                            safety_clock_format_hhmm(c, at, hhmm));
                        else
                                refusal_set(ret, _("Rest required between sessions: %u more min (of %u); available "
                                            "again at %s."), minutes_ceil(wait / USEC_PER_SEC + (wait % USEC_PER_SEC != 0)),
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
                /* TRANSLATORS: the third %s is "today" or "in the last 24 hours". */
                refusal_set(ret, _("Daily session limit reached: %u of %u sessions %s; available again at %s."),
                            local ? f->sessions_today : f->sessions_24h, L(in, LIMIT_DAILY_SESSIONS),
                            local ? _("today") : _("in the last 24 hours"), safety_clock_format_hhmm(c, at, hhmm));
                return refuse(ret, POLICY_REFUSE_DAILY_SESSIONS, at, NULL);
        }

        *ret_left_day = left_s((uint64_t) L(in, LIMIT_DAILY_MINUTES) * 60, day_seconds(f));
        if (*ret_left_day < POLICY_MIN_SESSION_S) {
                uint64_t cap = (uint64_t) L(in, LIMIT_DAILY_MINUTES) * 60;
                int64_t at = day_free_at(f, cap, POLICY_MIN_SESSION_S, false);
                bool local = f->seconds_today + POLICY_MIN_SESSION_S > cap;

                /* TRANSLATORS: the %s after "used" is "today" or "in the last 24 hours". */
                refusal_set(ret, _("Daily limit reached: %u of %u min used %s; available again at %s."),
                            MIN(minutes_ceil(local ? f->seconds_today : f->seconds_24h), L(in, LIMIT_DAILY_MINUTES)),
                            L(in, LIMIT_DAILY_MINUTES), local ? _("today") : _("in the last 24 hours"),
                            safety_clock_format_hhmm(c, at, hhmm));
                return refuse(ret, POLICY_REFUSE_DAILY_MINUTES, at, NULL);
        }

        *ret_left_week = left_s((uint64_t) L(in, LIMIT_WEEKLY_MINUTES) * 60, f->seconds_week);
        if (*ret_left_week < POLICY_MIN_SESSION_S) {
                /* The 7-day window moves on at local midnight; whether that frees
                 * enough depends on the day dropping out, so promise nothing more. */
                refusal_set(ret, _("Weekly limit reached: %u of %u min used in the last 7 days; time frees up as "
                            "days leave the window (next change at %s)."),
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
                               _("Advice: this brings you over %u min of massage in 7 days; rest days help the "
                               "tissue recover."), L(in, LIMIT_WEEKLY_ADVICE_MINUTES));
        }
        if (days > L(in, LIMIT_WEEKLY_ADVICE_DAYS)) {
                plan->advice |= POLICY_ADVICE_WEEKLY_DAYS;
                message_append(plan->message, sizeof plan->message,
                               _("Advice: this is day %u of the last 7 with massage; consider a rest day."), days);
        }
        if (f->symptom_stops_7d >= POLICY_SYMPTOM_ADVICE_COUNT) {
                plan->advice |= POLICY_ADVICE_CLINICIAN;
                message_append(plan->message, sizeof plan->message,
                               _("Advice: you stopped %u sessions for symptoms in the last 7 days; please see a "
                               "clinician before continuing."), f->symptom_stops_7d);
        }
}

static void adjustments_describe(const PolicyInput *in, const PolicyPlan *p, uint32_t requested_s,
                                 char *buf, size_t size) {
        if (p->adjustments & POLICY_ADJUST_DURATION_WEEKLY)
                message_append(buf, size, _("Session shortened to %u min: weekly limit of %u min."),
                               p->session_s / 60, L(in, LIMIT_WEEKLY_MINUTES));
        else if (p->adjustments & POLICY_ADJUST_DURATION_DAILY)
                message_append(buf, size, _("Session shortened to %u min %u s: daily limit of %u min."),
                               p->session_s / 60, p->session_s % 60, L(in, LIMIT_DAILY_MINUTES));
        else if (p->adjustments & (POLICY_ADJUST_DURATION_SESSION | POLICY_ADJUST_DURATION_GENTLE))
                /* TRANSLATORS: %s is empty or " in gentle mode". */
                message_append(buf, size, _("Session capped at %u min (asked for %u min)%s."), p->session_s / 60,
                               minutes_ceil(requested_s),
                               (p->adjustments & POLICY_ADJUST_DURATION_GENTLE) ? _(" in gentle mode") : "");
        if (p->adjustments & POLICY_ADJUST_INTENSITY_SYMPTOM)
                message_append(buf, size, _("Intensity capped at %u for 24 h after a stop for symptoms."),
                               p->intensity_cap);
        else if (p->adjustments & POLICY_ADJUST_INTENSITY_GENTLE)
                message_append(buf, size, _("Intensity capped at %u in gentle mode."), p->intensity_cap);
        if (p->adjustments & POLICY_ADJUST_HEAT_LEVEL)
                message_append(buf, size, _("Heat level lowered to %u (setpoint limit)."), p->heat_level);
        if (p->adjustments & POLICY_ADJUST_HEAT_TIME)
                message_append(buf, size, _("Heat switches off after %u min (heat-time limits)."),
                               p->heat_budget_s / 60);
}

static Program *program_copy_checked(const Program *p) {
        if (!p || p->n_steps == 0 || !p->steps)
                return NULL;
        return program_dup(p);
}

/* ---- the caps: one sequence for policy_check_start() and policy_replan() ----
 *
 * Both paths describe what is asked (and the usage the caps count from) in a
 * Caps, run caps[] over it in order, and build the plan from what is left: a
 * cap added to caps[] applies to every start and every mid-session change
 * alike (doc/safety.md, "Limits"). */

typedef struct Caps {
        bool start;                     /* policy_check_start(): refusals may say when to come back */
        bool gentle;
        uint32_t elapsed_s;             /* session seconds already run (0 at start) */
        uint32_t session_s;             /* in: the asked length; out: after the length caps */
        uint8_t intensity;              /* the asked target: a cap below it is reported */
        uint8_t cap;                    /* in: highest level so far; out: after the intensity caps */
        uint8_t heat_level;             /* in: asked or carried over; out: usable, 0 = off */
        bool heat_explicit;             /* asked for by the caller: refused, not dropped */
        uint32_t heat_budget_s;         /* in: the most it may be; out: the session's heat budget */
        uint32_t heat_used_s;           /* heat-on seconds this session has used */
        uint64_t day_s;                 /* the binding daily motor seconds the caps count from */
        uint64_t week_s;
        uint64_t heat_day_s;            /* the binding daily heat seconds */
        uint32_t adjustments;           /* POLICY_ADJUST_* */
        char message[POLICY_MESSAGE_MAX];       /* why heat was dropped, or "" */
} Caps;

/* Each returns 1 (go on) or 0 (refused: *ret filled). */
typedef int (*CapFunc)(const PolicyInput *in, Caps *c, PolicyRefusal *ret);

static int cap_session_length(const PolicyInput *in, Caps *c, PolicyRefusal *ret) {
        uint32_t cap_s = session_cap_s(in, c->gentle);

        if (c->session_s > cap_s) {
                c->session_s = cap_s;
                c->adjustments |= c->gentle && cap_s < L(in, LIMIT_SESSION_MINUTES) * 60
                        ? POLICY_ADJUST_DURATION_GENTLE : POLICY_ADJUST_DURATION_SESSION;
        }
        return 1;
}

static int cap_daily_minutes(const PolicyInput *in, Caps *c, PolicyRefusal *ret) {
        uint64_t left = left_s((uint64_t) L(in, LIMIT_DAILY_MINUTES) * 60, c->day_s);

        if (c->session_s > left) {
                c->session_s = (uint32_t) left;
                c->adjustments |= POLICY_ADJUST_DURATION_DAILY;
        }
        return 1;
}

static int cap_weekly_minutes(const PolicyInput *in, Caps *c, PolicyRefusal *ret) {
        uint64_t left = left_s((uint64_t) L(in, LIMIT_WEEKLY_MINUTES) * 60, c->week_s);

        if (c->session_s > left) {
                c->session_s = (uint32_t) left;
                c->adjustments |= POLICY_ADJUST_DURATION_WEEKLY;
        }
        return 1;
}

/* A lowered limit can leave a running session nothing: it ends now. A start
 * never gets here with less than POLICY_MIN_SESSION_S (check_usage()). */
static int cap_time_left(const PolicyInput *in, Caps *c, PolicyRefusal *ret) {
        if (c->elapsed_s < c->session_s)
                return 1;
        refusal_set(ret, _("No session time left (%u of %u s run); the session ends now."), c->elapsed_s, c->session_s);
        return refuse(ret, POLICY_REFUSE_SESSION_OVER, 0, NULL);
}

static int cap_intensity_symptom(const PolicyInput *in, Caps *c, PolicyRefusal *ret) {
        if (!symptom_cap_active(in))
                return 1;
        c->cap = MIN(c->cap, policy_lowest_third(in->device->intensity_max));
        if (c->intensity > c->cap)
                c->adjustments |= POLICY_ADJUST_INTENSITY_SYMPTOM;
        return 1;
}

static int cap_intensity_gentle(const PolicyInput *in, Caps *c, PolicyRefusal *ret) {
        if (!c->gentle)
                return 1;
        c->cap = MIN(c->cap, policy_lowest_third(in->device->intensity_max));
        /* The symptom cap is the same level and the stronger reason to name. */
        if (c->intensity > c->cap && !(c->adjustments & POLICY_ADJUST_INTENSITY_SYMPTOM))
                c->adjustments |= POLICY_ADJUST_INTENSITY_GENTLE;
        return 1;
}

/* Heat: the rules (heat_refusal()), then the time left, then the setpoint.
 * Explicit heat is refused with the reason; heat by default (a Start without
 * heat_level) or carried over from the running plan is dropped with a note. */
static int cap_heat(const PolicyInput *in, Caps *c, PolicyRefusal *ret) {
        PolicyRefusal why_msg = {};
        PolicyReason why;
        uint32_t remaining;
        uint8_t usable;

        /* The budget is what the session may use, also when it runs without
         * heat and SetHeat switches it on later; it never grows. */
        c->heat_budget_s = MIN(c->heat_budget_s, heat_budget(in, c->session_s, c->heat_day_s));
        remaining = c->heat_budget_s > c->heat_used_s ? c->heat_budget_s - c->heat_used_s : 0;
        if (c->heat_level == 0)
                return 1;

        why = heat_refusal(in, c->gentle, c->heat_level, &why_msg);
        if (why == POLICY_OK && remaining == 0) {
                if (c->start)
                        /* TRANSLATORS: %s is "today" or "in the last 24 hours". */
                        refusal_set(&why_msg, _("No heat time left: %u of %u min of heat used %s. Start without heat."),
                                    MIN(minutes_ceil(c->heat_day_s), L(in, LIMIT_HEAT_DAILY_MINUTES)),
                                    L(in, LIMIT_HEAT_DAILY_MINUTES),
                                    in->figures->heat_seconds_today >= in->figures->heat_seconds_24h
                                    ? _("today") : _("in the last 24 hours"));
                else
                        refusal_set(&why_msg, _("No heat time left in this session or today."));
                why = POLICY_REFUSE_HEAT_TIME;
        }
        if (why != POLICY_OK) {
                if (c->heat_explicit)
                        return refuse(ret, why,
                                      why == POLICY_REFUSE_HEAT_TIME && c->start
                                      ? day_free_at(in->figures, (uint64_t) L(in, LIMIT_HEAT_DAILY_MINUTES) * 60, 1, true)
                                      : 0, &why_msg);
                c->adjustments |= POLICY_ADJUST_HEAT_DROPPED;
                message_append(c->message, sizeof c->message, "%s", why_msg.message);
                c->heat_level = 0;
                return 1;
        }
        usable = heat_level_within_setpoint(in, c->gentle, c->heat_level);
        if (usable < c->heat_level)
                c->adjustments |= POLICY_ADJUST_HEAT_LEVEL;
        c->heat_level = usable;
        return 1;
}

/* In this order: length before intensity before heat, since the heat budget
 * depends on the capped length. */
static const CapFunc caps[] = {
        cap_session_length,
        cap_daily_minutes,
        cap_weekly_minutes,
        cap_time_left,
        cap_intensity_symptom,
        cap_intensity_gentle,
        cap_heat,
};

static int caps_apply(const PolicyInput *in, Caps *c, PolicyRefusal *ret) {
        int r;

        for (size_t i = 0; i < ELEMENTSOF(caps); i++) {
                r = caps[i](in, c, ret);
                if (r <= 0)
                        return r;
        }
        return 1;
}

/* Lay out what the caps allow, from origin_s to the capped end; the soft
 * start's level-1 hold runs until soft_start_end_s. Same return convention
 * as policy_check_start(); *plan is cleared on failure. */
static int plan_make(const PolicyInput *in, const Caps *c, const Program *program, uint32_t origin_s,
                     uint8_t from_level, uint32_t soft_start_end_s, PolicyPlan *plan, PolicyRefusal *ret) {
        int r;

        plan->program = program_copy_checked(program);
        if (!plan->program)
                return -ENOMEM;
        plan->session_s = c->session_s;
        plan->intensity = MIN(c->intensity, c->cap);
        plan->intensity_cap = c->cap;
        plan->heat_level = c->heat_level;
        plan->heat_budget_s = c->heat_budget_s;
        plan->gentle = c->gentle;
        plan->origin_s = origin_s;
        plan->soft_start_end_s = soft_start_end_s;
        plan->adjustments |= c->adjustments;

        r = plan_build(&(PlanSpec) {
                        .program = plan->program,
                        .device = in->device,
                        .gentle = c->gentle,
                        .origin_s = origin_s,
                        .session_s = c->session_s,
                        .target = plan->intensity,
                        .cap = c->cap,
                        .from_level = from_level,
                        /* The rest of the hold, whichever change asked for this plan. */
                        .hold_s = soft_start_end_s > origin_s ? soft_start_end_s - origin_s : 0,
                        .heat_level = c->heat_level,
                        .heat_remaining_s = c->heat_budget_s > c->heat_used_s ? c->heat_budget_s - c->heat_used_s : 0,
                }, plan);
        if (r == -EINVAL) {
                policy_plan_clear(plan);
                /* TRANSLATORS: %s is empty or " in gentle mode (steady or wave)". */
                refusal_set(ret, _("This device supports no pattern the program may use%s."),
                            c->gentle ? _(" in gentle mode (steady or wave)") : "");
                return refuse(ret, POLICY_REFUSE_INVALID, 0, NULL);
        }
        if (r < 0) {
                policy_plan_clear(plan);
                return r;
        }
        if (c->message[0])
                message_append(plan->message, sizeof plan->message, "%s", c->message);
        return 1;
}

static void plan_describe(const PolicyInput *in, PolicyPlan *plan, uint32_t requested_s) {
        char adj[POLICY_MESSAGE_MAX] = "";

        adjustments_describe(in, plan, requested_s, adj, sizeof adj);
        if (adj[0])
                message_append(plan->message, sizeof plan->message, "%s", adj);
}

int policy_check_start(const PolicyInput *in, const PolicyStartRequest *req, PolicyPlan *ret_plan,
                       PolicyRefusal *ret_refusal) {
        PolicyPlan plan = {};
        uint64_t left_day = 0, left_week = 0;
        bool gentle;
        int r;

        if (!input_valid(in) || !req || !ret_plan || !ret_refusal)
                return -EINVAL;
        *ret_refusal = (PolicyRefusal) {};

        if (!req->program || req->program->n_steps == 0) {
                refusal_set(ret_refusal, _("The program has no steps."));
                return refuse(ret_refusal, POLICY_REFUSE_INVALID, 0, NULL);
        }
        if (req->intensity < 1 || req->intensity > in->device->intensity_max) {
                refusal_set(ret_refusal, _("Intensity %u out of range 1–%u for this device."), req->intensity,
                            in->device->intensity_max);
                return refuse(ret_refusal, POLICY_REFUSE_INVALID, 0, NULL);
        }
        if (req->heat_level > in->device->heat_levels) {
                refusal_set(ret_refusal, _("Heat level %u out of range 0–%u for this device."), req->heat_level,
                            in->device->heat_levels);
                return refuse(ret_refusal, POLICY_REFUSE_INVALID, 0, NULL);
        }
        if (req->duration_s != 0 && req->duration_s < POLICY_MIN_SESSION_S) {
                refusal_set(ret_refusal, _("Duration %u s is too short: a session lasts at least %u s (the soft "
                            "start alone takes %u s)."), req->duration_s, POLICY_MIN_SESSION_S,
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
                refusal_set(ret_refusal, _("Battery at %u %%: a session needs at least %u %%. Charge the massager."),
                            in->battery, POLICY_BATTERY_MIN_START_PERCENT);
                return refuse(ret_refusal, POLICY_REFUSE_BATTERY, 0, NULL);
        }
        r = check_usage(in, ret_refusal, &left_day, &left_week);
        if (r <= 0)
                return r;

        gentle = gentle_now(in, req->gentle || req->program->gentle);
        Caps c = {
                .start = true,
                .gentle = gentle,
                .session_s = req->duration_s ?: session_cap_s(in, gentle),
                .intensity = req->intensity,
                .cap = in->device->intensity_max,
                .heat_level = req->heat_level,
                .heat_explicit = req->heat_explicit,
                .heat_budget_s = UINT32_MAX,
                .day_s = day_seconds(in->figures),
                .week_s = in->figures->seconds_week,
                .heat_day_s = day_heat_seconds(in->figures),
        };
        /* A program with heat and no heat asked for: the highest level the setpoint allows. */
        if (!req->heat_explicit && c.heat_level == 0 && req->program->heat)
                c.heat_level = heat_level_within_setpoint(in, gentle, in->device->heat_levels);

        r = caps_apply(in, &c, ret_refusal);
        if (r <= 0)
                return r;
        r = plan_make(in, &c, req->program, 0, 1, POLICY_SOFT_START_HOLD_S, &plan, ret_refusal);
        if (r <= 0)
                return r;
        /* The binding daily figures (local day or last 24 h), so a replan re-checks the same caps. */
        plan.heat_today_at_start_s = c.heat_day_s;
        plan.seconds_today_at_start_s = c.day_s;
        plan.seconds_week_at_start_s = c.week_s;

        plan_describe(in, &plan, req->duration_s ?: plan.session_s);
        advice_add(in, plan.session_s, &plan);

        *ret_plan = plan;
        return 1;
}

int policy_replan(const PolicyInput *in, const PolicyPlan *current, const PolicyChange *change,
                  PolicyPlan *ret_plan, PolicyRefusal *ret_refusal) {
        PolicyPlan plan = {};
        uint32_t hold_end = current ? current->soft_start_end_s : 0;
        uint8_t from;
        int r;

        if (!input_valid(in) || !current || !current->program || !change || !ret_plan || !ret_refusal ||
            (unsigned) change->kind >= _POLICY_CHANGE_MAX)
                return -EINVAL;
        *ret_refusal = (PolicyRefusal) {};

        /* The arguments first, as at start. */
        if (change->kind == POLICY_CHANGE_INTENSITY &&
            (change->intensity < 1 || change->intensity > in->device->intensity_max)) {
                refusal_set(ret_refusal, _("Intensity %u out of range 1–%u for this device."),
                            change->intensity, in->device->intensity_max);
                return refuse(ret_refusal, POLICY_REFUSE_INVALID, 0, NULL);
        }
        if (change->kind == POLICY_CHANGE_HEAT && change->heat_level > in->device->heat_levels) {
                refusal_set(ret_refusal, _("Heat level %u out of range 0–%u for this device."),
                            change->heat_level, in->device->heat_levels);
                return refuse(ret_refusal, POLICY_REFUSE_INVALID, 0, NULL);
        }

        /* The current limits over what the session already has: lowered
         * limits apply at once, raised ones never lengthen it nor add heat. */
        Caps c = {
                .gentle = gentle_now(in, current->gentle),
                .elapsed_s = change->elapsed_s,
                .session_s = current->session_s,
                .intensity = change->kind == POLICY_CHANGE_INTENSITY ? change->intensity : current->intensity,
                .cap = MIN(current->intensity_cap, in->device->intensity_max),
                .heat_level = change->kind == POLICY_CHANGE_HEAT ? change->heat_level : current->heat_level,
                .heat_explicit = change->kind == POLICY_CHANGE_HEAT,
                .heat_budget_s = current->heat_budget_s,
                .heat_used_s = change->heat_used_s,
                .day_s = current->seconds_today_at_start_s,
                .week_s = current->seconds_week_at_start_s,
                .heat_day_s = current->heat_today_at_start_s,
        };
        r = caps_apply(in, &c, ret_refusal);
        if (r <= 0)
                return r;

        from = change->current_intensity;
        if (change->kind == POLICY_CHANGE_RESUME) {
                hold_end = change->elapsed_s + POLICY_SOFT_START_HOLD_S;
                from = 1;
        }
        r = plan_make(in, &c, current->program, change->elapsed_s, from, hold_end, &plan, ret_refusal);
        if (r <= 0)
                return r;
        plan.heat_today_at_start_s = current->heat_today_at_start_s;
        plan.seconds_today_at_start_s = current->seconds_today_at_start_s;
        plan.seconds_week_at_start_s = current->seconds_week_at_start_s;

        plan_describe(in, &plan, current->session_s);
        *ret_plan = plan;
        return 1;
}

bool policy_symptom_advice_due(const PolicyFigures *f, char *buf, size_t size) {
        if (!f || f->symptom_stops_7d < POLICY_SYMPTOM_ADVICE_COUNT)
                return false;
        if (buf && size > 0)
                /* Also a person's: Manager.Advice carries it after the stop. */
                (void) snprintf(buf, size, _("You stopped %u sessions for symptoms in the last 7 days. Please see a "
                                             "clinician before continuing; intensity stays in the lowest third for 24 hours."),
                                f->symptom_stops_7d);
        return true;
}
