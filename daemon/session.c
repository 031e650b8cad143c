/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bus-errors.h"
#include "base/log.h"
#include "base/timer-accuracy.h"
#include "massaged-dbus.h"
#include "safety-event.h"
#include "safety/policy-advice.h"
#include "session-internal.h"
#include "start-availability.h"
#include "start-bus.h"
#include "start-decision.h"
#include "i18n.h"

uint64_t session_elapsed_us(Session *s) {
        if (!s->started || s->paused)
                return (uint64_t) session_elapsed_s(s) * USEC_PER_SEC + s->carry_us;
        return (uint64_t) s->plan.origin_s * USEC_PER_SEC + s->carry_us + (session_boottime_us() - s->segment_start_us);
}

uint32_t session_elapsed_s(Session *s) {
        if (!s->started)
                return s->plan.origin_s;
        if (s->paused)
                return s->paused_elapsed_s;
        return (uint32_t) (session_elapsed_us(s) / USEC_PER_SEC);
}

/* Without the carry every change (SetIntensity, SetHeat, a limit, heat off,
 * a pause) would drop up to a second of counted motor time: a client could
 * hide usage from the limits by sending changes. */
void session_new_segment(Session *s, uint64_t elapsed_us, uint64_t at_us) {
        uint64_t origin_us = (uint64_t) s->plan.origin_s * USEC_PER_SEC;
        uint64_t now = session_boottime_us();

        /* The re-planning itself (ledger reads) takes time too; the motors ran through it. */
        elapsed_us += now > at_us ? now - at_us : 0;
        s->carry_us = elapsed_us > origin_us ? elapsed_us - origin_us : 0;
        s->segment_start_us = now;
}

uint32_t session_heat_used_s(Session *s) {
        uint64_t us = s->heat_used_us;
        if (s->heat_on_since_us)
                us += session_boottime_us() - s->heat_on_since_us;
        return (uint32_t) (us / USEC_PER_SEC);
}

void session_heat_account(Session *s, bool on) {
        uint64_t now = session_boottime_us();

        if (s->heat_on_since_us) {
                s->heat_used_us += now - s->heat_on_since_us;
                s->heat_on_since_us = 0;
        }
        if (on)
                s->heat_on_since_us = now;
}

bool session_is_paused(Session *s) {
        return s->paused;
}

const char *session_program(Session *s) {
        return s->plan.program && s->plan.program->name ? s->plan.program->name : "";
}

uint32_t session_remaining(Session *s) {
        uint32_t e = session_elapsed_s(s);
        return e >= s->plan.session_s ? 0 : s->plan.session_s - e;
}

uint64_t session_id(Session *s) {
        return (uint64_t) s->id;
}

static void emit_session_properties(Device *d) {
        device_emit_changed(d, DEVICE_PROP_STATE, DEVICE_PROP_PROGRAM, DEVICE_PROP_REMAINING, DEVICE_PROP_SESSION_ID);
}

static void session_free(Session *s) {
        if (!s)
                return;
        s->step_timer = sd_event_source_disable_unref(s->step_timer);
        s->lease_timer = sd_event_source_disable_unref(s->lease_timer);
        s->tick_timer = sd_event_source_disable_unref(s->tick_timer);
        s->pause_timer = sd_event_source_disable_unref(s->pause_timer);
        sd_bus_slot_unref(s->caller_slot);
        sd_bus_slot_unref(s->caller_check_slot);
        sd_bus_message_unref(s->start_call);
        sd_bus_message_unref(s->pause_call);
        free(s->caller);
        policy_plan_clear(&s->plan);
        free(s);
}

/* ---- ending ----------------------------------------------------------- */

static LedgerEventKind event_for(PolicyEndReason reason, bool *ret_record) {
        *ret_record = true;
        switch (reason) {
        case POLICY_END_LINK_LOST:
                return LEDGER_EVENT_LINK_LOST;
        case POLICY_END_DEVICE_FAULT:
        case POLICY_END_SENSOR_FAULT:
        case POLICY_END_BATTERY:
                return LEDGER_EVENT_DEVICE_FAULT;
        case POLICY_END_COMPLETED:
        case POLICY_END_USER:
        case POLICY_END_STOP_ALL:
        case POLICY_END_CALLER_LEFT:
        case POLICY_END_PAIN_RISING:
        case POLICY_END_NUMBNESS:
        case POLICY_END_TINGLING:
        case POLICY_END_DIZZINESS:
        case POLICY_END_HEADACHE_FLARE:
        case POLICY_END_BURNING_SKIN:
        case POLICY_END_THERMAL_CUTOFF:
        case POLICY_END_LIMIT:
        case POLICY_END_SHUTDOWN:
        case POLICY_END_SUSPEND:
        case POLICY_END_INTERRUPTED:
        case POLICY_END_PAUSE_TIMEOUT:  /* the row's end reason records it */
        case _POLICY_END_MAX:
                break;
        }
        *ret_record = false;
        return _LEDGER_EVENT_MAX;
}

/* Ends worth a journal entry of their own (safety-event.h); the rest are routine.
 * A thermal cut-off has its own entry where the trip is recorded. */
static SafetyEvent journal_event_for(PolicyEndReason reason) {
        if (policy_end_reason_is_symptom(reason))
                return SAFETY_EVENT_SYMPTOM_STOP;
        switch (reason) {
        case POLICY_END_LINK_LOST:
                return SAFETY_EVENT_LINK_LOST;
        case POLICY_END_DEVICE_FAULT:
        case POLICY_END_SENSOR_FAULT:
        case POLICY_END_BATTERY:
                return SAFETY_EVENT_DEVICE_FAULT;
        case POLICY_END_SUSPEND:
                return SAFETY_EVENT_SUSPEND_STOP;
        case POLICY_END_PAUSE_TIMEOUT:
                return SAFETY_EVENT_PAUSE_TIMEOUT;
        case POLICY_END_COMPLETED:
        case POLICY_END_USER:
        case POLICY_END_STOP_ALL:
        case POLICY_END_CALLER_LEFT:
        case POLICY_END_PAIN_RISING:
        case POLICY_END_NUMBNESS:
        case POLICY_END_TINGLING:
        case POLICY_END_DIZZINESS:
        case POLICY_END_HEADACHE_FLARE:
        case POLICY_END_BURNING_SKIN:
        case POLICY_END_THERMAL_CUTOFF:
        case POLICY_END_LIMIT:
        case POLICY_END_SHUTDOWN:
        case POLICY_END_INTERRUPTED:
        case _POLICY_END_MAX:
                break;
        }
        return _SAFETY_EVENT_MAX;
}

/* The follow-up a person reads after a symptom stop, told to every client
 * (Manager.Advice): the 24 h cap, and to see a clinician once stops repeat. */
static void symptom_advice(const DeviceContext *ctx) {
        PolicyFigures f;
        SafetyClock clock;
        char advice[POLICY_MESSAGE_MAX];

        if (safety_figures(ctx->safety, &clock, &f) < 0)
                return;
        if (policy_symptom_advice_due(&f, advice, sizeof advice))
                log_notice("%s", advice);
        policy_symptom_followup(&f, advice, sizeof advice);
        if (ctx->api)
                (void) sd_bus_emit_signal(ctx->api, MASSAGED_MANAGER_PATH, MASSAGED_MANAGER_INTERFACE, "Advice",
                                          "s", advice);
}

void session_symptom_after(Device *d, PolicyEndReason reason) {
        SafetyContext *safety = d->ctx->safety;
        SafetyClock clock;
        int64_t id = 0;
        int r;

        if (!safety->ledger) {
                log_error("%s: symptom '%s' reported, but the ledger is unusable: it cannot be recorded (%s)",
                          d->address, policy_end_reason_to_string(reason), safety_storage_error(safety));
                return;
        }
        r = safety_clock_now(&clock);
        if (r >= 0)
                r = ledger_symptom_report(safety->ledger, &clock, d->address, reason,
                                          (uint64_t) safety->limits.value[LIMIT_REST_MINUTES] * USEC_PER_MIN, &id);
        if (r < 0) {
                log_error_errno(r, "%s: could not record the symptom '%s': %s", d->address,
                                policy_end_reason_to_string(reason), ledger_error(safety->ledger));
                return;
        }
        /* The same journal entry as a symptom stop (journalctl -x explains it). */
        if (id > 0)
                log_safety_event(SAFETY_EVENT_SYMPTOM_STOP, LOG_NOTICE, d->address, (uint64_t) id,
                                 policy_end_reason_to_string(reason),
                                 "%s: symptom '%s' reported after session %lld ended; intensity stays in the "
                                 "lowest third for 24 h", d->address, policy_end_reason_to_string(reason),
                                 (long long) id);
        else
                log_safety_event(SAFETY_EVENT_SYMPTOM_STOP, LOG_NOTICE, d->address, 0,
                                 policy_end_reason_to_string(reason),
                                 "%s: symptom '%s' reported with no recent session; intensity stays in the "
                                 "lowest third for 24 h", d->address, policy_end_reason_to_string(reason));
        symptom_advice(d->ctx);
        device_decision_input_changed(d);
}

void session_end(Session *s, PolicyEndReason reason) {
        Device *d = s->device;
        const DeviceContext *ctx = session_ctx_of(s);
        SafetyContext *safety = session_safety_of(s);
        const char *reason_str = policy_end_reason_to_string(reason);
        uint32_t seconds, heat;
        SafetyClock clock;
        bool record;
        int r;

        if (s->ending)
                return;
        s->ending = true;
        /* Heat first: read after it, the motor time is never the smaller one. */
        session_heat_account(s, false);
        heat = session_heat_used_s(s);
        seconds = session_elapsed_s(s);

        /* Stop always works: a ledger failure is logged, never blocks the stop. */
        r = safety_clock_now(&clock);
        if (r >= 0 && safety->ledger) {
                r = safety_session_end(safety, s->id, &clock, seconds, heat, reason);
                if (r < 0)
                        log_error_errno(r, "%s: could not close session %lld in the ledger (%s); it counts at "
                                        "its planned length until the end is written (retried before every "
                                        "start and at exit)", d->address, (long long) s->id,
                                        ledger_error(safety->ledger));
                LedgerEventKind kind = event_for(reason, &record);
                if (record && ledger_event_add(safety->ledger, &clock, kind, d->address, reason_str) < 0)
                        log_warning("%s: could not record the %s event: %s", d->address, reason_str,
                                    ledger_error(safety->ledger));
        }
        SafetyEvent ev = journal_event_for(reason);
        if (ev != _SAFETY_EVENT_MAX)
                log_safety_event(ev, LOG_NOTICE, d->address, (uint64_t) s->id, reason_str,
                                 "%s: session %lld ended (%s) after %u s, heat %u s", d->address, (long long) s->id,
                                 reason_str, seconds, heat);
        else
                log_info("%s: session %lld ended (%s) after %u s, heat %u s", d->address, (long long) s->id,
                         reason_str, seconds, heat);

        if (policy_end_reason_is_symptom(reason) && safety->ledger)
                symptom_advice(ctx);

        if (s->start_call) {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = STEAL_PTR(s->start_call);
                (void) bus_reply_errno(call, reason == POLICY_END_LINK_LOST ? -ENOTCONN : -EIO,
                                       _("%s: the session ended before the device confirmed it (%s)"),
                                       d->address, reason_str);
        }
        if (s->pause_call) {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = STEAL_PTR(s->pause_call);
                (void) sd_bus_reply_method_errorf(call, MASSAGED_ERROR_NOT_RUNNING,
                                                  _("%s: the session ended (%s) before it could pause; the "
                                                  "device is stopped"), d->address, reason_str);
        }

        d->session = NULL;
        if (ctx->api)
                (void) sd_bus_emit_signal(ctx->api, d->object_path, MASSAGED_DEVICE_INTERFACE, "SessionEnded",
                                          "tsu", (uint64_t) s->id, reason_str, seconds);
        emit_session_properties(d);
        session_free(s);
}

void session_stop_and_end(Session *s, PolicyEndReason reason) {
        Device *d = s->device;
        int r = device_send_stop(d, NULL, NULL);
        if (r < 0 && r != -ENOTCONN)
                log_warning_errno(r, "%s: could not send STOP: %m", d->address);
        session_end(s, reason);
}

/* ---- starting --------------------------------------------------------- */

static void on_started(Device *d, int error, const MassagerMessage *resp, void *userdata) {
        Session *s = d->session;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        int r;

        if (!s || s != userdata)
                return;
        call = STEAL_PTR(s->start_call);
        if (error < 0 || resp->result != MASSAGER_RESULT_OK) {
                _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
                if (error < 0)
                        bus_error_set_errno(&e, error, _("%s did not start: %s"), d->address,
                                            error == -ETIMEDOUT ? _("no answer from the device") :
                                            error == -ENOTCONN ? _("the link dropped") :
                                            _("writing the command to the device failed; try again"));
                else
                        bus_error_set_device_result(&e, d->address, resp->result);
                log_warning("%s: the device refused to start: %s", d->address, e.message);
                if (call)
                        (void) sd_bus_reply_method_error(call, &e);
                /* Make sure nothing runs, then close the row. */
                session_stop_and_end(s, error == -ENOTCONN ? POLICY_END_LINK_LOST : POLICY_END_DEVICE_FAULT);
                return;
        }

        s->started = true;
        s->paused = false;
        s->segment_start_us = session_boottime_us();
        s->lease_confirmed_us = s->segment_start_us;
        policy_thermal_init(&s->thermal, s->segment_start_us);
        session_heat_account(s, s->plan.steps[0].heat_level > 0);
        s->step = 0;
        r = session_start_timers(s);
        if (r < 0) {
                if (call)
                        (void) bus_reply_errno(call, r, _("%s: cannot run the session's timers"), d->address);
                session_stop_and_end(s, POLICY_END_DEVICE_FAULT);
                return;
        }
        log_info("%s: session %lld running: program %s, %u s, intensity %u (soft start from %u), heat %u",
                 d->address, (long long) s->id, session_program(s), s->plan.session_s, s->plan.intensity,
                 s->plan.steps[0].intensity, s->plan.heat_level);
        emit_session_properties(d);
        /* Start() is told the plan it runs (API 2); Resume() has no reply value. */
        if (call && streq_ptr(sd_bus_message_get_member(call), "Start"))
                (void) start_bus_reply_plan(call, &s->plan, (uint64_t) s->id,
                                            (int64_t) now_usec(CLOCK_REALTIME) +
                                            (int64_t) (s->plan.session_s - s->plan.origin_s) * (int64_t) USEC_PER_SEC);
        else if (call)
                (void) sd_bus_reply_method_return(call, NULL);

        /* A Pause() that came while the device was starting acts on the state
         * the start left: running, so pause now and answer it then. */
        if (s->pause_call) {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *pause = STEAL_PTR(s->pause_call);
                _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;

                r = session_pause(s, pause, &e);
                if (r < 0) {
                        log_warning("%s: the deferred pause failed: %s", d->address, e.message ?: strerror(-r));
                        if (sd_bus_error_is_set(&e))
                                (void) sd_bus_reply_method_error(pause, &e);
                        else
                                (void) bus_reply_errno(pause, r, _("%s: cannot pause"), d->address);
                }
        }
}

static int send_start(Session *s) {
        MassagerCommand cmd = {
                .opcode = MASSAGER_OP_START_SESSION,
                .start.output = session_step_output(&s->plan.steps[0]),
        };
        uint32_t total = s->plan.session_s - s->plan.origin_s;

        cmd.start.lease_s = (uint16_t) CLAMP(total, 1u, (uint32_t) LEASE_S);
        return device_command(s->device, &cmd, on_started, s);
}

static int on_caller_gone(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        Session *s = userdata;
        const char *name, *old_owner, *new_owner;

        if (sd_bus_message_read(msg, "sss", &name, &old_owner, &new_owner) < 0)
                return 0;
        if (!streq(name, s->caller) || *new_owner)
                return 0;
        log_info("%s: %s left the bus; its session stops", s->device->address, s->caller);
        session_stop_and_end(s, POLICY_END_CALLER_LEFT);
        return 0;
}

static int on_caller_check(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Session *s = userdata;
        int has = 1;

        s->caller_check_slot = sd_bus_slot_unref(s->caller_check_slot);
        if (!sd_bus_message_is_method_error(reply, NULL))
                (void) sd_bus_message_read(reply, "b", &has);
        if (!has) {
                log_info("%s: %s left before its session started; stopping", s->device->address, s->caller);
                session_stop_and_end(s, POLICY_END_CALLER_LEFT);
        }
        return 0;
}

static int watch_caller(Session *s, const char *caller) {
        const DeviceContext *ctx = session_ctx_of(s);
        _cleanup_free_ char *match = NULL;
        int r;

        s->caller = strdup(caller);
        if (!s->caller)
                return -ENOMEM;
        if (asprintf(&match, "type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',"
                     "interface='org.freedesktop.DBus',member='NameOwnerChanged',arg0='%s'", caller) < 0)
                return -ENOMEM;
        r = sd_bus_add_match_async(ctx->api, &s->caller_slot, match, on_caller_gone, NULL, s);
        if (r < 0)
                return r;
        /* The caller may already be gone: ask, after the match is in place. */
        return sd_bus_call_method_async(ctx->api, &s->caller_check_slot, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                        "org.freedesktop.DBus", "NameHasOwner", on_caller_check, s, "s", caller);
}

static int refuse(SafetyContext *safety, const SafetyClock *clock, Device *d, const PolicyRefusal *refusal,
                  sd_bus_error *error) {
        const char *name = policy_reason_to_dbus_error(refusal->reason) ?: MASSAGED_ERROR_FAILED;
        _cleanup_free_ char *detail = NULL;

        log_safety_event(SAFETY_EVENT_REFUSAL, LOG_NOTICE, d->address, 0, policy_reason_to_string(refusal->reason),
                         "%s: start refused (%s): %s", d->address, policy_reason_to_string(refusal->reason),
                         refusal->message);
        if (asprintf(&detail, "%s: %s", policy_reason_to_string(refusal->reason), refusal->message) >= 0 &&
            ledger_event_add(safety->ledger, clock, LEDGER_EVENT_REFUSAL, d->address, detail) < 0)
                log_warning("Could not record the refusal: %s", ledger_error(safety->ledger));
        return sd_bus_error_set(error, name, refusal->message);
}

int session_start(Device *d, const SessionRequest *req, sd_bus_message *call, sd_bus_error *error) {
        SafetyContext *safety = d->ctx->safety;
        _cleanup_(start_decision_clear) StartDecision dec = {};
        Session *s;
        int r;

        /* The same decision CheckStart() reports (start-decision.c). */
        r = start_decide(d, req, &dec);
        if (r < 0)
                return bus_error_set_errno(error, r, _("The safety policy could not decide: %s"), strerror(-r));
        if (!dec.allowed && dec.policy)
                return refuse(safety, &dec.clock, d, &dec.refusal, error);
        if (!dec.allowed) {
                if (streq(dec.reason, "config-invalid") || streq(dec.reason, "starts-held"))
                        log_notice("%s: start refused (%s): %s", d->address, dec.reason, dec.message);
                return sd_bus_error_set(error, dec.error, dec.message);
        }

        s = calloc(1, sizeof *s);
        if (!s)
                return -ENOMEM;
        s->device = d;
        s->plan = dec.plan;
        dec.plan = (PolicyPlan) {};
        s->figures = dec.figures;

        /* The row exists on disk before the device is told to start. */
        r = ledger_session_begin(safety->ledger, &dec.clock, d->address, &s->plan, &s->id);
        if (r < 0) {
                session_free(s);
                return bus_error_set_storage(error, _("Cannot start: %s"), ledger_error(safety->ledger));
        }
        if (*s->plan.message)
                log_notice("%s: %s", d->address, s->plan.message);

        d->session = s;
        if (req->tie_to_caller && req->caller) {
                r = watch_caller(s, req->caller);
                if (r < 0) {
                        session_end(s, POLICY_END_DEVICE_FAULT);
                        return bus_error_set_errno(error, r, _("Cannot watch the caller for tie_to_caller"));
                }
        }
        s->start_call = sd_bus_message_ref(call);
        r = send_start(s);
        if (r < 0) {
                sd_bus_message_unref(STEAL_PTR(s->start_call));
                session_end(s, r == -ENOTCONN ? POLICY_END_LINK_LOST : POLICY_END_DEVICE_FAULT);
                return bus_error_set_errno(error, r, _("%s: cannot send START: %s"), d->address, strerror(-r));
        }
        emit_session_properties(d);
        return 1;       /* the reply comes from on_started() */
}

/* ---- pause, resume, changes ------------------------------------------- */

static void reply_when_done(Device *d, int error, const MassagerMessage *resp, void *userdata) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = userdata;

        if (!call)
                return;
        if (error < 0)
                (void) bus_reply_errno(call, error, _("%s did not confirm the change"), d->address);
        else if (resp->result != MASSAGER_RESULT_OK) {
                _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
                bus_error_set_device_result(&e, d->address, resp->result);
                (void) sd_bus_reply_method_error(call, &e);
        } else
                (void) sd_bus_reply_method_return(call, NULL);
        session_on_output_done(d, error, resp, NULL);
}

/* ---- a pause is bounded (doc/safety.md) --------------------------------- */

static int on_pause_timeout(sd_event_source *es, uint64_t usec, void *userdata) {
        Session *s = userdata;

        /* STOP again (the device should be stopped already); the row ends now,
         * at the bound, and session_end() logs the pause_timeout safety event. */
        session_stop_and_end(s, POLICY_END_PAUSE_TIMEOUT);
        return 0;
}

/* The bound comes from the policy, as a function of the pause's moment and
 * the limit; one timer, armed before the device is told anything, so a
 * pause is never unbounded. */
static int pause_bound_arm(Session *s, uint64_t paused_at_us) {
        SafetyContext *safety = session_safety_of(s);
        int r;

        s->paused_at_us = paused_at_us;
        s->pause_deadline_us = policy_pause_deadline_us(&safety->limits, paused_at_us);
        s->pause_timer = sd_event_source_disable_unref(s->pause_timer);
        r = sd_event_add_time(session_ctx_of(s)->event, &s->pause_timer, CLOCK_BOOTTIME, s->pause_deadline_us,
                              TIMER_ACCURACY_PRECISE_USEC,
                              on_pause_timeout, s);
        if (r >= 0)
                (void) sd_event_source_set_description(s->pause_timer, "pause-bound");
        return r;
}

/* Durably, so that a crash while paused ends the row no earlier than the
 * bound (ledger_session_pause()). The device is already told to stop: a
 * ledger failure is logged and never undoes the pause; the timer still
 * bounds it, and the row keeps its planned end. */
static void pause_bound_record(Session *s, const SafetyClock *clock) {
        SafetyContext *safety = session_safety_of(s);
        int r;

        if (!safety->ledger) {
                log_error("%s: the pause of session %lld cannot be recorded, the ledger is unusable (%s)",
                          s->device->address, (long long) s->id, safety_storage_error(safety));
                return;
        }
        r = ledger_session_pause(safety->ledger, s->id, clock, s->pause_deadline_us);
        if (r < 0)
                log_error_errno(r, "%s: could not record the pause of session %lld (%s); it still ends at its "
                                "bound unless resumed", s->device->address, (long long) s->id,
                                ledger_error(safety->ledger));
}

/* A lowered pause_minutes takes effect at once, counted from the pause; a
 * raised one never lengthens a pause already under way. The ledger keeps the
 * later bound: conservative for a crash. */
static void pause_bound_limits_changed(Session *s) {
        uint64_t t = policy_pause_deadline_us(&session_safety_of(s)->limits, s->paused_at_us);
        int r;

        if (!s->pause_timer || t >= s->pause_deadline_us)
                return;
        s->pause_deadline_us = t;
        r = sd_event_source_set_time(s->pause_timer, t);
        if (r < 0) {
                log_error_errno(r, "%s: cannot move the pause's bound: %m; ending the session", s->device->address);
                session_stop_and_end(s, POLICY_END_PAUSE_TIMEOUT);
        }
}

int session_pause(Session *s, sd_bus_message *call, sd_bus_error *error) {
        Device *d = s->device;
        int r;

        /* A Start() or Resume() still waits for the device, which is about to
         * run: answering "paused" now would be a lie (issue 13, item 6). Pause
         * once the device has answered, and reply then. */
        if (s->start_call) {
                if (s->pause_call)
                        return sd_bus_error_setf(error, MASSAGED_ERROR_BUSY, _("%s: a Pause() already waits for the "
                                                 "device to answer the start; it pauses then"), d->address);
                s->pause_call = sd_bus_message_ref(call);
                return 1;
        }
        if (s->paused)
                return sd_bus_reply_method_return(call, NULL);
        if (!s->started)
                return sd_bus_error_setf(error, MASSAGED_ERROR_BUSY, _("%s is still starting"), d->address);
        /* The clock of the ledger record and of the timer: CLOCK_BOOTTIME both. */
        SafetyClock clock;
        bool have_clock = safety_clock_now(&clock) >= 0;
        r = pause_bound_arm(s, have_clock ? clock.mono_us : session_boottime_us());
        if (r < 0)
                return bus_error_set_errno(error, r, _("%s: cannot pause: no timer for the pause's bound"), d->address);
        uint64_t elapsed_us = session_elapsed_us(s);
        s->paused_elapsed_s = (uint32_t) (elapsed_us / USEC_PER_SEC);
        s->carry_us = elapsed_us % USEC_PER_SEC;
        session_heat_account(s, false);
        s->paused = true;
        s->step_timer = sd_event_source_disable_unref(s->step_timer);
        s->lease_timer = sd_event_source_disable_unref(s->lease_timer);
        s->tick_timer = sd_event_source_disable_unref(s->tick_timer);
        r = device_send_stop(d, reply_when_done, sd_bus_message_ref(call));
        if (r < 0) {
                sd_bus_message_unref(call);
                return bus_error_set_errno(error, r, _("%s: cannot pause"), d->address);
        }
        if (have_clock)
                pause_bound_record(s, &clock);
        else
                log_error("%s: cannot read the clock: the pause of session %lld is not recorded; it still ends "
                          "at its bound unless resumed", d->address, (long long) s->id);
        log_info("%s: session %lld paused; it ends by itself in %llu min unless resumed", d->address,
                 (long long) s->id, (unsigned long long) ((s->pause_deadline_us - s->paused_at_us) / USEC_PER_MIN));
        device_emit_changed(d, DEVICE_PROP_STATE);
        return 1;
}

/* Ask the policy for the rest of the session after a change; the caller applies *ret_plan. */
static int replan(Session *s, PolicyChangeKind kind, uint8_t value, PolicyPlan *ret_plan, sd_bus_error *error) {
        SafetyContext *safety = session_safety_of(s);
        PolicyFigures figures;
        SafetyClock clock;
        PolicyRefusal refusal = {};
        int r;

        r = safety_figures(safety, &clock, &figures);
        if (r < 0)
                return bus_error_set_storage(error, _("Cannot change the session: %s"), safety_storage_error(safety));
        PolicyInput in = session_policy_input(s, &figures);
        PolicyChange change = {
                .kind = kind,
                .elapsed_s = session_elapsed_s(s),
                .heat_used_s = session_heat_used_s(s),
                .current_intensity = s->paused ? 0 : s->device->status.intensity,
                .intensity = kind == POLICY_CHANGE_INTENSITY ? value : 0,
                .heat_level = kind == POLICY_CHANGE_HEAT ? value : 0,
        };
        r = policy_replan(&in, &s->plan, &change, ret_plan, &refusal);
        if (r < 0)
                return bus_error_set_errno(error, r, _("The safety policy could not decide"));
        if (r == 0)
                return refuse(safety, &clock, s->device, &refusal, error);
        return 0;
}

/* Another device's session, or NULL. The rest rule already keeps a second
 * session from opening (an open one counts as running); this is the last
 * guard before a device is told to run. */
static Device *other_session(Session *s) {
        GHashTableIter i;
        gpointer v;

        g_hash_table_iter_init(&i, session_ctx_of(s)->devices);
        while (g_hash_table_iter_next(&i, NULL, &v)) {
                Device *d = v;
                if (d->session && d->session != s)
                        return d;
        }
        return NULL;
}

int session_resume(Session *s, sd_bus_message *call, sd_bus_error *error) {
        SafetyContext *safety = session_safety_of(s);
        PolicyPlan plan = {};
        SafetyClock clock;
        Device *other;
        int r;

        if (s->start_call)
                return sd_bus_error_setf(error, MASSAGED_ERROR_BUSY,
                                         s->started ? _("%s is already starting; wait for its answer")
                                                    : _("%s is already resuming; wait for its answer"),
                                         s->device->address);
        if (!s->paused)
                return sd_bus_reply_method_return(call, NULL);
        other = other_session(s);
        if (other)
                return sd_bus_error_setf(error, MASSAGED_ERROR_SESSION_OPEN, _("%s has a session open: two sessions "
                                         "never run at once. Stop it first."), other->address);
        r = replan(s, POLICY_CHANGE_RESUME, 0, &plan, error);
        if (r < 0)
                return r;
        /* Paused: the plan waits for the device's answer to START (send_start()). */
        session_take_plan(s, &plan);
        /* The row's planned end moves to now + what is left, on disk before the
         * device moves: a crash from here on counts the rest from the real end. */
        r = safety_clock_now(&clock);
        if (r < 0)
                return bus_error_set_errno(error, r, _("Cannot resume: cannot read the clock"));
        r = ledger_session_resume(safety->ledger, s->id, &clock, s->plan.session_s - s->plan.origin_s);
        if (r < 0)
                return bus_error_set_storage(error, _("Cannot resume: %s"), ledger_error(safety->ledger));
        s->start_call = sd_bus_message_ref(call);
        s->started = false;
        r = send_start(s);
        if (r < 0) {
                sd_bus_message_unref(STEAL_PTR(s->start_call));
                return bus_error_set_errno(error, r, _("%s: cannot resume"), s->device->address);
        }
        /* No longer paused: the bound is over (the ledger cleared it above). */
        s->pause_timer = sd_event_source_disable_unref(s->pause_timer);
        return 1;
}

static int apply_change(Session *s, PolicyChangeKind kind, uint8_t value, sd_bus_message *call, sd_bus_error *error) {
        PolicyPlan plan = {};
        int r;

        if (!s->started || s->paused) {
                if (s->paused)
                        return sd_bus_error_setf(error, MASSAGED_ERROR_NOT_RUNNING,
                                                 _("%s is paused; Resume() first"), s->device->address);
                return sd_bus_error_setf(error, MASSAGED_ERROR_BUSY, _("%s is still starting"), s->device->address);
        }
        uint64_t at_us = session_boottime_us(), elapsed_us = session_elapsed_us(s);
        r = replan(s, kind, value, &plan, error);
        if (r < 0)
                return r;
        r = session_apply_plan(s, &plan, elapsed_us, at_us, reply_when_done, sd_bus_message_ref(call));
        if (r < 0) {
                sd_bus_message_unref(call);
                return bus_error_set_errno(error, r, _("%s: cannot apply the change"), s->device->address);
        }
        return 1;
}

int session_set_intensity(Session *s, unsigned intensity, sd_bus_message *call, sd_bus_error *error) {
        return apply_change(s, POLICY_CHANGE_INTENSITY, (uint8_t) intensity, call, error);
}

int session_set_heat(Session *s, unsigned heat, sd_bus_message *call, sd_bus_error *error) {
        return apply_change(s, POLICY_CHANGE_HEAT, (uint8_t) heat, call, error);
}

/* Limits changed at run time: a lowered limit takes effect at once. */
void session_limits_changed(Session *s) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        PolicyPlan plan = {};
        Device *d = s->device;

        if (s->paused && !s->ending) {
                pause_bound_limits_changed(s);  /* may end (and free) the session */
                return;
        }
        if (!s->started || s->paused || s->ending)
                return;
        uint64_t at_us = session_boottime_us(), elapsed_us = session_elapsed_us(s);
        if (replan(s, POLICY_CHANGE_LIMITS, 0, &plan, &error) < 0) {
                log_notice("%s: the new limits end the session: %s", d->address, error.message ?: "refused");
                session_stop_and_end(s, POLICY_END_LIMIT);
                return;
        }
        (void) session_apply_plan(s, &plan, elapsed_us, at_us, NULL, NULL);
        device_emit_changed(d, DEVICE_PROP_REMAINING);
}
