/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A logind delay inhibitor for sleep (doc/packaging.md): while massaged holds
 * it, logind waits (up to its InhibitDelayMaxSec=, 5 s by default) before
 * suspending, so the massagers are stopped and their sessions closed with
 * reason "suspend" instead of running on a frozen daemon until their lease
 * runs out.
 *
 *   Inhibit("sleep", "massaged", "Stop the massager before sleep", "delay")
 *   PrepareForSleep(true)  → prepare() callback: stop everything, then
 *                            sleep_inhibit_release() (or the timeout does)
 *   PrepareForSleep(false) → resumed() callback, and the lock is taken again
 *
 * No logind on the bus: logged once, and massaged carries on without it.
 */

#include <stdbool.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

typedef struct SleepInhibit SleepInhibit;

typedef struct SleepInhibitCallbacks {
        /* The machine is about to sleep: stop every device, then call
         * sleep_inhibit_release() once they confirmed. */
        void (*prepare)(SleepInhibit *s, void *userdata);
        /* The machine woke up (the lock is being taken again). */
        void (*resumed)(SleepInhibit *s, void *userdata);
} SleepInhibitCallbacks;

/* Longest we hold off sleep waiting for STOP confirmations; below logind's
 * default InhibitDelayMaxSec= (5 s), so we release before logind gives up. */
#define SLEEP_STOP_TIMEOUT_USEC (3ULL * 1000000ULL)

int sleep_inhibit_new(SleepInhibit **ret, sd_bus *system_bus, sd_event *event, const SleepInhibitCallbacks *cb,
                      void *userdata);
SleepInhibit *sleep_inhibit_free(SleepInhibit *s);

/* Let the machine sleep now: closes the inhibitor fd (no-op if not held). */
void sleep_inhibit_release(SleepInhibit *s);
bool sleep_inhibit_held(SleepInhibit *s);
