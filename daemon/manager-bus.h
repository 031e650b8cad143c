/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* org.massaged1.Manager on /org/massaged1 (doc/dbus-api.md). */

typedef struct Manager Manager;

int manager_bus_register(Manager *m);
