/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The a{sv} arguments of Start, SetLimits, SubmitScreening and SetNote, and History's
 * ranges (daemon/safety/api-args.c):
 * the dict's bounds, then every key of each method at its boundaries, wrong
 * types, unknown and duplicate keys, missing answers and empty dicts. The
 * messages are the ones the daemon sends as InvalidArgs. */

#include "config.h"

#include <errno.h>
#include <glib.h>
#include <string.h>

#include "api-args.h"
#include "massager-protocol.h"

/* ---- helpers ---- */

static void add_ok(ApiArgs *a, const char *key, const char *sig, ApiValue v) {
        char *why = NULL;
        int r = api_args_add(a, key, sig, &v, &why);
        if (r < 0)
                g_error("api_args_add(%s, %s): %d %s", key, sig, r, why);
        g_assert_null(why);
}

static void add_y(ApiArgs *a, const char *key, uint8_t v) {
        add_ok(a, key, "y", (ApiValue) { .y = v });
}

static void add_u(ApiArgs *a, const char *key, uint32_t v) {
        add_ok(a, key, "u", (ApiValue) { .u = v });
}

static void add_b(ApiArgs *a, const char *key, bool v) {
        add_ok(a, key, "b", (ApiValue) { .b = v });
}

static void add_s(ApiArgs *a, const char *key, const char *v) {
        add_ok(a, key, "s", (ApiValue) { .s = v });
}

/* A refusal: -EINVAL, and a non-empty UTF-8 sentence containing `want`. */
/* why is a pointer: the call that fills it is an argument of the same call. */
static void assert_refused(int r, char **whyp, const char *want) {
        char *why = *whyp;
        g_assert_cmpint(r, ==, -EINVAL);
        g_assert_nonnull(why);
        g_assert_cmpuint(strlen(why), >, 0);
        g_assert_true(api_utf8_is_valid(why, strlen(why)));
        if (!strstr(why, want))
                g_error("message '%s' does not contain '%s'", why, want);
        free(why);
}

static void assert_add_refused(ApiArgs *a, const char *key, const char *sig, ApiValue v, const char *want) {
        char *why = NULL;
        size_t n = a->n;
        assert_refused(api_args_add(a, key, sig, &v, &why), &why, want);
        g_assert_cmpuint(a->n, ==, n);        /* nothing added */
}

/* ---- the dict ---- */

static void test_utf8(void) {
        static const struct {
                const char *s;
                bool valid;
        } cases[] = {
                { "", true },
                { "program", true },
                { "\xc3\xa9", true },                   /* é */
                { "\xe2\x80\x93", true },               /* – */
                { "\xf0\x9f\x98\x80", true },           /* U+1F600 */
                { "\xf4\x8f\xbf\xbf", true },           /* U+10FFFF */
                { "\xc3", false },                      /* truncated */
                { "\xe2\x80", false },
                { "\x80", false },                      /* lone continuation */
                { "\xc0\xaf", false },                  /* overlong '/' */
                { "\xe0\x80\xaf", false },              /* overlong */
                { "\xed\xa0\x80", false },              /* surrogate U+D800 */
                { "\xf4\x90\x80\x80", false },          /* past U+10FFFF */
                { "\xff", false },
                { "a\xc3(", false },                    /* bad continuation */
        };
        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++)
                g_assert_cmpint(api_utf8_is_valid(cases[i].s, strlen(cases[i].s)), ==, cases[i].valid);
}

static void test_signature_basic(void) {
        static const char *const basic[] = { "y", "b", "n", "q", "i", "u", "x", "t", "d", "s", "o", "g" };
        static const char *const other[] = { "", "h", "v", "as", "a{sv}", "(uu)", "uu", "ay", NULL };
        for (size_t i = 0; i < G_N_ELEMENTS(basic); i++)
                g_assert_true(api_signature_is_basic(basic[i]));
        for (size_t i = 0; i < G_N_ELEMENTS(other); i++)
                g_assert_false(api_signature_is_basic(other[i]));
}

static void test_dict_entries(void) {
        ApiArgs a;
        char key[16];

        api_args_init(&a, API_ARGS_LIMITS);
        for (unsigned i = 0; i < API_ARGS_MAX_ENTRIES; i++) {
                g_snprintf(key, sizeof key, "k%u", i);
                add_u(&a, key, i);
        }
        g_assert_cmpuint(a.n, ==, API_ARGS_MAX_ENTRIES);
        assert_add_refused(&a, "one-more", "u", (ApiValue) { .u = 1 }, "SetLimits(): more than 32 entries in 'limits'");
        api_args_clear(&a);
        g_assert_cmpuint(a.n, ==, 0);
        add_u(&a, "k0", 1);     /* usable again after a clear */
        api_args_clear(&a);
        api_args_clear(NULL);
}

static void test_dict_keys(void) {
        ApiArgs a;
        char key[API_ARGS_KEY_MAX + 2];
        char *why = NULL;

        api_args_init(&a, API_ARGS_START);
        memset(key, 'k', API_ARGS_KEY_MAX);
        key[API_ARGS_KEY_MAX] = '\0';
        add_u(&a, key, 1);                                      /* 64 bytes: accepted by the dict */
        key[API_ARGS_KEY_MAX] = 'k';
        key[API_ARGS_KEY_MAX + 1] = '\0';
        assert_add_refused(&a, key, "u", (ApiValue) {}, "Start option 'kkkk");
        assert_add_refused(&a, key, "u", (ApiValue) {}, "65 bytes");

        /* An over-long key of two-byte characters: the quoted prefix is cut between characters. */
        GString *s = g_string_new(NULL);
        for (int i = 0; i < 40; i++)
                g_string_append(s, "\xc3\xa9");
        g_assert_cmpint(api_args_add(&a, s->str, "u", &(ApiValue) {}, &why), ==, -EINVAL);
        g_assert_true(api_utf8_is_valid(why, strlen(why)));
        g_assert_nonnull(strstr(why, "80 bytes"));
        g_clear_pointer(&why, free);
        g_string_free(s, TRUE);

        assert_add_refused(&a, "bad\xff", "u", (ApiValue) {}, "not valid UTF-8");
        assert_add_refused(&a, NULL, "u", (ApiValue) {}, "no key");
        add_u(&a, "", 1);                                       /* empty: the validator names it unknown */
        api_args_clear(&a);
}

static void test_dict_values(void) {
        ApiArgs a;
        char big[API_ARGS_STRING_MAX + 2];
        char *why = NULL;

        api_args_init(&a, API_ARGS_START);
        memset(big, 'p', API_ARGS_STRING_MAX);
        big[API_ARGS_STRING_MAX] = '\0';
        add_s(&a, "at-max", big);
        g_assert_true(a.entries[0].value.s != big);             /* copied */
        g_assert_cmpstr(a.entries[0].value.s, ==, big);
        big[API_ARGS_STRING_MAX] = 'p';
        big[API_ARGS_STRING_MAX + 1] = '\0';
        assert_add_refused(&a, "too-long", "s", (ApiValue) { .s = big }, "a string of 257 bytes; at most 256");
        assert_add_refused(&a, "bad", "s", (ApiValue) { .s = "\xc3" }, "not a valid UTF-8 string");
        assert_add_refused(&a, "null", "o", (ApiValue) { .s = NULL }, "not a valid UTF-8 string");
        g_assert_cmpint(api_args_add(&a, "novalue", "u", NULL, &why), ==, -EINVAL);
        g_assert_nonnull(strstr(why, "has no value"));
        g_clear_pointer(&why, free);

        /* Non-basic: kept by its signature, no value needed. */
        g_assert_cmpint(api_args_add(&a, "list", "as", NULL, &why), ==, 0);
        g_assert_null(why);
        g_assert_false(a.entries[1].basic);
        g_assert_cmpstr(a.entries[1].signature, ==, "as");
        add_ok(&a, "fd", "h", (ApiValue) {});
        g_assert_false(a.entries[2].basic);

        /* Booleans are normalised; the union's other bytes do not leak into them. */
        add_ok(&a, "flag", "b", (ApiValue) { .b = true });
        g_assert_true(a.entries[3].value.b);

        /* Signatures: empty, outside the D-Bus alphabet, longer than D-Bus allows. */
        char sig[API_ARGS_SIGNATURE_MAX + 2];
        memset(sig, 'a', sizeof sig - 2);
        sig[API_ARGS_SIGNATURE_MAX - 1] = 'u';
        sig[API_ARGS_SIGNATURE_MAX] = '\0';
        add_ok(&a, "deep", sig, (ApiValue) {});
        sig[API_ARGS_SIGNATURE_MAX - 1] = 'a';
        sig[API_ARGS_SIGNATURE_MAX] = 'u';
        sig[API_ARGS_SIGNATURE_MAX + 1] = '\0';
        assert_add_refused(&a, "deeper", sig, (ApiValue) {}, "has no valid D-Bus type");
        assert_add_refused(&a, "empty", "", (ApiValue) {}, "has no valid D-Bus type");
        assert_add_refused(&a, "odd", "z", (ApiValue) {}, "has no valid D-Bus type");
        assert_add_refused(&a, "nosig", NULL, (ApiValue) {}, "no key or no type");
        api_args_clear(&a);
}

static void test_dict_duplicates(void) {
        ApiArgs a;

        api_args_init(&a, API_ARGS_START);
        add_y(&a, "intensity", 3);
        assert_add_refused(&a, "intensity", "y", (ApiValue) { .y = 4 }, "Start option 'intensity' given twice");
        assert_add_refused(&a, "intensity", "s", (ApiValue) { .s = "x" }, "given twice");
        g_assert_cmpuint(a.entries[0].value.y, ==, 3);          /* the first stays */
        api_args_clear(&a);

        api_args_init(&a, API_ARGS_SCREENING);
        add_b(&a, "pacemaker", false);
        assert_add_refused(&a, "pacemaker", "b", (ApiValue) { .b = true }, "screening answer 'pacemaker' given twice");
        api_args_clear(&a);

        g_assert_cmpstr(api_args_method(API_ARGS_START), ==, "Start");
        g_assert_cmpstr(api_args_method(API_ARGS_LIMITS), ==, "SetLimits");
        g_assert_cmpstr(api_args_method(API_ARGS_SCREENING), ==, "SubmitScreening");
        g_assert_null(api_args_method(_API_ARGS_KIND_MAX));
}

/* ---- Start ---- */

static void test_start_empty(void) {
        ApiArgs a;
        ApiStartOptions o = { .intensity = 99 };
        char *why = NULL;

        api_args_init(&a, API_ARGS_START);
        g_assert_cmpint(api_start_options_parse(&a, 10, 4, &o, &why), ==, 0);
        g_assert_null(why);
        g_assert_null(o.program);
        g_assert_cmpint(o.intensity, ==, -1);
        g_assert_cmpint(o.heat, ==, -1);
        g_assert_cmpint(o.duration_s, ==, -1);
        g_assert_false(o.tie_to_caller);
}

static void test_start_boundaries(void) {
        static const struct {
                uint8_t intensity, heat;
                uint32_t duration;
                bool tie;
        } ok[] = {
                { 1, 0, API_START_DURATION_MIN_S, false },
                { MASSAGER_INTENSITY_MAX, MASSAGER_HEAT_LEVELS_MAX, API_START_DURATION_MAX_S, true },
                { 5, 2, 900, true },
        };
        for (size_t i = 0; i < G_N_ELEMENTS(ok); i++) {
                ApiArgs a;
                ApiStartOptions o;
                char *why = NULL;

                api_args_init(&a, API_ARGS_START);
                add_s(&a, "program", "gentle");
                add_y(&a, "intensity", ok[i].intensity);
                add_y(&a, "heat", ok[i].heat);
                add_u(&a, "duration", ok[i].duration);
                add_b(&a, "tie_to_caller", ok[i].tie);
                g_assert_cmpint(api_start_options_parse(&a, MASSAGER_INTENSITY_MAX, MASSAGER_HEAT_LEVELS_MAX, &o,
                                                        &why), ==, 0);
                g_assert_cmpstr(o.program, ==, "gentle");
                g_assert_cmpint(o.intensity, ==, ok[i].intensity);
                g_assert_cmpint(o.heat, ==, ok[i].heat);
                g_assert_cmpint(o.duration_s, ==, ok[i].duration);
                g_assert_cmpint(o.tie_to_caller, ==, ok[i].tie);
                api_args_clear(&a);
        }
}

typedef struct StartCase {
        const char *name;
        const char *key, *sig;
        ApiValue value;
        unsigned intensity_max, heat_max;
        const char *want;
} StartCase;

static const StartCase start_refused[] = {
        { "intensity-0", "intensity", "y", { .y = 0 }, 10, 4, "Start option 'intensity' 0 out of range 1–10" },
        { "intensity-11", "intensity", "y", { .y = 11 }, 10, 4, "Start option 'intensity' 11 out of range 1–10" },
        { "intensity-255", "intensity", "y", { .y = 255 }, 10, 4, "255 out of range 1–10" },
        { "intensity-device-max", "intensity", "y", { .y = 6 }, 5, 4, "6 out of range 1–5" },
        /* A device claiming more than the protocol allows is held to the protocol. */
        { "intensity-device-absurd", "intensity", "y", { .y = 11 }, 200, 4, "11 out of range 1–10" },
        { "intensity-device-0", "intensity", "y", { .y = 2 }, 0, 4, "2 out of range 1–1" },
        { "heat-5", "heat", "y", { .y = 5 }, 10, 4, "Start option 'heat' 5 out of range 0–4 (0 = off)" },
        { "heat-no-heater", "heat", "y", { .y = 1 }, 10, 0, "'heat' 1 out of range 0–0" },
        { "heat-device-absurd", "heat", "y", { .y = 5 }, 10, 99, "'heat' 5 out of range 0–4" },
        { "duration-59", "duration", "u", { .u = 59 }, 10, 4, "Start option 'duration' 59 s out of range 60–86400 s" },
        { "duration-86401", "duration", "u", { .u = 86401 }, 10, 4, "86401 s out of range 60–86400 s" },
        { "duration-0", "duration", "u", { .u = 0 }, 10, 4, "'duration' 0 s out of range" },
        { "duration-max", "duration", "u", { .u = UINT32_MAX }, 10, 4, "4294967295 s out of range" },
        { "program-empty", "program", "s", { .s = "" }, 10, 4, "Start option 'program' must not be empty" },
        { "program-type", "program", "o", { .s = "/gentle" }, 10, 4, "Start option 'program' must have type 's', not 'o'" },
        { "intensity-type-u", "intensity", "u", { .u = 3 }, 10, 4, "Start option 'intensity' must have type 'y', not 'u'" },
        { "intensity-type-array", "intensity", "ay", {}, 10, 4, "must have type 'y', not 'ay'" },
        { "heat-type-b", "heat", "b", { .b = true }, 10, 4, "'heat' must have type 'y', not 'b'" },
        { "duration-type-t", "duration", "t", { .t = 600 }, 10, 4, "'duration' must have type 'u', not 't'" },
        { "tie-type-u", "tie_to_caller", "u", { .u = 1 }, 10, 4, "'tie_to_caller' must have type 'b', not 'u'" },
        { "tie-type-variant", "tie_to_caller", "v", {}, 10, 4, "must have type 'b', not 'v'" },
        { "unknown", "bogus", "s", { .s = "x" }, 10, 4, "Unknown Start option 'bogus'; allowed: program (s)" },
        { "unknown-empty", "", "u", { .u = 1 }, 10, 4, "Unknown Start option ''" },
        { "unknown-case", "Intensity", "y", { .y = 3 }, 10, 4, "Unknown Start option 'Intensity'" },
};

static void run_start_refused(gconstpointer data) {
        const StartCase *c = data;
        ApiArgs a;
        ApiStartOptions o = { .intensity = 42 };
        char *why = NULL;

        api_args_init(&a, API_ARGS_START);
        /* A good entry first: one bad entry refuses the whole call. */
        if (strcmp(c->key, "heat") == 0)
                add_y(&a, "intensity", 1);
        else
                add_y(&a, "heat", 0);
        add_ok(&a, c->key, c->sig, c->value);
        assert_refused(api_start_options_parse(&a, c->intensity_max, c->heat_max, &o, &why), &why, c->want);
        g_assert_cmpint(o.intensity, ==, 42);   /* untouched on refusal */
        api_args_clear(&a);
}

static void test_start_device_ceilings(void) {
        ApiArgs a;
        ApiStartOptions o;
        char *why = NULL;

        api_args_init(&a, API_ARGS_START);
        add_y(&a, "intensity", 5);
        add_y(&a, "heat", 2);
        g_assert_cmpint(api_start_options_parse(&a, 5, 2, &o, &why), ==, 0);
        g_assert_cmpint(o.intensity, ==, 5);
        g_assert_cmpint(o.heat, ==, 2);
        api_args_clear(&a);
}

/* ---- SetLimits ---- */

static void limits_refused(const ApiArgs *a, const char *want) {
        ApiLimitsRequest req;
        char *why = NULL;
        assert_refused(api_limits_parse(a, &req, &why), &why, want);
}

static void add_limit(ApiArgs *a, LimitId id, uint32_t v) {
        const LimitInfo *li = limit_info(id);
        if (li->type == LIMIT_TYPE_BOOL)
                add_b(a, li->key, v);
        else
                add_u(a, li->key, v);
}

static void test_limits_empty(void) {
        ApiArgs a;
        ApiLimitsRequest req;
        char *why = NULL;

        api_args_init(&a, API_ARGS_LIMITS);
        g_assert_cmpint(api_limits_parse(&a, &req, &why), ==, 0);
        for (unsigned id = 0; id < _LIMIT_MAX; id++)
                g_assert_false(req.set[id]);
}

static void test_limits_boundaries(void) {
        /* Every limit at its floor, then every limit at its hard limit, all in one call each. */
        for (int top = 0; top <= 1; top++) {
                ApiArgs a;
                ApiLimitsRequest req;
                char *why = NULL;

                api_args_init(&a, API_ARGS_LIMITS);
                for (unsigned id = 0; id < _LIMIT_MAX; id++)
                        add_limit(&a, id, top ? limit_info(id)->max : limit_info(id)->min);
                g_assert_cmpint(api_limits_parse(&a, &req, &why), ==, 0);
                g_assert_null(why);
                for (unsigned id = 0; id < _LIMIT_MAX; id++) {
                        g_assert_true(req.set[id]);
                        g_assert_cmpuint(req.value[id], ==, top ? limit_info(id)->max : limit_info(id)->min);
                }
                api_args_clear(&a);
        }
}

static void test_limits_refused_each(void) {
        for (unsigned id = 0; id < _LIMIT_MAX; id++) {
                const LimitInfo *li = limit_info(id);
                const bool boolean = li->type == LIMIT_TYPE_BOOL;
                g_autofree char *want_type = g_strdup_printf("limit '%s' must have type '%s', not '%s'", li->key,
                                                              boolean ? "b" : "u", boolean ? "u" : "b");
                ApiArgs a;
                ApiLimitsRequest req;
                char *why = NULL;

                /* Above the hard limit (or the floor, for rest_minutes that is the hard limit). */
                if (!boolean) {
                        g_autofree char *want = g_strdup_printf("key %s: value %u out of range [%u, %u]", li->key,
                                                                li->max + 1, li->min, li->max);
                        api_args_init(&a, API_ARGS_LIMITS);
                        add_u(&a, li->key, li->max + 1);
                        assert_refused(api_limits_parse(&a, &req, &why), &why, want);
                        api_args_clear(&a);

                        add_u(&a, li->key, UINT32_MAX);
                        limits_refused(&a, "out of range");
                        api_args_clear(&a);
                        if (li->min > 0) {
                                g_autofree char *want_low = g_strdup_printf("key %s: value %u out of range",
                                                                            li->key, li->min - 1);
                                add_u(&a, li->key, li->min - 1);
                                limits_refused(&a, want_low);
                                api_args_clear(&a);
                        }
                }
                /* The other type, and a non-basic value. */
                api_args_init(&a, API_ARGS_LIMITS);
                if (boolean)
                        add_u(&a, li->key, 1);
                else
                        add_b(&a, li->key, true);
                limits_refused(&a, want_type);
                api_args_clear(&a);
                add_ok(&a, li->key, "a{sv}", (ApiValue) {});
                limits_refused(&a, "not 'a{sv}'");
                api_args_clear(&a);
        }
}

static void test_limits_refused_other(void) {
        ApiArgs a;
        ApiLimitsRequest req = { .value = { 7 } };
        char *why = NULL;

        api_args_init(&a, API_ARGS_LIMITS);
        add_u(&a, "session_minutes", 10);
        add_u(&a, "nonsense", 5);
        assert_refused(api_limits_parse(&a, &req, &why), &why, "unknown limit 'nonsense'; GetLimits() lists the keys");
        g_assert_cmpuint(req.value[0], ==, 7);          /* untouched on refusal */
        api_args_clear(&a);

        add_u(&a, "session_minutes", 500);
        limits_refused(&a, "session_minutes");
        api_args_clear(&a);

        add_u(&a, "daily_minutes", 30);
        assert_add_refused(&a, "daily_minutes", "u", (ApiValue) { .u = 40 }, "limit 'daily_minutes' given twice");
        api_args_clear(&a);
}

/* ---- SubmitScreening ---- */

static void screening_refused(const ApiArgs *a, const char *want) {
        ScreeningAnswers ans;
        char *why = NULL;
        assert_refused(api_screening_parse(a, &ans, &why), &why, want);
}

static void add_all_answers(ApiArgs *a, int skip, int yes) {
        for (int q = 0; q < _SCREENING_QUESTION_MAX; q++)
                if (q != skip)
                        add_b(a, screening_question_key(q), q == yes);
}

static void test_screening_accepted(void) {
        ApiArgs a;
        ScreeningAnswers ans;
        char *why = NULL;

        api_args_init(&a, API_ARGS_SCREENING);
        add_all_answers(&a, -1, -1);
        g_assert_cmpint(api_screening_parse(&a, &ans, &why), ==, 0);
        g_assert_cmpuint(ans.answered, ==, SCREENING_ALL_MASK);
        g_assert_cmpuint(ans.yes, ==, 0);
        g_assert_false(ans.clearance);
        api_args_clear(&a);

        for (int q = 0; q < _SCREENING_QUESTION_MAX; q++) {
                add_all_answers(&a, -1, q);
                add_b(&a, SCREENING_CLEARANCE_KEY, true);
                g_assert_cmpint(api_screening_parse(&a, &ans, &why), ==, 0);
                g_assert_cmpuint(ans.answered, ==, SCREENING_ALL_MASK);
                g_assert_cmpuint(ans.yes, ==, 1u << q);
                g_assert_true(ans.clearance);
                api_args_clear(&a);
        }
        /* Clearance given as false is an answer too (no clearance). */
        add_b(&a, SCREENING_CLEARANCE_KEY, false);
        add_all_answers(&a, -1, SCREENING_PACEMAKER);
        g_assert_cmpint(api_screening_parse(&a, &ans, &why), ==, 0);
        g_assert_false(ans.clearance);
        g_assert_false(ans.correction);
        api_args_clear(&a);

        /* A correction is its own key: answers that replace the standing ones. */
        add_b(&a, SCREENING_CORRECTION_KEY, true);
        add_all_answers(&a, -1, -1);
        g_assert_cmpint(api_screening_parse(&a, &ans, &why), ==, 0);
        g_assert_true(ans.correction);
        g_assert_false(ans.clearance);
        g_assert_cmpuint(ans.answered, ==, SCREENING_ALL_MASK);
        api_args_clear(&a);
}

static void test_screening_refused(void) {
        ApiArgs a;
        ScreeningAnswers ans = { .yes = 5 };
        char *why = NULL;

        api_args_init(&a, API_ARGS_SCREENING);
        assert_refused(api_screening_parse(&a, &ans, &why), &why,
                       "no answer for 'recent_injury_or_surgery': every screening question must be answered "
                       "(it cannot be skipped)");
        g_assert_cmpuint(ans.yes, ==, 5);
        for (int q = 0; q < _SCREENING_QUESTION_MAX; q++) {
                g_autofree char *want = g_strdup_printf("no answer for '%s'", screening_question_key(q));
                add_all_answers(&a, q, -1);
                add_b(&a, SCREENING_CLEARANCE_KEY, true);
                screening_refused(&a, want);
                api_args_clear(&a);
        }
        add_b(&a, "pacemaker", false);
        screening_refused(&a, "cannot be skipped");
        api_args_clear(&a);

        add_all_answers(&a, -1, -1);
        add_b(&a, "headache", true);
        screening_refused(&a,
                       "unknown screening question 'headache'; the keys are in the ScreeningQuestions property");
        api_args_clear(&a);

        add_all_answers(&a, SCREENING_PREGNANCY, -1);
        add_y(&a, "pregnancy", 0);
        screening_refused(&a,
                       "screening answer 'pregnancy' must be a boolean (b), not 'y'");
        api_args_clear(&a);

        add_all_answers(&a, -1, -1);
        add_y(&a, SCREENING_CORRECTION_KEY, 1);
        screening_refused(&a, "screening answer 'correction' must be a boolean (b), not 'y'");
        api_args_clear(&a);

        add_all_answers(&a, -1, -1);
        add_s(&a, SCREENING_CLEARANCE_KEY, "yes");
        screening_refused(&a,
                       "screening answer 'clinician_clearance' must be a boolean (b), not 's'");
        api_args_clear(&a);

        /* An unknown key is named as unknown even with a wrong type. */
        add_u(&a, "nope", 1);
        screening_refused(&a, "unknown screening question 'nope'");
        api_args_clear(&a);
}

/* ---- History ---- */

static void test_history_range(void) {
        char *why = NULL;

        g_assert_cmpint(api_history_range_check(0, 1, &why), ==, 0);
        g_assert_null(why);
        g_assert_cmpint(api_history_range_check(INT64_MIN, INT64_MAX, &why), ==, 0);
        assert_refused(api_history_range_check(5, 5, &why), &why,
                       "range is empty: 'from' (5) must be before 'to' (5), both in microseconds since the epoch");
        assert_refused(api_history_range_check(INT64_MAX, INT64_MIN, &why), &why, "range is empty");
        g_assert_cmpint(api_history_range_check(1, 0, NULL), ==, -EINVAL);
}

static void add_i(ApiArgs *a, const char *key, int32_t v) {
        add_ok(a, key, "i", (ApiValue) { .i = v });
}

static void test_note_accepted(void) {
        ApiNoteRequest n = { .pain_before = 99 };
        char *why = NULL;
        ApiArgs a;

        /* Empty: nothing given, nothing changed by the parse but the defaults. */
        api_args_init(&a, API_ARGS_NOTE);
        g_assert_cmpint(api_note_parse(&a, &n, &why), ==, 0);
        g_assert_null(why);
        g_assert_cmpint(n.pain_before, ==, -1);
        g_assert_cmpint(n.pain_after, ==, -1);
        g_assert_null(n.note);

        add_i(&a, "pain_before", 0);
        add_i(&a, "pain_after", API_PAIN_MAX);
        add_s(&a, "note", "better after the wave program");
        g_assert_cmpint(api_note_parse(&a, &n, &why), ==, 0);
        g_assert_cmpint(n.pain_before, ==, 0);
        g_assert_cmpint(n.pain_after, ==, 10);
        g_assert_cmpstr(n.note, ==, "better after the wave program");
        api_args_clear(&a);

        /* A note may be as long as the ledger keeps, longer than other strings. */
        char big[API_NOTE_MAX_BYTES + 2];
        memset(big, 'n', API_NOTE_MAX_BYTES);
        big[API_NOTE_MAX_BYTES] = '\0';
        g_assert_cmpuint(api_args_string_max(API_ARGS_NOTE), ==, API_NOTE_MAX_BYTES);
        g_assert_cmpuint(api_args_string_max(API_ARGS_START), ==, API_ARGS_STRING_MAX);
        add_s(&a, "note", big);
        g_assert_cmpint(api_note_parse(&a, &n, &why), ==, 0);
        g_assert_cmpuint(strlen(n.note), ==, API_NOTE_MAX_BYTES);
        api_args_clear(&a);
        big[API_NOTE_MAX_BYTES] = 'n';
        big[API_NOTE_MAX_BYTES + 1] = '\0';
        assert_add_refused(&a, "note", "s", (ApiValue) { .s = big },
                           "diary entry 'note' is a string of 4097 bytes; at most 4096 are accepted");
        api_args_clear(&a);
}

static void note_refused(ApiArgs *a, const char *want) {
        ApiNoteRequest n = { .pain_before = 7 };
        char *why = NULL;

        assert_refused(api_note_parse(a, &n, &why), &why, want);
        g_assert_cmpint(n.pain_before, ==, 7);          /* untouched on refusal */
        api_args_clear(a);
}

static void test_note_refused(void) {
        ApiArgs a;

        api_args_init(&a, API_ARGS_NOTE);
        add_i(&a, "pain_before", 11);
        note_refused(&a, "'pain_before' 11 out of range 0–10");
        add_i(&a, "pain_after", -1);
        note_refused(&a, "'pain_after' -1 out of range 0–10");
        add_y(&a, "pain_after", 3);
        note_refused(&a, "unknown diary key 'pain_after' of type 'y'; allowed: pain_before (i), pain_after (i), "
                     "note (s)");
        add_u(&a, "note", 1);
        note_refused(&a, "unknown diary key 'note' of type 'u'");
        add_s(&a, "mood", "fine");
        note_refused(&a, "unknown diary key 'mood' of type 's'");
        /* The dict's own rules hold for SetNote too. */
        add_i(&a, "pain_before", 1);
        assert_add_refused(&a, "pain_before", "i", (ApiValue) { .i = 2 }, "diary entry 'pain_before' given twice");
        api_args_clear(&a);
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/api-args/dict/utf8", test_utf8);
        g_test_add_func("/api-args/dict/signature-basic", test_signature_basic);
        g_test_add_func("/api-args/dict/entries", test_dict_entries);
        g_test_add_func("/api-args/dict/keys", test_dict_keys);
        g_test_add_func("/api-args/dict/values", test_dict_values);
        g_test_add_func("/api-args/dict/duplicates", test_dict_duplicates);
        g_test_add_func("/api-args/start/empty", test_start_empty);
        g_test_add_func("/api-args/start/boundaries", test_start_boundaries);
        g_test_add_func("/api-args/start/device-ceilings", test_start_device_ceilings);
        for (size_t i = 0; i < G_N_ELEMENTS(start_refused); i++) {
                g_autofree char *path = g_strdup_printf("/api-args/start/refused/%s", start_refused[i].name);
                g_test_add_data_func(path, &start_refused[i], run_start_refused);
        }
        g_test_add_func("/api-args/limits/empty", test_limits_empty);
        g_test_add_func("/api-args/limits/boundaries", test_limits_boundaries);
        g_test_add_func("/api-args/limits/refused-each", test_limits_refused_each);
        g_test_add_func("/api-args/limits/refused-other", test_limits_refused_other);
        g_test_add_func("/api-args/screening/accepted", test_screening_accepted);
        g_test_add_func("/api-args/screening/refused", test_screening_refused);
        g_test_add_func("/api-args/history/range", test_history_range);
        g_test_add_func("/api-args/note/accepted", test_note_accepted);
        g_test_add_func("/api-args/note/refused", test_note_refused);
        return g_test_run();
}
