/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Every org.massaged1 call massagectl makes, one small function each, so
 * that a change in the daemon's API is a one-line change here. Names fixed
 * by doc/dbus-api.md come from include/massaged-dbus.h; the rest are those of
 * doc/dbus-api.md (API version 1).
 * Each function records its failure in the Ctl (see massagectl.h).
 */

#include <stdint.h>
#include <systemd/sd-bus.h>

#include "ctl-value.h"
#include "massagectl.h"

/* Manager properties. */
#define API_PROP_API_VERSION            "APIVersion"
#define API_PROP_SCREENING_QUESTIONS    "ScreeningQuestions"    /* a(sss): key, question, help */
#define API_PROP_DISCOVERED             "Discovered"            /* a(ss): address, name */
#define API_PROP_PROGRAMS               "Programs"              /* aa{sv} */

/* Device properties (doc/dbus-api.md). */
#define API_DEV_ADDRESS         "Address"
#define API_DEV_NAME            "Name"
#define API_DEV_CONNECTION      "ConnectionState"
#define API_DEV_BATTERY         "Battery"
#define API_DEV_STATE           "State"
#define API_DEV_INTENSITY       "Intensity"
#define API_DEV_HEAT            "Heat"
#define API_DEV_TEMPERATURE     "Temperature"
#define API_DEV_PATTERN         "Pattern"
#define API_DEV_PROGRAM         "Program"
#define API_DEV_REMAINING       "Remaining"

/* Start() option keys (doc/dbus-api.md). */
#define API_START_PROGRAM       "program"
#define API_START_INTENSITY     "intensity"
#define API_START_HEAT          "heat"
#define API_START_DURATION      "duration"
#define API_START_TIE           "tie_to_caller"

/* Start options as the user gave them; -1 / NULL: the daemon's default. */
typedef struct StartOptions {
        const char *program;
        int intensity;
        int heat;
        int64_t duration_s;
        bool tie_to_caller;
} StartOptions;

/* All known devices: an array of Device property objects, sorted by Address. */
int api_list_devices(Ctl *c, Value **ret);
/* A device's object path from an optional user argument: with none, the one
 * known device (a clear error for none or several). Sets c->device. */
int api_resolve_device(Ctl *c, const char *arg, char **ret_path);

int api_device_properties(Ctl *c, const char *path, Value **ret);
int api_connect(Ctl *c, const char *path);
int api_disconnect(Ctl *c, const char *path);
/* *ret_plan: Start's plan dict (API 2), or NULL from an API 1 daemon. */
int api_start(Ctl *c, const char *path, const StartOptions *o, Value **ret_plan);
int api_stop(Ctl *c, const char *path);
int api_stop_with_reason(Ctl *c, const char *path, const char *reason, sd_bus_error *ret_error);
int api_pause(Ctl *c, const char *path);
int api_resume(Ctl *c, const char *path);
int api_set_intensity(Ctl *c, const char *path, uint8_t level);
int api_set_heat(Ctl *c, const char *path, uint8_t level);

int api_start_discovery(Ctl *c);
int api_stop_discovery(Ctl *c);
int api_discovered(Ctl *c, Value **ret);
int api_add_device(Ctl *c, const char *address, char **ret_path);
int api_forget_device(Ctl *c, const char *path);
int api_stop_all(Ctl *c);
int api_get_limits(Ctl *c, Value **ret);
/* key → {value, min, max, default, type, source, unit, higher_is_safer, summary} */
int api_describe_limits(Ctl *c, Value **ret);
int api_set_limit(Ctl *c, const char *key, const Value *value);
int api_screening_questions(Ctl *c, Value **ret);
/* answers: an object of key → bool. */
int api_submit_screening(Ctl *c, const Value *answers);
int api_api_version(Ctl *c, uint64_t *ret);
int api_programs(Ctl *c, Value **ret);
int api_usage_today(Ctl *c, Value **ret);
int api_acknowledge_thermal(Ctl *c);
int api_reset_heat(Ctl *c);

/* History: times are seconds since the epoch; 0 means open-ended. */
int api_sessions(Ctl *c, int64_t since, int64_t until, Value **ret);
int api_daily_usage(Ctl *c, int64_t since, int64_t until, Value **ret);
/* Safety events: refusals, limit changes, cut-offs, stop reasons, lost links … */
int api_events(Ctl *c, int64_t since, int64_t until, Value **ret);
/* note: object with pain_before/pain_after (uint 0–10) and/or text (string). */
int api_add_note(Ctl *c, uint64_t session_id, const Value *note);
