/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests of the simulator's firmware model: no bus, time driven by hand. */

#include <glib.h>
#include <math.h>
#include <string.h>

#include "firmware.h"
#include "massager-protocol.h"

#define S(x) ((uint64_t) (x) * FIRMWARE_USEC_PER_SEC)
#define MS(x) ((uint64_t) (x) * 1000ull)
#define T0 S(1000)      /* an arbitrary start: the model must not assume 0 */

typedef struct Fixture {
        Firmware fw;
        GArray *msgs;   /* MassagerMessage, every frame the device sent */
        GArray *battery;
        uint8_t seq;
} Fixture;

static void on_notify(void *userdata, const uint8_t *frame, size_t len) {
        Fixture *f = userdata;
        MassagerMessage m;

        /* Everything the device sends must decode: that is the protocol. */
        g_assert_cmpint(massager_message_decode(frame, len, &m), ==, 0);
        g_array_append_val(f->msgs, m);
}

static void on_battery(void *userdata, uint8_t percent) {
        Fixture *f = userdata;
        g_array_append_val(f->battery, percent);
}

static void setup_cfg(Fixture *f, const FirmwareConfig *cfg) {
        firmware_init(&f->fw, cfg, T0);
        f->fw.notify = on_notify;
        f->fw.battery_changed = on_battery;
        f->fw.userdata = f;
        f->msgs = g_array_new(false, true, sizeof(MassagerMessage));
        f->battery = g_array_new(false, true, 1);
        firmware_link_up(&f->fw, T0, true);
}

static void setup(Fixture *f, gconstpointer data) {
        FirmwareConfig cfg = FIRMWARE_CONFIG_DEFAULT;
        setup_cfg(f, &cfg);
}

static void teardown(Fixture *f, gconstpointer data) {
        g_array_unref(f->msgs);
        g_array_unref(f->battery);
}

static const MassagerMessage *last(Fixture *f) {
        g_assert_cmpuint(f->msgs->len, >, 0);
        return &g_array_index(f->msgs, MassagerMessage, f->msgs->len - 1);
}

/* The response to the last command: the most recent frame with the response bit. */
static const MassagerMessage *last_response(Fixture *f) {
        for (guint i = f->msgs->len; i > 0; i--) {
                const MassagerMessage *m = &g_array_index(f->msgs, MassagerMessage, i - 1);
                if (m->opcode & MASSAGER_OP_RESPONSE_BIT)
                        return m;
        }
        g_assert_not_reached();
}

static MassagerResult send(Fixture *f, uint64_t now, const MassagerCommand *c) {
        uint8_t buf[MASSAGER_FRAME_MAX];
        MassagerCommand cmd = *c;
        ssize_t n;

        cmd.seq = ++f->seq;
        n = massager_command_encode(&cmd, buf, sizeof(buf));
        g_assert_cmpint(n, >, 0);
        g_array_set_size(f->msgs, 0);
        g_assert_cmpint(firmware_write(&f->fw, now, buf, (size_t) n), ==, 0);
        const MassagerMessage *r = last_response(f);
        g_assert_cmphex(r->opcode, ==, c->opcode | MASSAGER_OP_RESPONSE_BIT);
        g_assert_cmpuint(r->seq, ==, cmd.seq);
        return r->result;
}

static MassagerResult start(Fixture *f, uint64_t now, uint16_t lease, uint8_t intensity, uint8_t heat) {
        MassagerCommand c = { .opcode = MASSAGER_OP_START_SESSION,
                              .start = { .lease_s = lease, .output = { intensity, MASSAGER_PATTERN_KNEAD, heat } } };
        return send(f, now, &c);
}

static MassagerResult simple(Fixture *f, uint64_t now, uint8_t opcode) {
        MassagerCommand c = { .opcode = opcode };
        return send(f, now, &c);
}

static MassagerStatus status_at(Fixture *f, uint64_t now) {
        MassagerStatus s;
        firmware_advance(&f->fw, now);
        firmware_status(&f->fw, &s);
        return s;
}

static void test_start_runs(Fixture *f, gconstpointer data) {
        g_assert_cmpint(start(f, T0, 5, 4, 2), ==, MASSAGER_RESULT_OK);
        const MassagerMessage *r = last_response(f);
        g_assert_true(r->status.flags & MASSAGER_STATUS_RUNNING);
        g_assert_true(r->status.flags & MASSAGER_STATUS_HEATING);
        g_assert_true(r->status.flags & MASSAGER_STATUS_ENCRYPTED);
        g_assert_cmpuint(r->status.intensity, ==, 4);
        g_assert_cmpuint(r->status.pattern, ==, MASSAGER_PATTERN_KNEAD);
        g_assert_cmpuint(r->status.heat_level, ==, 2);
        g_assert_cmpuint(r->status.lease_ms, ==, 5000);
        /* The change is announced by a STATUS after the response. */
        g_assert_cmphex(last(f)->opcode, ==, MASSAGER_OP_STATUS);
        g_assert_true(firmware_heater_on(&f->fw));
        g_assert_cmpuint(firmware_next_wakeup(&f->fw), ==, T0 + S(1));
}

static void test_lease_expiry(Fixture *f, gconstpointer data) {
        g_assert_cmpint(start(f, T0, 3, 5, 1), ==, MASSAGER_RESULT_OK);
        MassagerStatus s = status_at(f, T0 + MS(2999));
        g_assert_true(s.flags & MASSAGER_STATUS_RUNNING);
        g_assert_cmpuint(s.lease_ms, ==, 1);
        g_array_set_size(f->msgs, 0);
        s = status_at(f, T0 + S(3));
        g_assert_false(s.flags & (MASSAGER_STATUS_RUNNING | MASSAGER_STATUS_HEATING));
        g_assert_cmpuint(s.intensity, ==, 0);
        g_assert_cmpuint(s.heat_level, ==, 0);
        g_assert_cmpuint(s.stop_cause, ==, MASSAGER_STOP_LEASE);
        g_assert_false(firmware_heater_on(&f->fw));
        g_assert_cmpuint(last(f)->status.stop_cause, ==, MASSAGER_STOP_LEASE);
        g_assert_cmpuint(firmware_next_wakeup(&f->fw), ==, FIRMWARE_NEVER);
}

static void test_lease_expiry_late_advance(Fixture *f, gconstpointer data) {
        /* The loop wakes late: the stop still happens at the lease end, so the
         * pad stops heating from then on. */
        g_assert_cmpint(start(f, T0, 2, 5, 3), ==, MASSAGER_RESULT_OK);
        MassagerStatus s = status_at(f, T0 + S(600));
        g_assert_cmpuint(s.stop_cause, ==, MASSAGER_STOP_LEASE);
        g_assert_cmpint(s.temperature, <=, 252);        /* cooled back to ambient */
}

static void test_extend_lease(Fixture *f, gconstpointer data) {
        MassagerCommand ext = { .opcode = MASSAGER_OP_EXTEND_LEASE, .lease_s = 4 };

        g_assert_cmpint(send(f, T0, &ext), ==, MASSAGER_RESULT_NOT_RUNNING);
        g_assert_cmpint(start(f, T0, 2, 5, 0), ==, MASSAGER_RESULT_OK);
        g_assert_cmpint(send(f, T0 + S(1), &ext), ==, MASSAGER_RESULT_OK);
        /* Not additive: 4 s from now, not 2 + 4. */
        g_assert_cmpuint(last_response(f)->status.lease_ms, ==, 4000);
        g_assert_true(status_at(f, T0 + MS(4999)).flags & MASSAGER_STATUS_RUNNING);
        g_assert_false(status_at(f, T0 + S(5)).flags & MASSAGER_STATUS_RUNNING);
}

static void test_ticks(Fixture *f, gconstpointer data) {
        g_assert_cmpint(start(f, T0, 10, 5, 0), ==, MASSAGER_RESULT_OK);
        g_array_set_size(f->msgs, 0);
        firmware_advance(&f->fw, T0 + MS(3500));
        /* Three once-a-second STATUS frames with the lease counting down. */
        g_assert_cmpuint(f->msgs->len, ==, 3);
        for (guint i = 0; i < 3; i++) {
                const MassagerMessage *m = &g_array_index(f->msgs, MassagerMessage, i);
                g_assert_cmphex(m->opcode, ==, MASSAGER_OP_STATUS);
                g_assert_cmpuint(m->status.lease_ms, ==, 10000 - 1000 * (i + 1));
        }
        uint8_t s0 = g_array_index(f->msgs, MassagerMessage, 0).seq;
        g_assert_cmpuint(g_array_index(f->msgs, MassagerMessage, 1).seq, ==, (uint8_t) (s0 + 1));
}

static void test_idle_silent(Fixture *f, gconstpointer data) {
        firmware_advance(&f->fw, T0 + S(3600));
        g_assert_cmpuint(f->msgs->len, ==, 0);
        g_assert_cmpuint(firmware_next_wakeup(&f->fw), ==, FIRMWARE_NEVER);
}

static void test_link_loss_stops(Fixture *f, gconstpointer data) {
        g_assert_cmpint(start(f, T0, 10, 7, 3), ==, MASSAGER_RESULT_OK);
        firmware_link_down(&f->fw, T0 + S(1));
        MassagerStatus s = status_at(f, T0 + S(1));
        g_assert_false(s.flags & MASSAGER_STATUS_RUNNING);
        g_assert_false(firmware_heater_on(&f->fw));
        g_assert_cmpuint(s.stop_cause, ==, MASSAGER_STOP_LINK_LOST);
        g_assert_cmpuint(firmware_next_wakeup(&f->fw), ==, FIRMWARE_NEVER);
        /* No link, no writes. */
        uint8_t b[MASSAGER_FRAME_MAX];
        MassagerCommand c = { .opcode = MASSAGER_OP_STOP };
        ssize_t n = massager_command_encode(&c, b, sizeof(b));
        g_assert_cmpint(firmware_write(&f->fw, T0 + S(2), b, (size_t) n), ==, -ENOTCONN);
}

static void test_unpaired_refused(Fixture *f, gconstpointer data) {
        uint8_t b[MASSAGER_FRAME_MAX];
        MassagerCommand c = { .opcode = MASSAGER_OP_START_SESSION, .start = { 5, { 3, 0, 0 } } };
        ssize_t n = massager_command_encode(&c, b, sizeof(b));

        firmware_link_down(&f->fw, T0);
        firmware_link_up(&f->fw, T0, false);
        g_array_set_size(f->msgs, 0);
        g_assert_cmpint(firmware_write(&f->fw, T0, b, (size_t) n), ==, -EACCES);
        g_assert_cmpuint(f->msgs->len, ==, 0);
        g_assert_false(f->fw.running);
        /* Pairing on the same link lets it through. */
        firmware_set_encrypted(&f->fw, T0, true);
        g_assert_cmpint(firmware_write(&f->fw, T0, b, (size_t) n), ==, 0);
        g_assert_true(f->fw.running);
}

static void test_set_output(Fixture *f, gconstpointer data) {
        MassagerCommand c = { .opcode = MASSAGER_OP_SET_OUTPUT, .output = { 9, MASSAGER_PATTERN_TAP, 1 } };

        g_assert_cmpint(send(f, T0, &c), ==, MASSAGER_RESULT_NOT_RUNNING);
        g_assert_cmpint(start(f, T0, 5, 2, 0), ==, MASSAGER_RESULT_OK);
        g_assert_cmpint(send(f, T0, &c), ==, MASSAGER_RESULT_OK);
        g_assert_cmpuint(f->fw.output.intensity, ==, 9);
        g_assert_cmpuint(f->fw.output.pattern, ==, MASSAGER_PATTERN_TAP);
        g_assert_true(firmware_heater_on(&f->fw));
        /* Lease untouched by SET_OUTPUT. */
        g_assert_cmpuint(last_response(f)->status.lease_ms, ==, 5000);
}

static void test_out_of_range(Fixture *f, gconstpointer data) {
        /* Heat level 4 passes the generic decoder but this model has 3. */
        g_assert_cmpint(start(f, T0, 5, 2, 4), ==, MASSAGER_RESULT_OUT_OF_RANGE);
        g_assert_false(f->fw.running);
}

static void test_start_restart(Fixture *f, gconstpointer data) {
        g_assert_cmpint(start(f, T0, 2, 2, 0), ==, MASSAGER_RESULT_OK);
        g_assert_cmpint(start(f, T0 + S(1), 6, 8, 1), ==, MASSAGER_RESULT_OK);
        g_assert_cmpuint(last_response(f)->status.lease_ms, ==, 6000);
        g_assert_cmpuint(f->fw.output.intensity, ==, 8);
        g_assert_true(status_at(f, T0 + S(5)).flags & MASSAGER_STATUS_RUNNING);
}

static void test_stop(Fixture *f, gconstpointer data) {
        /* Also when idle. */
        g_assert_cmpint(simple(f, T0, MASSAGER_OP_STOP), ==, MASSAGER_RESULT_OK);
        g_assert_cmpuint(last_response(f)->status.stop_cause, ==, MASSAGER_STOP_COMMAND);
        g_assert_cmpint(start(f, T0, 5, 5, 3), ==, MASSAGER_RESULT_OK);
        g_assert_cmpint(simple(f, T0 + S(1), MASSAGER_OP_STOP), ==, MASSAGER_RESULT_OK);
        const MassagerMessage *r = last_response(f);
        g_assert_false(r->status.flags & (MASSAGER_STATUS_RUNNING | MASSAGER_STATUS_HEATING));
        g_assert_cmpuint(r->status.stop_cause, ==, MASSAGER_STOP_COMMAND);
        g_assert_cmpuint(r->status.lease_ms, ==, 0);
}

static void test_get_status(Fixture *f, gconstpointer data) {
        g_assert_cmpint(simple(f, T0, MASSAGER_OP_GET_STATUS), ==, MASSAGER_RESULT_OK);
        g_assert_cmpint(last_response(f)->status.temperature, ==, 250);
        g_assert_cmpuint(last_response(f)->status.battery, ==, 90);
        /* Nothing changed: no STATUS after the response. */
        g_assert_cmpuint(f->msgs->len, ==, 1);
}

static void test_read_status_and_info(Fixture *f, gconstpointer data) {
        uint8_t b[MASSAGER_FRAME_MAX];
        MassagerMessage m;
        MassagerDeviceInfo info;
        ssize_t n = firmware_read_status(&f->fw, T0, b, sizeof(b));

        g_assert_cmpint(n, >, 0);
        g_assert_cmpint(massager_message_decode(b, (size_t) n, &m), ==, 0);
        g_assert_cmphex(m.opcode, ==, MASSAGER_OP_STATUS);
        n = firmware_read_device_info(&f->fw, b, sizeof(b));
        g_assert_cmpint(massager_device_info_decode(b, (size_t) n, &info), ==, 0);
        g_assert_cmpuint(info.protocol_version, ==, 1);
        g_assert_cmpuint(info.intensity_max, ==, 10);
        g_assert_cmpuint(info.heat_levels, ==, 3);
        g_assert_cmpuint(info.patterns, ==, 0x3f);
        g_assert_cmpint(info.heat_setpoint[0], ==, 380);
        g_assert_cmpint(info.heat_setpoint[1], ==, 400);
        g_assert_cmpint(info.heat_setpoint[2], ==, 420);
}

static void test_bad_frames(Fixture *f, gconstpointer data) {
        uint8_t b[MASSAGER_FRAME_MAX];
        MassagerCommand c = { .opcode = MASSAGER_OP_GET_STATUS, .seq = 77 };
        ssize_t n = massager_command_encode(&c, b, sizeof(b));

        b[n - 1] ^= 0xff;                                       /* bad CRC */
        g_assert_cmpint(firmware_write(&f->fw, T0, b, (size_t) n), ==, 0);
        g_assert_cmphex(last(f)->opcode, ==, 0x85);
        g_assert_cmpuint(last(f)->seq, ==, 77);
        g_assert_cmpuint(last(f)->result, ==, MASSAGER_RESULT_BAD_CRC);

        g_assert_cmpint(firmware_write(&f->fw, T0, b, 2), ==, 0);   /* too short to echo */
        g_assert_cmphex(last(f)->opcode, ==, 0x80);
        g_assert_cmpuint(last(f)->seq, ==, 0);
        g_assert_cmpuint(last(f)->result, ==, MASSAGER_RESULT_BAD_LENGTH);

        uint8_t unknown[MASSAGER_FRAME_MAX];                     /* a well-formed unknown opcode */
        n = massager_frame_encode(0x3e, 9, NULL, 0, unknown, sizeof(unknown));
        g_assert_cmpint(firmware_write(&f->fw, T0, unknown, (size_t) n), ==, 0);
        g_assert_cmphex(last(f)->opcode, ==, 0xbe);
        g_assert_cmpuint(last(f)->result, ==, MASSAGER_RESULT_UNKNOWN_OPCODE);

        /* A future protocol version, with a valid CRC. */
        n = massager_frame_encode(MASSAGER_OP_GET_STATUS, 11, NULL, 0, unknown, sizeof(unknown));
        unknown[0] = 2;
        uint16_t crc = massager_crc16(unknown, (size_t) n - 2);
        unknown[n - 2] = (uint8_t) crc;
        unknown[n - 1] = (uint8_t) (crc >> 8);
        g_assert_cmpint(firmware_write(&f->fw, T0, unknown, (size_t) n), ==, 0);
        g_assert_cmpuint(last(f)->seq, ==, 11);
        g_assert_cmpuint(last(f)->result, ==, MASSAGER_RESULT_UNSUPPORTED_VERSION);

        /* A lease the protocol does not allow (decoder range check). */
        uint8_t payload[5] = { 11, 0, 1, 0, 0 };
        n = massager_frame_encode(MASSAGER_OP_START_SESSION, 12, payload, sizeof(payload), unknown, sizeof(unknown));
        g_assert_cmpint(firmware_write(&f->fw, T0, unknown, (size_t) n), ==, 0);
        g_assert_cmphex(last(f)->opcode, ==, 0x82);
        g_assert_cmpuint(last(f)->result, ==, MASSAGER_RESULT_OUT_OF_RANGE);

        /* A known opcode with the wrong payload length. */
        n = massager_frame_encode(MASSAGER_OP_STOP, 13, payload, 1, unknown, sizeof(unknown));
        g_assert_cmpint(firmware_write(&f->fw, T0, unknown, (size_t) n), ==, 0);
        g_assert_cmpuint(last(f)->result, ==, MASSAGER_RESULT_BAD_LENGTH);

        n = massager_frame_encode(0xc1, 3, NULL, 0, unknown, sizeof(unknown)); /* response bit masked */
        g_assert_cmpint(firmware_write(&f->fw, T0, unknown, (size_t) n), ==, 0);
        g_assert_cmphex(last(f)->opcode, ==, 0xc1);
        g_assert_cmpuint(last(f)->result, ==, MASSAGER_RESULT_UNKNOWN_OPCODE);
        g_assert_false(f->fw.running);
}

static void test_thermal_approach(Fixture *f, gconstpointer data) {
        g_assert_cmpint(start(f, T0, 10, 5, 3), ==, MASSAGER_RESULT_OK);
        /* One time constant: 63 % of the way from 25.0 to 42.0 °C. */
        double expect = 42.0 - 17.0 * exp(-1.0);
        for (int i = 1; i <= 60; i++) {
                if (i % 9 == 0)
                        g_assert_cmpint(send(f, T0 + S(i), &(MassagerCommand) { .opcode = MASSAGER_OP_EXTEND_LEASE, .lease_s = 10 }), ==, 0);
                firmware_advance(&f->fw, T0 + S(i));
        }
        g_assert_cmpfloat_with_epsilon(f->fw.temp_c, expect, 0.01);
        /* Regulated: it never passes the setpoint by itself. */
        for (int i = 61; i <= 1200; i++) {
                if (i % 9 == 0)
                        send(f, T0 + S(i), &(MassagerCommand) { .opcode = MASSAGER_OP_EXTEND_LEASE, .lease_s = 10 });
                firmware_advance(&f->fw, T0 + S(i));
        }
        g_assert_true(f->fw.running);
        g_assert_cmpfloat(f->fw.temp_c, <=, 42.0);
        g_assert_cmpfloat(f->fw.temp_c, >, 41.9);
        g_assert_false(f->fw.latched & MASSAGER_FAULT_OVERHEAT);
}

static void test_cutoff_trips_and_latches(Fixture *f, gconstpointer data) {
        g_assert_cmpint(start(f, T0, 10, 5, 3), ==, MASSAGER_RESULT_OK);
        g_array_set_size(f->msgs, 0);
        firmware_set_temperature(&f->fw, T0 + S(1), 45.0);
        MassagerStatus s = status_at(f, T0 + S(1));
        g_assert_false(s.flags & (MASSAGER_STATUS_RUNNING | MASSAGER_STATUS_HEATING));
        g_assert_true(s.faults & MASSAGER_FAULT_OVERHEAT);
        g_assert_cmpuint(s.stop_cause, ==, MASSAGER_STOP_OVERHEAT);
        g_assert_true(last(f)->status.faults & MASSAGER_FAULT_OVERHEAT);      /* announced */
        /* Latched: no new session, and clearing fails while the pad is hot. */
        g_assert_cmpint(start(f, T0 + S(2), 5, 1, 0), ==, MASSAGER_RESULT_FAULT_LATCHED);
        g_assert_cmpint(simple(f, T0 + S(2), MASSAGER_OP_CLEAR_FAULTS), ==, MASSAGER_RESULT_FAULT_LATCHED);
        /* Cooling from 45 toward 25 with tau 60 s passes 38.0 °C after 60·ln(20/13) ≈ 25.8 s. */
        g_assert_cmpint(simple(f, T0 + S(1) + MS(25500), MASSAGER_OP_CLEAR_FAULTS), ==, MASSAGER_RESULT_FAULT_LATCHED);
        g_assert_cmpint(simple(f, T0 + S(1) + MS(26200), MASSAGER_OP_CLEAR_FAULTS), ==, MASSAGER_RESULT_OK);
        g_assert_false(last_response(f)->status.faults & MASSAGER_FAULT_OVERHEAT);
        g_assert_cmpint(start(f, T0 + S(30), 5, 1, 0), ==, MASSAGER_RESULT_OK);
}

static void test_cutoff_idle(Fixture *f, gconstpointer data) {
        firmware_set_temperature(&f->fw, T0, 46.5);
        g_assert_true(f->fw.latched & MASSAGER_FAULT_OVERHEAT);
        g_assert_cmpuint(status_at(f, T0).stop_cause, ==, MASSAGER_STOP_NONE);
        g_assert_cmpint(status_at(f, T0).temperature, ==, 465);
}

static void test_sensor_fault(Fixture *f, gconstpointer data) {
        g_assert_cmpint(start(f, T0, 10, 5, 1), ==, MASSAGER_RESULT_OK);
        firmware_set_sensor_missing(&f->fw, T0 + S(1), true);
        MassagerStatus s = status_at(f, T0 + S(1));
        g_assert_false(s.flags & MASSAGER_STATUS_RUNNING);
        g_assert_cmpint(s.temperature, ==, MASSAGER_TEMP_NONE);
        g_assert_true(s.faults & MASSAGER_FAULT_SENSOR);
        g_assert_cmpuint(s.stop_cause, ==, MASSAGER_STOP_SENSOR);
        g_assert_cmpint(simple(f, T0 + S(2), MASSAGER_OP_CLEAR_FAULTS), ==, MASSAGER_RESULT_FAULT_LATCHED);
        firmware_set_sensor_missing(&f->fw, T0 + S(3), false);
        g_assert_cmpint(simple(f, T0 + S(3), MASSAGER_OP_CLEAR_FAULTS), ==, MASSAGER_RESULT_OK);
        /* Implausible readings count as missing. */
        firmware_set_temperature(&f->fw, T0 + S(4), -3.0);
        g_assert_true(f->fw.latched & MASSAGER_FAULT_SENSOR);
        g_assert_false(f->fw.latched & MASSAGER_FAULT_OVERHEAT);
        firmware_set_temperature(&f->fw, T0 + S(4), 85.0);
        g_assert_false(f->fw.latched & MASSAGER_FAULT_OVERHEAT);        /* the device cannot know */
}

static void test_motor_stall_clears(Fixture *f, gconstpointer data) {
        g_assert_cmpint(start(f, T0, 10, 5, 0), ==, MASSAGER_RESULT_OK);
        firmware_motor_stall(&f->fw, T0 + S(1));
        g_assert_false(f->fw.running);
        g_assert_cmpuint(f->fw.stop_cause, ==, MASSAGER_STOP_MOTOR_STALL);
        g_assert_cmpint(start(f, T0 + S(1), 5, 1, 0), ==, MASSAGER_RESULT_FAULT_LATCHED);
        g_assert_cmpint(simple(f, T0 + S(1), MASSAGER_OP_CLEAR_FAULTS), ==, MASSAGER_RESULT_OK);
        g_assert_cmpint(start(f, T0 + S(1), 5, 1, 0), ==, MASSAGER_RESULT_OK);
}

static void test_battery_rules(Fixture *f, gconstpointer data) {
        firmware_set_battery(&f->fw, T0, 15);
        g_assert_cmpuint(g_array_index(f->battery, uint8_t, f->battery->len - 1), ==, 15);
        g_assert_true(status_at(f, T0).faults & MASSAGER_FAULT_LOW_BATTERY);
        /* LOW_BATTERY is a flag, not a latch: motors alone may start. */
        g_assert_cmpint(start(f, T0, 5, 3, 1), ==, MASSAGER_RESULT_LOW_BATTERY);
        g_assert_cmpint(start(f, T0, 5, 3, 0), ==, MASSAGER_RESULT_OK);
        MassagerCommand heat = { .opcode = MASSAGER_OP_SET_OUTPUT, .output = { 3, 0, 2 } };
        g_assert_cmpint(send(f, T0, &heat), ==, MASSAGER_RESULT_LOW_BATTERY);
        g_assert_false(firmware_heater_on(&f->fw));

        firmware_set_battery(&f->fw, T0 + S(1), 9);
        g_assert_cmpint(simple(f, T0 + S(1), MASSAGER_OP_STOP), ==, MASSAGER_RESULT_OK);
        g_assert_cmpint(start(f, T0 + S(1), 5, 1, 0), ==, MASSAGER_RESULT_LOW_BATTERY);

        firmware_set_battery(&f->fw, T0 + S(2), 12);
        g_assert_cmpint(start(f, T0 + S(2), 5, 1, 0), ==, MASSAGER_RESULT_OK);
        firmware_set_battery(&f->fw, T0 + S(3), 5);
        MassagerStatus s = status_at(f, T0 + S(3));
        g_assert_false(s.flags & MASSAGER_STATUS_RUNNING);
        g_assert_cmpuint(s.stop_cause, ==, MASSAGER_STOP_BATTERY);

        firmware_set_battery(&f->fw, T0 + S(4), 50);
        g_assert_false(status_at(f, T0 + S(4)).faults & MASSAGER_FAULT_LOW_BATTERY);
}

static void test_battery_drain(Fixture *f, gconstpointer data) {
        /* 1 %/min with motors, doubled while heating: 10 s of heat = 1/3 %. */
        firmware_set_battery(&f->fw, T0, 50);
        g_array_set_size(f->battery, 0);
        for (int i = 0; i < 9; i++)
                g_assert_cmpint(start(f, T0 + S(10 * i), 10, 5, 1), ==, MASSAGER_RESULT_OK);
        firmware_advance(&f->fw, T0 + S(90));
        /* 90 s heating = 3 %. */
        g_assert_cmpuint(firmware_read_battery(&f->fw, T0 + S(90)), ==, 47);
        g_assert_cmpuint(f->battery->len, ==, 3);
        g_assert_cmpuint(g_array_index(f->battery, uint8_t, 2), ==, 47);
        /* Idle: no drain. */
        g_assert_cmpuint(firmware_read_battery(&f->fw, T0 + S(5000)), ==, 47);
}

static void test_reconnect_quiet(Fixture *f, gconstpointer data) {
        firmware_link_down(&f->fw, T0);
        firmware_set_battery(&f->fw, T0, 40);           /* no link: nothing sent */
        g_assert_cmpuint(f->msgs->len, ==, 0);
        g_assert_cmpuint(f->battery->len, ==, 0);
        firmware_link_up(&f->fw, T0 + S(1), true);
        firmware_advance(&f->fw, T0 + S(2));
        g_assert_cmpuint(f->msgs->len, ==, 0);
}

static void test_reset(Fixture *f, gconstpointer data) {
        MassagerStatus s;

        g_assert_cmpint(start(f, T0, 10, 5, 2), ==, MASSAGER_RESULT_OK);
        firmware_motor_stall(&f->fw, T0 + S(1));
        g_assert_cmpint(simple(f, T0 + S(1), MASSAGER_OP_CLEAR_FAULTS), ==, MASSAGER_RESULT_OK);
        g_assert_cmpint(start(f, T0 + S(1), 10, 5, 2), ==, MASSAGER_RESULT_OK);
        firmware_advance(&f->fw, T0 + S(4));
        g_assert_cmpuint(f->fw.status_seq, >, 0);

        /* The reboot stops everything and says nothing: the link stays up. */
        g_array_set_size(f->msgs, 0);
        double temp = f->fw.temp_c;
        firmware_reset(&f->fw, T0 + S(4));
        g_assert_cmpuint(f->msgs->len, ==, 0);
        g_assert_true(f->fw.connected && f->fw.encrypted);
        g_assert_false(f->fw.running);
        g_assert_false(firmware_heater_on(&f->fw));
        g_assert_cmpuint(firmware_lease_remaining_ms(&f->fw), ==, 0);
        g_assert_cmpuint(f->fw.status_seq, ==, 0);
        g_assert_cmpfloat(f->fw.temp_c, ==, temp);      /* physics does not reboot */
        s = status_at(f, T0 + S(5));
        g_assert_cmpuint(s.intensity, ==, 0);
        g_assert_cmpuint(s.heat_level, ==, 0);
        g_assert_cmpuint(s.stop_cause, ==, MASSAGER_STOP_NONE);
        g_assert_cmpuint(f->msgs->len, ==, 0);          /* no ticks: idle */

        /* The host learns of it from its next command. */
        MassagerCommand lease = { .opcode = MASSAGER_OP_EXTEND_LEASE, .lease_s = 10 };
        g_assert_cmpint(send(f, T0 + S(6), &lease), ==, MASSAGER_RESULT_NOT_RUNNING);
        g_assert_false(last_response(f)->status.flags & MASSAGER_STATUS_RUNNING);
        /* Usable again at once, STATUS counter from 0. */
        g_assert_cmpint(start(f, T0 + S(7), 10, 3, 0), ==, MASSAGER_RESULT_OK);
        g_array_set_size(f->msgs, 0);
        firmware_advance(&f->fw, T0 + S(8));
        g_assert_cmpuint(f->msgs->len, ==, 1);
        g_assert_cmpuint(last(f)->seq, <=, 1);
}

static void test_reset_hot_relatches(Fixture *f, gconstpointer data) {
        firmware_set_temperature(&f->fw, T0, 46.0);
        g_assert_true(f->fw.latched & MASSAGER_FAULT_OVERHEAT);
        g_array_set_size(f->msgs, 0);
        /* The latch is in RAM, the heat is not: it latches again at boot, and says so. */
        firmware_reset(&f->fw, T0 + S(1));
        g_assert_true(f->fw.latched & MASSAGER_FAULT_OVERHEAT);
        g_assert_cmpuint(f->msgs->len, ==, 1);
        g_assert_cmphex(last(f)->opcode, ==, MASSAGER_OP_STATUS);
        g_assert_true(last(f)->status.faults & MASSAGER_FAULT_OVERHEAT);
        g_assert_cmpint(start(f, T0 + S(1), 5, 1, 0), ==, MASSAGER_RESULT_FAULT_LATCHED);
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add("/sim/firmware/" path, Fixture, NULL, setup, fn, teardown)
        ADD("start", test_start_runs);
        ADD("lease/expiry", test_lease_expiry);
        ADD("lease/expiry-late-advance", test_lease_expiry_late_advance);
        ADD("lease/extend", test_extend_lease);
        ADD("status/ticks", test_ticks);
        ADD("status/idle-silent", test_idle_silent);
        ADD("status/reconnect-quiet", test_reconnect_quiet);
        ADD("link/loss-stops", test_link_loss_stops);
        ADD("link/unpaired-refused", test_unpaired_refused);
        ADD("command/set-output", test_set_output);
        ADD("command/out-of-range", test_out_of_range);
        ADD("command/start-restart", test_start_restart);
        ADD("command/stop", test_stop);
        ADD("command/get-status", test_get_status);
        ADD("command/bad-frames", test_bad_frames);
        ADD("read/status-and-info", test_read_status_and_info);
        ADD("thermal/approach", test_thermal_approach);
        ADD("thermal/cutoff-latches", test_cutoff_trips_and_latches);
        ADD("thermal/cutoff-idle", test_cutoff_idle);
        ADD("fault/sensor", test_sensor_fault);
        ADD("fault/motor-stall", test_motor_stall_clears);
        ADD("battery/rules", test_battery_rules);
        ADD("battery/drain", test_battery_drain);
        ADD("reset/stops-silently", test_reset);
        ADD("reset/hot-relatches", test_reset_hot_relatches);
        return g_test_run();
}
