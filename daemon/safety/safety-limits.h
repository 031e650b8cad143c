/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The user-adjustable safety limits of doc/safety.md: each with a default, a floor
 * and a hard limit that lives here in code and that neither the config file
 * nor the D-Bus API can pass. Pure C, no I/O.
 *
 * Most limits are "lower is safer" (session length, daily minutes…): the hard
 * limit is the maximum. Rest between sessions is "higher is safer": the hard
 * limit is its minimum (30 min). limit_info() says which, so callers never
 * hard-code the direction.
 *
 * Values are integers (type 'u', uint32) or booleans (type 'b', 0/1), named by
 * stable keys that are also the keys of Manager.GetLimits()/SetLimits() a{sv}
 * and of the [Limits] group of massaged.conf. The daemon serialises; this
 * module validates and clamps.
 *
 * Lowering (making stricter) takes effect at once; loosening is allowed up to
 * the hard limit and must be logged as a safety event: limits_change_kind()
 * tells the caller which it is (that is the hook — the daemon writes the
 * event with ledger_event_add(LEDGER_EVENT_LIMIT_CHANGE, …)).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum LimitId {
        LIMIT_SESSION_MINUTES,          /* u  motor session length cap */
        LIMIT_HEAT_SETPOINT_CELSIUS,    /* u  highest heat setpoint a session may use */
        LIMIT_HEAT_SESSION_MINUTES,     /* u  heat-on time per session (also ≤ the session length) */
        LIMIT_HEAT_DAILY_MINUTES,       /* u  heat-on time per local day */
        LIMIT_REST_MINUTES,             /* u  rest between the end of one session and the next start (higher is safer) */
        LIMIT_DAILY_SESSIONS,           /* u  sessions started per local day */
        LIMIT_DAILY_MINUTES,            /* u  motor minutes per local day */
        LIMIT_WEEKLY_MINUTES,           /* u  motor minutes in the last 7 local days (a cap) */
        LIMIT_WEEKLY_ADVICE_MINUTES,    /* u  above this in 7 days: advice, not a refusal */
        LIMIT_WEEKLY_ADVICE_DAYS,       /* u  more days used than this in 7 days: advice */
        LIMIT_GENTLE_MODE,              /* b  gentle ("migraine") mode for every session */
        LIMIT_GENTLE_HEAT,              /* b  gentle mode: opt in to heat (≤ gentle setpoint) */
        LIMIT_GENTLE_SESSION_MINUTES,   /* u  gentle mode session length cap */
        LIMIT_GENTLE_HEAT_SETPOINT_CELSIUS, /* u gentle mode heat setpoint cap */
        LIMIT_PAUSE_MINUTES,            /* u  a paused session ends by itself this long after the pause */
        _LIMIT_MAX,
} LimitId;

typedef enum LimitType {
        LIMIT_TYPE_UINT,        /* D-Bus 'u' */
        LIMIT_TYPE_BOOL,        /* D-Bus 'b' */
} LimitType;

typedef struct LimitInfo { // NOLINT(clang-analyzer-optin.performance.Padding): table order
        LimitId id;
        const char *key;        /* "session_minutes" … stable API/config name */
        LimitType type;
        uint32_t def;           /* default */
        uint32_t min;           /* lowest accepted value (the hard limit when higher_is_safer) */
        uint32_t max;           /* highest accepted value (the hard limit when !higher_is_safer) */
        bool higher_is_safer;   /* true only for rest_minutes (and the booleans that restrict, see limits.c) */
        const char *unit;       /* "min", "°C", "sessions", "days", "" */
        const char *summary;    /* one line for `massagectl limits` and docs */
} LimitInfo;

/* The effective limits: every value within [min, max] of its LimitInfo. */
typedef struct Limits {
        uint32_t value[_LIMIT_MAX];
} Limits;

/* Where an effective value came from (shown by GetLimits / massagectl limits). */
typedef enum LimitSource {
        LIMIT_SOURCE_DEFAULT,
        LIMIT_SOURCE_CONFIG,    /* massaged.conf */
        LIMIT_SOURCE_API,       /* Manager.SetLimits, persisted in the ledger's settings */
        _LIMIT_SOURCE_MAX,
} LimitSource;

typedef enum LimitChangeKind {
        LIMIT_CHANGE_NONE,      /* same value */
        LIMIT_CHANGE_STRICTER,  /* takes effect at once */
        LIMIT_CHANGE_LOOSER,    /* allowed up to the hard limit; log a safety event */
} LimitChangeKind;

/* The table of all limits, indexed by LimitId; never NULL for id < _LIMIT_MAX. */
const LimitInfo *limit_info(LimitId id);

/* Look a limit up by key. Returns its id, or -ENOENT for an unknown key. */
int limit_from_key(const char *key);

/* All defaults. */
void limits_init_default(Limits *ret);

/* Is value acceptable for this limit? Returns 0, or -ERANGE and (if ret_message
 * is non-NULL) a malloc'd sentence: "key session_minutes: value 25 out of range
 * [1, 20] (hard limit 20 min)". Booleans accept 0 and 1 only. */
int limit_validate(LimitId id, uint64_t value, char **ret_message);

/* value clamped into [min, max] (a boolean: any non-zero is 1). */
uint32_t limit_clamp(LimitId id, uint64_t value);

/* Compare a proposed value with the current one in the limit's own safety
 * direction. For the booleans: turning gentle_mode on is stricter, turning
 * gentle_heat on is looser. */
LimitChangeKind limits_change_kind(LimitId id, uint32_t old_value, uint32_t new_value);

/* Name for logs/events: "stricter", "looser", "none". */
const char *limit_change_kind_to_string(LimitChangeKind k);
const char *limit_source_to_string(LimitSource s);      /* "default", "config", "api" */
int limit_source_from_string(const char *s);             /* -EINVAL if unknown */

/*
 * Fixed rules that are not adjustable at all (doc/safety.md), here so that policy,
 * tests and docs share one definition.
 */
#define POLICY_SOFT_START_HOLD_S        60u     /* lowest level for 60 s at every start/resume */
#define POLICY_RAMP_STEP_S              10u     /* then at most +1 level per 10 s */
#define POLICY_MIN_SESSION_S            60u     /* a start needs at least this much time left */
#define POLICY_THERMAL_CUTOFF_DECI_C    450     /* pad ≥ 45.0 °C → heater off + stop (fixed) */
#define POLICY_THERMAL_RELOCK_DECI_C    380     /* lock-out clears only below 38.0 °C (+ acknowledgement) */
#define POLICY_THERMAL_RISE_DECI_C_PER_MIN 20   /* a rise > 2.0 °C/min trips */
#define POLICY_THERMAL_RISE_WINDOW_MIN_S 30u    /* the rise is judged over ≥ 30 s … */
#define POLICY_THERMAL_RISE_WINDOW_MAX_S 60u    /* … and ≤ 60 s of samples */
#define POLICY_TEMP_PLAUSIBLE_MIN_DECI_C 0      /* readings outside [0, 80] °C are implausible */
#define POLICY_TEMP_PLAUSIBLE_MAX_DECI_C 800
#define POLICY_TEMP_STALE_S             5u      /* heater on and no reading for 5 s → missing */
#define POLICY_THERMAL_TRIPS_DISABLE    2u      /* two trips … */
#define POLICY_THERMAL_TRIP_WINDOW_S    (24u * 3600u)   /* … within 24 h disable heat until reset */
#define POLICY_BATTERY_MIN_HEAT_PERCENT 20u     /* no heat below 20 % */
#define POLICY_BATTERY_MIN_START_PERCENT 10u    /* no new session below 10 % */
#define POLICY_SYMPTOM_CAP_S            (24u * 3600u)   /* intensity capped to the lowest third for 24 h */
#define POLICY_SYMPTOM_ADVICE_COUNT     2u      /* two symptom stops … */
#define POLICY_SYMPTOM_ADVICE_WINDOW_S  (7u * 24u * 3600u)      /* … in 7 days → see a clinician */
#define POLICY_SCREENING_VALID_S        (183u * 24u * 3600u)    /* screening every 6 months */
