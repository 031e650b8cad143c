/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The keys of History's session and per-day dictionaries and of the
 * limits (doc/dbus-api.md), in one place for history, usage and note.
 */

#define HIST_ID                 "id"
#define HIST_DEVICE             "device"
#define HIST_PROGRAM            "program"
#define HIST_START_US           "start"         /* x: wall clock, µs since the epoch */
#define HIST_END_US             "end"           /* x: planned end while open */
#define HIST_PLANNED_S          "planned_seconds"
#define HIST_SECONDS            "seconds"
#define HIST_HEAT_SECONDS       "heat_seconds"
#define HIST_INTENSITY          "intensity"
#define HIST_HEAT               "heat"
#define HIST_OPEN               "open"
#define HIST_END_REASON         "end_reason"
#define HIST_PAIN_BEFORE        "pain_before"   /* absent or -1: none */
#define HIST_PAIN_AFTER         "pain_after"
#define HIST_NOTE               "note"

#define EVENT_TIME_US           "time"          /* x: wall clock, µs */
#define EVENT_KIND              "kind"
#define EVENT_DEVICE            "device"
#define EVENT_DETAIL            "detail"

#define DAY_START_US            "day"           /* x: local midnight, µs */
#define DAY_SESSIONS            "sessions"
#define DAY_SECONDS             "seconds"
#define DAY_HEAT_SECONDS        "heat_seconds"

#define LIMIT_DAILY_MINUTES_KEY "daily_minutes"
#define LIMIT_DAILY_SESSIONS_KEY "daily_sessions"
#define LIMIT_WEEKLY_ADVICE_KEY "weekly_advice_minutes"
