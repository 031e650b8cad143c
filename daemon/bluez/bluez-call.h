/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Calls to org.bluez with two rules built in: every call has
 * a time limit, and org.bluez.Error.InProgress is retried after a short wait.
 * A BluezCall is owned through the pointer passed as `ref`: the helper sets
 * *ref to NULL before it runs the callback, and bluez_call_cancel() drops a
 * call whose answer nobody wants any more (the callback is then never run).
 */

#include <stdint.h>
#include <systemd/sd-bus.h>

typedef struct BluezCall BluezCall;

/* Appends the arguments to a fresh method call; run again for each retry. */
typedef int (*BluezAppend)(sd_bus_message *m, const void *data, size_t size);
typedef void (*BluezCallback)(sd_bus_message *reply, const sd_bus_error *error, void *userdata);

/* Time limits, chosen above BlueZ's own (a failed LE connect gives up after ~20 s). */
#define BLUEZ_TIMEOUT_CONNECT_USEC  (25ULL * 1000000ULL)
#define BLUEZ_TIMEOUT_PAIR_USEC     (30ULL * 1000000ULL)
#define BLUEZ_TIMEOUT_GATT_USEC     (5ULL * 1000000ULL)
#define BLUEZ_TIMEOUT_SHORT_USEC    (5ULL * 1000000ULL)
#define BLUEZ_INPROGRESS_RETRY_USEC (500ULL * 1000ULL)
#define BLUEZ_INPROGRESS_ATTEMPTS   10

int bluez_call(sd_bus *bus, BluezCall **ref, const char *path, const char *interface, const char *member,
               uint64_t timeout_usec, BluezAppend append, const void *data, size_t size,
               BluezCallback callback, void *userdata);
void bluez_call_cancel(BluezCall **ref);

/* A BlueZ error as errno: -ENOTCONN (NotConnected, or Failed "Not connected" as
 * bluetoothd says for GATT calls on a dropped link), -ETIMEDOUT (no reply in
 * time), -EHOSTDOWN (bluetoothd gone), -EACCES (authentication/pairing),
 * -EBUSY (InProgress), -EIO otherwise. */
int bluez_error_to_errno(const sd_bus_error *e);

/* Argument builders for the common cases. */
int bluez_append_empty_dict(sd_bus_message *m, const void *data, size_t size);   /* a{sv} */
int bluez_append_write_request(sd_bus_message *m, const void *data, size_t size); /* ay, {type: request} */
int bluez_append_string(sd_bus_message *m, const void *data, size_t size);       /* s (data is NUL-terminated) */
int bluez_append_object(sd_bus_message *m, const void *data, size_t size);       /* o */
