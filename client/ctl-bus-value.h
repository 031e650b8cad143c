/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Any D-Bus value into a Value tree: dictionaries (a{..}) become objects
 * (non-string keys in decimal), variants their contents, structs and other
 * arrays arrays, bytes and unsigned integers VALUE_UINT, signed VALUE_INT,
 * object paths and signatures strings. Uses only the sd-bus message API,
 * so it is unit-tested on sealed messages without a bus.
 */

#include <systemd/sd-bus.h>

#include "ctl-value.h"

/* Reads the next complete type of m. Returns 0, -ENXIO at the end of the
 * message, or another negative errno from sd-bus. */
int bus_message_read_value(sd_bus_message *m, Value **ret);
