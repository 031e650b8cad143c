/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Manager.StartAvailability (doc/dbus-api.md, API 2): CheckStart's answer for
 * the default options on the connected device, kept current without polling.
 * It is recomputed (once per event-loop turn, however many triggers came) when
 * something that can change it happens, and at the one moment the policy says
 * it can next change by itself (policy_next_change(): a rest running out,
 * midnight, the rolling 24 h). One timer, armed only while a device is
 * connected; PropertiesChanged only when the answer differs.
 */

#include "start-summary.h"

typedef struct DeviceContext DeviceContext;
typedef struct StartAvailability StartAvailability;

int start_availability_new(StartAvailability **ret, const DeviceContext *ctx);
StartAvailability *start_availability_free(StartAvailability *a);

/* Something that can change the answer happened (a session started or ended,
 * a device connected, limits, screening, a lock-out acknowledged …). NULL-safe. */
void start_availability_invalidate(StartAvailability *a);

/* The answer as last computed (computed now if never yet). */
const StartSummary *start_availability_get(StartAvailability *a);
