/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The pairing agent massaged registers with BlueZ (bluez-agent.c). */

typedef struct Manager Manager;

int bluez_agent_export(Manager *m);     /* the Agent1 object on the BlueZ bus */
void bluez_agent_register(Manager *m);  /* AgentManager1.RegisterAgent with the current bluetoothd */
