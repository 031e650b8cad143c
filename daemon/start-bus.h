/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * API 2's start answers on the bus (doc/dbus-api.md): Start's reply (the
 * plan), Manager.CheckStart and the Manager.StartAvailability property. The
 * Manager's vtable (manager-bus.c) points at the handlers here.
 */

#include <systemd/sd-bus.h>

#include "safety/policy.h"
#include "start-summary.h"

int bus_append_plan(sd_bus_message *m, const PlanSummary *p);
int bus_append_start_summary(sd_bus_message *m, const StartSummary *s);

/* Start()'s reply: the plan of the session that now runs. */
int start_bus_reply_plan(sd_bus_message *call, const PolicyPlan *plan, uint64_t session_id, int64_t ends_at_us);

int method_check_start(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int prop_start_availability(sd_bus *bus, const char *path, const char *interface, const char *property,
                            sd_bus_message *reply, void *userdata, sd_bus_error *error);
