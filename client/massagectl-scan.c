/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * massagectl scan [--timeout D]: asks massaged to discover, prints each
 * massager as it appears, and stops discovery at the end (or on Ctrl-C).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-event.h>
#include <time.h>

#include "ctl-api.h"
#include "ctl-bus.h"
#include "ctl-format.h"
#include "ctl-parse.h"
#include "i18n.h"
#include "massaged-dbus.h"
#include "massagectl.h"

#define SCAN_DEFAULT_S  10u
#define SCAN_MAX_S      300u

typedef struct Scan {
        Ctl *c;
        sd_event *event;
        Value *seen;            /* address → entry object, in order of appearance */
        int result;             /* of StopDiscovery */
} Scan;

/* One discovered entry in whichever shape massaged uses: an object
 * (Address, Name, RSSI…), or a struct (address, name, …). */
static bool entry_fields(const Value *e, const char **ret_address, const char **ret_name) {
        *ret_name = "";
        if (e->type == VALUE_OBJECT) {
                if (!value_get_string(e, "Address", ret_address) && !value_get_string(e, "address", ret_address))
                        return false;
                if (!value_get_string(e, "Name", ret_name))
                        (void) value_get_string(e, "name", ret_name);
                return true;
        }
        if (e->type == VALUE_ARRAY && e->c.n >= 1 && e->c.items[0]->type == VALUE_STRING) {
                *ret_address = e->c.items[0]->s;
                if (e->c.n >= 2 && e->c.items[1]->type == VALUE_STRING)
                        *ret_name = e->c.items[1]->s;
                return true;
        }
        if (e->type == VALUE_STRING) {
                *ret_address = e->s;
                return true;
        }
        return false;
}

static Value *entry_object(const char *address, const char *name) {
        Value *o = value_new_object();

        if (!o)
                return NULL;
        if (value_object_set(o, "Address", value_new_string(address)) < 0 ||
            value_object_set(o, "Name", value_new_string(name)) < 0)
                return value_free(o);
        return o;
}

static void scan_update(Scan *s, const Value *list) {
        if (!list)
                return;
        for (size_t i = 0; (list->type == VALUE_ARRAY || list->type == VALUE_OBJECT) && i < list->c.n; i++) {
                const char *a, *n;
                char address[ADDRESS_STRING_MAX];

                if (!entry_fields(list->c.items[i], &a, &n)) {
                        /* An object keyed by address. */
                        if (list->type != VALUE_OBJECT)
                                continue;
                        a = list->c.keys[i];
                        n = "";
                        if (list->c.items[i]->type == VALUE_STRING)
                                n = list->c.items[i]->s;
                }
                if (parse_address(a, address) < 0 || value_object_get(s->seen, address))
                        continue;
                if (value_object_set(s->seen, address, entry_object(address, n)) < 0)
                        continue;
                if (!s->c->json) {
                        printf("%s%s%s  %s\n", ansi_bold(), address, ansi_normal(), *n ? n : "(no name)");
                        (void) fflush(stdout);
                }
        }
}

static int on_manager_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Scan *s = userdata;
        _cleanup_value_ Value *changed = NULL;
        const char *interface;

        if (sd_bus_message_read(m, "s", &interface) < 0 || strcmp(interface, MASSAGED_MANAGER_INTERFACE) != 0)
                return 0;
        if (bus_message_read_value(m, &changed) < 0)
                return 0;
        scan_update(s, value_object_get(changed, API_PROP_DISCOVERED));
        return 0;
}

/* StopDiscovery goes out before the loop ends: leaving the loop closes the
 * bus attached to it. */
static int finish(Scan *s) {
        s->result = api_stop_discovery(s->c);
        return sd_event_exit(s->event, 0);
}

static int on_done(sd_event_source *es, uint64_t usec, void *userdata) {
        return finish(userdata);
}

static int on_signal(sd_event_source *es, const struct signalfd_siginfo *si, void *userdata) {
        return finish(userdata);
}

int verb_scan(Ctl *c, int argc, char *argv[]) {
        static const struct option options[] = {
                CTL_COMMON_OPTIONS,
                { "timeout", required_argument, NULL, 't' },
                {}
        };
        _cleanup_(sd_event_unrefp) sd_event *event = NULL;
        _cleanup_value_ Value *seen = NULL, *initial = NULL;
        uint64_t timeout = SCAN_DEFAULT_S;
        sd_bus *bus = NULL;
        Scan s;
        int opt, r;

        while ((opt = getopt_long(argc, argv, ":ht:", options, NULL)) >= 0)
                switch (opt) {
                case 't':
                        if (parse_duration(optarg, &timeout) < 0 || timeout < 1 || timeout > SCAN_MAX_S)
                                return ctl_fail_usage(c, _("scan for 1s to 5m, not '%s' (e.g. --timeout 30s)."),
                                                      optarg);
                        break;
                CTL_COMMON_CASES(c, argv);
                }
        if (optind < argc)
                return ctl_fail_usage(c, _("unexpected argument '%s'."), argv[optind]);

        seen = value_new_object();
        if (!seen)
                return ctl_fail(c, EXIT_FAILURE_OTHER, -ENOMEM, _("Out of memory."));
        r = ctl_bus(c, &bus);
        if (r < 0)
                return r;
        r = sd_event_default(&event);
        if (r < 0)
                return ctl_fail(c, EXIT_FAILURE_OTHER, r, _("Cannot set up the event loop: %s."), strerror(-r));
        s = (Scan) { .c = c, .event = event, .seen = seen };
        r = sd_bus_match_signal(bus, NULL, MASSAGED_BUS_NAME, MASSAGED_MANAGER_PATH,
                                "org.freedesktop.DBus.Properties", "PropertiesChanged", on_manager_changed, &s);
        if (r < 0)
                return ctl_fail(c, EXIT_UNREACHABLE, r, _("Cannot subscribe to massaged's signals: %s."), strerror(-r));

        r = api_start_discovery(c);
        if (r < 0)
                return r;
        if (!c->json) {
                char d[FORMAT_DURATION_MAX];
                printf(_("Scanning for %s; switch the massager on and keep it close...\n"),
                       format_duration(timeout, d));
        }
        /* What was found before we subscribed. */
        if (api_discovered(c, &initial) >= 0)
                scan_update(&s, initial);

        r = sd_bus_attach_event(bus, event, SD_EVENT_PRIORITY_NORMAL);
        if (r >= 0)
                r = sd_event_add_time_relative(event, NULL, CLOCK_MONOTONIC, timeout * 1000000ULL, 100000ULL,
                                               on_done, &s);
        for (int i = 0, sigs[] = { SIGINT, SIGTERM, SIGHUP }; r >= 0 && i < 3; i++)
                r = sd_event_add_signal(event, NULL, sigs[i] | SD_EVENT_SIGNAL_PROCMASK, on_signal, &s);
        if (r >= 0)
                r = sd_event_loop(event);
        if (r < 0) {
                (void) api_stop_discovery(c);
                return ctl_fail(c, EXIT_FAILURE_OTHER, r, _("The scan failed: %s."), strerror(-r));
        }
        if (s.result < 0)
                return s.result;

        if (c->json) {
                _cleanup_value_ Value *root = value_new_object(), *list = value_new_array();
                if (!root || !list)
                        return ctl_fail(c, EXIT_FAILURE_OTHER, -ENOMEM, _("Out of memory."));
                for (size_t i = 0; i < seen->c.n; i++) {
                        const char *n = "";
                        (void) value_get_string(seen->c.items[i], "Name", &n);
                        (void) value_array_append(list, entry_object(seen->c.keys[i], n));
                }
                (void) value_object_set(root, "devices", STEAL_PTR(list));
                ctl_print_json(root);
        } else if (seen->c.n == 0)
                printf(_("No massager found. Is it switched on, charged and within a few metres?\n"));
        else
                printf(_("Add one with 'massagectl add ADDRESS'.\n"));
        return 0;
}
