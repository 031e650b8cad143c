/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * massagectl: the command-line client of massaged. It speaks only the
 * org.massaged1 API on the user bus, so everything it does a desktop app can
 * do too. One verb per file (massagectl-*.c), dispatched from the table below.
 */
#include <errno.h>
#include <inttypes.h>
#include <getopt.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "ctl-api.h"
#include "ctl-format.h"
#include "ctl-json.h"
#include "massagectl.h"

static const Verb verbs[] = {
        { "scan",       verb_scan,      "[--timeout DURATION]",
          "Look for massagers in range",
          "  --timeout DURATION  how long to scan (default 10s; e.g. 30s, 1m)\n" },
        { "devices",    verb_devices,   "",
          "List the massagers massaged knows", NULL },
        { "add",        verb_add,       "ADDRESS",
          "Pair a massager and remember it", NULL },
        { "forget",     verb_forget,    "[DEVICE]",
          "Forget a massager (its history is kept)", NULL },
        { "connect",    verb_connect,   "[DEVICE]",
          "Connect to a massager", NULL },
        { "disconnect", verb_disconnect, "[DEVICE]",
          "Disconnect a massager (no automatic reconnect)", NULL },
        { "status",     verb_status,    "[DEVICE]",
          "Show a massager's state", NULL },
        { "start",      verb_start,     "[DEVICE] [OPTIONS]",
          "Start a session",
          "  --program NAME      program to run (see 'massagectl programs'; default gentle)\n"
          "  --intensity N       intensity 1-10 (the session starts gently and ramps up to it)\n"
          "  --heat N            heat level 0-4 (0 = off)\n"
          "  --duration D        session length, 1m-20m (e.g. 10m, 90s, 1m30s; default 15m)\n"
          "  --wait              watch the session until it ends; Ctrl-C or closing the terminal stops it\n" },
        { "stop",       verb_stop,      "[DEVICE] [--reason REASON]",
          "Stop a session (never refused)",
          "  --reason REASON     why: pain_rising, numbness, tingling, dizziness, headache_flare, burning_skin\n"
          "                      (gentler sessions for 24 h; recorded in the history)\n"
          "  --all               stop every massager\n" },
        { "pause",      verb_pause,     "[DEVICE]",
          "Pause a session", NULL },
        { "resume",     verb_resume,    "[DEVICE]",
          "Resume a paused session (soft start again)", NULL },
        { "set",        verb_set,       "intensity|heat N [DEVICE]",
          "Change intensity or heat of a running session", NULL },
        { "monitor",    verb_monitor,   "[DEVICE]",
          "Watch sessions live (Ctrl-C to quit; does not stop anything)", NULL },
        { "history",    verb_history,   "[--since DATE] [--until DATE] [--export csv|json] [--events]",
          "Show past sessions and diary notes",
          "  --since YYYY-MM-DD  first day to show (default: 30 days ago)\n"
          "  --until YYYY-MM-DD  last day to show (default: today)\n"
          "  --export FORMAT     write every column as csv or json (for a spreadsheet or a doctor)\n"
          "  --events            the safety events instead: refusals, cut-offs, stop reasons, limit changes\n" },
        { "usage",      verb_usage,     "[--week|--month]",
          "Chart minutes per day against the daily cap",
          "  --week              the last 7 days (default)\n"
          "  --month             the last 30 days\n" },
        { "limits",     verb_limits,    "[set KEY VALUE]",
          "Show or change the safety limits", NULL },
        { "programs",   verb_programs,  "",
          "List the massage programs", NULL },
        { "note",       verb_note,      "[SESSION] [--before N] [--after N] [--text TEXT]",
          "Add a diary note to a session (default: the last one)",
          "  --before N          pain before the session, 0-10\n"
          "  --after N           pain after the session, 0-10\n"
          "  --text TEXT         a note\n" },
        { "screening",  verb_screening, "[--answer KEY=yes|no]... [--all-no] [--clearance] [--correction]",
          "Answer the health screening (asked on a terminal)",
          "  --answer KEY=yes|no one answer (keys: 'massagectl screening --list')\n"
          "  --all-no            answer no to every question\n"
          "  --clearance         a clinician has cleared you despite a yes answer\n"
          "  --correction        an earlier yes was a mistake (the correction is recorded)\n"
          "  --list              list the questions and their keys\n" },
        { "thermal",    verb_thermal,   "[ack|reset-heat]",
          "Acknowledge a thermal cut-off, or re-enable heat", NULL },
        { "version",    verb_version,   "",
          "Show massagectl's and massaged's versions", NULL },
        { "help",       verb_help,      "[COMMAND]",
          "Show help", NULL },
};

const Verb *ctl_find_verb(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (strcmp(verbs[i].name, name) == 0)
                        return &verbs[i];
        return NULL;
}

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

static void print_main_help(void) {
        printf("massagectl %s: control a neck massager through massaged\n\n"
               "Usage: massagectl [--json] [--no-color] COMMAND [ARGUMENTS]\n\nCommands:\n", PACKAGE_VERSION);
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++) {
                char left[64];
                (void) snprintf(left, sizeof(left), "%s %s", verbs[i].name, verbs[i].args);
                if (strlen(left) > 30)
                        printf("  %s\n  %-30s %s\n", left, "", verbs[i].summary);
                else
                        printf("  %-30s %s\n", left, verbs[i].summary);
        }
        printf("\nDEVICE is a Bluetooth address (AA:BB:CC:DD:EE:FF, any case, ':' or '_'); it may be left out\n"
               "when only one massager is known. Every read command takes --json.\n"
               "First time? massagectl scan, massagectl add ADDRESS, massagectl screening, massagectl start --wait\n"
               "See massagectl(1) for exit codes and the JSON schema.\n");
}

int ctl_verb_help(const Verb *v) {
        if (!v) {
                print_main_help();
                return 0;
        }
        printf("Usage: massagectl %s %s\n%s.\n", v->name, v->args, v->summary);
        if (v->help)
                printf("\nOptions:\n%s", v->help);
        printf("  --json              machine-readable output (see massagectl(1))\n"
               "  -h, --help          this help\n");
        return 0;
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

int verb_help(Ctl *c, int argc, char *argv[]) {
        const Verb *v;

        if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
                print_main_help();
                return 0;
        }
        v = ctl_find_verb(argv[1]);
        if (!v)
                return ctl_fail_usage(c, "unknown command '%s'; 'massagectl help' lists them.", argv[1]);
        return ctl_verb_help(v);
}

int verb_version(Ctl *c, int argc, char *argv[]) {
        _cleanup_value_ Value *root = NULL;
        uint64_t api = 0;
        int r;

        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--json") == 0)
                        c->json = true;
                else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
                        return ctl_verb_help(ctl_find_verb("version"));
                else
                        return ctl_fail_usage(c, "unexpected argument '%s'.", argv[i]);
        }
        /* The client's version prints even when the daemon is away. */
        r = api_api_version(c, &api);
        if (c->json) {
                root = value_new_object();
                if (!root)
                        return ctl_fail(c, EXIT_FAILURE_OTHER, -ENOMEM, "Out of memory.");
                (void) value_object_set(root, "massagectl", value_new_string(PACKAGE_VERSION));
                (void) value_object_set(root, "api_version", r < 0 ? value_new_null() : value_new_uint(api));
                if (r >= 0)
                        ctl_print_json(root);
        } else {
                printf("massagectl %s\n", PACKAGE_VERSION);
                if (r >= 0)
                        printf("massaged API version %" PRIu64 "\n", api);
        }
        return r;
}

int main(int argc, char *argv[]) {
        static const struct option options[] = {
                { "json",     no_argument, NULL, 'J' },
                { "no-color", no_argument, NULL, 'N' },
                { "help",     no_argument, NULL, 'h' },
                { "version",  no_argument, NULL, 'V' },
                {}
        };
        Ctl c = {};
        bool no_colour = false;
        const Verb *v;
        int opt, r;

        (void) setlocale(LC_ALL, "");
        colour_init(stdout);

        /* Global options only up to the verb ('+'): the verb parses the rest. */
        opterr = 0;
        while ((opt = getopt_long(argc, argv, "+hV", options, NULL)) >= 0)
                switch (opt) {
                case 'J':
                        c.json = true;
                        break;
                case 'N':
                        no_colour = true;
                        break;
                case 'h':
                        print_main_help();
                        return EXIT_OK;
                case 'V':
                        argv[optind - 1] = (char *) "version";
                        optind--;
                        goto dispatch;
                case '?':
                        (void) fprintf(stderr, "massagectl: unknown option '%s'.\nTry 'massagectl --help'.\n",
                                argv[optind - 1]);
                        if (c.json)
                                (void) puts("{\"error\":{\"class\":\"usage\",\"exit_code\":2,\"name\":null,"
                                     "\"message\":\"unknown option\"}}");
                        return EXIT_USAGE;
                }
dispatch:
        if (no_colour)
                colour_set(false);
        if (optind >= argc) {
                /* A usage error, not the whole help (which 'massagectl help' prints). */
                (void) ctl_fail(&c, EXIT_USAGE, -EINVAL, "no command given; 'massagectl help' lists them "
                                "(to start: 'massagectl status').");
                r = ctl_report_failure(&c);
                free(c.error_message);
                return r;
        }
        v = ctl_find_verb(argv[optind]);
        if (!v) {
                c.verb = NULL;
                (void) ctl_fail(&c, EXIT_USAGE, -EINVAL, "unknown command '%s'; 'massagectl help' lists them.",
                                argv[optind]);
                r = ctl_report_failure(&c);
                free(c.error_message);
                return r;
        }
        c.verb = v->name;
        optind++;               /* the verb's getopt starts after the verb itself */
        {
                int vargc = argc - optind + 1;
                char **vargv = argv + optind - 1;

                optind = 0;     /* glibc: full reinitialisation for the verb's own parse */
                opterr = 0;     /* our own messages: CTL_COMMON_CASES */
                r = v->run(&c, vargc, vargv);
        }
        if (r < 0)
                r = ctl_report_failure(&c);
        sd_bus_flush_close_unref(c.bus);
        free(c.error_message);
        free(c.error_name);
        return r;
}
