/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The Device page: the known massagers (connection state, battery; connect,
 * disconnect, forget) and a scan for nearby ones to add.
 */

#include <adwaita.h>

#include "daemon-link.h"

GtkWidget *page_devices_new(DaemonLink *link);
