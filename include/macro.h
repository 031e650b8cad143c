/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The few helpers every component of massaged shares: scope-based ownership
 * (_cleanup_), taking ownership out of a scope (STEAL_PTR), array sizes.
 * Internal to this project, not part of the public API.
 */

#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_ __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _sentinel_ __attribute__((sentinel))

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))
/* GLib defines the same three with the same meaning; either may come first. */
#ifndef MIN
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#endif
#ifndef MAX
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#endif
#ifndef CLAMP
#define CLAMP(x, lo, hi) ((x) < (lo) ? (lo) : (x) > (hi) ? (hi) : (x))
#endif

/* Hand a pointer out of a _cleanup_ scope: returns it and leaves NULL behind. */
#define STEAL_PTR(p) ({ __typeof__(p) _p_ = (p); (p) = NULL; _p_; })

/* Define a cleanup function for a pointer to a type with a free function that accepts NULL. */
#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func)                 \
        static inline void func##p(type *p) {                   \
                if (*p)                                         \
                        func(*p);                               \
        }

static inline void freep(void *p) {
        free(*(void **) p);
}
#define _cleanup_free_ _cleanup_(freep)

static inline void closep(int *fd) { /* NOLINT(readability-non-const-parameter): cleanup signature */
        if (*fd >= 0)
                close(*fd);
}
#define _cleanup_close_ _cleanup_(closep)
