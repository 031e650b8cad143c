/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>

#include "device-commands.h"
#include "base/log.h"
#include "base/util.h"

struct Command {
        MassagerCommand cmd;
        CommandCallback callback;
        void *userdata;
        Command *next;
};

static void command_finish(Device *d, Command *c, int error, const MassagerMessage *response) {
        if (c->callback)
                c->callback(d, error, response, c->userdata);
        free(c);
}

static void send_next(Device *d);

static void finish_inflight(Device *d, int error, const MassagerMessage *response) {
        Command *c = d->inflight;

        d->inflight = NULL;
        d->command_timer = sd_event_source_disable_unref(d->command_timer);
        bluez_call_cancel(&d->write_call);
        if (c)
                command_finish(d, c, error, response);
        send_next(d);
}

static int on_command_timeout(sd_event_source *s, uint64_t usec, void *userdata) {
        Device *d = userdata;

        if (d->inflight)
                log_warning("%s: no response to opcode 0x%02x seq %u within %llu ms, giving up on it",
                            d->address, d->inflight->cmd.opcode, d->inflight->cmd.seq,
                            (unsigned long long) (COMMAND_TIMEOUT_USEC / USEC_PER_MSEC));
        finish_inflight(d, -ETIMEDOUT, NULL);
        return 0;
}

static void on_write_reply(sd_bus_message *reply, const sd_bus_error *error, void *userdata) {
        Device *d = userdata;

        /* The response arrives as a Status notification; the write's own
         * reply only matters when it failed. */
        if (!sd_bus_error_is_set(error) || !d->inflight)
                return;
        log_warning("%s: writing opcode 0x%02x failed: %s: %s", d->address, d->inflight->cmd.opcode,
                    error->name, error->message);
        finish_inflight(d, bluez_error_to_errno(error), NULL);
}

static void send_next(Device *d) {
        uint8_t frame[MASSAGER_FRAME_MAX];
        ssize_t n;
        int r;

        while (!d->inflight && d->queue_head) {
                Command *c = d->queue_head;
                d->queue_head = c->next;
                if (!d->queue_head)
                        d->queue_tail = NULL;
                c->next = NULL;

                if (!d->control_path) {
                        command_finish(d, c, -ENOTCONN, NULL);
                        continue;
                }
                c->cmd.seq = d->next_seq++;
                n = massager_command_encode(&c->cmd, frame, sizeof frame);
                if (n < 0) {
                        log_error_errno((int) n, "%s: cannot encode opcode 0x%02x: %m", d->address, c->cmd.opcode);
                        command_finish(d, c, (int) n, NULL);
                        continue;
                }
                d->inflight = c;
                r = bluez_call(bluez_client_bus(d->ctx->bluez), &d->write_call, d->control_path, "org.bluez.GattCharacteristic1",
                               "WriteValue", BLUEZ_TIMEOUT_GATT_USEC, bluez_append_write_request, frame, (size_t) n,
                               on_write_reply, d);
                if (r >= 0)
                        r = sd_event_add_time_relative(d->ctx->event, &d->command_timer, CLOCK_MONOTONIC,
                                                       COMMAND_TIMEOUT_USEC, 0, on_command_timeout, d);
                if (r < 0) {
                        log_error_errno(r, "%s: cannot send opcode 0x%02x: %m", d->address, c->cmd.opcode);
                        d->inflight = NULL;
                        bluez_call_cancel(&d->write_call);
                        command_finish(d, c, r, NULL);
                        continue;
                }
                log_debug("%s: → opcode 0x%02x seq %u", d->address, c->cmd.opcode, c->cmd.seq);
        }
}

static bool stop_queued(Device *d) {
        for (Command *c = d->queue_head; c; c = c->next)
                if (c->cmd.opcode == MASSAGER_OP_STOP)
                        return true;
        return false;
}

bool device_commands_stop_pending(Device *d) {
        return (d->inflight && d->inflight->cmd.opcode == MASSAGER_OP_STOP) || stop_queued(d);
}

int device_command(Device *d, const MassagerCommand *cmd, CommandCallback callback, void *userdata) {
        Command *c;

        if (d->connection != CONNECTION_READY && d->connection != CONNECTION_RESOLVING)
                return -ENOTCONN;
        if (!d->control_path)
                return -ENOTCONN;

        c = calloc(1, sizeof *c);
        if (!c)
                return -ENOMEM;
        c->cmd = *cmd;
        c->callback = callback;
        c->userdata = userdata;

        if (cmd->opcode == MASSAGER_OP_STOP) {
                if (stop_queued(d) && !callback) {
                        free(c);
                        return 0;
                }
                /* Stop jumps the queue: it goes out right after the command in flight. */
                c->next = d->queue_head;
                d->queue_head = c;
                if (!d->queue_tail)
                        d->queue_tail = c;
        } else {
                if (d->queue_tail)
                        d->queue_tail->next = c;
                else
                        d->queue_head = c;
                d->queue_tail = c;
        }
        send_next(d);
        return 0;
}

bool device_commands_expects(Device *d, const MassagerMessage *msg) {
        if (!d->inflight) {
                log_notice("%s: response opcode 0x%02x seq %u with no command in flight (late or repeated), "
                           "dropping it", d->address, msg->opcode, msg->seq);
                return false;
        }
        if (msg->seq != d->inflight->cmd.seq ||
            msg->opcode != (d->inflight->cmd.opcode | MASSAGER_OP_RESPONSE_BIT)) {
                log_notice("%s: response opcode 0x%02x seq %u does not match the command in flight "
                           "(0x%02x seq %u), dropping it", d->address, msg->opcode, msg->seq,
                           d->inflight->cmd.opcode, d->inflight->cmd.seq);
                return false;
        }
        return true;
}

void device_commands_on_response(Device *d, const MassagerMessage *msg) {
        if (!d->inflight || msg->seq != d->inflight->cmd.seq ||
            msg->opcode != (d->inflight->cmd.opcode | MASSAGER_OP_RESPONSE_BIT))
                return;
        log_debug("%s: ← response 0x%02x seq %u: %s", d->address, msg->opcode, msg->seq,
                  massager_result_to_string(msg->result));
        finish_inflight(d, 0, msg);
}

void device_commands_fail_all(Device *d, int error) {
        Command *queue = d->queue_head;
        Command *c = d->inflight;

        d->queue_head = d->queue_tail = NULL;
        d->inflight = NULL;
        d->command_timer = sd_event_source_disable_unref(d->command_timer);
        bluez_call_cancel(&d->write_call);
        if (c)
                command_finish(d, c, error, NULL);
        while (queue) {
                c = queue;
                queue = c->next;
                command_finish(d, c, error, NULL);
        }
}
