/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Human output: durations ("9m 30s"), temperatures ("38.5 °C"), local times,
 * bars, aligned tables, and colour only where it helps (a terminal, and
 * never with NO_COLOR). Pure C: formatting into caller buffers or a FILE.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define FORMAT_DURATION_MAX 32
#define FORMAT_TIME_MAX 32

/* 570 → "9m 30s", 3600 → "1h", 0 → "0s", 45 → "45s", 3725 → "1h 2m 5s". */
const char *format_duration(uint64_t seconds, char buf[static FORMAT_DURATION_MAX]);

/* 38.46 → "38.5 °C". */
const char *format_celsius(double celsius, char *buf, size_t size);

/* Seconds since the epoch → "2026-11-22 01:02" in local time ("-" for 0). */
const char *format_local_time(int64_t epoch_seconds, char buf[static FORMAT_TIME_MAX]);

/* A bar of width cells, filled to fraction (clamped to 0…1): "█████░░░░░"
 * with utf8, "#####....." without. Returns buf (needs width*3+1 bytes). */
const char *format_bar(double fraction, unsigned width, bool utf8, char *buf, size_t size);

/* Display width of a UTF-8 string (code points; our output has no wide characters). */
size_t utf8_width(const char *s);

/* Writes s, but at most max_cols visible characters (UTF-8 code points;
 * ANSI CSI sequences such as colours take no room and are kept whole), so
 * that a line redrawn in place never wraps. Returns the columns written. */
size_t fputs_clipped(const char *s, size_t max_cols, FILE *f);

/* Colour: decided once per run by colour_init(); the escapes are "" when off. */
void colour_init(FILE *f);
void colour_set(bool enabled);          /* tests and --no-color */
bool colour_enabled(void);
const char *ansi_bold(void);
const char *ansi_red(void);
const char *ansi_green(void);
const char *ansi_yellow(void);
const char *ansi_grey(void);
const char *ansi_normal(void);

/* Does the environment allow colour on a stream that is a terminal?
 * (NO_COLOR set to anything non-empty, or TERM=dumb, says no.) */
bool colour_allowed_by_env(const char *no_color, const char *term);

/* Is the output locale UTF-8 (for bars and the degree sign fallback)? */
bool locale_is_utf8(void);

/*
 * Aligned tables: add a header, then rows of n_columns cells; printing pads
 * every column but the last to its widest cell.
 */
typedef struct Table Table;
Table *table_new(size_t n_columns, ...);       /* the header cells */
Table *table_free(Table *t);
static inline void table_freep(Table **t) {
        table_free(*t);
}
#define _cleanup_table_ __attribute__((cleanup(table_freep)))
int table_add_row(Table *t, ...);              /* n_columns strings (NULL prints "-") */
size_t table_rows(const Table *t);
void table_print(const Table *t, FILE *f);

/* One CSV field per RFC 4180: quoted when it holds a comma, quote, CR or LF
 * (quotes doubled), and when it starts with = + - @ (a spreadsheet would run
 * it as a formula) it is prefixed with a single quote. */
void csv_write_field(FILE *f, const char *s);
