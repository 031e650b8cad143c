/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The run's context: recording a failure (the first one wins) and printing
 * it once (ctl-context.h has the convention). It knows nothing of verbs, so
 * that every verb file may use it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "ctl-json.h"
#include "ctl-context.h"
#include "ctl-errors.h"
#include "i18n.h"

static int record(Ctl *c, ExitCode code, int error, const char *format, va_list ap) {
        if (!c->error_message) {
                if (vasprintf(&c->error_message, format, ap) < 0)
                        c->error_message = NULL;
                c->exit_code = code;
        }
        return error < 0 ? error : -EIO;
}

int ctl_fail(Ctl *c, ExitCode code, int error, const char *format, ...) {
        va_list ap;
        int r;

        va_start(ap, format);
        r = record(c, code, error, format, ap);
        va_end(ap);
        return r;
}

int ctl_fail_usage(Ctl *c, const char *format, ...) {
        _cleanup_free_ char *msg = NULL;
        va_list ap;
        int r;

        va_start(ap, format);
        r = vasprintf(&msg, format, ap);
        va_end(ap);
        if (r < 0)
                msg = NULL;
        c->usage_hint = true;
        return ctl_fail(c, EXIT_USAGE, -EINVAL, "%s%s%s", c->verb ?: "", c->verb ? ": " : "", msg ?: format);
}

void ctl_forget_failure(Ctl *c) {
        free(c->error_message);
        free(c->error_name);
        c->error_message = c->error_name = NULL;
        c->exit_code = EXIT_OK;
        c->usage_hint = false;
}

void ctl_print_json(const Value *v) {
        json_write(stdout, v, isatty(STDOUT_FILENO));
        (void) fputc('\n', stdout);
        (void) fflush(stdout);
}

int ctl_report_failure(Ctl *c) {
        const char *msg = c->error_message ?: "Failed.";
        const char *hint = exit_code_hint(c->exit_code);
        ExitCode code = c->exit_code == EXIT_OK ? EXIT_FAILURE_OTHER : c->exit_code;

        (void) fprintf(stderr, "massagectl: %s\n", msg);
        if (hint)
                (void) fprintf(stderr, "%s\n", hint);
        if (c->usage_hint)
                (void) fprintf(stderr, _("Try 'massagectl %s --help'.\n"), c->verb ?: "");
        if (c->json) {
                _cleanup_value_ Value *root = value_new_object(), *e = value_new_object();

                if (root && e) {
                        (void) value_object_set(e, "class", value_new_string(exit_code_to_string(code)));
                        (void) value_object_set(e, "exit_code", value_new_uint(code));
                        (void) value_object_set(e, "name", c->error_name ? value_new_string(c->error_name)
                                                                         : value_new_null());
                        (void) value_object_set(e, "message", value_new_string(msg));
                        (void) value_object_set(root, "error", STEAL_PTR(e));
                        ctl_print_json(root);
                } else
                        /* Still valid JSON when memory runs out. */
                        (void) puts("{\"error\":{\"class\":\"failed\",\"exit_code\":1,\"name\":null,\"message\":\"Out of memory.\"}}");
        }
        return code;
}
