/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The limits table (doc/safety.md values), validation and clamping, and the
 * massaged.conf parser with bad files of every kind. */

#include "config.h"

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "program.h"
#include "safety-limits.h"
#include "safety-test-util.h"

static void test_table(void) {
        static const struct {
                LimitId id;
                uint32_t def, hard;
        } spec[] = {
                /* doc/safety.md: default and hard limit. */
                { LIMIT_SESSION_MINUTES, 15, 20 },
                { LIMIT_HEAT_SETPOINT_CELSIUS, 40, 42 },
                { LIMIT_HEAT_SESSION_MINUTES, 20, 20 },
                { LIMIT_HEAT_DAILY_MINUTES, 60, 60 },
                { LIMIT_REST_MINUTES, 60, 30 },
                { LIMIT_DAILY_SESSIONS, 3, 4 },
                { LIMIT_DAILY_MINUTES, 45, 60 },
                { LIMIT_WEEKLY_MINUTES, 420, 420 },
                { LIMIT_WEEKLY_ADVICE_MINUTES, 150, 420 },
                { LIMIT_WEEKLY_ADVICE_DAYS, 5, 7 },
                { LIMIT_GENTLE_SESSION_MINUTES, 10, 10 },
                { LIMIT_GENTLE_HEAT_SETPOINT_CELSIUS, 38, 38 },
                { LIMIT_PAUSE_MINUTES, 10, 30 },
        };
        Limits l;

        limits_init_default(&l);
        for (unsigned i = 0; i < _LIMIT_MAX; i++) {
                const LimitInfo *li = limit_info(i);
                g_assert_nonnull(li);
                g_assert_cmpint(li->id, ==, i);
                g_assert_cmpuint(li->min, <=, li->def);
                g_assert_cmpuint(li->def, <=, li->max);
                g_assert_cmpuint(l.value[i], ==, li->def);
                g_assert_cmpint(limit_from_key(li->key), ==, (int) i);
                for (unsigned j = 0; j < i; j++)
                        g_assert_cmpstr(limit_info(j)->key, !=, li->key);
        }
        for (size_t i = 0; i < G_N_ELEMENTS(spec); i++) {
                const LimitInfo *li = limit_info(spec[i].id);
                g_assert_cmpuint(li->def, ==, spec[i].def);
                g_assert_cmpuint(li->higher_is_safer ? li->min : li->max, ==, spec[i].hard);
        }
        g_assert_true(limit_info(LIMIT_REST_MINUTES)->higher_is_safer);
        g_assert_false(limit_info(LIMIT_GENTLE_MODE)->def);
        g_assert_null(limit_info(_LIMIT_MAX));
        g_assert_cmpint(limit_from_key("nope"), ==, -ENOENT);
        g_assert_cmpint(limit_from_key(NULL), ==, -ENOENT);
}

static void test_validate(void) {
        static const struct {
                const char *key;
                uint64_t value;
                int r;
                const char *msg;
        } cases[] = {
                { "session_minutes", 20, 0, NULL },
                { "session_minutes", 21, -ERANGE, "key session_minutes: value 21 out of range [1, 20] (hard limit: at most 20 min)" },
                { "session_minutes", 1, 0, NULL },
                { "session_minutes", 0, -ERANGE, "value 0 out of range [1, 20]" },
                { "rest_minutes", 30, 0, NULL },
                { "rest_minutes", 29, -ERANGE, "(hard limit: at least 30 min)" },
                { "heat_setpoint_celsius", 43, -ERANGE, "at most 42 °C" },
                { "daily_sessions", 5, -ERANGE, "[1, 4]" },
                { "weekly_minutes", 421, -ERANGE, "[1, 420]" },
                { "gentle_heat_setpoint_celsius", 39, -ERANGE, "[30, 38]" },
                { "pause_minutes", 31, -ERANGE, "[1, 30]" },
                { "pause_minutes", 0, -ERANGE, "[1, 30]" },
                { "gentle_mode", 1, 0, NULL },
                { "gentle_mode", 2, -ERANGE, "not a boolean" },
                { "daily_minutes", UINT64_C(1) << 40, -ERANGE, "out of range" },
        };
        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                g_autofree char *msg = NULL;
                int id = limit_from_key(cases[i].key);
                g_assert_cmpint(id, >=, 0);
                g_assert_cmpint(limit_validate(id, cases[i].value, &msg), ==, cases[i].r);
                if (cases[i].msg) {
                        g_assert_nonnull(msg);
                        if (!strstr(msg, cases[i].msg))
                                g_test_message("got: %s", msg);
                        g_assert_nonnull(strstr(msg, cases[i].msg));
                }
        }
        g_assert_cmpuint(limit_clamp(LIMIT_SESSION_MINUTES, 99), ==, 20);
        g_assert_cmpuint(limit_clamp(LIMIT_SESSION_MINUTES, 0), ==, 1);
        g_assert_cmpuint(limit_clamp(LIMIT_REST_MINUTES, 1), ==, 30);
        g_assert_cmpuint(limit_clamp(LIMIT_GENTLE_MODE, 7), ==, 1);
}

static void test_change_kind(void) {
        g_assert_cmpint(limits_change_kind(LIMIT_SESSION_MINUTES, 15, 10), ==, LIMIT_CHANGE_STRICTER);
        g_assert_cmpint(limits_change_kind(LIMIT_SESSION_MINUTES, 10, 15), ==, LIMIT_CHANGE_LOOSER);
        g_assert_cmpint(limits_change_kind(LIMIT_SESSION_MINUTES, 15, 15), ==, LIMIT_CHANGE_NONE);
        g_assert_cmpint(limits_change_kind(LIMIT_REST_MINUTES, 60, 30), ==, LIMIT_CHANGE_LOOSER);
        g_assert_cmpint(limits_change_kind(LIMIT_REST_MINUTES, 30, 60), ==, LIMIT_CHANGE_STRICTER);
        g_assert_cmpint(limits_change_kind(LIMIT_GENTLE_MODE, 0, 1), ==, LIMIT_CHANGE_STRICTER);
        g_assert_cmpint(limits_change_kind(LIMIT_GENTLE_HEAT, 0, 1), ==, LIMIT_CHANGE_LOOSER);
        g_assert_cmpstr(limit_change_kind_to_string(LIMIT_CHANGE_LOOSER), ==, "looser");
        g_assert_cmpint(limit_source_from_string("api"), ==, LIMIT_SOURCE_API);
        g_assert_cmpint(limit_source_from_string("x"), ==, -EINVAL);
}

/* ---- massaged.conf ---- */

typedef struct ConfCase {
        const char *name;
        const char *text;
        const char *key;        /* limit key to check, or NULL */
        uint32_t value;
        LimitSource source;
        const char *warning;    /* substring of the only warning, NULL = no warnings */
} ConfCase;

static const ConfCase conf_cases[] = {
        { "empty", "", "session_minutes", 15, LIMIT_SOURCE_DEFAULT, NULL },
        { "lowered", "[Limits]\nsession_minutes=10\n", "session_minutes", 10, LIMIT_SOURCE_CONFIG, NULL },
        { "at-hard-limit", "[Limits]\nsession_minutes=20\n", "session_minutes", 20, LIMIT_SOURCE_CONFIG, NULL },
        { "over-hard-limit", "[Limits]\nsession_minutes=25\n", "session_minutes", 20, LIMIT_SOURCE_CONFIG,
          "test.conf: [Limits] session_minutes: value 25 out of range [1, 20]; using 20 (the hard limit)" },
        { "below-floor", "[Limits]\nsession_minutes=0\n", "session_minutes", 1, LIMIT_SOURCE_CONFIG,
          "[Limits] session_minutes: value 0 out of range [1, 20]; using 1" },
        { "negative", "[Limits]\ndaily_minutes=-5\n", "daily_minutes", 1, LIMIT_SOURCE_CONFIG, "value -5 out of range" },
        { "rest-below-hard", "[Limits]\nrest_minutes=10\n", "rest_minutes", 30, LIMIT_SOURCE_CONFIG,
          "rest_minutes: value 10 out of range [30, 10080]; using 30 (the hard limit)" },
        { "heat-over-hard", "[Limits]\nheat_setpoint_celsius=50\n", "heat_setpoint_celsius", 42, LIMIT_SOURCE_CONFIG,
          "using 42 (the hard limit)" },
        { "bool-ok", "[Limits]\ngentle_mode=true\n", "gentle_mode", 1, LIMIT_SOURCE_CONFIG, NULL },
        { "unknown-key", "[Limits]\nsesion_minutes=10\n", "session_minutes", 15, LIMIT_SOURCE_DEFAULT,
          "[Limits] unknown key \"sesion_minutes\", ignored" },
        { "unknown-group", "[Limitz]\nsession_minutes=10\n", "session_minutes", 15, LIMIT_SOURCE_DEFAULT,
          "unknown group [Limitz], ignored" },
        { "defaults-intensity-over", "[Defaults]\nintensity=11\n", NULL, 0, 0,
          "[Defaults] intensity: value 11 out of range [1, 10]; using 10" },
        { "defaults-program-bad", "[Defaults]\nprogram=../etc/passwd\n", NULL, 0, 0, "is not a program name" },
        { "defaults-unknown", "[Defaults]\ncolour=red\n", NULL, 0, 0, "[Defaults] unknown key \"colour\"" },
        { "defaults-duration-over", "[Defaults]\nduration_minutes=30\n", NULL, 0, 0, "using 20" },
};

/* A [Limits] value that cannot be read is an error (the daemon then refuses
 * starts): its default might be looser than what the user meant. */
typedef struct ConfErrorCase {
        const char *name;
        const char *text;
        const char *error;      /* substring of the error */
} ConfErrorCase;

static const ConfErrorCase conf_error_cases[] = {
        { "not-a-number", "[Limits]\nsession_minutes=abc\n",
          "test.conf: [Limits] session_minutes: value \"abc\" is not a whole number; its default may be looser" },
        { "letter-o", "[Limits]\nsession_minutes=1O\n", "\"1O\" is not a whole number" },
        { "trailing-garbage", "[Limits]\nsession_minutes=12min\n", "\"12min\" is not a whole number" },
        { "empty-value", "[Limits]\nsession_minutes=\n", "is not a whole number" },
        { "overflow", "[Limits]\ndaily_sessions=99999999999999999999999\n", "is not a whole number" },
        { "float", "[Limits]\ndaily_sessions=2.5\n", "\"2.5\" is not a whole number" },
        { "non-utf8-value", "[Limits]\nsession_minutes=\xff\n", "is not a whole number" },
        { "bool-bad", "[Limits]\ngentle_mode=maybe\n", "gentle_mode: value \"maybe\" is not a boolean" },
};

static void run_conf_error_case(gconstpointer data) {
        const ConfErrorCase *c = data;
        g_autofree char *err = NULL;
        char **w = NULL;
        Conf conf;

        g_assert_cmpint(conf_load_data(c->text, strlen(c->text), "test.conf", &conf, &w, &err), ==, -EINVAL);
        g_assert_nonnull(err);
        if (!strstr(err, c->error))
                g_error("\"%s\" lacks \"%s\"", err, c->error);
        g_assert_nonnull(strstr(err, "no session starts"));
        program_strv_free(w);
        conf_clear(&conf);
}

static void run_conf_case(gconstpointer data) {
        const ConfCase *c = data;
        g_autofree char *err = NULL;
        char **w = NULL;
        Conf conf;

        g_assert_cmpint(conf_load_data(c->text, strlen(c->text), "test.conf", &conf, &w, &err), ==, 0);
        g_assert_null(err);
        if (c->key) {
                int id = limit_from_key(c->key);
                g_assert_cmpuint(conf.limits.value[id], ==, c->value);
                g_assert_cmpint(conf.source[id], ==, c->source);
        }
        if (c->warning) {
                g_assert_nonnull(w);
                g_assert_nonnull(w[0]);
                if (!strstr(w[0], c->warning))
                        g_test_message("got: %s", w[0]);
                g_assert_nonnull(strstr(w[0], c->warning));
                g_assert_null(w[1]);
        } else
                g_assert_null(w);
        /* Whatever the file said, every value is within its range. */
        for (unsigned i = 0; i < _LIMIT_MAX; i++)
                g_assert_cmpint(limit_validate(i, conf.limits.value[i], NULL), ==, 0);
        program_strv_free(w);
        conf_clear(&conf);
}

static void test_conf_defaults_group(void) {
        const char *text = "[Defaults]\nprogram=relax\nintensity=4\nheat=2\nduration_minutes=12\n";
        char **w = NULL;
        Conf conf;

        g_assert_cmpint(conf_load_data(text, strlen(text), "t", &conf, &w, NULL), ==, 0);
        g_assert_null(w);
        g_assert_cmpstr(conf.default_program, ==, "relax");
        g_assert_cmpuint(conf.default_intensity, ==, 4);
        g_assert_cmpuint(conf.default_heat_level, ==, 2);
        g_assert_cmpuint(conf.default_duration_s, ==, 720);
        conf_clear(&conf);
}

/* Initialising, loading, loading again (after a clear) and clearing twice: no leak, no double free (valgrind/ASan). */
static void test_conf_lifecycle(void) {
        const char *text = "[Defaults]\nprogram=relax\n";
        Conf conf;

        conf_init(&conf);
        conf_init(&conf);
        g_assert_cmpstr(conf.default_program, ==, PROGRAM_DEFAULT);
        g_assert_cmpint(conf_load_data(text, strlen(text), "t", &conf, NULL, NULL), ==, 0);
        g_assert_cmpstr(conf.default_program, ==, "relax");
        conf_clear(&conf);
        g_assert_cmpint(conf_load_data(text, strlen(text), "t", &conf, NULL, NULL), ==, 0);
        conf_clear(&conf);
        conf_clear(&conf);
}

static void test_conf_syntax_errors(void) {
        static const struct {
                const char *text;
                const char *line;       /* the message names the line */
        } bad[] = {
                { "this is not a key file\n", "line 1:" },
                { "[Limits\nsession_minutes=10\n", "line 1:" },
                { "session_minutes=10\n", "line 1:" },          /* key before any group */
                { "# c\n\n[Limits]\nsession_minutes=10\n[Defaults\nintensity=2\n", "line 5:" },
                { "[Limits]\r\nsession_minutes=10\r\n  oops  \r\n", "line 3:" },
        };
        for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
                g_autofree char *err = NULL;
                Conf conf;
                g_assert_cmpint(conf_load_data(bad[i].text, strlen(bad[i].text), "/etc/x.conf", &conf, NULL, &err), ==,
                                -EINVAL);
                g_assert_nonnull(err);
                g_assert_nonnull(strstr(err, "/etc/x.conf"));
                if (!strstr(err, bad[i].line))
                        g_error("%zu: \"%s\" does not name %s", i, err, bad[i].line);
                conf_clear(&conf);
        }
}

static void test_conf_files(void) {
        g_autofree char *dir = g_dir_make_tmp("massaged-conf-XXXXXX", NULL);
        g_autofree char *missing = g_build_filename(dir, "none.conf", NULL);
        g_autofree char *big = g_build_filename(dir, "big.conf", NULL);
        g_autofree char *err = NULL;
        static char blob[300 * 1024];
        char **w = NULL;
        Conf conf;

        /* Missing file: defaults, no warnings, no error. */
        g_assert_cmpint(conf_load(missing, &conf, &w, &err), ==, 0);
        g_assert_null(w);
        g_assert_null(err);
        g_assert_cmpuint(conf.limits.value[LIMIT_SESSION_MINUTES], ==, 15);
        conf_clear(&conf);

        /* A directory where the file should be: an error naming it. */
        g_assert_cmpint(conf_load(dir, &conf, &w, &err), <, 0);
        g_assert_nonnull(err);
        g_assert_nonnull(strstr(err, dir));
        conf_clear(&conf);
        g_clear_pointer(&err, g_free);

        /* Oversized. */
        memset(blob, '#', sizeof blob);
        g_assert_true(g_file_set_contents(big, blob, sizeof blob, NULL));
        g_assert_cmpint(conf_load(big, &conf, &w, &err), ==, -EINVAL);
        g_assert_nonnull(strstr(err, "larger than"));
        conf_clear(&conf);

        g_assert_cmpint(g_unlink(big), ==, 0);
        g_assert_cmpint(g_rmdir(dir), ==, 0);
}

/* The annotated example must parse cleanly and list exactly the defaults. */
/* A FIFO at the path must not block the load (it would hang start-up and
 * SIGTERM with it); a dangling symlink means a file the user meant, not "no
 * configuration". Both are errors naming the file. */
static void test_conf_files_special(void) {
        g_autofree char *dir = g_dir_make_tmp("massaged-conf-XXXXXX", NULL);
        g_autofree char *fifo = g_build_filename(dir, "fifo.conf", NULL);
        g_autofree char *link = g_build_filename(dir, "link.conf", NULL);
        g_autofree char *target = g_build_filename(dir, "gone.conf", NULL);
        g_autofree char *err = NULL;
        char **w = NULL;
        Conf conf;

        g_assert_cmpint(mkfifo(fifo, 0600), ==, 0);
        g_assert_cmpint(conf_load(fifo, &conf, &w, &err), ==, -EINVAL);
        g_assert_nonnull(err);
        g_assert_nonnull(strstr(err, fifo));
        g_assert_nonnull(strstr(err, "not a regular file (a FIFO)"));
        conf_clear(&conf);
        g_clear_pointer(&err, g_free);

        g_assert_cmpint(symlink(target, link), ==, 0);
        g_assert_cmpint(conf_load(link, &conf, &w, &err), ==, -ENOENT);
        g_assert_nonnull(err);
        g_assert_nonnull(strstr(err, link));
        g_assert_nonnull(strstr(err, "gone.conf"));
        g_assert_null(w);
        conf_clear(&conf);
        g_clear_pointer(&err, g_free);

        /* The link's target appears: it is read. */
        g_assert_true(g_file_set_contents(target, "[Limits]\nsession_minutes=7\n", -1, NULL));
        g_assert_cmpint(conf_load(link, &conf, &w, &err), ==, 0);
        g_assert_cmpuint(conf.limits.value[LIMIT_SESSION_MINUTES], ==, 7);
        conf_clear(&conf);

        g_assert_cmpint(g_unlink(link), ==, 0);
        g_assert_cmpint(g_unlink(target), ==, 0);
        g_assert_cmpint(g_unlink(fifo), ==, 0);
        g_assert_cmpint(g_rmdir(dir), ==, 0);
}

static void test_conf_example(void) {
        g_autofree char *example = test_srcdir_path("daemon/massaged.conf.example");
        g_autofree char *err = NULL;
        char **w = NULL;
        Conf conf;

        g_assert_cmpint(conf_load(example, &conf, &w, &err), ==, 0);
        g_assert_null(err);
        g_assert_null(w);
        for (unsigned i = 0; i < _LIMIT_MAX; i++) {
                g_assert_cmpuint(conf.limits.value[i], ==, limit_info(i)->def);
                g_assert_cmpint(conf.source[i], ==, LIMIT_SOURCE_CONFIG);      /* every limit is documented there */
        }
        g_assert_cmpstr(conf.default_program, ==, PROGRAM_DEFAULT);
        g_assert_cmpuint(conf.idle_timeout_s, ==, CONF_IDLE_TIMEOUT_DEFAULT_S);
        conf_clear(&conf);
}

static void test_duration(void) {
        static const struct { const char *s; int r; uint32_t seconds; } cases[] = {
                { "0", 0, 0 }, { "600", 0, 600 }, { "2s", 0, 2 }, { "10min", 0, 600 }, { "10m", 0, 600 },
                { "1h", 0, 3600 }, { "1h30min", 0, 5400 }, { "604800", 0, 604800 },
                { "", -EINVAL, 0 }, { "ten", -EINVAL, 0 }, { "10 min", -EINVAL, 0 }, { "-5", -EINVAL, 0 },
                { "1h30", -EINVAL, 0 }, { "5x", -EINVAL, 0 }, { "min", -EINVAL, 0 },
                { "604801", -ERANGE, 0 }, { "99999999999999999999", -ERANGE, 0 }, { "200h", -ERANGE, 0 },
        };
        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                uint32_t t = 12345;
                g_test_message("duration \"%s\"", cases[i].s);
                g_assert_cmpint(conf_parse_duration(cases[i].s, &t), ==, cases[i].r);
                g_assert_cmpuint(t, ==, cases[i].r == 0 ? cases[i].seconds : 12345);
        }
        g_assert_cmpint(conf_parse_duration(NULL, &(uint32_t) {0}), ==, -EINVAL);
}

static void test_conf_daemon_group(void) {
        static const char ok[] = "[Daemon]\nidle_timeout=2s\n";
        static const char bad[] = "[Daemon]\nidle_timeout=soon\nlinger=1\n";
        static const char big[] = "[Daemon]\nidle_timeout=9999h\n";
        char **w = NULL;
        Conf conf;

        g_assert_cmpint(conf_load_data(ok, strlen(ok), "t.conf", &conf, &w, NULL), ==, 0);
        g_assert_null(w);
        g_assert_cmpuint(conf.idle_timeout_s, ==, 2);
        conf_clear(&conf);

        g_assert_cmpint(conf_load_data(bad, strlen(bad), "t.conf", &conf, &w, NULL), ==, 0);
        g_assert_nonnull(w);
        g_assert_nonnull(strstr(w[0], "idle_timeout: \"soon\" is not a duration"));
        g_assert_nonnull(strstr(w[1], "unknown key \"linger\""));
        g_assert_null(w[2]);
        g_assert_cmpuint(conf.idle_timeout_s, ==, CONF_IDLE_TIMEOUT_DEFAULT_S);
        program_strv_free(w);
        conf_clear(&conf);

        g_assert_cmpint(conf_load_data(big, strlen(big), "t.conf", &conf, &w, NULL), ==, 0);
        g_assert_nonnull(w);
        g_assert_cmpuint(conf.idle_timeout_s, ==, CONF_IDLE_TIMEOUT_MAX_S);
        program_strv_free(w);
        conf_clear(&conf);
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/limits/table", test_table);
        g_test_add_func("/limits/validate", test_validate);
        g_test_add_func("/limits/change-kind", test_change_kind);
        for (size_t i = 0; i < G_N_ELEMENTS(conf_cases); i++) {
                g_autofree char *path = g_strdup_printf("/conf/parse/%s", conf_cases[i].name);
                g_test_add_data_func(path, &conf_cases[i], run_conf_case);
        }
        for (size_t i = 0; i < G_N_ELEMENTS(conf_error_cases); i++) {
                g_autofree char *path = g_strdup_printf("/conf/limit-unreadable/%s", conf_error_cases[i].name);
                g_test_add_data_func(path, &conf_error_cases[i], run_conf_error_case);
        }
        g_test_add_func("/conf/defaults-group", test_conf_defaults_group);
        g_test_add_func("/conf/syntax-errors", test_conf_syntax_errors);
        g_test_add_func("/conf/duration", test_duration);
        g_test_add_func("/conf/daemon-group", test_conf_daemon_group);
        g_test_add_func("/conf/lifecycle", test_conf_lifecycle);
        g_test_add_func("/conf/files", test_conf_files);
        g_test_add_func("/conf/files/not-regular", test_conf_files_special);
        g_test_add_func("/conf/example", test_conf_example);
        return g_test_run();
}
