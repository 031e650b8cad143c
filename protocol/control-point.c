/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The Control Point engine: one command in flight, the rest queued in order,
 * STOP first (PROTOCOL.md §6, §9). No I/O, allocation or logging: the write,
 * the timer and the requests' memory belong to the owner.
 */
#include <errno.h>

#include "massager-control-point.h"

void massager_control_point_init(MassagerControlPoint *cp, const MassagerControlPointOps *ops,
                                 uint64_t timeout_usec, void *userdata) {
        *cp = (MassagerControlPoint) {
                .ops = ops,
                .userdata = userdata,
                .timeout_usec = timeout_usec,
        };
}

void massager_control_point_set_protocol(MassagerControlPoint *cp, const MassagerProtocolOps *protocol) {
        cp->protocol = protocol;
}

const MassagerProtocolOps *massager_control_point_get_protocol(const MassagerControlPoint *cp) {
        return cp->protocol;
}

/* Calls req's callback, then those of the STOPs that rode on it. Neither is
 * touched afterwards: a callback may free its request. */
static void request_finish(MassagerRequest *req, int error, const MassagerMessage *response) {
        MassagerRequest *riders = req->riders;

        req->next = req->riders = NULL;
        req->done(req, error, response);
        while (riders) {
                MassagerRequest *r = riders;

                riders = r->next;
                r->next = NULL;
                r->done(r, error, response);
        }
}

static MassagerRequest *end_inflight(MassagerControlPoint *cp) {
        MassagerRequest *req = cp->inflight;

        cp->inflight = NULL;
        cp->ops->disarm_timer(cp->userdata);
        if (cp->ops->cancel_write)
                cp->ops->cancel_write(cp->userdata);
        return req;
}

static MassagerRequest *pop_head(MassagerControlPoint *cp) {
        MassagerRequest *req = cp->head;

        cp->head = req->next;
        if (!cp->head)
                cp->tail = NULL;
        req->next = NULL;
        return req;
}

/* Callbacks run inside this loop may submit (which sends at once when
 * nothing is in flight) or fail everything: the loop re-reads the state. */
static void send_next(MassagerControlPoint *cp) {
        uint8_t frame[MASSAGER_FRAME_MAX];
        ssize_t n;
        int r;

        while (!cp->inflight && cp->head) {
                MassagerRequest *req = pop_head(cp);

                if (!cp->protocol) {
                        request_finish(req, -ENOTCONN, NULL);
                        continue;
                }
                req->cmd.seq = cp->next_seq++;
                n = cp->protocol->encode_command(&req->cmd, frame, sizeof frame);
                if (n < 0) {
                        request_finish(req, (int) n, NULL);
                        continue;
                }
                /* The timer first: a write that cannot be timed is not made. */
                cp->inflight = req;
                r = cp->ops->arm_timer(cp->timeout_usec, cp->userdata);
                if (r >= 0) {
                        r = cp->ops->write(frame, (size_t) n, cp->userdata);
                        if (r < 0)
                                cp->ops->disarm_timer(cp->userdata);
                }
                if (r < 0) {
                        cp->inflight = NULL;
                        request_finish(req, r, NULL);
                }
        }
}

static MassagerRequest *queued_stop(const MassagerControlPoint *cp) {
        for (MassagerRequest *q = cp->head; q; q = q->next)
                if (q->cmd.opcode == MASSAGER_OP_STOP)
                        return q;
        return NULL;
}

int massager_control_point_submit(MassagerControlPoint *cp, MassagerRequest *req) {
        uint8_t frame[MASSAGER_FRAME_MAX];
        MassagerRequest *stop;
        ssize_t n;

        if (!cp->protocol)
                return -ENOTCONN;
        /* Validated now, so that a caller hears of a command that cannot be
         * encoded before anything is queued. */
        n = cp->protocol->encode_command(&req->cmd, frame, sizeof frame);
        if (n < 0)
                return (int) n;

        req->next = req->riders = NULL;
        if (req->cmd.opcode != MASSAGER_OP_STOP) {
                if (cp->tail)
                        cp->tail->next = req;
                else
                        cp->head = req;
                cp->tail = req;
        } else if ((stop = queued_stop(cp))) {
                /* A STOP already queued stops the device for this one too:
                 * it is answered with that one's result, in order. */
                MassagerRequest **p = &stop->riders;

                while (*p)
                        p = &(*p)->next;
                *p = req;
                return 0;
        } else {
                /* STOP jumps the queue: it goes right after the command in
                 * flight, which cannot be called back. */
                req->next = cp->head;
                cp->head = req;
                if (!cp->tail)
                        cp->tail = req;
        }
        send_next(cp);
        return 0;
}

int massager_control_point_check_response(const MassagerControlPoint *cp, const MassagerMessage *msg) {
        const MassagerRequest *req = cp->inflight;

        if (!req || !cp->protocol)
                return -ESTALE;
        if (msg->seq != req->cmd.seq || msg->opcode != cp->protocol->response_opcode(req->cmd.opcode))
                return -EILSEQ;
        return 0;
}

int massager_control_point_receive(MassagerControlPoint *cp, const uint8_t *buf, size_t len, MassagerMessage *ret) {
        int r;

        if (!cp->protocol)
                return -ENOTCONN;
        r = cp->protocol->decode_message(buf, len, ret);
        if (r < 0)
                return r;
        if (ret->opcode == MASSAGER_OP_STATUS)
                return MASSAGER_NOTIFICATION_STATUS;
        r = massager_control_point_check_response(cp, ret);
        if (r < 0)
                return r;
        return MASSAGER_NOTIFICATION_RESPONSE;
}

int massager_control_point_complete(MassagerControlPoint *cp, const MassagerMessage *msg) {
        int r;

        r = massager_control_point_check_response(cp, msg);
        if (r < 0)
                return r;
        request_finish(end_inflight(cp), 0, msg);
        send_next(cp);
        return 0;
}

int massager_control_point_on_notification(MassagerControlPoint *cp, const uint8_t *buf, size_t len,
                                           MassagerMessage *ret) {
        int r;

        r = massager_control_point_receive(cp, buf, len, ret);
        if (r == MASSAGER_NOTIFICATION_RESPONSE)
                (void) massager_control_point_complete(cp, ret);
        return r;
}

static void fail_inflight(MassagerControlPoint *cp, int error) {
        if (!cp->inflight)
                return;
        request_finish(end_inflight(cp), error, NULL);
        send_next(cp);
}

void massager_control_point_on_timeout(MassagerControlPoint *cp) {
        fail_inflight(cp, -ETIMEDOUT);
}

void massager_control_point_on_write_failed(MassagerControlPoint *cp, int error) {
        fail_inflight(cp, error < 0 ? error : -EIO);
}

void massager_control_point_fail_all(MassagerControlPoint *cp, int error) {
        MassagerRequest *queue = cp->head;
        MassagerRequest *req = cp->inflight ? end_inflight(cp) : NULL;

        /* Detached first: a callback may queue afresh (its owner decides
         * whether the link allows it). */
        cp->head = cp->tail = NULL;
        if (req)
                request_finish(req, error, NULL);
        while (queue) {
                req = queue;
                queue = req->next;      /* read before the callback may free req */
                request_finish(req, error, NULL);
        }
}

const MassagerRequest *massager_control_point_inflight(const MassagerControlPoint *cp) {
        return cp->inflight;
}

bool massager_control_point_busy(const MassagerControlPoint *cp) {
        return cp->inflight || cp->head;
}

bool massager_control_point_stop_pending(const MassagerControlPoint *cp) {
        return (cp->inflight && cp->inflight->cmd.opcode == MASSAGER_OP_STOP) || queued_stop(cp);
}
