/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What the user records for the safety policy (doc/safety.md): the limits
 * of Manager.SetLimits and the answers of Manager.SubmitScreening, both
 * validated already (api-args). Takes the manager's pieces, not the Manager.
 */

#include <systemd/sd-bus.h>

#include "device.h"
#include "safety/api-args.h"
#include "safety/screening.h"


/* Stores every limit req sets, logs each change as a safety event, reloads
 * the effective limits and hands them to running sessions. Returns 0, or a
 * negative errno with *error set (limits stored before a failure stay). */
int manager_limits_set(const DeviceContext *ctx, const ApiLimitsRequest *req,
                       sd_bus_error *error);

/* Records the screening answers. Returns 0, or a negative errno with *error
 * set: StorageUnavailable, or the policy's refusal (a "yes" without
 * clearance still in force). */
int manager_screening_submit(const DeviceContext *ctx, const ScreeningAnswers *answers, sd_bus_error *error);
