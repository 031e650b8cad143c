/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The thin bus side of api-args.h: reads an a{sv} argument of a method call
 * into an ApiArgs, entry by entry through api_args_add(), so the dict's
 * bounds (entry count, key and string lengths, duplicate keys) hold before
 * anything is allocated for an absurd argument. Validation proper is
 * api_*_parse(); this file knows D-Bus, not the rules.
 */

#include <systemd/sd-bus.h>

#include "safety/api-args.h"

/* Reads the next argument of msg, which must be an a{sv}, into *a (initialised
 * here with kind; the caller clears it). Returns 0; or a negative errno with
 * *error set to InvalidArgs naming the entry that the dict refused; or the
 * negative errno of a failed read (sd-bus answers it). */
int bus_read_api_args(sd_bus_message *msg, ApiArgsKind kind, ApiArgs *a, sd_bus_error *error);

/* Sends a validator's refusal: InvalidArgs with its message (or -ENOMEM without one). */
int bus_error_set_api_args(sd_bus_error *error, int r, const char *message);
