/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-echo: the floor massaged's command latency is measured against
 * (doc/performance.md, issue 9). A trivial sd-bus service that moves exactly the
 * messages a Stop() moves, through the same two bus daemons, and does no
 * work of its own:
 *
 *   client --Stop()--> [user bus] --> relay --Write()--> [system bus] --> leaf
 *   leaf: method return, then a PropertiesChanged signal (as bluetoothd answers a
 *         WriteValue and then notifies the Status characteristic)
 *   relay: on the signal, the return of the oldest pending Stop()
 *
 * The messages carry what massaged's carry, byte for byte in size: Write()
 * has WriteValue's arguments (a 6-byte STOP frame, the options {"type":
 * "request"}), the signal is a GATT notification's PropertiesChanged
 * ("org.bluez.GattCharacteristic1", {"Value": an 18-byte response}, []), and
 * the relay reads the Value out of it the cheapest way sd-bus allows. Building
 * and reading those bodies is the cost of any program doing this exchange
 * over D-Bus, so it belongs to the floor (doc/performance.md, round 2; the
 * round-1 floor sent empty bodies).
 *
 *   bench-echo --serve ADDR --name NAME                       the leaf
 *   bench-echo --serve ADDR --name NAME --forward ADDR --to NAME   the relay
 *
 * Both also answer Echo() at once: one bare round trip.
 */
#include <errno.h>
#include <stdint.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "macro.h"

#define BENCH_PATH "/org/massaged1/bench"
#define BENCH_INTERFACE "org.massaged1.Bench1"
#define GATT_INTERFACE "org.bluez.GattCharacteristic1"

/* The sizes of a STOP write and of its response notification (protocol/PROTOCOL.md). */
static const uint8_t stop_frame[6] = { 0x04, 0x01, 0x00, 0x00, 0x00, 0x00 };
static const uint8_t response_frame[18] = { 0x84, 0x01, 0x00, 0x0c };

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
        sd_bus_message *signal = NULL;
        int r = sd_bus_reply_method_return(m, NULL);
        if (r < 0)
                return r;
        r = sd_bus_message_new_signal(e->serve, &signal, BENCH_PATH, "org.freedesktop.DBus.Properties",
                                      "PropertiesChanged");
        if (r >= 0)
                r = sd_bus_message_append(signal, "s", GATT_INTERFACE);
        if (r >= 0)
                r = sd_bus_message_open_container(signal, 'a', "{sv}");
        if (r >= 0)
                r = sd_bus_message_open_container(signal, 'e', "sv");
        if (r >= 0)
                r = sd_bus_message_append(signal, "s", "Value");
        if (r >= 0)
                r = sd_bus_message_open_container(signal, 'v', "ay");
        if (r >= 0)
                r = sd_bus_message_append_array(signal, 'y', response_frame, sizeof response_frame);
        for (int i = 0; r >= 0 && i < 3; i++)
                r = sd_bus_message_close_container(signal);
        if (r >= 0)
                r = sd_bus_message_append(signal, "as", 0);
        if (r >= 0)
                r = sd_bus_send(e->serve, signal, NULL);
        sd_bus_message_unref(signal);
        return r;
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
        sd_bus_message *write = NULL;
        Pending *p;
        int r;

        if (!e->forward)
                return sd_bus_error_set(error, SD_BUS_ERROR_NOT_SUPPORTED, "this bench-echo is a leaf: no --forward");
        p = calloc(1, sizeof *p);
        if (!p)
                return -ENOMEM;
        r = sd_bus_message_new_method_call(e->forward, &write, e->to, BENCH_PATH, BENCH_INTERFACE, "Write");
        if (r >= 0)
                r = sd_bus_message_append_array(write, 'y', stop_frame, sizeof stop_frame);
        if (r >= 0)
                r = sd_bus_message_append(write, "a{sv}", 1, "type", "s", "request");
        if (r >= 0)
                r = sd_bus_call_async(e->forward, NULL, write, on_write_reply, NULL, 0);
        sd_bus_message_unref(write);
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

/* The least a client of a GATT notification does: find "Value", read its bytes. */
static int read_value(sd_bus_message *m, const void **ret, size_t *ret_size) {
        const char *interface, *key;
        int r = sd_bus_message_read(m, "s", &interface);

        if (r >= 0)
                r = sd_bus_message_enter_container(m, 'a', "{sv}");
        while (r >= 0 && (r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                r = sd_bus_message_read(m, "s", &key);
                if (r >= 0 && strcmp(key, "Value") == 0) {
                        r = sd_bus_message_enter_container(m, 'v', "ay");
                        if (r >= 0)
                                r = sd_bus_message_read_array(m, 'y', ret, ret_size);
                        return r < 0 ? r : 1;
                }
                if (r >= 0)
                        r = sd_bus_message_skip(m, "v");
                if (r >= 0)
                        r = sd_bus_message_exit_container(m);
        }
        return r < 0 ? r : 0;
}

static int on_notified(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Echo *e = userdata;
        Pending *p = e->head;
        const void *value;
        size_t size;

        if (!p || read_value(m, &value, &size) <= 0 || size != sizeof response_frame)
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
        SD_BUS_METHOD("Write", "aya{sv}", "", method_write, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("Stop", "", "", method_stop, SD_BUS_VTABLE_UNPRIVILEGED),
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
                r = sd_bus_match_signal(e.forward, NULL, NULL, BENCH_PATH, "org.freedesktop.DBus.Properties",
                                        "PropertiesChanged", on_notified, &e);
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
