/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The limits table of doc/safety.md: defaults, floors and hard limits, in code. */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "macro.h"
#include "safety-i18n.h"
#include "safety-limits.h"

/*
 * min/max are what the config file and SetLimits may set. For the "lower is
 * safer" limits max is the hard limit; for rest_minutes min is. The
 * other bound is a floor that keeps the device usable (a 0-minute session
 * makes no sense) or a sane upper end for rest (a week).
 */
static const LimitInfo limit_table[_LIMIT_MAX] = {
        [LIMIT_SESSION_MINUTES] = {
                LIMIT_SESSION_MINUTES, "session_minutes", LIMIT_TYPE_UINT, 15, 1, 20, false, "min",
                N_("longest session (motors)") },
        [LIMIT_HEAT_SETPOINT_CELSIUS] = {
                /* 41 °C is the cap for medical applied parts; 42 °C is the most any session may use. */
                LIMIT_HEAT_SETPOINT_CELSIUS, "heat_setpoint_celsius", LIMIT_TYPE_UINT, 40, 30, 42, false, "°C",
                N_("highest heat setpoint") },
        [LIMIT_HEAT_SESSION_MINUTES] = {
                /* Default = hard limit, and a session's heat is also capped by its own
                 * length: "heat-on time: the session's length". */
                LIMIT_HEAT_SESSION_MINUTES, "heat_session_minutes", LIMIT_TYPE_UINT, 20, 0, 20, false, "min",
                N_("heat-on time per session (never longer than the session)") },
        [LIMIT_HEAT_DAILY_MINUTES] = {
                LIMIT_HEAT_DAILY_MINUTES, "heat_daily_minutes", LIMIT_TYPE_UINT, 60, 0, 60, false, "min",
                N_("heat-on time per day") },
        [LIMIT_REST_MINUTES] = {
                LIMIT_REST_MINUTES, "rest_minutes", LIMIT_TYPE_UINT, 60, 30, 7 * 24 * 60, true, "min",
                N_("rest between sessions (at least 30)") },
        [LIMIT_DAILY_SESSIONS] = {
                LIMIT_DAILY_SESSIONS, "daily_sessions", LIMIT_TYPE_UINT, 3, 1, 4, false, "sessions",
                N_("sessions per day") },
        [LIMIT_DAILY_MINUTES] = {
                LIMIT_DAILY_MINUTES, "daily_minutes", LIMIT_TYPE_UINT, 45, 1, 60, false, "min",
                N_("massage minutes per day") },
        [LIMIT_WEEKLY_MINUTES] = {
                LIMIT_WEEKLY_MINUTES, "weekly_minutes", LIMIT_TYPE_UINT, 420, 1, 420, false, "min",
                N_("massage minutes in the last 7 days (a cap)") },
        [LIMIT_WEEKLY_ADVICE_MINUTES] = {
                LIMIT_WEEKLY_ADVICE_MINUTES, "weekly_advice_minutes", LIMIT_TYPE_UINT, 150, 0, 420, false, "min",
                N_("advise rest days above this many minutes in 7 days") },
        [LIMIT_WEEKLY_ADVICE_DAYS] = {
                LIMIT_WEEKLY_ADVICE_DAYS, "weekly_advice_days", LIMIT_TYPE_UINT, 5, 0, 7, false, "days",
                N_("advise rest days above this many days used in 7") },
        [LIMIT_GENTLE_MODE] = {
                LIMIT_GENTLE_MODE, "gentle_mode", LIMIT_TYPE_BOOL, 0, 0, 1, true, "",
                N_("gentle (migraine) mode for every session") },
        [LIMIT_GENTLE_HEAT] = {
                LIMIT_GENTLE_HEAT, "gentle_heat", LIMIT_TYPE_BOOL, 0, 0, 1, false, "",
                N_("allow heat (at most the gentle setpoint) in gentle mode") },
        [LIMIT_GENTLE_SESSION_MINUTES] = {
                LIMIT_GENTLE_SESSION_MINUTES, "gentle_session_minutes", LIMIT_TYPE_UINT, 10, 1, 10, false, "min",
                N_("longest gentle-mode session") },
        [LIMIT_GENTLE_HEAT_SETPOINT_CELSIUS] = {
                LIMIT_GENTLE_HEAT_SETPOINT_CELSIUS, "gentle_heat_setpoint_celsius", LIMIT_TYPE_UINT, 38, 30, 38,
                false, "°C", N_("highest heat setpoint in gentle mode") },
        [LIMIT_PAUSE_MINUTES] = {
                /* A pause is not rest: the session stays open (no other starts, the
                 * rest period waits) until it ends, so it must end by itself. */
                LIMIT_PAUSE_MINUTES, "pause_minutes", LIMIT_TYPE_UINT, 10, 1, 30, false, "min",
                N_("longest pause: a paused session then ends by itself (pause_timeout)") },
};

const LimitInfo *limit_info(LimitId id) {
        if ((unsigned) id >= _LIMIT_MAX)
                return NULL;
        return &limit_table[id];
}

int limit_from_key(const char *key) {
        if (!key)
                return -ENOENT;
        for (unsigned i = 0; i < _LIMIT_MAX; i++)
                if (strcmp(limit_table[i].key, key) == 0)
                        return (int) i;
        return -ENOENT;
}

void limits_init_default(Limits *ret) {
        for (unsigned i = 0; i < _LIMIT_MAX; i++)
                ret->value[i] = limit_table[i].def;
}

int limit_validate(LimitId id, uint64_t value, char **ret_message) {
        const LimitInfo *li = limit_info(id);

        if (!li)
                return -EINVAL;
        if (value >= li->min && value <= li->max)
                return 0;
        if (ret_message) {
                char *m = NULL;
                int n;
                if (li->type == LIMIT_TYPE_BOOL)
                        n = asprintf(&m, "key %s: value %llu is not a boolean (use true or false)", li->key,
                                     (unsigned long long) value);
                else
                        n = asprintf(&m, "key %s: value %llu out of range [%u, %u] (hard limit: at %s %u%s%s)",
                                     li->key, (unsigned long long) value, li->min, li->max,
                                     li->higher_is_safer ? "least" : "most",
                                     li->higher_is_safer ? li->min : li->max, li->unit[0] ? " " : "", li->unit);
                *ret_message = n < 0 ? NULL : m;
        }
        return -ERANGE;
}

uint32_t limit_clamp(LimitId id, uint64_t value) {
        const LimitInfo *li = limit_info(id);

        if (!li)
                return 0;
        if (li->type == LIMIT_TYPE_BOOL)
                return value != 0;
        if (value < li->min)
                return li->min;
        if (value > li->max)
                return li->max;
        return (uint32_t) value;
}

LimitChangeKind limits_change_kind(LimitId id, uint32_t old_value, uint32_t new_value) {
        const LimitInfo *li = limit_info(id);

        if (!li || old_value == new_value)
                return LIMIT_CHANGE_NONE;
        if (li->higher_is_safer)
                return new_value > old_value ? LIMIT_CHANGE_STRICTER : LIMIT_CHANGE_LOOSER;
        return new_value < old_value ? LIMIT_CHANGE_STRICTER : LIMIT_CHANGE_LOOSER;
}

const char *limit_change_kind_to_string(LimitChangeKind k) {
        switch (k) {
        case LIMIT_CHANGE_NONE:
                return "none";
        case LIMIT_CHANGE_STRICTER:
                return "stricter";
        case LIMIT_CHANGE_LOOSER:
                return "looser";
        }
        return "unknown";
}

static const char *const source_names[_LIMIT_SOURCE_MAX] = {
        [LIMIT_SOURCE_DEFAULT] = "default",
        [LIMIT_SOURCE_CONFIG] = "config",
        [LIMIT_SOURCE_API] = "api",
};

const char *limit_source_to_string(LimitSource s) {
        if ((unsigned) s >= _LIMIT_SOURCE_MAX)
                return "unknown";
        return source_names[s];
}

int limit_source_from_string(const char *s) {
        for (unsigned i = 0; s && i < _LIMIT_SOURCE_MAX; i++)
                if (strcmp(source_names[i], s) == 0)
                        return (int) i;
        return -EINVAL;
}
