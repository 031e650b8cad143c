/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/log.h"
#include "bus-errors.h"
#include "manager-limits.h"
#include "massaged-dbus.h"
#include "safety-event.h"
#include "safety-glue.h"
#include "session.h"
#include "i18n.h"

int manager_limits_set(const DeviceContext *ctx, const ApiLimitsRequest *req,
                       sd_bus_error *error) {
        SafetyContext *safety = ctx->safety;
        SafetyClock clock;
        int r;

        if (!safety->ledger)
                return bus_error_set_storage(error, _("Cannot store limits: %s"), safety_storage_error(safety));
        r = safety_clock_now(&clock);
        if (r < 0)
                return bus_error_set_errno(error, r, _("Cannot read the clock"));

        for (int id = 0; id < _LIMIT_MAX; id++) {
                if (!req->set[id])
                        continue;
                uint32_t old = safety->limits.value[id];
                LimitChangeKind kind = limits_change_kind((LimitId) id, old, req->value[id]);
                r = ledger_setting_set(safety->ledger, (LimitId) id, req->value[id], LIMIT_SOURCE_API, clock.wall_us);
                if (r < 0)
                        return bus_error_set_storage(error, _("Cannot store limit '%s': %s"), limit_info((LimitId) id)->key,
                                                     ledger_error(safety->ledger));
                if (kind == LIMIT_CHANGE_NONE)
                        continue;
                _cleanup_free_ char *detail = NULL;
                if (asprintf(&detail, "%s %u→%u (%s) api", limit_info((LimitId) id)->key, old, req->value[id],
                             limit_change_kind_to_string(kind)) >= 0)
                        (void) ledger_event_add(safety->ledger, &clock, LEDGER_EVENT_LIMIT_CHANGE, NULL, detail);
                log_safety_event(SAFETY_EVENT_LIMIT_CHANGE, kind == LIMIT_CHANGE_LOOSER ? LOG_NOTICE : LOG_INFO, NULL, 0,
                                 limit_change_kind_to_string(kind), "Limit %s: %s",
                                 kind == LIMIT_CHANGE_LOOSER ? "raised" : "lowered",
                                 detail ?: limit_info((LimitId) id)->key);
        }
        r = safety_reload_limits(safety);
        if (r < 0)
                return bus_error_set_storage(error, _("Cannot read limits back: %s"), ledger_error(safety->ledger));

        /* Running sessions follow at once (a lowered limit may end one). */
        GHashTableIter i;
        gpointer v;
        g_hash_table_iter_init(&i, ctx->devices);
        while (g_hash_table_iter_next(&i, NULL, &v)) {
                Device *d = v;
                if (d->session)
                        session_limits_changed(d->session);
        }
        device_context_safety_changed(ctx);
        return 0;
}

int manager_screening_submit(const DeviceContext *ctx, const ScreeningAnswers *answers, sd_bus_error *error) {
        SafetyContext *safety = ctx->safety;
        PolicyRefusal refusal;
        int r;

        if (!safety->ledger)
                return bus_error_set_storage(error, _("Cannot record the screening: %s"), safety_storage_error(safety));
        r = safety_screening_submit(safety, answers, &refusal);
        if (r < 0)
                return bus_error_set_storage(error, _("Cannot record the screening: %s"), safety_storage_error(safety));
        /* ScreeningRequired, not InvalidArgs: the call is well formed; a "yes"
         * without clearance is in force, which is what that error means. */
        if (r == 0)
                return sd_bus_error_set(error, policy_reason_to_dbus_error(refusal.reason) ?: MASSAGED_ERROR_SCREENING,
                                        refusal.message);
        device_context_safety_changed(ctx);
        return 0;
}
