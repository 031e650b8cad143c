/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * libmassager-protocol: the GATT wire protocol of the massager, version 1.
 *
 * protocol/PROTOCOL.md is the specification; this header is its C form.
 * The codec is pure: no I/O, no allocation, no logging. Decoders take the
 * received bytes and fill caller-owned structures; encoders write into
 * caller-owned buffers. Every function returns a negative errno on failure:
 *
 *   -ENODATA     frame shorter than its header, or than its declared payload
 *   -E2BIG       frame longer than its declared payload, or payload over the maximum
 *   -EBADMSG     CRC mismatch
 *   -EPROTO      protocol version not supported
 *   -EOPNOTSUPP  unknown opcode
 *   -EBADE       payload length wrong for the opcode
 *   -ERANGE      a field outside its allowed range
 *   -EMSGSIZE    (encoders) output buffer too small
 *   -EINVAL      (encoders) invalid argument
 *
 * massager_result_from_errno() maps these to the result code a device
 * answers with, so device and host agree on what went wrong.
 */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define MASSAGER_PROTOCOL_VERSION 1

/* GATT layout (128-bit UUIDs share one base; see PROTOCOL.md §1). */
#define MASSAGER_SERVICE_UUID       "6e2a0001-5a1e-4c6b-9d7a-6d6173736167"
#define MASSAGER_CONTROL_POINT_UUID "6e2a0002-5a1e-4c6b-9d7a-6d6173736167"
#define MASSAGER_STATUS_UUID        "6e2a0003-5a1e-4c6b-9d7a-6d6173736167"
#define MASSAGER_DEVICE_INFO_UUID   "6e2a0004-5a1e-4c6b-9d7a-6d6173736167"
#define BATTERY_SERVICE_UUID        "0000180f-0000-1000-8000-00805f9b34fb"
#define BATTERY_LEVEL_UUID          "00002a19-0000-1000-8000-00805f9b34fb"

/* Frame: version, opcode, seq, payload length, payload, CRC-16 (LE). */
#define MASSAGER_FRAME_HEADER_SIZE  4
#define MASSAGER_FRAME_CRC_SIZE     2
#define MASSAGER_FRAME_OVERHEAD     (MASSAGER_FRAME_HEADER_SIZE + MASSAGER_FRAME_CRC_SIZE)
#define MASSAGER_PAYLOAD_MAX        48
#define MASSAGER_FRAME_MAX          (MASSAGER_FRAME_OVERHEAD + MASSAGER_PAYLOAD_MAX)

/* Device limits that are part of the protocol, not of any one model. */
#define MASSAGER_LEASE_MAX_S        10      /* longest lease a device accepts */
#define MASSAGER_CUTOFF_DECI_C      450     /* thermal cut-off, 45.0 °C, fixed */
#define MASSAGER_RELOCK_DECI_C      380     /* cut-off latch clears below 38.0 °C */
#define MASSAGER_TEMP_NONE          INT16_MIN /* no (plausible) pad temperature reading */
#define MASSAGER_BATTERY_UNKNOWN    0xff
#define MASSAGER_INTENSITY_MAX      10      /* upper bound of any model's intensity scale */
#define MASSAGER_HEAT_LEVELS_MAX    4       /* upper bound of heat levels (0 = off) */
#define MASSAGER_MODEL_MAX          24      /* model name bytes, not NUL-terminated on the wire */

typedef enum MassagerOpcode {
        /* Commands, written to the Control Point (host → device). */
        MASSAGER_OP_SET_OUTPUT    = 0x01,
        MASSAGER_OP_START_SESSION = 0x02,
        MASSAGER_OP_EXTEND_LEASE  = 0x03,
        MASSAGER_OP_STOP          = 0x04,
        MASSAGER_OP_GET_STATUS    = 0x05,
        MASSAGER_OP_CLEAR_FAULTS  = 0x06,
        /* Device → host, on Status (notify/read) and Device Info (read). */
        MASSAGER_OP_STATUS        = 0x40,
        MASSAGER_OP_DEVICE_INFO   = 0x41,
        /* A response is the command's opcode with this bit set. */
        MASSAGER_OP_RESPONSE_BIT  = 0x80,
} MassagerOpcode;

typedef enum MassagerResult {
        MASSAGER_RESULT_OK                  = 0x00,
        MASSAGER_RESULT_UNKNOWN_OPCODE      = 0x01,
        MASSAGER_RESULT_BAD_CRC             = 0x02,
        MASSAGER_RESULT_BAD_LENGTH          = 0x03,
        MASSAGER_RESULT_UNSUPPORTED_VERSION = 0x04,
        MASSAGER_RESULT_OUT_OF_RANGE        = 0x05,
        MASSAGER_RESULT_NOT_RUNNING         = 0x06,
        MASSAGER_RESULT_FAULT_LATCHED       = 0x07,
        MASSAGER_RESULT_LOW_BATTERY         = 0x08,
        _MASSAGER_RESULT_MAX,
} MassagerResult;

typedef enum MassagerPattern {
        MASSAGER_PATTERN_STEADY = 0,    /* constant, gentle */
        MASSAGER_PATTERN_WAVE   = 1,    /* slow swell and ebb, gentle */
        MASSAGER_PATTERN_PULSE  = 2,    /* on/off bursts */
        MASSAGER_PATTERN_KNEAD  = 3,    /* kneading, alternating direction */
        MASSAGER_PATTERN_PRESS  = 4,    /* sustained pressure */
        MASSAGER_PATTERN_TAP    = 5,    /* percussive */
        _MASSAGER_PATTERN_MAX,
} MassagerPattern;

/* Status flags. */
#define MASSAGER_STATUS_RUNNING      (1u << 0)  /* a session is active, motors driven */
#define MASSAGER_STATUS_HEATING      (1u << 1)  /* heating element powered right now */
#define MASSAGER_STATUS_ENCRYPTED    (1u << 2)  /* the link the status went out on is encrypted */

/* Fault flags (latched until CLEAR_FAULTS succeeds, except LOW_BATTERY). */
#define MASSAGER_FAULT_OVERHEAT      (1u << 0)
#define MASSAGER_FAULT_MOTOR_STALL   (1u << 1)
#define MASSAGER_FAULT_LOW_BATTERY   (1u << 2)
#define MASSAGER_FAULT_SENSOR        (1u << 3)  /* temperature reading missing or implausible */
#define MASSAGER_FAULT_ALL           0x0fu

/* Why the device last stopped a session on its own or on command. */
typedef enum MassagerStopCause {
        MASSAGER_STOP_NONE        = 0,
        MASSAGER_STOP_COMMAND     = 1,  /* STOP from the host */
        MASSAGER_STOP_LEASE       = 2,  /* lease ran out */
        MASSAGER_STOP_LINK_LOST   = 3,
        MASSAGER_STOP_OVERHEAT    = 4,
        MASSAGER_STOP_SENSOR      = 5,
        MASSAGER_STOP_MOTOR_STALL = 6,
        MASSAGER_STOP_BATTERY     = 7,
        _MASSAGER_STOP_MAX,
} MassagerStopCause;

typedef struct MassagerOutput {
        uint8_t intensity;      /* 0 … DeviceInfo.intensity_max */
        uint8_t pattern;        /* MassagerPattern, must be in DeviceInfo.patterns */
        uint8_t heat_level;     /* 0 = off … DeviceInfo.heat_levels */
} MassagerOutput;

typedef struct MassagerCommand {
        uint8_t opcode;         /* MassagerOpcode, a command */
        uint8_t seq;
        union {
                MassagerOutput output;          /* SET_OUTPUT */
                struct {
                        uint16_t lease_s;       /* 1 … MASSAGER_LEASE_MAX_S */
                        MassagerOutput output;
                } start;                        /* START_SESSION */
                uint16_t lease_s;               /* EXTEND_LEASE */
        };
} MassagerCommand;

typedef struct MassagerStatus {
        uint8_t flags;          /* MASSAGER_STATUS_* */
        uint8_t intensity;
        uint8_t pattern;
        uint8_t heat_level;
        int16_t temperature;    /* pad temperature, 0.1 °C, or MASSAGER_TEMP_NONE */
        uint16_t lease_ms;      /* lease remaining, 0 when idle */
        uint8_t battery;        /* percent, or MASSAGER_BATTERY_UNKNOWN */
        uint8_t faults;         /* MASSAGER_FAULT_* */
        uint8_t stop_cause;     /* MassagerStopCause of the last stop */
} MassagerStatus;

#define MASSAGER_STATUS_PAYLOAD_SIZE 11

typedef struct MassagerDeviceInfo {
        uint8_t protocol_version;
        uint8_t intensity_max;                          /* 1 … MASSAGER_INTENSITY_MAX */
        uint8_t heat_levels;                            /* 0 (no heater) … MASSAGER_HEAT_LEVELS_MAX */
        uint16_t patterns;                              /* bit n set = MassagerPattern n supported */
        int16_t heat_setpoint[MASSAGER_HEAT_LEVELS_MAX]; /* 0.1 °C per level 1…heat_levels */
        uint8_t fw_major, fw_minor, fw_patch;
        char model[MASSAGER_MODEL_MAX + 1];             /* NUL-terminated after decoding */
} MassagerDeviceInfo;

/* A message from the device: a response to a command, or a status frame. */
typedef struct MassagerMessage {
        uint8_t opcode;         /* MASSAGER_OP_STATUS or a command | MASSAGER_OP_RESPONSE_BIT */
        uint8_t seq;
        uint8_t result;         /* MassagerResult; OK for a status frame */
        MassagerStatus status;
} MassagerMessage;

/* Raw frame view: payload points into the decoded buffer, nothing is copied. */
typedef struct MassagerFrame {
        uint8_t version;
        uint8_t opcode;
        uint8_t seq;
        uint8_t payload_len;
        const uint8_t *payload;
} MassagerFrame;

/* CRC-16/CCITT-FALSE: poly 0x1021, init 0xFFFF, no reflection, xorout 0.
 * Check value over "123456789": 0x29B1. */
uint16_t massager_crc16(const uint8_t *data, size_t len);

/* Frame layer: header, length and CRC checks only. */
int massager_frame_decode(const uint8_t *buf, size_t len, MassagerFrame *ret);
ssize_t massager_frame_encode(uint8_t opcode, uint8_t seq, const uint8_t *payload, size_t payload_len,
                              uint8_t *out, size_t size);

/* Commands (Control Point). Decoding checks structure and the ranges that
 * hold for every model (intensity ≤ MASSAGER_INTENSITY_MAX, known pattern,
 * heat level ≤ MASSAGER_HEAT_LEVELS_MAX, 1 ≤ lease ≤ MASSAGER_LEASE_MAX_S);
 * a device then checks its own capabilities. */
int massager_command_decode(const uint8_t *buf, size_t len, MassagerCommand *ret);
ssize_t massager_command_encode(const MassagerCommand *cmd, uint8_t *out, size_t size);

/* Device messages (Status notifications and reads). */
int massager_message_decode(const uint8_t *buf, size_t len, MassagerMessage *ret);
ssize_t massager_status_encode(const MassagerStatus *status, uint8_t seq, uint8_t *out, size_t size);
ssize_t massager_response_encode(uint8_t command_opcode, uint8_t seq, MassagerResult result,
                                 const MassagerStatus *status, uint8_t *out, size_t size);

/* Device Info (read). */
int massager_device_info_decode(const uint8_t *buf, size_t len, MassagerDeviceInfo *ret);
ssize_t massager_device_info_encode(const MassagerDeviceInfo *info, uint8_t *out, size_t size);

/* Does this device support this output? (-ERANGE if not) */
int massager_output_check(const MassagerDeviceInfo *info, const MassagerOutput *output);

/* The result code a device sends for a decode error, and back. */
MassagerResult massager_result_from_errno(int r);
int massager_result_to_errno(MassagerResult result);

/* Names for logs and the D-Bus API; never NULL ("unknown" for values out of range). */
const char *massager_result_to_string(MassagerResult result);
const char *massager_pattern_to_string(MassagerPattern pattern);
int massager_pattern_from_string(const char *s);        /* -EINVAL if unknown */
const char *massager_stop_cause_to_string(MassagerStopCause cause);
bool massager_opcode_is_command(uint8_t opcode);

/*
 * One table per protocol version: what differs between versions, so that a
 * second version is one table and one decoder (protocol/versions.c). Hosts
 * pick the table by the version the Device Info reports and use it for
 * every frame of that connection.
 */
typedef struct MassagerProtocolOps {
        uint8_t version;
        ssize_t (*encode_command)(const MassagerCommand *cmd, uint8_t *out, size_t size);
        int (*decode_message)(const uint8_t *buf, size_t len, MassagerMessage *ret);
        int (*decode_device_info)(const uint8_t *buf, size_t len, MassagerDeviceInfo *ret);
        /* The opcode of the response to a command. */
        uint8_t (*response_opcode)(uint8_t command_opcode);
} MassagerProtocolOps;

/* The table for a version, or NULL when this host does not speak it. */
const MassagerProtocolOps *massager_protocol_lookup(uint8_t version);
/* The table for the version a Device Info frame reports: the frame's CRC is
 * checked first (a corrupted version byte is corruption, not a device from
 * the future), then -EPROTO when no table speaks its version. The caller
 * then decodes the frame with the table's decode_device_info(). */
int massager_protocol_for_device_info(const uint8_t *buf, size_t len, const MassagerProtocolOps **ret);
