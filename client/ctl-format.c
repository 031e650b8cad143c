/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <langinfo.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "ctl-format.h"

const char *format_duration(uint64_t seconds, char buf[static FORMAT_DURATION_MAX]) {
        uint64_t h = seconds / 3600, m = seconds % 3600 / 60, s = seconds % 60;
        size_t o = 0;

        buf[0] = '\0';
        if (h > 0)
                o += (size_t) snprintf(buf + o, FORMAT_DURATION_MAX - o, "%" PRIu64 "h", h);
        if (m > 0 && o < FORMAT_DURATION_MAX)
                o += (size_t) snprintf(buf + o, FORMAT_DURATION_MAX - o, "%s%" PRIu64 "m", o ? " " : "", m);
        if ((s > 0 || o == 0) && o < FORMAT_DURATION_MAX)
                (void) snprintf(buf + o, FORMAT_DURATION_MAX - o, "%s%" PRIu64 "s", o ? " " : "", s);
        return buf;
}

const char *format_celsius(double celsius, char *buf, size_t size) {
        (void) snprintf(buf, size, "%.1f %s", celsius, locale_is_utf8() ? "°C" : "C");
        return buf;
}

const char *format_local_time(int64_t epoch_seconds, char buf[static FORMAT_TIME_MAX]) {
        time_t t = (time_t) epoch_seconds;
        struct tm tm;

        if (epoch_seconds <= 0 || !localtime_r(&t, &tm) ||
            strftime(buf, FORMAT_TIME_MAX, "%Y-%m-%d %H:%M", &tm) == 0) {
                (void) snprintf(buf, FORMAT_TIME_MAX, "-");
                return buf;
        }
        return buf;
}

const char *format_bar(double fraction, unsigned width, bool utf8, char *buf, size_t size) {
        unsigned filled;
        size_t o = 0;

        if (!(fraction > 0))    /* also NaN */
                fraction = 0;
        if (fraction > 1)
                fraction = 1;
        filled = (unsigned) (fraction * width + 0.5);
        for (unsigned i = 0; i < width; i++) {
                const char *cell = i < filled ? (utf8 ? "█" : "#") : (utf8 ? "░" : ".");
                size_t l = strlen(cell);
                if (o + l + 1 > size)
                        break;
                memcpy(buf + o, cell, l);
                o += l;
        }
        if (size > 0)
                buf[o] = '\0';
        return buf;
}

size_t utf8_width(const char *s) {
        size_t w = 0;

        for (const unsigned char *p = (const unsigned char *) s; p && *p; p++)
                if ((*p & 0xC0) != 0x80)
                        w++;
        return w;
}

size_t fputs_clipped(const char *s, size_t max_cols, FILE *f) {
        size_t cols = 0;
        bool cut = false;

        for (const unsigned char *p = (const unsigned char *) s; *p;) {
                if (p[0] == 0x1b && p[1] == '[') {
                        /* CSI: ESC [ parameters… final byte in 0x40–0x7E. */
                        const unsigned char *e = p + 2;
                        while (*e && !(*e >= 0x40 && *e <= 0x7e))
                                e++;
                        if (*e)
                                e++;
                        if (!cut)
                                (void) fwrite(p, 1, (size_t) (e - p), f);
                        p = e;
                        continue;
                }
                if ((*p & 0xC0) != 0x80) {
                        if (cols == max_cols)
                                cut = true;
                        else
                                cols++;
                }
                if (!cut)
                        (void) fputc(*p, f);
                p++;
        }
        if (cut && colour_enabled())
                (void) fputs("\033[0m", f);    /* a cut colour must not leak into the next line */
        return cols;
}

static bool colour = false;

bool colour_allowed_by_env(const char *no_color, const char *term) {
        if (no_color && *no_color)
                return false;
        if (term && strcmp(term, "dumb") == 0)
                return false;
        return true;
}

void colour_init(FILE *f) {
        colour = isatty(fileno(f)) && colour_allowed_by_env(getenv("NO_COLOR"), getenv("TERM"));
}

void colour_set(bool enabled) {
        colour = enabled;
}

bool colour_enabled(void) {
        return colour;
}

const char *ansi_bold(void) {
        return colour ? "\033[1m" : "";
}

const char *ansi_red(void) {
        return colour ? "\033[31m" : "";
}

const char *ansi_green(void) {
        return colour ? "\033[32m" : "";
}

const char *ansi_yellow(void) {
        return colour ? "\033[33m" : "";
}

const char *ansi_grey(void) {
        return colour ? "\033[90m" : "";
}

const char *ansi_normal(void) {
        return colour ? "\033[0m" : "";
}

bool locale_is_utf8(void) {
        const char *cs = nl_langinfo(CODESET);

        return cs && (strcasecmp(cs, "UTF-8") == 0 || strcasecmp(cs, "utf8") == 0);
}

struct Table {
        size_t n_columns;
        size_t n_cells, allocated;
        char **cells;           /* row-major, header first */
};

static int table_add_cells(Table *t, va_list ap) {
        if (t->n_cells + t->n_columns > t->allocated) {
                size_t n = t->allocated * 2 > t->n_cells + t->n_columns ? t->allocated * 2 : t->n_cells + t->n_columns;
                char **c = realloc(t->cells, n * sizeof(char *));
                if (!c)
                        return -ENOMEM;
                t->cells = c;
                t->allocated = n;
        }
        for (size_t i = 0; i < t->n_columns; i++) {
                const char *s = va_arg(ap, const char *);
                char *d = strdup(s ?: "-");
                if (!d) {
                        /* Keep the table consistent: drop the partial row. */
                        for (size_t j = 0; j < i; j++)
                                free(t->cells[t->n_cells + j]);
                        return -ENOMEM;
                }
                t->cells[t->n_cells + i] = d;
        }
        t->n_cells += t->n_columns;
        return 0;
}

Table *table_new(size_t n_columns, ...) {
        Table *t;
        va_list ap;
        int r;

        if (n_columns == 0)
                return NULL;
        t = calloc(1, sizeof(Table));
        if (!t)
                return NULL;
        t->n_columns = n_columns;
        va_start(ap, n_columns);
        r = table_add_cells(t, ap);
        va_end(ap);
        if (r < 0)
                return table_free(t);
        return t;
}

Table *table_free(Table *t) {
        if (!t)
                return NULL;
        for (size_t i = 0; i < t->n_cells; i++)
                free(t->cells[i]);
        free(t->cells);
        free(t);
        return NULL;
}

int table_add_row(Table *t, ...) {
        va_list ap;
        int r;

        va_start(ap, t);
        r = table_add_cells(t, ap);
        va_end(ap);
        return r;
}

size_t table_rows(const Table *t) {
        return t->n_cells / t->n_columns - 1;
}

void table_print(const Table *t, FILE *f) {
        size_t *width = calloc(t->n_columns, sizeof(size_t));
        size_t n_rows = t->n_cells / t->n_columns;

        if (!width)
                return;
        for (size_t i = 0; i < t->n_cells; i++) {
                size_t w = utf8_width(t->cells[i]);
                if (w > width[i % t->n_columns])
                        width[i % t->n_columns] = w;
        }
        for (size_t r = 0; r < n_rows; r++) {
                if (r == 0)
                        (void) fputs(ansi_bold(), f);
                for (size_t c = 0; c < t->n_columns; c++) {
                        const char *cell = t->cells[r * t->n_columns + c];
                        (void) fputs(cell, f);
                        if (c + 1 < t->n_columns)
                                (void) fprintf(f, "%*s", (int) (width[c] - utf8_width(cell) + 2), "");
                }
                if (r == 0)
                        (void) fputs(ansi_normal(), f);
                (void) fputc('\n', f);
        }
        free(width);
}

void csv_write_field(FILE *f, const char *s) {
        bool quote;

        s = s ?: "";
        quote = strpbrk(s, ",\"\r\n") != NULL;
        if (quote)
                (void) fputc('"', f);
        if (strchr("=+-@", s[0]) && s[0] != '\0')
                (void) fputc('\'', f);
        for (const char *p = s; *p; p++) {
                if (*p == '"')
                        (void) fputc('"', f);
                (void) fputc(*p, f);
        }
        if (quote)
                (void) fputc('"', f);
}
