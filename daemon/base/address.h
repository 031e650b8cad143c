/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Bluetooth addresses as the API takes them, and the object paths made from them. */

#include <stdbool.h>

/* "AA:BB:CC:DD:EE:FF", hex digits of either case. */
bool address_is_valid(const char *address);

/* /org/massaged1/device/AA_BB_CC_DD_EE_FF (upper case); NULL on ENOMEM. */
char *address_to_object_path(const char *address);
