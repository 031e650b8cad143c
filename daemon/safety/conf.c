/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * massaged.conf: limits and defaults (doc/safety.md, doc/configuration.md). Out-of-range values are
 * clamped to the nearest bound with a warning rather than rejected, so a value
 * past a hard limit can never loosen anything and a value below a floor still
 * makes the limit as strict as allowed. A file we cannot read or parse is an
 * error: starting with defaults could be looser than what the user wrote.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

#include "conf.h"
#include "file-read.h"
#include "macro.h"
#include "massager-protocol.h"
#include "paths.h"
#include "program.h"

#define CONF_FILE_MAX (256 * 1024)

/* conf_init() allocates nothing, so initialising twice (or loading into an
 * initialised Conf) cannot leak: the default program name is this static
 * string until a file names another one. */
static char default_program_static[] = PROGRAM_DEFAULT;

static void set_program(Conf *c, char *name) {
        if (c->default_program != default_program_static)
                free(c->default_program);
        c->default_program = name;
}

void conf_init(Conf *c) {
        *c = (Conf) {
                .default_intensity = 3,
                .default_heat_level = 0,
                .default_duration_s = 0,
                .idle_timeout_s = CONF_IDLE_TIMEOUT_DEFAULT_S,
        };
        limits_init_default(&c->limits);
        for (unsigned i = 0; i < _LIMIT_MAX; i++)
                c->source[i] = LIMIT_SOURCE_DEFAULT;
        c->default_program = default_program_static;
}

void conf_clear(Conf *c) {
        if (!c)
                return;
        set_program(c, NULL);
}

static void warn(GPtrArray *w, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void warn(GPtrArray *w, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        g_ptr_array_add(w, g_strdup_vprintf(fmt, ap));
        va_end(ap);
}

/* Strict whole number: optional sign, digits, nothing else. */
static bool parse_number(const char *v, long long *ret) {
        char *end = NULL;

        if (!v || !*v)
                return false;
        errno = 0;
        *ret = strtoll(v, &end, 10);
        return !*end && errno == 0;
}

/* A limit's value that cannot be read is an error, not a warning: keeping the
 * default could be looser than what the user wrote ("session_minutes=1O"). */
static int limit_unreadable(const char *path, const char *key, const char *v, const char *what, char **ret_error) {
        if (ret_error)
                *ret_error = g_strdup_printf("%s: [Limits] %s: value \"%s\" is not %s; its default may be looser "
                                             "than what you meant, so no session starts: fix the value (see "
                                             "massaged.conf.example)", path, key, v ? v : "", what);
        return -EINVAL;
}

static int load_limit(GKeyFile *kf, const char *path, const char *key, Conf *c, GPtrArray *w, char **ret_error) {
        g_autofree char *v = g_key_file_get_value(kf, "Limits", key, NULL);
        int id = limit_from_key(key);
        const LimitInfo *li;
        long long n;

        if (id < 0) {
                warn(w, "%s: [Limits] unknown key \"%s\", ignored", path, key);
                return 0;
        }
        li = limit_info((LimitId) id);
        if (v)
                g_strstrip(v);

        if (li->type == LIMIT_TYPE_BOOL) {
                g_autoptr(GError) e = NULL;
                gboolean b = g_key_file_get_boolean(kf, "Limits", key, &e);
                if (e)
                        return limit_unreadable(path, key, v, "a boolean (true or false)", ret_error);
                c->limits.value[id] = b ? 1 : 0;
                c->source[id] = LIMIT_SOURCE_CONFIG;
                return 0;
        }

        if (!parse_number(v, &n))
                return limit_unreadable(path, key, v, "a whole number", ret_error);
        if (n < (long long) li->min || n > (long long) li->max) {
                uint32_t clamped = n < (long long) li->min ? li->min : li->max;
                bool past_hard = li->higher_is_safer ? n < (long long) li->min : n > (long long) li->max;
                warn(w, "%s: [Limits] %s: value %lld out of range [%u, %u]; using %u%s", path, key, n, li->min,
                     li->max, clamped, past_hard ? " (the hard limit)" : "");
                c->limits.value[id] = clamped;
        } else
                c->limits.value[id] = (uint32_t) n;
        c->source[id] = LIMIT_SOURCE_CONFIG;
        return 0;
}

static bool load_default_uint(GKeyFile *kf, const char *path, const char *key, unsigned min, unsigned max,
                              unsigned *ret, GPtrArray *w) {
        g_autofree char *v = g_key_file_get_value(kf, "Defaults", key, NULL);
        long long n;

        if (v)
                g_strstrip(v);
        if (!parse_number(v, &n)) {
                warn(w, "%s: [Defaults] %s: value \"%s\" is not a whole number; keeping %u", path, key, v ? v : "",
                     *ret);
                return false;
        }
        if (n < (long long) min || n > (long long) max) {
                unsigned clamped = n < (long long) min ? min : max;
                warn(w, "%s: [Defaults] %s: value %lld out of range [%u, %u]; using %u", path, key, n, min, max,
                     clamped);
                *ret = clamped;
        } else
                *ret = (unsigned) n;
        return true;
}

static int load_defaults(GKeyFile *kf, const char *path, Conf *c, GPtrArray *w) {
        g_auto(GStrv) keys = g_key_file_get_keys(kf, "Defaults", NULL, NULL);

        for (char **k = keys; k && *k; k++) {
                unsigned u;

                if (strcmp(*k, "program") == 0) {
                        g_autofree char *v = g_key_file_get_value(kf, "Defaults", *k, NULL);
                        bool ok = v && *g_strstrip(v) && strlen(v) <= PROGRAM_NAME_MAX;
                        for (const char *p = v; ok && *p; p++)
                                ok = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-';
                        if (!ok) {
                                warn(w, "%s: [Defaults] program: \"%s\" is not a program name; keeping \"%s\"", path,
                                     v ? v : "", c->default_program);
                                continue;
                        }
                        char *s = strdup(v);
                        if (!s)
                                return -ENOMEM;
                        set_program(c, s);
                } else if (strcmp(*k, "intensity") == 0) {
                        u = c->default_intensity;
                        if (load_default_uint(kf, path, *k, 1, MASSAGER_INTENSITY_MAX, &u, w))
                                c->default_intensity = (uint8_t) u;
                } else if (strcmp(*k, "heat") == 0) {
                        u = c->default_heat_level;
                        if (load_default_uint(kf, path, *k, 0, MASSAGER_HEAT_LEVELS_MAX, &u, w))
                                c->default_heat_level = (uint8_t) u;
                } else if (strcmp(*k, "duration_minutes") == 0) {
                        u = c->default_duration_s / 60;
                        /* 20 = the hard session limit; the policy caps it further anyway. */
                        if (load_default_uint(kf, path, *k, 0, limit_info(LIMIT_SESSION_MINUTES)->max, &u, w))
                                c->default_duration_s = u * 60;
                } else
                        warn(w, "%s: [Defaults] unknown key \"%s\", ignored", path, *k);
        }
        return 0;
}

int conf_parse_duration(const char *s, uint32_t *ret) {
        static const struct { const char *suffix; uint64_t seconds; } units[] = {
                { "min", 60 }, { "m", 60 }, { "h", 3600 }, { "s", 1 },
        };
        uint64_t total = 0;
        const char *start = s;

        if (!s || !*s)
                return -EINVAL;
        while (*s) {
                uint64_t n = 0, unit = 1;
                const char *digits = s;
                size_t k;

                for (; *s >= '0' && *s <= '9'; s++) {
                        n = n * 10 + (uint64_t) (*s - '0');
                        if (n > CONF_IDLE_TIMEOUT_MAX_S)
                                return -ERANGE;
                }
                if (s == digits)
                        return -EINVAL;
                for (k = 0; k < G_N_ELEMENTS(units); k++)
                        if (strncmp(s, units[k].suffix, strlen(units[k].suffix)) == 0) {
                                unit = units[k].seconds;
                                s += strlen(units[k].suffix);
                                break;
                        }
                /* A bare number is seconds, and only as the whole string ("1h30" is ambiguous). */
                if (k == G_N_ELEMENTS(units) && (*s || digits != start))
                        return -EINVAL;
                total += n * unit;
                if (total > CONF_IDLE_TIMEOUT_MAX_S)
                        return -ERANGE;
        }
        *ret = (uint32_t) total;
        return 0;
}

static void load_daemon(GKeyFile *kf, const char *path, Conf *c, GPtrArray *w) {
        g_auto(GStrv) keys = g_key_file_get_keys(kf, "Daemon", NULL, NULL);

        for (char **k = keys; k && *k; k++) {
                if (strcmp(*k, "idle_timeout") == 0) {
                        g_autofree char *v = g_key_file_get_value(kf, "Daemon", *k, NULL);
                        uint32_t t;
                        int r;

                        if (v)
                                g_strstrip(v);
                        r = conf_parse_duration(v, &t);
                        if (r == -ERANGE) {
                                warn(w, "%s: [Daemon] idle_timeout: \"%s\" is longer than %u s; using %u s", path, v,
                                     CONF_IDLE_TIMEOUT_MAX_S, CONF_IDLE_TIMEOUT_MAX_S);
                                c->idle_timeout_s = CONF_IDLE_TIMEOUT_MAX_S;
                        } else if (r < 0)
                                warn(w, "%s: [Daemon] idle_timeout: \"%s\" is not a duration (e.g. 600, 10min, 1h; "
                                     "0 = never); keeping %u s", path, v ? v : "", c->idle_timeout_s);
                        else
                                c->idle_timeout_s = t;
                } else
                        warn(w, "%s: [Daemon] unknown key \"%s\", ignored", path, *k);
        }
}

static int warnings_out(GPtrArray *w, char ***ret) {
        char **v;

        if (!ret)
                return 0;
        *ret = NULL;
        if (w->len == 0)
                return 0;
        v = calloc(w->len + 1, sizeof *v);
        if (!v)
                return -ENOMEM;
        for (guint i = 0; i < w->len; i++)
                if (!(v[i] = strdup(w->pdata[i]))) {
                        program_strv_free(v);
                        return -ENOMEM;
                }
        *ret = v;
        return 0;
}

/* The 1-based line GKeyFile stumbled on (its message quotes the line but not
 * its number): the first that is neither blank, a # comment, a [group] nor
 * key=value, or a key before any group. 0 when none is found (e.g. bad UTF-8). */
static unsigned bad_line(const char *data, size_t len) {
        const char *p = data, *end = data + len;
        bool in_group = false;
        unsigned n = 0;

        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t) (end - p)), *e = nl ? nl : end;

                n++;
                while (p < e && (*p == ' ' || *p == '\t'))
                        p++;
                while (e > p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
                        e--;
                if (p < e && *p != '#') {
                        if (*p == '[') {
                                if (e[-1] != ']')
                                        return n;
                                in_group = true;
                        } else if (!in_group || !memchr(p, '=', (size_t) (e - p)))
                                return n;
                }
                p = nl ? nl + 1 : end;
        }
        return 0;
}

int conf_load_data(const char *data, size_t len, const char *path, Conf *ret, char ***ret_warnings,
                   char **ret_error) {
        g_autoptr(GKeyFile) kf = g_key_file_new();
        g_autoptr(GPtrArray) w = g_ptr_array_new_with_free_func(g_free);
        g_autoptr(GError) e = NULL;
        g_auto(GStrv) groups = NULL;
        int r;

        if (!path)
                path = "(config)";
        conf_init(ret);
        if (ret_warnings)
                *ret_warnings = NULL;

        if (len > CONF_FILE_MAX) {
                if (ret_error)
                        *ret_error = g_strdup_printf("%s: file is larger than %d bytes; is it the right file?", path,
                                                     CONF_FILE_MAX);
                return -EINVAL;
        }
        if (!g_key_file_load_from_data(kf, data ? data : "", len, G_KEY_FILE_NONE, &e)) {
                unsigned line = data ? bad_line(data, len) : 0;
                if (ret_error) {
                        if (line > 0)
                                *ret_error = g_strdup_printf("%s: line %u: %s; fix the file (see "
                                                             "massaged.conf.example) or move it aside", path, line,
                                                             e->message);
                        else
                                *ret_error = g_strdup_printf("%s: %s; fix the file (see massaged.conf.example) or "
                                                             "move it aside", path, e->message);
                }
                return -EINVAL;
        }

        groups = g_key_file_get_groups(kf, NULL);
        for (char **g = groups; g && *g; g++) {
                if (strcmp(*g, "Limits") == 0) {
                        g_auto(GStrv) keys = g_key_file_get_keys(kf, *g, NULL, NULL);
                        for (char **k = keys; k && *k; k++) {
                                r = load_limit(kf, path, *k, ret, w, ret_error);
                                if (r < 0)
                                        return r;
                        }
                } else if (strcmp(*g, "Defaults") == 0) {
                        r = load_defaults(kf, path, ret, w);
                        if (r < 0)
                                return r;
                } else if (strcmp(*g, "Daemon") == 0)
                        load_daemon(kf, path, ret, w);
                else
                        warn(w, "%s: unknown group [%s], ignored", path, *g);
        }
        return warnings_out(w, ret_warnings);
}

/* A path that does not name a file: is it absent (defaults) or a dangling
 * symlink (the user meant a file; broken, fail closed)? */
static int conf_missing(const char *path, Conf *ret, char ***ret_warnings, char **ret_error) {
        g_autofree char *target = NULL;
        struct stat st;

        conf_init(ret);
        if (ret_warnings)
                *ret_warnings = NULL;
        if (lstat(path, &st) < 0 || !S_ISLNK(st.st_mode))
                return 0;
        target = g_file_read_link(path, NULL);
        if (ret_error)
                *ret_error = g_strdup_printf("%s: a symbolic link to \"%s\", which does not exist; point it at "
                                             "the configuration file or remove the link", path,
                                             target ? target : "?");
        return -ENOENT;
}

int conf_load(const char *path, Conf *ret, char ***ret_warnings, char **ret_error) {
        _cleanup_free_ char *data = NULL;
        const char *kind = NULL;
        size_t len = 0;
        int r;

        /* One byte more than allowed, so conf_load_data() sees an oversized file. */
        r = file_read_regular(path, CONF_FILE_MAX + 1, &data, &len, &kind);
        if (r == -ENOENT)
                return conf_missing(path, ret, ret_warnings, ret_error);
        conf_init(ret);
        if (r == -EINVAL && kind) {
                if (ret_error)
                        *ret_error = g_strdup_printf("%s: not a regular file (%s); the configuration must be a "
                                                     "plain file: replace it with one or remove it", path, kind);
                return -EINVAL;
        }
        if (r == -EACCES || r == -EPERM) {
                if (ret_error)
                        *ret_error = g_strdup_printf("%s: cannot read the configuration: %s; fix its permissions "
                                                     "(chmod u+r) or move it aside", path, g_strerror(-r));
                return -EACCES;
        }
        if (r < 0) {
                if (ret_error)
                        *ret_error = g_strdup_printf("%s: cannot read the configuration: %s; fix the file or move "
                                                     "it aside", path, g_strerror(-r));
                return -EIO;
        }
        return conf_load_data(data, len, path, ret, ret_warnings, ret_error);
}

char *conf_default_path(void) {
        char *dir = NULL, *p = NULL;
        int r;

        if (paths_config_dir(&dir) < 0)
                return NULL;
        r = asprintf(&p, "%s/massaged.conf", dir);
        free(dir);
        return r < 0 ? NULL : p;
}
