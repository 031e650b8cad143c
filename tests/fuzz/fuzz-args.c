/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target: the a{sv} arguments of Device.Start, Manager.SetLimits,
 * Manager.SubmitScreening and History.SetNote, and History's (from, to)
 * ranges (daemon/safety/api-args.c), the same code the daemon runs after
 * reading the message. The input describes one dict; it is built four times
 * (once per method, through api_args_add() like the bus adapter) and handed
 * to each validator. Its first 16 bytes, read as two int64, are also a range.
 *
 * Input format (all integers little-endian; a truncated entry ends the dict):
 *
 *   byte 0        the device's intensity ceiling (IntensityMax; any 0…255)
 *   byte 1        the device's heat ceiling (HeatLevels; any 0…255)
 *   then entries, each:
 *     u8  K       key length, then K bytes of key
 *     u8  S       signature length, then S bytes of the variant's signature
 *     value, only when the signature is one basic type:
 *       y b       1 byte (b: any non-zero is true)
 *       n q       2 bytes
 *       i u       4 bytes
 *       x t d     8 bytes
 *       s o g     u16 length L, then L bytes
 *   A NUL inside a key, signature or string ends that string (as a C string).
 *
 * Invariants (abort() on violation):
 *   - every refusal, of the dict or of a validator, is -EINVAL with a
 *     non-empty, valid UTF-8 message (or -ENOMEM without one);
 *   - a validator's refusal names a key of the dict in quotes (or, for a
 *     screening, the first question left unanswered);
 *   - the dict holds at most API_ARGS_MAX_ENTRIES entries, keys of at most
 *     API_ARGS_KEY_MAX bytes, strings of at most api_args_string_max() bytes,
 *     all valid UTF-8, no key twice;
 *   - an accepted Start is within the device's ceilings AND the protocol's
 *     (intensity 1…MASSAGER_INTENSITY_MAX, heat 0…MASSAGER_HEAT_LEVELS_MAX),
 *     duration within API_START_DURATION_MIN_S…_MAX_S, program non-empty;
 *   - accepted limits each pass limit_validate() (the hard limits), one per entry;
 *   - an accepted screening answers every question;
 *   - an accepted diary entry has pain -1 (not given) or 0…API_PAIN_MAX and
 *     a note of at most API_NOTE_MAX_BYTES; a range is accepted iff from < to.
 */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api-args.h"
#include "massager-protocol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct Reader {
        const uint8_t *p;
        size_t left;
} Reader;

static bool take(Reader *r, size_t n, const uint8_t **ret) {
        if (r->left < n)
                return false;
        *ret = r->p;
        r->p += n;
        r->left -= n;
        return true;
}

static uint64_t le(const uint8_t *p, size_t n) {
        uint64_t v = 0;
        for (size_t i = n; i > 0; i--)
                v = (v << 8) | p[i - 1];
        return v;
}

/* n bytes as a C string, cut at a NUL; NULL when the input is short or memory is. */
static char *take_string(Reader *r, size_t n) {
        const uint8_t *p;
        if (!take(r, n, &p))
                return NULL;
        return strndup((const char *) p, n);
}

static void check_message(int r, const char *message) {
        if (r == -ENOMEM)
                return;
        if (r != -EINVAL || !message || !*message || !api_utf8_is_valid(message, strlen(message)))
                abort();
}

/* Does message contain key between open and close ("'key'", or "key key:" as limit_validate() says)? */
static bool names(const char *message, const char *open, const char *key, const char *close) {
        char *s = NULL;
        bool found;

        if (asprintf(&s, "%s%s%s", open, key, close) < 0)
                return true;    /* cannot tell */
        found = strstr(message, s) != NULL;
        free(s);
        return found;
}

/* A validator's refusal names one of the keys. */
static void check_names_a_key(const ApiArgs *a, const char *message) {
        for (size_t i = 0; i < a->n; i++)
                if (names(message, "'", a->entries[i].key, "'") || names(message, "key ", a->entries[i].key, ":"))
                        return;
        abort();
}

static void check_dict(const ApiArgs *a) {
        if (a->n > API_ARGS_MAX_ENTRIES)
                abort();
        for (size_t i = 0; i < a->n; i++) {
                const ApiArg *e = &a->entries[i];
                size_t n = strlen(e->key);
                if (n > API_ARGS_KEY_MAX || !api_utf8_is_valid(e->key, n))
                        abort();
                if (e->basic != api_signature_is_basic(e->signature))
                        abort();
                if (e->basic && strchr("sog", e->signature[0]) &&
                    (strlen(e->value.s) > api_args_string_max(a->kind) ||
                     !api_utf8_is_valid(e->value.s, strlen(e->value.s))))
                        abort();
                for (size_t j = 0; j < i; j++)
                        if (strcmp(a->entries[j].key, e->key) == 0)
                                abort();
        }
}

/* Decodes the entries into a; stops at the end of the input or the first refused entry (as the daemon does). */
static void decode(const uint8_t *data, size_t size, ApiArgs *a) {
        Reader r = { data, size };

        for (;;) {
                char *key = NULL, *sig = NULL, *message = NULL, *str = NULL;
                const uint8_t *len, *v;
                ApiValue value = {};
                int k;

                if (!take(&r, 1, &len) || !(key = take_string(&r, len[0])))
                        goto end;
                if (!take(&r, 1, &len) || !(sig = take_string(&r, len[0])))
                        goto end;
                if (api_signature_is_basic(sig)) {
                        switch (sig[0]) {
                        case 'y':
                        case 'b':
                                if (!take(&r, 1, &v))
                                        goto end;
                                if (sig[0] == 'b')
                                        value.b = v[0] != 0;
                                else
                                        value.y = v[0];
                                break;
                        case 'n':
                        case 'q':
                                if (!take(&r, 2, &v))
                                        goto end;
                                value.q = (uint16_t) le(v, 2);
                                break;
                        case 'i':
                        case 'u':
                                if (!take(&r, 4, &v))
                                        goto end;
                                value.u = (uint32_t) le(v, 4);
                                break;
                        case 'd': {
                                if (!take(&r, 8, &v))
                                        goto end;
                                uint64_t bits = le(v, 8);
                                memcpy(&value.d, &bits, sizeof value.d);
                                break;
                        }
                        case 'x':
                        case 't':
                                if (!take(&r, 8, &v))
                                        goto end;
                                value.t = le(v, 8);
                                break;
                        default:        /* s, o, g: api_signature_is_basic() admits no other */
                                if (!take(&r, 2, &v) || !(str = take_string(&r, (size_t) le(v, 2))))
                                        goto end;
                                value.s = str;
                                break;
                        }
                }
                size_t before = a->n;
                k = api_args_add(a, key, sig, &value, &message);
                if (k < 0) {
                        check_message(k, message);
                        if (a->n != before)
                                abort();
                } else if (a->n != before + 1 || message || strcmp(a->entries[before].key, key) != 0)
                        abort();
                free(key);
                free(sig);
                free(str);
                free(message);
                if (k < 0)
                        return;
                continue;
        end:
                free(key);
                free(sig);
                free(str);
                return;
        }
}

static void fuzz_start(const ApiArgs *a, unsigned intensity_max, unsigned heat_max) {
        ApiStartOptions o;
        char *message = NULL;
        int r = api_start_options_parse(a, intensity_max, heat_max, &o, &message);

        if (r < 0) {
                check_message(r, message);
                if (message)
                        check_names_a_key(a, message);
                free(message);
                return;
        }
        if (message)
                abort();
        if (o.intensity != -1 && (o.intensity < 1 || o.intensity > MASSAGER_INTENSITY_MAX ||
                                  (intensity_max >= 1 && (unsigned) o.intensity > intensity_max) ||
                                  (intensity_max == 0 && o.intensity != 1)))
                abort();
        if (o.heat != -1 && (o.heat < 0 || o.heat > MASSAGER_HEAT_LEVELS_MAX || (unsigned) o.heat > heat_max))
                abort();
        if (o.duration_s != -1 && (o.duration_s < API_START_DURATION_MIN_S || o.duration_s > API_START_DURATION_MAX_S))
                abort();
        if (o.program && (!*o.program || strlen(o.program) > API_ARGS_STRING_MAX))
                abort();
        if (a->n > 5)           /* five keys, each at most once */
                abort();
}

static void fuzz_limits(const ApiArgs *a) {
        ApiLimitsRequest req;
        char *message = NULL;
        int r = api_limits_parse(a, &req, &message);
        size_t set = 0;

        if (r < 0) {
                check_message(r, message);
                if (message)
                        check_names_a_key(a, message);
                free(message);
                return;
        }
        if (message)
                abort();
        for (unsigned id = 0; id < _LIMIT_MAX; id++)
                if (req.set[id]) {
                        set++;
                        if (limit_validate(id, req.value[id], NULL) < 0)
                                abort();
                }
        if (set != a->n)
                abort();
}

static void fuzz_screening(const ApiArgs *a) {
        ScreeningAnswers ans;
        char *message = NULL;
        int r = api_screening_parse(a, &ans, &message);

        if (r < 0) {
                check_message(r, message);
                if (message && !strstr(message, "no answer for '"))
                        check_names_a_key(a, message);
                free(message);
                return;
        }
        if (message || ans.answered != SCREENING_ALL_MASK || (ans.yes & ~SCREENING_ALL_MASK))
                abort();
}

static void fuzz_note(const ApiArgs *a) {
        ApiNoteRequest n;
        char *message = NULL;
        int r = api_note_parse(a, &n, &message);

        if (r < 0) {
                check_message(r, message);
                if (message)
                        check_names_a_key(a, message);
                free(message);
                return;
        }
        if (message)
                abort();
        if (n.pain_before < -1 || n.pain_before > API_PAIN_MAX || n.pain_after < -1 || n.pain_after > API_PAIN_MAX)
                abort();
        if (n.note && strlen(n.note) > API_NOTE_MAX_BYTES)
                abort();
        if (a->n > 3)           /* three keys, each at most once */
                abort();
}

static void fuzz_range(const uint8_t *data, size_t size) {
        char *message = NULL;
        int64_t from, to;
        int r;

        if (size < 16)
                return;
        from = (int64_t) le(data, 8);
        to = (int64_t) le(data + 8, 8);
        r = api_history_range_check(from, to, &message);
        if (r < 0) {
                check_message(r, message);
                if (message && (from < to || !strstr(message, "'from'")))
                        abort();
        } else if (message || from >= to)
                abort();
        free(message);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        unsigned intensity_max = size > 0 ? data[0] : MASSAGER_INTENSITY_MAX;
        unsigned heat_max = size > 1 ? data[1] : MASSAGER_HEAT_LEVELS_MAX;
        size_t skip = size < 2 ? size : 2;
        ApiArgs a;

        api_args_init(&a, API_ARGS_START);
        decode(data + skip, size - skip, &a);
        check_dict(&a);
        fuzz_start(&a, intensity_max, heat_max);
        api_args_clear(&a);

        api_args_init(&a, API_ARGS_LIMITS);
        decode(data + skip, size - skip, &a);
        check_dict(&a);
        fuzz_limits(&a);
        api_args_clear(&a);

        api_args_init(&a, API_ARGS_SCREENING);
        decode(data + skip, size - skip, &a);
        check_dict(&a);
        fuzz_screening(&a);
        api_args_clear(&a);

        api_args_init(&a, API_ARGS_NOTE);
        decode(data + skip, size - skip, &a);
        check_dict(&a);
        fuzz_note(&a);
        api_args_clear(&a);

        fuzz_range(data, size);
        return 0;
}
