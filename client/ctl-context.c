/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The run's context: recording a failure (the first one wins), printing it
 * once, and the option parsing every DEVICE-only verb shares. The verbs
 * themselves live in massagectl-<verb>.c; see massagectl.h for the error
 * convention.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "ctl-json.h"
#include "ctl-context.h"
#include "massagectl.h"

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
                (void) fprintf(stderr, "Try 'massagectl %s --help'.\n", c->verb ?: "");
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

int ctl_parse_device_only(Ctl *c, int argc, char *argv[], const char **ret_device) {
        static const struct option options[] = { CTL_COMMON_OPTIONS, {} };
        int opt, r;

        while ((opt = getopt_long(argc, argv, ":h", options, NULL)) >= 0)
                switch (opt) {
                case 'h':
                        r = ctl_verb_help(ctl_find_verb(c->verb));
                        return r < 0 ? r : 1;
                case 'J':
                        c->json = true;
                        break;
                case ':':
                        return ctl_fail_usage(c, "option '%s' needs a value.", argv[optind - 1]);
                case '?':
                        return ctl_fail_usage(c, "unknown option '%s'.", argv[optind - 1]);
                }
        if (argc - optind > 1)
                return ctl_fail_usage(c, "unexpected argument '%s'.", argv[optind + 1]);
        *ret_device = optind < argc ? argv[optind] : NULL;
        return 0;
}
