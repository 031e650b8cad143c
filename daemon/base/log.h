/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Logging for the daemon: one line per event on stderr, prefixed with the
 * syslog priority ("<3>") so the journal keeps levels when massaged runs as
 * a service. Debug lines are printed only with --verbose.
 */

#include <errno.h>
#include <syslog.h>

#include "macro.h"

void log_set_verbose(int verbose);
int log_get_verbose(void);

/* Logs at priority; errno is set from error (so "%m" works); returns -|error|. */
int log_internal(int priority, int error, const char *format, ...) _printf_(3, 4);

/* One structured entry: when stderr is the journal's stream (systemd set
 * $JOURNAL_STREAM to it) the message and the NULL-terminated "KEY=value"
 * fields go to journald natively, so they stay searchable; otherwise the
 * message alone goes to stderr like any other line. */
void log_structured(int priority, const char *const *fields, const char *message);

#define log_full_errno(prio, error, ...) log_internal((prio), (error), __VA_ARGS__)
#define log_debug(...)   (void) log_internal(LOG_DEBUG, 0, __VA_ARGS__)
#define log_info(...)    (void) log_internal(LOG_INFO, 0, __VA_ARGS__)
#define log_notice(...)  (void) log_internal(LOG_NOTICE, 0, __VA_ARGS__)
#define log_warning(...) (void) log_internal(LOG_WARNING, 0, __VA_ARGS__)
#define log_error(...)   (void) log_internal(LOG_ERR, 0, __VA_ARGS__)
#define log_debug_errno(error, ...)   log_internal(LOG_DEBUG, (error), __VA_ARGS__)
#define log_info_errno(error, ...)    log_internal(LOG_INFO, (error), __VA_ARGS__)
#define log_warning_errno(error, ...) log_internal(LOG_WARNING, (error), __VA_ARGS__)
#define log_error_errno(error, ...)   log_internal(LOG_ERR, (error), __VA_ARGS__)
