/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Glue between a Device and its Control Point engine (protocol/control-point.c):
 * the engine's write becomes a BlueZ WriteValue, its timer an sd-event timer,
 * and what it reports is logged here.
 */
#include <errno.h>
#include <stdlib.h>

#include "device.h"
#include "base/log.h"
#include "base/util.h"
#include "base/timer-accuracy.h"

typedef struct Command {
        MassagerRequest req;    /* first: the engine hands it back */
        Device *device;
        CommandCallback callback;
        void *userdata;
} Command;

static void on_command_done(MassagerRequest *req, int error, const MassagerMessage *response) {
        Command *c = (Command *) req;

        if (c->callback)
                c->callback(c->device, error, response, c->userdata);
        free(c);
}

static int on_command_timeout(sd_event_source *s, uint64_t usec, void *userdata) {
        Device *d = userdata;
        const MassagerRequest *req = massager_control_point_inflight(&d->control_point);

        if (req)
                log_warning("%s: no response to opcode 0x%02x seq %u within %llu ms, giving up on it",
                            d->address, req->cmd.opcode, req->cmd.seq,
                            (unsigned long long) (COMMAND_TIMEOUT_USEC / USEC_PER_MSEC));
        massager_control_point_on_timeout(&d->control_point);
        return 0;
}

static void on_write_reply(sd_bus_message *reply, const sd_bus_error *error, void *userdata) {
        Device *d = userdata;
        const MassagerRequest *req = massager_control_point_inflight(&d->control_point);

        /* The response arrives as a Status notification; the write's own
         * reply only matters when it failed. */
        if (!sd_bus_error_is_set(error) || !req)
                return;
        log_warning("%s: writing opcode 0x%02x failed: %s: %s", d->address, req->cmd.opcode,
                    error->name, error->message);
        massager_control_point_on_write_failed(&d->control_point, bluez_error_to_errno(error));
}

static int cp_write(const uint8_t *frame, size_t len, void *userdata) {
        Device *d = userdata;
        const MassagerRequest *req = massager_control_point_inflight(&d->control_point);
        int r;

        if (!d->control_path)
                return -ENOTCONN;
        r = bluez_call(bluez_client_bus(d->ctx->bluez), &d->write_call, d->control_path, "org.bluez.GattCharacteristic1",
                       "WriteValue", BLUEZ_TIMEOUT_GATT_USEC, bluez_append_write_request, frame, len,
                       on_write_reply, d);
        if (r < 0)
                return log_error_errno(r, "%s: cannot send opcode 0x%02x: %m", d->address, req->cmd.opcode);
        log_debug("%s: → opcode 0x%02x seq %u", d->address, req->cmd.opcode, req->cmd.seq);
        return 0;
}

static int cp_arm_timer(uint64_t usec, void *userdata) {
        Device *d = userdata;
        int r;

        /* One source for all the commands of a link, moved rather than
         * created and freed for each (2 300 of a Stop()'s instructions,
         * doc/performance.md). Disarmed, it stays enabled at "never"; once
         * fired, the one-shot is off. Should re-arming fail, a fresh one is made. */
        if (d->command_timer) {
                r = sd_event_source_set_time_relative(d->command_timer, usec);
                if (r >= 0 && sd_event_source_get_enabled(d->command_timer, NULL) == 0)
                        r = sd_event_source_set_enabled(d->command_timer, SD_EVENT_ONESHOT);
                if (r >= 0)
                        return 0;
        }
        d->command_timer = sd_event_source_disable_unref(d->command_timer);
        r = sd_event_add_time_relative(d->ctx->event, &d->command_timer, CLOCK_MONOTONIC, usec,
                                       TIMER_ACCURACY_PRECISE_USEC, on_command_timeout, d);
        if (r < 0)
                return log_error_errno(r, "%s: cannot time a command: %m", d->address);
        return 0;
}

static void cp_disarm_timer(void *userdata) {
        Device *d = userdata;

        /* UINT64_MAX: never elapses (sd_event_add_time(3)); cheaper than
         * switching the source off and on again for every command. */
        if (d->command_timer && sd_event_source_set_time(d->command_timer, UINT64_MAX) < 0)
                d->command_timer = sd_event_source_disable_unref(d->command_timer);
}

static void cp_cancel_write(void *userdata) {
        Device *d = userdata;

        bluez_call_cancel(&d->write_call);
}

static const MassagerControlPointOps control_point_ops = {
        .write = cp_write,
        .arm_timer = cp_arm_timer,
        .disarm_timer = cp_disarm_timer,
        .cancel_write = cp_cancel_write,
};

void device_commands_init(Device *d) {
        massager_control_point_init(&d->control_point, &control_point_ops, COMMAND_TIMEOUT_USEC, d);
}

bool device_commands_busy(Device *d) {
        return massager_control_point_busy(&d->control_point);
}

bool device_commands_in_flight(Device *d) {
        return massager_control_point_inflight(&d->control_point) != NULL;
}

bool device_commands_stop_pending(Device *d) {
        return massager_control_point_stop_pending(&d->control_point);
}

int device_command(Device *d, const MassagerCommand *cmd, CommandCallback callback, void *userdata) {
        Command *c;
        int r;

        if (d->connection != CONNECTION_READY && d->connection != CONNECTION_RESOLVING)
                return -ENOTCONN;
        if (!d->control_path)
                return -ENOTCONN;

        c = calloc(1, sizeof *c);
        if (!c)
                return -ENOMEM;
        c->req.cmd = *cmd;
        c->req.done = on_command_done;
        c->device = d;
        c->callback = callback;
        c->userdata = userdata;

        r = massager_control_point_submit(&d->control_point, &c->req);
        if (r < 0) {
                free(c);
                if (r != -ENOTCONN)
                        log_error_errno(r, "%s: cannot encode opcode 0x%02x: %m", d->address, cmd->opcode);
                return r;
        }
        return 0;
}

int device_commands_receive(Device *d, const uint8_t *value, size_t size, MassagerMessage *ret) {
        const MassagerRequest *req = massager_control_point_inflight(&d->control_point);
        int r;

        r = massager_control_point_receive(&d->control_point, value, size, ret);
        switch (r) {
        case -ENOTCONN:
                log_debug("%s: Status notification before the Device Info said the protocol, dropping it",
                          d->address);
                break;
        case -ESTALE:
                log_notice("%s: response opcode 0x%02x seq %u with no command in flight (late or repeated), "
                           "dropping it", d->address, ret->opcode, ret->seq);
                break;
        case -EILSEQ:
                log_notice("%s: response opcode 0x%02x seq %u does not match the command in flight "
                           "(0x%02x seq %u), dropping it", d->address, ret->opcode, ret->seq,
                           req->cmd.opcode, req->cmd.seq);
                break;
        default:
                if (r < 0)
                        log_warning_errno(r, "%s: dropping malformed Status notification (%zu bytes): %m",
                                          d->address, size);
        }
        return r;
}

int device_commands_decode(Device *d, const uint8_t *value, size_t size, MassagerMessage *ret) {
        const MassagerProtocolOps *p = massager_control_point_get_protocol(&d->control_point);

        return p ? p->decode_message(value, size, ret) : -EPROTO;
}

void device_commands_on_response(Device *d, const MassagerMessage *msg) {
        if (massager_control_point_check_response(&d->control_point, msg) < 0)
                return;
        log_debug("%s: ← response 0x%02x seq %u: %s", d->address, msg->opcode, msg->seq,
                  massager_result_to_string(msg->result));
        (void) massager_control_point_complete(&d->control_point, msg);
}

void device_commands_fail_all(Device *d, int error) {
        /* Only link loss fails them all: the next connection's Device Info
         * chooses the protocol afresh (a firmware update may change it). */
        massager_control_point_set_protocol(&d->control_point, NULL);
        massager_control_point_fail_all(&d->control_point, error);
        /* The link's timer goes with it (device_free() comes this way too),
         * unless a callback above already sent a command it times. */
        if (!massager_control_point_inflight(&d->control_point))
                d->command_timer = sd_event_source_disable_unref(d->command_timer);
}
