/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "log.h"

static int verbose;

void log_set_verbose(int v) {
        verbose = v;
}

int log_get_verbose(void) {
        return verbose;
}

int log_internal(int priority, int error, const char *format, ...) {
        int saved = errno;
        va_list ap;

        if (error < 0)
                error = -error;
        if (priority >= LOG_DEBUG && !verbose)
                return -error;

        /* Format first and write with one fprintf, so a line is never split. */
        _cleanup_free_ char *line = NULL;
        errno = error;
        va_start(ap, format);
        if (vasprintf(&line, format, ap) < 0)
                line = NULL;
        va_end(ap);
        (void) fprintf(stderr, "<%d>%s\n", priority, line ?: format);

        errno = saved;
        return -error;
}
