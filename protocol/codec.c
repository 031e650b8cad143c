/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The massager GATT protocol codec (protocol/PROTOCOL.md). Pure: it reads and
 * writes caller-owned buffers only, so the daemon, the simulator and the
 * fuzzers all run exactly this code.
 */

#include <string.h>

#include "massager-protocol.h"

/* ---- byte order ----------------------------------------------------------- */

static uint16_t get_le16(const uint8_t *p) {
        return (uint16_t) (p[0] | (p[1] << 8));
}

static void put_le16(uint8_t *p, uint16_t v) {
        p[0] = (uint8_t) (v & 0xff);
        p[1] = (uint8_t) (v >> 8);
}

/* ---- CRC ------------------------------------------------------------------ */

/* CRC-16/CCITT-FALSE (poly 0x1021, init 0xffff), four bits at a time:
 * crc16_nibble[i] is the register after shifting i (the top four bits) out.
 * Every frame is checked once on the way in and out: bit by bit this was
 * 1 200 of a Stop()'s instructions (doc/performance.md, round 2). */
static const uint16_t crc16_nibble[16] = {
        0x0000, 0x1021, 0x2042, 0x3063, 0x4084, 0x50a5, 0x60c6, 0x70e7,
        0x8108, 0x9129, 0xa14a, 0xb16b, 0xc18c, 0xd1ad, 0xe1ce, 0xf1ef,
};

uint16_t massager_crc16(const uint8_t *data, size_t len) {
        uint16_t crc = 0xffff;

        for (size_t i = 0; i < len; i++) {
                crc ^= (uint16_t) (data[i] << 8);
                crc = (uint16_t) ((crc << 4) ^ crc16_nibble[crc >> 12]);
                crc = (uint16_t) ((crc << 4) ^ crc16_nibble[crc >> 12]);
        }
        return crc;
}

/* ---- frames --------------------------------------------------------------- */

int massager_frame_decode(const uint8_t *buf, size_t len, MassagerFrame *ret) {
        size_t payload_len, frame_len;

        if (!buf || !ret)
                return -EINVAL;
        if (len < MASSAGER_FRAME_OVERHEAD)
                return -ENODATA;

        payload_len = buf[3];
        if (payload_len > MASSAGER_PAYLOAD_MAX)
                return -E2BIG;
        frame_len = MASSAGER_FRAME_OVERHEAD + payload_len;
        if (len < frame_len)
                return -ENODATA;
        if (len > frame_len)
                return -E2BIG;

        /* The CRC is checked before the version: a corrupted version byte is
         * corruption, not a device from the future. */
        if (massager_crc16(buf, frame_len - MASSAGER_FRAME_CRC_SIZE) != get_le16(buf + frame_len - MASSAGER_FRAME_CRC_SIZE))
                return -EBADMSG;
        if (buf[0] != MASSAGER_PROTOCOL_VERSION)
                return -EPROTO;

        *ret = (MassagerFrame) {
                .version = buf[0],
                .opcode = buf[1],
                .seq = buf[2],
                .payload_len = (uint8_t) payload_len,
                .payload = buf + MASSAGER_FRAME_HEADER_SIZE,
        };
        return 0;
}

ssize_t massager_frame_encode(uint8_t opcode, uint8_t seq, const uint8_t *payload, size_t payload_len,
                              uint8_t *out, size_t size) {
        size_t frame_len = MASSAGER_FRAME_OVERHEAD + payload_len;

        if (!out || (payload_len > 0 && !payload))
                return -EINVAL;
        if (payload_len > MASSAGER_PAYLOAD_MAX)
                return -E2BIG;
        if (size < frame_len)
                return -EMSGSIZE;

        out[0] = MASSAGER_PROTOCOL_VERSION;
        out[1] = opcode;
        out[2] = seq;
        out[3] = (uint8_t) payload_len;
        if (payload_len > 0)
                memmove(out + MASSAGER_FRAME_HEADER_SIZE, payload, payload_len);
        put_le16(out + MASSAGER_FRAME_HEADER_SIZE + payload_len,
                 massager_crc16(out, MASSAGER_FRAME_HEADER_SIZE + payload_len));
        return (ssize_t) frame_len;
}

/* ---- commands ------------------------------------------------------------- */

bool massager_opcode_is_command(uint8_t opcode) {
        switch (opcode) {
        case MASSAGER_OP_SET_OUTPUT:
        case MASSAGER_OP_START_SESSION:
        case MASSAGER_OP_EXTEND_LEASE:
        case MASSAGER_OP_STOP:
        case MASSAGER_OP_GET_STATUS:
        case MASSAGER_OP_CLEAR_FAULTS:
                return true;
        }
        return false;
}

/* Payload length of each command, or -1 for an opcode that is not one. */
static int command_payload_len(uint8_t opcode) {
        switch (opcode) {
        case MASSAGER_OP_SET_OUTPUT:
                return 3;
        case MASSAGER_OP_START_SESSION:
                return 5;
        case MASSAGER_OP_EXTEND_LEASE:
                return 2;
        case MASSAGER_OP_STOP:
        case MASSAGER_OP_GET_STATUS:
        case MASSAGER_OP_CLEAR_FAULTS:
                return 0;
        }
        return -1;
}

/* Ranges that hold for every model; a device narrows them by its DeviceInfo. */
static int output_check_generic(const MassagerOutput *o) {
        if (o->intensity > MASSAGER_INTENSITY_MAX)
                return -ERANGE;
        if (o->pattern >= _MASSAGER_PATTERN_MAX)
                return -ERANGE;
        if (o->heat_level > MASSAGER_HEAT_LEVELS_MAX)
                return -ERANGE;
        return 0;
}

static int lease_check(uint16_t lease_s) {
        return lease_s >= 1 && lease_s <= MASSAGER_LEASE_MAX_S ? 0 : -ERANGE;
}

static void output_get(const uint8_t *p, MassagerOutput *o) {
        o->intensity = p[0];
        o->pattern = p[1];
        o->heat_level = p[2];
}

static void output_put(uint8_t *p, const MassagerOutput *o) {
        p[0] = o->intensity;
        p[1] = o->pattern;
        p[2] = o->heat_level;
}

int massager_command_decode(const uint8_t *buf, size_t len, MassagerCommand *ret) {
        MassagerFrame f;
        MassagerCommand cmd = {};
        int r, expected;

        if (!ret)
                return -EINVAL;
        r = massager_frame_decode(buf, len, &f);
        if (r < 0)
                return r;

        expected = command_payload_len(f.opcode);
        if (expected < 0)
                return -EOPNOTSUPP;
        if (f.payload_len != expected)
                return -EBADE;

        cmd.opcode = f.opcode;
        cmd.seq = f.seq;
        switch ((MassagerOpcode) f.opcode) {
        case MASSAGER_OP_SET_OUTPUT:
                output_get(f.payload, &cmd.output);
                r = output_check_generic(&cmd.output);
                break;
        case MASSAGER_OP_START_SESSION:
                cmd.start.lease_s = get_le16(f.payload);
                output_get(f.payload + 2, &cmd.start.output);
                r = lease_check(cmd.start.lease_s);
                if (r >= 0)
                        r = output_check_generic(&cmd.start.output);
                break;
        case MASSAGER_OP_EXTEND_LEASE:
                cmd.lease_s = get_le16(f.payload);
                r = lease_check(cmd.lease_s);
                break;
        case MASSAGER_OP_STOP:
        case MASSAGER_OP_GET_STATUS:
        case MASSAGER_OP_CLEAR_FAULTS:
                r = 0;
                break;
        case MASSAGER_OP_STATUS:
        case MASSAGER_OP_DEVICE_INFO:
        case MASSAGER_OP_RESPONSE_BIT:
                return -EOPNOTSUPP;     /* unreachable: command_payload_len() filtered these */
        }
        if (r < 0)
                return r;

        *ret = cmd;
        return 0;
}

ssize_t massager_command_encode(const MassagerCommand *cmd, uint8_t *out, size_t size) {
        uint8_t payload[5];
        int len;

        if (!cmd)
                return -EINVAL;
        len = command_payload_len(cmd->opcode);
        if (len < 0)
                return -EOPNOTSUPP;

        /* Encoders refuse what decoders would reject, so a host never sends
         * a frame it knows is invalid. */
        switch ((MassagerOpcode) cmd->opcode) {
        case MASSAGER_OP_SET_OUTPUT:
                if (output_check_generic(&cmd->output) < 0)
                        return -ERANGE;
                output_put(payload, &cmd->output);
                break;
        case MASSAGER_OP_START_SESSION:
                if (lease_check(cmd->start.lease_s) < 0 || output_check_generic(&cmd->start.output) < 0)
                        return -ERANGE;
                put_le16(payload, cmd->start.lease_s);
                output_put(payload + 2, &cmd->start.output);
                break;
        case MASSAGER_OP_EXTEND_LEASE:
                if (lease_check(cmd->lease_s) < 0)
                        return -ERANGE;
                put_le16(payload, cmd->lease_s);
                break;
        case MASSAGER_OP_STOP:
        case MASSAGER_OP_GET_STATUS:
        case MASSAGER_OP_CLEAR_FAULTS:
                break;
        case MASSAGER_OP_STATUS:
        case MASSAGER_OP_DEVICE_INFO:
        case MASSAGER_OP_RESPONSE_BIT:
                return -EOPNOTSUPP;
        }
        return massager_frame_encode(cmd->opcode, cmd->seq, payload, (size_t) len, out, size);
}

/* ---- status and responses ------------------------------------------------- */

static int status_check(const MassagerStatus *s) {
        if (s->flags & ~(MASSAGER_STATUS_RUNNING | MASSAGER_STATUS_HEATING | MASSAGER_STATUS_ENCRYPTED))
                return -ERANGE;
        if (s->intensity > MASSAGER_INTENSITY_MAX || s->pattern >= _MASSAGER_PATTERN_MAX ||
            s->heat_level > MASSAGER_HEAT_LEVELS_MAX)
                return -ERANGE;
        if (s->lease_ms > MASSAGER_LEASE_MAX_S * 1000)
                return -ERANGE;
        if (s->battery > 100 && s->battery != MASSAGER_BATTERY_UNKNOWN)
                return -ERANGE;
        if (s->faults & ~MASSAGER_FAULT_ALL)
                return -ERANGE;
        if (s->stop_cause >= _MASSAGER_STOP_MAX)
                return -ERANGE;
        return 0;
}

static void status_get(const uint8_t *p, MassagerStatus *s) {
        *s = (MassagerStatus) {
                .flags = p[0],
                .intensity = p[1],
                .pattern = p[2],
                .heat_level = p[3],
                .temperature = (int16_t) get_le16(p + 4),
                .lease_ms = get_le16(p + 6),
                .battery = p[8],
                .faults = p[9],
                .stop_cause = p[10],
        };
}

static void status_put(uint8_t *p, const MassagerStatus *s) {
        p[0] = s->flags;
        p[1] = s->intensity;
        p[2] = s->pattern;
        p[3] = s->heat_level;
        put_le16(p + 4, (uint16_t) s->temperature);
        put_le16(p + 6, s->lease_ms);
        p[8] = s->battery;
        p[9] = s->faults;
        p[10] = s->stop_cause;
}

int massager_message_decode(const uint8_t *buf, size_t len, MassagerMessage *ret) {
        MassagerFrame f;
        MassagerMessage msg = {};
        int r;

        if (!ret)
                return -EINVAL;
        r = massager_frame_decode(buf, len, &f);
        if (r < 0)
                return r;

        msg.opcode = f.opcode;
        msg.seq = f.seq;
        if (f.opcode == MASSAGER_OP_STATUS) {
                if (f.payload_len != MASSAGER_STATUS_PAYLOAD_SIZE)
                        return -EBADE;
                msg.result = MASSAGER_RESULT_OK;
                status_get(f.payload, &msg.status);
        } else if (f.opcode & MASSAGER_OP_RESPONSE_BIT) {
                /* Any opcode with the response bit: a device also answers
                 * opcodes it does not know (UNKNOWN_OPCODE), echoing them. */
                if (f.payload_len != 1 + MASSAGER_STATUS_PAYLOAD_SIZE)
                        return -EBADE;
                msg.result = f.payload[0];
                if (msg.result >= _MASSAGER_RESULT_MAX)
                        return -ERANGE;
                status_get(f.payload + 1, &msg.status);
        } else
                return -EOPNOTSUPP;

        r = status_check(&msg.status);
        if (r < 0)
                return r;

        *ret = msg;
        return 0;
}

ssize_t massager_status_encode(const MassagerStatus *status, uint8_t seq, uint8_t *out, size_t size) {
        uint8_t payload[MASSAGER_STATUS_PAYLOAD_SIZE];

        if (!status)
                return -EINVAL;
        if (status_check(status) < 0)
                return -ERANGE;
        status_put(payload, status);
        return massager_frame_encode(MASSAGER_OP_STATUS, seq, payload, sizeof(payload), out, size);
}

ssize_t massager_response_encode(uint8_t command_opcode, uint8_t seq, MassagerResult result,
                                 const MassagerStatus *status, uint8_t *out, size_t size) {
        uint8_t payload[1 + MASSAGER_STATUS_PAYLOAD_SIZE];

        if (!status)
                return -EINVAL;
        /* A device answers even unknown opcodes (result UNKNOWN_OPCODE), so
         * any 7-bit opcode may be echoed; only the response bit is ours. */
        if (command_opcode & MASSAGER_OP_RESPONSE_BIT)
                return -EINVAL;
        if ((unsigned) result >= _MASSAGER_RESULT_MAX || status_check(status) < 0)
                return -ERANGE;
        payload[0] = (uint8_t) result;
        status_put(payload + 1, status);
        return massager_frame_encode(command_opcode | MASSAGER_OP_RESPONSE_BIT, seq, payload, sizeof(payload),
                                     out, size);
}

/* ---- device info ---------------------------------------------------------- */

/* protocol_version, intensity_max, heat_levels, patterns (2), setpoints
 * (2 × MASSAGER_HEAT_LEVELS_MAX), fw (3), model length (1), then the model. */
#define DEVICE_INFO_FIXED_SIZE (1 + 1 + 1 + 2 + 2 * MASSAGER_HEAT_LEVELS_MAX + 3 + 1)

static int device_info_check(const MassagerDeviceInfo *info) {
        if (info->intensity_max < 1 || info->intensity_max > MASSAGER_INTENSITY_MAX)
                return -ERANGE;
        if (info->heat_levels > MASSAGER_HEAT_LEVELS_MAX)
                return -ERANGE;
        if (info->patterns == 0 || (info->patterns >> _MASSAGER_PATTERN_MAX) != 0)
                return -ERANGE;
        for (unsigned i = info->heat_levels; i < MASSAGER_HEAT_LEVELS_MAX; i++)
                if (info->heat_setpoint[i] != 0)
                        return -ERANGE;         /* unused levels are zero on the wire */
        for (unsigned i = 0; i < info->heat_levels; i++) {
                /* Setpoints rise with the level and stay below the cut-off. */
                if (info->heat_setpoint[i] <= 0 || info->heat_setpoint[i] >= MASSAGER_CUTOFF_DECI_C)
                        return -ERANGE;
                if (i > 0 && info->heat_setpoint[i] <= info->heat_setpoint[i - 1])
                        return -ERANGE;
        }
        return 0;
}

int massager_device_info_decode(const uint8_t *buf, size_t len, MassagerDeviceInfo *ret) {
        MassagerFrame f;
        MassagerDeviceInfo info = {};
        const uint8_t *p;
        size_t model_len;
        int r;

        if (!ret)
                return -EINVAL;
        r = massager_frame_decode(buf, len, &f);
        if (r < 0)
                return r;
        if (f.opcode != MASSAGER_OP_DEVICE_INFO)
                return -EOPNOTSUPP;
        if (f.seq != 0)
                return -ERANGE;         /* a read, not an answer: always sequence 0 */
        if (f.payload_len < DEVICE_INFO_FIXED_SIZE)
                return -EBADE;

        p = f.payload;
        info.protocol_version = *p++;
        info.intensity_max = *p++;
        info.heat_levels = *p++;
        info.patterns = get_le16(p), p += 2;
        for (unsigned i = 0; i < MASSAGER_HEAT_LEVELS_MAX; i++, p += 2)
                info.heat_setpoint[i] = (int16_t) get_le16(p);
        info.fw_major = *p++;
        info.fw_minor = *p++;
        info.fw_patch = *p++;
        model_len = *p++;
        if (model_len > MASSAGER_MODEL_MAX || f.payload_len != DEVICE_INFO_FIXED_SIZE + model_len)
                return -EBADE;
        for (size_t i = 0; i < model_len; i++) {
                /* Printable ASCII only: the name ends up in logs and on the bus. */
                if (p[i] < 0x20 || p[i] > 0x7e)
                        return -ERANGE;
                info.model[i] = (char) p[i];
        }
        info.model[model_len] = '\0';

        r = device_info_check(&info);
        if (r < 0)
                return r;
        *ret = info;
        return 0;
}

ssize_t massager_device_info_encode(const MassagerDeviceInfo *info, uint8_t *out, size_t size) {
        uint8_t payload[DEVICE_INFO_FIXED_SIZE + MASSAGER_MODEL_MAX];
        uint8_t *p = payload;
        size_t model_len;

        if (!info)
                return -EINVAL;
        model_len = strnlen(info->model, sizeof(info->model));
        if (model_len > MASSAGER_MODEL_MAX || device_info_check(info) < 0)
                return -ERANGE;

        *p++ = info->protocol_version;
        *p++ = info->intensity_max;
        *p++ = info->heat_levels;
        put_le16(p, info->patterns), p += 2;
        for (unsigned i = 0; i < MASSAGER_HEAT_LEVELS_MAX; i++, p += 2)
                put_le16(p, (uint16_t) info->heat_setpoint[i]);
        *p++ = info->fw_major;
        *p++ = info->fw_minor;
        *p++ = info->fw_patch;
        *p++ = (uint8_t) model_len;
        memcpy(p, info->model, model_len);
        return massager_frame_encode(MASSAGER_OP_DEVICE_INFO, 0, payload, DEVICE_INFO_FIXED_SIZE + model_len,
                                     out, size);
}

int massager_output_check(const MassagerDeviceInfo *info, const MassagerOutput *output) {
        if (!info || !output)
                return -EINVAL;
        if (output->intensity > info->intensity_max)
                return -ERANGE;
        if (output->pattern >= _MASSAGER_PATTERN_MAX || !(info->patterns & (1u << output->pattern)))
                return -ERANGE;
        if (output->heat_level > info->heat_levels)
                return -ERANGE;
        return 0;
}

/* ---- result codes and names ----------------------------------------------- */

MassagerResult massager_result_from_errno(int r) {
        switch (r < 0 ? -r : r) {
        case 0:
                return MASSAGER_RESULT_OK;
        case EOPNOTSUPP:
                return MASSAGER_RESULT_UNKNOWN_OPCODE;
        case EBADMSG:
                return MASSAGER_RESULT_BAD_CRC;
        case EPROTO:
                return MASSAGER_RESULT_UNSUPPORTED_VERSION;
        case ERANGE:
                return MASSAGER_RESULT_OUT_OF_RANGE;
        case ENODATA:
        case E2BIG:
        case EBADE:
        default:
                return MASSAGER_RESULT_BAD_LENGTH;
        }
}

int massager_result_to_errno(MassagerResult result) {
        switch (result) {
        case MASSAGER_RESULT_OK:
                return 0;
        case MASSAGER_RESULT_UNKNOWN_OPCODE:
                return -EOPNOTSUPP;
        case MASSAGER_RESULT_BAD_CRC:
                return -EBADMSG;
        case MASSAGER_RESULT_BAD_LENGTH:
                return -EBADE;
        case MASSAGER_RESULT_UNSUPPORTED_VERSION:
                return -EPROTO;
        case MASSAGER_RESULT_OUT_OF_RANGE:
                return -ERANGE;
        case MASSAGER_RESULT_NOT_RUNNING:
                return -ESRCH;
        case MASSAGER_RESULT_FAULT_LATCHED:
                return -EHOSTDOWN;
        case MASSAGER_RESULT_LOW_BATTERY:
                return -ENOSPC;
        case _MASSAGER_RESULT_MAX:
                break;
        }
        return -EIO;
}

static const char *const result_names[_MASSAGER_RESULT_MAX] = {
        [MASSAGER_RESULT_OK] = "ok",
        [MASSAGER_RESULT_UNKNOWN_OPCODE] = "unknown-opcode",
        [MASSAGER_RESULT_BAD_CRC] = "bad-crc",
        [MASSAGER_RESULT_BAD_LENGTH] = "bad-length",
        [MASSAGER_RESULT_UNSUPPORTED_VERSION] = "unsupported-version",
        [MASSAGER_RESULT_OUT_OF_RANGE] = "out-of-range",
        [MASSAGER_RESULT_NOT_RUNNING] = "not-running",
        [MASSAGER_RESULT_FAULT_LATCHED] = "fault-latched",
        [MASSAGER_RESULT_LOW_BATTERY] = "low-battery",
};

static const char *const pattern_names[_MASSAGER_PATTERN_MAX] = {
        [MASSAGER_PATTERN_STEADY] = "steady",
        [MASSAGER_PATTERN_WAVE] = "wave",
        [MASSAGER_PATTERN_PULSE] = "pulse",
        [MASSAGER_PATTERN_KNEAD] = "knead",
        [MASSAGER_PATTERN_PRESS] = "press",
        [MASSAGER_PATTERN_TAP] = "tap",
};

static const char *const stop_cause_names[_MASSAGER_STOP_MAX] = {
        [MASSAGER_STOP_NONE] = "none",
        [MASSAGER_STOP_COMMAND] = "command",
        [MASSAGER_STOP_LEASE] = "lease-expired",
        [MASSAGER_STOP_LINK_LOST] = "link-lost",
        [MASSAGER_STOP_OVERHEAT] = "overheat",
        [MASSAGER_STOP_SENSOR] = "sensor-fault",
        [MASSAGER_STOP_MOTOR_STALL] = "motor-stall",
        [MASSAGER_STOP_BATTERY] = "battery",
};

const char *massager_result_to_string(MassagerResult result) {
        return (unsigned) result < _MASSAGER_RESULT_MAX ? result_names[result] : "unknown";
}

const char *massager_pattern_to_string(MassagerPattern pattern) {
        return (unsigned) pattern < _MASSAGER_PATTERN_MAX ? pattern_names[pattern] : "unknown";
}

int massager_pattern_from_string(const char *s) {
        if (!s)
                return -EINVAL;
        for (int i = 0; i < _MASSAGER_PATTERN_MAX; i++)
                if (strcmp(s, pattern_names[i]) == 0)
                        return i;
        return -EINVAL;
}

const char *massager_stop_cause_to_string(MassagerStopCause cause) {
        return (unsigned) cause < _MASSAGER_STOP_MAX ? stop_cause_names[cause] : "unknown";
}
