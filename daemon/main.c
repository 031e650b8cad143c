/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <getopt.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "safety/conf.h"

#include "base/log.h"
#include "i18n.h"
#include "daemon.h"

static void help(void) {
        printf("Usage: massaged [OPTIONS]\n\n"
               "Companion daemon for a smart neck massager.\n\n"
               "  --bluez-bus ADDRESS  talk to BlueZ and logind on this bus (default: the system bus)\n"
               "  --api-bus ADDRESS    serve org.massaged1 on this bus (default: the user bus)\n"
               "  --db PATH            usage ledger (default: usage.db in $STATE_DIRECTORY, else in\n"
               "                       $XDG_STATE_HOME/massaged)\n"
               "  --config PATH        configuration (default: massaged.conf in $CONFIGURATION_DIRECTORY,\n"
               "                       else in $XDG_CONFIG_HOME/massaged)\n"
               "  --adapter NAME       use only this Bluetooth adapter, e.g. hci0 (default: every adapter)\n"
               "  --idle-timeout TIME exit after TIME with no session and no API call: 600, 10min, 2s;\n"
               "                       0 = never (default: [Daemon] idle_timeout of the config, 10min)\n"
               "  --verbose            log debug messages\n"
               "  --help               show this help\n");
}

int main(int argc, char *argv[]) {
        enum { ARG_BLUEZ_BUS = 0x100, ARG_API_BUS, ARG_DB, ARG_CONFIG, ARG_IDLE_TIMEOUT, ARG_VERBOSE, ARG_HELP,
               ARG_ADAPTER };
        static const struct option options[] = {
                { "bluez-bus", required_argument, NULL, ARG_BLUEZ_BUS },
                { "api-bus",   required_argument, NULL, ARG_API_BUS   },
                { "db",        required_argument, NULL, ARG_DB        },
                { "config",    required_argument, NULL, ARG_CONFIG    },
                { "idle-timeout", required_argument, NULL, ARG_IDLE_TIMEOUT },
                { "verbose",   no_argument,       NULL, ARG_VERBOSE   },
                { "adapter",   required_argument, NULL, ARG_ADAPTER   },
                { "help",      no_argument,       NULL, ARG_HELP      },
                {}
        };
        ManagerOptions o = { .idle_timeout_s = -1 };
        uint32_t t;
        Manager *m = NULL;
        int c, r;

        (void) setlocale(LC_ALL, "");
        /* $MASSAGED_LOCALEDIR: catalogs of a build tree for its tests (doc/packaging.md). */
        (void) bindtextdomain(GETTEXT_PACKAGE, secure_getenv("MASSAGED_LOCALEDIR") ?: LOCALEDIR);
        (void) textdomain(GETTEXT_PACKAGE);

        while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0)
                switch (c) {
                case ARG_BLUEZ_BUS:
                        o.bluez_bus = optarg;
                        break;
                case ARG_API_BUS:
                        o.api_bus = optarg;
                        break;
                case ARG_DB:
                        o.db_path = optarg;
                        break;
                case ARG_CONFIG:
                        o.config_path = optarg;
                        break;
                case ARG_ADAPTER:
                        if (strncmp(optarg, "hci", 3) != 0 || !optarg[3] || strlen(optarg) > 8 ||
                            strspn(optarg + 3, "0123456789") != strlen(optarg + 3)) {
                                (void) fprintf(stderr, "massaged: --adapter needs an adapter name like hci0, not '%s'\n",
                                               optarg);
                                return 2;
                        }
                        o.adapter = optarg;
                        break;
                case ARG_IDLE_TIMEOUT:
                        r = conf_parse_duration(optarg, &t);
                        if (r < 0) {
                                (void) fprintf(stderr, "massaged: --idle-timeout '%s': %s; use e.g. 600, 10min, 2s, or 0 "
                                        "for never\n", optarg,
                                        r == -ERANGE ? "longer than a week" : "not a duration");
                                return 2;
                        }
                        o.idle_timeout_s = t;
                        break;
                case ARG_VERBOSE:
                        log_set_verbose(1);
                        break;
                case ARG_HELP:
                        help();
                        return EXIT_SUCCESS;
                default:
                        (void) fprintf(stderr, "massaged: see 'massaged --help' for the options\n");
                        return 2;
                }
        if (optind < argc) {
                (void) fprintf(stderr, "massaged: unexpected argument '%s'; see 'massaged --help'\n", argv[optind]);
                return 2;
        }

        r = manager_new(&m, &o);
        if (r < 0)
                return EXIT_FAILURE;
        r = manager_run(m);
        manager_free(m);
        if (r < 0) {
                log_error_errno(r, "Event loop failed: %m");
                return EXIT_FAILURE;
        }
        return r;
}
