/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of the protocol codec. The golden vectors are the worked
 * examples of protocol/PROTOCOL.md §8, byte for byte: if one changes, the
 * spec and every device speaking it change with it.
 */

#include <glib.h>
#include <string.h>

#include "macro.h"
#include "massager-protocol.h"

typedef struct Vector {
        const char *name;
        uint8_t bytes[MASSAGER_FRAME_MAX];
        size_t len;
} Vector;

#define V(n, ...) { .name = n, .bytes = { __VA_ARGS__ }, .len = sizeof((uint8_t[]) { __VA_ARGS__ }) }

static const Vector start_v = V("start", 0x01, 0x02, 0x01, 0x05, 0x0a, 0x00, 0x01, 0x00, 0x02, 0x4b, 0xd6);
static const Vector set_output_v = V("set-output", 0x01, 0x01, 0x02, 0x03, 0x03, 0x03, 0x01, 0x72, 0xcf);
static const Vector extend_v = V("extend", 0x01, 0x03, 0x03, 0x02, 0x0a, 0x00, 0x15, 0xbf);
static const Vector stop_v = V("stop", 0x01, 0x04, 0x04, 0x00, 0x70, 0xe2);
static const Vector get_status_v = V("get-status", 0x01, 0x05, 0x05, 0x00, 0x71, 0xe6);
static const Vector clear_faults_v = V("clear-faults", 0x01, 0x06, 0x06, 0x00, 0x72, 0xea);
static const Vector resp_start_v = V("response-start", 0x01, 0x82, 0x01, 0x0c, 0x00, 0x07, 0x01, 0x00, 0x02, 0x60,
                                     0x01, 0x1c, 0x25, 0x57, 0x00, 0x00, 0xb3, 0x4e);
static const Vector status_v = V("status", 0x01, 0x40, 0x2a, 0x0b, 0x07, 0x01, 0x00, 0x02, 0x60, 0x01, 0x1c, 0x25,
                                 0x57, 0x00, 0x00, 0x83, 0x99);
static const Vector status_overheat_v = V("status-overheat", 0x01, 0x40, 0x2b, 0x0b, 0x04, 0x00, 0x00, 0x00, 0xc3,
                                          0x01, 0x00, 0x00, 0x50, 0x01, 0x04, 0x2b, 0xab);
static const Vector resp_unknown_v = V("response-unknown", 0x01, 0x97, 0x09, 0x0c, 0x01, 0x04, 0x00, 0x00, 0x00,
                                       0xc3, 0x01, 0x00, 0x00, 0x50, 0x01, 0x04, 0xa2, 0xaa);
static const Vector device_info_v = V("device-info", 0x01, 0x41, 0x00, 0x1c, 0x01, 0x0a, 0x03, 0x3f, 0x00, 0x7c,
                                      0x01, 0x90, 0x01, 0xa4, 0x01, 0x00, 0x00, 0x01, 0x02, 0x03, 0x0b, 0x4e,
                                      0x65, 0x63, 0x6b, 0x45, 0x61, 0x73, 0x65, 0x20, 0x4e, 0x31, 0x9e, 0xf3);

static const MassagerStatus running_status = {
        .flags = MASSAGER_STATUS_RUNNING | MASSAGER_STATUS_HEATING | MASSAGER_STATUS_ENCRYPTED,
        .intensity = 1,
        .pattern = MASSAGER_PATTERN_STEADY,
        .heat_level = 2,
        .temperature = 352,
        .lease_ms = 9500,
        .battery = 87,
};

static const MassagerStatus overheat_status = {
        .flags = MASSAGER_STATUS_ENCRYPTED,
        .temperature = 451,
        .battery = 80,
        .faults = MASSAGER_FAULT_OVERHEAT,
        .stop_cause = MASSAGER_STOP_OVERHEAT,
};

static MassagerDeviceInfo example_info(void) {
        MassagerDeviceInfo d = {
                .protocol_version = 1,
                .intensity_max = 10,
                .heat_levels = 3,
                .patterns = 0x3f,
                .heat_setpoint = { 380, 400, 420, 0 },
                .fw_major = 1, .fw_minor = 2, .fw_patch = 3,
        };
        strcpy(d.model, "NeckEase N1");
        return d;
}

static void assert_bytes(const uint8_t *got, ssize_t n, const Vector *v) {
        g_assert_cmpint(n, ==, (ssize_t) v->len);
        g_assert_cmpmem(got, (size_t) n, v->bytes, v->len);
}

/* ---- CRC ------------------------------------------------------------------ */

static void test_crc_check_value(void) {
        g_assert_cmphex(massager_crc16((const uint8_t *) "123456789", 9), ==, 0x29b1);
        g_assert_cmphex(massager_crc16(NULL, 0), ==, 0xffff);
        g_assert_cmphex(massager_crc16((const uint8_t *) "A", 1), ==, 0xb915);
}

/* The codec computes four bits at a time from a table; the definition is bit by bit. */
static uint16_t crc16_bitwise(const uint8_t *data, size_t len) {
        uint16_t crc = 0xffff;

        for (size_t i = 0; i < len; i++) {
                crc ^= (uint16_t) (data[i] << 8);
                for (int bit = 0; bit < 8; bit++)
                        crc = (crc & 0x8000) ? (uint16_t) ((crc << 1) ^ 0x1021) : (uint16_t) (crc << 1);
        }
        return crc;
}

static void test_crc_matches_bitwise(void) {
        uint8_t buf[256];

        for (size_t i = 0; i < sizeof buf; i++)
                buf[i] = (uint8_t) i;
        /* Every byte value once, then pseudo-random prefixes of every length. */
        g_assert_cmphex(massager_crc16(buf, sizeof buf), ==, crc16_bitwise(buf, sizeof buf));
        for (size_t i = 0; i < sizeof buf; i++)
                buf[i] = (uint8_t) g_test_rand_int_range(0, 256);
        for (size_t n = 0; n <= sizeof buf; n++)
                g_assert_cmphex(massager_crc16(buf, n), ==, crc16_bitwise(buf, n));
}

/* ---- golden vectors: encode → exact bytes, decode → exact fields ---------- */

static void test_command_golden(void) {
        const struct {
                MassagerCommand cmd;
                const Vector *v;
        } table[] = {
                { { .opcode = MASSAGER_OP_START_SESSION, .seq = 1, .start = { 10, { 1, MASSAGER_PATTERN_STEADY, 2 } } }, &start_v },
                { { .opcode = MASSAGER_OP_SET_OUTPUT, .seq = 2, .output = { 3, MASSAGER_PATTERN_KNEAD, 1 } }, &set_output_v },
                { { .opcode = MASSAGER_OP_EXTEND_LEASE, .seq = 3, .lease_s = 10 }, &extend_v },
                { { .opcode = MASSAGER_OP_STOP, .seq = 4 }, &stop_v },
                { { .opcode = MASSAGER_OP_GET_STATUS, .seq = 5 }, &get_status_v },
                { { .opcode = MASSAGER_OP_CLEAR_FAULTS, .seq = 6 }, &clear_faults_v },
        };

        for (size_t i = 0; i < ELEMENTSOF(table); i++) {
                uint8_t out[MASSAGER_FRAME_MAX];
                MassagerCommand back;

                g_test_message("vector %s", table[i].v->name);
                assert_bytes(out, massager_command_encode(&table[i].cmd, out, sizeof(out)), table[i].v);
                g_assert_cmpint(massager_command_decode(table[i].v->bytes, table[i].v->len, &back), ==, 0);
                g_assert_cmpuint(back.opcode, ==, table[i].cmd.opcode);
                g_assert_cmpuint(back.seq, ==, table[i].cmd.seq);
                switch (back.opcode) {
                case MASSAGER_OP_SET_OUTPUT:
                        g_assert_cmpmem(&back.output, sizeof(back.output), &table[i].cmd.output, sizeof(back.output));
                        break;
                case MASSAGER_OP_START_SESSION:
                        g_assert_cmpuint(back.start.lease_s, ==, table[i].cmd.start.lease_s);
                        g_assert_cmpmem(&back.start.output, sizeof(MassagerOutput), &table[i].cmd.start.output,
                                        sizeof(MassagerOutput));
                        break;
                case MASSAGER_OP_EXTEND_LEASE:
                        g_assert_cmpuint(back.lease_s, ==, table[i].cmd.lease_s);
                        break;
                }
        }
}

static void assert_status_equal(const MassagerStatus *a, const MassagerStatus *b) {
        g_assert_cmpuint(a->flags, ==, b->flags);
        g_assert_cmpuint(a->intensity, ==, b->intensity);
        g_assert_cmpuint(a->pattern, ==, b->pattern);
        g_assert_cmpuint(a->heat_level, ==, b->heat_level);
        g_assert_cmpint(a->temperature, ==, b->temperature);
        g_assert_cmpuint(a->lease_ms, ==, b->lease_ms);
        g_assert_cmpuint(a->battery, ==, b->battery);
        g_assert_cmpuint(a->faults, ==, b->faults);
        g_assert_cmpuint(a->stop_cause, ==, b->stop_cause);
}

static void test_message_golden(void) {
        uint8_t out[MASSAGER_FRAME_MAX];
        MassagerMessage m;

        assert_bytes(out, massager_response_encode(MASSAGER_OP_START_SESSION, 1, MASSAGER_RESULT_OK, &running_status,
                                                   out, sizeof(out)), &resp_start_v);
        g_assert_cmpint(massager_message_decode(resp_start_v.bytes, resp_start_v.len, &m), ==, 0);
        g_assert_cmphex(m.opcode, ==, MASSAGER_OP_START_SESSION | MASSAGER_OP_RESPONSE_BIT);
        g_assert_cmpuint(m.seq, ==, 1);
        g_assert_cmpuint(m.result, ==, MASSAGER_RESULT_OK);
        assert_status_equal(&m.status, &running_status);

        assert_bytes(out, massager_status_encode(&running_status, 0x2a, out, sizeof(out)), &status_v);
        g_assert_cmpint(massager_message_decode(status_v.bytes, status_v.len, &m), ==, 0);
        g_assert_cmphex(m.opcode, ==, MASSAGER_OP_STATUS);
        g_assert_cmpuint(m.seq, ==, 0x2a);
        assert_status_equal(&m.status, &running_status);

        assert_bytes(out, massager_status_encode(&overheat_status, 0x2b, out, sizeof(out)), &status_overheat_v);
        g_assert_cmpint(massager_message_decode(status_overheat_v.bytes, status_overheat_v.len, &m), ==, 0);
        assert_status_equal(&m.status, &overheat_status);

        /* A device answers opcodes it does not know, echoing them. */
        assert_bytes(out, massager_response_encode(0x17, 9, MASSAGER_RESULT_UNKNOWN_OPCODE, &overheat_status, out,
                                                   sizeof(out)), &resp_unknown_v);
        g_assert_cmpint(massager_message_decode(resp_unknown_v.bytes, resp_unknown_v.len, &m), ==, 0);
        g_assert_cmphex(m.opcode, ==, 0x97);
        g_assert_cmpuint(m.result, ==, MASSAGER_RESULT_UNKNOWN_OPCODE);
}

static void test_device_info_golden(void) {
        MassagerDeviceInfo d = example_info(), back;
        uint8_t out[MASSAGER_FRAME_MAX];

        assert_bytes(out, massager_device_info_encode(&d, out, sizeof(out)), &device_info_v);
        g_assert_cmpint(massager_device_info_decode(device_info_v.bytes, device_info_v.len, &back), ==, 0);
        g_assert_cmpuint(back.protocol_version, ==, 1);
        g_assert_cmpuint(back.intensity_max, ==, 10);
        g_assert_cmpuint(back.heat_levels, ==, 3);
        g_assert_cmphex(back.patterns, ==, 0x3f);
        g_assert_cmpint(back.heat_setpoint[0], ==, 380);
        g_assert_cmpint(back.heat_setpoint[2], ==, 420);
        g_assert_cmpint(back.heat_setpoint[3], ==, 0);
        g_assert_cmpuint(back.fw_major, ==, 1);
        g_assert_cmpuint(back.fw_patch, ==, 3);
        g_assert_cmpstr(back.model, ==, "NeckEase N1");
}

/* ---- round trips over the whole value space that matters ------------------ */

static void test_command_roundtrip_all(void) {
        unsigned n = 0;

        for (unsigned op = MASSAGER_OP_SET_OUTPUT; op <= MASSAGER_OP_CLEAR_FAULTS; op++)
                for (unsigned i = 0; i <= MASSAGER_INTENSITY_MAX; i++)
                        for (unsigned p = 0; p < _MASSAGER_PATTERN_MAX; p++)
                                for (unsigned h = 0; h <= MASSAGER_HEAT_LEVELS_MAX; h++)
                                        for (unsigned lease = 1; lease <= MASSAGER_LEASE_MAX_S; lease += 3) {
                                                MassagerOutput o = { (uint8_t) i, (uint8_t) p, (uint8_t) h };
                                                MassagerCommand c = { .opcode = (uint8_t) op, .seq = (uint8_t) n }, back;
                                                uint8_t out[MASSAGER_FRAME_MAX];
                                                ssize_t len;

                                                if (op == MASSAGER_OP_SET_OUTPUT)
                                                        c.output = o;
                                                else if (op == MASSAGER_OP_START_SESSION)
                                                        c.start.lease_s = (uint16_t) lease, c.start.output = o;
                                                else if (op == MASSAGER_OP_EXTEND_LEASE)
                                                        c.lease_s = (uint16_t) lease;
                                                len = massager_command_encode(&c, out, sizeof(out));
                                                g_assert_cmpint(len, >, 0);
                                                g_assert_cmpint(massager_command_decode(out, (size_t) len, &back), ==, 0);
                                                g_assert_cmpmem(&back, sizeof(back), &c, sizeof(c));
                                                n++;
                                        }
        g_assert_cmpuint(n, >, 1000);
}

static void test_status_roundtrip(void) {
        for (int t = -400; t <= 900; t += 13) {
                MassagerStatus s = running_status, s2;
                uint8_t out[MASSAGER_FRAME_MAX];
                MassagerMessage m;
                ssize_t len;

                s.temperature = (int16_t) t;
                s.lease_ms = (uint16_t) ((t + 400) * 7 % 10001);
                s.faults = (uint8_t) (t & MASSAGER_FAULT_ALL);
                len = massager_response_encode(MASSAGER_OP_GET_STATUS, (uint8_t) t, MASSAGER_RESULT_OK, &s, out, sizeof(out));
                g_assert_cmpint(len, ==, MASSAGER_FRAME_OVERHEAD + 12);
                g_assert_cmpint(massager_message_decode(out, (size_t) len, &m), ==, 0);
                assert_status_equal(&m.status, &s);

                s2 = s;
                s2.temperature = MASSAGER_TEMP_NONE;
                len = massager_status_encode(&s2, 7, out, sizeof(out));
                g_assert_cmpint(massager_message_decode(out, (size_t) len, &m), ==, 0);
                g_assert_cmpint(m.status.temperature, ==, MASSAGER_TEMP_NONE);
        }
}

/* ---- rejections: each has its own error -------------------------------------- */

static void test_frame_short(void) {
        MassagerFrame f;

        for (size_t len = 0; len < stop_v.len; len++)
                g_assert_cmpint(massager_frame_decode(stop_v.bytes, len, &f), ==, -ENODATA);
        /* Long enough for a header, shorter than its declared payload. */
        for (size_t len = MASSAGER_FRAME_OVERHEAD; len < start_v.len; len++)
                g_assert_cmpint(massager_frame_decode(start_v.bytes, len, &f), ==, -ENODATA);
}

static void test_frame_overlong(void) {
        uint8_t buf[MASSAGER_FRAME_MAX + 8] = {};
        MassagerFrame f;

        /* Trailing byte after a valid frame. */
        memcpy(buf, stop_v.bytes, stop_v.len);
        g_assert_cmpint(massager_frame_decode(buf, stop_v.len + 1, &f), ==, -E2BIG);
        /* Declared payload over the maximum. */
        buf[3] = MASSAGER_PAYLOAD_MAX + 1;
        g_assert_cmpint(massager_frame_decode(buf, sizeof(buf), &f), ==, -E2BIG);
        /* Encoders refuse it too. */
        g_assert_cmpint(massager_frame_encode(0x01, 0, buf, MASSAGER_PAYLOAD_MAX + 1, buf, sizeof(buf)), ==, -E2BIG);
}

static void test_frame_bad_crc(void) {
        MassagerFrame f;

        /* Any single flipped bit anywhere in the frame is caught. */
        for (size_t byte = 0; byte < start_v.len; byte++)
                for (int bit = 0; bit < 8; bit++) {
                        Vector v = start_v;
                        int r;

                        v.bytes[byte] ^= (uint8_t) (1u << bit);
                        r = massager_frame_decode(v.bytes, v.len, &f);
                        if (byte == 3)  /* the length byte: now the size is wrong */
                                g_assert_true(r == -ENODATA || r == -E2BIG);
                        else
                                g_assert_cmpint(r, ==, -EBADMSG);
                }
}

static void test_frame_bad_version(void) {
        uint8_t buf[MASSAGER_FRAME_MAX];
        MassagerFrame f;
        ssize_t n;

        n = massager_frame_encode(MASSAGER_OP_STOP, 1, NULL, 0, buf, sizeof(buf));
        g_assert_cmpint(n, ==, 6);
        buf[0] = 2;
        /* Re-seal so only the version is wrong. */
        buf[4] = (uint8_t) (massager_crc16(buf, 4) & 0xff);
        buf[5] = (uint8_t) (massager_crc16(buf, 4) >> 8);
        g_assert_cmpint(massager_frame_decode(buf, (size_t) n, &f), ==, -EPROTO);
        g_assert_cmpint(massager_command_decode(buf, (size_t) n, &(MassagerCommand) {}), ==, -EPROTO);
}

/* Builds a sealed frame with arbitrary header fields. */
static size_t seal(uint8_t *buf, uint8_t opcode, const uint8_t *payload, uint8_t len) {
        ssize_t n = massager_frame_encode(opcode, 0, payload, len, buf, MASSAGER_FRAME_MAX);
        g_assert_cmpint(n, >, 0);
        return (size_t) n;
}

static void test_command_unknown_opcode(void) {
        uint8_t buf[MASSAGER_FRAME_MAX];
        MassagerCommand c;

        for (unsigned op = 0; op < 256; op++) {
                size_t n = seal(buf, (uint8_t) op, NULL, 0);
                int r = massager_command_decode(buf, n, &c);

                if (massager_opcode_is_command((uint8_t) op))
                        g_assert_true(r == 0 || r == -EBADE);
                else
                        g_assert_cmpint(r, ==, -EOPNOTSUPP);
        }
        /* Device-to-host frames are not commands. */
        g_assert_cmpint(massager_command_decode(status_v.bytes, status_v.len, &c), ==, -EOPNOTSUPP);
        g_assert_cmpint(massager_command_encode(&(MassagerCommand) { .opcode = MASSAGER_OP_STATUS }, buf, sizeof(buf)),
                        ==, -EOPNOTSUPP);
}

static void test_command_wrong_payload_length(void) {
        const uint8_t payload[8] = { 1, 0, 0, 0, 0, 0, 0, 0 };
        uint8_t buf[MASSAGER_FRAME_MAX];
        MassagerCommand c;

        g_assert_cmpint(massager_command_decode(buf, seal(buf, MASSAGER_OP_SET_OUTPUT, payload, 2), &c), ==, -EBADE);
        g_assert_cmpint(massager_command_decode(buf, seal(buf, MASSAGER_OP_SET_OUTPUT, payload, 4), &c), ==, -EBADE);
        g_assert_cmpint(massager_command_decode(buf, seal(buf, MASSAGER_OP_START_SESSION, payload, 4), &c), ==, -EBADE);
        g_assert_cmpint(massager_command_decode(buf, seal(buf, MASSAGER_OP_EXTEND_LEASE, payload, 1), &c), ==, -EBADE);
        g_assert_cmpint(massager_command_decode(buf, seal(buf, MASSAGER_OP_STOP, payload, 1), &c), ==, -EBADE);
        g_assert_cmpint(massager_command_decode(buf, seal(buf, MASSAGER_OP_GET_STATUS, payload, 8), &c), ==, -EBADE);
}

static void test_command_out_of_range(void) {
        const struct {
                uint8_t op;
                uint8_t payload[5];
                uint8_t len;
        } table[] = {
                { MASSAGER_OP_SET_OUTPUT, { 11, 0, 0 }, 3 },                   /* intensity */
                { MASSAGER_OP_SET_OUTPUT, { 1, _MASSAGER_PATTERN_MAX, 0 }, 3 }, /* pattern */
                { MASSAGER_OP_SET_OUTPUT, { 1, 0, 5 }, 3 },                    /* heat level */
                { MASSAGER_OP_START_SESSION, { 0, 0, 1, 0, 0 }, 5 },           /* lease 0 */
                { MASSAGER_OP_START_SESSION, { 11, 0, 1, 0, 0 }, 5 },          /* lease 11 s */
                { MASSAGER_OP_START_SESSION, { 0xff, 0xff, 1, 0, 0 }, 5 },     /* lease 65535 s */
                { MASSAGER_OP_START_SESSION, { 5, 0, 255, 0, 0 }, 5 },         /* intensity */
                { MASSAGER_OP_EXTEND_LEASE, { 0, 0 }, 2 },
                { MASSAGER_OP_EXTEND_LEASE, { 0, 1 }, 2 },                     /* 256 s */
        };

        for (size_t i = 0; i < ELEMENTSOF(table); i++) {
                uint8_t buf[MASSAGER_FRAME_MAX];
                MassagerCommand c;

                g_test_message("row %zu", i);
                g_assert_cmpint(massager_command_decode(buf, seal(buf, table[i].op, table[i].payload, table[i].len), &c),
                                ==, -ERANGE);
        }

        /* The encoder refuses to produce what a decoder would reject. */
        uint8_t out[MASSAGER_FRAME_MAX];
        g_assert_cmpint(massager_command_encode(&(MassagerCommand) { .opcode = MASSAGER_OP_EXTEND_LEASE, .lease_s = 11 },
                                                out, sizeof(out)), ==, -ERANGE);
        g_assert_cmpint(massager_command_encode(&(MassagerCommand) { .opcode = MASSAGER_OP_SET_OUTPUT, .output = { 12, 0, 0 } },
                                                out, sizeof(out)), ==, -ERANGE);
}

static void test_message_rejections(void) {
        uint8_t payload[12] = {}, buf[MASSAGER_FRAME_MAX];
        MassagerMessage m;

        /* Status with the wrong size. */
        g_assert_cmpint(massager_message_decode(buf, seal(buf, MASSAGER_OP_STATUS, payload, 10), &m), ==, -EBADE);
        g_assert_cmpint(massager_message_decode(buf, seal(buf, MASSAGER_OP_STATUS, payload, 12), &m), ==, -EBADE);
        /* Response with the wrong size, and with a result code we do not know. */
        g_assert_cmpint(massager_message_decode(buf, seal(buf, 0x84, payload, 11), &m), ==, -EBADE);
        payload[0] = _MASSAGER_RESULT_MAX;
        g_assert_cmpint(massager_message_decode(buf, seal(buf, 0x84, payload, 12), &m), ==, -ERANGE);
        payload[0] = 0;
        /* Commands and device info are not messages. */
        g_assert_cmpint(massager_message_decode(stop_v.bytes, stop_v.len, &m), ==, -EOPNOTSUPP);
        g_assert_cmpint(massager_message_decode(device_info_v.bytes, device_info_v.len, &m), ==, -EOPNOTSUPP);

        /* Each status field out of range. */
        const struct {
                size_t offset;
                uint8_t value;
        } bad[] = {
                { 0, 0x08 },    /* unknown flag */
                { 1, 11 },      /* intensity */
                { 2, 6 },       /* pattern */
                { 3, 5 },       /* heat level */
                { 7, 0x28 },    /* lease 10240 ms */
                { 8, 101 },     /* battery */
                { 9, 0x10 },    /* unknown fault */
                { 10, 8 },      /* stop cause */
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                uint8_t p[MASSAGER_STATUS_PAYLOAD_SIZE] = {};

                p[bad[i].offset] = bad[i].value;
                g_test_message("status offset %zu", bad[i].offset);
                g_assert_cmpint(massager_message_decode(buf, seal(buf, MASSAGER_OP_STATUS, p, sizeof(p)), &m), ==, -ERANGE);
        }
        /* Battery 0xff means unknown and is valid. */
        uint8_t p[MASSAGER_STATUS_PAYLOAD_SIZE] = {};
        p[8] = MASSAGER_BATTERY_UNKNOWN;
        g_assert_cmpint(massager_message_decode(buf, seal(buf, MASSAGER_OP_STATUS, p, sizeof(p)), &m), ==, 0);
        g_assert_cmpuint(m.status.battery, ==, MASSAGER_BATTERY_UNKNOWN);
}

static void test_device_info_rejections(void) {
        MassagerDeviceInfo back;
        uint8_t buf[MASSAGER_FRAME_MAX];
        /* Mutations applied to the payload bytes of the golden vector. */
        const struct {
                const char *what;
                size_t offset;          /* in the payload */
                uint8_t value;
                int expected;
        } bad[] = {
                { "intensity_max 0", 1, 0, -ERANGE },
                { "intensity_max 11", 1, 11, -ERANGE },
                { "heat_levels 5", 2, 5, -ERANGE },
                { "no patterns", 3, 0, -ERANGE },
                { "unknown pattern bit", 4, 0x01, -ERANGE },
                { "setpoint not rising", 7, 0x7c, -ERANGE },    /* level 2 = 38.0 °C, as level 1 */
                { "setpoint at cut-off", 9, 0xc2, -ERANGE },    /* level 3 = 45.0 °C */
                { "unused level not zero", 11, 1, -ERANGE },
                { "model length past payload", 16, 12, -EBADE },
                { "model not printable", 17, 0x07, -ERANGE },
        };
        /* Unmutated, the payload decodes: each rejection below is the mutation's. */
        g_assert_cmpint(massager_device_info_decode(buf, seal(buf, MASSAGER_OP_DEVICE_INFO, device_info_v.bytes + 4,
                                                              (uint8_t) (device_info_v.len - MASSAGER_FRAME_OVERHEAD)), &back), ==, 0);
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                uint8_t payload[MASSAGER_PAYLOAD_MAX];
                size_t len = device_info_v.len - MASSAGER_FRAME_OVERHEAD;

                memcpy(payload, device_info_v.bytes + MASSAGER_FRAME_HEADER_SIZE, len);
                payload[bad[i].offset] = bad[i].value;
                g_test_message("device info: %s", bad[i].what);
                g_assert_cmpint(massager_device_info_decode(buf, seal(buf, MASSAGER_OP_DEVICE_INFO, payload, (uint8_t) len), &back),
                                ==, bad[i].expected);
        }
        /* Too short for the fixed part; a non-zero seq; the wrong opcode. */
        g_assert_cmpint(massager_device_info_decode(buf, seal(buf, MASSAGER_OP_DEVICE_INFO, device_info_v.bytes + 4, 16), &back),
                        ==, -EBADE);
        {
                Vector v = device_info_v;
                v.bytes[2] = 1;
                uint16_t crc = massager_crc16(v.bytes, v.len - 2);
                v.bytes[v.len - 2] = (uint8_t) crc, v.bytes[v.len - 1] = (uint8_t) (crc >> 8);
                g_assert_cmpint(massager_device_info_decode(v.bytes, v.len, &back), ==, -ERANGE);
        }
        g_assert_cmpint(massager_device_info_decode(status_v.bytes, status_v.len, &back), ==, -EOPNOTSUPP);
}

static void test_encode_small_buffer(void) {
        MassagerDeviceInfo d = example_info();
        uint8_t out[MASSAGER_FRAME_MAX];

        g_assert_cmpint(massager_command_encode(&(MassagerCommand) { .opcode = MASSAGER_OP_STOP }, out, 5), ==, -EMSGSIZE);
        g_assert_cmpint(massager_status_encode(&running_status, 0, out, 16), ==, -EMSGSIZE);
        g_assert_cmpint(massager_device_info_encode(&d, out, device_info_v.len - 1), ==, -EMSGSIZE);
        g_assert_cmpint(massager_response_encode(0x80, 0, MASSAGER_RESULT_OK, &running_status, out, sizeof(out)), ==, -EINVAL);
}

static void test_output_check(void) {
        MassagerDeviceInfo d = example_info();

        d.patterns = (1u << MASSAGER_PATTERN_STEADY) | (1u << MASSAGER_PATTERN_WAVE);
        d.intensity_max = 8;
        g_assert_cmpint(massager_output_check(&d, &(MassagerOutput) { 8, MASSAGER_PATTERN_WAVE, 3 }), ==, 0);
        g_assert_cmpint(massager_output_check(&d, &(MassagerOutput) { 9, MASSAGER_PATTERN_WAVE, 0 }), ==, -ERANGE);
        g_assert_cmpint(massager_output_check(&d, &(MassagerOutput) { 1, MASSAGER_PATTERN_KNEAD, 0 }), ==, -ERANGE);
        g_assert_cmpint(massager_output_check(&d, &(MassagerOutput) { 1, MASSAGER_PATTERN_STEADY, 4 }), ==, -ERANGE);
        g_assert_cmpint(massager_output_check(&d, &(MassagerOutput) { 1, 200, 0 }), ==, -ERANGE);
}

static void test_result_mapping(void) {
        const struct {
                int err;
                MassagerResult result;
        } table[] = {
                { 0, MASSAGER_RESULT_OK },
                { -EOPNOTSUPP, MASSAGER_RESULT_UNKNOWN_OPCODE },
                { -EBADMSG, MASSAGER_RESULT_BAD_CRC },
                { -ENODATA, MASSAGER_RESULT_BAD_LENGTH },
                { -E2BIG, MASSAGER_RESULT_BAD_LENGTH },
                { -EBADE, MASSAGER_RESULT_BAD_LENGTH },
                { -EPROTO, MASSAGER_RESULT_UNSUPPORTED_VERSION },
                { -ERANGE, MASSAGER_RESULT_OUT_OF_RANGE },
        };

        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                g_assert_cmpint(massager_result_from_errno(table[i].err), ==, table[i].result);
        for (int r = 0; r < _MASSAGER_RESULT_MAX; r++) {
                g_assert_cmpint(massager_result_to_errno((MassagerResult) r), <=, 0);
                g_assert_cmpstr(massager_result_to_string((MassagerResult) r), !=, "unknown");
        }
        g_assert_cmpint(massager_result_to_errno(MASSAGER_RESULT_OK), ==, 0);
        g_assert_cmpstr(massager_result_to_string(_MASSAGER_RESULT_MAX), ==, "unknown");
}

static void test_names(void) {
        for (int p = 0; p < _MASSAGER_PATTERN_MAX; p++)
                g_assert_cmpint(massager_pattern_from_string(massager_pattern_to_string((MassagerPattern) p)), ==, p);
        g_assert_cmpint(massager_pattern_from_string("shiatsu"), ==, -EINVAL);
        g_assert_cmpint(massager_pattern_from_string(NULL), ==, -EINVAL);
        g_assert_cmpstr(massager_pattern_to_string(99), ==, "unknown");
        g_assert_cmpstr(massager_stop_cause_to_string(MASSAGER_STOP_LEASE), ==, "lease-expired");
        g_assert_cmpstr(massager_stop_cause_to_string(_MASSAGER_STOP_MAX), ==, "unknown");
}

/* The decoders only read [buf, buf+len): a frame at the very end of a
 * buffer must decode without touching the byte after it (ASan checks). */
static void test_no_overread(void) {
        const Vector *vs[] = { &start_v, &status_v, &device_info_v };

        for (size_t i = 0; i < ELEMENTSOF(vs); i++) {
                g_autofree uint8_t *exact = g_memdup2(vs[i]->bytes, vs[i]->len);
                MassagerCommand c;
                MassagerMessage m;
                MassagerDeviceInfo d;

                (void) massager_command_decode(exact, vs[i]->len, &c);
                (void) massager_message_decode(exact, vs[i]->len, &m);
                (void) massager_device_info_decode(exact, vs[i]->len, &d);
                for (size_t len = 0; len < vs[i]->len; len++) {
                        g_autofree uint8_t *cut = g_memdup2(vs[i]->bytes, len);
                        g_assert_cmpint(massager_message_decode(cut, len, &m), <, 0);
                }
        }
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/protocol/crc/check-value", test_crc_check_value);
        g_test_add_func("/protocol/crc/matches-bitwise", test_crc_matches_bitwise);
        g_test_add_func("/protocol/golden/commands", test_command_golden);
        g_test_add_func("/protocol/golden/messages", test_message_golden);
        g_test_add_func("/protocol/golden/device-info", test_device_info_golden);
        g_test_add_func("/protocol/roundtrip/commands", test_command_roundtrip_all);
        g_test_add_func("/protocol/roundtrip/status", test_status_roundtrip);
        g_test_add_func("/protocol/decode/short", test_frame_short);
        g_test_add_func("/protocol/decode/overlong", test_frame_overlong);
        g_test_add_func("/protocol/decode/bad-crc", test_frame_bad_crc);
        g_test_add_func("/protocol/decode/unsupported-version", test_frame_bad_version);
        g_test_add_func("/protocol/decode/unknown-opcode", test_command_unknown_opcode);
        g_test_add_func("/protocol/decode/wrong-payload-length", test_command_wrong_payload_length);
        g_test_add_func("/protocol/decode/out-of-range", test_command_out_of_range);
        g_test_add_func("/protocol/decode/message-rejections", test_message_rejections);
        g_test_add_func("/protocol/decode/device-info-rejections", test_device_info_rejections);
        g_test_add_func("/protocol/decode/no-overread", test_no_overread);
        g_test_add_func("/protocol/encode/small-buffer", test_encode_small_buffer);
        g_test_add_func("/protocol/capabilities/output-check", test_output_check);
        g_test_add_func("/protocol/names/results", test_result_mapping);
        g_test_add_func("/protocol/names/patterns-and-causes", test_names);
        return g_test_run();
}
