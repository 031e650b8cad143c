/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "macro.h"
#include "i18n.h"
#include "massaged-dbus.h"
#include "safety/policy-advice.h"
#include "start-summary.h"

void plan_summary_clear(PlanSummary *p) {
        if (!p)
                return;
        free(p->program);
        policy_sentences_free(p->advice);
        *p = (PlanSummary) {};
}

int plan_summary_from(PlanSummary *ret, const PolicyPlan *p, uint64_t session_id, int64_t ends_at_us) {
        PlanSummary s = {
                .session_id = session_id,
                .seconds = p->session_s - p->origin_s,
                .intensity = p->intensity,
                .intensity_max = p->intensity_cap,
                .heat = p->heat_level,
                .heat_seconds = policy_plan_heat_seconds(p),
                .soft_start_seconds = policy_plan_soft_start_seconds(p),
                .ends_at_us = ends_at_us,
        };
        int r;

        s.program = strdup(p->program && p->program->name ? p->program->name : "");
        if (!s.program)
                return -ENOMEM;
        r = policy_message_sentences(p->message, &s.advice);
        if (r < 0) {
                plan_summary_clear(&s);
                return r;
        }
        *ret = s;
        return 0;
}

void start_summary_clear(StartSummary *s) {
        if (!s)
                return;
        free(s->error);
        free(s->reason);
        free(s->message);
        plan_summary_clear(&s->plan);
        *s = (StartSummary) {};
}

static int summary_strings(StartSummary *s, const char *error, const char *reason, const char *message) {
        s->error = strdup(error);
        s->reason = strdup(reason);
        s->message = strdup(message);
        return s->error && s->reason && s->message ? 0 : -ENOMEM;
}

int start_summary_from(StartSummary *ret, const StartDecision *dec, bool with_ends_at) {
        StartSummary s = { .allowed = dec->allowed, .available_at_us = dec->allowed ? 0 : dec->available_at_us };
        int r;

        if (dec->allowed)
                r = summary_strings(&s, "", "ok", dec->plan.message);
        else
                r = summary_strings(&s, dec->error ?: MASSAGED_ERROR_FAILED, dec->reason ?: "",
                                    dec->message ?: "");
        if (r >= 0 && dec->allowed) {
                int64_t ends = with_ends_at
                        ? dec->clock.wall_us + (int64_t) (dec->plan.session_s - dec->plan.origin_s) * (int64_t) USEC_PER_SEC
                        : 0;
                r = plan_summary_from(&s.plan, &dec->plan, 0, ends);
                s.has_plan = r >= 0;
        }
        if (r < 0) {
                start_summary_clear(&s);
                return r;
        }
        *ret = s;
        return 0;
}

int start_summary_no_device(StartSummary *ret) {
        StartSummary s = {};
        int r = summary_strings(&s, MASSAGED_ERROR_NOT_CONNECTED, "no-device",
                                _("No massager is connected: connect one (massagectl connect) to start a session."));
        if (r < 0) {
                start_summary_clear(&s);
                return r;
        }
        *ret = s;
        return 0;
}

static bool strv_equal(char **a, char **b) {
        for (; a && b && *a && *b; a++, b++)
                if (!streq(*a, *b))
                        return false;
        return (!a || !*a) && (!b || !*b);
}

static bool plan_equal(const PlanSummary *a, const PlanSummary *b) {
        return a->session_id == b->session_id && streq(a->program, b->program) && a->seconds == b->seconds &&
               a->intensity == b->intensity && a->intensity_max == b->intensity_max && a->heat == b->heat &&
               a->heat_seconds == b->heat_seconds && a->soft_start_seconds == b->soft_start_seconds &&
               a->ends_at_us == b->ends_at_us && strv_equal(a->advice, b->advice);
}

bool start_summary_equal(const StartSummary *a, const StartSummary *b) {
        return a->allowed == b->allowed && streq(a->error, b->error) && streq(a->reason, b->reason) &&
               streq(a->message, b->message) && a->available_at_us == b->available_at_us &&
               a->has_plan == b->has_plan && (!a->has_plan || plan_equal(&a->plan, &b->plan));
}
