/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>

#include "api-args-bus.h"
#include "bus-errors.h"
#include "device.h"
#include "manager.h"
#include "massaged-dbus.h"
#include "start-availability.h"
#include "start-bus.h"
#include "start-decision.h"
#include "i18n.h"

int bus_append_plan(sd_bus_message *m, const PlanSummary *p) {
        int r = sd_bus_message_open_container(m, 'a', "{sv}");

        if (r >= 0 && p->session_id > 0)
                r = sd_bus_message_append(m, "{sv}", "session_id", "t", p->session_id);
        if (r >= 0)
                r = sd_bus_message_append(m, "{sv}{sv}{sv}{sv}{sv}{sv}{sv}",
                                          "program", "s", p->program,
                                          "seconds", "u", p->seconds,
                                          "intensity", "y", p->intensity,
                                          "intensity_max", "y", p->intensity_max,
                                          "heat", "y", p->heat,
                                          "heat_seconds", "u", p->heat_seconds,
                                          "soft_start_seconds", "u", p->soft_start_seconds);
        if (r >= 0 && p->ends_at_us > 0)
                r = sd_bus_message_append(m, "{sv}", "ends_at", "x", p->ends_at_us);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'e', "sv");
        if (r >= 0)
                r = sd_bus_message_append(m, "s", "advice");
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'v', "as");
        if (r >= 0)
                r = sd_bus_message_append_strv(m, p->advice);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        return r;
}

int bus_append_start_summary(sd_bus_message *m, const StartSummary *s) {
        int r = sd_bus_message_open_container(m, 'a', "{sv}");

        if (r >= 0)
                r = sd_bus_message_append(m, "{sv}{sv}{sv}{sv}{sv}",
                                          "allowed", "b", (int) s->allowed,
                                          "error", "s", s->error,
                                          "reason", "s", s->reason,
                                          "message", "s", s->message,
                                          "available_at", "x", s->available_at_us);
        if (r >= 0 && s->has_plan) {
                r = sd_bus_message_open_container(m, 'e', "sv");
                if (r >= 0)
                        r = sd_bus_message_append(m, "s", "plan");
                if (r >= 0)
                        r = sd_bus_message_open_container(m, 'v', "a{sv}");
                if (r >= 0)
                        r = bus_append_plan(m, &s->plan);
                if (r >= 0)
                        r = sd_bus_message_close_container(m);
                if (r >= 0)
                        r = sd_bus_message_close_container(m);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        return r;
}

int start_bus_reply_plan(sd_bus_message *call, const PolicyPlan *plan, uint64_t session_id, int64_t ends_at_us) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        PlanSummary p = {};
        int r;

        r = plan_summary_from(&p, plan, session_id, ends_at_us);
        if (r >= 0)
                r = sd_bus_message_new_method_return(call, &reply);
        if (r >= 0)
                r = bus_append_plan(reply, &p);
        plan_summary_clear(&p);
        if (r < 0)
                /* The session runs: say so even if its plan cannot be told. */
                return sd_bus_reply_method_errorf(call, MASSAGED_ERROR_FAILED, _("The session started, but its plan "
                                                  "could not be sent: %s"), strerror(-r));
        return sd_bus_send(NULL, reply, NULL);
}

/* CheckStart(o device, a{sv} options): Start's decision, with no side effect. */
int method_check_start(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        _cleanup_(api_args_clear) ApiArgs args = {};
        _cleanup_(start_decision_clear) StartDecision dec = {};
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ char *why = NULL;
        StartSummary summary = {};
        const char *path;
        ApiStartOptions o;
        Device *d;
        int r;

        /* Read and validate everything as Start() does, before deciding. */
        r = sd_bus_message_read(msg, "o", &path);
        if (r < 0)
                return r;
        r = bus_read_api_args(msg, API_ARGS_START, &args, error);
        if (r < 0)
                return r;
        d = manager_find_device_by_path(m, path);
        if (!d)
                return sd_bus_error_setf(error, MASSAGED_ERROR_UNKNOWN_DEVICE, _("No known device at %s"), path);
        r = api_start_options_parse(&args, d->have_info ? d->info.intensity_max : MASSAGER_INTENSITY_MAX,
                                    d->have_info ? d->info.heat_levels : MASSAGER_HEAT_LEVELS_MAX, &o, &why);
        if (r < 0)
                return bus_error_set_api_args(error, r, why);

        SessionRequest req = {
                .program = o.program,
                .intensity = o.intensity,
                .heat = o.heat,
                .duration_s = o.duration_s,
        };
        r = start_decide(d, &req, &dec);
        if (r < 0)
                return bus_error_set_errno(error, r, _("The safety policy could not decide: %s"), strerror(-r));
        r = start_summary_from(&summary, &dec, true);
        if (r >= 0)
                r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = bus_append_start_summary(reply, &summary);
        start_summary_clear(&summary);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

int prop_start_availability(sd_bus *bus, const char *path, const char *interface, const char *property,
                            sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        return bus_append_start_summary(reply, start_availability_get(m->availability));
}
