/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * massagectl: the command-line client of massaged. It speaks only the
 * org.massaged1 API on the user bus, so everything it does a desktop app can
 * do too. One verb per file (massagectl-<verb>.c), dispatched from the table
 * below; the run's context and its failure reporting are in ctl-context.c.
 */
#include <errno.h>
#include <getopt.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>

#include "config.h"
#include "ctl-format.h"
#include "i18n.h"
#include "massagectl.h"

/* Summaries and option help are marked N_() here and translated where
 * massagectl-help.c prints them; names and synopses are what one types. */
const Verb ctl_subcommands[] = {
        { "scan",       verb_scan,      "[--timeout DURATION]",
          N_("Look for massagers in range"),
          N_("  --timeout DURATION  how long to scan (default 10s; e.g. 30s, 1m)\n") },
        { "devices",    verb_devices,   "",
          N_("List the massagers massaged knows"), NULL },
        { "add",        verb_add,       "ADDRESS",
          N_("Pair a massager and remember it"), NULL },
        { "forget",     verb_forget,    "[DEVICE]",
          N_("Forget a massager (its history is kept)"), NULL },
        { "connect",    verb_connect,   "[DEVICE]",
          N_("Connect to a massager"), NULL },
        { "disconnect", verb_disconnect, "[DEVICE]",
          N_("Disconnect a massager (no automatic reconnect)"), NULL },
        { "status",     verb_status,    "[DEVICE]",
          N_("Show a massager's state"), NULL },
        { "start",      verb_start,     "[DEVICE] [OPTIONS]",
          N_("Start a session"),
          N_("  --program NAME      program to run (see 'massagectl programs'; default gentle)\n"
          "  --intensity N       intensity 1-10 (the session starts gently and ramps up to it)\n"
          "  --heat N            heat level 0-4 (0 = off)\n"
          "  --duration D        session length, 1m-20m (e.g. 10m, 90s, 1m30s; default 15m)\n"
          "  --wait              watch the session until it ends; Ctrl-C or closing the terminal stops it\n") },
        { "stop",       verb_stop,      "[DEVICE] [--reason REASON]",
          N_("Stop a session (never refused)"),
          N_("  --reason REASON     why: pain_rising, numbness, tingling, dizziness, headache_flare, burning_skin\n"
          "                      (gentler sessions for 24 h; recorded in the history)\n"
          "  --all               stop every massager\n") },
        { "pause",      verb_pause,     "[DEVICE]",
          N_("Pause a session"), NULL },
        { "resume",     verb_resume,    "[DEVICE]",
          N_("Resume a paused session (soft start again)"), NULL },
        { "set",        verb_set,       "intensity|heat N [DEVICE]",
          N_("Change intensity or heat of a running session"), NULL },
        { "monitor",    verb_monitor,   "[DEVICE]",
          N_("Watch sessions live (Ctrl-C to quit; does not stop anything)"), NULL },
        { "history",    verb_history,   "[--since DATE] [--until DATE] [--export csv|json] [--events]",
          N_("Show past sessions and diary notes"),
          N_("  --since YYYY-MM-DD  first day to show (default: 30 days ago)\n"
          "  --until YYYY-MM-DD  last day to show (default: today)\n"
          "  --export FORMAT     write every column as csv or json (for a spreadsheet or a doctor)\n"
          "  --events            the safety events instead: refusals, cut-offs, stop reasons, limit changes\n") },
        { "usage",      verb_usage,     "[--week|--month]",
          N_("Chart minutes per day against the daily cap"),
          N_("  --week              the last 7 days (default)\n"
          "  --month             the last 30 days\n") },
        { "limits",     verb_limits,    "[set KEY VALUE]",
          N_("Show or change the safety limits"), NULL },
        { "programs",   verb_programs,  "",
          N_("List the massage programs"), NULL },
        { "note",       verb_note,      "[SESSION] [--before N] [--after N] [--text TEXT]",
          N_("Add a diary note to a session (default: the last one)"),
          N_("  --before N          pain before the session, 0-10\n"
          "  --after N           pain after the session, 0-10\n"
          "  --text TEXT         a note\n") },
        { "screening",  verb_screening, "[--answer KEY=yes|no]... [--all-no] [--clearance] [--correction]",
          N_("Answer the health screening (asked on a terminal)"),
          N_("  --answer KEY=yes|no one answer (keys: 'massagectl screening --list')\n"
          "  --all-no            answer no to every question\n"
          "  --clearance         a clinician has cleared you despite a yes answer\n"
          "  --correction        an earlier yes was a mistake (the correction is recorded)\n"
          "  --list              list the questions and their keys\n") },
        { "thermal",    verb_thermal,   "[ack|reset-heat]",
          N_("Acknowledge a thermal cut-off, or re-enable heat"), NULL },
        { "version",    verb_version,   "",
          N_("Show massagectl's and massaged's versions"), NULL },
        { "help",       verb_help,      "[COMMAND]",
          N_("Show help"), NULL },
};
const size_t ctl_n_subcommands = ELEMENTSOF(ctl_subcommands);

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
        /* Numbers stay C: --json and --export csv print doubles, and a decimal
         * comma (de_DE) would make them invalid JSON and shift CSV columns. */
        (void) setlocale(LC_NUMERIC, "C");
        /* $MASSAGECTL_LOCALEDIR: catalogs of a build tree for its tests (doc/packaging.md). */
        (void) bindtextdomain(GETTEXT_PACKAGE, secure_getenv("MASSAGECTL_LOCALEDIR") ?: LOCALEDIR);
        (void) textdomain(GETTEXT_PACKAGE);
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
                        ctl_print_main_help();
                        return EXIT_OK;
                case 'V':
                        argv[optind - 1] = (char *) "version";
                        optind--;
                        goto dispatch;
                case '?':
                        (void) fprintf(stderr, _("massagectl: unknown option '%s'.\nTry 'massagectl --help'.\n"),
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
                (void) ctl_fail(&c, EXIT_USAGE, -EINVAL, _("no command given; 'massagectl help' lists them "
                                "(to start: 'massagectl status')."));
                r = ctl_report_failure(&c);
                free(c.error_message);
                return r;
        }
        v = ctl_find_verb(argv[optind]);
        if (!v) {
                c.verb = NULL;
                (void) ctl_fail(&c, EXIT_USAGE, -EINVAL, _("unknown command '%s'; 'massagectl help' lists them."),
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
