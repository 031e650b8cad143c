/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/log.h"
#include "bus-errors.h"
#include "i18n.h"
#include "massaged-dbus.h"
#include "safety-event.h"
#include "safety-glue.h"
#include "thermal-ack.h"

/* A fresh reading first: an idle device does not report a cooling pad by itself. */
typedef struct ThermalRequest {
        const DeviceContext *ctx;
        sd_bus_message *call;
        bool reset;
        unsigned pending;
        char trip_device[POLICY_DEVICE_ADDRESS_MAX];    /* the pad that tripped ("" if not recorded) */
        bool have_fresh;                                /* it answered this request's GET_STATUS */
        int16_t fresh_temperature;
} ThermalRequest;

static void on_faults_cleared(Device *d, int error, const MassagerMessage *resp, void *userdata) {
        if (error < 0)
                log_warning_errno(error, "%s: CLEAR_FAULTS not answered: %m", d->address);
        else if (resp->result != MASSAGER_RESULT_OK)
                log_notice("%s: some faults stay latched (%s)", d->address, massager_result_to_string(resp->result));
        else
                log_info("%s: faults cleared", d->address);
}

/* The reading an acknowledgement may use: the pad that tripped, read for
 * this request. Another device's cool pad says nothing about it. Returns 0,
 * or -ENOTCONN / -ENODATA with the sentence in e. */
static int thermal_reading(const ThermalRequest *t, int16_t *ret, sd_bus_error *e) {
        Device *d;

        if (!t->trip_device[0]) {
                /* A trip recorded without its device (an older ledger): the hottest
                 * connected pad, just refreshed, as before. */
                GHashTableIter i;
                gpointer v;
                *ret = MASSAGER_TEMP_NONE;
                g_hash_table_iter_init(&i, t->ctx->devices);
                while (g_hash_table_iter_next(&i, NULL, &v)) {
                        d = v;
                        if (device_is_ready(d) && d->have_status && d->status.temperature != MASSAGER_TEMP_NONE &&
                            (*ret == MASSAGER_TEMP_NONE || d->status.temperature > *ret))
                                *ret = d->status.temperature;
                }
                return 0;
        }
        if (t->have_fresh) {
                *ret = t->fresh_temperature;
                return 0;
        }
        d = device_context_find(t->ctx, t->trip_device);
        if (!d || !device_is_ready(d)) {
                (void) sd_bus_error_setf(e, MASSAGED_ERROR_NOT_CONNECTED,
                                         _("The thermal cut-off tripped on %s, which is not connected: connect it "
                                         "(massagectl connect %s) so its pad can be read below %d °C, then "
                                         "acknowledge again."), t->trip_device, t->trip_device,
                                         POLICY_THERMAL_RELOCK_DECI_C / 10);
                return -ENOTCONN;
        }
        /* No reading is the policy's "too hot" too: the pad is not known to be cool. */
        (void) sd_bus_error_setf(e, MASSAGED_ERROR_PAD_TOO_HOT,
                                 _("%s, whose thermal cut-off tripped, did not report its pad temperature; try "
                                 "again in a moment."), t->trip_device);
        return -ENODATA;
}

static int thermal_decide(ThermalRequest *t) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        sd_bus_message *msg = t->call;
        bool reset = t->reset;
        SafetyContext *safety = t->ctx->safety;
        SafetyClock clock;
        PolicyFigures f;
        PolicyRefusal refusal = {};
        int16_t temperature = MASSAGER_TEMP_NONE;
        GHashTableIter i;
        gpointer v;
        int r;

        r = safety_figures(safety, &clock, &f);
        if (r < 0) {
                bus_error_set_storage(&e, _("Cannot read the ledger: %s"), safety_storage_error(safety));
                return sd_bus_reply_method_error(msg, &e);
        }
        /* The device of the trip is the one read in thermal_ack_start(); a trip
         * recorded since then (another device) must be read first. */
        if (!reset && f.thermal_locked && strcmp(f.last_trip_device, t->trip_device) != 0) {
                (void) sd_bus_error_set(&e, MASSAGED_ERROR_THERMAL_LOCKOUT,
                                        _("Another thermal cut-off was recorded meanwhile; acknowledge again."));
                return sd_bus_reply_method_error(msg, &e);
        }
        if (!reset && f.thermal_locked) {
                r = thermal_reading(t, &temperature, &e);
                if (r < 0)
                        return sd_bus_reply_method_error(msg, &e);
        }
        PolicyInput in = safety_policy_input(safety, &f, NULL, NULL);
        in.temperature = temperature;   /* the tripped pad's reading, not a device's status */
        r = reset ? policy_check_heat_reset(&in, &refusal) : policy_check_thermal_ack(&in, &refusal);
        if (r < 0) {
                bus_error_set_errno(&e, r, _("The safety policy could not decide"));
                return sd_bus_reply_method_error(msg, &e);
        }
        if (r == 0) {
                (void) sd_bus_error_set(&e, policy_reason_to_dbus_error(refusal.reason) ?: MASSAGED_ERROR_FAILED,
                                        refusal.message);
                return sd_bus_reply_method_error(msg, &e);
        }
        r = ledger_event_add(safety->ledger, &clock, reset ? LEDGER_EVENT_HEAT_RESET : LEDGER_EVENT_THERMAL_ACK,
                             reset || !f.last_trip_device[0] ? NULL : f.last_trip_device,
                             reset ? "heat re-enabled by the user" : "thermal cut-off acknowledged");
        if (r < 0) {
                bus_error_set_storage(&e, _("Cannot record it: %s"), ledger_error(safety->ledger));
                return sd_bus_reply_method_error(msg, &e);
        }
        log_safety_event(reset ? SAFETY_EVENT_HEAT_RESET : SAFETY_EVENT_THERMAL_ACK, LOG_NOTICE, NULL, 0, NULL, "%s",
                         reset ? "Heat re-enabled by the user" : "Thermal cut-off acknowledged by the user");
        device_context_safety_changed(t->ctx);
        if (!reset) {
                /* The policy's lock-out is over: let the devices drop latched faults whose cause has gone. */
                g_hash_table_iter_init(&i, t->ctx->devices);
                while (g_hash_table_iter_next(&i, NULL, &v)) {
                        Device *d = v;
                        MassagerCommand clear = { .opcode = MASSAGER_OP_CLEAR_FAULTS };
                        if (device_is_ready(d) && d->have_status && (d->status.faults & ~MASSAGER_FAULT_LOW_BATTERY))
                                (void) device_command(d, &clear, on_faults_cleared, NULL);
                }
        }
        return sd_bus_reply_method_return(msg, NULL);
}

static void thermal_request_done(ThermalRequest *t) {
        (void) thermal_decide(t);
        sd_bus_message_unref(t->call);
        free(t);
}

static void on_fresh_status(Device *d, int error, const MassagerMessage *resp, void *userdata) {
        ThermalRequest *t = userdata;

        if (error < 0)
                log_debug_errno(error, "%s: GET_STATUS failed: %m", d->address);
        else if (resp && strcmp(d->address, t->trip_device) == 0) {
                t->have_fresh = true;
                t->fresh_temperature = resp->status.temperature;
        }
        if (--t->pending > 0)
                return;
        thermal_request_done(t);
}

int thermal_ack_start(const DeviceContext *ctx, sd_bus_message *call, bool reset,
                      sd_bus_error *error) {
        SafetyContext *safety = ctx->safety;
        ThermalRequest *t;
        SafetyClock clock;
        PolicyFigures f;
        GHashTableIter i;
        gpointer v;

        if (!safety->ledger)
                return bus_error_set_storage(error, _("Cannot read the ledger: %s"), safety_storage_error(safety));
        if (safety_figures(safety, &clock, &f) < 0)
                return bus_error_set_storage(error, _("Cannot read the ledger: %s"), safety_storage_error(safety));
        t = calloc(1, sizeof *t);
        if (!t)
                return -ENOMEM;
        t->ctx = ctx;
        t->call = sd_bus_message_ref(call);
        t->reset = reset;
        memcpy(t->trip_device, f.last_trip_device, sizeof t->trip_device);
        t->pending = 1;         /* held until every GET_STATUS is queued */
        g_hash_table_iter_init(&i, ctx->devices);
        while (g_hash_table_iter_next(&i, NULL, &v)) {
                MassagerCommand get = { .opcode = MASSAGER_OP_GET_STATUS };
                t->pending++;
                if (!device_is_ready(v) || device_command(v, &get, on_fresh_status, t) < 0)
                        t->pending--;
        }
        if (--t->pending == 0)
                thermal_request_done(t);
        return 1;
}
