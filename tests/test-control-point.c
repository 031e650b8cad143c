/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of the Control Point engine (protocol/control-point.c) and the
 * protocol versions' ops tables (protocol/versions.c), against a scripted
 * peer: every frame the engine writes is recorded and compared byte by
 * byte, every notification is fed as the bytes a device sends, and the
 * timer fires when the test says so. Literal frames are PROTOCOL.md §8's
 * worked examples or follow their layout.
 */

#include <glib.h>
#include <string.h>

#include "macro.h"
#include "massager-control-point.h"
#include "massager-protocol.h"

#define TIMEOUT_USEC 3000000ULL
#define MAX_WRITES 600

typedef struct Bytes {
        uint8_t b[MASSAGER_FRAME_MAX];
        size_t len;
} Bytes;

#define B(...) ((Bytes) { .b = { __VA_ARGS__ }, .len = sizeof((uint8_t[]) { __VA_ARGS__ }) })

/* The peer's side: what was written, and the timer. */
typedef struct Peer {
        Bytes writes[MAX_WRITES];
        unsigned n_writes;
        int write_result;       /* what the next write returns */
        int arm_result;
        bool armed;
        uint64_t armed_usec;
        unsigned n_cancels;
} Peer;

typedef struct Req {
        MassagerRequest req;    /* first */
        unsigned done_calls;
        unsigned order;         /* when it completed, counting from 1 */
        int error;
        bool has_response;
        MassagerMessage response;
        /* Optional: what the callback does next. */
        MassagerControlPoint *cp;
        MassagerRequest *submit_next;
        int submit_result;
        bool fail_all;
} Req;

static unsigned completions;

static int peer_write(const uint8_t *frame, size_t len, void *userdata) {
        Peer *p = userdata;

        g_assert_cmpuint(p->n_writes, <, MAX_WRITES);
        g_assert_cmpuint(len, <=, MASSAGER_FRAME_MAX);
        if (p->write_result < 0)
                return p->write_result;
        memcpy(p->writes[p->n_writes].b, frame, len);
        p->writes[p->n_writes].len = len;
        p->n_writes++;
        return 0;
}

static int peer_arm(uint64_t usec, void *userdata) {
        Peer *p = userdata;

        if (p->arm_result < 0)
                return p->arm_result;
        p->armed = true;
        p->armed_usec = usec;
        return 0;
}

static void peer_disarm(void *userdata) {
        Peer *p = userdata;

        p->armed = false;
}

static void peer_cancel(void *userdata) {
        Peer *p = userdata;

        p->n_cancels++;
}

static const MassagerControlPointOps peer_ops = {
        .write = peer_write,
        .arm_timer = peer_arm,
        .disarm_timer = peer_disarm,
        .cancel_write = peer_cancel,
};

static void on_done(MassagerRequest *r, int error, const MassagerMessage *response) {
        Req *q = (Req *) r;

        q->done_calls++;
        q->order = ++completions;
        q->error = error;
        q->has_response = response != NULL;
        if (response)
                q->response = *response;
        if (q->submit_next)
                q->submit_result = massager_control_point_submit(q->cp, q->submit_next);
        if (q->fail_all)
                massager_control_point_fail_all(q->cp, -ENOTCONN);
}

static void setup(MassagerControlPoint *cp, Peer *p) {
        memset(p, 0, sizeof *p);
        completions = 0;
        massager_control_point_init(cp, &peer_ops, TIMEOUT_USEC, p);
        massager_control_point_set_protocol(cp, massager_protocol_lookup(1));
}

static Req req_new(uint8_t opcode) {
        return (Req) { .req = { .cmd = { .opcode = opcode }, .done = on_done } };
}

static void assert_written(const Peer *p, unsigned i, Bytes want) {
        g_assert_cmpuint(p->n_writes, >, i);
        g_assert_cmpmem(p->writes[i].b, p->writes[i].len, want.b, want.len);
}

static void assert_written_cmd(const Peer *p, unsigned i, uint8_t opcode, uint8_t seq) {
        g_assert_cmpuint(p->n_writes, >, i);
        g_assert_cmpuint(p->writes[i].b[1], ==, opcode);
        g_assert_cmpuint(p->writes[i].b[2], ==, seq);
}

static int feed(MassagerControlPoint *cp, Bytes frame) {
        MassagerMessage m;

        return massager_control_point_on_notification(cp, frame.b, frame.len, &m);
}

/* The device's OK answer to the last frame written (opcode | 0x80, its seq). */
static int answer_last(MassagerControlPoint *cp, const Peer *p) {
        const MassagerStatus st = { .battery = 80 };
        Bytes f;
        ssize_t n;

        g_assert_cmpuint(p->n_writes, >, 0);
        n = massager_response_encode(p->writes[p->n_writes - 1].b[1], p->writes[p->n_writes - 1].b[2],
                                     MASSAGER_RESULT_OK, &st, f.b, sizeof f.b);
        g_assert_cmpint(n, >, 0);
        f.len = (size_t) n;
        return feed(cp, f);
}

/* Status as in PROTOCOL.md §8's examples: running, heating, encrypted, 35.2 °C. */
#define STATUS_BYTES 0x07, 0x01, 0x00, 0x02, 0x60, 0x01, 0x1c, 0x25, 0x57, 0x00, 0x00

static void test_golden_exchange(void) {
        MassagerControlPoint cp;
        Peer p;
        Req get = req_new(MASSAGER_OP_GET_STATUS);
        Req start = req_new(MASSAGER_OP_START_SESSION);
        Req set = req_new(MASSAGER_OP_SET_OUTPUT);

        setup(&cp, &p);
        start.req.cmd.start.lease_s = 10;
        start.req.cmd.start.output = (MassagerOutput) { .intensity = 1, .pattern = MASSAGER_PATTERN_STEADY,
                                                        .heat_level = 2 };
        set.req.cmd.output = (MassagerOutput) { .intensity = 3, .pattern = MASSAGER_PATTERN_KNEAD,
                                                .heat_level = 1 };

        g_assert_cmpint(massager_control_point_submit(&cp, &get.req), ==, 0);
        g_assert_cmpint(massager_control_point_submit(&cp, &start.req), ==, 0);
        g_assert_cmpint(massager_control_point_submit(&cp, &set.req), ==, 0);
        /* One in flight: only GET_STATUS seq 0 is written, and timed. */
        g_assert_cmpuint(p.n_writes, ==, 1);
        assert_written(&p, 0, B(0x01, 0x05, 0x00, 0x00, 0x84, 0x19));
        g_assert_true(p.armed);
        g_assert_cmpuint(p.armed_usec, ==, TIMEOUT_USEC);

        g_assert_cmpint(feed(&cp, B(0x01, 0x85, 0x00, 0x0c, 0x00, STATUS_BYTES, 0x45, 0x4d)), ==,
                        MASSAGER_NOTIFICATION_RESPONSE);
        g_assert_cmpuint(get.done_calls, ==, 1);
        g_assert_cmpint(get.error, ==, 0);
        g_assert_true(get.has_response);
        g_assert_cmpuint(get.response.status.temperature, ==, 352);

        /* START_SESSION seq 1, PROTOCOL.md §8. */
        g_assert_cmpuint(p.n_writes, ==, 2);
        assert_written(&p, 1, B(0x01, 0x02, 0x01, 0x05, 0x0a, 0x00, 0x01, 0x00, 0x02, 0x4b, 0xd6));
        g_assert_cmpint(feed(&cp, B(0x01, 0x82, 0x01, 0x0c, 0x00, STATUS_BYTES, 0xb3, 0x4e)), ==,
                        MASSAGER_NOTIFICATION_RESPONSE);
        g_assert_cmpuint(start.done_calls, ==, 1);
        g_assert_cmpint(start.error, ==, 0);
        g_assert_cmpuint(start.response.opcode, ==, 0x82);
        g_assert_cmpuint(start.response.result, ==, MASSAGER_RESULT_OK);

        /* SET_OUTPUT seq 2, PROTOCOL.md §8. */
        g_assert_cmpuint(p.n_writes, ==, 3);
        assert_written(&p, 2, B(0x01, 0x01, 0x02, 0x03, 0x03, 0x03, 0x01, 0x72, 0xcf));
        g_assert_cmpint(feed(&cp, B(0x01, 0x81, 0x02, 0x0c, 0x00, STATUS_BYTES, 0x35, 0x20)), ==,
                        MASSAGER_NOTIFICATION_RESPONSE);
        g_assert_cmpuint(set.done_calls, ==, 1);
        g_assert_cmpuint(set.order, ==, 3);
        g_assert_false(p.armed);
        g_assert_false(massager_control_point_busy(&cp));
}

static void test_seq_wraps(void) {
        MassagerControlPoint cp;
        Peer p;
        Req r[300];

        setup(&cp, &p);
        for (unsigned i = 0; i < G_N_ELEMENTS(r); i++) {
                r[i] = req_new(MASSAGER_OP_GET_STATUS);
                g_assert_cmpint(massager_control_point_submit(&cp, &r[i].req), ==, 0);
        }
        for (unsigned i = 0; i < G_N_ELEMENTS(r); i++) {
                g_assert_cmpuint(p.n_writes, ==, i + 1);
                assert_written_cmd(&p, i, MASSAGER_OP_GET_STATUS, (uint8_t) i);
                g_assert_cmpint(answer_last(&cp, &p), ==, MASSAGER_NOTIFICATION_RESPONSE);
                g_assert_cmpuint(r[i].done_calls, ==, 1);
                g_assert_cmpuint(r[i].order, ==, i + 1);
                g_assert_cmpuint(r[i].response.seq, ==, (uint8_t) i);
        }
        /* 255 is followed by 0. */
        g_assert_cmpuint(p.writes[255].b[2], ==, 0xff);
        g_assert_cmpuint(p.writes[256].b[2], ==, 0x00);
}

static void test_stop_jumps_queue(void) {
        MassagerControlPoint cp;
        Peer p;
        Req a = req_new(MASSAGER_OP_GET_STATUS), b = req_new(MASSAGER_OP_CLEAR_FAULTS),
            c = req_new(MASSAGER_OP_GET_STATUS), stop = req_new(MASSAGER_OP_STOP);

        setup(&cp, &p);
        g_assert_cmpint(massager_control_point_submit(&cp, &a.req), ==, 0);
        g_assert_cmpint(massager_control_point_submit(&cp, &b.req), ==, 0);
        g_assert_cmpint(massager_control_point_submit(&cp, &c.req), ==, 0);
        g_assert_false(massager_control_point_stop_pending(&cp));
        g_assert_cmpint(massager_control_point_submit(&cp, &stop.req), ==, 0);
        g_assert_true(massager_control_point_stop_pending(&cp));
        /* The command in flight is not overtaken: STOP waits for its answer. */
        g_assert_cmpuint(p.n_writes, ==, 1);

        g_assert_cmpint(answer_last(&cp, &p), ==, MASSAGER_NOTIFICATION_RESPONSE);
        assert_written(&p, 1, B(0x01, 0x04, 0x01, 0x00, 0x85, 0x1d));
        g_assert_cmpint(answer_last(&cp, &p), ==, MASSAGER_NOTIFICATION_RESPONSE);
        g_assert_false(massager_control_point_stop_pending(&cp));
        assert_written_cmd(&p, 2, MASSAGER_OP_CLEAR_FAULTS, 2);
        g_assert_cmpint(answer_last(&cp, &p), ==, MASSAGER_NOTIFICATION_RESPONSE);
        assert_written_cmd(&p, 3, MASSAGER_OP_GET_STATUS, 3);
        g_assert_cmpint(answer_last(&cp, &p), ==, MASSAGER_NOTIFICATION_RESPONSE);

        g_assert_cmpuint(a.order, ==, 1);
        g_assert_cmpuint(stop.order, ==, 2);
        g_assert_cmpuint(b.order, ==, 3);
        g_assert_cmpuint(c.order, ==, 4);
}

static void test_stop_not_duplicated(void) {
        MassagerControlPoint cp;
        Peer p;
        Req a = req_new(MASSAGER_OP_GET_STATUS), b = req_new(MASSAGER_OP_GET_STATUS),
            stop1 = req_new(MASSAGER_OP_STOP), stop2 = req_new(MASSAGER_OP_STOP),
            stop3 = req_new(MASSAGER_OP_STOP);

        setup(&cp, &p);
        g_assert_cmpint(massager_control_point_submit(&cp, &a.req), ==, 0);
        g_assert_cmpint(massager_control_point_submit(&cp, &b.req), ==, 0);
        g_assert_cmpint(massager_control_point_submit(&cp, &stop1.req), ==, 0);
        g_assert_cmpint(massager_control_point_submit(&cp, &stop2.req), ==, 0);

        g_assert_cmpint(answer_last(&cp, &p), ==, MASSAGER_NOTIFICATION_RESPONSE);
        /* One STOP goes out, seq 1; then b, not a second STOP. */
        g_assert_cmpuint(p.n_writes, ==, 2);
        assert_written(&p, 1, B(0x01, 0x04, 0x01, 0x00, 0x85, 0x1d));
        /* A STOP in flight is not queued: a new one goes after it (the
         * one in flight may still time out). */
        g_assert_cmpint(massager_control_point_submit(&cp, &stop3.req), ==, 0);
        g_assert_cmpint(answer_last(&cp, &p), ==, MASSAGER_NOTIFICATION_RESPONSE);
        g_assert_cmpuint(stop1.done_calls, ==, 1);
        g_assert_cmpuint(stop2.done_calls, ==, 1);
        g_assert_cmpint(stop2.error, ==, 0);
        g_assert_true(stop2.has_response);
        g_assert_cmpuint(stop2.response.seq, ==, 1);
        g_assert_cmpuint(stop1.order + 1, ==, stop2.order);

        assert_written_cmd(&p, 2, MASSAGER_OP_STOP, 2);
        g_assert_cmpint(answer_last(&cp, &p), ==, MASSAGER_NOTIFICATION_RESPONSE);
        assert_written_cmd(&p, 3, MASSAGER_OP_GET_STATUS, 3);
        g_assert_cmpint(answer_last(&cp, &p), ==, MASSAGER_NOTIFICATION_RESPONSE);
        g_assert_cmpuint(p.n_writes, ==, 4);
        g_assert_cmpuint(stop3.order, ==, 4);
        g_assert_cmpuint(b.order, ==, 5);
}

static void test_timeout(void) {
        MassagerControlPoint cp;
        Peer p;
        Req a = req_new(MASSAGER_OP_SET_OUTPUT), b = req_new(MASSAGER_OP_GET_STATUS);

        setup(&cp, &p);
        a.req.cmd.output.intensity = 1;
        g_assert_cmpint(massager_control_point_submit(&cp, &a.req), ==, 0);
        g_assert_cmpint(massager_control_point_submit(&cp, &b.req), ==, 0);
        g_assert_true(p.armed);

        massager_control_point_on_timeout(&cp);
        g_assert_cmpuint(a.done_calls, ==, 1);
        g_assert_cmpint(a.error, ==, -ETIMEDOUT);
        g_assert_false(a.has_response);
        g_assert_cmpuint(p.n_cancels, ==, 1);
        /* The next goes, timed afresh. */
        g_assert_cmpuint(p.n_writes, ==, 2);
        assert_written_cmd(&p, 1, MASSAGER_OP_GET_STATUS, 1);
        g_assert_true(p.armed);

        /* The late answer to SET_OUTPUT seq 0 is not b's. */
        g_assert_cmpint(feed(&cp, B(0x01, 0x81, 0x00, 0x0c, 0x00, STATUS_BYTES, 0xf7, 0xd6)), ==, -EILSEQ);
        g_assert_cmpuint(b.done_calls, ==, 0);
        g_assert_cmpuint(a.done_calls, ==, 1);
        g_assert_cmpint(answer_last(&cp, &p), ==, MASSAGER_NOTIFICATION_RESPONSE);
        g_assert_cmpint(b.error, ==, 0);

        /* A timer firing with nothing in flight changes nothing. */
        massager_control_point_on_timeout(&cp);
        g_assert_cmpuint(b.done_calls, ==, 1);
}

static void test_dropped_notifications(void) {
        MassagerControlPoint cp;
        Peer p;
        MassagerMessage m;
        Req a = req_new(MASSAGER_OP_SET_OUTPUT);
        Bytes status = B(0x01, 0x40, 0x2a, 0x0b, STATUS_BYTES, 0x83, 0x99);

        setup(&cp, &p);
        /* Nothing in flight: a response is stale. */
        g_assert_cmpint(feed(&cp, B(0x01, 0x81, 0x00, 0x0c, 0x00, STATUS_BYTES, 0xf7, 0xd6)), ==, -ESTALE);

        a.req.cmd.output.intensity = 2;
        g_assert_cmpint(massager_control_point_submit(&cp, &a.req), ==, 0);
        assert_written_cmd(&p, 0, MASSAGER_OP_SET_OUTPUT, 0);
        /* Wrong seq (1), wrong opcode (STOP's answer to seq 0). */
        g_assert_cmpint(feed(&cp, B(0x01, 0x81, 0x01, 0x0c, 0x00, STATUS_BYTES, 0x96, 0xad)), ==, -EILSEQ);
        g_assert_cmpint(feed(&cp, B(0x01, 0x84, 0x00, 0x0c, 0x00, STATUS_BYTES, 0xb9, 0xe3)), ==, -EILSEQ);
        /* A STATUS frame is not an answer. */
        g_assert_cmpint(massager_control_point_on_notification(&cp, status.b, status.len, &m), ==,
                        MASSAGER_NOTIFICATION_STATUS);
        g_assert_cmpuint(m.seq, ==, 0x2a);
        /* Corrupted and truncated frames are the decoder's errors. */
        g_assert_cmpint(feed(&cp, B(0x01, 0x81, 0x00, 0x0c, 0x00, STATUS_BYTES, 0xf7, 0xd7)), ==, -EBADMSG);
        g_assert_cmpint(feed(&cp, B(0x01, 0x81, 0x00)), ==, -ENODATA);
        g_assert_cmpuint(a.done_calls, ==, 0);
        g_assert_true(p.armed);

        /* receive() only classifies; complete() acts. */
        g_assert_cmpint(massager_control_point_receive(&cp, (const uint8_t[]) { 0x01, 0x81, 0x00, 0x0c, 0x00,
                                                       STATUS_BYTES, 0xf7, 0xd6 }, 18, &m), ==,
                        MASSAGER_NOTIFICATION_RESPONSE);
        g_assert_cmpuint(a.done_calls, ==, 0);
        g_assert_cmpint(massager_control_point_complete(&cp, &m), ==, 0);
        g_assert_cmpuint(a.done_calls, ==, 1);
        g_assert_cmpint(a.error, ==, 0);
        g_assert_cmpint(massager_control_point_complete(&cp, &m), ==, -ESTALE);
        g_assert_cmpuint(a.done_calls, ==, 1);
}

static void test_link_lost(void) {
        MassagerControlPoint cp;
        Peer p;
        Req a = req_new(MASSAGER_OP_GET_STATUS), b = req_new(MASSAGER_OP_CLEAR_FAULTS),
            stop1 = req_new(MASSAGER_OP_STOP), stop2 = req_new(MASSAGER_OP_STOP);

        setup(&cp, &p);
        g_assert_cmpint(massager_control_point_submit(&cp, &a.req), ==, 0);
        g_assert_cmpint(massager_control_point_submit(&cp, &b.req), ==, 0);
        g_assert_cmpint(massager_control_point_submit(&cp, &stop1.req), ==, 0);
        g_assert_cmpint(massager_control_point_submit(&cp, &stop2.req), ==, 0);
        g_assert_true(massager_control_point_busy(&cp));

        massager_control_point_fail_all(&cp, -ENOTCONN);
        for (Req *r = &a; r; r = r == &a ? &b : r == &b ? &stop1 : r == &stop1 ? &stop2 : NULL) {
                g_assert_cmpuint(r->done_calls, ==, 1);
                g_assert_cmpint(r->error, ==, -ENOTCONN);
                g_assert_false(r->has_response);
        }
        g_assert_cmpuint(a.order, ==, 1);
        g_assert_false(p.armed);
        g_assert_cmpuint(p.n_cancels, ==, 1);
        g_assert_false(massager_control_point_busy(&cp));
        g_assert_false(massager_control_point_stop_pending(&cp));
        g_assert_cmpuint(p.n_writes, ==, 1);
        /* A late answer afterwards is stale. */
        g_assert_cmpint(feed(&cp, B(0x01, 0x85, 0x00, 0x0c, 0x00, STATUS_BYTES, 0x45, 0x4d)), ==, -ESTALE);
}

static void test_write_failure(void) {
        MassagerControlPoint cp;
        Peer p;
        Req a = req_new(MASSAGER_OP_GET_STATUS), b = req_new(MASSAGER_OP_GET_STATUS),
            c = req_new(MASSAGER_OP_GET_STATUS), d = req_new(MASSAGER_OP_GET_STATUS);

        setup(&cp, &p);
        /* A write refused at once fails its command before submit returns. */
        p.write_result = -EIO;
        g_assert_cmpint(massager_control_point_submit(&cp, &a.req), ==, 0);
        g_assert_cmpuint(a.done_calls, ==, 1);
        g_assert_cmpint(a.error, ==, -EIO);
        g_assert_false(p.armed);
        g_assert_false(massager_control_point_busy(&cp));

        /* A write that fails later: -EIO, or the owner's own errno; the next goes. */
        p.write_result = 0;
        g_assert_cmpint(massager_control_point_submit(&cp, &b.req), ==, 0);
        g_assert_cmpint(massager_control_point_submit(&cp, &c.req), ==, 0);
        g_assert_cmpint(massager_control_point_submit(&cp, &d.req), ==, 0);
        massager_control_point_on_write_failed(&cp, 0);
        g_assert_cmpint(b.error, ==, -EIO);
        g_assert_cmpuint(b.done_calls, ==, 1);
        assert_written_cmd(&p, 1, MASSAGER_OP_GET_STATUS, 2);
        massager_control_point_on_write_failed(&cp, -EACCES);
        g_assert_cmpint(c.error, ==, -EACCES);
        g_assert_cmpuint(p.n_writes, ==, 3);
        g_assert_cmpint(answer_last(&cp, &p), ==, MASSAGER_NOTIFICATION_RESPONSE);
        g_assert_cmpint(d.error, ==, 0);

        /* A timer that cannot be armed: the frame is not written. */
        p.arm_result = -ENOMEM;
        a = req_new(MASSAGER_OP_GET_STATUS);
        g_assert_cmpint(massager_control_point_submit(&cp, &a.req), ==, 0);
        g_assert_cmpint(a.error, ==, -ENOMEM);
        g_assert_cmpuint(p.n_writes, ==, 3);
}

static void test_refused(void) {
        MassagerControlPoint cp;
        Peer p;
        Req a = req_new(MASSAGER_OP_SET_OUTPUT), b = req_new(0x17);

        setup(&cp, &p);
        /* Out of every model's range, and an opcode that is no command. */
        a.req.cmd.output.intensity = MASSAGER_INTENSITY_MAX + 1;
        g_assert_cmpint(massager_control_point_submit(&cp, &a.req), ==, -ERANGE);
        g_assert_cmpint(massager_control_point_submit(&cp, &b.req), <, 0);
        /* No protocol (before the Device Info, after the link went). */
        massager_control_point_set_protocol(&cp, NULL);
        a.req.cmd.output.intensity = 1;
        g_assert_cmpint(massager_control_point_submit(&cp, &a.req), ==, -ENOTCONN);
        g_assert_cmpint(feed(&cp, B(0x01, 0x85, 0x00, 0x0c, 0x00, STATUS_BYTES, 0x45, 0x4d)), ==, -ENOTCONN);
        g_assert_cmpuint(p.n_writes, ==, 0);
        g_assert_cmpuint(a.done_calls + b.done_calls, ==, 0);
        g_assert_false(massager_control_point_busy(&cp));
}

static void test_reentrant(void) {
        MassagerControlPoint cp;
        Peer p;
        Req a = req_new(MASSAGER_OP_GET_STATUS), next = req_new(MASSAGER_OP_STOP),
            b = req_new(MASSAGER_OP_GET_STATUS), c = req_new(MASSAGER_OP_GET_STATUS);

        setup(&cp, &p);
        /* A callback that submits: its command goes next, once. */
        a.cp = &cp;
        a.submit_next = &next.req;
        g_assert_cmpint(massager_control_point_submit(&cp, &a.req), ==, 0);
        g_assert_cmpint(massager_control_point_submit(&cp, &b.req), ==, 0);
        g_assert_cmpint(answer_last(&cp, &p), ==, MASSAGER_NOTIFICATION_RESPONSE);
        g_assert_cmpint(a.submit_result, ==, 0);
        g_assert_cmpuint(p.n_writes, ==, 2);
        assert_written_cmd(&p, 1, MASSAGER_OP_STOP, 1);

        /* A callback that fails everything (a STOP before disconnecting). */
        next.cp = &cp;
        next.fail_all = true;
        g_assert_cmpint(massager_control_point_submit(&cp, &c.req), ==, 0);
        g_assert_cmpint(answer_last(&cp, &p), ==, MASSAGER_NOTIFICATION_RESPONSE);
        g_assert_cmpint(next.error, ==, 0);
        g_assert_cmpint(b.error, ==, -ENOTCONN);
        g_assert_cmpint(c.error, ==, -ENOTCONN);
        g_assert_cmpuint(p.n_writes, ==, 2);
        g_assert_false(p.armed);
        g_assert_false(massager_control_point_busy(&cp));
}

static const Bytes device_info_v1 = B(0x01, 0x41, 0x00, 0x1c, 0x01, 0x0a, 0x03, 0x3f, 0x00, 0x7c, 0x01, 0x90,
                                      0x01, 0xa4, 0x01, 0x00, 0x00, 0x01, 0x02, 0x03, 0x0b, 0x4e, 0x65, 0x63,
                                      0x6b, 0x45, 0x61, 0x73, 0x65, 0x20, 0x4e, 0x31, 0x9e, 0xf3);
/* The same, saying version 2 in the frame and the payload. */
static const Bytes device_info_v2 = B(0x02, 0x41, 0x00, 0x1c, 0x02, 0x0a, 0x03, 0x3f, 0x00, 0x7c, 0x01, 0x90,
                                      0x01, 0xa4, 0x01, 0x00, 0x00, 0x01, 0x02, 0x03, 0x0b, 0x4e, 0x65, 0x63,
                                      0x6b, 0x45, 0x61, 0x73, 0x65, 0x20, 0x4e, 0x31, 0xe8, 0x75);

static void test_versions(void) {
        const MassagerProtocolOps *v1 = massager_protocol_lookup(1), *p = NULL;
        MassagerDeviceInfo info;
        Bytes bad;

        g_assert_nonnull(v1);
        g_assert_cmpuint(v1->version, ==, 1);
        g_assert_cmpuint(v1->response_opcode(MASSAGER_OP_STOP), ==, 0x84);
        g_assert_null(massager_protocol_lookup(0));
        g_assert_null(massager_protocol_lookup(2));

        g_assert_cmpint(massager_protocol_for_device_info(device_info_v1.b, device_info_v1.len, &p), ==, 0);
        g_assert_true(p == v1);
        g_assert_cmpint(p->decode_device_info(device_info_v1.b, device_info_v1.len, &info), ==, 0);
        g_assert_cmpuint(info.protocol_version, ==, 1);
        g_assert_cmpstr(info.model, ==, "NeckEase N1");

        p = NULL;
        g_assert_cmpint(massager_protocol_for_device_info(device_info_v2.b, device_info_v2.len, &p), ==, -EPROTO);
        g_assert_null(p);
        /* CRC before version: a corrupted version byte is corruption. */
        bad = device_info_v1;
        bad.b[0] = 0x02;
        g_assert_cmpint(massager_protocol_for_device_info(bad.b, bad.len, &p), ==, -EBADMSG);
        g_assert_cmpint(massager_protocol_for_device_info(bad.b, 3, &p), ==, -ENODATA);
        g_assert_null(p);
}

int main(int argc, char **argv) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/protocol/control-point/golden-exchange", test_golden_exchange);
        g_test_add_func("/protocol/control-point/seq-wraps", test_seq_wraps);
        g_test_add_func("/protocol/control-point/stop-jumps-queue", test_stop_jumps_queue);
        g_test_add_func("/protocol/control-point/stop-not-duplicated", test_stop_not_duplicated);
        g_test_add_func("/protocol/control-point/timeout", test_timeout);
        g_test_add_func("/protocol/control-point/dropped-notifications", test_dropped_notifications);
        g_test_add_func("/protocol/control-point/link-lost", test_link_lost);
        g_test_add_func("/protocol/control-point/write-failure", test_write_failure);
        g_test_add_func("/protocol/control-point/refused", test_refused);
        g_test_add_func("/protocol/control-point/reentrant", test_reentrant);
        g_test_add_func("/protocol/versions/lookup", test_versions);
        return g_test_run();
}
