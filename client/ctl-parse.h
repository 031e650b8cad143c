/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Parsing of what people type: durations, Bluetooth addresses, bounded
 * numbers. Everything is checked here, before any bus call is made, and a
 * failure comes with a sentence that says what was wrong. Pure C.
 */

#include <stddef.h>
#include <stdint.h>

#define ADDRESS_STRING_MAX 18   /* "AA:BB:CC:DD:EE:FF" + NUL */

/* "90", "90s", "10m", "1m30s", "1h", "1h 5m", "2min", "45sec" → seconds.
 * Units h, m/min, s/sec, each at most once and largest first.
 * Returns 0, -EINVAL (not a duration) or -ERANGE (too large for 32 bits). */
int parse_duration(const char *s, uint64_t *ret_seconds);

/* "aa:bb:cc:dd:ee:ff", "AA_BB_CC_DD_EE_FF", "aabbccddeeff" or a device
 * object path → "AA:BB:CC:DD:EE:FF". Returns 0 or -EINVAL. */
int parse_address(const char *s, char ret[static ADDRESS_STRING_MAX]);

/* "AA:BB:CC:DD:EE:FF" → "/org/massaged1/device/AA_BB_CC_DD_EE_FF"; malloc'd, NULL on OOM. */
char *address_to_object_path(const char *address);

/* A decimal integer in [min, max]. Returns 0, -EINVAL (not a number) or -ERANGE. */
int parse_uint_range(const char *s, uint64_t min, uint64_t max, uint64_t *ret);

/* "yes"/"y"/"true"/"1"/"on" and "no"/"n"/"false"/"0"/"off", any case. Returns 1, 0 or -EINVAL. */
int parse_boolean(const char *s);

/* A local date "YYYY-MM-DD" → its local midnight as seconds since the epoch.
 * Returns 0 or -EINVAL. */
int parse_local_date(const char *s, int64_t *ret);
