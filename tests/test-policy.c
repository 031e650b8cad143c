/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of the pure safety policy: every rule of doc/safety.md and its
 * boundaries (exactly at a limit, one second over), clock jumps both ways,
 * mid-session changes and the thermal checks. Links only the policy, limits,
 * clock and program files — no ledger, no I/O.
 */

#include "config.h"

#include <glib.h>

#include "policy.h"
#include "policy-advice.h"
#include "safety-test-util.h"
#include "screening.h"

static int64_t T0;                                      /* 2026-06-15 12:00 CEST */
static const uint64_t M0 = UINT64_C(1000) * USEC_PER_HOUR;   /* monotonic at T0 */

typedef struct Env {
        Limits lim;
        PolicyFigures fig;
        MassagerDeviceInfo dev;
        PolicyInput in;
        TestProgram tp;
        Program *prog;
        PolicyStartRequest req;
} Env;

static void env_init(Env *e) {
        *e = (Env) {};
        limits_init_default(&e->lim);
        g_assert_cmpint(safety_clock_make(T0, M0, TEST_BOOT, &e->fig.clock), ==, 0);
        e->fig.screened = true;
        e->fig.screening_wall_us = T0 - S(86400);
        e->dev = test_device();
        e->prog = test_program_steady(&e->tp);
        e->in = (PolicyInput) { &e->lim, &e->fig, &e->dev, 80, 300 };
        e->req = (PolicyStartRequest) { .program = e->prog, .intensity = 5 };
}

static void env_done(Env *e) {
        (void) e;       /* nothing on the heap: kept so every test has one exit point */
}

static void last_end_ago(Env *e, int64_t secs) {
        e->fig.has_last_end = true;
        e->fig.last_end_wall_us = T0 - S(secs);
        e->fig.last_end_mono_us = M0 - (uint64_t) S(secs);
        strcpy(e->fig.last_end_boot_id, TEST_BOOT);
}

static void symptom_ago(Env *e, int64_t secs) {
        e->fig.has_symptom_stop = true;
        e->fig.last_symptom_wall_us = T0 - S(secs);
        e->fig.last_symptom_mono_us = M0 - (uint64_t) S(secs);
        strcpy(e->fig.last_symptom_boot_id, TEST_BOOT);
        e->fig.symptom_stops_7d = 1;
}

static void set_program(Env *e, Program *p) {
        e->prog = p;
        e->req.program = p;
}

#define SETUP(name, ...) static void name(Env *e) { __VA_ARGS__; }

SETUP(s_default, (void) e)
/* session length */
SETUP(s_dur_at_limit, e->req.duration_s = 900)
SETUP(s_dur_over_1s, e->req.duration_s = 901)
SETUP(s_dur_hard_limit, { e->lim.value[LIMIT_SESSION_MINUTES] = 20; e->req.duration_s = 1200; })
SETUP(s_dur_lowered, { e->lim.value[LIMIT_SESSION_MINUTES] = 5; e->req.duration_s = 900; })
SETUP(s_dur_too_short, e->req.duration_s = 59)
SETUP(s_dur_min, e->req.duration_s = 60)
/* rest */
SETUP(s_rest_1s_short, last_end_ago(e, 3599))
SETUP(s_rest_exact, last_end_ago(e, 3600))
SETUP(s_rest30_short, { e->lim.value[LIMIT_REST_MINUTES] = 30; last_end_ago(e, 1799); })
SETUP(s_rest30_exact, { e->lim.value[LIMIT_REST_MINUTES] = 30; last_end_ago(e, 1800); })
/* A forward wall jump: the wall says the last end was 2 h ago, the monotonic clock 10 min. */
SETUP(s_rest_wall_forward, {
        last_end_ago(e, 600);
        e->fig.last_end_wall_us = T0 - S(7200);
})
/* A backward wall jump across a reboot: the last end lies "in the future". */
SETUP(s_rest_wall_backward, {
        last_end_ago(e, 0);
        e->fig.last_end_wall_us = T0 + S(1800);
        strcpy(e->fig.last_end_boot_id, TEST_OTHER_BOOT);
})
/* Another boot, wall clock honest: 2 h since the end counts. */
SETUP(s_rest_other_boot_ok, {
        last_end_ago(e, 7200);
        e->fig.last_end_mono_us = 5;
        strcpy(e->fig.last_end_boot_id, TEST_OTHER_BOOT);
})
/* The last end still ahead on this boot's monotonic clock (a session recovered
 * after a crash counts to its planned end, 15 min from now): rest is counted
 * from that end, 75 min, not 60. */
SETUP(s_rest_future_end, {
        last_end_ago(e, 0);
        e->fig.last_end_mono_us = M0 + (uint64_t) S(900);
        e->fig.last_end_wall_us = T0 + S(900);
})
/* A session still open (paused for longer than its rest): it counts as running. */
SETUP(s_rest_open_session, {
        last_end_ago(e, 31 * 60);
        e->fig.sessions_open = 1;
})
/* daily cap */
SETUP(s_sessions_below, e->fig.sessions_today = 2)
SETUP(s_sessions_at, e->fig.sessions_today = 3)
SETUP(s_sessions_hard, { e->lim.value[LIMIT_DAILY_SESSIONS] = 4; e->fig.sessions_today = 3; })
SETUP(s_minutes_at, e->fig.seconds_today = 45 * 60)
SETUP(s_minutes_60s_left, e->fig.seconds_today = 44 * 60)
SETUP(s_minutes_59s_left, e->fig.seconds_today = 44 * 60 + 1)
SETUP(s_minutes_caps_duration, e->fig.seconds_today = 40 * 60)
/* weekly */
SETUP(s_week_at, e->fig.seconds_week = 420 * 60)
SETUP(s_week_60s_left, e->fig.seconds_week = 419 * 60)
SETUP(s_week_59s_left, e->fig.seconds_week = 419 * 60 + 1)
SETUP(s_advice_min_at, e->fig.seconds_week = 150 * 60 - 900)
SETUP(s_advice_min_over, e->fig.seconds_week = 150 * 60 - 900 + 1)
SETUP(s_advice_days_at, { e->fig.days_used_week = 4; })
SETUP(s_advice_days_over, { e->fig.days_used_week = 5; })
SETUP(s_advice_days_today_counted, { e->fig.days_used_week = 5; e->fig.sessions_today = 1; })
/* screening */
SETUP(s_screen_none, e->fig.screened = false)
SETUP(s_screen_fresh, e->fig.screening_wall_us = T0 - S(POLICY_SCREENING_VALID_S - 1))
SETUP(s_screen_expired, e->fig.screening_wall_us = T0 - S(POLICY_SCREENING_VALID_S))
SETUP(s_screen_yes, e->fig.screening_yes = 1u << SCREENING_PREGNANCY)
SETUP(s_screen_yes_cleared, { e->fig.screening_yes = 1u << SCREENING_PREGNANCY; e->fig.screening_cleared = true; })
SETUP(s_sensation_heat, {
        e->fig.screening_yes = 1u << SCREENING_REDUCED_SKIN_SENSATION;
        e->fig.screening_cleared = true;
        e->req.heat_level = 1;
        e->req.heat_explicit = true;
})
SETUP(s_sensation_program_heat, {
        e->fig.screening_yes = 1u << SCREENING_REDUCED_SKIN_SENSATION;
        e->fig.screening_cleared = true;
        e->prog->heat = true;
})
/* thermal */
SETUP(s_locked, e->fig.thermal_locked = true)
SETUP(s_heat_disabled_heat, { e->fig.heat_disabled = true; e->req.heat_level = 2; e->req.heat_explicit = true; })
SETUP(s_heat_disabled_noheat, e->fig.heat_disabled = true)
/* battery */
SETUP(s_batt_9, e->in.battery = 9)
SETUP(s_batt_10, e->in.battery = 10)
SETUP(s_batt_unknown, e->in.battery = MASSAGER_BATTERY_UNKNOWN)
SETUP(s_batt_heat_19, { e->in.battery = 19; e->req.heat_level = 1; e->req.heat_explicit = true; })
SETUP(s_batt_heat_20, { e->in.battery = 20; e->req.heat_level = 1; e->req.heat_explicit = true; })
/* heat setpoint */
SETUP(s_heat3_default_limit, { e->req.heat_level = 3; e->req.heat_explicit = true; })
SETUP(s_heat3_hard_limit, { e->lim.value[LIMIT_HEAT_SETPOINT_CELSIUS] = 42; e->req.heat_level = 3; e->req.heat_explicit = true; })
SETUP(s_heat_setpoint_none, { e->lim.value[LIMIT_HEAT_SETPOINT_CELSIUS] = 37; e->req.heat_level = 1; e->req.heat_explicit = true; })
/* heat time */
SETUP(s_heat_day_used, { e->fig.heat_seconds_today = 3600; e->req.heat_level = 1; e->req.heat_explicit = true; })
SETUP(s_heat_day_used_default, { e->fig.heat_seconds_today = 3600; e->prog->heat = true; })
SETUP(s_heat_day_partial, { e->fig.heat_seconds_today = 3000; e->req.heat_level = 1; e->req.heat_explicit = true; })
SETUP(s_heat_session_cap, { e->lim.value[LIMIT_HEAT_SESSION_MINUTES] = 5; e->req.heat_level = 1; e->req.heat_explicit = true; })
SETUP(s_heat_full_session, { e->req.heat_level = 2; e->req.heat_explicit = true; })
/* gentle */
SETUP(s_gentle_program, {
        static const uint32_t sec[] = { 30, 30 };
        static const uint8_t pct[] = { 100, 100 }, pat[] = { MASSAGER_PATTERN_KNEAD, MASSAGER_PATTERN_WAVE };
        set_program(e, test_program(&e->tp, "g", true, false, 2, sec, pct, pat));
        e->req.intensity = 9;
        e->req.duration_s = 900;
})
SETUP(s_gentle_limit, { e->lim.value[LIMIT_GENTLE_MODE] = 1; e->req.intensity = 9; })
SETUP(s_gentle_heat, { e->req.gentle = true; e->req.heat_level = 1; e->req.heat_explicit = true; })
SETUP(s_gentle_heat_optin, { e->req.gentle = true; e->lim.value[LIMIT_GENTLE_HEAT] = 1; e->req.heat_level = 3; e->req.heat_explicit = true; })
/* symptom stop */
SETUP(s_symptom_recent, { symptom_ago(e, 24 * 3600 - 1); e->req.intensity = 9; })
SETUP(s_symptom_old, { symptom_ago(e, 24 * 3600); e->req.intensity = 9; })
SETUP(s_symptom_two, { symptom_ago(e, 3 * 24 * 3600); e->fig.symptom_stops_7d = 2; })
/* invalid */
SETUP(s_intensity_0, e->req.intensity = 0)
SETUP(s_intensity_11, e->req.intensity = 11)
SETUP(s_heat_4, e->req.heat_level = 4)
/* order: screening beats everything else */
SETUP(s_order_screening_first, { e->fig.screened = false; e->fig.sessions_today = 9; last_end_ago(e, 1); })

typedef struct StartCase {
        const char *name;
        void (*setup)(Env *e);
        PolicyReason expect;
        uint32_t session_s;             /* 0 = not checked */
        uint32_t adjust, no_adjust;
        uint32_t advice, no_advice;
        uint8_t cap;                    /* 0 = not checked */
        int heat;                       /* -1 = not checked */
        const char *message;            /* substring, NULL = not checked */
} StartCase;

#define A(x) POLICY_ADJUST_##x
#define V(x) POLICY_ADVICE_##x

static const StartCase start_cases[] = {
        { "default", s_default, POLICY_OK, 900, 0, ~0u, 0, ~0u, 10, 0, NULL },
        { "session/at-limit", s_dur_at_limit, POLICY_OK, 900, 0, A(DURATION_SESSION), 0, 0, 0, -1, NULL },
        { "session/one-second-over", s_dur_over_1s, POLICY_OK, 900, A(DURATION_SESSION), 0, 0, 0, 0, -1, "capped at 15 min" },
        { "session/hard-limit", s_dur_hard_limit, POLICY_OK, 1200, 0, A(DURATION_SESSION), 0, 0, 0, -1, NULL },
        { "session/lowered", s_dur_lowered, POLICY_OK, 300, A(DURATION_SESSION), 0, 0, 0, 0, -1, NULL },
        { "session/too-short", s_dur_too_short, POLICY_REFUSE_INVALID, 0, 0, 0, 0, 0, 0, -1, "at least 60 s" },
        { "session/minimum", s_dur_min, POLICY_OK, 60, 0, 0, 0, 0, 0, -1, NULL },
        { "rest/one-second-short", s_rest_1s_short, POLICY_REFUSE_REST, 0, 0, 0, 0, 0, 0, -1, "1 more min" },
        { "rest/exact", s_rest_exact, POLICY_OK, 900, 0, 0, 0, 0, 0, -1, NULL },
        { "rest/hard-limit-30-short", s_rest30_short, POLICY_REFUSE_REST, 0, 0, 0, 0, 0, 0, -1, NULL },
        { "rest/hard-limit-30-exact", s_rest30_exact, POLICY_OK, 0, 0, 0, 0, 0, 0, -1, NULL },
        { "rest/wall-jump-forward", s_rest_wall_forward, POLICY_REFUSE_REST, 0, 0, 0, 0, 0, 0, -1, "50 more min" },
        { "rest/wall-jump-backward", s_rest_wall_backward, POLICY_REFUSE_REST, 0, 0, 0, 0, 0, 0, -1, "60 more min" },
        { "rest/other-boot", s_rest_other_boot_ok, POLICY_OK, 0, 0, 0, 0, 0, 0, -1, NULL },
        { "rest/future-end-counts", s_rest_future_end, POLICY_REFUSE_REST, 0, 0, 0, 0, 0, 0, -1, "75 more min" },
        { "rest/open-session", s_rest_open_session, POLICY_REFUSE_SESSION_OPEN, 0, 0, 0, 0, 0, 0, -1, "still open" },
        { "daily-sessions/below", s_sessions_below, POLICY_OK, 900, 0, 0, 0, 0, 0, -1, NULL },
        { "daily-sessions/at", s_sessions_at, POLICY_REFUSE_DAILY_SESSIONS, 0, 0, 0, 0, 0, 0, -1,
          "3 of 3 sessions today; available again at 00:00" },
        { "daily-sessions/hard-limit", s_sessions_hard, POLICY_OK, 0, 0, 0, 0, 0, 0, -1, NULL },
        { "daily-minutes/at", s_minutes_at, POLICY_REFUSE_DAILY_MINUTES, 0, 0, 0, 0, 0, 0, -1,
          "Daily limit reached: 45 of 45 min used today; available again at 00:00." },
        { "daily-minutes/60s-left", s_minutes_60s_left, POLICY_OK, 60, A(DURATION_DAILY), 0, 0, 0, 0, -1, NULL },
        { "daily-minutes/59s-left", s_minutes_59s_left, POLICY_REFUSE_DAILY_MINUTES, 0, 0, 0, 0, 0, 0, -1, "45 of 45" },
        { "daily-minutes/caps-duration", s_minutes_caps_duration, POLICY_OK, 300, A(DURATION_DAILY), 0, 0, 0, 0, -1,
          "daily limit of 45 min" },
        { "weekly/at", s_week_at, POLICY_REFUSE_WEEKLY_MINUTES, 0, 0, 0, 0, 0, 0, -1, "420 of 420 min" },
        { "weekly/60s-left", s_week_60s_left, POLICY_OK, 60, A(DURATION_WEEKLY), 0, 0, 0, 0, -1, NULL },
        { "weekly/59s-left", s_week_59s_left, POLICY_REFUSE_WEEKLY_MINUTES, 0, 0, 0, 0, 0, 0, -1, NULL },
        { "weekly-advice/minutes-at", s_advice_min_at, POLICY_OK, 900, 0, 0, 0, V(WEEKLY_MINUTES), 0, -1, NULL },
        { "weekly-advice/minutes-over", s_advice_min_over, POLICY_OK, 900, 0, 0, V(WEEKLY_MINUTES), 0, 0, -1, "150 min" },
        { "weekly-advice/days-at", s_advice_days_at, POLICY_OK, 0, 0, 0, 0, V(WEEKLY_DAYS), 0, -1, NULL },
        { "weekly-advice/days-over", s_advice_days_over, POLICY_OK, 0, 0, 0, V(WEEKLY_DAYS), 0, 0, -1, "day 6" },
        { "weekly-advice/today-already-counted", s_advice_days_today_counted, POLICY_OK, 0, 0, 0, 0, V(WEEKLY_DAYS), 0, -1, NULL },
        { "screening/missing", s_screen_none, POLICY_REFUSE_SCREENING_MISSING, 0, 0, 0, 0, 0, 0, -1, "first use" },
        { "screening/just-valid", s_screen_fresh, POLICY_OK, 0, 0, 0, 0, 0, 0, -1, NULL },
        { "screening/expired-6-months", s_screen_expired, POLICY_REFUSE_SCREENING_MISSING, 0, 0, 0, 0, 0, 0, -1, "6 months" },
        { "screening/yes-blocks", s_screen_yes, POLICY_REFUSE_SCREENING_BLOCKED, 0, 0, 0, 0, 0, 0, -1, "pregnancy" },
        { "screening/yes-cleared", s_screen_yes_cleared, POLICY_OK, 0, 0, 0, 0, 0, 0, -1, NULL },
        { "screening/reduced-sensation-heat-refused", s_sensation_heat, POLICY_REFUSE_HEAT_SENSATION, 0, 0, 0, 0, 0, 0, -1, "sensation" },
        { "screening/reduced-sensation-heat-dropped", s_sensation_program_heat, POLICY_OK, 0, A(HEAT_DROPPED), 0, 0, 0, 0, 0, NULL },
        { "thermal/lockout-blocks-start", s_locked, POLICY_REFUSE_THERMAL_LOCKOUT, 0, 0, 0, 0, 0, 0, -1, "acknowledge" },
        { "thermal/heat-disabled", s_heat_disabled_heat, POLICY_REFUSE_HEAT_DISABLED, 0, 0, 0, 0, 0, 0, -1, "two thermal" },
        { "thermal/heat-disabled-motors-ok", s_heat_disabled_noheat, POLICY_OK, 0, 0, 0, 0, 0, 0, 0, NULL },
        { "battery/9", s_batt_9, POLICY_REFUSE_BATTERY, 0, 0, 0, 0, 0, 0, -1, "9 %" },
        { "battery/10", s_batt_10, POLICY_OK, 0, 0, 0, 0, 0, 0, -1, NULL },
        { "battery/unknown", s_batt_unknown, POLICY_OK, 0, 0, 0, 0, 0, 0, -1, NULL },
        { "battery/heat-19", s_batt_heat_19, POLICY_REFUSE_HEAT_BATTERY, 0, 0, 0, 0, 0, 0, -1, "19 %" },
        { "battery/heat-20", s_batt_heat_20, POLICY_OK, 0, 0, 0, 0, 0, 0, 1, NULL },
        { "heat-setpoint/default-40", s_heat3_default_limit, POLICY_OK, 0, A(HEAT_LEVEL), 0, 0, 0, 0, 2, NULL },
        { "heat-setpoint/hard-42", s_heat3_hard_limit, POLICY_OK, 0, 0, A(HEAT_LEVEL), 0, 0, 0, 3, NULL },
        { "heat-setpoint/none-within", s_heat_setpoint_none, POLICY_REFUSE_HEAT_SETPOINT, 0, 0, 0, 0, 0, 0, -1, "37" },
        { "heat-time/day-used", s_heat_day_used, POLICY_REFUSE_HEAT_TIME, 0, 0, 0, 0, 0, 0, -1, "60 of 60 min of heat" },
        { "heat-time/day-used-default-dropped", s_heat_day_used_default, POLICY_OK, 0, A(HEAT_DROPPED), 0, 0, 0, 0, 0, NULL },
        { "heat-time/day-partial", s_heat_day_partial, POLICY_OK, 900, A(HEAT_TIME), 0, 0, 0, 0, 1, "after 10 min" },
        { "heat-time/session-cap", s_heat_session_cap, POLICY_OK, 900, A(HEAT_TIME), 0, 0, 0, 0, 1, NULL },
        { "heat-time/whole-session", s_heat_full_session, POLICY_OK, 900, 0, A(HEAT_TIME), 0, 0, 0, 2, NULL },
        { "gentle/program", s_gentle_program, POLICY_OK, 600, A(DURATION_GENTLE) | A(INTENSITY_GENTLE) | A(PATTERN), 0, 0, 0, 3, -1, NULL },
        { "gentle/limit", s_gentle_limit, POLICY_OK, 600, A(INTENSITY_GENTLE), 0, 0, 0, 3, -1, NULL },
        { "gentle/heat-refused", s_gentle_heat, POLICY_REFUSE_HEAT_GENTLE, 0, 0, 0, 0, 0, 0, -1, "gentle" },
        { "gentle/heat-opt-in-38", s_gentle_heat_optin, POLICY_OK, 600, A(HEAT_LEVEL), 0, 0, 0, 3, 1, NULL },
        { "symptom/cap-within-24h", s_symptom_recent, POLICY_OK, 0, A(INTENSITY_SYMPTOM), 0, 0, 0, 3, -1, "24 h" },
        { "symptom/cap-over-after-24h", s_symptom_old, POLICY_OK, 0, 0, A(INTENSITY_SYMPTOM), 0, 0, 10, -1, NULL },
        { "symptom/two-in-7-days", s_symptom_two, POLICY_OK, 0, 0, 0, V(CLINICIAN), 0, 0, -1, "clinician" },
        { "invalid/intensity-0", s_intensity_0, POLICY_REFUSE_INVALID, 0, 0, 0, 0, 0, 0, -1, "1–10" },
        { "invalid/intensity-11", s_intensity_11, POLICY_REFUSE_INVALID, 0, 0, 0, 0, 0, 0, -1, "11" },
        { "invalid/heat-4", s_heat_4, POLICY_REFUSE_INVALID, 0, 0, 0, 0, 0, 0, -1, "0–3" },
        { "order/screening-first", s_order_screening_first, POLICY_REFUSE_SCREENING_MISSING, 0, 0, 0, 0, 0, 0, -1, NULL },
};

/* Every plan must obey the invariants whatever the case. */
static void assert_plan_invariants(const Env *e, const PolicyPlan *p) {
        uint32_t t = 0, heat = 0;
        uint8_t prev = 1;

        g_assert_cmpuint(p->n_steps, >, 0);
        for (size_t i = 0; i < p->n_steps; i++) {
                const PolicyStep *s = &p->steps[i];
                g_assert_cmpuint(s->at_s, ==, t);               /* contiguous */
                g_assert_cmpuint(s->seconds, >, 0);
                g_assert_cmpuint(s->intensity, >=, 1);
                g_assert_cmpuint(s->intensity, <=, p->intensity_cap);
                g_assert_true(e->dev.patterns & (1u << s->pattern));
                if (p->gentle)
                        g_assert_true(s->pattern == MASSAGER_PATTERN_STEADY || s->pattern == MASSAGER_PATTERN_WAVE);
                if (s->heat_level > 0) {
                        g_assert_cmpint(e->dev.heat_setpoint[s->heat_level - 1], <=,
                                        (int) e->lim.value[LIMIT_HEAT_SETPOINT_CELSIUS] * 10);
                        heat += s->seconds;
                }
                /* Soft start: nothing above the lowest level in the first 60 s … */
                if (s->at_s < POLICY_SOFT_START_HOLD_S)
                        g_assert_cmpuint(s->intensity, ==, 1);
                /* … and every raise is one level (timing: assert_ramp()). */
                if (i > 0 && s->intensity > prev)
                        g_assert_cmpuint(s->intensity, ==, prev + 1);
                prev = s->intensity;
                t += s->seconds;
        }
        g_assert_cmpuint(t, ==, p->session_s);
        g_assert_cmpuint(heat, <=, p->heat_budget_s);
        g_assert_cmpuint(p->session_s, <=, e->lim.value[LIMIT_SESSION_MINUTES] * 60);
        g_assert_cmpuint(p->session_s, >=, POLICY_MIN_SESSION_S);
}

/* Raises are at most one level per 10 s, measured second by second. */
static void assert_ramp(const PolicyPlan *p, uint32_t hold_s) {
        uint32_t last_raise = 0;
        bool raised = false;

        for (uint32_t t = 1; t < p->session_s - p->origin_s; t++) {
                uint8_t a = policy_plan_intensity_at(p, t - 1), b = policy_plan_intensity_at(p, t);
                if (t < hold_s)
                        g_assert_cmpuint(b, ==, 1);
                if (b > a) {
                        g_assert_cmpuint(b - a, ==, 1);
                        if (raised)
                                g_assert_cmpuint(t - last_raise, >=, POLICY_RAMP_STEP_S);
                        last_raise = t;
                        raised = true;
                }
        }
}

static void run_start_case(gconstpointer data) {
        const StartCase *c = data;
        PolicyRefusal refusal;
        PolicyPlan plan = {};
        Env e;
        int r;

        env_init(&e);
        c->setup(&e);
        r = policy_check_start(&e.in, &e.req, &plan, &refusal);
        g_assert_cmpint(r, >=, 0);
        if (c->expect == POLICY_OK) {
                if (r == 0)
                        g_test_message("refused: %s", refusal.message);
                g_assert_cmpint(r, ==, 1);
                assert_plan_invariants(&e, &plan);
                assert_ramp(&plan, POLICY_SOFT_START_HOLD_S);
                if (c->session_s)
                        g_assert_cmpuint(plan.session_s, ==, c->session_s);
                g_assert_cmphex(plan.adjustments & c->adjust, ==, c->adjust);
                g_assert_cmphex(plan.adjustments & c->no_adjust, ==, 0);
                g_assert_cmphex(plan.advice & c->advice, ==, c->advice);
                g_assert_cmphex(plan.advice & c->no_advice, ==, 0);
                if (c->cap)
                        g_assert_cmpuint(plan.intensity_cap, ==, c->cap);
                if (c->heat >= 0)
                        g_assert_cmpint(plan.heat_level, ==, c->heat);
                if (c->message)
                        g_assert_nonnull(strstr(plan.message, c->message));
        } else {
                g_assert_cmpint(r, ==, 0);
                g_assert_cmpstr(policy_reason_to_string(refusal.reason), ==, policy_reason_to_string(c->expect));
                g_assert_cmpuint(strlen(refusal.message), >, 10);
                g_assert_nonnull(policy_reason_to_dbus_error(refusal.reason));
                if (c->message) {
                        if (!strstr(refusal.message, c->message))
                                g_test_message("message: %s", refusal.message);
                        g_assert_nonnull(strstr(refusal.message, c->message));
                }
        }
        policy_plan_clear(&plan);
        env_done(&e);
}

/* The soft start exactly: 60 s at 1, then +1 per 10 s up to the target. */
static void test_soft_start_exact(void) {
        PolicyRefusal refusal;
        PolicyPlan plan = {};
        Env e;

        env_init(&e);
        e.req.intensity = 5;
        g_assert_cmpint(policy_check_start(&e.in, &e.req, &plan, &refusal), ==, 1);
        g_assert_cmpuint(policy_plan_intensity_at(&plan, 0), ==, 1);
        g_assert_cmpuint(policy_plan_intensity_at(&plan, 59), ==, 1);
        g_assert_cmpuint(policy_plan_intensity_at(&plan, 60), ==, 2);
        g_assert_cmpuint(policy_plan_intensity_at(&plan, 69), ==, 2);
        g_assert_cmpuint(policy_plan_intensity_at(&plan, 70), ==, 3);
        g_assert_cmpuint(policy_plan_intensity_at(&plan, 80), ==, 4);
        g_assert_cmpuint(policy_plan_intensity_at(&plan, 90), ==, 5);
        g_assert_cmpuint(policy_plan_intensity_at(&plan, 899), ==, 5);
        g_assert_cmpuint(policy_plan_intensity_at(&plan, 900), ==, 0);   /* past the end */
        g_assert_cmpint(policy_plan_step_at(&plan, 900), ==, -ERANGE);
        policy_plan_clear(&plan);
        env_done(&e);
}

/* Intensity 1 is the lowest level: the hold cannot be "skipped" by asking for less. */
static void test_soft_start_lowest_target(void) {
        PolicyRefusal refusal;
        PolicyPlan plan = {};
        Env e;

        env_init(&e);
        e.req.intensity = 1;
        g_assert_cmpint(policy_check_start(&e.in, &e.req, &plan, &refusal), ==, 1);
        g_assert_cmpuint(plan.n_steps, ==, 1);
        g_assert_cmpuint(plan.steps[0].intensity, ==, 1);
        policy_plan_clear(&plan);
        env_done(&e);
}

/* A program with a dip: raises after the dip are ramped again. */
static void test_program_ramp(void) {
        static const uint32_t sec[] = { 120, 20, 60 };
        static const uint8_t pct[] = { 100, 30, 100 },
                pat[] = { MASSAGER_PATTERN_PRESS, MASSAGER_PATTERN_WAVE, MASSAGER_PATTERN_PRESS };
        PolicyRefusal refusal;
        PolicyPlan plan = {};
        Env e;

        env_init(&e);
        set_program(&e, test_program(&e.tp, "dip", false, false, 3, sec, pct, pat));
        e.req.intensity = 10;
        g_assert_cmpint(policy_check_start(&e.in, &e.req, &plan, &refusal), ==, 1);
        assert_plan_invariants(&e, &plan);
        assert_ramp(&plan, POLICY_SOFT_START_HOLD_S);
        /* 60 s hold, then 2 at 60 … 7 at 110; the dip to 3 at 120 is instant. */
        g_assert_cmpuint(policy_plan_intensity_at(&plan, 119), ==, 7);
        g_assert_cmpuint(policy_plan_intensity_at(&plan, 120), ==, 3);
        /* After the dip, the climb restarts one level per 10 s. */
        g_assert_cmpuint(policy_plan_intensity_at(&plan, 140), ==, 4);
        g_assert_cmpuint(policy_plan_intensity_at(&plan, 150), ==, 5);
        g_assert_cmpuint(plan.steps[0].pattern, ==, MASSAGER_PATTERN_PRESS);
        policy_plan_clear(&plan);
        env_done(&e);
}

/* Patterns the device does not support are replaced. */
static void test_pattern_unsupported(void) {
        static const uint32_t sec[] = { 60 };
        static const uint8_t pct[] = { 100 }, pat[] = { MASSAGER_PATTERN_TAP };
        PolicyRefusal refusal;
        PolicyPlan plan = {};
        Env e;

        env_init(&e);
        set_program(&e, test_program(&e.tp, "tap", false, false, 1, sec, pct, pat));
        e.dev.patterns = (1u << MASSAGER_PATTERN_WAVE) | (1u << MASSAGER_PATTERN_KNEAD);
        g_assert_cmpint(policy_check_start(&e.in, &e.req, &plan, &refusal), ==, 1);
        g_assert_cmpuint(plan.steps[0].pattern, ==, MASSAGER_PATTERN_WAVE);
        g_assert_true(plan.adjustments & POLICY_ADJUST_PATTERN);
        policy_plan_clear(&plan);

        /* Gentle mode on a device with no gentle pattern: refused, never a rough pattern. */
        e.dev.patterns = 1u << MASSAGER_PATTERN_KNEAD;
        e.req.gentle = true;
        g_assert_cmpint(policy_check_start(&e.in, &e.req, &plan, &refusal), ==, 0);
        g_assert_cmpint(refusal.reason, ==, POLICY_REFUSE_INVALID);
        env_done(&e);
}

/* The rest refusal says when, in local time (Europe/Berlin, CEST). */
static void test_rest_message_time(void) {
        PolicyRefusal refusal;
        PolicyPlan plan = {};
        Env e;

        env_init(&e);
        last_end_ago(&e, 1500);         /* 35 min to go at 12:00 CEST → 12:35 */
        g_assert_cmpint(policy_check_start(&e.in, &e.req, &plan, &refusal), ==, 0);
        g_assert_cmpint(refusal.reason, ==, POLICY_REFUSE_REST);
        g_assert_nonnull(strstr(refusal.message, "35 more min"));
        g_assert_nonnull(strstr(refusal.message, "12:35"));
        g_assert_cmpint(refusal.available_at_wall_us, ==, T0 + S(2100));
        g_assert_cmpstr(policy_reason_to_dbus_error(refusal.reason), ==, "org.massaged1.Error.RestRequired");
        env_done(&e);
}

/* Daily hard limits over any 24 hours, whatever the time zone: a new local
 * day (TZ changed, or midnight) with 3 sessions in the last 24 h still
 * refuses, and available_at says when the window frees up. */
static void test_rolling_24h(void) {
        PolicyRefusal refusal;
        PolicyPlan plan = {};
        Env e;

        /* Sessions: 3 started 5, 4 and 3 h ago; today (local) none. */
        env_init(&e);
        e.fig.sessions_24h = 3;
        e.fig.n_starts_24h = 3;
        e.fig.starts_24h[0] = T0 - S(3 * 3600);
        e.fig.starts_24h[1] = T0 - S(4 * 3600);
        e.fig.starts_24h[2] = T0 - S(5 * 3600);
        g_assert_cmpint(policy_check_start(&e.in, &e.req, &plan, &refusal), ==, 0);
        g_assert_cmpint(refusal.reason, ==, POLICY_REFUSE_DAILY_SESSIONS);
        g_assert_nonnull(strstr(refusal.message, "3 of 3 sessions in the last 24 hours"));
        g_assert_cmpint(refusal.available_at_wall_us, ==, T0 - S(5 * 3600) + S(86400));
        /* The limit at its hard value 4: the 4th newest would have to leave; 3 < 4 allows. */
        e.lim.value[LIMIT_DAILY_SESSIONS] = 4;
        g_assert_cmpint(policy_check_start(&e.in, &e.req, &plan, &refusal), ==, 1);
        policy_plan_clear(&plan);
        env_done(&e);

        /* Minutes: 45 min in the last 24 h (three sessions of 15, ending 5, 4, 3 h ago). */
        env_init(&e);
        e.fig.seconds_24h = 45 * 60;
        e.fig.n_rolling = 3;
        for (size_t i = 0; i < 3; i++) {
                e.fig.rolling[i].end_wall_us = T0 - S((int64_t) (3 + i) * 3600);
                e.fig.rolling[i].seconds = 15 * 60;
        }
        g_assert_cmpint(policy_check_start(&e.in, &e.req, &plan, &refusal), ==, 0);
        g_assert_cmpint(refusal.reason, ==, POLICY_REFUSE_DAILY_MINUTES);
        g_assert_nonnull(strstr(refusal.message, "45 of 45 min used in the last 24 hours"));
        /* The oldest leaving frees 15 min. */
        g_assert_cmpint(refusal.available_at_wall_us, ==, T0 - S(5 * 3600) + S(86400));
        /* 40 min used: 5 left, the session is capped to them. */
        e.fig.seconds_24h = 40 * 60;
        e.fig.rolling[2].seconds = 10 * 60;
        g_assert_cmpint(policy_check_start(&e.in, &e.req, &plan, &refusal), ==, 1);
        g_assert_cmpuint(plan.session_s, ==, 5 * 60);
        g_assert_cmpuint(plan.seconds_today_at_start_s, ==, 40 * 60);
        policy_plan_clear(&plan);
        env_done(&e);

        /* Heat: 60 min of heat in the last 24 h refuses explicit heat until the window frees it. */
        env_init(&e);
        e.fig.heat_seconds_24h = 60 * 60;
        e.fig.n_rolling = 1;
        e.fig.rolling[0].end_wall_us = T0 - S(2 * 3600);
        e.fig.rolling[0].heat_seconds = 60 * 60;
        e.req.heat_level = 1;
        e.req.heat_explicit = true;
        g_assert_cmpint(policy_check_start(&e.in, &e.req, &plan, &refusal), ==, 0);
        g_assert_cmpint(refusal.reason, ==, POLICY_REFUSE_HEAT_TIME);
        g_assert_nonnull(strstr(refusal.message, "in the last 24 hours"));
        g_assert_cmpint(refusal.available_at_wall_us, ==, T0 - S(2 * 3600) + S(86400));
        env_done(&e);
}

static void test_dbus_mapping(void) {
        /* API 2: one error name per refusal class (doc/dbus-api.md, "Refusals"). */
        static const struct {
                PolicyReason r;
                const char *e;
        } map[] = {
                { POLICY_REFUSE_INVALID, "org.freedesktop.DBus.Error.InvalidArgs" },
                { POLICY_REFUSE_SCREENING_MISSING, "org.massaged1.Error.ScreeningRequired" },
                { POLICY_REFUSE_SCREENING_BLOCKED, "org.massaged1.Error.ClearanceRequired" },
                { POLICY_REFUSE_REST, "org.massaged1.Error.RestRequired" },
                { POLICY_REFUSE_SESSION_OPEN, "org.massaged1.Error.SessionOpen" },
                { POLICY_REFUSE_DAILY_SESSIONS, "org.massaged1.Error.DailySessionCap" },
                { POLICY_REFUSE_DAILY_MINUTES, "org.massaged1.Error.DailyCap" },
                { POLICY_REFUSE_WEEKLY_MINUTES, "org.massaged1.Error.WeeklyCap" },
                { POLICY_REFUSE_HEAT_TIME, "org.massaged1.Error.HeatTimeCap" },
                { POLICY_REFUSE_BATTERY, "org.massaged1.Error.BatteryLow" },
                { POLICY_REFUSE_HEAT_BATTERY, "org.massaged1.Error.HeatBatteryLow" },
                { POLICY_REFUSE_THERMAL_LOCKOUT, "org.massaged1.Error.ThermalLockout" },
                { POLICY_REFUSE_HEAT_DISABLED, "org.massaged1.Error.HeatDisabled" },
                { POLICY_REFUSE_HEAT_SENSATION, "org.massaged1.Error.HeatReducedSensation" },
                { POLICY_REFUSE_HEAT_GENTLE, "org.massaged1.Error.HeatGentleMode" },
                { POLICY_REFUSE_HEAT_SETPOINT, "org.massaged1.Error.HeatSetpoint" },
                { POLICY_REFUSE_SESSION_OVER, "org.massaged1.Error.SessionOver" },
                { POLICY_REFUSE_TOO_HOT, "org.massaged1.Error.PadTooHot" },
                { POLICY_REFUSE_NOTHING_TO_DO, "org.massaged1.Error.NothingToAcknowledge" },
        };
        G_STATIC_ASSERT(G_N_ELEMENTS(map) == _POLICY_REASON_MAX - 1);
        for (size_t i = 0; i < G_N_ELEMENTS(map); i++)
                g_assert_cmpstr(policy_reason_to_dbus_error(map[i].r), ==, map[i].e);
        g_assert_null(policy_reason_to_dbus_error(POLICY_OK));
        for (unsigned r = 1; r < _POLICY_REASON_MAX; r++) {
                g_assert_nonnull(policy_reason_to_dbus_error(r));
                g_assert_cmpstr(policy_reason_to_string(r), !=, "unknown");
                /* No two classes share a name or a code. */
                for (unsigned q = 1; q < r; q++) {
                        g_assert_cmpstr(policy_reason_to_dbus_error(r), !=, policy_reason_to_dbus_error(q));
                        g_assert_cmpstr(policy_reason_to_string(r), !=, policy_reason_to_string(q));
                }
        }
}

static void test_message_sentences(void) {
        static const struct {
                const char *in;
                const char *out[4];
        } cases[] = {
                { "", { NULL } },
                { "One.", { "One.", NULL } },
                { "Intensity capped at 3 for 24 h after a stop for symptoms. Advice: this is day 5 of the last 7 "
                  "with massage; consider a rest day.",
                  { "Intensity capped at 3 for 24 h after a stop for symptoms.",
                    "Advice: this is day 5 of the last 7 with massage; consider a rest day.", NULL } },
                /* "40 °C)." and "20 %." end sentences; "e.g. x" (lower case next) does not. */
                { "Battery at 15 %: heat needs at least 20 %. Charge it. See e.g. this",
                  { "Battery at 15 %: heat needs at least 20 %.", "Charge it.", "See e.g. this", NULL } },
                /* A translation's sentence may start with an umlaut capital (UTF-8), never with "ä". */
                { "Wärme aus. Überprüfen Sie das Kissen. Ähnlich. ändern",
                  { "Wärme aus.", "Überprüfen Sie das Kissen.", "Ähnlich. ändern", NULL } },
        };
        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                char **v = NULL;
                size_t n = 0;
                g_assert_cmpint(policy_message_sentences(cases[i].in, &v), ==, 0);
                for (; v[n]; n++)
                        g_assert_cmpstr(v[n], ==, cases[i].out[n]);
                g_assert_null(cases[i].out[n]);
                policy_sentences_free(v);
        }
}

/* The plan the API reports: its sentences are the message's, its heat time the steps'. */
static void test_plan_summary_symptom(void) {
        Env e;
        PolicyPlan plan = {};
        PolicyRefusal ref;
        char **v = NULL;

        env_init(&e);
        symptom_ago(&e, 3600);
        e.req.intensity = 9;
        e.req.heat_level = 1;
        e.req.heat_explicit = true;
        e.req.duration_s = 600;
        g_assert_cmpint(policy_check_start(&e.in, &e.req, &plan, &ref), ==, 1);
        g_assert_cmpint(policy_message_sentences(plan.message, &v), ==, 0);
        g_assert_nonnull(v[0]);
        g_assert_nonnull(strstr(v[0], "Intensity capped at 3 for 24 h after a stop for symptoms"));
        g_assert_cmpuint(policy_plan_soft_start_seconds(&plan), ==, 60);
        g_assert_cmpuint(policy_plan_heat_seconds(&plan), >, 0);
        g_assert_cmpuint(policy_plan_heat_seconds(&plan), <=, plan.heat_budget_s);
        policy_sentences_free(v);
        policy_plan_clear(&plan);
        env_done(&e);
}

/* The one timer's moment: the earliest of rest end, midnight, rolling window, symptom cap. */
static void test_next_change(void) {
        Env e;

        env_init(&e);
        /* Nothing pending: the next local midnight. */
        g_assert_cmpint(policy_next_change(&e.in), ==, e.fig.clock.next_day_start_us);

        /* A rest running out in 10 s comes first, exactly at last end + rest. */
        last_end_ago(&e, 3600 - 10);
        g_assert_cmpint(policy_next_change(&e.in), ==, T0 + S(10));
        /* Shorter rest limit: already over, so it is no longer a change ahead. */
        e.lim.value[LIMIT_REST_MINUTES] = 30;
        g_assert_cmpint(policy_next_change(&e.in), ==, e.fig.clock.next_day_start_us);

        /* A session leaving the rolling 24 h in 5 min. */
        e.fig.n_rolling = 1;
        e.fig.rolling[0].end_wall_us = T0 - S(86400 - 300);
        g_assert_cmpint(policy_next_change(&e.in), ==, MIN(T0 + S(300), e.fig.clock.next_day_start_us));

        /* The symptom cap ending in 2 s. */
        symptom_ago(&e, 86400 - 2);
        g_assert_cmpint(policy_next_change(&e.in), ==, T0 + S(2));
        /* Always strictly ahead. */
        g_assert_cmpint(policy_next_change(&e.in), >, e.fig.clock.wall_us);
        env_done(&e);
}

static void test_end_reasons(void) {
        static const char *const symptoms[] = { "pain_rising", "numbness", "tingling", "dizziness",
                                                "headache_flare", "burning_skin" };
        unsigned n = 0;

        for (size_t i = 0; i < G_N_ELEMENTS(symptoms); i++) {
                int r = policy_end_reason_from_string(symptoms[i]);
                g_assert_cmpint(r, >=, 0);
                g_assert_true(policy_end_reason_is_symptom(r));
                g_assert_cmpstr(policy_end_reason_to_string(r), ==, symptoms[i]);
        }
        for (unsigned r = 0; r < _POLICY_END_MAX; r++) {
                g_assert_cmpint(policy_end_reason_from_string(policy_end_reason_to_string(r)), ==, (int) r);
                n += policy_end_reason_is_symptom(r);
        }
        g_assert_cmpuint(n, ==, G_N_ELEMENTS(symptoms));
        g_assert_cmpint(policy_end_reason_from_string("bored"), ==, -EINVAL);
        g_assert_cmpint(policy_end_reason_from_string(NULL), ==, -EINVAL);
}

static void test_symptom_advice(void) {
        PolicyFigures f = {};
        char buf[POLICY_MESSAGE_MAX];

        f.symptom_stops_7d = 1;
        g_assert_false(policy_symptom_advice_due(&f, buf, sizeof buf));
        f.symptom_stops_7d = 2;
        g_assert_true(policy_symptom_advice_due(&f, buf, sizeof buf));
        g_assert_nonnull(strstr(buf, "clinician"));
}

/* ---- replan ---- */

static void start_plan(Env *e, PolicyPlan *plan) {
        PolicyRefusal refusal;
        g_assert_cmpint(policy_check_start(&e->in, &e->req, plan, &refusal), ==, 1);
}

static void test_replan_raise_ramped(void) {
        PolicyRefusal refusal;
        PolicyPlan plan = {}, next = {};
        Env e;

        env_init(&e);
        e.req.intensity = 3;
        start_plan(&e, &plan);
        g_assert_cmpint(policy_replan(&e.in, &plan, &(PolicyChange) {
                        .kind = POLICY_CHANGE_INTENSITY, .elapsed_s = 300, .current_intensity = 3, .intensity = 8,
                }, &next, &refusal), ==, 1);
        g_assert_cmpuint(next.origin_s, ==, 300);
        g_assert_cmpuint(next.session_s, ==, 900);
        g_assert_cmpuint(next.steps[0].at_s, ==, 0);
        g_assert_cmpuint(policy_plan_intensity_at(&next, 0), ==, 3);
        g_assert_cmpuint(policy_plan_intensity_at(&next, 9), ==, 3);
        g_assert_cmpuint(policy_plan_intensity_at(&next, 10), ==, 4);
        g_assert_cmpuint(policy_plan_intensity_at(&next, 50), ==, 8);
        g_assert_cmpuint(policy_plan_intensity_at(&next, 599), ==, 8);
        assert_ramp(&next, 0);
        policy_plan_clear(&next);

        /* Lowering is instant. */
        g_assert_cmpint(policy_replan(&e.in, &plan, &(PolicyChange) {
                        .kind = POLICY_CHANGE_INTENSITY, .elapsed_s = 300, .current_intensity = 8, .intensity = 2,
                }, &next, &refusal), ==, 1);
        g_assert_cmpuint(policy_plan_intensity_at(&next, 0), ==, 2);
        policy_plan_clear(&next);

        /* Out of the device's range. */
        g_assert_cmpint(policy_replan(&e.in, &plan, &(PolicyChange) {
                        .kind = POLICY_CHANGE_INTENSITY, .elapsed_s = 300, .current_intensity = 3, .intensity = 11,
                }, &next, &refusal), ==, 0);
        g_assert_cmpint(refusal.reason, ==, POLICY_REFUSE_INVALID);
        policy_plan_clear(&plan);
        env_done(&e);
}

static void test_replan_resume_soft_start(void) {
        PolicyRefusal refusal;
        PolicyPlan plan = {}, next = {};
        Env e;

        env_init(&e);
        e.req.intensity = 6;
        start_plan(&e, &plan);
        g_assert_cmpint(policy_replan(&e.in, &plan, &(PolicyChange) {
                        .kind = POLICY_CHANGE_RESUME, .elapsed_s = 400, .current_intensity = 6,
                }, &next, &refusal), ==, 1);
        g_assert_cmpuint(policy_plan_intensity_at(&next, 0), ==, 1);
        g_assert_cmpuint(policy_plan_intensity_at(&next, 59), ==, 1);
        g_assert_cmpuint(policy_plan_intensity_at(&next, 60), ==, 2);
        g_assert_cmpuint(policy_plan_intensity_at(&next, 100), ==, 6);
        assert_ramp(&next, POLICY_SOFT_START_HOLD_S);
        policy_plan_clear(&next);
        policy_plan_clear(&plan);
        env_done(&e);
}

/* The soft start belongs to the session: a replan of any kind in the first
 * minute keeps level 1 until 60 s (issue 13, item 1). The data: the change. */
static void test_replan_keeps_soft_start(gconstpointer data) {
        const PolicyChange *c = data;
        PolicyRefusal refusal;
        PolicyPlan plan = {}, next = {}, later = {};
        Env e;

        env_init(&e);
        e.req.intensity = 10;
        e.req.heat_level = 1;
        e.req.heat_explicit = true;
        start_plan(&e, &plan);
        g_assert_cmpuint(plan.soft_start_end_s, ==, POLICY_SOFT_START_HOLD_S);
        if (c->kind == POLICY_CHANGE_LIMITS)
                e.lim.value[LIMIT_WEEKLY_ADVICE_DAYS] = 6;
        g_assert_cmpint(policy_replan(&e.in, &plan, c, &next, &refusal), ==, 1);
        g_assert_cmpuint(next.origin_s, ==, 3);
        g_assert_cmpuint(next.soft_start_end_s, ==, POLICY_SOFT_START_HOLD_S);
        /* Offsets are from the replan at 3 s: session second 59 is offset 56. */
        for (uint32_t t = 0; t < POLICY_SOFT_START_HOLD_S - 3; t++)
                g_assert_cmpuint(policy_plan_intensity_at(&next, t), ==, 1);
        g_assert_cmpuint(policy_plan_intensity_at(&next, 57), ==, 2);
        g_assert_cmpuint(policy_plan_intensity_at(&next, 67), ==, 3);
        assert_ramp(&next, POLICY_SOFT_START_HOLD_S - 3);

        /* And a second change inside the hold keeps it too. */
        g_assert_cmpint(policy_replan(&e.in, &next, &(PolicyChange) {
                        .kind = POLICY_CHANGE_INTENSITY, .elapsed_s = 30, .current_intensity = 1, .intensity = 10,
                }, &later, &refusal), ==, 1);
        for (uint32_t t = 0; t < 30; t++)
                g_assert_cmpuint(policy_plan_intensity_at(&later, t), ==, 1);
        g_assert_cmpuint(policy_plan_intensity_at(&later, 30), ==, 2);
        policy_plan_clear(&later);

        /* Past the hold nothing brings it back but a Resume. */
        g_assert_cmpint(policy_replan(&e.in, &next, &(PolicyChange) {
                        .kind = POLICY_CHANGE_INTENSITY, .elapsed_s = 200, .current_intensity = 5, .intensity = 10,
                }, &later, &refusal), ==, 1);
        g_assert_cmpuint(policy_plan_intensity_at(&later, 0), ==, 5);
        policy_plan_clear(&later);
        g_assert_cmpint(policy_replan(&e.in, &next, &(PolicyChange) {
                        .kind = POLICY_CHANGE_RESUME, .elapsed_s = 200, .current_intensity = 0,
                }, &later, &refusal), ==, 1);
        g_assert_cmpuint(later.soft_start_end_s, ==, 200 + POLICY_SOFT_START_HOLD_S);
        g_assert_cmpuint(policy_plan_intensity_at(&later, 59), ==, 1);
        g_assert_cmpuint(policy_plan_intensity_at(&later, 60), ==, 2);
        policy_plan_clear(&later);

        /* Lowering stays instant after the hold (and within it there is nothing lower). */
        policy_plan_clear(&next);
        policy_plan_clear(&plan);
        env_done(&e);
}

static const PolicyChange keep_intensity = {
        .kind = POLICY_CHANGE_INTENSITY, .elapsed_s = 3, .current_intensity = 1, .intensity = 10 };
static const PolicyChange keep_heat = { .kind = POLICY_CHANGE_HEAT, .elapsed_s = 3, .current_intensity = 1 };
static const PolicyChange keep_limits = { .kind = POLICY_CHANGE_LIMITS, .elapsed_s = 3, .current_intensity = 1 };

static void test_replan_symptom_cap_applies(void) {
        PolicyRefusal refusal;
        PolicyPlan plan = {}, next = {};
        Env e;

        env_init(&e);
        symptom_ago(&e, 3600);
        start_plan(&e, &plan);
        g_assert_cmpuint(plan.intensity_cap, ==, 3);
        g_assert_cmpint(policy_replan(&e.in, &plan, &(PolicyChange) {
                        .kind = POLICY_CHANGE_INTENSITY, .elapsed_s = 200, .current_intensity = 3, .intensity = 9,
                }, &next, &refusal), ==, 1);
        for (size_t i = 0; i < next.n_steps; i++)
                g_assert_cmpuint(next.steps[i].intensity, <=, 3);
        g_assert_true(next.adjustments & POLICY_ADJUST_INTENSITY_SYMPTOM);
        policy_plan_clear(&next);
        policy_plan_clear(&plan);
        env_done(&e);
}

static void test_replan_limits_lowered(void) {
        PolicyRefusal refusal;
        PolicyPlan plan = {}, next = {};
        Env e;

        env_init(&e);
        start_plan(&e, &plan);
        e.lim.value[LIMIT_SESSION_MINUTES] = 5;
        /* 200 s in: the session now ends at 300 s. */
        g_assert_cmpint(policy_replan(&e.in, &plan, &(PolicyChange) {
                        .kind = POLICY_CHANGE_LIMITS, .elapsed_s = 200, .current_intensity = 5,
                }, &next, &refusal), ==, 1);
        g_assert_cmpuint(next.session_s, ==, 300);
        g_assert_cmpuint(next.steps[next.n_steps - 1].at_s + next.steps[next.n_steps - 1].seconds, ==, 100);
        policy_plan_clear(&next);
        /* 300 s in: nothing left, exactly at the limit. */
        g_assert_cmpint(policy_replan(&e.in, &plan, &(PolicyChange) {
                        .kind = POLICY_CHANGE_LIMITS, .elapsed_s = 300, .current_intensity = 5,
                }, &next, &refusal), ==, 0);
        g_assert_cmpint(refusal.reason, ==, POLICY_REFUSE_SESSION_OVER);
        /* Raising a limit never lengthens a running session. */
        e.lim.value[LIMIT_SESSION_MINUTES] = 20;
        g_assert_cmpint(policy_replan(&e.in, &plan, &(PolicyChange) {
                        .kind = POLICY_CHANGE_LIMITS, .elapsed_s = 10, .current_intensity = 1,
                }, &next, &refusal), ==, 1);
        g_assert_cmpuint(next.session_s, ==, 900);
        policy_plan_clear(&next);
        policy_plan_clear(&plan);
        env_done(&e);
}

/* Lowering the setpoint or switching gentle mode on mid-session applies at once. */
static void test_replan_limits_heat_gentle(void) {
        PolicyRefusal refusal;
        PolicyPlan plan = {}, next = {};
        Env e;

        env_init(&e);
        e.req.intensity = 8;
        e.req.heat_level = 2;
        e.req.heat_explicit = true;
        start_plan(&e, &plan);
        g_assert_cmpuint(plan.heat_level, ==, 2);

        e.lim.value[LIMIT_HEAT_SETPOINT_CELSIUS] = 38;
        g_assert_cmpint(policy_replan(&e.in, &plan, &(PolicyChange) {
                        .kind = POLICY_CHANGE_LIMITS, .elapsed_s = 120, .current_intensity = 4,
                }, &next, &refusal), ==, 1);
        g_assert_cmpuint(next.heat_level, ==, 1);
        for (size_t i = 0; i < next.n_steps; i++)
                g_assert_cmpuint(next.steps[i].heat_level, <=, 1);
        policy_plan_clear(&next);

        e.lim.value[LIMIT_GENTLE_MODE] = 1;
        g_assert_cmpint(policy_replan(&e.in, &plan, &(PolicyChange) {
                        .kind = POLICY_CHANGE_LIMITS, .elapsed_s = 120, .current_intensity = 6,
                }, &next, &refusal), ==, 1);
        g_assert_cmpuint(next.intensity_cap, ==, 3);
        g_assert_cmpuint(next.session_s, ==, 600);      /* gentle sessions last 10 min at most */
        g_assert_cmpuint(policy_plan_intensity_at(&next, 0), ==, 3);    /* lowered at once */
        for (size_t i = 0; i < next.n_steps; i++) {
                g_assert_cmpuint(next.steps[i].heat_level, ==, 0);     /* no opt-in: heat off */
                g_assert_true(next.steps[i].pattern == MASSAGER_PATTERN_STEADY ||
                              next.steps[i].pattern == MASSAGER_PATTERN_WAVE);
        }
        policy_plan_clear(&next);
        policy_plan_clear(&plan);
        env_done(&e);
}

static void test_replan_heat(void) {
        PolicyRefusal refusal;
        PolicyPlan plan = {}, next = {};
        Env e;
        uint32_t heat = 0;

        env_init(&e);
        e.req.heat_level = 1;
        e.req.heat_explicit = true;
        e.lim.value[LIMIT_HEAT_SESSION_MINUTES] = 10;
        start_plan(&e, &plan);
        g_assert_cmpuint(plan.heat_budget_s, ==, 600);

        /* 500 s of heat used: 100 s are left, whatever level is asked. */
        g_assert_cmpint(policy_replan(&e.in, &plan, &(PolicyChange) {
                        .kind = POLICY_CHANGE_HEAT, .elapsed_s = 500, .heat_used_s = 500, .current_intensity = 5,
                        .heat_level = 2,
                }, &next, &refusal), ==, 1);
        for (size_t i = 0; i < next.n_steps; i++)
                if (next.steps[i].heat_level)
                        heat += next.steps[i].seconds;
        g_assert_cmpuint(heat, ==, 100);
        g_assert_cmpuint(next.heat_level, ==, 2);
        policy_plan_clear(&next);

        /* Budget used up: explicit heat is refused. */
        g_assert_cmpint(policy_replan(&e.in, &plan, &(PolicyChange) {
                        .kind = POLICY_CHANGE_HEAT, .elapsed_s = 700, .heat_used_s = 600, .current_intensity = 5,
                        .heat_level = 1,
                }, &next, &refusal), ==, 0);
        g_assert_cmpint(refusal.reason, ==, POLICY_REFUSE_HEAT_TIME);

        /* Heat off is always possible. */
        g_assert_cmpint(policy_replan(&e.in, &plan, &(PolicyChange) {
                        .kind = POLICY_CHANGE_HEAT, .elapsed_s = 700, .heat_used_s = 600, .current_intensity = 5,
                        .heat_level = 0,
                }, &next, &refusal), ==, 1);
        for (size_t i = 0; i < next.n_steps; i++)
                g_assert_cmpuint(next.steps[i].heat_level, ==, 0);
        policy_plan_clear(&next);

        /* A session started without heat may switch it on later, within the same budget. */
        {
                PolicyPlan cold = {};
                Env e2;
                env_init(&e2);
                start_plan(&e2, &cold);
                g_assert_cmpuint(cold.heat_level, ==, 0);
                g_assert_cmpint(policy_replan(&e2.in, &cold, &(PolicyChange) {
                                .kind = POLICY_CHANGE_HEAT, .elapsed_s = 100, .current_intensity = 5, .heat_level = 2,
                        }, &next, &refusal), ==, 1);
                g_assert_cmpuint(next.heat_level, ==, 2);
                g_assert_cmpuint(next.steps[0].heat_level, ==, 2);
                policy_plan_clear(&next);
                policy_plan_clear(&cold);
                env_done(&e2);
        }

        /* Battery at 19 %: heat refused mid-session too. */
        e.in.battery = 19;
        g_assert_cmpint(policy_replan(&e.in, &plan, &(PolicyChange) {
                        .kind = POLICY_CHANGE_HEAT, .elapsed_s = 100, .heat_used_s = 100, .current_intensity = 5,
                        .heat_level = 1,
                }, &next, &refusal), ==, 0);
        g_assert_cmpint(refusal.reason, ==, POLICY_REFUSE_HEAT_BATTERY);
        policy_plan_clear(&plan);
        env_done(&e);
}

/* ---- one cap, two paths ---- */

/* Each condition is a cap: a fresh start under it and the replan of a
 * session started without it must come out the same (issue 15: the caps are
 * one sequence in policy.c). Before, a reduced-sensation screening recorded
 * mid-session left the running plan's heat on. */
typedef struct CapCase {
        const char *name;
        void (*setup)(Env *e);
} CapCase;

SETUP(c_symptom, symptom_ago(e, 3600))
SETUP(c_gentle, e->lim.value[LIMIT_GENTLE_MODE] = 1)
SETUP(c_gentle_heat, { e->lim.value[LIMIT_GENTLE_MODE] = 1; e->lim.value[LIMIT_GENTLE_HEAT] = 1; })
SETUP(c_session_length, e->lim.value[LIMIT_SESSION_MINUTES] = 5)
SETUP(c_daily_minutes, e->lim.value[LIMIT_DAILY_MINUTES] = 10)
SETUP(c_weekly_minutes, e->lim.value[LIMIT_WEEKLY_MINUTES] = 8)
SETUP(c_heat_setpoint, e->lim.value[LIMIT_HEAT_SETPOINT_CELSIUS] = 38)
SETUP(c_heat_session, e->lim.value[LIMIT_HEAT_SESSION_MINUTES] = 5)
SETUP(c_heat_battery, e->in.battery = 19)
SETUP(c_heat_disabled, e->fig.heat_disabled = true)
SETUP(c_heat_sensation, {
        e->fig.screening_yes = UINT32_C(1) << SCREENING_REDUCED_SKIN_SENSATION;
        e->fig.screening_cleared = true;
})

static const CapCase cap_cases[] = {
        { "intensity-symptom", c_symptom },
        { "gentle", c_gentle },
        { "gentle-heat-opt-in", c_gentle_heat },
        { "session-length", c_session_length },
        { "daily-minutes", c_daily_minutes },
        { "weekly-minutes", c_weekly_minutes },
        { "heat-setpoint", c_heat_setpoint },
        { "heat-session-time", c_heat_session },
        { "heat-battery", c_heat_battery },
        { "heat-disabled", c_heat_disabled },
        { "heat-sensation", c_heat_sensation },
};

#define CAP_FLAGS (A(INTENSITY_SYMPTOM) | A(INTENSITY_GENTLE) | A(HEAT_DROPPED) | A(HEAT_LEVEL))

static void test_cap_same_on_replan(gconstpointer data) {
        const CapCase *c = data;
        PolicyRefusal start_refusal = {}, replan_refusal = {};
        PolicyPlan running = {}, fresh = {}, next = {};
        Env e;
        int r_start, r_replan;

        /* A session running at 9 with heat 2, started before the condition held. */
        env_init(&e);
        e.req.intensity = 9;
        e.req.heat_level = 2;
        start_plan(&e, &running);
        g_assert_cmpuint(running.heat_level, ==, 2);
        g_assert_cmpuint(running.intensity, ==, 9);

        c->setup(&e);

        /* Heat carried over (a default at start, the running plan's on replan): capped alike. */
        g_assert_cmpint(policy_check_start(&e.in, &e.req, &fresh, &start_refusal), ==, 1);
        g_assert_cmpint(policy_replan(&e.in, &running, &(PolicyChange) {
                        .kind = POLICY_CHANGE_LIMITS, .current_intensity = 1,
                }, &next, &replan_refusal), ==, 1);
        g_assert_cmpuint(next.session_s, ==, fresh.session_s);
        g_assert_cmpuint(next.intensity_cap, ==, fresh.intensity_cap);
        g_assert_cmpuint(next.intensity, ==, fresh.intensity);
        g_assert_cmpuint(next.gentle, ==, fresh.gentle);
        g_assert_cmpuint(next.heat_level, ==, fresh.heat_level);
        g_assert_cmpuint(next.heat_budget_s, ==, fresh.heat_budget_s);
        g_assert_cmphex(next.adjustments & CAP_FLAGS, ==, fresh.adjustments & CAP_FLAGS);
        g_assert_cmpuint(next.n_steps, ==, fresh.n_steps);
        for (size_t i = 0; i < next.n_steps; i++) {
                g_assert_cmpuint(next.steps[i].intensity, ==, fresh.steps[i].intensity);
                g_assert_cmpuint(next.steps[i].heat_level, ==, fresh.steps[i].heat_level);
        }
        policy_plan_clear(&next);
        policy_plan_clear(&fresh);

        /* Heat asked for explicitly: refused (or allowed) alike, for the same reason. */
        e.req.heat_explicit = true;
        r_start = policy_check_start(&e.in, &e.req, &fresh, &start_refusal);
        r_replan = policy_replan(&e.in, &running, &(PolicyChange) {
                        .kind = POLICY_CHANGE_HEAT, .current_intensity = 1, .heat_level = 2,
                }, &next, &replan_refusal);
        g_assert_cmpint(r_replan, ==, r_start);
        if (r_start == 0)
                g_assert_cmpint(replan_refusal.reason, ==, start_refusal.reason);
        else
                g_assert_cmpuint(next.heat_level, ==, fresh.heat_level);
        policy_plan_clear(&next);
        policy_plan_clear(&fresh);
        policy_plan_clear(&running);
        env_done(&e);
}

/* ---- tick ---- */

typedef struct Tick {
        PolicyThermal th;
        PolicyPlan plan;
        Env e;
} Tick;

static void tick_init(Tick *t, bool heat) {
        env_init(&t->e);
        if (heat) {
                t->e.req.heat_level = 1;
                t->e.req.heat_explicit = true;
        }
        t->plan = (PolicyPlan) {};
        start_plan(&t->e, &t->plan);
        policy_thermal_init(&t->th, M0);
}

static void tick_done(Tick *t) {
        policy_plan_clear(&t->plan);
        env_done(&t->e);
}

static PolicyAction tick_at(Tick *t, uint32_t s, int16_t temp, bool heat_on, PolicyTickResult *res) {
        PolicySample sample = {
                .mono_us = M0 + (uint64_t) S(s),
                .temperature = temp,
                .heating = heat_on,
                .battery = 80,
        };
        return policy_tick(&t->e.in, &t->plan, &t->th, &(PolicyTick) {
                .now_mono_us = sample.mono_us,
                .elapsed_s = s,
                .heat_used_s = heat_on ? s : 0,
                .heat_on = heat_on,
                .sample = &sample,
        }, res);
}

static void test_tick_cutoff(void) {
        PolicyTickResult res;
        Tick t;

        tick_init(&t, true);
        g_assert_cmpint(tick_at(&t, 1, 449, true, &res), ==, POLICY_CONTINUE);
        g_assert_cmpint(tick_at(&t, 2, 450, true, &res), ==, POLICY_STOP);
        g_assert_cmpint(res.end_reason, ==, POLICY_END_THERMAL_CUTOFF);
        g_assert_true(res.thermal_trip);
        g_assert_nonnull(strstr(res.message, "45.0"));
        tick_done(&t);

        /* ≥ 45 °C stops even with the heater off. */
        tick_init(&t, false);
        g_assert_cmpint(tick_at(&t, 1, 452, false, &res), ==, POLICY_STOP);
        g_assert_true(res.thermal_trip);
        tick_done(&t);
}

static void test_tick_rise(void) {
        PolicyTickResult res;
        Tick t;

        /* +2.0 °C/min exactly (readings every 30 s) is the limit: not a trip. */
        tick_init(&t, true);
        g_assert_cmpint(tick_at(&t, 0, 300, true, &res), ==, POLICY_CONTINUE);
        g_assert_cmpint(tick_at(&t, 30, 310, true, &res), ==, POLICY_CONTINUE);
        g_assert_cmpint(tick_at(&t, 60, 320, true, &res), ==, POLICY_CONTINUE);
        tick_done(&t);

        /* +2.1 °C in 60 s trips. */
        tick_init(&t, true);
        g_assert_cmpint(tick_at(&t, 0, 300, true, &res), ==, POLICY_CONTINUE);
        g_assert_cmpint(tick_at(&t, 30, 310, true, &res), ==, POLICY_CONTINUE);
        g_assert_cmpint(tick_at(&t, 60, 321, true, &res), ==, POLICY_STOP);
        g_assert_cmpint(res.end_reason, ==, POLICY_END_THERMAL_CUTOFF);
        g_assert_true(res.thermal_trip);
        g_assert_nonnull(strstr(res.message, "°C/min"));
        tick_done(&t);

        /* A jump within a second is judged once 30 s of history exist: +1.1 °C against 30 s ago trips. */
        tick_init(&t, true);
        for (uint32_t s = 0; s < 30; s++)
                g_assert_cmpint(tick_at(&t, s, 300, true, &res), ==, POLICY_CONTINUE);
        g_assert_cmpint(tick_at(&t, 30, 311, true, &res), ==, POLICY_STOP);
        tick_done(&t);

        /* Falling or steady temperatures never trip. */
        tick_init(&t, true);
        for (uint32_t s = 0; s < 120; s++)
                g_assert_cmpint(tick_at(&t, s, (int16_t) (420 - s / 2), true, &res), ==, POLICY_CONTINUE);
        tick_done(&t);
}

static void test_tick_sensor(void) {
        PolicyTickResult res;
        PolicySample sample = { .mono_us = M0 + (uint64_t) S(1), .temperature = 300, .heating = true, .battery = 80 };
        Tick t;

        /* Missing reading while heating. */
        tick_init(&t, true);
        g_assert_cmpint(tick_at(&t, 1, MASSAGER_TEMP_NONE, true, &res), ==, POLICY_STOP);
        g_assert_cmpint(res.end_reason, ==, POLICY_END_SENSOR_FAULT);
        g_assert_true(res.thermal_trip);
        tick_done(&t);

        /* Implausible reading while heating. */
        tick_init(&t, true);
        g_assert_cmpint(tick_at(&t, 1, 850, true, &res), ==, POLICY_STOP);
        g_assert_cmpint(res.end_reason, ==, POLICY_END_THERMAL_CUTOFF);   /* ≥ 45 °C comes first */
        tick_done(&t);
        tick_init(&t, true);
        g_assert_cmpint(tick_at(&t, 1, -50, true, &res), ==, POLICY_STOP);
        g_assert_cmpint(res.end_reason, ==, POLICY_END_SENSOR_FAULT);
        tick_done(&t);

        /* No reading without heat: motors carry on. */
        tick_init(&t, false);
        g_assert_cmpint(tick_at(&t, 1, MASSAGER_TEMP_NONE, false, &res), ==, POLICY_CONTINUE);
        tick_done(&t);

        /* Stale: heating and the last reading 5 s old is fine, 5 s + 1 µs is not. */
        tick_init(&t, true);
        g_assert_cmpint(policy_tick(&t.e.in, &t.plan, &t.th, &(PolicyTick) {
                        .now_mono_us = sample.mono_us, .elapsed_s = 1, .heat_on = true, .sample = &sample,
                }, &res), ==, POLICY_CONTINUE);
        g_assert_cmpint(policy_tick(&t.e.in, &t.plan, &t.th, &(PolicyTick) {
                        .now_mono_us = sample.mono_us + (uint64_t) S(5), .elapsed_s = 6, .heat_on = true,
                }, &res), ==, POLICY_CONTINUE);
        g_assert_cmpint(policy_tick(&t.e.in, &t.plan, &t.th, &(PolicyTick) {
                        .now_mono_us = sample.mono_us + (uint64_t) S(5) + 1, .elapsed_s = 6, .heat_on = true,
                }, &res), ==, POLICY_STOP);
        g_assert_cmpint(res.end_reason, ==, POLICY_END_SENSOR_FAULT);
        tick_done(&t);

        /* Device fault flag. */
        tick_init(&t, true);
        sample.faults = MASSAGER_FAULT_OVERHEAT;
        g_assert_cmpint(policy_tick(&t.e.in, &t.plan, &t.th, &(PolicyTick) {
                        .now_mono_us = sample.mono_us, .elapsed_s = 1, .heat_on = true, .sample = &sample,
                }, &res), ==, POLICY_STOP);
        g_assert_true(res.thermal_trip);
        tick_done(&t);

        /* Missing inputs: fail closed. */
        g_assert_cmpint(policy_tick(NULL, NULL, NULL, NULL, &res), ==, POLICY_STOP);
}

static void test_tick_heat_and_length(void) {
        PolicyTickResult res;
        PolicySample sample = { .temperature = 380, .heating = true, .battery = 80 };
        Tick t;

        tick_init(&t, true);
        g_assert_cmpuint(t.plan.heat_budget_s, ==, 900);
        /* Heat used reaches the budget (limits lowered to 5 min). */
        t.e.lim.value[LIMIT_HEAT_SESSION_MINUTES] = 5;
        sample.mono_us = M0 + (uint64_t) S(299);
        g_assert_cmpint(policy_tick(&t.e.in, &t.plan, &t.th, &(PolicyTick) {
                        .now_mono_us = sample.mono_us, .elapsed_s = 299, .heat_used_s = 299, .heat_on = true,
                        .sample = &sample,
                }, &res), ==, POLICY_CONTINUE);
        sample.mono_us = M0 + (uint64_t) S(300);
        g_assert_cmpint(policy_tick(&t.e.in, &t.plan, &t.th, &(PolicyTick) {
                        .now_mono_us = sample.mono_us, .elapsed_s = 300, .heat_used_s = 300, .heat_on = true,
                        .sample = &sample,
                }, &res), ==, POLICY_HEAT_OFF);
        t.e.lim.value[LIMIT_HEAT_SESSION_MINUTES] = 20;

        /* Battery below 20 % mid-session: heater off. */
        sample.battery = 19;
        sample.mono_us = M0 + (uint64_t) S(301);
        g_assert_cmpint(policy_tick(&t.e.in, &t.plan, &t.th, &(PolicyTick) {
                        .now_mono_us = sample.mono_us, .elapsed_s = 301, .heat_used_s = 100, .heat_on = true,
                        .sample = &sample,
                }, &res), ==, POLICY_HEAT_OFF);
        sample.battery = 80;

        /* Length: one second before the end continues, at the end stops. */
        sample.mono_us = M0 + (uint64_t) S(899);
        g_assert_cmpint(policy_tick(&t.e.in, &t.plan, &t.th, &(PolicyTick) {
                        .now_mono_us = sample.mono_us, .elapsed_s = 899, .sample = &sample,
                }, &res), ==, POLICY_CONTINUE);
        sample.mono_us = M0 + (uint64_t) S(900);
        g_assert_cmpint(policy_tick(&t.e.in, &t.plan, &t.th, &(PolicyTick) {
                        .now_mono_us = sample.mono_us, .elapsed_s = 900, .sample = &sample,
                }, &res), ==, POLICY_STOP);
        g_assert_cmpint(res.end_reason, ==, POLICY_END_COMPLETED);

        /* A lowered limit ends it early. */
        t.e.lim.value[LIMIT_SESSION_MINUTES] = 5;
        sample.mono_us = M0 + (uint64_t) S(300);
        g_assert_cmpint(policy_tick(&t.e.in, &t.plan, &t.th, &(PolicyTick) {
                        .now_mono_us = sample.mono_us, .elapsed_s = 300, .sample = &sample,
                }, &res), ==, POLICY_STOP);
        g_assert_cmpint(res.end_reason, ==, POLICY_END_LIMIT);
        tick_done(&t);
}

static void test_thermal_ack_and_reset(void) {
        PolicyRefusal refusal;
        Env e;

        env_init(&e);
        g_assert_cmpint(policy_check_thermal_ack(&e.in, &refusal), ==, 0);
        g_assert_cmpint(refusal.reason, ==, POLICY_REFUSE_NOTHING_TO_DO);

        e.fig.thermal_locked = true;
        e.in.temperature = 380;
        g_assert_cmpint(policy_check_thermal_ack(&e.in, &refusal), ==, 0);
        g_assert_cmpint(refusal.reason, ==, POLICY_REFUSE_TOO_HOT);
        e.in.temperature = MASSAGER_TEMP_NONE;
        g_assert_cmpint(policy_check_thermal_ack(&e.in, &refusal), ==, 0);
        g_assert_cmpint(refusal.reason, ==, POLICY_REFUSE_TOO_HOT);
        e.in.temperature = 379;
        g_assert_cmpint(policy_check_thermal_ack(&e.in, &refusal), ==, 1);

        g_assert_cmpint(policy_check_heat_reset(&e.in, &refusal), ==, 0);
        g_assert_cmpint(refusal.reason, ==, POLICY_REFUSE_NOTHING_TO_DO);
        e.fig.heat_disabled = true;
        g_assert_cmpint(policy_check_heat_reset(&e.in, &refusal), ==, 0);
        g_assert_cmpint(refusal.reason, ==, POLICY_REFUSE_THERMAL_LOCKOUT);
        e.fig.thermal_locked = false;
        g_assert_cmpint(policy_check_heat_reset(&e.in, &refusal), ==, 1);
        env_done(&e);
}

static void test_bad_input(void) {
        PolicyRefusal refusal;
        PolicyPlan plan = {};
        Env e;

        env_init(&e);
        g_assert_cmpint(policy_check_start(NULL, &e.req, &plan, &refusal), ==, -EINVAL);
        g_assert_cmpint(policy_check_start(&e.in, NULL, &plan, &refusal), ==, -EINVAL);
        e.dev.intensity_max = 0;
        g_assert_cmpint(policy_check_start(&e.in, &e.req, &plan, &refusal), ==, -EINVAL);
        e.dev.intensity_max = 10;
        e.req.program = NULL;
        g_assert_cmpint(policy_check_start(&e.in, &e.req, &plan, &refusal), ==, 0);
        g_assert_cmpint(refusal.reason, ==, POLICY_REFUSE_INVALID);
        env_done(&e);
}

/* A "no" to a "yes" in force is refused unless it is a correction or comes
 * with a clearance: re-answering must not undo a contraindication. */
typedef struct SubmissionCase { // NOLINT(clang-analyzer-optin.performance.Padding): grouped by meaning
        const char *name;
        bool screened;
        uint32_t standing;              /* figures.screening_yes */
        bool cleared;
        uint32_t yes;                   /* the submission's answers (all answered) */
        bool clearance, correction;
        int expect;                     /* 1 allowed, 0 refused */
        const char *message_has;
} SubmissionCase;

#define Q(q) (1u << SCREENING_##q)
static const SubmissionCase submission_cases[] = {
        { "first-all-no", false, 0, false, 0, false, false, 1, NULL },
        { "first-yes", false, 0, false, Q(PACEMAKER), false, false, 1, NULL },
        { "yes-then-all-no", true, Q(PACEMAKER), false, 0, false, false, 0, "\"pacemaker\" was yes" },
        { "cleared-yes-then-all-no", true, Q(PACEMAKER), true, 0, false, false, 0, "--clearance" },
        { "yes-then-all-no-corrected", true, Q(PACEMAKER), false, 0, false, true, 1, NULL },
        { "yes-then-all-no-cleared", true, Q(PACEMAKER), false, 0, true, false, 1, NULL },
        { "yes-again", true, Q(PACEMAKER), false, Q(PACEMAKER), false, false, 1, NULL },
        { "yes-kept-another-added", true, Q(PACEMAKER), false, Q(PACEMAKER) | Q(PREGNANCY), false, false, 1, NULL },
        { "reduced-sensation-then-no", true, Q(REDUCED_SKIN_SENSATION), true, 0, false, false, 0,
          "--correction" },
        { "two-yes-one-dropped", true, Q(PACEMAKER) | Q(PREGNANCY), false, Q(PACEMAKER), false, false, 0,
          "\"pregnancy\" was yes" },
        { "two-yes-both-dropped", true, Q(PACEMAKER) | Q(PREGNANCY), false, 0, false, false, 0, "(and others)" },
};
#undef Q

static void test_screening_submission(gconstpointer data) {
        const SubmissionCase *c = data;
        ScreeningAnswers a = { .clearance = c->clearance, .correction = c->correction };
        PolicyRefusal refusal;
        Env e;

        env_init(&e);
        e.fig.screened = c->screened;
        e.fig.screening_yes = c->standing;
        e.fig.screening_cleared = c->cleared;
        for (unsigned q = 0; q < _SCREENING_QUESTION_MAX; q++)
                g_assert_cmpint(screening_answers_set(&a, screening_question_key(q), c->yes & (1u << q)), ==, 0);
        g_assert_cmpint(policy_check_screening_submission(&e.fig, &a, &refusal), ==, c->expect);
        if (c->expect == 1)
                g_assert_cmpint(refusal.reason, ==, POLICY_OK);
        else {
                g_assert_cmpint(refusal.reason, ==, POLICY_REFUSE_SCREENING_BLOCKED);
                g_assert_cmpstr(policy_reason_to_dbus_error(refusal.reason), ==, "org.massaged1.Error.ClearanceRequired");
                /* Every refusal says both ways out. */
                g_assert_nonnull(strstr(refusal.message, "massagectl screening --correction"));
                g_assert_nonnull(strstr(refusal.message, "massagectl screening --clearance"));
                g_assert_nonnull(strstr(refusal.message, c->message_has));
        }
        g_assert_cmpint(policy_check_screening_submission(NULL, &a, &refusal), ==, -EINVAL);
        g_assert_cmpint(policy_check_screening_submission(&e.fig, NULL, &refusal), ==, -EINVAL);
        env_done(&e);
}

/* The answers in force after a submission: a correction replaces, anything else adds. */
static void test_screening_standing(void) {
        ScreeningAnswers a = { .answered = SCREENING_ALL_MASK, .yes = 1u << SCREENING_PREGNANCY };
        const uint32_t pace = 1u << SCREENING_PACEMAKER, preg = 1u << SCREENING_PREGNANCY;

        g_assert_cmphex(screening_standing_after(pace, &a), ==, pace | preg);
        g_assert_cmphex(screening_contradicted(pace | preg, &a), ==, pace);
        a.correction = true;
        g_assert_cmphex(screening_standing_after(pace, &a), ==, preg);
        a.clearance = true;
        a.correction = false;
        g_assert_cmphex(screening_standing_after(pace, &a), ==, pace | preg);
}

static void test_lowest_third(void) {
        g_assert_cmpuint(policy_lowest_third(10), ==, 3);
        g_assert_cmpuint(policy_lowest_third(9), ==, 3);
        g_assert_cmpuint(policy_lowest_third(5), ==, 1);
        g_assert_cmpuint(policy_lowest_third(1), ==, 1);
}

/* A pause is bounded: pause_minutes after the pause, never past the hard
 * limit of 30 min whatever the Limits hold. */
static void test_pause_deadline(void) {
        Limits lim;

        limits_init_default(&lim);
        g_assert_cmpuint(policy_pause_deadline_us(&lim, M0), ==, M0 + 10 * USEC_PER_MIN);
        lim.value[LIMIT_PAUSE_MINUTES] = 1;
        g_assert_cmpuint(policy_pause_deadline_us(&lim, M0), ==, M0 + USEC_PER_MIN);
        lim.value[LIMIT_PAUSE_MINUTES] = 30;
        g_assert_cmpuint(policy_pause_deadline_us(&lim, M0), ==, M0 + 30 * USEC_PER_MIN);
        /* Out of range (a Limits not from limit_clamp()): the hard limit, and at least the floor. */
        lim.value[LIMIT_PAUSE_MINUTES] = 90;
        g_assert_cmpuint(policy_pause_deadline_us(&lim, M0), ==, M0 + 30 * USEC_PER_MIN);
        lim.value[LIMIT_PAUSE_MINUTES] = 0;
        g_assert_cmpuint(policy_pause_deadline_us(&lim, M0), ==, M0 + USEC_PER_MIN);
        g_assert_cmpuint(policy_pause_deadline_us(NULL, M0), ==, M0 + 10 * USEC_PER_MIN);
}

/* Time paused is never rest: a session paused 9 min, then ended at its
 * bound, ended at the bound, and the rest runs from there. */
static void test_pause_rest_from_bound(void) {
        PolicyRefusal refusal;
        PolicyPlan plan = {};
        Env e;

        env_init(&e);
        /* Paused 61 min ago (after 1 min of motors); the bound came 10 min later. */
        uint64_t paused_mono = M0 - (uint64_t) S(61 * 60);
        uint64_t bound_mono = policy_pause_deadline_us(&e.lim, paused_mono);
        last_end_ago(&e, (int64_t) ((M0 - bound_mono) / USEC_PER_SEC));
        g_assert_cmpuint(e.fig.last_end_mono_us, ==, M0 - (uint64_t) S(51 * 60));
        g_assert_cmpint(policy_check_start(&e.in, &e.req, &plan, &refusal), ==, 0);
        g_assert_cmpint(refusal.reason, ==, POLICY_REFUSE_REST);
        g_assert_nonnull(strstr(refusal.message, "9 more min"));
        /* Exactly the rest after the bound: allowed. */
        last_end_ago(&e, 60 * 60);
        g_assert_cmpint(policy_check_start(&e.in, &e.req, &plan, &refusal), ==, 1);
        policy_plan_clear(&plan);
        env_done(&e);
}

int main(int argc, char *argv[]) {
        test_set_tz();
        g_test_init(&argc, &argv, NULL);
        T0 = test_utc(2026, 6, 15, 10, 0, 0);

        for (size_t i = 0; i < G_N_ELEMENTS(start_cases); i++) {
                g_autofree char *path = g_strdup_printf("/policy/start/%s", start_cases[i].name);
                g_test_add_data_func(path, &start_cases[i], run_start_case);
        }
        g_test_add_func("/policy/soft-start/exact", test_soft_start_exact);
        g_test_add_func("/policy/soft-start/lowest-target", test_soft_start_lowest_target);
        g_test_add_func("/policy/soft-start/program-dip", test_program_ramp);
        g_test_add_func("/policy/pattern/unsupported", test_pattern_unsupported);
        g_test_add_func("/policy/rest/message-time", test_rest_message_time);
        g_test_add_func("/policy/start/daily/rolling-24h", test_rolling_24h);
        g_test_add_func("/policy/reason/dbus-mapping", test_dbus_mapping);
        g_test_add_func("/policy/advice/sentences", test_message_sentences);
        g_test_add_func("/policy/advice/plan-symptom", test_plan_summary_symptom);
        g_test_add_func("/policy/advice/next-change", test_next_change);
        g_test_add_func("/policy/reason/end-reasons", test_end_reasons);
        g_test_add_func("/policy/symptom/advice", test_symptom_advice);
        g_test_add_func("/policy/replan/raise-ramped-lower-instant", test_replan_raise_ramped);
        g_test_add_func("/policy/replan/resume-soft-start", test_replan_resume_soft_start);
        g_test_add_data_func("/policy/replan/soft-start-kept/intensity", &keep_intensity, test_replan_keeps_soft_start);
        g_test_add_data_func("/policy/replan/soft-start-kept/heat", &keep_heat, test_replan_keeps_soft_start);
        g_test_add_data_func("/policy/replan/soft-start-kept/limits", &keep_limits, test_replan_keeps_soft_start);
        g_test_add_func("/policy/replan/symptom-cap", test_replan_symptom_cap_applies);
        g_test_add_func("/policy/replan/limits-lowered", test_replan_limits_lowered);
        g_test_add_func("/policy/replan/heat", test_replan_heat);
        g_test_add_func("/policy/replan/limits-heat-gentle", test_replan_limits_heat_gentle);
        for (size_t i = 0; i < G_N_ELEMENTS(cap_cases); i++) {
                g_autofree char *path = g_strdup_printf("/policy/caps/same-on-replan/%s", cap_cases[i].name);
                g_test_add_data_func(path, &cap_cases[i], test_cap_same_on_replan);
        }
        g_test_add_func("/policy/tick/cutoff-45", test_tick_cutoff);
        g_test_add_func("/policy/tick/rise-rate", test_tick_rise);
        g_test_add_func("/policy/tick/sensor", test_tick_sensor);
        g_test_add_func("/policy/tick/heat-and-length", test_tick_heat_and_length);
        g_test_add_func("/policy/thermal/ack-and-reset", test_thermal_ack_and_reset);
        g_test_add_func("/policy/bad-input", test_bad_input);
        g_test_add_func("/policy/lowest-third", test_lowest_third);
        g_test_add_func("/policy/pause/deadline", test_pause_deadline);
        g_test_add_func("/policy/pause/rest-from-bound", test_pause_rest_from_bound);
        for (size_t i = 0; i < G_N_ELEMENTS(submission_cases); i++) {
                g_autofree char *path = g_strdup_printf("/policy/screening/submission/%s", submission_cases[i].name);
                g_test_add_data_func(path, &submission_cases[i], test_screening_submission);
        }
        g_test_add_func("/policy/screening/standing", test_screening_standing);
        return g_test_run();
}
