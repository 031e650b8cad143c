/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target: the Control Point engine's notification input. The
 * first byte queues one to four commands (STOPs among them); the rest is a
 * script of events: a length byte and that many bytes of a notification,
 * or 0xff for the response timer firing. Whatever arrives, every request
 * completes exactly once (the link is lost at the end), a completion with
 * a response carries that request's seq and response opcode, and the timer
 * is armed exactly while a command is in flight.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "massager-control-point.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct Req {
        MassagerRequest req;    /* first */
        unsigned done_calls;
} Req;

static bool armed;

static int fz_write(const uint8_t *frame, size_t len, void *userdata) {
        return len > 0 && len <= MASSAGER_FRAME_MAX ? 0 : -EINVAL;
}

static int fz_arm(uint64_t usec, void *userdata) {
        armed = true;
        return 0;
}

static void fz_disarm(void *userdata) {
        armed = false;
}

static const MassagerControlPointOps fz_ops = {
        .write = fz_write,
        .arm_timer = fz_arm,
        .disarm_timer = fz_disarm,
};

static void on_done(MassagerRequest *r, int error, const MassagerMessage *response) {
        Req *q = (Req *) r;

        q->done_calls++;
        if (error == 0 && (!response || response->opcode != (r->cmd.opcode | MASSAGER_OP_RESPONSE_BIT)))
                abort();
        /* A STOP that rode on another answers with that one's seq. */
        if (error == 0 && r->cmd.opcode != MASSAGER_OP_STOP && response->seq != r->cmd.seq)
                abort();
}

static const uint8_t opcodes[] = {
        MASSAGER_OP_GET_STATUS, MASSAGER_OP_STOP, MASSAGER_OP_CLEAR_FAULTS, MASSAGER_OP_EXTEND_LEASE,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        MassagerControlPoint cp;
        Req reqs[4] = {};
        size_t n, i = 1;

        if (size < 1)
                return 0;
        armed = false;
        massager_control_point_init(&cp, &fz_ops, 1, NULL);
        massager_control_point_set_protocol(&cp, massager_protocol_lookup(1));
        n = 1 + (data[0] & 3);
        for (size_t k = 0; k < n; k++) {
                /* Two bits each for the first three, the fourth a STOP. */
                reqs[k].req.cmd.opcode = k < 3 ? opcodes[(data[0] >> (2 + 2 * k)) & 3] : MASSAGER_OP_STOP;
                reqs[k].req.cmd.lease_s = 1;
                reqs[k].req.done = on_done;
                if (massager_control_point_submit(&cp, &reqs[k].req) < 0)
                        abort();
        }

        while (i < size) {
                MassagerMessage m;
                size_t len = data[i++];

                if (len == 0xff)
                        massager_control_point_on_timeout(&cp);
                else {
                        len = len < size - i ? len : size - i;
                        (void) massager_control_point_on_notification(&cp, data + i, len, &m);
                        i += len;
                }
                if (armed != (massager_control_point_inflight(&cp) != NULL))
                        abort();
        }

        massager_control_point_fail_all(&cp, -ENOTCONN);
        for (size_t k = 0; k < n; k++)
                if (reqs[k].done_calls != 1)
                        abort();
        if (armed || massager_control_point_busy(&cp))
                abort();
        return 0;
}
