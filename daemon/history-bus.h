/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* org.massaged1.History on /org/massaged1: sessions, usage per day, diary. */

typedef struct Manager Manager;

int history_bus_register(Manager *m);
