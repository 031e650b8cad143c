/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Loading program files (GKeyFile). Strict on purpose: an unknown key is an
 * error, not a warning, because a misspelt "Intensty=20" silently falling back
 * to a default is exactly the surprise a user must not get on their neck.
 * Invalid files are skipped with a message naming file, group, key and value.
 */

#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "file-read.h"
#include "macro.h"
#include "massager-protocol.h"
#include "paths.h"
#include "program.h"

#ifndef MASSAGED_PROGRAMS_DIR
/* The build always defines it (daemon/safety.mk); this only serves tools that
 * compile the file on their own, like static analysers. */
#define MASSAGED_PROGRAMS_DIR "/usr/local/share/massaged/programs"
#endif

#define PROGRAM_FILE_MAX (64 * 1024)
#define PROGRAM_SUFFIX ".program"

static int fail(char **ret_error, int r, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
static int fail(char **ret_error, int r, const char *fmt, ...) {
        va_list ap;

        if (ret_error) {
                va_start(ap, fmt);
                *ret_error = g_strdup_vprintf(fmt, ap);
                va_end(ap);
        }
        return r;
}

static bool name_valid(const char *s) {
        size_t n = 0;

        if (!s || !*s)
                return false;
        for (; s[n]; n++)
                if (!((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= '0' && s[n] <= '9') || s[n] == '-'))
                        return false;
        return n <= PROGRAM_NAME_MAX;
}

static bool key_allowed(const char *key, const char *const *allowed) {
        for (; *allowed; allowed++)
                if (strcmp(key, *allowed) == 0)
                        return true;
        return false;
}

/* Every key of group must be one of allowed. */
static int check_keys(GKeyFile *kf, const char *path, const char *group, const char *const *allowed,
                      char **ret_error) {
        g_auto(GStrv) keys = g_key_file_get_keys(kf, group, NULL, NULL);

        for (char **k = keys; k && *k; k++)
                if (!key_allowed(*k, allowed))
                        return fail(ret_error, -EINVAL, "%s: [%s] unknown key \"%s\"", path, group, *k);
        return 0;
}

static int get_bool(GKeyFile *kf, const char *path, const char *group, const char *key, bool def, bool *ret,
                    char **ret_error) {
        g_autoptr(GError) e = NULL;
        gboolean b;

        if (!g_key_file_has_key(kf, group, key, NULL)) {
                *ret = def;
                return 0;
        }
        b = g_key_file_get_boolean(kf, group, key, &e);
        if (e) {
                g_autofree char *v = g_key_file_get_value(kf, group, key, NULL);
                return fail(ret_error, -EINVAL, "%s: [%s] %s: value \"%s\" is not a boolean (true or false)", path,
                            group, key, v ? v : "");
        }
        *ret = b;
        return 0;
}

static int get_uint(GKeyFile *kf, const char *path, const char *group, const char *key, unsigned min,
                    unsigned max, unsigned *ret, char **ret_error) {
        g_autofree char *v = NULL;
        char *end = NULL;
        long long n;

        if (!g_key_file_has_key(kf, group, key, NULL))
                return fail(ret_error, -EINVAL, "%s: [%s] %s: missing (a number from %u to %u)", path, group, key,
                            min, max);
        v = g_key_file_get_value(kf, group, key, NULL);
        g_strstrip(v);
        errno = 0;
        n = strtoll(v, &end, 10);
        if (!*v || *end || errno)
                return fail(ret_error, -EINVAL, "%s: [%s] %s: value \"%s\" is not a whole number", path, group, key, v);
        if (n < (long long) min || n > (long long) max)
                return fail(ret_error, -EINVAL, "%s: [%s] %s: value %lld out of range [%u, %u]", path, group, key, n,
                            min, max);
        *ret = (unsigned) n;
        return 0;
}

static int load_step(GKeyFile *kf, const char *path, const char *group, bool gentle, ProgramStep *ret,
                     char **ret_error) {
        static const char *const allowed[] = { "Seconds", "Intensity", "Pattern", "Heat", NULL };
        g_autofree char *pattern = NULL;
        unsigned seconds, intensity;
        bool heat;
        int r, p;

        r = check_keys(kf, path, group, allowed, ret_error);
        if (r < 0)
                return r;
        r = get_uint(kf, path, group, "Seconds", 1, PROGRAM_STEP_SECONDS_MAX, &seconds, ret_error);
        if (r < 0)
                return r;
        r = get_uint(kf, path, group, "Intensity", 1, 100, &intensity, ret_error);
        if (r < 0)
                return r;
        pattern = g_key_file_get_value(kf, group, "Pattern", NULL);
        if (!pattern)
                return fail(ret_error, -EINVAL, "%s: [%s] Pattern: missing (steady, wave, pulse, knead, press or tap)",
                            path, group);
        g_strstrip(pattern);
        p = massager_pattern_from_string(pattern);
        if (p < 0)
                return fail(ret_error, -EINVAL,
                            "%s: [%s] Pattern: unknown pattern \"%s\" (steady, wave, pulse, knead, press or tap)", path,
                            group, pattern);
        if (gentle && p != MASSAGER_PATTERN_STEADY && p != MASSAGER_PATTERN_WAVE)
                return fail(ret_error, -EINVAL,
                            "%s: [%s] Pattern: \"%s\" is not gentle; a Gentle=true program may use steady or wave only",
                            path, group, pattern);
        r = get_bool(kf, path, group, "Heat", true, &heat, ret_error);
        if (r < 0)
                return r;
        *ret = (ProgramStep) {
                .seconds = seconds,
                .intensity_pct = (uint8_t) intensity,
                .pattern = (uint8_t) p,
                .heat = heat,
        };
        return 0;
}

/* The line of key= in [group], for messages about a value GKeyFile read
 * (it does not say where it found one); 0 when not found. */
static unsigned key_line(const char *data, size_t len, const char *group, const char *key) {
        size_t klen = strlen(key), glen = strlen(group);
        bool in_group = false;
        unsigned line = 1;

        for (size_t i = 0; i < len; line++) {
                const char *l = data + i, *nl = memchr(l, '\n', len - i);
                size_t n = nl ? (size_t) (nl - l) : len - i;

                while (n > 0 && (*l == ' ' || *l == '\t'))
                        l++, n--;
                if (n > 0 && *l == '[')
                        in_group = n >= glen + 2 && memcmp(l + 1, group, glen) == 0 && l[glen + 1] == ']';
                else if (in_group && n > klen && memcmp(l, key, klen) == 0) {
                        size_t j = klen;
                        while (j < n && (l[j] == ' ' || l[j] == '\t'))
                                j++;
                        if (j < n && l[j] == '=')
                                return line;
                }
                i = nl ? (size_t) (nl - data) + 1 : len;
        }
        return 0;
}

/* A text clients show (Title, Description): optional, UTF-8, one line without
 * control characters (a terminal would obey them), at most max characters. */
static int get_text(GKeyFile *kf, const char *data, size_t len, const char *path, const char *key, unsigned max,
                    const char *def, char **ret, char **ret_error) {
        g_autoptr(GError) e = NULL;
        g_autofree char *v = NULL;
        unsigned line;
        glong n;

        if (!g_key_file_has_key(kf, "Program", key, NULL)) {
                *ret = strdup(def);
                return *ret ? 0 : -ENOMEM;
        }
        line = key_line(data, len, "Program", key);
        v = g_key_file_get_string(kf, "Program", key, &e);
        if (!v || !g_utf8_validate(v, -1, NULL))
                return fail(ret_error, -EINVAL, "%s:%u: [Program] %s: not valid UTF-8 text%s%s", path, line, key,
                            e ? ": " : "", e ? e->message : "");
        g_strstrip(v);
        if (!*v)
                return fail(ret_error, -EINVAL, "%s:%u: [Program] %s: empty (leave the key out instead)", path, line,
                            key);
        for (const char *c = v; *c; c = g_utf8_next_char(c))
                if (g_unichar_iscntrl(g_utf8_get_char(c)))
                        return fail(ret_error, -EINVAL,
                                    "%s:%u: [Program] %s: contains a control character (U+%04X); write one line of "
                                    "plain text", path, line, key, (unsigned) g_utf8_get_char(c));
        n = g_utf8_strlen(v, -1);
        if (n > (glong) max)
                return fail(ret_error, -EINVAL, "%s:%u: [Program] %s: %ld characters, at most %u", path, line, key,
                            (long) n, max);
        *ret = strdup(v);
        return *ret ? 0 : -ENOMEM;
}

/* Fill the caller's (zeroed) p from kf; the caller frees p on failure. */
static int program_parse(GKeyFile *kf, const char *data, size_t len, const char *path, Program *p,
                         char **ret_error) {
        static const char *const allowed[] = { "Name", "Title", "Description", "Gentle", "Heat", "Repeat", NULL };
        g_auto(GStrv) groups = NULL;
        g_autofree char *name = NULL, *expected = NULL;
        size_t n_groups = 0;
        int r;

        if (!g_key_file_has_group(kf, "Program"))
                return fail(ret_error, -EINVAL, "%s: missing the [Program] group", path);
        r = check_keys(kf, path, "Program", allowed, ret_error);
        if (r < 0)
                return r;

        name = g_key_file_get_value(kf, "Program", "Name", NULL);
        if (name)
                g_strstrip(name);
        if (!name || !name_valid(name))
                return fail(ret_error, -EINVAL,
                            "%s: [Program] Name: \"%s\" is not a valid name (1–%d characters a-z, 0-9, -)", path,
                            name ? name : "", PROGRAM_NAME_MAX);
        /* The name must match the file, so a user file overrides the built-in it names. */
        {
                g_autofree char *base = g_path_get_basename(path);
                if (g_str_has_suffix(base, PROGRAM_SUFFIX)) {
                        expected = g_strndup(base, strlen(base) - strlen(PROGRAM_SUFFIX));
                        if (!expected || strcmp(expected, name) != 0)
                                return fail(ret_error, -EINVAL,
                                            "%s: [Program] Name: \"%s\" does not match the file name (\"%s\")", path,
                                            name, expected ? expected : "");
                }
        }
        p->name = strdup(name);
        p->path = strdup(path);
        if (!p->name || !p->path)
                return -ENOMEM;
        r = get_text(kf, data, len, path, "Title", PROGRAM_TITLE_MAX, name, &p->title, ret_error);
        if (r < 0)
                return r;
        r = get_text(kf, data, len, path, "Description", PROGRAM_DESCRIPTION_MAX, "", &p->description, ret_error);
        if (r < 0)
                return r;
        r = get_bool(kf, path, "Program", "Gentle", false, &p->gentle, ret_error);
        if (r < 0)
                return r;
        r = get_bool(kf, path, "Program", "Heat", false, &p->heat, ret_error);
        if (r < 0)
                return r;
        r = get_bool(kf, path, "Program", "Repeat", true, &p->repeat, ret_error);
        if (r < 0)
                return r;

        groups = g_key_file_get_groups(kf, &n_groups);
        for (char **g = groups; g && *g; g++) {
                unsigned idx;
                char *end = NULL;

                if (strcmp(*g, "Program") == 0)
                        continue;
                if (!g_str_has_prefix(*g, "Step "))
                        return fail(ret_error, -EINVAL, "%s: unknown group [%s] (expected [Program] and [Step N])",
                                    path, *g);
                idx = (unsigned) strtoul(*g + 5, &end, 10);
                if (*end || idx == 0 || idx > PROGRAM_STEPS_MAX || idx != p->n_steps + 1)
                        return fail(ret_error, -EINVAL,
                                    "%s: group [%s]: steps must be numbered [Step 1], [Step 2] … in order (at most %u)",
                                    path, *g, PROGRAM_STEPS_MAX);
                ProgramStep *s = realloc(p->steps, (p->n_steps + 1) * sizeof *s);
                if (!s)
                        return -ENOMEM;
                p->steps = s;
                r = load_step(kf, path, *g, p->gentle, &p->steps[p->n_steps], ret_error);
                if (r < 0)
                        return r;
                p->n_steps++;
        }
        if (p->n_steps == 0)
                return fail(ret_error, -EINVAL, "%s: no steps (add [Step 1] with Seconds, Intensity and Pattern)",
                            path);

        return 0;
}

int program_load_data(const char *data, size_t len, const char *path, Program **ret, char **ret_error) {
        g_autoptr(GKeyFile) kf = g_key_file_new();
        g_autoptr(GError) e = NULL;
        Program *p;
        int r;

        if (!path)
                path = "(program)";
        if (!data || len > PROGRAM_FILE_MAX)
                return fail(ret_error, -EINVAL, "%s: file is larger than %d bytes", path, PROGRAM_FILE_MAX);
        /* Keeping translations makes "Title[de]=" an unknown key whatever the
         * daemon's locale, instead of silently dropped in some locales only:
         * the daemon serves one text and clients show it as it is. */
        if (!g_key_file_load_from_data(kf, data, len, G_KEY_FILE_KEEP_TRANSLATIONS, &e))
                return fail(ret_error, -EINVAL, "%s: not a valid key file: %s", path, e->message);

        p = calloc(1, sizeof *p);
        if (!p)
                return -ENOMEM;
        r = program_parse(kf, data, len, path, p, ret_error);
        if (r < 0) {
                program_free(p);
                return r;
        }
        *ret = p;
        return 0;
}

int program_load_file(const char *path, Program **ret, char **ret_error) {
        _cleanup_free_ char *data = NULL;
        const char *kind = NULL;
        size_t len = 0;
        int r;

        /* One byte more than allowed, so program_load_data() sees an oversized file. */
        r = file_read_regular(path, PROGRAM_FILE_MAX + 1, &data, &len, &kind);
        if (r == -EINVAL && kind)
                return fail(ret_error, -EINVAL, "%s: not a regular file (%s); a program must be a plain file",
                            path, kind);
        if (r < 0)
                return fail(ret_error, r == -ENOENT ? -ENOENT : r == -EACCES || r == -EPERM ? -EACCES : -EIO,
                            "%s: cannot read: %s", path, g_strerror(-r));
        return program_load_data(data, len, path, ret, ret_error);
}

static int compare_programs(const void *a, const void *b) {
        return strcmp((*(Program *const *) a)->name, (*(Program *const *) b)->name);
}

static gint compare_names(gconstpointer a, gconstpointer b) {
        /* g_ptr_array_sort() passes pointers to the elements */
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static int list_put(ProgramList *l, Program *p) {
        if (!p || !p->name)
                return -EINVAL;
        for (size_t i = 0; l->programs && i < l->n; i++)
                if (l->programs[i] && l->programs[i]->name && strcmp(l->programs[i]->name, p->name) == 0) {
                        program_free(l->programs[i]);
                        l->programs[i] = p;     /* a later directory overrides */
                        return 0;
                }
        Program **n = realloc(l->programs, (l->n + 1) * sizeof(Program *));
        if (!n)
                return -ENOMEM;
        l->programs = n;
        l->programs[l->n++] = p;
        return 0;
}

int program_list_load(const char *const *dirs, size_t n_dirs, ProgramList *ret, char ***ret_warnings) {
        g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
        ProgramList l = {};

        for (size_t d = 0; d < n_dirs; d++) {
                g_autoptr(GDir) dir = NULL;
                g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
                g_autoptr(GError) e = NULL;
                const char *n;

                if (!dirs[d])
                        continue;
                dir = g_dir_open(dirs[d], 0, &e);
                if (!dir) {
                        if (!g_error_matches(e, G_FILE_ERROR, G_FILE_ERROR_NOENT))
                                g_ptr_array_add(warnings, g_strdup_printf("%s: cannot read program directory: %s",
                                                                          dirs[d], e->message));
                        continue;
                }
                while ((n = g_dir_read_name(dir)))
                        if (g_str_has_suffix(n, PROGRAM_SUFFIX))
                                g_ptr_array_add(names, g_strdup(n));
                g_ptr_array_sort(names, compare_names);
                for (guint i = 0; i < names->len; i++) {
                        g_autofree char *path = g_build_filename(dirs[d], names->pdata[i], NULL);
                        g_autofree char *err = NULL;
                        Program *p = NULL;
                        int r = program_load_file(path, &p, &err);
                        if (r < 0 || !p) {
                                g_ptr_array_add(warnings, g_strdup_printf("%s; skipping this program", err ? err : path));
                                continue;
                        }
                        if (list_put(&l, p) < 0) {
                                program_free(p);
                                program_list_clear(&l);
                                return -ENOMEM;
                        }
                }
        }
        if (l.n > 1)
                qsort(l.programs, l.n, sizeof(Program *), compare_programs);

        *ret = l;
        if (ret_warnings) {
                if (warnings->len == 0)
                        *ret_warnings = NULL;
                else {
                        char **w = calloc(warnings->len + 1, sizeof(char *));
                        if (!w) {
                                program_list_clear(ret);
                                return -ENOMEM;
                        }
                        for (guint i = 0; i < warnings->len; i++)
                                if (!(w[i] = strdup(warnings->pdata[i]))) {
                                        program_strv_free(w);
                                        program_list_clear(ret);
                                        return -ENOMEM;
                                }
                        *ret_warnings = w;
                }
        }
        return 0;
}

const char *program_builtin_dir(void) {
        return MASSAGED_PROGRAMS_DIR;
}

int program_list_load_default(const char *builtin_dir, ProgramList *ret, char ***ret_warnings) {
        g_autofree char *user = NULL;
        char *dir = NULL;

        if (paths_config_dir(&dir) == 0)
                user = g_build_filename(dir, "programs", NULL);
        free(dir);

        const char *dirs[] = { builtin_dir, user };
        return program_list_load(dirs, G_N_ELEMENTS(dirs), ret, ret_warnings);
}
