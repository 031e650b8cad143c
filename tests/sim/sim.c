/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The simulator's connections, its device list and the "bluetoothd restart". */

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "macro.h"
#include "sim.h"

void sim_log(Sim *sim, const char *fmt, ...) {
        va_list ap;

        if (!sim->opt.verbose)
                return;
        (void) fputs("massager-sim: ", stderr);
        va_start(ap, fmt);
        (void) vfprintf(stderr, fmt, ap);
        va_end(ap);
        (void) fputc('\n', stderr);
}

uint64_t sim_now(Sim *sim) {
        uint64_t now;

        /* sd_event_now() fails only before the first iteration; then ask the clock. */
        if (sd_event_now(sim->event, CLOCK_MONOTONIC, &now) < 0) {
                struct timespec ts;
                clock_gettime(CLOCK_MONOTONIC, &ts);
                now = (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
        }
        return now;
}

bool sim_address_valid(const char *a) {
        if (!a || strlen(a) != SIM_ADDRESS_LEN)
                return false;
        for (unsigned i = 0; i < SIM_ADDRESS_LEN; i++) {
                if (i % 3 == 2 ? a[i] != ':' : !isxdigit((unsigned char) a[i]))
                        return false;
        }
        return true;
}

bool sim_bluez_up(Sim *sim) {
        return sim->bus != NULL;
}

SimDevice *sim_find_device(Sim *sim, const char *address) {
        for (SimDevice *d = sim->devices; d; d = d->next)
                if (strcasecmp(d->address, address) == 0)
                        return d;
        return NULL;
}

SimDevice *sim_find_device_by_path(Sim *sim, const char *path) {
        for (SimDevice *d = sim->devices; d; d = d->next)
                if (d->exported && strcmp(d->path, path) == 0)
                        return d;
        return NULL;
}

int sim_add_device(Sim *sim, const char *address, const char *name, bool paired, SimDevice **ret) {
        char auto_address[SIM_ADDRESS_LEN + 1];
        SimDevice *d, **tail;
        int r;

        if (!address || !*address) {
                do {
                        unsigned n = ++sim->next_auto_address;
                        (void) snprintf(auto_address, sizeof(auto_address), "C0:FF:EE:00:%02X:%02X",
                                        (n >> 8) & 0xff, n & 0xff);
                } while (sim_find_device(sim, auto_address));
                address = auto_address;
        }
        if (!sim_address_valid(address))
                return -EINVAL;
        if (sim_find_device(sim, address))
                return -EEXIST;

        r = sim_device_new(sim, address, name, paired, &d);
        if (r < 0)
                return r;
        for (tail = &sim->devices; *tail; tail = &(*tail)->next)
                ;
        *tail = d;
        sim->n_devices++;

        /* Bonded devices are known to bluetoothd from its storage; others
         * only once a discovery sees them. */
        if (sim_bluez_up(sim)) {
                if (paired)
                        (void) sim_device_export(d);
                if (sim->discovering)
                        adapter_device_in_range(sim, d);
        }
        if (ret)
                *ret = d;
        return 0;
}

int sim_remove_device(Sim *sim, SimDevice *d) {
        for (SimDevice **p = &sim->devices; *p; p = &(*p)->next) {
                if (*p == d) {
                        *p = d->next;
                        sim->n_devices--;
                        sim_device_link_lost(d, "device removed");
                        sim_device_unexport(d, true);
                        sim_device_free(d);
                        return 0;
                }
        }
        return -ENOENT;
}

static int on_name_acquired(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Sim *sim = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(m);

        if (e) {
                (void) fprintf(stderr, "massager-sim: cannot own %s: %s; is bluetoothd running on this bus? Exiting.\n",
                               BLUEZ_NAME, e->message);
                return sd_event_exit(sim->event, EXIT_FAILURE);
        }
        sim_log(sim, "owns %s", BLUEZ_NAME);
        return 0;
}

static int open_bus(Sim *sim, const char *description, sd_bus **ret) {
        _cleanup_(sd_bus_unrefp) sd_bus *bus = NULL;
        int r;

        if (sim->opt.bus_address) {
                r = sd_bus_new(&bus);
                if (r < 0)
                        return r;
                r = sd_bus_set_address(bus, sim->opt.bus_address);
                if (r < 0)
                        return r;
                r = sd_bus_set_bus_client(bus, true);
                if (r < 0)
                        return r;
                r = sd_bus_start(bus);
        } else
                r = sd_bus_open_system(&bus);
        if (r < 0)
                return r;
        (void) sd_bus_set_description(bus, description);
        r = sd_bus_attach_event(bus, sim->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return r;
        *ret = STEAL_PTR(bus);
        return 0;
}

/* "bluetoothd starts": a new connection, the object tree, then the name. */
static int bluez_up(Sim *sim) {
        int r;

        r = open_bus(sim, "bluetoothd", &sim->bus);
        if (r < 0)
                return r;
        r = sd_bus_add_object_manager(sim->bus, NULL, "/");
        if (r < 0)
                return r;
        r = adapter_bus_register(sim);
        if (r < 0)
                return r;
        r = agent_bus_register(sim);
        if (r < 0)
                return r;
        r = control_bus_register(sim, sim->bus);
        if (r < 0)
                return r;
        for (SimDevice *d = sim->devices; d; d = d->next)
                if (d->paired) {
                        r = sim_device_export(d);
                        if (r < 0)
                                return r;
                }
        return sd_bus_request_name_async(sim->bus, NULL, BLUEZ_NAME, 0, on_name_acquired, sim);
}

/* "bluetoothd dies" (killed, crashed): its connection closes first, so
 * clients see only the name go, no InterfacesRemoved or PropertiesChanged,
 * and dbus-daemon answers every call in flight with NoReply. The links drop
 * with it. */
static void bluez_down(Sim *sim) {
        sd_bus *bus = STEAL_PTR(sim->bus);

        (void) sd_bus_flush(bus);
        sd_bus_close(bus);
        for (SimDevice *d = sim->devices; d; d = d->next) {
                sim_device_abandon_calls(d);
                sim_device_link_lost(d, "bluetoothd stopped");
                sim_device_unexport(d, false);
        }
        sim->scan_timer = sd_event_source_disable_unref(sim->scan_timer);
        sim->discovery_clients = sd_bus_track_unref(sim->discovery_clients);
        sim->discovering = false;
        while (sim->filters) {
                SimFilter *f = sim->filters;
                sim->filters = f->next;
                free(f->owner);
                free(f->pattern);
                for (char **u = f->uuids; u && *u; u++)
                        free(*u);
                free(f->uuids);
                free(f);
        }
        agent_forget_all(sim);
        /* The object slots held references; now the connection goes. */
        sd_bus_unref(bus);
}

static int on_restart_up(sd_event_source *s, uint64_t usec, void *userdata) {
        Sim *sim = userdata;
        int r;

        sim->restart_timer = sd_event_source_disable_unref(sim->restart_timer);
        r = bluez_up(sim);
        if (r < 0) {
                (void) fprintf(stderr, "massager-sim: cannot come back on the bus: %s; exiting.\n", strerror(-r));
                return sd_event_exit(sim->event, EXIT_FAILURE);
        }
        return 0;
}

static int on_restart_down(sd_event_source *s, void *userdata) {
        Sim *sim = userdata;
        int r;

        sim->restart_defer = sd_event_source_disable_unref(sim->restart_defer);
        bluez_down(sim);
        r = sd_event_add_time(sim->event, &sim->restart_timer, CLOCK_MONOTONIC,
                              sim_now(sim) + sim->restart_down_us, SIM_TIMER_ACCURACY_USEC, on_restart_up, sim);
        if (r < 0)
                return on_restart_up(NULL, 0, sim);
        return 0;
}

/* Deferred, so the reply to the call that asked for it goes out first. */
int sim_restart_bluez(Sim *sim, uint64_t down_us) {
        if (!sim_bluez_up(sim) || sim->restart_defer || sim->restart_timer)
                return -EALREADY;
        sim->restart_down_us = down_us;
        return sd_event_add_defer(sim->event, &sim->restart_defer, on_restart_down, sim);
}

int sim_new(const SimOptions *opt, sd_event *event, Sim **ret) {
        Sim *sim = calloc(1, sizeof(*sim));

        if (!sim)
                return -ENOMEM;
        sim->opt = *opt;
        sim->event = sd_event_ref(event);
        sim->powered = true;
        sim->pairable = true;
        sim->discoverable_timeout = 180;
        *ret = sim;
        return 0;
}

int sim_start(Sim *sim) {
        int r;

        r = open_bus(sim, "massager-sim-control", &sim->control_bus);
        if (r < 0)
                return r;
        r = control_bus_register(sim, sim->control_bus);
        if (r < 0)
                return r;
        r = sd_bus_request_name(sim->control_bus, SIM_CONTROL_NAME, 0);
        if (r < 0)
                return r;
        return bluez_up(sim);
}

Sim *sim_free(Sim *sim) {
        if (!sim)
                return NULL;
        if (sim->bus)
                bluez_down(sim);
        while (sim->devices) {
                SimDevice *d = sim->devices;
                sim->devices = d->next;
                sim_device_free(d);
        }
        sim->restart_timer = sd_event_source_disable_unref(sim->restart_timer);
        sim->restart_defer = sd_event_source_disable_unref(sim->restart_defer);
        sim->control_bus = sd_bus_flush_close_unref(sim->control_bus);
        free(sim->adapter_alias);
        sd_event_unref(sim->event);
        free(sim);
        return NULL;
}
