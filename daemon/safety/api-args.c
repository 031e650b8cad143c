/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Decoded a{sv} dicts and the validation of Start/SetLimits/SubmitScreening/History arguments. */

#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api-args.h"
#include "massager-protocol.h"
#include "safety-i18n.h"

typedef struct KindInfo {
        const char *method;     /* "Start" */
        const char *argument;   /* "options": the a{sv}'s name in the introspection */
        const char *noun;       /* "Start option": one entry, in messages (translated where used) */
        size_t string_max;      /* the longest string value, bytes */
} KindInfo;

static const KindInfo kinds[_API_ARGS_KIND_MAX] = {
        [API_ARGS_START] = { "Start", "options", N_("Start option"), API_ARGS_STRING_MAX },
        [API_ARGS_LIMITS] = { "SetLimits", "limits", N_("limit"), API_ARGS_STRING_MAX },
        [API_ARGS_SCREENING] = { "SubmitScreening", "answers", N_("screening answer"), API_ARGS_STRING_MAX },
        [API_ARGS_NOTE] = { "SetNote", "note", N_("diary entry"), API_NOTE_MAX_BYTES },
};

static const KindInfo *kind_info(ApiArgsKind kind) {
        return (unsigned) kind < _API_ARGS_KIND_MAX ? &kinds[kind] : &kinds[API_ARGS_START];
}

const char *api_args_method(ApiArgsKind kind) {
        return (unsigned) kind < _API_ARGS_KIND_MAX ? kinds[kind].method : NULL;
}

size_t api_args_string_max(ApiArgsKind kind) {
        return kind_info(kind)->string_max;
}

/* Every refusal goes through here: -EINVAL with a sentence, or -ENOMEM without one. */
_printf_(2, 3) static int refuse(char **ret_message, const char *format, ...) {
        va_list ap;
        char *m = NULL;
        int n;

        va_start(ap, format);
        n = vasprintf(&m, format, ap);
        va_end(ap);
        if (n < 0)
                return -ENOMEM;
        if (ret_message)
                *ret_message = m;
        else
                free(m);
        return -EINVAL;
}

void api_args_init(ApiArgs *a, ApiArgsKind kind) {
        memset(a, 0, sizeof *a);
        a->kind = kind;
}

static void arg_free(ApiArg *e) {
        free(e->string);
        free(e->key);
        free(e->signature);
        memset(e, 0, sizeof *e);
}

void api_args_clear(ApiArgs *a) {
        if (!a)
                return;
        for (size_t i = 0; i < a->n && i < API_ARGS_MAX_ENTRIES; i++)
                arg_free(&a->entries[i]);
        a->n = 0;
}

bool api_signature_is_basic(const char *signature) {
        return signature && signature[0] && !signature[1] && strchr("ybnqiuxtdsog", signature[0]);
}

bool api_utf8_is_valid(const char *s, size_t len) {
        const unsigned char *p = (const unsigned char *) s;
        size_t i = 0;

        while (i < len) {
                unsigned c = p[i], n;
                uint32_t cp, min;

                if (c < 0x80) {
                        i++;
                        continue;
                }
                if ((c & 0xe0) == 0xc0)
                        n = 1, cp = c & 0x1f, min = 0x80;
                else if ((c & 0xf0) == 0xe0)
                        n = 2, cp = c & 0x0f, min = 0x800;
                else if ((c & 0xf8) == 0xf0)
                        n = 3, cp = c & 0x07, min = 0x10000;
                else
                        return false;
                if (len - i - 1 < n)
                        return false;
                for (unsigned k = 1; k <= n; k++) {
                        if ((p[i + k] & 0xc0) != 0x80)
                                return false;
                        cp = (cp << 6) | (p[i + k] & 0x3f);
                }
                if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
                        return false;
                i += n + 1;
        }
        return true;
}

/* The first at most `max` bytes of valid UTF-8 s, cut at a character boundary. */
static int utf8_prefix(const char *s, int max) {
        int n = max;
        while (n > 0 && ((unsigned char) s[n] & 0xc0) == 0x80)
                n--;
        return n;
}

static bool signature_is_plausible(const char *signature, size_t len) {
        if (len < 1 || len > API_ARGS_SIGNATURE_MAX)
                return false;
        for (size_t i = 0; i < len; i++)
                if (!signature[i] || !strchr("ybnqiuxtdsogvha(){}", signature[i]))
                        return false;
        return true;
}

static const ApiArg *args_find(const ApiArgs *a, const char *key) {
        for (size_t i = 0; i < a->n; i++)
                if (strcmp(a->entries[i].key, key) == 0)
                        return &a->entries[i];
        return NULL;
}

int api_args_add(ApiArgs *a, const char *key, const char *signature, const ApiValue *value, char **ret_message) {
        const KindInfo *k = kind_info(a->kind);
        size_t key_len, sig_len;
        ApiArg e = {};

        if (ret_message)
                *ret_message = NULL;
        if (!key || !signature)
                return refuse(ret_message, _("%s(): an entry of '%s' has no key or no type"), k->method, k->argument);
        if (a->n >= API_ARGS_MAX_ENTRIES)
                return refuse(ret_message, _("%s(): more than %u entries in '%s'; give each key at most once"),
                              k->method, API_ARGS_MAX_ENTRIES, k->argument);
        key_len = strlen(key);
        if (!api_utf8_is_valid(key, key_len))
                return refuse(ret_message, _("%s(): a key in '%s' is not valid UTF-8; the keys are plain ASCII names"),
                              k->method, k->argument);
        if (key_len > API_ARGS_KEY_MAX)
                return refuse(ret_message, _("%s '%.*s…' is a key of %zu bytes; no key is longer than %u bytes"),
                              _(k->noun), utf8_prefix(key, 32), key, key_len, API_ARGS_KEY_MAX);
        sig_len = strlen(signature);
        if (!signature_is_plausible(signature, sig_len))
                return refuse(ret_message, _("%s '%s' has no valid D-Bus type; give a variant of a basic type"),
                              _(k->noun), key);
        if (args_find(a, key))
                return refuse(ret_message, _("%s '%s' given twice; give each key once"), _(k->noun), key);

        e.basic = api_signature_is_basic(signature);
        if (e.basic) {
                if (!value)
                        return refuse(ret_message, _("%s '%s' has no value"), _(k->noun), key);
                e.value = *value;
                if (strchr("sog", signature[0])) {
                        size_t len = value->s ? strlen(value->s) : 0;
                        if (!value->s || !api_utf8_is_valid(value->s, len))
                                return refuse(ret_message, _("%s '%s' is not a valid UTF-8 string"), _(k->noun), key);
                        if (len > k->string_max)
                                return refuse(ret_message, _("%s '%s' is a string of %zu bytes; at most %zu are accepted"),
                                              _(k->noun), key, len, k->string_max);
                        e.string = strdup(value->s);
                        if (!e.string)
                                return -ENOMEM;
                        e.value.s = e.string;
                } else if (signature[0] == 'b')
                        e.value.b = !!value->b;
        }
        e.key = strdup(key);
        e.signature = strdup(signature);
        if (!e.key || !e.signature) {
                arg_free(&e);
                return -ENOMEM;
        }
        a->entries[a->n++] = e;
        return 0;
}

/* ---- Start ------------------------------------------------------------- */

static int start_type(const ApiArg *e, const char *want, char **ret_message) {
        if (strcmp(e->signature, want) == 0)
                return 0;
        return refuse(ret_message, _("Start option '%s' must have type '%s', not '%s'"), e->key, want, e->signature);
}

int api_start_options_parse(const ApiArgs *a, unsigned intensity_max, unsigned heat_max, ApiStartOptions *ret,
                            char **ret_message) {
        ApiStartOptions o = { .intensity = -1, .heat = -1, .duration_s = -1 };
        int r;

        if (ret_message)
                *ret_message = NULL;
        /* A device's own figures never lift a ceiling past the protocol's. */
        intensity_max = CLAMP(intensity_max, 1u, (unsigned) MASSAGER_INTENSITY_MAX);
        heat_max = MIN(heat_max, (unsigned) MASSAGER_HEAT_LEVELS_MAX);

        for (size_t i = 0; i < a->n; i++) {
                const ApiArg *e = &a->entries[i];

                if (strcmp(e->key, "program") == 0) {
                        if ((r = start_type(e, "s", ret_message)) < 0)
                                return r;
                        if (!*e->value.s)
                                return refuse(ret_message, _("Start option 'program' must not be empty; the Manager's "
                                              "Programs property lists the names"));
                        o.program = e->value.s;
                } else if (strcmp(e->key, "intensity") == 0) {
                        if ((r = start_type(e, "y", ret_message)) < 0)
                                return r;
                        if (e->value.y < 1 || e->value.y > intensity_max)
                                return refuse(ret_message, _("Start option 'intensity' %u out of range 1–%u"),
                                              e->value.y, intensity_max);
                        o.intensity = e->value.y;
                } else if (strcmp(e->key, "heat") == 0) {
                        if ((r = start_type(e, "y", ret_message)) < 0)
                                return r;
                        if (e->value.y > heat_max)
                                return refuse(ret_message, _("Start option 'heat' %u out of range 0–%u (0 = off)"),
                                              e->value.y, heat_max);
                        o.heat = e->value.y;
                } else if (strcmp(e->key, "duration") == 0) {
                        if ((r = start_type(e, "u", ret_message)) < 0)
                                return r;
                        if (e->value.u < API_START_DURATION_MIN_S || e->value.u > API_START_DURATION_MAX_S)
                                return refuse(ret_message, _("Start option 'duration' %u s out of range %u–%u s "
                                              "(longer than the session limit is capped to it)"), e->value.u,
                                              API_START_DURATION_MIN_S, API_START_DURATION_MAX_S);
                        o.duration_s = e->value.u;
                } else if (strcmp(e->key, "tie_to_caller") == 0) {
                        if ((r = start_type(e, "b", ret_message)) < 0)
                                return r;
                        o.tie_to_caller = e->value.b;
                } else
                        return refuse(ret_message, _("Unknown Start option '%s'; allowed: program (s), intensity (y), "
                                      "heat (y), duration (u), tie_to_caller (b)"), e->key);
        }
        *ret = o;
        return 0;
}

/* ---- SetLimits --------------------------------------------------------- */

int api_limits_parse(const ApiArgs *a, ApiLimitsRequest *ret, char **ret_message) {
        ApiLimitsRequest req = {};

        if (ret_message)
                *ret_message = NULL;
        for (size_t i = 0; i < a->n; i++) {
                const ApiArg *e = &a->entries[i];
                int id = limit_from_key(e->key);
                uint64_t v;

                if (id < 0)
                        return refuse(ret_message, _("unknown limit '%s'; GetLimits() lists the keys"), e->key);
                const LimitInfo *li = limit_info((LimitId) id);
                const char *want = li->type == LIMIT_TYPE_BOOL ? "b" : "u";
                if (strcmp(e->signature, want) != 0)
                        return refuse(ret_message, _("limit '%s' must have type '%s', not '%s'"), e->key, want,
                                      e->signature);
                v = li->type == LIMIT_TYPE_BOOL ? (uint64_t) e->value.b : (uint64_t) e->value.u;

                char *why = NULL;
                if (limit_validate((LimitId) id, v, &why) < 0) {
                        if (!why)
                                return -ENOMEM;
                        if (ret_message)
                                *ret_message = why;
                        else
                                free(why);
                        return -EINVAL;
                }
                req.value[id] = (uint32_t) v;
                req.set[id] = true;
        }
        *ret = req;
        return 0;
}

/* ---- SubmitScreening --------------------------------------------------- */

int api_screening_parse(const ApiArgs *a, ScreeningAnswers *ret, char **ret_message) {
        ScreeningAnswers answers = {};
        const char *missing;
        int r;

        if (ret_message)
                *ret_message = NULL;
        for (size_t i = 0; i < a->n; i++) {
                const ApiArg *e = &a->entries[i];

                if (strcmp(e->key, SCREENING_CLEARANCE_KEY) != 0 && strcmp(e->key, SCREENING_CORRECTION_KEY) != 0 &&
                    screening_question_from_key(e->key) < 0)
                        return refuse(ret_message, _("unknown screening question '%s'; the keys are in the "
                                      "ScreeningQuestions property (besides '%s' and '%s')"), e->key,
                                      SCREENING_CLEARANCE_KEY, SCREENING_CORRECTION_KEY);
                if (strcmp(e->signature, "b") != 0)
                        return refuse(ret_message, _("screening answer '%s' must be a boolean (b), not '%s'"), e->key,
                                      e->signature);
                r = screening_answers_set(&answers, e->key, e->value.b);
                if (r == -EEXIST)
                        return refuse(ret_message, _("screening question '%s' answered twice"), e->key);
                if (r < 0)
                        return refuse(ret_message, _("screening answer '%s' not accepted"), e->key);
        }
        if (screening_answers_complete(&answers, &missing) < 0)
                return refuse(ret_message, _("no answer for '%s': every screening question must be answered "
                              "(it cannot be skipped)"), missing);
        *ret = answers;
        return 0;
}

/* ---- History ----------------------------------------------------------- */

int api_history_range_check(int64_t from, int64_t to, char **ret_message) {
        if (ret_message)
                *ret_message = NULL;
        if (from < to)
                return 0;
        return refuse(ret_message, _("range is empty: 'from' (%lld) must be before 'to' (%lld), both in microseconds "
                      "since the epoch"), (long long) from, (long long) to);
}

int api_note_parse(const ApiArgs *a, ApiNoteRequest *ret, char **ret_message) {
        ApiNoteRequest n = { .pain_before = -1, .pain_after = -1 };

        if (ret_message)
                *ret_message = NULL;
        for (size_t i = 0; i < a->n; i++) {
                const ApiArg *e = &a->entries[i];
                bool before = strcmp(e->key, "pain_before") == 0;

                if ((before || strcmp(e->key, "pain_after") == 0) && strcmp(e->signature, "i") == 0) {
                        if (e->value.i < 0 || e->value.i > API_PAIN_MAX)
                                return refuse(ret_message, _("'%s' %d out of range 0–%d"), e->key, (int) e->value.i,
                                              API_PAIN_MAX);
                        *(before ? &n.pain_before : &n.pain_after) = e->value.i;
                } else if (strcmp(e->key, "note") == 0 && strcmp(e->signature, "s") == 0)
                        n.note = e->value.s;
                else
                        return refuse(ret_message, _("unknown diary key '%s' of type '%s'; allowed: pain_before (i), "
                                      "pain_after (i), note (s)"), e->key, e->signature);
        }
        *ret = n;
        return 0;
}
