/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "ctl-parse.h"
#include "massaged-dbus.h"

static const struct {
        const char *name;
        uint64_t seconds;
        int rank;               /* units must come largest first, each once */
} duration_units[] = {
        { "h",   3600, 3 },
        { "min", 60,   2 },
        { "m",   60,   2 },
        { "sec", 1,    1 },
        { "s",   1,    1 },
};

int parse_duration(const char *s, uint64_t *ret_seconds) {
        uint64_t total = 0;
        int last_rank = 4;
        bool any = false;

        if (!s)
                return -EINVAL;
        for (;;) {
                uint64_t n = 0;
                size_t digits = 0, unit_len = 0;
                int rank = 0;
                uint64_t mult = 0;

                while (*s == ' ')
                        s++;
                if (*s == '\0')
                        break;
                while (isdigit((unsigned char) *s)) {
                        if (n > (UINT32_MAX - (uint64_t) (*s - '0')) / 10)
                                return -ERANGE;
                        n = n * 10 + (uint64_t) (*s - '0');
                        s++;
                        digits++;
                }
                if (digits == 0)
                        return -EINVAL;
                for (size_t i = 0; i < sizeof(duration_units) / sizeof(duration_units[0]); i++) {
                        size_t l = strlen(duration_units[i].name);
                        if (strncmp(s, duration_units[i].name, l) == 0 && !isalpha((unsigned char) s[l])) {
                                unit_len = l;
                                rank = duration_units[i].rank;
                                mult = duration_units[i].seconds;
                                break;
                        }
                }
                if (unit_len == 0) {
                        /* A bare number is seconds, but only on its own ("90"), not "1m30". */
                        if (*s != '\0' || any)
                                return -EINVAL;
                        rank = 1;
                        mult = 1;
                }
                if (rank >= last_rank)
                        return -EINVAL;
                last_rank = rank;
                s += unit_len;
                if (n > (UINT32_MAX - total) / mult)
                        return -ERANGE;
                total += n * mult;
                any = true;
        }
        if (!any)
                return -EINVAL;
        *ret_seconds = total;
        return 0;
}

int parse_address(const char *s, char ret[static ADDRESS_STRING_MAX]) {
        static const char prefix[] = MASSAGED_DEVICE_PATH_PREFIX "/";
        char out[ADDRESS_STRING_MAX];
        size_t len, hex = 0, o = 0;
        char sep = 0;

        if (!s)
                return -EINVAL;
        if (strncmp(s, prefix, strlen(prefix)) == 0)
                s += strlen(prefix);
        len = strlen(s);
        if (len != 12 && len != 17)
                return -EINVAL;
        for (size_t i = 0; i < len; i++) {
                char c = s[i];

                if (len == 17 && i % 3 == 2) {
                        /* One separator style throughout: ':' or '_' (or '-', as some tools print). */
                        if (c != ':' && c != '_' && c != '-')
                                return -EINVAL;
                        if (sep && c != sep)
                                return -EINVAL;
                        sep = c;
                        continue;
                }
                if (!isxdigit((unsigned char) c))
                        return -EINVAL;
                out[o++] = (char) toupper((unsigned char) c);
                if (++hex % 2 == 0 && hex < 12)
                        out[o++] = ':';
        }
        out[o] = '\0';
        memcpy(ret, out, ADDRESS_STRING_MAX);
        return 0;
}

char *address_to_object_path(const char *address) {
        char *p;

        if (asprintf(&p, "%s/%s", MASSAGED_DEVICE_PATH_PREFIX, address) < 0)
                return NULL;
        for (char *c = p + strlen(MASSAGED_DEVICE_PATH_PREFIX) + 1; *c; c++)
                if (*c == ':')
                        *c = '_';
        return p;
}

int parse_uint_range(const char *s, uint64_t min, uint64_t max, uint64_t *ret) {
        uint64_t n = 0;

        if (!s || !*s)
                return -EINVAL;
        for (const char *p = s; *p; p++) {
                if (!isdigit((unsigned char) *p))
                        return -EINVAL;
                if (n > (UINT64_MAX - (uint64_t) (*p - '0')) / 10)
                        return -ERANGE;
                n = n * 10 + (uint64_t) (*p - '0');
        }
        if (n < min || n > max)
                return -ERANGE;
        *ret = n;
        return 0;
}

int parse_boolean(const char *s) {
        static const char *const yes[] = { "yes", "y", "true", "1", "on" };
        static const char *const no[] = { "no", "n", "false", "0", "off" };

        if (!s)
                return -EINVAL;
        for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
                if (strcasecmp(s, yes[i]) == 0)
                        return 1;
        for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
                if (strcasecmp(s, no[i]) == 0)
                        return 0;
        return -EINVAL;
}

int parse_local_date(const char *s, int64_t *ret) {
        struct tm tm = {};
        int y, m, d, n = 0;
        time_t t;

        if (!s || sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || s[n] != '\0')
                return -EINVAL;
        if (m < 1 || m > 12 || d < 1 || d > 31 || y < 1970)
                return -EINVAL;
        tm.tm_year = y - 1900;
        tm.tm_mon = m - 1;
        tm.tm_mday = d;
        tm.tm_isdst = -1;
        t = mktime(&tm);
        /* mktime normalises 2026-02-31 into March: reject dates that moved. */
        if (t == (time_t) -1 || tm.tm_mday != d || tm.tm_mon != m - 1)
                return -EINVAL;
        *ret = (int64_t) t;
        return 0;
}
