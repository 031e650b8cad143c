/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>

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

/* Is stderr the stream systemd connected to the journal? $JOURNAL_STREAM
 * names its device and inode; a redirected stderr (a terminal, a test's log
 * file) does not match, and there the plain line is what a reader wants. */
static bool stderr_is_journal(void) {
        static int cached = -1;
        unsigned long long dev, ino;
        const char *e;
        struct stat st;

        if (cached >= 0)
                return cached;
        e = getenv("JOURNAL_STREAM");
        cached = e && sscanf(e, "%llu:%llu", &dev, &ino) == 2 && fstat(STDERR_FILENO, &st) >= 0 &&
                 (unsigned long long) st.st_dev == dev && (unsigned long long) st.st_ino == ino;
        return cached;
}

void log_structured(int priority, const char *const *fields, const char *message) {
        _cleanup_free_ char *msg = NULL, *prio = NULL;
        struct iovec iov[16];
        size_t n = 0;

        if (priority >= LOG_DEBUG && !verbose)
                return;
        if (stderr_is_journal() && asprintf(&msg, "MESSAGE=%s", message) >= 0 &&
            asprintf(&prio, "PRIORITY=%d", priority) >= 0) {
                iov[n++] = (struct iovec) { .iov_base = msg, .iov_len = strlen(msg) };
                iov[n++] = (struct iovec) { .iov_base = prio, .iov_len = strlen(prio) };
                iov[n++] = (struct iovec) { .iov_base = (char *) "SYSLOG_IDENTIFIER=massaged",
                                            .iov_len = strlen("SYSLOG_IDENTIFIER=massaged") };
                for (const char *const *f = fields; f && *f && n < ELEMENTSOF(iov); f++)
                        iov[n++] = (struct iovec) { .iov_base = (char *) *f, .iov_len = strlen(*f) };
                if (sd_journal_sendv(iov, (int) n) >= 0)
                        return;
                /* journald unreachable: the stream still gets the line. */
        }
        (void) fprintf(stderr, "<%d>%s\n", priority, message);
}
