/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Inside a session: shared by session.c (start, end, changes, ledger rows)
 * and session-plan.c (driving the plan: steps, lease, mid-session checks).
 */

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "device.h"
#include "safety-glue.h"
#include "session.h"
#include "base/util.h"

/* The device lease: short, so a dead daemon leaves a device that stops
 * within one lease; renewed every LEASE_RENEW_USEC, well before it runs out. */
#define LEASE_S           MASSAGER_LEASE_MAX_S
#define LEASE_RENEW_USEC  (3ULL * USEC_PER_SEC)
#define TICK_USEC         (1ULL * USEC_PER_SEC)
/* The tick and the lease renewal run on a grid half a second off the plan's
 * steps (which fall on whole seconds of the segment): a renewal in flight or a
 * tick's checks never hold up a step, since the device takes one command at a
 * time (doc/reliability.md, "Timers"). */
#define SESSION_TIMER_PHASE_USEC (USEC_PER_SEC / 2)

struct Session {
        Device *device;
        int64_t id;                     /* ledger row */
        PolicyPlan plan;
        PolicyFigures figures;          /* at start: the policy's view of the ledger */
        PolicyThermal thermal;
        PolicySample sample;
        bool have_sample;

        bool started;                   /* the device confirmed START_SESSION */
        bool paused;
        bool ending;
        uint64_t segment_start_us;      /* CLOCK_BOOTTIME when the plan's origin began */
        uint64_t lease_confirmed_us;    /* CLOCK_BOOTTIME of the last lease the device confirmed */
        uint32_t paused_elapsed_s;
        uint64_t carry_us;              /* counted time past plan.origin_s when the segment began:
                                         * origin_s is whole seconds, the fraction is kept here */
        int step;                       /* index into plan.steps now applied */
        uint64_t heat_used_us;
        uint64_t heat_on_since_us;      /* 0: heat off */

        sd_event_source *step_timer;
        sd_event_source *lease_timer;
        sd_event_source *tick_timer;
        sd_event_source *pause_timer;   /* armed while paused: the pause's bound (doc/safety.md) */
        uint64_t paused_at_us;          /* CLOCK_BOOTTIME of the accepted Pause */
        uint64_t pause_deadline_us;     /* CLOCK_BOOTTIME: the session ends (pause_timeout) then */
        sd_bus_message *start_call;     /* Start()/Resume() waiting for the device */
        sd_bus_message *pause_call;     /* Pause() that came meanwhile: applied, and answered, once the
                                         * device has answered the start (it is about to run) */
        char *caller;                   /* tie_to_caller: unique name */
        sd_bus_slot *caller_slot;
        sd_bus_slot *caller_check_slot;
};

static inline uint64_t session_boottime_us(void) {
        return now_usec(CLOCK_BOOTTIME);
}

/* The event loop, API bus, safety context and device table, handed to every device by the manager. */
static inline const DeviceContext *session_ctx_of(Session *s) {
        return s->device->ctx;
}

static inline SafetyContext *session_safety_of(Session *s) {
        return session_ctx_of(s)->safety;
}

/* What the policy decides on for this session's device, with these figures. */
static inline PolicyInput session_policy_input(Session *s, const PolicyFigures *figures) {
        Device *d = s->device;
        return safety_policy_input(session_safety_of(s), figures, &d->info, d->have_status ? &d->status : NULL);
}

/* session.c */
uint32_t session_elapsed_s(Session *s);         /* motor seconds so far, pauses excluded */
uint64_t session_elapsed_us(Session *s);
/* A new plan (origin_s = the elapsed whole seconds) starts its segment now;
 * elapsed_us: session_elapsed_us() taken at at_us (CLOCK_BOOTTIME), before
 * the plan was replaced. */
void session_new_segment(Session *s, uint64_t elapsed_us, uint64_t at_us);
uint32_t session_heat_used_s(Session *s);
void session_heat_account(Session *s, bool on); /* heat switched on/off now */
void session_stop_and_end(Session *s, PolicyEndReason reason);  /* STOP, then session_end() */

/* session-plan.c */
MassagerOutput session_step_output(const PolicyStep *st);
int session_send_step(Session *s, int i, CommandCallback cb, void *userdata);
void session_on_output_done(Device *d, int error, const MassagerMessage *resp, void *userdata);
void session_schedule_next_step(Session *s);
/* The session's plan is now *plan (taken over, *plan left empty). */
void session_take_plan(Session *s, PolicyPlan *plan);
/* The one way a new plan takes over a running session: it becomes the plan,
 * its segment starts (keeping the counted fraction), its first step is sent
 * (cb as for session_send_step()) and the next armed. elapsed_us, at_us: as
 * for session_new_segment(). Returns the first step's send result. */
int session_apply_plan(Session *s, PolicyPlan *plan, uint64_t elapsed_us, uint64_t at_us, CommandCallback cb,
                       void *userdata);
int session_start_timers(Session *s);
void session_phase_timers(Session *s);
