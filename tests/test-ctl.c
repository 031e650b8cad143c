/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of massagectl's pure parts: duration and address parsing,
 * formatting, the JSON writer, CSV fields and the exit-code mapping. Links
 * client/libctl-pure.la only (no bus).
 */
#include <errno.h>
#include <glib.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl-errors.h"
#include "ctl-format.h"
#include "ctl-json.h"
#include "ctl-parse.h"
#include "ctl-value.h"
#include "massaged-dbus.h"

/* Runs a writer into a memory stream and returns what it wrote. */
#define CAPTURE(expr) ({                                        \
        char *_buf = NULL;                                      \
        size_t _len = 0;                                        \
        FILE *_f = open_memstream(&_buf, &_len);                \
        g_assert_nonnull(_f);                                   \
        expr;                                                   \
        (void) fclose(_f);                                             \
        _buf;                                                   \
})

static void test_duration_valid(void) {
        static const struct {
                const char *in;
                uint64_t out;
        } cases[] = {
                { "90", 90 }, { "90s", 90 }, { "10m", 600 }, { "1m30s", 90 }, { "1h", 3600 },
                { "1h5m", 3900 }, { "1h 5m 3s", 3903 }, { "2min", 120 }, { "45sec", 45 },
                { "0", 0 }, { "20m", 1200 }, { " 5m", 300 }, { "4294967295", 4294967295u },
        };

        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                uint64_t v = 12345;
                g_test_message("%s", cases[i].in);
                g_assert_cmpint(parse_duration(cases[i].in, &v), ==, 0);
                g_assert_cmpuint(v, ==, cases[i].out);
        }
}

static void test_duration_invalid(void) {
        static const char *const bad[] = {
                "", " ", "m", "10x", "-5", "1.5m", "1m30", "30s1m", "1m1m", "10 m", "1h-5m", "abc",
                "5ms", "10mins", "1d",
        };
        uint64_t v = 777;

        for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
                g_test_message("%s", bad[i]);
                g_assert_cmpint(parse_duration(bad[i], &v), ==, -EINVAL);
        }
        g_assert_cmpint(parse_duration(NULL, &v), ==, -EINVAL);
        g_assert_cmpint(parse_duration("4294967296", &v), ==, -ERANGE);
        g_assert_cmpint(parse_duration("99999999h", &v), ==, -ERANGE);
        g_assert_cmpint(parse_duration("1193047h", &v), ==, -ERANGE);
        g_assert_cmpuint(v, ==, 777);   /* untouched on failure */
}

static void test_address(void) {
        static const char *const good[] = {
                "aa:bb:cc:dd:ee:ff", "AA:BB:CC:DD:EE:FF", "aa_bb_cc_dd_ee_ff", "Aa_bB_cc_DD_ee_FF",
                "aabbccddeeff", "AA-BB-CC-DD-EE-FF", "/org/massaged1/device/AA_BB_CC_DD_EE_FF",
        };
        static const char *const bad[] = {
                "", "AA:BB:CC:DD:EE", "AA:BB:CC:DD:EE:FF:00", "AA:BB:CC:DD:EE:FG", "AA:BB_CC:DD:EE:FF",
                "AABB:CC:DD:EE:FF", "AA.BB.CC.DD.EE.FF", "aabbccddeef", " AA:BB:CC:DD:EE:FF",
                "/org/massaged1/device/", "AA:BB:CC:DD:EE:F ",
        };
        char out[ADDRESS_STRING_MAX];

        for (size_t i = 0; i < G_N_ELEMENTS(good); i++) {
                memset(out, 0, sizeof(out));
                g_test_message("%s", good[i]);
                g_assert_cmpint(parse_address(good[i], out), ==, 0);
                g_assert_cmpstr(out, ==, "AA:BB:CC:DD:EE:FF");
        }
        for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
                g_test_message("%s", bad[i]);
                g_assert_cmpint(parse_address(bad[i], out), ==, -EINVAL);
        }
        g_assert_cmpint(parse_address(NULL, out), ==, -EINVAL);
}

static void test_object_path(void) {
        char *p = address_to_object_path("12:34:56:78:9A:BC");

        g_assert_cmpstr(p, ==, MASSAGED_DEVICE_PATH_PREFIX "/12_34_56_78_9A_BC");
        free(p);
}

static void test_uint_range(void) {
        uint64_t v = 99;

        g_assert_cmpint(parse_uint_range("0", 0, 10, &v), ==, 0);
        g_assert_cmpuint(v, ==, 0);
        g_assert_cmpint(parse_uint_range("10", 0, 10, &v), ==, 0);
        g_assert_cmpuint(v, ==, 10);
        g_assert_cmpint(parse_uint_range("11", 0, 10, &v), ==, -ERANGE);
        g_assert_cmpint(parse_uint_range("0", 1, 10, &v), ==, -ERANGE);
        g_assert_cmpint(parse_uint_range("-1", 0, 10, &v), ==, -EINVAL);
        g_assert_cmpint(parse_uint_range("3x", 0, 10, &v), ==, -EINVAL);
        g_assert_cmpint(parse_uint_range("", 0, 10, &v), ==, -EINVAL);
        g_assert_cmpint(parse_uint_range("+3", 0, 10, &v), ==, -EINVAL);
        g_assert_cmpint(parse_uint_range("99999999999999999999999", 0, UINT64_MAX, &v), ==, -ERANGE);
        g_assert_cmpuint(v, ==, 10);
}

static void test_boolean(void) {
        g_assert_cmpint(parse_boolean("yes"), ==, 1);
        g_assert_cmpint(parse_boolean("Y"), ==, 1);
        g_assert_cmpint(parse_boolean("TRUE"), ==, 1);
        g_assert_cmpint(parse_boolean("on"), ==, 1);
        g_assert_cmpint(parse_boolean("no"), ==, 0);
        g_assert_cmpint(parse_boolean("N"), ==, 0);
        g_assert_cmpint(parse_boolean("0"), ==, 0);
        g_assert_cmpint(parse_boolean("maybe"), ==, -EINVAL);
        g_assert_cmpint(parse_boolean(""), ==, -EINVAL);
}

static void test_local_date(void) {
        int64_t t = 0;
        struct tm tm;
        time_t tt;

        g_assert_cmpint(parse_local_date("2026-11-22", &t), ==, 0);
        tt = (time_t) t;
        g_assert_nonnull(localtime_r(&tt, &tm));
        g_assert_cmpint(tm.tm_year, ==, 126);
        g_assert_cmpint(tm.tm_mon, ==, 10);
        g_assert_cmpint(tm.tm_mday, ==, 22);
        g_assert_cmpint(tm.tm_hour, ==, 0);
        g_assert_cmpint(parse_local_date("2026-02-31", &t), ==, -EINVAL);
        g_assert_cmpint(parse_local_date("2026-13-01", &t), ==, -EINVAL);
        g_assert_cmpint(parse_local_date("22.11.2026", &t), ==, -EINVAL);
        g_assert_cmpint(parse_local_date("2026-11-22x", &t), ==, -EINVAL);
}

static void test_format_duration(void) {
        char b[FORMAT_DURATION_MAX];

        g_assert_cmpstr(format_duration(0, b), ==, "0s");
        g_assert_cmpstr(format_duration(45, b), ==, "45s");
        g_assert_cmpstr(format_duration(60, b), ==, "1m");
        g_assert_cmpstr(format_duration(570, b), ==, "9m 30s");
        g_assert_cmpstr(format_duration(3600, b), ==, "1h");
        g_assert_cmpstr(format_duration(3725, b), ==, "1h 2m 5s");
        g_assert_cmpstr(format_duration(3605, b), ==, "1h 5s");
        g_assert_cmpstr(format_duration(UINT64_MAX, b), !=, "");
}

static void test_format_celsius(void) {
        char b[32];

        /* The unit follows the locale: °C where UTF-8 can show it. */
        format_celsius(38.46, b, sizeof(b));
        g_assert_true(g_str_has_prefix(b, "38.5 "));
        g_assert_cmpstr(b + 5, ==, locale_is_utf8() ? "°C" : "C");
        format_celsius(-0.04, b, sizeof(b));
        g_assert_true(g_str_has_prefix(b, "-0.0 "));
}

static void test_format_time(void) {
        char b[FORMAT_TIME_MAX];
        struct tm tm = { .tm_year = 126, .tm_mon = 10, .tm_mday = 22, .tm_hour = 1, .tm_min = 2, .tm_isdst = -1 };
        time_t t = mktime(&tm);

        g_assert_cmpstr(format_local_time((int64_t) t, b), ==, "2026-11-22 01:02");
        g_assert_cmpstr(format_local_time(0, b), ==, "-");
}

static void test_format_bar(void) {
        char b[128];

        g_assert_cmpstr(format_bar(0.5, 10, false, b, sizeof(b)), ==, "#####.....");
        g_assert_cmpstr(format_bar(0, 4, false, b, sizeof(b)), ==, "....");
        g_assert_cmpstr(format_bar(2.0, 4, false, b, sizeof(b)), ==, "####");   /* over the cap: full */
        g_assert_cmpstr(format_bar(-1, 4, false, b, sizeof(b)), ==, "....");
        g_assert_cmpstr(format_bar(0.0 / 0.0, 4, false, b, sizeof(b)), ==, "....");
        g_assert_cmpstr(format_bar(0.5, 2, true, b, sizeof(b)), ==, "█░");
        /* A buffer too small truncates at a cell boundary, never mid-character. */
        g_assert_cmpstr(format_bar(1, 4, true, b, 8), ==, "██");
}

static void test_table(void) {
        Table *t = table_new(3, "A", "LONG HEADER", "C");
        char *out;

        colour_set(false);
        g_assert_nonnull(t);
        g_assert_cmpint(table_add_row(t, "wide cell", "x", "last"), ==, 0);
        g_assert_cmpint(table_add_row(t, "°C", NULL, "z"), ==, 0);
        g_assert_cmpuint(table_rows(t), ==, 2);
        out = CAPTURE(table_print(t, _f));
        g_assert_cmpstr(out, ==,
                        "A          LONG HEADER  C\n"
                        "wide cell  x            last\n"
                        "°C         -            z\n");
        free(out);
        table_free(t);
}

static void test_clipped(void) {
        char *out;

        colour_set(false);
        out = CAPTURE(g_assert_cmpuint(fputs_clipped("abcdef", 4, _f), ==, 4));
        g_assert_cmpstr(out, ==, "abcd");
        free(out);
        out = CAPTURE(g_assert_cmpuint(fputs_clipped("ab", 4, _f), ==, 2));
        g_assert_cmpstr(out, ==, "ab");
        free(out);
        /* Escapes take no room; UTF-8 characters take one column each. */
        out = CAPTURE(fputs_clipped("\033[1mAA\033[0m °C░░", 5, _f));
        g_assert_cmpstr(out, ==, "\033[1mAA\033[0m °C");
        free(out);
        /* A colour cut off is reset when colour is on. */
        colour_set(true);
        out = CAPTURE(fputs_clipped("\033[32mrunning\033[0m", 3, _f));
        g_assert_cmpstr(out, ==, "\033[32mrun\033[0m");
        free(out);
        colour_set(false);
        out = CAPTURE(fputs_clipped("\033[", 3, _f));    /* a truncated escape does not run past the end */
        g_assert_cmpstr(out, ==, "\033[");
        free(out);
}

static void test_colour_env(void) {
        g_assert_true(colour_allowed_by_env(NULL, "xterm"));
        g_assert_true(colour_allowed_by_env("", "xterm"));      /* empty NO_COLOR does not count */
        g_assert_false(colour_allowed_by_env("1", "xterm"));
        g_assert_false(colour_allowed_by_env(NULL, "dumb"));
        colour_set(false);
        g_assert_cmpstr(ansi_bold(), ==, "");
        colour_set(true);
        g_assert_cmpstr(ansi_bold(), ==, "\033[1m");
        colour_set(false);
}

static void test_json_escape(void) {
        static const struct {
                const char *in, *out;
        } cases[] = {
                { "plain", "\"plain\"" },
                { "quote\"back\\slash", "\"quote\\\"back\\\\slash\"" },
                { "tab\tnl\ncr\r", "\"tab\\tnl\\ncr\\r\"" },
                { "\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\"" },
                { "38.5 °C", "\"38.5 °C\"" },
                { "😀", "\"😀\"" },
                { "bad\xff" "byte", "\"bad\\ufffdbyte\"" },
                { "\xc0\xaf", "\"\\ufffd\\ufffd\"" },           /* overlong '/' */
                { "\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"" },  /* a surrogate */
                { "\xe2\x82", "\"\\ufffd\\ufffd\"" },            /* truncated sequence */
                { "", "\"\"" },
        };

        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                char *out = CAPTURE(json_write_string(_f, cases[i].in));
                g_assert_cmpstr(out, ==, cases[i].out);
                free(out);
        }
}

static void test_json_tree(void) {
        Value *root = value_new_object(), *list = value_new_array();
        char *out;

        g_assert_cmpint(value_object_set(root, "name", value_new_string("neck")), ==, 0);
        g_assert_cmpint(value_object_set(root, "n", value_new_int(-3)), ==, 0);
        g_assert_cmpint(value_object_set(root, "u", value_new_uint(UINT64_MAX)), ==, 0);
        g_assert_cmpint(value_object_set(root, "t", value_new_double(38.5)), ==, 0);
        g_assert_cmpint(value_object_set(root, "nan", value_new_double(0.0 / 0.0)), ==, 0);
        g_assert_cmpint(value_object_set(root, "ok", value_new_bool(true)), ==, 0);
        g_assert_cmpint(value_array_append(list, value_new_null()), ==, 0);
        g_assert_cmpint(value_array_append(list, value_new_object()), ==, 0);
        g_assert_cmpint(value_object_set(root, "list", list), ==, 0);
        /* Setting a key again replaces it in place. */
        g_assert_cmpint(value_object_set(root, "n", value_new_int(4)), ==, 0);

        out = CAPTURE(json_write(_f, root, false));
        g_assert_cmpstr(out, ==, "{\"name\":\"neck\",\"n\":4,\"u\":18446744073709551615,\"t\":38.5,"
                                 "\"nan\":null,\"ok\":true,\"list\":[null,{}]}");
        free(out);
        out = CAPTURE(json_write(_f, list, true));
        g_assert_cmpstr(out, ==, "[\n  null,\n  {}\n]");
        free(out);
        out = CAPTURE(json_write(_f, NULL, false));
        g_assert_cmpstr(out, ==, "null");
        free(out);
        value_free(root);
}

static void test_value_getters(void) {
        Value *o = value_new_object();
        uint64_t u = 0;
        int64_t i = 0;
        double d = 0;
        const char *s = NULL;
        bool b = false;

        value_object_set(o, "u", value_new_uint(7));
        value_object_set(o, "neg", value_new_int(-1));
        value_object_set(o, "s", value_new_string("x"));
        value_object_set(o, "b", value_new_bool(true));
        g_assert_true(value_get_uint(o, "u", &u));
        g_assert_cmpuint(u, ==, 7);
        g_assert_true(value_get_int(o, "u", &i));
        g_assert_cmpint(i, ==, 7);
        g_assert_true(value_get_double(o, "u", &d));
        g_assert_cmpfloat(d, ==, 7.0);
        g_assert_false(value_get_uint(o, "neg", &u));   /* -1 does not fit */
        g_assert_cmpuint(u, ==, 7);
        g_assert_false(value_get_uint(o, "s", &u));
        g_assert_false(value_get_uint(o, "missing", &u));
        g_assert_true(value_get_string(o, "s", &s));
        g_assert_cmpstr(s, ==, "x");
        g_assert_false(value_get_string(o, "u", &s));
        g_assert_true(value_get_bool(o, "b", &b));
        g_assert_true(b);
        g_assert_null(value_object_get(NULL, "u"));
        g_assert_cmpint(value_array_append(o, value_new_null()), ==, -EINVAL);  /* not an array */
        g_assert_cmpint(value_object_set(o, "x", NULL), ==, -ENOMEM);
        value_free(o);
}

static void test_csv(void) {
        static const struct {
                const char *in, *out;
        } cases[] = {
                { "plain", "plain" },
                { "a,b", "\"a,b\"" },
                { "say \"hi\"", "\"say \"\"hi\"\"\"" },
                { "two\nlines", "\"two\nlines\"" },
                { "=cmd()", "'=cmd()" },
                { "-3", "'-3" },
                { "", "" },
                { NULL, "" },
        };

        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                char *out = CAPTURE(csv_write_field(_f, cases[i].in));
                g_assert_cmpstr(out, ==, cases[i].out);
                free(out);
        }
}

static void test_exit_codes(void) {
        g_assert_cmpint(exit_code_from_bus_error(MASSAGED_ERROR_DAILY_CAP), ==, EXIT_POLICY);
        g_assert_cmpint(exit_code_from_bus_error(MASSAGED_ERROR_REST_REQUIRED), ==, EXIT_POLICY);
        g_assert_cmpint(exit_code_from_bus_error(MASSAGED_ERROR_SCREENING), ==, EXIT_POLICY);
        g_assert_cmpint(exit_code_from_bus_error(MASSAGED_ERROR_THERMAL_LOCKOUT), ==, EXIT_POLICY);
        g_assert_cmpint(exit_code_from_bus_error(MASSAGED_ERROR_NOT_CONNECTED), ==, EXIT_DEVICE);
        g_assert_cmpint(exit_code_from_bus_error(MASSAGED_ERROR_DEVICE_FAULT), ==, EXIT_DEVICE);
        g_assert_cmpint(exit_code_from_bus_error(MASSAGED_ERROR_TIMEOUT), ==, EXIT_DEVICE);
        g_assert_cmpint(exit_code_from_bus_error(MASSAGED_ERROR_BLUETOOTH), ==, EXIT_DEVICE);
        g_assert_cmpint(exit_code_from_bus_error(MASSAGED_ERROR_INCOMPATIBLE), ==, EXIT_DEVICE);
        g_assert_cmpint(exit_code_from_bus_error(MASSAGED_ERROR_UNKNOWN_DEVICE), ==, EXIT_NOT_FOUND);
        g_assert_cmpint(exit_code_from_bus_error(MASSAGED_ERROR_NOT_RUNNING), ==, EXIT_STATE);
        g_assert_cmpint(exit_code_from_bus_error(MASSAGED_ERROR_BUSY), ==, EXIT_STATE);
        g_assert_cmpint(exit_code_from_bus_error(MASSAGED_ERROR_STORAGE), ==, EXIT_STORAGE);
        g_assert_cmpint(exit_code_from_bus_error(MASSAGED_ERROR_FAILED), ==, EXIT_FAILURE_OTHER);
        g_assert_cmpint(exit_code_from_bus_error("org.freedesktop.DBus.Error.InvalidArgs"), ==, EXIT_USAGE);
        g_assert_cmpint(exit_code_from_bus_error("org.freedesktop.DBus.Error.ServiceUnknown"), ==, EXIT_UNREACHABLE);
        g_assert_cmpint(exit_code_from_bus_error("org.freedesktop.DBus.Error.NoReply"), ==, EXIT_UNREACHABLE);
        g_assert_cmpint(exit_code_from_bus_error("org.freedesktop.DBus.Error.Spawn.Whatever"), ==, EXIT_UNREACHABLE);
        g_assert_cmpint(exit_code_from_bus_error("org.example.Unheard"), ==, EXIT_FAILURE_OTHER);
        g_assert_cmpint(exit_code_from_bus_error(NULL), ==, EXIT_FAILURE_OTHER);

        g_assert_cmpint(exit_code_from_errno(-ENOENT), ==, EXIT_UNREACHABLE);
        g_assert_cmpint(exit_code_from_errno(-ECONNREFUSED), ==, EXIT_UNREACHABLE);
        g_assert_cmpint(exit_code_from_errno(-ENOMEDIUM), ==, EXIT_UNREACHABLE);
        g_assert_cmpint(exit_code_from_errno(-EINVAL), ==, EXIT_USAGE);
        g_assert_cmpint(exit_code_from_errno(-ENOMEM), ==, EXIT_FAILURE_OTHER);
        g_assert_cmpint(exit_code_from_errno(0), ==, EXIT_OK);

        /* Every class is distinct, named and (for the ones that need it) has advice. */
        {
                static const ExitCode all[] = { EXIT_OK, EXIT_FAILURE_OTHER, EXIT_USAGE, EXIT_UNREACHABLE,
                                                EXIT_POLICY, EXIT_DEVICE, EXIT_NOT_FOUND, EXIT_STATE,
                                                EXIT_STORAGE, EXIT_INTERRUPTED };
                for (size_t i = 0; i < G_N_ELEMENTS(all); i++)
                        for (size_t j = i + 1; j < G_N_ELEMENTS(all); j++) {
                                g_assert_cmpint(all[i], !=, all[j]);
                                g_assert_cmpstr(exit_code_to_string(all[i]), !=, exit_code_to_string(all[j]));
                        }
        }
        g_assert_nonnull(strstr(exit_code_hint(EXIT_UNREACHABLE), "systemctl --user start massaged"));
        g_assert_null(exit_code_hint(EXIT_POLICY));   /* the policy's own sentence says it all */
}

int main(int argc, char *argv[]) {
        /* Fixed, reproducible local time and a UTF-8 locale where there is one. */
        setenv("TZ", "Europe/Berlin", 1);
        tzset();
        if (!setlocale(LC_ALL, "C.UTF-8"))
                (void) setlocale(LC_ALL, "C");
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/ctl/parse/duration/valid", test_duration_valid);
        g_test_add_func("/ctl/parse/duration/invalid", test_duration_invalid);
        g_test_add_func("/ctl/parse/address", test_address);
        g_test_add_func("/ctl/parse/object-path", test_object_path);
        g_test_add_func("/ctl/parse/uint-range", test_uint_range);
        g_test_add_func("/ctl/parse/boolean", test_boolean);
        g_test_add_func("/ctl/parse/local-date", test_local_date);
        g_test_add_func("/ctl/format/duration", test_format_duration);
        g_test_add_func("/ctl/format/celsius", test_format_celsius);
        g_test_add_func("/ctl/format/local-time", test_format_time);
        g_test_add_func("/ctl/format/bar", test_format_bar);
        g_test_add_func("/ctl/format/table", test_table);
        g_test_add_func("/ctl/format/colour-env", test_colour_env);
        g_test_add_func("/ctl/format/clipped", test_clipped);
        g_test_add_func("/ctl/format/csv", test_csv);
        g_test_add_func("/ctl/json/escape", test_json_escape);
        g_test_add_func("/ctl/json/tree", test_json_tree);
        g_test_add_func("/ctl/value/getters", test_value_getters);
        g_test_add_func("/ctl/errors/exit-codes", test_exit_codes);
        return g_test_run();
}
