/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Driving a running session's plan: the steps at their times, the device
 * lease, the policy's mid-session checks, and what the device reports. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/timer-accuracy.h"
#include "safety-event.h"
#include "session-internal.h"

/* ---- what the device answers ----------------------------------------- */

static PolicyEndReason end_reason_for_stop_cause(Session *s, uint8_t cause) {
        switch ((MassagerStopCause) cause) {
        case MASSAGER_STOP_LINK_LOST:
                return POLICY_END_LINK_LOST;
        case MASSAGER_STOP_OVERHEAT:
                return POLICY_END_THERMAL_CUTOFF;
        case MASSAGER_STOP_SENSOR:
                return POLICY_END_SENSOR_FAULT;
        case MASSAGER_STOP_BATTERY:
                return POLICY_END_BATTERY;
        case MASSAGER_STOP_LEASE:
                /* The last lease is never past the planned end: at the end this is completion. */
                if (session_remaining(s) <= 2)
                        return POLICY_END_COMPLETED;
                return POLICY_END_DEVICE_FAULT;
        case MASSAGER_STOP_MOTOR_STALL:
        case MASSAGER_STOP_COMMAND:
        case MASSAGER_STOP_NONE:
        case _MASSAGER_STOP_MAX:
                break;
        }
        return POLICY_END_DEVICE_FAULT;
}

/* The device's own cut-off counts like the policy's: the lock-out needs the event. */
static void record_device_trip(Session *s, PolicyEndReason reason) {
        SafetyContext *safety = session_safety_of(s);
        SafetyClock clock;

        if (reason != POLICY_END_THERMAL_CUTOFF)
                return;
        log_safety_event(SAFETY_EVENT_THERMAL_TRIP, LOG_WARNING, s->device->address, (uint64_t) s->id,
                         policy_end_reason_to_string(reason), "%s: the device's thermal cut-off tripped",
                         s->device->address);
        if (safety->ledger && safety_clock_now(&clock) >= 0)
                (void) ledger_event_add(safety->ledger, &clock, LEDGER_EVENT_THERMAL_TRIP, s->device->address,
                                        "the device's thermal cut-off tripped");
}

/* The device answered NOT_RUNNING while the session thinks it runs: it
 * stopped by itself (a cut-off whose STATUS we have not seen yet, its lease,
 * or a reboot that forgot the session, stop cause "none"). End the session
 * with the reason its snapshot gives; the STOP is for a device that lies. */
static void device_not_running(Session *s, const MassagerMessage *resp, const char *what) {
        PolicyEndReason reason = end_reason_for_stop_cause(s, resp->status.stop_cause);

        log_warning("%s: the device answered %s with not-running (stop cause %s): it stopped or reset by "
                    "itself; ending the session (%s)", s->device->address, what,
                    massager_stop_cause_to_string(resp->status.stop_cause), policy_end_reason_to_string(reason));
        record_device_trip(s, reason);
        session_stop_and_end(s, reason);
}

void session_on_output_done(Device *d, int error, const MassagerMessage *resp, void *userdata) {
        Session *s = d->session;

        if (!s || s->ending)
                return;
        if (error == -ENOTCONN)
                return;         /* link loss ends the session on its own path */
        if (error < 0) {
                /* The planned output (maybe "heat off") is not on the device, and a
                 * write that timed out may still be held and run later: stop. */
                log_warning_errno(error, "%s: SET_OUTPUT %s (%m); stopping to be safe", d->address,
                                  error == -ETIMEDOUT ? "got no answer" : "could not be written");
                session_stop_and_end(s, POLICY_END_DEVICE_FAULT);
        } else if (resp->result == MASSAGER_RESULT_NOT_RUNNING && !s->paused && s->started)
                device_not_running(s, resp, "SET_OUTPUT");
        else if (resp->result != MASSAGER_RESULT_OK && !s->paused) {
                log_warning("%s: device refused SET_OUTPUT (%s); stopping", d->address,
                            massager_result_to_string(resp->result));
                session_stop_and_end(s, POLICY_END_DEVICE_FAULT);
        }
}

static void on_lease_done(Device *d, int error, const MassagerMessage *resp, void *userdata) {
        Session *s = d->session;

        /* A lost renewal is what the lease's margin is for (renewed every
         * 3 s, it runs 10 s): the next one may pass, and if none does the
         * device stops by itself and says so in its STATUS. */
        if (error < 0)
                log_warning_errno(error, "%s: lease renewal failed: %m", d->address);
        else if (resp->result == MASSAGER_RESULT_OK && s)
                s->lease_confirmed_us = session_boottime_us();
        else if (resp->result == MASSAGER_RESULT_NOT_RUNNING && s && s->started && !s->paused && !s->ending)
                device_not_running(s, resp, "EXTEND_LEASE");
        else if (resp->result != MASSAGER_RESULT_OK)
                log_warning("%s: lease renewal refused: %s", d->address, massager_result_to_string(resp->result));
}

/* ---- the plan --------------------------------------------------------- */

MassagerOutput session_step_output(const PolicyStep *st) {
        return (MassagerOutput) { .intensity = st->intensity, .pattern = st->pattern, .heat_level = st->heat_level };
}

int session_send_step(Session *s, int i, CommandCallback cb, void *userdata) {
        MassagerCommand cmd = { .opcode = MASSAGER_OP_SET_OUTPUT, .output = session_step_output(&s->plan.steps[i]) };

        s->step = i;
        session_heat_account(s, s->plan.steps[i].heat_level > 0);
        log_debug("%s: step %d: intensity %u, pattern %s, heat %u", s->device->address, i,
                  cmd.output.intensity, massager_pattern_to_string(cmd.output.pattern), cmd.output.heat_level);
        return device_command(s->device, &cmd, cb ?: session_on_output_done, userdata);
}

static int on_step_timer(sd_event_source *es, uint64_t usec, void *userdata);

void session_schedule_next_step(Session *s) {
        uint64_t at;
        int r;

        s->step_timer = sd_event_source_disable_unref(s->step_timer);
        if ((size_t) s->step + 1 < s->plan.n_steps)
                at = s->segment_start_us + (uint64_t) s->plan.steps[s->step + 1].at_s * USEC_PER_SEC;
        else
                at = s->segment_start_us + (uint64_t) (s->plan.session_s - s->plan.origin_s) * USEC_PER_SEC;
        r = sd_event_add_time(session_ctx_of(s)->event, &s->step_timer, CLOCK_BOOTTIME, at, TIMER_ACCURACY_PRECISE_USEC,
                              on_step_timer, s);
        if (r < 0) {
                log_error_errno(r, "%s: cannot schedule the next step: %m; stopping", s->device->address);
                session_stop_and_end(s, POLICY_END_DEVICE_FAULT);
        }
}

void session_take_plan(Session *s, PolicyPlan *plan) {
        policy_plan_clear(&s->plan);
        s->plan = *plan;
        *plan = (PolicyPlan) {};
}

int session_apply_plan(Session *s, PolicyPlan *plan, uint64_t elapsed_us, uint64_t at_us, CommandCallback cb,
                       void *userdata) {
        int r;

        session_take_plan(s, plan);
        session_new_segment(s, elapsed_us, at_us);
        session_phase_timers(s);
        r = session_send_step(s, 0, cb, userdata);
        /* Armed even when the step could not be sent: the timer must follow the
         * new plan's steps, and the failure ends the session on its own path. */
        session_schedule_next_step(s);
        return r;
}

static int on_step_timer(sd_event_source *es, uint64_t usec, void *userdata) {
        Session *s = userdata;

        if ((size_t) s->step + 1 >= s->plan.n_steps) {
                session_stop_and_end(s, POLICY_END_COMPLETED);
                return 0;
        }
        (void) session_send_step(s, s->step + 1, NULL, NULL);
        device_emit_changed(s->device, DEVICE_PROP_REMAINING);
        session_schedule_next_step(s);
        return 0;
}

/* Whole seconds of plan left, rounded down: a lease never reaches past the planned end. */
static uint16_t lease_for(Session *s) {
        uint64_t end_us = s->segment_start_us + (uint64_t) (s->plan.session_s - s->plan.origin_s) * USEC_PER_SEC;
        uint64_t now = session_boottime_us();
        uint64_t left_s = end_us > now ? (end_us - now) / USEC_PER_SEC : 0;
        return (uint16_t) MIN(left_s, (uint64_t) LEASE_S);
}

static int on_lease_timer(sd_event_source *es, uint64_t usec, void *userdata) {
        Session *s = userdata;
        MassagerCommand cmd = { .opcode = MASSAGER_OP_EXTEND_LEASE };

        /* No renewal confirmed for a whole lease: the device has stopped by
         * its lease, or it runs on with renewals we cannot see answered (a
         * dead notification path). Either way nobody supervises it: stop. */
        if (session_boottime_us() - s->lease_confirmed_us >= (uint64_t) LEASE_S * USEC_PER_SEC) {
                log_warning("%s: no lease renewal confirmed for %u s; the device cannot be supervised, stopping",
                            s->device->address, (unsigned) LEASE_S);
                session_stop_and_end(s, POLICY_END_DEVICE_FAULT);
                return 0;
        }
        cmd.lease_s = lease_for(s);
        /* Less than a second left: the current lease covers it, the end timer stops the device. */
        if (cmd.lease_s > 0)
                (void) device_command(s->device, &cmd, on_lease_done, NULL);
        return 0;
}

static void tick_sample(Session *s, const PolicySample *sample) {
        SafetyContext *safety = session_safety_of(s);
        Device *d = s->device;
        PolicyInput in = session_policy_input(s, &s->figures);
        PolicyTick tick = {
                .now_mono_us = session_boottime_us(),
                .elapsed_s = session_elapsed_s(s),
                .heat_used_s = session_heat_used_s(s),
                .heat_on = s->heat_on_since_us != 0,
                .sample = sample,
        };
        PolicyTickResult res = {};
        SafetyClock clock;

        switch (policy_tick(&in, &s->plan, &s->thermal, &tick, &res)) {
        case POLICY_CONTINUE:
                return;
        case POLICY_HEAT_OFF: {
                log_safety_event(SAFETY_EVENT_HEAT_OFF, LOG_NOTICE, d->address, (uint64_t) s->id, NULL, "%s: %s",
                                 d->address, res.message);
                if (safety->ledger && safety_clock_now(&clock) >= 0)
                        (void) ledger_event_add(safety->ledger, &clock, LEDGER_EVENT_HEAT_OFF, d->address, res.message);
                uint64_t at_us = session_boottime_us(), elapsed_us = session_elapsed_us(s);
                PolicyChange change = {
                        .kind = POLICY_CHANGE_HEAT,
                        .elapsed_s = (uint32_t) (elapsed_us / USEC_PER_SEC),
                        .heat_used_s = session_heat_used_s(s),
                        .current_intensity = d->status.intensity,
                        .heat_level = 0,
                };
                PolicyPlan plan = {};
                PolicyRefusal refusal = {};
                if (policy_replan(&in, &s->plan, &change, &plan, &refusal) == 1)
                        (void) session_apply_plan(s, &plan, elapsed_us, at_us, NULL, NULL);
                else {
                        log_warning("%s: cannot continue without heat (%s); stopping", d->address, refusal.message);
                        session_stop_and_end(s, POLICY_END_LIMIT);
                }
                return;
        }
        case POLICY_STOP:
                if (res.thermal_trip)
                        log_safety_event(SAFETY_EVENT_THERMAL_TRIP, LOG_WARNING, d->address, (uint64_t) s->id,
                                         policy_end_reason_to_string(res.end_reason),
                                         "%s: policy stops the session: %s", d->address, res.message);
                else
                        log_notice("%s: policy stops the session: %s", d->address, res.message);
                /* Stop first, then record. */
                (void) device_send_stop(d, NULL, NULL);
                if (res.thermal_trip && safety->ledger && safety_clock_now(&clock) >= 0)
                        (void) ledger_event_add(safety->ledger, &clock, LEDGER_EVENT_THERMAL_TRIP, d->address,
                                                res.message);
                session_end(s, res.end_reason);
                return;
        case _POLICY_ACTION_MAX:
                break;
        }
}

static int on_tick_timer(sd_event_source *es, uint64_t usec, void *userdata) {
        Session *s = userdata;
        bool had = s->have_sample;

        s->have_sample = false;
        tick_sample(s, had ? &s->sample : NULL);
        return 0;
}

/* Repeating timers: re-arm after each firing. */
/* The next point of the grid after the one that just fired: counted from
 * when it was due, not from now, so the grid keeps its phase (a late firing
 * does not push every later one); points already past are skipped. */
static int rearm(sd_event_source *es, uint64_t due, uint64_t interval) {
        uint64_t now, next = due + interval;
        int r = sd_event_now(sd_event_source_get_event(es), CLOCK_BOOTTIME, &now);
        if (r < 0)
                return r;
        if (next <= now)
                next += (now - next) / interval * interval + interval;
        r = sd_event_source_set_time(es, next);
        if (r < 0)
                return r;
        return sd_event_source_set_enabled(es, SD_EVENT_ON);
}

static int on_lease_timer_repeat(sd_event_source *es, uint64_t usec, void *userdata) {
        Session *s = userdata;
        sd_event_source *ref = sd_event_source_ref(es);
        Device *d = s->device;

        (void) on_lease_timer(es, usec, userdata);
        /* The check may have ended the session and freed its timers. */
        if (d->session == s)
                (void) rearm(es, usec, LEASE_RENEW_USEC);
        sd_event_source_unref(ref);
        return 0;
}

static int on_tick_timer_repeat(sd_event_source *es, uint64_t usec, void *userdata) {
        Session *s = userdata;
        sd_event_source *ref = sd_event_source_ref(es);
        Device *d = s->device;

        (void) on_tick_timer(es, usec, userdata);
        /* The tick may have ended the session and freed its timers. */
        if (d->session == s)
                (void) rearm(es, usec, TICK_USEC);
        sd_event_source_unref(ref);
        return 0;
}

/* Put the tick and the lease renewal on the new segment's grid, half a
 * second off its steps (SESSION_TIMER_PHASE_USEC). Both fire at the first
 * point: a renewal comes at most half a second after a new plan, never later
 * than it was due on the old grid plus that half second. */
void session_phase_timers(Session *s) {
        uint64_t first = s->segment_start_us + SESSION_TIMER_PHASE_USEC;

        if (s->tick_timer)
                (void) sd_event_source_set_time(s->tick_timer, first);
        if (s->lease_timer)
                (void) sd_event_source_set_time(s->lease_timer, first);
}

int session_start_timers(Session *s) {
        const DeviceContext *ctx = session_ctx_of(s);
        uint64_t first = s->segment_start_us + SESSION_TIMER_PHASE_USEC;
        int r;

        s->lease_timer = sd_event_source_disable_unref(s->lease_timer);
        s->tick_timer = sd_event_source_disable_unref(s->tick_timer);
        /* Precise, like the steps: the session wakes every second anyway, and
         * a renewal that drifted onto a step's second would delay the step. */
        r = sd_event_add_time(ctx->event, &s->lease_timer, CLOCK_BOOTTIME, first + LEASE_RENEW_USEC,
                              TIMER_ACCURACY_PRECISE_USEC, on_lease_timer_repeat, s);
        if (r >= 0)
                r = sd_event_source_set_enabled(s->lease_timer, SD_EVENT_ON);
        if (r >= 0)
                r = sd_event_add_time(ctx->event, &s->tick_timer, CLOCK_BOOTTIME, first, TIMER_ACCURACY_PRECISE_USEC,
                                      on_tick_timer_repeat, s);
        if (r >= 0)
                r = sd_event_source_set_enabled(s->tick_timer, SD_EVENT_ON);
        if (r < 0)
                return r;
        session_schedule_next_step(s);
        return 0;
}

/* ---- device events ---------------------------------------------------- */

void session_on_status(Session *s, const MassagerStatus *previous) {
        Device *d = s->device;
        const MassagerStatus *st = &d->status;

        if (!s->started || s->paused || s->ending)
                return;
        s->sample = (PolicySample) {
                .mono_us = session_boottime_us(),
                .temperature = st->temperature,
                .heating = st->flags & MASSAGER_STATUS_HEATING,
                .battery = st->battery,
                .faults = st->faults,
        };
        s->have_sample = true;

        if (!(st->flags & MASSAGER_STATUS_RUNNING) && !device_commands_in_flight(d)) {
                PolicyEndReason reason = end_reason_for_stop_cause(s, st->stop_cause);

                log_warning("%s: the device stopped by itself (%s)", d->address,
                            massager_stop_cause_to_string(st->stop_cause));
                record_device_trip(s, reason);
                session_end(s, reason);
                return;
        }
        device_emit_changed(d, DEVICE_PROP_REMAINING);
}

