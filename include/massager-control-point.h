/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The Control Point engine (protocol/control-point.c, PROTOCOL.md §9): a
 * host's side of PROTOCOL.md §6. It numbers commands, keeps one in flight
 * and the rest queued in order, lets STOP jump the queue (right after the
 * command in flight; a STOP already queued is not queued twice), matches
 * responses by seq and opcode, and fails a command whose response does not
 * come in time.
 *
 * Like the codec it does no I/O, no allocation and no logging: its owner
 * injects the write of a frame and a one-shot timer (MassagerControlPointOps),
 * calls massager_control_point_on_timeout() when the timer fires and feeds
 * it every Status notification. Requests are caller-owned nodes, so the
 * queue has no bound of its own. Errors are returned, never logged.
 *
 * Each request completes exactly once through its callback, with 0 and the
 * response (whose result may still be non-OK), or a negative errno:
 *   -ETIMEDOUT  no response in time
 *   -ENOTCONN   the link went (massager_control_point_fail_all())
 *   -EIO        the write failed (or the more precise errno its owner reported)
 * After its callback the engine no longer touches the request: the callback
 * may free it, submit more requests or fail them all.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "massager-protocol.h"

typedef struct MassagerRequest MassagerRequest;

typedef void (*MassagerRequestDone)(MassagerRequest *req, int error, const MassagerMessage *response);

struct MassagerRequest {
        MassagerCommand cmd;            /* cmd.seq is set when the command is sent */
        MassagerRequestDone done;       /* required */
        /* Private to the engine. */
        MassagerRequest *next;
        MassagerRequest *riders;        /* STOPs answered by this queued STOP */
};

typedef struct MassagerControlPointOps {
        /* Starts writing one frame to the Control Point (the frame is only
         * valid during the call, and the engine must not be called back from
         * it). A negative errno fails the command at once; a write that fails
         * later is reported with massager_control_point_on_write_failed(). */
        int (*write)(const uint8_t *frame, size_t len, void *userdata);
        /* One timer: armed for each command sent, disarmed when it ends. */
        int (*arm_timer)(uint64_t usec, void *userdata);
        void (*disarm_timer)(void *userdata);
        /* Optional: the command in flight has ended; a write of it still
         * pending no longer matters and may be cancelled. */
        void (*cancel_write)(void *userdata);
} MassagerControlPointOps;

typedef struct MassagerControlPoint {
        /* Private to the engine. */
        const MassagerControlPointOps *ops;
        void *userdata;
        const MassagerProtocolOps *protocol;    /* NULL until the Device Info said which */
        uint64_t timeout_usec;
        uint8_t next_seq;
        MassagerRequest *inflight;
        MassagerRequest *head, *tail;
} MassagerControlPoint;

/* What a notification was (massager_control_point_receive()). */
typedef enum MassagerNotification {
        MASSAGER_NOTIFICATION_STATUS,           /* a STATUS frame: not the engine's business */
        MASSAGER_NOTIFICATION_RESPONSE,         /* the response to the command in flight */
} MassagerNotification;

void massager_control_point_init(MassagerControlPoint *cp, const MassagerControlPointOps *ops,
                                 uint64_t timeout_usec, void *userdata);
/* The protocol of this connection; NULL refuses commands with -ENOTCONN. */
void massager_control_point_set_protocol(MassagerControlPoint *cp, const MassagerProtocolOps *protocol);
const MassagerProtocolOps *massager_control_point_get_protocol(const MassagerControlPoint *cp);

/* Queues req (STOP at the front) and sends it when nothing is in flight.
 * Refused before anything is queued: -ENOTCONN without a protocol, the
 * encoder's errno for a command that cannot be encoded. req->done may run
 * before this returns (a write that fails at once). */
int massager_control_point_submit(MassagerControlPoint *cp, MassagerRequest *req);

/* Decodes a Status notification with the connection's protocol and says
 * what it is, without acting on it; *ret gets the message. A response that
 * answers nothing in flight is -ESTALE (late, repeated or forged), one whose
 * seq or opcode is not the command in flight's is -EILSEQ; malformed frames
 * give the decoder's errno, and -ENOTCONN without a protocol. */
int massager_control_point_receive(MassagerControlPoint *cp, const uint8_t *buf, size_t len, MassagerMessage *ret);
/* Whether msg answers the command in flight: 0, -ESTALE or -EILSEQ. */
int massager_control_point_check_response(const MassagerControlPoint *cp, const MassagerMessage *msg);
/* Completes the command in flight with msg if it answers it (else -ESTALE
 * or -EILSEQ, and nothing happens), then sends the next. */
int massager_control_point_complete(MassagerControlPoint *cp, const MassagerMessage *msg);
/* receive() then complete() for a response. */
int massager_control_point_on_notification(MassagerControlPoint *cp, const uint8_t *buf, size_t len,
                                           MassagerMessage *ret);

/* The timer fired: the command in flight fails with -ETIMEDOUT, the next goes. */
void massager_control_point_on_timeout(MassagerControlPoint *cp);
/* The write of the command in flight failed (error < 0, else -EIO). */
void massager_control_point_on_write_failed(MassagerControlPoint *cp, int error);
/* The link went: every request, in flight and queued, fails with error. */
void massager_control_point_fail_all(MassagerControlPoint *cp, int error);

const MassagerRequest *massager_control_point_inflight(const MassagerControlPoint *cp);
/* Something is in flight or queued. */
bool massager_control_point_busy(const MassagerControlPoint *cp);
/* A STOP is in flight or queued. */
bool massager_control_point_stop_pending(const MassagerControlPoint *cp);
