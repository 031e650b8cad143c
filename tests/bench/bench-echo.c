/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-echo: the floor massaged's command latency is measured against
 * (doc/performance.md, issue 9). A trivial sd-bus service that moves exactly the
 * messages a Stop() moves, through the same two bus daemons, and does no
 * work of its own:
 *
 *   client --Stop()--> [user bus] --> relay --Write()--> [system bus] --> leaf
 *   leaf: method return, then a "Notified" signal (as bluetoothd answers a
 *         WriteValue and then notifies the Status characteristic)
 *   relay: on the signal, the return of the oldest pending Stop()
 *
 *   bench-echo --serve ADDR --name NAME                       the leaf
 *   bench-echo --serve ADDR --name NAME --forward ADDR --to NAME   the relay
 *
 * Both also answer Echo() at once: one bare round trip.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "macro.h"

#define BENCH_PATH "/org/massaged1/bench"
#define BENCH_INTERFACE "org.massaged1.Bench1"

typedef struct Pending {
        sd_bus_message *call;
        struct Pending *next;
} Pending;

typedef struct Echo {
        sd_bus *serve;
        sd_bus *forward;         /* NULL for the leaf */
        const char *to;
        Pending *head, *tail;    /* Stop() calls waiting for the leaf's signal, oldest first */
} Echo;

static int method_echo(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        return sd_bus_reply_method_return(m, NULL);
}

/* Leaf: the reply, then the notification, as the simulator answers a GATT write. */
static int method_write(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Echo *e = userdata;
        int r = sd_bus_reply_method_return(m, NULL);
        if (r < 0)
                return r;
        return sd_bus_emit_signal(e->serve, BENCH_PATH, BENCH_INTERFACE, "Notified", NULL);
}

static int on_write_reply(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        const sd_bus_error *e = sd_bus_message_get_error(m);
        if (e)
                (void) fprintf(stderr, "bench-echo: Write failed: %s: %s\n", e->name, e->message);
        return 0;
}

/* Relay: forward as the daemon forwards a Stop() to the device. */
static int method_stop(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Echo *e = userdata;
        Pending *p;
        int r;

        if (!e->forward)
                return sd_bus_error_set(error, SD_BUS_ERROR_NOT_SUPPORTED, "this bench-echo is a leaf: no --forward");
        p = calloc(1, sizeof *p);
        if (!p)
                return -ENOMEM;
        r = sd_bus_call_method_async(e->forward, NULL, e->to, BENCH_PATH, BENCH_INTERFACE, "Write", on_write_reply,
                                     NULL, NULL);
        if (r < 0) {
                free(p);
                return r;
        }
        p->call = sd_bus_message_ref(m);
        if (e->tail)
                e->tail->next = p;
        else
                e->head = p;
        e->tail = p;
        return 1;
}

static int on_notified(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Echo *e = userdata;
        Pending *p = e->head;

        if (!p)
                return 0;
        e->head = p->next;
        if (!e->head)
                e->tail = NULL;
        (void) sd_bus_reply_method_return(p->call, NULL);
        sd_bus_message_unref(p->call);
        free(p);
        return 0;
}

/* UNPRIVILEGED as in massaged and the simulator: otherwise sd-bus asks the
 * bus daemon for the caller's uid on every call (a synchronous extra round
 * trip), and the floor would be slower than what it is a floor for. */
static const sd_bus_vtable bench_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD("Echo", "", "", method_echo, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("Write", "", "", method_write, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("Stop", "", "", method_stop, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_SIGNAL("Notified", "", 0),
        SD_BUS_VTABLE_END,
};

static int open_bus(const char *address, sd_bus **ret) {
        sd_bus *b = NULL;
        int r = sd_bus_new(&b);
        if (r >= 0)
                r = sd_bus_set_address(b, address);
        if (r >= 0)
                r = sd_bus_set_bus_client(b, 1);
        if (r >= 0)
                r = sd_bus_start(b);
        if (r < 0) {
                sd_bus_unref(b);
                return r;
        }
        *ret = b;
        return 0;
}

int main(int argc, char *argv[]) {
        static const struct option options[] = {
                { "serve", required_argument, NULL, 's' },
                { "name", required_argument, NULL, 'n' },
                { "forward", required_argument, NULL, 'f' },
                { "to", required_argument, NULL, 't' },
                {}
        };
        const char *serve = NULL, *name = NULL, *forward = NULL;
        Echo e = {};
        sd_event *event = NULL;
        int c, r;

        while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0)
                switch (c) {
                case 's': serve = optarg; break;
                case 'n': name = optarg; break;
                case 'f': forward = optarg; break;
                case 't': e.to = optarg; break;
                default: return 2;
                }
        if (!serve || !name || !!forward != !!e.to) {
                (void) fprintf(stderr, "usage: bench-echo --serve ADDRESS --name NAME [--forward ADDRESS --to NAME]\n");
                return 2;
        }
        r = sd_event_default(&event);
        if (r >= 0)
                r = open_bus(serve, &e.serve);
        if (r >= 0 && forward)
                r = open_bus(forward, &e.forward);
        if (r >= 0)
                r = sd_bus_add_object_vtable(e.serve, NULL, BENCH_PATH, BENCH_INTERFACE, bench_vtable, &e);
        /* Any sender: the leaf is the only one on that bus emitting it, and a
         * well-known sender cannot be matched on the client side. */
        if (r >= 0 && e.forward)
                r = sd_bus_match_signal(e.forward, NULL, NULL, BENCH_PATH, BENCH_INTERFACE, "Notified", on_notified,
                                        &e);
        if (r >= 0)
                r = sd_bus_attach_event(e.serve, event, 0);
        if (r >= 0 && e.forward)
                r = sd_bus_attach_event(e.forward, event, 0);
        /* The name last: once it is owned the service answers (bench-startup waits for it). */
        if (r >= 0)
                r = sd_bus_request_name(e.serve, name, 0);
        if (r >= 0)
                r = sd_event_loop(event);
        if (r < 0)
                (void) fprintf(stderr, "bench-echo: %s\n", strerror(-r));
        sd_bus_flush_close_unref(e.forward);
        sd_bus_flush_close_unref(e.serve);
        sd_event_unref(event);
        return r < 0 ? 1 : 0;
}
