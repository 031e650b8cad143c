/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The safety policy engine (doc/safety.md), PURE: no I/O, no SQLite, no GLib, no
 * logging, no clock reads. Every decision is a function of
 *
 *   PolicyInput = effective limits + the ledger's figures + a SafetyClock
 *                 snapshot + the device's capabilities and latest readings
 *
 * and a request. It returns either a concrete plan (timed steps with
 * intensity/pattern/heat per step, soft start and heat-time caps applied) or
 * a refusal with a reason code and a human sentence.
 *
 * How the daemon uses it:
 *
 *   Start(options):
 *     clock = safety_clock_now(); ledger_figures(ledger, &clock, &figures)
 *       (it reconciles the clock; always use figures.clock afterwards);
 *     r = policy_check_start(&input, &request, &plan, &refusal);
 *       r == 0 → reply policy_reason_to_dbus_error(refusal.reason) with
 *                refusal.message, and ledger_event_add(REFUSAL) it;
 *       r == 1 → ledger_session_begin() (durable) → drive plan.steps: at
 *                steps[i].at_s after start send SetOutput(steps[i]); renew the
 *                device lease (≤ 10 s, never past plan.session_s); plan.message
 *                (may be "") tells the user what was capped and any advice.
 *   SetIntensity/SetHeat/Resume (and after SetLimits, and after a HEAT_OFF):
 *     policy_replan(&input, &plan, &change, &new_plan, &refusal): a new plan
 *     for the rest of the session starting now (its steps' at_s are relative to
 *     now; new_plan.origin_s = change.elapsed_s). Raising is ramped (+1 level
 *     per 10 s), lowering is instant; the soft start's hold runs to
 *     plan.soft_start_end_s whatever the change, and Resume starts a new one.
 *   While running, at least once a second (each Status notification and a
 *     timer): policy_tick(&input, &plan, &thermal, &tick, &result) →
 *     CONTINUE, HEAT_OFF (switch the heater off at once, then replan with
 *     heat 0) or STOP (stop at once, end reason in result.end_reason; if
 *     result.thermal_trip, record LEDGER_EVENT_THERMAL_TRIP first).
 *   Stop/StopWithReason: never consult the policy. Stop the device first, then
 *     ledger_session_end() with the reason (symptom reasons: see
 *     PolicyEndReason); afterwards policy_symptom_advice_due() says whether to
 *     tell the user to see a clinician.
 *
 * Intensity levels are the device's (1 … info.intensity_max). "The lowest
 * third" is 1 … max(1, intensity_max / 3) (levels 1–3 on a 10-level device).
 * Heat levels are the device's (0 = off … info.heat_levels); a level is usable
 * only if its setpoint ≤ the heat setpoint limit.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "massager-protocol.h"
#include "program.h"
#include "safety-clock.h"
#include "safety-limits.h"
#include "screening.h"

#define POLICY_MESSAGE_MAX 384
#define POLICY_ROLLING_MAX 8              /* sessions of the last 24 h kept in PolicyFigures */
#define POLICY_DEVICE_ADDRESS_MAX 18     /* "AA:BB:CC:DD:EE:FF" and its NUL */

/* Why a request was refused. Map to D-Bus with policy_reason_to_dbus_error(). */
typedef enum PolicyReason {
        POLICY_OK,                      /* (not a refusal) */
        POLICY_REFUSE_INVALID,          /* org.freedesktop.DBus.Error.InvalidArgs: intensity/heat outside the device's range, empty program */
        POLICY_REFUSE_SCREENING_MISSING,/* ScreeningRequired: never screened, or the screening is older than 6 months */
        POLICY_REFUSE_SCREENING_BLOCKED,/* ClearanceRequired: a "yes" answer and no clearance recorded */
        POLICY_REFUSE_REST,             /* RestRequired: too soon after the last session */
        POLICY_REFUSE_DAILY_SESSIONS,   /* DailySessionCap */
        POLICY_REFUSE_DAILY_MINUTES,    /* DailyCap (less than 60 s left today) */
        POLICY_REFUSE_WEEKLY_MINUTES,   /* WeeklyCap (less than 60 s left in the 7-day window) */
        POLICY_REFUSE_HEAT_TIME,        /* HeatTimeCap: heat asked for explicitly, no heat time left today/this session */
        POLICY_REFUSE_BATTERY,          /* BatteryLow: battery below 10 % */
        POLICY_REFUSE_HEAT_BATTERY,     /* HeatBatteryLow: heat asked for explicitly, battery below 20 % */
        POLICY_REFUSE_THERMAL_LOCKOUT,  /* ThermalLockout: a thermal cut-off is not yet acknowledged (any start) */
        POLICY_REFUSE_HEAT_DISABLED,    /* HeatDisabled: heat asked for, two cut-offs in 24 h, no manual reset yet */
        POLICY_REFUSE_HEAT_SENSATION,   /* HeatReducedSensation: heat asked for, screening says reduced skin sensation */
        POLICY_REFUSE_HEAT_GENTLE,      /* HeatGentleMode: heat asked for in gentle mode without the opt-in */
        POLICY_REFUSE_HEAT_SETPOINT,    /* HeatSetpoint: heat asked for, no device heat level within the setpoint limit */
        POLICY_REFUSE_SESSION_OVER,     /* SessionOver: replan with no session time left */
        POLICY_REFUSE_TOO_HOT,          /* PadTooHot: acknowledgement refused, pad not below 38 °C or no reading */
        POLICY_REFUSE_NOTHING_TO_DO,    /* NothingToAcknowledge: acknowledgement/reset when nothing is locked/disabled */
        POLICY_REFUSE_SESSION_OPEN,     /* SessionOpen: a session is still open (running or paused) */
        _POLICY_REASON_MAX,
} PolicyReason;

/* "rest-required" … stable names for logs and safety events. */
const char *policy_reason_to_string(PolicyReason r);
/* The D-Bus error name (include/massaged-dbus.h), one per reason, e.g.
 * MASSAGED_ERROR_DAILY_CAP; "org.freedesktop.DBus.Error.InvalidArgs" for
 * POLICY_REFUSE_INVALID; NULL for POLICY_OK. */
const char *policy_reason_to_dbus_error(PolicyReason r);

/*
 * Why a session ended. The strings are what the ledger stores and what
 * SessionEnded(id, reason, seconds) carries. The six symptom reasons are the
 * values StopWithReason(s) accepts; each one stops at once, caps intensity to
 * the lowest third for 24 h and, two in 7 days, brings advice to see a
 * clinician. A StopWithReason with any other string must still stop (a stop
 * is never refused): record it as POLICY_END_USER.
 */
typedef enum PolicyEndReason {
        POLICY_END_COMPLETED,           /* "completed": planned length reached */
        POLICY_END_USER,                /* "user": Stop(), Pause-then-stop, CLI stop */
        POLICY_END_STOP_ALL,            /* "stop_all": Manager.StopAll() */
        POLICY_END_CALLER_LEFT,         /* "caller_left": tie_to_caller client vanished */
        POLICY_END_PAIN_RISING,         /* "pain_rising": pain rising or radiating (symptom) */
        POLICY_END_NUMBNESS,            /* "numbness" (symptom) */
        POLICY_END_TINGLING,            /* "tingling" (symptom) */
        POLICY_END_DIZZINESS,           /* "dizziness" (symptom) */
        POLICY_END_HEADACHE_FLARE,      /* "headache_flare" (symptom) */
        POLICY_END_BURNING_SKIN,        /* "burning_skin" (symptom) */
        POLICY_END_THERMAL_CUTOFF,      /* "thermal_cutoff": ≥ 45 °C or rise > 2 °C/min */
        POLICY_END_SENSOR_FAULT,        /* "sensor_fault": reading missing or implausible while heating */
        POLICY_END_LIMIT,               /* "limit": a limit lowered mid-session ended it */
        POLICY_END_BATTERY,             /* "battery": device stopped for low battery */
        POLICY_END_LINK_LOST,           /* "link_lost" */
        POLICY_END_DEVICE_FAULT,        /* "device_fault": device-side stop (stall, overheat latched …) */
        POLICY_END_SHUTDOWN,            /* "shutdown": the daemon exited cleanly */
        POLICY_END_SUSPEND,             /* "suspend": stopped before the computer went to sleep */
        POLICY_END_INTERRUPTED,         /* "interrupted": found open at ledger open (crash), counted as planned */
        POLICY_END_PAUSE_TIMEOUT,       /* "pause_timeout": paused for pause_minutes, ended by itself */
        _POLICY_END_MAX,
} PolicyEndReason;

const char *policy_end_reason_to_string(PolicyEndReason r);     /* never NULL ("unknown") */
int policy_end_reason_from_string(const char *s);               /* -EINVAL if unknown */
bool policy_end_reason_is_symptom(PolicyEndReason r);

/*
 * What the ledger knows, as plain numbers (filled by ledger_figures()).
 * Counting is conservative: a session still open or recovered after a crash
 * counts at its planned length; windows are open-ended ([start, ∞)) so rows
 * left "in the future" by a backward clock jump still count.
 */
typedef struct PolicyFigures { // NOLINT(clang-analyzer-optin.performance.Padding): grouped by meaning
        SafetyClock clock;              /* the (reconciled) clock the figures were computed for */

        uint32_t sessions_today;        /* sessions started in [day_start, ∞) */
        uint64_t seconds_today;         /* motor seconds inside [day_start, ∞) */
        uint64_t heat_seconds_today;    /* heat-on seconds of sessions started in [day_start, ∞) */
        uint64_t seconds_week;          /* motor seconds inside [week_start, ∞) */

        /* The same daily figures over the last 24 h, whatever the time zone: a
         * change of TZ (travel, or set on purpose) moves local midnight, and the
         * daily hard limits must still hold over any 24 hours. */
        uint32_t sessions_24h;          /* sessions started in [now - 24 h, ∞) */
        uint64_t seconds_24h;           /* motor seconds inside [now - 24 h, ∞) */
        uint64_t heat_seconds_24h;      /* heat-on seconds of sessions reaching into it */
        size_t n_starts_24h;            /* the newest starts in it, newest first: */
        int64_t starts_24h[POLICY_ROLLING_MAX];
        size_t n_rolling;               /* sessions reaching into it, latest end first; the
                                         * last entry sums any beyond POLICY_ROLLING_MAX - 1 */
        struct {
                int64_t end_wall_us;    /* the usage leaves the window at end + 24 h */
                uint64_t seconds;       /* its part of seconds_24h */
                uint64_t heat_seconds;  /* its part of heat_seconds_24h */
        } rolling[POLICY_ROLLING_MAX];
        uint32_t days_used_week;        /* distinct local days with a session, of the last 7 */

        uint32_t sessions_open;         /* rows not closed yet: each counts as running (doc/safety.md,
                                         * "an open session counts as running until it is closed") */
        bool has_last_end;              /* the really latest end of any session: by the monotonic clock
                                         * within this boot, by wall otherwise; an open one ends at its
                                         * planned end, and never before now */
        int64_t last_end_wall_us;
        uint64_t last_end_mono_us;
        char last_end_boot_id[SAFETY_BOOT_ID_LEN + 1];

        uint32_t symptom_stops_7d;      /* symptom stops in the last 7 days (wall) */
        bool has_symptom_stop;          /* the most recent one: */
        int64_t last_symptom_wall_us;
        uint64_t last_symptom_mono_us;
        char last_symptom_boot_id[SAFETY_BOOT_ID_LEN + 1];

        bool thermal_locked;            /* a cut-off trip not yet acknowledged */
        int64_t last_trip_wall_us;
        char last_trip_device[POLICY_DEVICE_ADDRESS_MAX];       /* its device, "" if not recorded:
                                                                 * the acknowledgement reads this pad */
        bool heat_disabled;             /* two trips within 24 h, not yet manually reset */

        bool screened;                  /* a screening submission exists */
        int64_t screening_wall_us;      /* the latest one */
        uint32_t screening_yes;         /* the "yes" answers in force after it (its own, and earlier ones
                                         * not corrected), bit mask over ScreeningQuestion */
        bool screening_cleared;         /* a clearance was recorded for it: it covers all of screening_yes */
} PolicyFigures;

typedef struct PolicyInput {
        const Limits *limits;           /* effective limits (conf_effective_limits()) */
        const PolicyFigures *figures;   /* figures->clock is the clock of the decision */
        const MassagerDeviceInfo *device;
        uint8_t battery;                /* percent, or MASSAGER_BATTERY_UNKNOWN (then not a reason to refuse) */
        int16_t temperature;            /* latest pad reading (0.1 °C) or MASSAGER_TEMP_NONE */
} PolicyInput;

typedef struct PolicyStartRequest {
        const Program *program;         /* resolved by the daemon (PROGRAM_DEFAULT when not given) */
        uint8_t intensity;              /* 1 … device->intensity_max (daemon fills the configured default) */
        uint8_t heat_level;             /* 0 … device->heat_levels */
        bool heat_explicit;             /* the caller asked for heat_level; if false it is a default and
                                         * heat that is not allowed is dropped with a note, not refused */
        uint32_t duration_s;            /* 0 = as long as allowed */
        bool gentle;                    /* gentle mode for this session (also implied by program->gentle
                                         * and by the gentle_mode limit) */
} PolicyStartRequest;

typedef struct PolicyStep {
        uint32_t at_s;                  /* offset from the plan's origin (= now for a fresh plan) */
        uint32_t seconds;
        uint8_t intensity;              /* 1 … intensity_max */
        uint8_t pattern;                /* MassagerPattern supported by the device */
        uint8_t heat_level;             /* 0 = off */
} PolicyStep;

/* What was capped or adjusted (PolicyPlan.adjustments). */
enum {
        POLICY_ADJUST_DURATION_SESSION  = 1u << 0,      /* capped to the session length limit */
        POLICY_ADJUST_DURATION_DAILY    = 1u << 1,      /* capped to what is left today */
        POLICY_ADJUST_DURATION_WEEKLY   = 1u << 2,      /* capped to what is left this week */
        POLICY_ADJUST_DURATION_GENTLE   = 1u << 3,      /* capped to the gentle session length */
        POLICY_ADJUST_INTENSITY_SYMPTOM = 1u << 4,      /* lowest third: symptom stop < 24 h ago */
        POLICY_ADJUST_INTENSITY_GENTLE  = 1u << 5,      /* lowest third: gentle mode */
        POLICY_ADJUST_PATTERN           = 1u << 6,      /* a pattern replaced (gentle mode or device support) */
        POLICY_ADJUST_HEAT_DROPPED      = 1u << 7,      /* a default heat was not allowed and is off */
        POLICY_ADJUST_HEAT_LEVEL        = 1u << 8,      /* heat level lowered to the setpoint limit */
        POLICY_ADJUST_HEAT_TIME         = 1u << 9,      /* heat switches off before the end (time caps) */
};

/* Advice that does not refuse anything (PolicyPlan.advice). */
enum {
        POLICY_ADVICE_WEEKLY_MINUTES    = 1u << 0,      /* over weekly_advice_minutes in 7 days */
        POLICY_ADVICE_WEEKLY_DAYS       = 1u << 1,      /* more than weekly_advice_days days used */
        POLICY_ADVICE_CLINICIAN         = 1u << 2,      /* two symptom stops in 7 days */
};

typedef struct PolicyPlan {
        /* Fixed for the whole session at policy_check_start(). */
        Program *program;               /* owned copy */
        uint32_t session_s;             /* the session's planned length after every cap; only shrinks */
        uint8_t intensity;              /* the target level after caps */
        uint8_t intensity_cap;          /* highest level any step may use */
        uint8_t heat_level;             /* session heat level after caps; 0 = off */
        uint32_t heat_budget_s;         /* heat-on seconds the session may use (also when it starts without heat) */
        bool gentle;
        uint64_t heat_today_at_start_s; /* figures at start, to re-check caps when limits change */
        uint64_t seconds_today_at_start_s;
        uint64_t seconds_week_at_start_s;

        /* The soft start belongs to the session, not to the change that asked
         * for a new plan: every replan keeps it, only Resume starts a new one. */
        uint32_t soft_start_end_s;      /* session second at which the current hold at level 1 ends */

        /* This segment: the steps from origin_s to session_s. */
        uint32_t origin_s;              /* session seconds already run when the plan starts */
        size_t n_steps;
        PolicyStep *steps;              /* contiguous, covering session_s - origin_s seconds */

        uint32_t adjustments;           /* POLICY_ADJUST_* */
        uint32_t advice;                /* POLICY_ADVICE_* */
        char message[POLICY_MESSAGE_MAX];       /* adjustments and advice as sentences, or "" */
} PolicyPlan;

typedef struct PolicyRefusal {
        PolicyReason reason;
        int64_t available_at_wall_us;   /* when waiting would help (rest, next day); 0 if waiting won't */
        char message[POLICY_MESSAGE_MAX];       /* "Daily limit reached: 45 of 45 min used today; available again at 00:00." */
} PolicyRefusal;

void policy_plan_clear(PolicyPlan *p);  /* frees steps and program; the struct may be reused */

/* The lowest third of a device's scale: max(1, intensity_max / 3). */
uint8_t policy_lowest_third(uint8_t intensity_max);

/*
 * Decide a Start. Returns 1 (allowed: *ret_plan filled, caller clears it),
 * 0 (refused: *ret_refusal filled), or -EINVAL if in/req are structurally
 * unusable (NULL pointers, device intensity_max 0). Checks, in this order so
 * the most useful reason wins: arguments, screening, thermal lock-out,
 * battery, rest, daily sessions, daily minutes, weekly minutes, heat.
 */
int policy_check_start(const PolicyInput *in, const PolicyStartRequest *req, PolicyPlan *ret_plan,
                       PolicyRefusal *ret_refusal);

typedef enum PolicyChangeKind {
        POLICY_CHANGE_INTENSITY,        /* SetIntensity: raise ramped from current_intensity, lower at once */
        POLICY_CHANGE_HEAT,             /* SetHeat (also heat off after a HEAT_OFF tick) */
        POLICY_CHANGE_RESUME,           /* Resume: a new soft start (60 s at the lowest level) */
        POLICY_CHANGE_LIMITS,           /* limits changed at run time: re-apply caps, keep the target */
        /* Every kind keeps a soft start still running (current->soft_start_end_s). */
        _POLICY_CHANGE_MAX,
} PolicyChangeKind;

typedef struct PolicyChange {
        PolicyChangeKind kind;
        uint32_t elapsed_s;             /* session (motor) seconds run so far, monotonic, pauses excluded */
        uint32_t heat_used_s;           /* heat-on seconds so far in this session */
        uint8_t current_intensity;      /* the level the device runs at now */
        uint8_t intensity;              /* INTENSITY: the new target, 1 … intensity_max */
        uint8_t heat_level;             /* HEAT: the new level, 0 … heat_levels */
} PolicyChange;

/*
 * Plan the rest of a running (or paused, for RESUME) session after a change.
 * Same return convention as policy_check_start(). The new plan keeps the
 * session's fixed fields (never longer, never more heat budget) but applies
 * the current limits, so a lowered limit takes effect at once; if the session
 * is already past a lowered length the result is a refusal
 * POLICY_REFUSE_SESSION_OVER and the daemon stops with POLICY_END_LIMIT.
 */
int policy_replan(const PolicyInput *in, const PolicyPlan *current, const PolicyChange *change,
                  PolicyPlan *ret_plan, PolicyRefusal *ret_refusal);

/* The intensity the plan drives at offset_s from its origin (0 past the end). */
uint8_t policy_plan_intensity_at(const PolicyPlan *p, uint32_t offset_s);
/* The step index active at offset_s from the origin, or -ERANGE past the end. */
int policy_plan_step_at(const PolicyPlan *p, uint32_t offset_s);

/*
 * Mid-session checks. The daemon keeps one PolicyThermal per running session
 * (policy_thermal_init() at Start and again at Resume, so the time paused
 * without readings is not taken for a missing reading) and calls policy_tick()
 * at least once per second while the session runs.
 */
#define POLICY_THERMAL_SAMPLES 64

typedef struct PolicySample {
        uint64_t mono_us;               /* when it was received (CLOCK_BOOTTIME) */
        int16_t temperature;            /* 0.1 °C, or MASSAGER_TEMP_NONE */
        bool heating;                   /* MASSAGER_STATUS_HEATING */
        uint8_t battery;                /* percent or MASSAGER_BATTERY_UNKNOWN */
        uint8_t faults;                 /* MASSAGER_FAULT_* */
} PolicySample;

typedef struct PolicyThermal {
        size_t n, head;                 /* ring of recent readings for the rise rate */
        uint64_t mono_us[POLICY_THERMAL_SAMPLES];
        int16_t temperature[POLICY_THERMAL_SAMPLES];
        uint64_t last_sample_mono_us;   /* 0 = none yet */
        uint64_t started_mono_us;       /* the session's (or resume's) start, for the stale rule */
} PolicyThermal;

void policy_thermal_init(PolicyThermal *t, uint64_t now_mono_us);

typedef struct PolicyTick {
        uint64_t now_mono_us;
        uint32_t elapsed_s;             /* session (motor) seconds so far */
        uint32_t heat_used_s;           /* heat-on seconds so far in this session */
        bool heat_on;                   /* the daemon has heat switched on now (plan step heat > 0) */
        const PolicySample *sample;     /* a NEW reading since the last tick, or NULL */
} PolicyTick;

typedef enum PolicyAction {
        POLICY_CONTINUE,
        POLICY_HEAT_OFF,                /* switch the heater off now, then policy_replan(HEAT, 0) */
        POLICY_STOP,                    /* stop now with result.end_reason */
        _POLICY_ACTION_MAX,
} PolicyAction;

typedef struct PolicyTickResult {
        PolicyAction action;
        PolicyEndReason end_reason;     /* for POLICY_STOP */
        bool thermal_trip;              /* record LEDGER_EVENT_THERMAL_TRIP: the lock-out begins */
        char message[POLICY_MESSAGE_MAX];       /* for the log/safety event, "" for CONTINUE */
} PolicyTickResult;

/*
 * One mid-session check: thermal cut-off (≥ 45.0 °C; rise > 2 °C/min over
 * 30–60 s; reading missing for 5 s or implausible while heat is on; device
 * OVERHEAT/SENSOR fault) → STOP + thermal_trip; session length reached or a
 * lowered limit passed → STOP (completed/limit); heat-time caps reached or
 * battery below 20 % while heat is on → HEAT_OFF. Returns the action.
 */
PolicyAction policy_tick(const PolicyInput *in, const PolicyPlan *plan, PolicyThermal *thermal,
                         const PolicyTick *tick, PolicyTickResult *ret);

/* May the user acknowledge a thermal lock-out now? 1 (yes: record
 * LEDGER_EVENT_THERMAL_ACK) or 0 with a refusal: not locked
 * (NOTHING_TO_DO), or in->temperature is missing or not below 38.0 °C (TOO_HOT).
 * in->temperature must be a fresh reading of the pad that tripped
 * (figures->last_trip_device), never another device's. */
int policy_check_thermal_ack(const PolicyInput *in, PolicyRefusal *ret_refusal);

/* May heat be re-enabled after two trips in 24 h (a manual reset)? 1, or 0
 * when heat is not disabled (NOTHING_TO_DO) or a lock-out is still to be
 * acknowledged (THERMAL_LOCKOUT). Record LEDGER_EVENT_HEAT_RESET on 1. */
int policy_check_heat_reset(const PolicyInput *in, PolicyRefusal *ret_refusal);

/* May a screening submission be recorded? 1, or 0 with a refusal
 * (SCREENING_BLOCKED) when it answers "no" to a "yes" still in force
 * (figures->screening_yes) without a correction or a clearance: re-answering
 * must not undo a contraindication. -EINVAL for NULL arguments. */
int policy_check_screening_submission(const PolicyFigures *f, const ScreeningAnswers *answers,
                                      PolicyRefusal *ret_refusal);

/* After recording a symptom stop and re-reading the figures: two or more in 7
 * days → true, and a sentence advising to see a clinician in buf. */
bool policy_symptom_advice_due(const PolicyFigures *f, char *buf, size_t size);

/*
 * A pause is bounded (doc/safety.md, "A pause is bounded"): a session paused
 * at paused_at_us ends by itself (POLICY_END_PAUSE_TIMEOUT) at the returned
 * moment, on the same clock: the pause_minutes limit later, never more than
 * its hard limit whatever *limits holds. The daemon arms its timer on
 * CLOCK_BOOTTIME with it and records it in the ledger when Pause is accepted.
 */
uint64_t policy_pause_deadline_us(const Limits *limits, uint64_t paused_at_us);
