/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The local days a time range touches, for History's usage per day: the same
 * bounds as chaining safety_clock_local_bounds() day by day (23, 24 or 25 h
 * across DST), without its three mktime() calls per day. glibc's mktime()
 * re-reads the time zone (a stat of /etc/localtime) on every call: 1 100 of
 * them for a year, 15 % of the query's time (doc/performance.md).
 */

#include <stddef.h>
#include <stdint.h>

/* The starts of the local days from the one holding from_us up to the last
 * one starting before to_us, into a new array (*ret_starts, *ret_n), and the
 * start of the day after the last (*ret_end). The first day starts where
 * safety_clock_local_bounds() says from_us's day does.
 * Returns 0, -EINVAL (to_us <= from_us), -E2BIG (more than max days),
 * -ERANGE (a time the C library cannot place in a local day) or -ENOMEM. */
int local_days(int64_t from_us, int64_t to_us, size_t max, int64_t **ret_starts, size_t *ret_n, int64_t *ret_end);
