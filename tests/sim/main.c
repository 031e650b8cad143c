/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* massager-sim: command line, event loop, signals. */

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "peripheral.h"
#include "sim.h"

#define MAX_DEVICES 1024

typedef struct DeviceArg {
        char *address;
        char *name;
} DeviceArg;

static void help(void) {
        (void) printf("Usage: massager-sim [OPTIONS]\n"
                      "\n"
                      "A simulated neck massager behind the D-Bus API of bluetoothd 5.66: owns\n"
                      "org.bluez (and org.massaged1.Sim for its test controls) on the given bus.\n"
                      "\n"
                      "  -h --help                 Show this help and exit\n"
                      "  -b --bus=ADDRESS          Bus to serve (default: $DBUS_SYSTEM_BUS_ADDRESS or the system bus)\n"
                      "  -n --devices=N            Massagers in range, with generated addresses (default: 1)\n"
                      "  -d --device=ADDR[=NAME]   A massager with this address (and name); repeatable\n"
                      "     --name=NAME            Name of generated massagers (default: Massager)\n"
                      "     --paired               Massagers start paired (bonded, known without discovery)\n"
                      "     --connect-delay=MS     Connect() to Connected (default: 80)\n"
                      "     --resolve-delay=MS     Connected to ServicesResolved (default: 250)\n"
                      "     --pair-delay=MS        Pairing on a link (default: 100)\n"
                      "     --scan-delay=MS        StartDiscovery to devices found (default: 20)\n"
               "     --disconnect-delay=MS  Disconnect() to the link going down (default: 0; bluetoothd: 2000)\n"
               "     --temporary-timeout=MS Unpaired devices vanish this long after last seen (default: 30000, 0 = never)\n"
                      "     --thermal-tau=S        Pad thermal time constant in seconds (default: 60)\n"
                      "     --ambient=CELSIUS      Ambient temperature (default: 25.0)\n"
                      "     --battery=PERCENT      Initial battery charge (default: 90)\n"
                      "     --drain=PCT_PER_MIN    Battery drain while running, doubled with heat (default: 1.0)\n"
                      "     --adapter-address=ADDR Address of hci0 (default: 00:1A:7D:DA:71:0A)\n"
               "     --connected-race       Connected turns true without PropertiesChanged (SetConnectedRace)\n"
                      "\n"
                      "     --peripheral           Be a real GATT peripheral of a real bluetoothd instead (tests/vm/)\n"
                      "     --adapter=hciN         With --peripheral: the adapter to serve and advertise on (default: hci0)\n"
                      "     --insecure-control-point  With --peripheral: Control Point without encrypt-write (loudly logged)\n"
                      "  -v --verbose              Log what happens to stderr\n"
                      "\n"
                      "Tests control it through org.massaged1.Sim1 at /org/massaged1/sim (tests/sim/README.md).\n");
}

static int parse_ms(const char *opt, const char *arg, uint64_t *ret) {
        char *end;
        unsigned long v;

        errno = 0;
        v = strtoul(arg, &end, 10);
        if (errno || end == arg || *end || v > 600000 || arg[0] == '-') {
                (void) fprintf(stderr, "massager-sim: --%s needs milliseconds 0…600000, not '%s'\n", opt, arg);
                return -EINVAL;
        }
        *ret = (uint64_t) v * 1000u;
        return 0;
}

static int parse_double(const char *opt, const char *arg, double min, double max, double *ret) {
        char *end;
        double v;

        errno = 0;
        v = strtod(arg, &end);
        if (errno || end == arg || *end || !isfinite(v) || v < min || v > max) {
                (void) fprintf(stderr, "massager-sim: --%s needs a number %g…%g, not '%s'\n", opt, min, max, arg);
                return -EINVAL;
        }
        *ret = v;
        return 0;
}

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        return sd_event_exit(sd_event_source_get_event(s), EXIT_SUCCESS);
}

int main(int argc, char *argv[]) {
        enum {
                ARG_NAME = 0x100, ARG_PAIRED, ARG_CONNECT_DELAY, ARG_RESOLVE_DELAY, ARG_PAIR_DELAY, ARG_SCAN_DELAY,
                ARG_TAU, ARG_AMBIENT, ARG_BATTERY, ARG_DRAIN, ARG_ADAPTER_ADDRESS, ARG_CONNECTED_RACE,
                ARG_DISCONNECT_DELAY, ARG_TEMPORARY_TIMEOUT, ARG_PERIPHERAL, ARG_ADAPTER, ARG_INSECURE_CP,
        };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "bus", required_argument, NULL, 'b' },
                { "devices", required_argument, NULL, 'n' },
                { "device", required_argument, NULL, 'd' },
                { "name", required_argument, NULL, ARG_NAME },
                { "paired", no_argument, NULL, ARG_PAIRED },
                { "connect-delay", required_argument, NULL, ARG_CONNECT_DELAY },
                { "resolve-delay", required_argument, NULL, ARG_RESOLVE_DELAY },
                { "pair-delay", required_argument, NULL, ARG_PAIR_DELAY },
                { "scan-delay", required_argument, NULL, ARG_SCAN_DELAY },
                { "disconnect-delay", required_argument, NULL, ARG_DISCONNECT_DELAY },
                { "temporary-timeout", required_argument, NULL, ARG_TEMPORARY_TIMEOUT },
                { "thermal-tau", required_argument, NULL, ARG_TAU },
                { "ambient", required_argument, NULL, ARG_AMBIENT },
                { "battery", required_argument, NULL, ARG_BATTERY },
                { "drain", required_argument, NULL, ARG_DRAIN },
                { "adapter-address", required_argument, NULL, ARG_ADAPTER_ADDRESS },
                { "connected-race", no_argument, NULL, ARG_CONNECTED_RACE },
                { "verbose", no_argument, NULL, 'v' },
                { "peripheral", no_argument, NULL, ARG_PERIPHERAL },
                { "adapter", required_argument, NULL, ARG_ADAPTER },
                { "insecure-control-point", no_argument, NULL, ARG_INSECURE_CP },
                {}
        };
        SimOptions opt = {
                .adapter_address = "00:1A:7D:DA:71:0A",
                .adapter_name = "massager-sim",
                .connect_delay_us = 80000,
                .resolve_delay_us = 250000,
                .pair_delay_us = 100000,
                .scan_delay_us = 20000,
                .temporary_timeout_us = 30000000,
                .firmware = FIRMWARE_CONFIG_DEFAULT,
        };
        _cleanup_(sd_event_unrefp) sd_event *event = NULL;
        DeviceArg devices[64];
        unsigned n_device_args = 0, n_generated = 0;
        bool n_given = false, paired = false, peripheral = false, insecure_cp = false;
        const char *adapter = NULL;
        const char *name = "Massager";
        Sim *sim = NULL;
        sigset_t mask;
        double v;
        int c, r;

        while ((c = getopt_long(argc, argv, "hb:n:d:v", options, NULL)) >= 0) {
                switch (c) {
                case 'h':
                        help();
                        return EXIT_SUCCESS;
                case 'b':
                        opt.bus_address = optarg;
                        break;
                case 'n':
                        if (parse_double("devices", optarg, 0, MAX_DEVICES, &v) < 0 || v != floor(v))
                                return EXIT_FAILURE;
                        n_generated = (unsigned) v;
                        n_given = true;
                        break;
                case 'd': {
                        char *eq = strchr(optarg, '=');
                        if (n_device_args >= ELEMENTSOF(devices)) {
                                (void) fprintf(stderr, "massager-sim: at most %zu --device options; use --devices=N for more\n",
                                               ELEMENTSOF(devices));
                                return EXIT_FAILURE;
                        }
                        if (eq)
                                *eq = '\0';
                        if (!sim_address_valid(optarg)) {
                                (void) fprintf(stderr, "massager-sim: --device needs an address like AA:BB:CC:DD:EE:FF, not '%s'\n",
                                               optarg);
                                return EXIT_FAILURE;
                        }
                        devices[n_device_args++] = (DeviceArg) { optarg, eq ? eq + 1 : NULL };
                        break;
                }
                case ARG_NAME:
                        name = optarg;
                        break;
                case ARG_PAIRED:
                        paired = true;
                        break;
                case ARG_CONNECT_DELAY:
                        if (parse_ms("connect-delay", optarg, &opt.connect_delay_us) < 0)
                                return EXIT_FAILURE;
                        break;
                case ARG_RESOLVE_DELAY:
                        if (parse_ms("resolve-delay", optarg, &opt.resolve_delay_us) < 0)
                                return EXIT_FAILURE;
                        break;
                case ARG_PAIR_DELAY:
                        if (parse_ms("pair-delay", optarg, &opt.pair_delay_us) < 0)
                                return EXIT_FAILURE;
                        break;
                case ARG_SCAN_DELAY:
                        if (parse_ms("scan-delay", optarg, &opt.scan_delay_us) < 0)
                                return EXIT_FAILURE;
                        break;
                case ARG_DISCONNECT_DELAY:
                        if (parse_ms("disconnect-delay", optarg, &opt.disconnect_delay_us) < 0)
                                return EXIT_FAILURE;
                        break;
                case ARG_TEMPORARY_TIMEOUT:
                        if (parse_ms("temporary-timeout", optarg, &opt.temporary_timeout_us) < 0)
                                return EXIT_FAILURE;
                        break;
                case ARG_TAU:
                        if (parse_double("thermal-tau", optarg, 0.0, 86400.0, &opt.firmware.tau_s) < 0)
                                return EXIT_FAILURE;
                        break;
                case ARG_AMBIENT:
                        if (parse_double("ambient", optarg, 0.0, 40.0, &opt.firmware.ambient_c) < 0)
                                return EXIT_FAILURE;
                        break;
                case ARG_BATTERY:
                        if (parse_double("battery", optarg, 0, 100, &v) < 0)
                                return EXIT_FAILURE;
                        opt.firmware.battery = (uint8_t) v;
                        break;
                case ARG_DRAIN:
                        if (parse_double("drain", optarg, 0.0, 100.0, &opt.firmware.drain_pct_per_min) < 0)
                                return EXIT_FAILURE;
                        break;
                case ARG_ADAPTER_ADDRESS:
                        if (!sim_address_valid(optarg)) {
                                (void) fprintf(stderr, "massager-sim: --adapter-address needs an address like AA:BB:CC:DD:EE:FF, not '%s'\n",
                                               optarg);
                                return EXIT_FAILURE;
                        }
                        opt.adapter_address = optarg;
                        break;
                case ARG_CONNECTED_RACE:
                        opt.connected_race = true;
                        break;
                case 'v':
                        opt.verbose = true;
                        break;
                case ARG_PERIPHERAL:
                        peripheral = true;
                        break;
                case ARG_ADAPTER:
                        if (strncmp(optarg, "hci", 3) != 0 || !optarg[3] || strspn(optarg + 3, "0123456789") != strlen(optarg + 3) ||
                            strlen(optarg) > 8) {
                                (void) fprintf(stderr, "massager-sim: --adapter needs an adapter name like hci1, not '%s'\n",
                                               optarg);
                                return EXIT_FAILURE;
                        }
                        adapter = optarg;
                        break;
                case ARG_INSECURE_CP:
                        insecure_cp = true;
                        break;
                case '?':
                        (void) fprintf(stderr, "massager-sim: see --help for the options.\n");
                        return EXIT_FAILURE;
                default:
                        return EXIT_FAILURE;
                }
        }
        if (optind < argc) {
                (void) fprintf(stderr, "massager-sim: unexpected argument '%s'; see --help.\n", argv[optind]);
                return EXIT_FAILURE;
        }
        if (!peripheral && (adapter || insecure_cp)) {
                (void) fprintf(stderr, "massager-sim: --adapter and --insecure-control-point need --peripheral; see --help.\n");
                return EXIT_FAILURE;
        }
        if (peripheral && (n_given || n_device_args || paired)) {
                (void) fprintf(stderr, "massager-sim: --peripheral is one device on a real adapter: "
                               "--devices, --device and --paired do not apply.\n");
                return EXIT_FAILURE;
        }
        if (!n_given && n_device_args == 0)
                n_generated = 1;

        r = sd_event_default(&event);
        if (r < 0) {
                (void) fprintf(stderr, "massager-sim: cannot create the event loop: %s\n", strerror(-r));
                return EXIT_FAILURE;
        }
        (void) sigemptyset(&mask);
        (void) sigaddset(&mask, SIGTERM);
        (void) sigaddset(&mask, SIGINT);
        (void) sigprocmask(SIG_BLOCK, &mask, NULL);
        (void) sd_event_add_signal(event, NULL, SIGTERM, on_signal, NULL);
        (void) sd_event_add_signal(event, NULL, SIGINT, on_signal, NULL);

        if (peripheral) {
                PeripheralOptions popt = {
                        .bus_address = opt.bus_address,
                        .adapter = adapter ?: "hci0",
                        .name = name,
                        .insecure_control_point = insecure_cp,
                        .firmware = opt.firmware,
                        .verbose = opt.verbose,
                };
                r = peripheral_run(&popt, event);
                return r < 0 || r == EXIT_FAILURE ? EXIT_FAILURE : EXIT_SUCCESS;
        }

        r = sim_new(&opt, event, &sim);
        if (r < 0) {
                (void) fprintf(stderr, "massager-sim: %s\n", strerror(-r));
                return EXIT_FAILURE;
        }
        for (unsigned i = 0; i < n_device_args && r >= 0; i++) {
                r = sim_add_device(sim, devices[i].address, devices[i].name ?: name, paired, NULL);
                if (r == -EEXIST)
                        (void) fprintf(stderr, "massager-sim: --device %s given twice\n", devices[i].address);
        }
        for (unsigned i = 0; i < n_generated && r >= 0; i++)
                r = sim_add_device(sim, NULL, name, paired, NULL);
        if (r < 0) {
                if (r != -EEXIST)
                        (void) fprintf(stderr, "massager-sim: cannot create the devices: %s\n", strerror(-r));
                sim_free(sim);
                return EXIT_FAILURE;
        }

        r = sim_start(sim);
        if (r < 0) {
                (void) fprintf(stderr, "massager-sim: cannot connect to the bus %s: %s\n",
                               opt.bus_address ?: "(system)", strerror(-r));
                sim_free(sim);
                return EXIT_FAILURE;
        }
        sim_log(sim, "%u device(s) in range", sim->n_devices);

        r = sd_event_loop(event);
        sim_free(sim);
        if (r < 0) {
                (void) fprintf(stderr, "massager-sim: event loop failed: %s\n", strerror(-r));
                return EXIT_FAILURE;
        }
        return r;
}
