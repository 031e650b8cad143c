/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The daemon's state: the event loop, both buses, what BlueZ exports, the
 * known devices (the ledger's allow-list), discovery, and the safety
 * library's ledger and limits.
 */

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "bluez/bluez.h"
#include "daemon.h"
#include "device.h"


typedef struct Manager {
        sd_event *event;
        sd_bus *api;
        sd_bus *bluez;

        BluezClient *bluez_client;      /* what BlueZ exports, discovery, adapter slots, agent (bluez/) */
        struct DiscoveryClients *discovery;     /* scans clients asked for (discovery-clients.c) */

        GHashTable *devices;            /* address → Device (known devices) */
        DeviceContext device_ctx;       /* what every device and session is handed (device.h) */

        struct SafetyContext *safety;   /* ledger, limits, config (safety-glue.c) */
        struct Idle *idle;              /* exit when idle (idle.c); NULL: never */
        struct Notify *notify;          /* STATUS= for the service manager (notify.c); NULL: none */
        struct SleepInhibit *sleep;     /* logind delay inhibitor (sleep-inhibit.c) */
        struct StartAvailability *availability; /* Manager.StartAvailability (start-availability.c) */
        struct SafetyState *safety_state;       /* Manager.UsageToday, Limits … (safety-state.c) */
        struct MemoryTrim *trim;        /* heap handed back once settled (memory-trim.c) */
        bool suspending;                /* between PrepareForSleep(true) and (false) */

        sd_bus_slot *name_owner_slot;
        sd_event_source *name_timer;
        bool name_requested;
        bool shutting_down;
        int exit_code;
} Manager;


Device *manager_find_device_by_path(Manager *m, const char *object_path);
Device *manager_find_device(Manager *m, const char *address);

/* Stop every device; never refused (Manager.StopAll, shutdown). */
void manager_stop_all(Manager *m, const char *reason);
