/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The start decision shared by Start, CheckStart and StartAvailability (start-decision.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "massaged-dbus.h"
#include "safety-glue.h"
#include "start-decision.h"

void start_decision_clear(StartDecision *dec) {
        if (!dec)
                return;
        free(dec->message);
        policy_plan_clear(&dec->plan);
        *dec = (StartDecision) {};
}

_printf_(5, 6)
static int deny(StartDecision *dec, const char *error, const char *reason, int64_t available_at, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        if (vasprintf(&dec->message, fmt, ap) < 0)
                dec->message = NULL;
        va_end(ap);
        if (!dec->message)
                return -ENOMEM;
        dec->allowed = false;
        dec->error = error;
        dec->reason = reason;
        dec->available_at_us = available_at;
        return 0;
}

/* The highest device heat level whose setpoint is within the limit (0 if none). */
static uint8_t heat_level_for_limit(const MassagerDeviceInfo *info, uint32_t setpoint_c) {
        uint8_t best = 0;
        for (uint8_t l = 1; l <= info->heat_levels && l <= MASSAGER_HEAT_LEVELS_MAX; l++)
                if (info->heat_setpoint[l - 1] <= (int) setpoint_c * 10)
                        best = l;
        return best;
}

int start_decide(Device *d, const SessionRequest *req, StartDecision *ret) {
        SafetyContext *safety = d->ctx->safety;
        StartDecision *dec = ret;
        const Program *program;
        int r;

        *dec = (StartDecision) { .reason = "" };

        if (d->session)
                return deny(dec, MASSAGED_ERROR_BUSY, "busy", 0, _("%s is already running a session; Stop() it "
                            "first, or use SetIntensity()/SetHeat()"), d->address);
        if (!device_is_ready(d) || !d->have_info)
                return deny(dec, MASSAGED_ERROR_NOT_CONNECTED, "not-connected", 0, _("%s is not connected (state "
                            "%s); call Connect() first"), d->address, connection_state_to_string(d->connection));

        const char *name = req->program ?: safety->conf.default_program ?: PROGRAM_DEFAULT;
        program = program_list_find(&safety->programs, name);
        if (!program)
                return deny(dec, SD_BUS_ERROR_INVALID_ARGS, "unknown-program", 0,
                            _("Unknown program '%s'; see the Manager's Programs property"), name);

        /* Fail closed: a configuration we could not read may have held stricter limits. */
        if (safety_config_error(safety))
                return deny(dec, MASSAGED_ERROR_CONFIG, "config-invalid", 0, _("Cannot start: %s"),
                            safety_config_error(safety));

        /* Fail closed: no figures, no session; storage it cannot trust comes before the policy. */
        r = safety_figures(safety, &dec->clock, &dec->figures);
        if (r < 0)
                return deny(dec, MASSAGED_ERROR_STORAGE, "storage-unavailable", 0, _("Cannot start: %s"),
                            safety_storage_error(safety));
        r = ledger_check_start(safety->ledger);
        if (r == -EAGAIN) {
                /* After a restore from the backup: its own class, with its end. */
                int64_t until = 0;
                (void) ledger_restore_hold_end(safety->ledger, &until);
                return deny(dec, MASSAGED_ERROR_STARTS_HELD, "starts-held", until, _("Cannot start: %s"),
                            ledger_error(safety->ledger));
        }
        if (r < 0)
                return deny(dec, MASSAGED_ERROR_STORAGE, "storage-unavailable", 0, _("Cannot start: %s"),
                            safety_storage_error(safety));

        PolicyStartRequest preq = {
                .program = program,
                .intensity = req->intensity >= 0 ? (uint8_t) req->intensity :
                             (uint8_t) CLAMP(safety->conf.default_intensity, 1, d->info.intensity_max),
                .heat_level = req->heat >= 0 ? (uint8_t) req->heat :
                              safety->conf.default_heat_level > 0 ? MIN(safety->conf.default_heat_level, d->info.heat_levels) :
                              program->heat ? heat_level_for_limit(&d->info, safety->limits.value[LIMIT_HEAT_SETPOINT_CELSIUS]) : 0,
                .heat_explicit = req->heat >= 0,
                .duration_s = req->duration_s >= 0 ? (uint32_t) req->duration_s : safety->conf.default_duration_s,
        };
        dec->input = safety_policy_input(safety, &dec->figures, &d->info, d->have_status ? &d->status : NULL);
        r = policy_check_start(&dec->input, &preq, &dec->plan, &dec->refusal);
        if (r < 0)
                return r;
        if (r == 0) {
                dec->policy = true;
                return deny(dec, policy_reason_to_dbus_error(dec->refusal.reason) ?: MASSAGED_ERROR_FAILED,
                            policy_reason_to_string(dec->refusal.reason), dec->refusal.available_at_wall_us,
                            "%s", dec->refusal.message);
        }
        dec->allowed = true;
        return 0;
}
