/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The a{sv} arguments of Device.Start(options), Manager.SetLimits(limits),
 * Manager.SubmitScreening(answers) and History.SetNote(session, note), and
 * History's (from, to) ranges, decoded and validated without a bus: the one
 * place for each argument rule. Pure C, no I/O, no logging.
 *
 * The daemon's adapter (api-args-bus.c) reads a message into an ApiArgs with
 * api_args_add(); the fuzzer (tests/fuzz/fuzz-args.c) and the unit test
 * (tests/test-api-args.c) build the same dict from bytes or by hand. One
 * parse function per method turns the dict into its request or refuses it.
 *
 * Results: 0, or -EINVAL with *ret_message set (malloc'd, never empty, valid
 * UTF-8) to a sentence that names the argument, what was wrong and what to
 * do; the daemon sends it as org.freedesktop.DBus.Error.InvalidArgs. -ENOMEM
 * leaves *ret_message NULL.
 *
 * The dict itself is bounded: at most API_ARGS_MAX_ENTRIES entries, keys of
 * at most API_ARGS_KEY_MAX bytes, string values of at most
 * api_args_string_max() bytes (API_ARGS_STRING_MAX; a diary note
 * API_NOTE_MAX_BYTES), every key once, every string valid UTF-8. No method
 * takes more (SetLimits has the most keys, 14), so larger input is refused
 * before anything is allocated for it.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ledger.h"
#include "macro.h"
#include "safety-limits.h"
#include "screening.h"

#define API_ARGS_MAX_ENTRIES    32u
#define API_ARGS_KEY_MAX        64u     /* bytes; the longest key is 28 */
#define API_ARGS_STRING_MAX     256u    /* bytes; a program name is at most 32 */
#define API_ARGS_SIGNATURE_MAX  255u    /* D-Bus's own limit */

/* Start option 'duration', seconds (longer than the session limit is capped, not refused). */
#define API_START_DURATION_MIN_S        60u
#define API_START_DURATION_MAX_S        86400u

/* History.SetNote: pain on a 0 … 10 scale, a note of at most this many bytes (doc/dbus-api.md). */
#define API_PAIN_MAX                    LEDGER_PAIN_MAX
#define API_NOTE_MAX_BYTES              LEDGER_NOTE_MAX_BYTES

/* Which method's argument a dict is: names it in messages. */
typedef enum ApiArgsKind {
        API_ARGS_START,         /* Start(a{sv} options) */
        API_ARGS_LIMITS,        /* SetLimits(a{sv} limits) */
        API_ARGS_SCREENING,     /* SubmitScreening(a{sv} answers) */
        API_ARGS_NOTE,          /* History.SetNote(t session, a{sv} note) */
        _API_ARGS_KIND_MAX,
} ApiArgsKind;

/* A variant's value when its signature is one basic type (not 'h'). */
typedef union ApiValue {
        uint8_t y;
        bool b;
        int16_t n;
        uint16_t q;
        int32_t i;
        uint32_t u;
        int64_t x;
        uint64_t t;
        double d;
        const char *s;          /* 's', 'o', 'g'; owned by the dict once added */
} ApiValue;

typedef struct ApiArg {
        char *key;
        char *signature;        /* the variant's contents: "u", "s", "as", "a{sv}" … */
        bool basic;             /* value holds it; otherwise only the signature is kept */
        ApiValue value;
        char *string;           /* the copy value.s points to ('s', 'o', 'g'), owned */
} ApiArg;

typedef struct ApiArgs {
        ApiArgsKind kind;
        size_t n;
        ApiArg entries[API_ARGS_MAX_ENTRIES];
} ApiArgs;

void api_args_init(ApiArgs *a, ApiArgsKind kind);
void api_args_clear(ApiArgs *a);        /* frees the entries; a stays usable (empty) */

/* "Start", "SetLimits", "SubmitScreening", "SetNote"; NULL when out of range. */
const char *api_args_method(ApiArgsKind kind);

/* The longest string value a dict of this kind takes, in bytes. */
size_t api_args_string_max(ApiArgsKind kind);

/* True for a signature of exactly one basic type that ApiValue holds
 * ("y", "b", "n", "q", "i", "u", "x", "t", "d", "s", "o", "g"). */
bool api_signature_is_basic(const char *signature);

/* True if s is valid UTF-8 (no overlong forms, surrogates or code points past U+10FFFF). */
bool api_utf8_is_valid(const char *s, size_t len);

/*
 * Appends one entry, copying key, signature and a string value. value must be
 * non-NULL when the signature is basic and is ignored otherwise (a non-basic
 * entry is kept by its signature, so that a validator can refuse it by name).
 * Refuses (-EINVAL + message) the 33rd entry, an over-long key or string, a
 * key or string that is not valid UTF-8, an empty or over-long signature, and
 * a key given twice.
 */
int api_args_add(ApiArgs *a, const char *key, const char *signature, const ApiValue *value, char **ret_message);

/* ---- Device.Start(a{sv} options) ---- */

typedef struct ApiStartOptions {
        const char *program;    /* NULL: the default program; borrowed from the dict */
        int intensity;          /* -1: the program's; else 1 … intensity ceiling */
        int heat;               /* -1: the program's; else 0 … heat ceiling */
        int64_t duration_s;     /* -1: the program's; else API_START_DURATION_MIN_S … _MAX_S */
        bool tie_to_caller;
} ApiStartOptions;

/*
 * Keys: program s (not empty), intensity y (1 … intensity_max), heat y
 * (0 … heat_max, 0 = off), duration u (seconds), tie_to_caller b; all
 * optional. The device's ceilings are themselves capped by the protocol's
 * (MASSAGER_INTENSITY_MAX, MASSAGER_HEAT_LEVELS_MAX; intensity_max at least 1),
 * so nothing accepted here is past what any model allows.
 */
int api_start_options_parse(const ApiArgs *a, unsigned intensity_max, unsigned heat_max, ApiStartOptions *ret,
                            char **ret_message);

/* ---- Manager.SetLimits(a{sv} limits) ---- */

typedef struct ApiLimitsRequest {
        uint32_t value[_LIMIT_MAX];     /* valid where set[]: within limit_validate()'s range */
        bool set[_LIMIT_MAX];
} ApiLimitsRequest;

/* Keys of safety-limits.h, each with its type ('u' or 'b') and range; an empty dict changes nothing. */
int api_limits_parse(const ApiArgs *a, ApiLimitsRequest *ret, char **ret_message);

/* ---- Manager.SubmitScreening(a{sv} answers) ---- */

/* One boolean per ScreeningQuestion key, every one required, plus the optional
 * SCREENING_CLEARANCE_KEY. On success *ret is complete (answered == SCREENING_ALL_MASK). */
int api_screening_parse(const ApiArgs *a, ScreeningAnswers *ret, char **ret_message);

/* ---- History ---- */

/* GetSessions/GetUsagePerDay/GetEvents(x from, x to), wall-clock µs since the
 * epoch: the range must not be empty (from < to). */
int api_history_range_check(int64_t from, int64_t to, char **ret_message);

typedef struct ApiNoteRequest {
        int pain_before;        /* -1: not given; else 0 … API_PAIN_MAX */
        int pain_after;         /* likewise */
        const char *note;       /* NULL: not given; else ≤ API_NOTE_MAX_BYTES, borrowed from the dict */
} ApiNoteRequest;

/* SetNote's diary entry: keys pain_before i, pain_after i, note s; all optional. */
int api_note_parse(const ApiArgs *a, ApiNoteRequest *ret, char **ret_message);
