/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Small helpers of the daemon's own. */

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#define streq(a, b) (strcmp((a), (b)) == 0)
#ifndef USEC_PER_SEC
#define USEC_PER_SEC UINT64_C(1000000)
#endif
#ifndef USEC_PER_MSEC
#define USEC_PER_MSEC UINT64_C(1000)
#endif

static inline bool streq_ptr(const char *a, const char *b) {
        if (!a || !b)
                return a == b;
        return streq(a, b);
}

static inline uint64_t now_usec(clockid_t clock) {
        struct timespec ts;
        clock_gettime(clock, &ts);
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000;
}
