/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Program files: the built-ins (timings of doc/safety.md "Programs", each one plans within the
 * policy), bad files of every kind, directories and overrides. */

#include "config.h"

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "policy.h"
#include "program.h"
#include "safety-test-util.h"

static const char *const builtin_names[] = {
        "gentle", "kneading", "migraine", "myofascial", "relax", "suboccipital", "trigger-point",
};

static void load_builtins(ProgramList *l) {
        g_autofree char *dir = test_srcdir_path("daemon/programs");
        const char *dirs[] = { dir };
        char **w = NULL;

        g_assert_cmpint(program_list_load(dirs, 1, l, &w), ==, 0);
        if (w)
                g_test_message("warning: %s", w[0]);
        g_assert_null(w);
}

static const ProgramStep *first_with(const Program *p, uint8_t pattern) {
        for (size_t i = 0; p && i < p->n_steps; i++)
                if (p->steps[i].pattern == pattern)
                        return &p->steps[i];
        g_error("program %s has no step with pattern %u", p ? p->name : "(null)", pattern);
}

static void test_builtins(void) {
        ProgramList l = {};
        const Program *p;
        const ProgramStep *s;

        load_builtins(&l);
        g_assert_cmpuint(l.n, ==, G_N_ELEMENTS(builtin_names));
        for (size_t i = 0; i < l.n; i++)
                g_assert_cmpstr(l.programs[i]->name, ==, builtin_names[i]);      /* sorted */
        g_assert_nonnull(program_list_find(&l, PROGRAM_DEFAULT));
        /* Every built-in brings its own title and description (clients hold none). */
        for (size_t i = 0; i < l.n; i++) {
                g_assert_cmpstr(l.programs[i]->title, !=, l.programs[i]->name);
                g_assert_cmpuint(strlen(l.programs[i]->description), >, 20);
        }

        /* trigger-point: sustained pressure 30–90 s, release 20–30 s. */
        p = program_list_find(&l, "trigger-point");
        if (!p)
                g_error("no trigger-point program");
        s = first_with(p, MASSAGER_PATTERN_PRESS);
        g_assert_nonnull(s);
        g_assert_cmpuint(s->seconds, >=, 30);
        g_assert_cmpuint(s->seconds, <=, 90);
        g_assert_cmpuint(p->steps[1].seconds, >=, 20);
        g_assert_cmpuint(p->steps[1].seconds, <=, 30);
        /* suboccipital: soft steady pressure 3–5 min. */
        s = first_with(program_list_find(&l, "suboccipital"), MASSAGER_PATTERN_STEADY);
        g_assert_nonnull(s);
        g_assert_cmpuint(s->seconds, >=, 180);
        g_assert_cmpuint(s->seconds, <=, 300);
        /* myofascial: slow 10–20 s holds. */
        s = first_with(program_list_find(&l, "myofascial"), MASSAGER_PATTERN_PRESS);
        g_assert_nonnull(s);
        g_assert_cmpuint(s->seconds, >=, 10);
        g_assert_cmpuint(s->seconds, <=, 20);
        /* kneading alternates (knead pattern); relax has heat; migraine is gentle. */
        g_assert_nonnull(first_with(program_list_find(&l, "kneading"), MASSAGER_PATTERN_KNEAD));
        g_assert_true(program_list_find(&l, "relax")->heat);
        g_assert_true(program_list_find(&l, "migraine")->gentle);
        g_assert_false(program_list_find(&l, "gentle")->heat);
        program_list_clear(&l);
}

/* Every built-in, at every intensity, plans within the policy with default limits. */
static void test_builtins_within_policy(void) {
        MassagerDeviceInfo dev = test_device();
        ProgramList l = {};
        Limits lim;
        PolicyFigures fig = {};
        PolicyInput in = { &lim, &fig, &dev, 80, 300 };

        limits_init_default(&lim);
        g_assert_cmpint(safety_clock_make(test_utc(2026, 6, 15, 10, 0, 0), 1000, TEST_BOOT, &fig.clock), ==, 0);
        fig.screened = true;
        fig.screening_wall_us = fig.clock.wall_us;
        load_builtins(&l);
        for (size_t i = 0; i < l.n; i++)
                for (uint8_t intensity = 1; intensity <= 10; intensity++) {
                        PolicyStartRequest req = { .program = l.programs[i], .intensity = intensity };
                        PolicyRefusal refusal;
                        PolicyPlan plan = {};
                        uint32_t heat = 0;

                        g_assert_cmpint(policy_check_start(&in, &req, &plan, &refusal), ==, 1);
                        for (size_t k = 0; k < plan.n_steps; k++) {
                                g_assert_cmpuint(plan.steps[k].intensity, <=, plan.intensity_cap);
                                if (k == 0)
                                        g_assert_cmpuint(plan.steps[k].intensity, ==, 1);
                                if (plan.steps[k].heat_level)
                                        heat += plan.steps[k].seconds;
                        }
                        if (l.programs[i]->gentle) {
                                g_assert_cmpuint(plan.session_s, <=, 600);
                                g_assert_cmpuint(plan.intensity_cap, ==, 3);
                                g_assert_cmpuint(heat, ==, 0);
                        }
                        if (g_str_equal(l.programs[i]->name, "relax"))
                                g_assert_cmpuint(heat, >, 0);
                        policy_plan_clear(&plan);
                }
        program_list_clear(&l);
}

#define HEAD "[Program]\nName=t\n"
#define STEP1 "[Step 1]\nSeconds=60\nIntensity=50\nPattern=wave\n"

typedef struct BadCase {
        const char *name;
        const char *text;
        const char *error;
} BadCase;

static const BadCase bad_cases[] = {
        { "empty", "", "missing the [Program] group" },
        { "not-keyfile", "garbage\n", "not a valid key file" },
        { "no-name", "[Program]\n" STEP1, "Name: \"\" is not a valid name" },
        { "bad-name", "[Program]\nName=Bad_Name\n" STEP1, "\"Bad_Name\" is not a valid name" },
        { "long-name", "[Program]\nName=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n" STEP1, "not a valid name" },
        { "unknown-program-key", HEAD "Colour=red\n" STEP1, "[Program] unknown key \"Colour\"" },
        { "no-steps", HEAD, "no steps" },
        { "step-2-first", HEAD "[Step 2]\nSeconds=60\nIntensity=50\nPattern=wave\n", "numbered [Step 1], [Step 2]" },
        { "step-0", HEAD "[Step 0]\nSeconds=60\nIntensity=50\nPattern=wave\n", "numbered" },
        { "step-x", HEAD "[Step x]\nSeconds=60\nIntensity=50\nPattern=wave\n", "numbered" },
        { "unknown-group", HEAD STEP1 "[Extra]\nA=1\n", "unknown group [Extra]" },
        { "seconds-0", HEAD "[Step 1]\nSeconds=0\nIntensity=50\nPattern=wave\n",
          "t.program: [Step 1] Seconds: value 0 out of range [1, 1200]" },
        { "seconds-1201", HEAD "[Step 1]\nSeconds=1201\nIntensity=50\nPattern=wave\n", "value 1201 out of range" },
        { "seconds-text", HEAD "[Step 1]\nSeconds=sixty\nIntensity=50\nPattern=wave\n", "\"sixty\" is not a whole number" },
        { "seconds-missing", HEAD "[Step 1]\nIntensity=50\nPattern=wave\n", "Seconds: missing" },
        { "intensity-0", HEAD "[Step 1]\nSeconds=60\nIntensity=0\nPattern=wave\n", "Intensity: value 0 out of range [1, 100]" },
        { "intensity-101", HEAD "[Step 1]\nSeconds=60\nIntensity=101\nPattern=wave\n", "value 101" },
        { "intensity-negative", HEAD "[Step 1]\nSeconds=60\nIntensity=-3\nPattern=wave\n", "value -3" },
        { "pattern-unknown", HEAD "[Step 1]\nSeconds=60\nIntensity=50\nPattern=swirl\n", "unknown pattern \"swirl\"" },
        { "pattern-missing", HEAD "[Step 1]\nSeconds=60\nIntensity=50\n", "Pattern: missing" },
        { "heat-bad", HEAD "[Step 1]\nSeconds=60\nIntensity=50\nPattern=wave\nHeat=perhaps\n", "Heat: value \"perhaps\" is not a boolean" },
        { "step-typo", HEAD "[Step 1]\nSeconds=60\nIntensty=50\nPattern=wave\n", "[Step 1] unknown key \"Intensty\"" },
        { "gentle-rough", "[Program]\nName=t\nGentle=true\n[Step 1]\nSeconds=60\nIntensity=50\nPattern=knead\n",
          "\"knead\" is not gentle" },
        { "gentle-bad-bool", "[Program]\nName=t\nGentle=yes please\n" STEP1, "Gentle: value \"yes please\"" },
        /* Title and Description are shown by clients: errors name file and line. */
        { "title-long", HEAD "Title=" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n" STEP1,
          "/x/t.program:3: [Program] Title: 49 characters, at most 48" },
        { "title-not-utf8", HEAD "Title=Sch\xf6n\n" STEP1, "/x/t.program:3: [Program] Title: not valid UTF-8" },
        { "title-empty", HEAD "Title=  \n" STEP1, "/x/t.program:3: [Program] Title: empty" },
        { "title-escape", HEAD "Title=Red\x1b[31m\n" STEP1, "/x/t.program:3: [Program] Title: contains a control character (U+001B)" },
        { "description-newline", HEAD "Gentle=false\nDescription=one\\ntwo\n" STEP1,
          "/x/t.program:4: [Program] Description: contains a control character (U+000A)" },
        { "description-not-utf8", "# a comment\n\n" HEAD "Description=caf\xc3\n" STEP1,
          "/x/t.program:5: [Program] Description: not valid UTF-8" },
        { "title-localised", HEAD "Title[de]=Sanft\n" STEP1, "[Program] unknown key \"Title[de]\"" },
};

/* 301 characters of two bytes each: the limit counts characters, not bytes. */
static void test_description_long(void) {
        g_autoptr(GString) text = g_string_new(HEAD "Description=");
        g_autofree char *err = NULL;
        Program *p = NULL;

        for (unsigned i = 0; i < PROGRAM_DESCRIPTION_MAX; i++)
                g_string_append(text, "\xc3\xa9");           /* é */
        g_string_append(text, "\n" STEP1);
        g_assert_cmpint(program_load_data(text->str, text->len, "/x/t.program", &p, &err), ==, 0);
        g_assert_cmpuint(g_utf8_strlen(p->description, -1), ==, PROGRAM_DESCRIPTION_MAX);
        p = program_free(p);

        g_string_insert(text, strlen(HEAD "Description="), "e");
        g_assert_cmpint(program_load_data(text->str, text->len, "/x/t.program", &p, &err), ==, -EINVAL);
        g_assert_null(p);
        g_assert_cmpstr(err, ==, "/x/t.program:3: [Program] Description: 301 characters, at most 300");
}

/* Title= and Description= as given (trimmed); without them the title is the
 * name and the description empty, so older user files keep loading. */
static void test_texts(void) {
        const char *full = HEAD "Title = Mein Programm \nDescription=Wellen, dann Druck – 2 min.\n" STEP1;
        g_autofree char *err = NULL;
        _cleanup_program_ Program *p = NULL, *q = NULL, *c = NULL;

        g_assert_cmpint(program_load_data(full, strlen(full), "/x/t.program", &p, &err), ==, 0);
        g_assert_cmpstr(p->title, ==, "Mein Programm");
        g_assert_cmpstr(p->description, ==, "Wellen, dann Druck – 2 min.");
        c = program_dup(p);
        g_assert_cmpstr(c->title, ==, "Mein Programm");
        g_assert_cmpstr(c->description, ==, p->description);

        g_assert_cmpint(program_load_data(HEAD STEP1, strlen(HEAD STEP1), "/x/t.program", &q, &err), ==, 0);
        g_assert_cmpstr(q->title, ==, "t");
        g_assert_cmpstr(q->description, ==, "");
}

static void run_bad_case(gconstpointer data) {
        const BadCase *c = data;
        g_autofree char *err = NULL;
        Program *p = NULL;

        g_assert_cmpint(program_load_data(c->text, strlen(c->text), "/x/t.program", &p, &err), ==, -EINVAL);
        g_assert_null(p);
        g_assert_nonnull(err);
        if (!strstr(err, c->error))
                g_test_message("got: %s", err);
        g_assert_nonnull(strstr(err, c->error));
        g_assert_nonnull(strstr(err, "/x/t.program"));
}

static void test_bad_name_mismatch(void) {
        const char *text = "[Program]\nName=other\n" STEP1;
        g_autofree char *err = NULL;
        Program *p = NULL;

        g_assert_cmpint(program_load_data(text, strlen(text), "/x/t.program", &p, &err), ==, -EINVAL);
        g_assert_nonnull(strstr(err, "does not match the file name (\"t\")"));
}

static void test_too_many_steps(void) {
        g_autoptr(GString) s = g_string_new(HEAD);
        g_autofree char *err = NULL;
        Program *p = NULL;

        for (unsigned i = 1; i <= PROGRAM_STEPS_MAX + 1; i++)
                g_string_append_printf(s, "[Step %u]\nSeconds=10\nIntensity=50\nPattern=wave\n", i);
        g_assert_cmpint(program_load_data(s->str, s->len, "/x/t.program", &p, &err), ==, -EINVAL);
        g_assert_nonnull(strstr(err, "at most 64"));
}

static void test_oversized(void) {
        static char blob[70 * 1024];
        g_autofree char *err = NULL;
        Program *p = NULL;

        memset(blob, '#', sizeof blob - 1);
        g_assert_cmpint(program_load_data(blob, sizeof blob - 1, "/x/t.program", &p, &err), ==, -EINVAL);
        g_assert_nonnull(strstr(err, "larger than"));
}

static void test_step_at(void) {
        static const uint32_t sec[] = { 10, 20 };
        static const uint8_t pct[] = { 50, 100 }, pat[] = { MASSAGER_PATTERN_WAVE, MASSAGER_PATTERN_PRESS };
        TestProgram tp;
        Program *p = test_program(&tp, "t", false, false, 2, sec, pct, pat);
        uint64_t end;

        g_assert_cmpuint(program_cycle_seconds(p), ==, 30);
        g_assert_true(program_step_at(p, 0, &end) == &p->steps[0]);
        g_assert_cmpuint(end, ==, 10);
        g_assert_true(program_step_at(p, 10, &end) == &p->steps[1]);
        g_assert_cmpuint(end, ==, 30);
        g_assert_true(program_step_at(p, 31, &end) == &p->steps[0]);       /* looped */
        g_assert_cmpuint(end, ==, 40);
        p->repeat = false;
        g_assert_true(program_step_at(p, 31, NULL) == &p->steps[1]);       /* holds the last step */
        g_assert_null(program_step_at(NULL, 0, NULL));
}

static char *write_file(const char *dir, const char *name, const char *text) {
        char *path = g_build_filename(dir, name, NULL);
        g_assert_true(g_file_set_contents(path, text, -1, NULL));
        return path;
}

static void test_dirs_override_and_skip(void) {
        g_autofree char *d1 = g_dir_make_tmp("massaged-prog1-XXXXXX", NULL);
        g_autofree char *d2 = g_dir_make_tmp("massaged-prog2-XXXXXX", NULL);
        g_autofree char *missing = g_build_filename(d1, "nope", NULL);
        g_autofree char *a1 = write_file(d1, "a.program", "[Program]\nName=a\nDescription=one\n" STEP1);
        g_autofree char *bad = write_file(d1, "bad.program", "[Program]\nName=bad\n");
        g_autofree char *ignored = write_file(d1, "notes.txt", "not a program");
        g_autofree char *a2 = write_file(d2, "a.program", "[Program]\nName=a\nDescription=two\n" STEP1);
        g_autofree char *b2 = write_file(d2, "b.program", "[Program]\nName=b\n" STEP1);
        const char *dirs[] = { d1, NULL, missing, d2 };
        ProgramList l = {};
        char **w = NULL;

        g_assert_cmpint(program_list_load(dirs, G_N_ELEMENTS(dirs), &l, &w), ==, 0);
        g_assert_cmpuint(l.n, ==, 2);
        g_assert_cmpstr(program_list_find(&l, "a")->description, ==, "two");   /* the later directory wins */
        g_assert_nonnull(program_list_find(&l, "b"));
        g_assert_null(program_list_find(&l, "bad"));
        g_assert_nonnull(w);
        g_assert_nonnull(strstr(w[0], bad));
        g_assert_nonnull(strstr(w[0], "skipping"));
        g_assert_null(w[1]);
        program_strv_free(w);
        program_list_clear(&l);

        /* The default path: $XDG_CONFIG_HOME/massaged/programs after the built-ins. */
        {
                g_autofree char *cfg = g_dir_make_tmp("massaged-xdg-XXXXXX", NULL);
                g_autofree char *pd = g_build_filename(cfg, "massaged", "programs", NULL);
                g_autofree char *mine = NULL;
                g_assert_cmpint(g_mkdir_with_parents(pd, 0700), ==, 0);
                mine = write_file(pd, "gentle.program", "[Program]\nName=gentle\nDescription=mine\n" STEP1);
                g_assert_cmpint(setenv("XDG_CONFIG_HOME", cfg, 1), ==, 0);
                g_autofree char *builtin = test_srcdir_path("daemon/programs");
                g_assert_cmpint(program_list_load_default(builtin, &l, &w), ==, 0);
                g_assert_null(w);
                g_assert_cmpuint(l.n, ==, G_N_ELEMENTS(builtin_names));
                g_assert_cmpstr(program_list_find(&l, "gentle")->description, ==, "mine");
                program_list_clear(&l);
                g_unlink(mine);
                g_rmdir(pd);
                g_autofree char *md = g_build_filename(cfg, "massaged", NULL);
                g_rmdir(md);
                g_rmdir(cfg);
        }

        /* A missing file is -ENOENT with its name. */
        {
                g_autofree char *err = NULL;
                Program *p = NULL;
                g_assert_cmpint(program_load_file(missing, &p, &err), ==, -ENOENT);
                g_assert_nonnull(strstr(err, missing));
        }

        g_unlink(a1);
        g_unlink(bad);
        g_unlink(ignored);
        g_unlink(a2);
        g_unlink(b2);
        g_rmdir(d1);
        g_rmdir(d2);
}

/* A FIFO named x.program in the user's directory must not block start-up (its
 * open() and read() would wait for a writer for ever); neither may a device or
 * a directory with the suffix. Each is skipped with a warning naming it, and
 * the good program beside them loads. The alarm fails the test instead of
 * hanging it. */
static void test_special_files(void) {
        g_autofree char *d = g_dir_make_tmp("massaged-prog-special-XXXXXX", NULL);
        g_autofree char *fifo = g_build_filename(d, "fifo.program", NULL);
        g_autofree char *dev = g_build_filename(d, "null.program", NULL);
        g_autofree char *sub = g_build_filename(d, "sub.program", NULL);
        g_autofree char *good = write_file(d, "good.program", "[Program]\nName=good\n" STEP1);
        g_autofree char *err = NULL;
        const char *dirs[] = { d };
        ProgramList l = {};
        Program *p = NULL;
        char **w = NULL;

        g_assert_cmpint(mkfifo(fifo, 0600), ==, 0);
        g_assert_cmpint(symlink("/dev/null", dev), ==, 0);
        g_assert_cmpint(g_mkdir(sub, 0700), ==, 0);

        alarm(10);
        g_assert_cmpint(program_load_file(fifo, &p, &err), ==, -EINVAL);
        g_assert_nonnull(strstr(err, fifo));
        g_assert_nonnull(strstr(err, "not a regular file (a FIFO)"));
        g_assert_cmpint(program_list_load(dirs, 1, &l, &w), ==, 0);
        alarm(0);
        g_assert_cmpuint(l.n, ==, 1);
        g_assert_nonnull(program_list_find(&l, "good"));
        g_assert_nonnull(w);
        g_assert_true(strstr(w[0], fifo) && strstr(w[0], "FIFO") && strstr(w[0], "skipping"));
        g_assert_true(strstr(w[1], dev) && strstr(w[1], "a device"));
        g_assert_true(strstr(w[2], sub) && strstr(w[2], "a directory"));
        g_assert_null(w[3]);
        program_strv_free(w);
        program_list_clear(&l);

        g_unlink(fifo);
        g_unlink(dev);
        g_unlink(good);
        g_rmdir(sub);
        g_rmdir(d);
}

static void test_dup(void) {
        TestProgram tp;
        Program *p = test_program_steady(&tp);
        Program *c = program_dup(p);

        g_assert_nonnull(c);
        g_assert_true(c != p);
        g_assert_cmpstr(c->name, ==, p->name);
        g_assert_cmpuint(c->n_steps, ==, p->n_steps);
        g_assert_true(c->steps != p->steps);
        g_assert_cmpmem(c->steps, c->n_steps * sizeof *c->steps, p->steps, p->n_steps * sizeof *p->steps);
        g_assert_null(program_dup(NULL));
        program_free(c);
}

int main(int argc, char *argv[]) {
        test_set_tz();
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/program/builtins", test_builtins);
        g_test_add_func("/program/builtins-within-policy", test_builtins_within_policy);
        for (size_t i = 0; i < G_N_ELEMENTS(bad_cases); i++) {
                g_autofree char *path = g_strdup_printf("/program/bad/%s", bad_cases[i].name);
                g_test_add_data_func(path, &bad_cases[i], run_bad_case);
        }
        g_test_add_func("/program/bad/name-mismatch", test_bad_name_mismatch);
        g_test_add_func("/program/bad/description-long", test_description_long);
        g_test_add_func("/program/texts", test_texts);
        g_test_add_func("/program/bad/too-many-steps", test_too_many_steps);
        g_test_add_func("/program/bad/oversized", test_oversized);
        g_test_add_func("/program/step-at", test_step_at);
        g_test_add_func("/program/dirs", test_dirs_override_and_skip);
        g_test_add_func("/program/special-files", test_special_files);
        g_test_add_func("/program/dup", test_dup);
        return g_test_run();
}
