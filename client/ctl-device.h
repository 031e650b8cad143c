/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * How a device's properties read to a person: shared by devices, status,
 * monitor and start --wait so that they all say the same thing.
 */

#include <stddef.h>

#include "ctl-value.h"

/* "80 %" or "-" (unknown: 255 or absent). */
const char *device_battery_string(const Value *props, char *buf, size_t size);
/* "38.5 °C" or "-" (no reading: NaN or absent). */
const char *device_temperature_string(const Value *props, char *buf, size_t size);
/* "9m 30s" or "-" when no session runs. */
const char *device_remaining_string(const Value *props, char *buf, size_t size);
/* Property p as a string: strings as they are ("" → "-"), numbers in decimal. */
const char *device_prop_string(const Value *props, const char *p, char *buf, size_t size);
/* Is a session running or paused? */
bool device_in_session(const Value *props);

/* The status block ("Device  AA:BB… (Name)\nState  running\n…") on stdout. */
void device_print_status(const Value *props);
