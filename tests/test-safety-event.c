/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Safety events in the journal (daemon/safety-event.c): every kind has a
 * name and a distinct MESSAGE_ID in journald's format (the catalog side is
 * tests/test-catalog.py), and away from the journal an event is the usual
 * "<priority>message" line on stderr, its fields not mixed into the text.
 */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"
#include "safety-event.h"

static void test_table(void) {
        for (unsigned i = 0; i < _SAFETY_EVENT_MAX; i++) {
                const char *id = safety_event_message_id(i), *name = safety_event_to_string(i);
                g_assert_nonnull(id);
                g_assert_nonnull(name);
                g_assert_cmpuint(strlen(id), ==, 32);
                g_assert_cmpuint(strspn(id, "0123456789abcdef"), ==, 32);
                for (unsigned j = 0; j < i; j++) {
                        g_assert_cmpstr(safety_event_message_id(j), !=, id);
                        g_assert_cmpstr(safety_event_to_string(j), !=, name);
                }
        }
        g_assert_null(safety_event_message_id(_SAFETY_EVENT_MAX));
        g_assert_null(safety_event_to_string(_SAFETY_EVENT_MAX));
        g_assert_cmpstr(safety_event_to_string(SAFETY_EVENT_THERMAL_TRIP), ==, "thermal_trip");
}

/* Runs fn with stderr into a pipe; returns what it wrote. */
static char *capture_stderr(void (*fn)(void)) {
        int p[2], saved;
        char buf[4096];
        ssize_t n;

        g_assert_cmpint(pipe(p), ==, 0);
        saved = dup(STDERR_FILENO);
        g_assert_cmpint(dup2(p[1], STDERR_FILENO), >=, 0);
        close(p[1]);
        fn();
        g_assert_cmpint(fflush(stderr), ==, 0);
        g_assert_cmpint(dup2(saved, STDERR_FILENO), >=, 0);
        close(saved);
        n = read(p[0], buf, sizeof buf - 1);
        close(p[0]);
        g_assert_cmpint(n, >=, 0);
        buf[n] = '\0';
        return g_strdup(buf);
}

static void log_refusal(void) {
        log_safety_event(SAFETY_EVENT_REFUSAL, LOG_NOTICE, "C0:FF:EE:00:00:01", 12, "rest-required",
                         "%s: start refused (%s)", "C0:FF:EE:00:00:01", "rest-required");
}

static void log_debug_event(void) {
        log_safety_event(SAFETY_EVENT_HEAT_OFF, LOG_DEBUG, NULL, 0, NULL, "not shown without --verbose");
}

static void test_stderr(void) {
        g_autofree char *out = NULL, *quiet = NULL;

        g_assert_cmpint(unsetenv("JOURNAL_STREAM"), ==, 0);
        out = capture_stderr(log_refusal);
        g_assert_cmpstr(out, ==, "<5>C0:FF:EE:00:00:01: start refused (rest-required)\n");
        quiet = capture_stderr(log_debug_event);
        g_assert_cmpstr(quiet, ==, "");
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/safety-event/table", test_table);
        g_test_add_func("/safety-event/stderr", test_stderr);
        return g_test_run();
}
