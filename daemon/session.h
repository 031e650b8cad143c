/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A running session on one device: the policy's plan of timed steps (soft
 * start, ramp, heat schedule) driven with a device lease renewed well before
 * it runs out and never past the planned end, and the ledger row opened
 * durably before the device starts and closed with the reason it ended.
 */

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>

#include "device.h"
#include "safety/policy.h"
#include "start-decision.h"

typedef struct Session Session;


/* Runs the policy, writes the ledger row, starts the device. Replies to `call`
 * itself (asynchronously, once the device has answered). */
int session_start(Device *d, const SessionRequest *req, sd_bus_message *call, sd_bus_error *error);

/* Ends the session: ledger row closed with the reason, SessionEnded emitted,
 * d->session cleared. It does not talk to the device: callers that can send
 * STOP do so first (device_send_stop()), the device's own lease and
 * link-loss stop cover the rest. */
void session_end(Session *s, PolicyEndReason reason);
/* StopWithReason(symptom) with no session open on d: the symptom is recorded
 * anyway (attached to d's session that ended within the rest period), so
 * its 24 h cap applies. Logged; a ledger failure is logged, never blocks the stop. */
void session_symptom_after(Device *d, PolicyEndReason reason);

int session_pause(Session *s, sd_bus_message *call, sd_bus_error *error);
int session_resume(Session *s, sd_bus_message *call, sd_bus_error *error);
int session_set_intensity(Session *s, unsigned intensity, sd_bus_message *call, sd_bus_error *error);
int session_set_heat(Session *s, unsigned heat, sd_bus_message *call, sd_bus_error *error);

/* Limits changed (SetLimits): re-plan with them, or end the session (limit). */
void session_limits_changed(Session *s);

/* Device events. */
void session_on_status(Session *s, const MassagerStatus *previous);

/* Read by the Device properties. */
bool session_is_paused(Session *s);
const char *session_program(Session *s);
uint32_t session_remaining(Session *s);
uint64_t session_id(Session *s);
