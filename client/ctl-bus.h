/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Generic sd-bus plumbing for massagectl: the user-bus connection, method
 * calls that record their failure in the Ctl, and reading any reply into a
 * Value tree (dictionaries with string keys become objects, variants their
 * contents, structs arrays). What each daemon method is called and takes
 * lives in ctl-api.c, not here.
 */

#include <systemd/sd-bus.h>

#include "ctl-bus-value.h"
#include "ctl-value.h"
#include "massagectl.h"

#define CTL_CALL_TIMEOUT_USEC   (25ULL * 1000000ULL)    /* sd-bus's default */
#define CTL_DEVICE_TIMEOUT_USEC (90ULL * 1000000ULL)    /* pairing, connecting: BlueZ can be slow */

/* The user bus (DBUS_SESSION_BUS_ADDRESS, else $XDG_RUNTIME_DIR/bus), opened once. */
int ctl_bus(Ctl *c, sd_bus **ret);


/* Calls a method; on failure records it (what: "Starting AA:BB…") and returns a negative errno. */
int ctl_call(Ctl *c, uint64_t timeout_usec, const char *path, const char *interface, const char *method,
             const char *what, sd_bus_message **ret_reply, const char *types, ...);
/* Sends a prepared call (for a{sv} arguments built by the caller). */
int ctl_call_message(Ctl *c, uint64_t timeout_usec, sd_bus_message *m, const char *what,
                     sd_bus_message **ret_reply);
int ctl_new_call(Ctl *c, const char *path, const char *interface, const char *method, sd_bus_message **ret);

/* Reads the reply's single argument into a Value. */
int ctl_reply_value(Ctl *c, sd_bus_message *reply, Value **ret);

int ctl_get_property(Ctl *c, const char *path, const char *interface, const char *name, Value **ret);
int ctl_get_all_properties(Ctl *c, const char *path, const char *interface, Value **ret);

/* Appends one a{sv} entry whose value is given by type ("s", "y", "u", "b", "x", "t", "d") and a value. */
int bus_append_dict_entry(sd_bus_message *m, const char *key, const char *type, ...);
