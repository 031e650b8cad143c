# SPDX-License-Identifier: LGPL-2.1-or-later
"""Protocol v1 frames in Python, for integration tests (include/massager-protocol.h).

A second, independent implementation on purpose: tests that build frames
with it check the C codec and the devices against the written spec, not
against themselves.
"""

import struct

VERSION = 1
LEASE_MAX_S = 10      # MASSAGER_LEASE_MAX_S: the longest lease a device accepts

SERVICE_UUID = "6e2a0001-5a1e-4c6b-9d7a-6d6173736167"
CONTROL_POINT_UUID = "6e2a0002-5a1e-4c6b-9d7a-6d6173736167"
STATUS_UUID = "6e2a0003-5a1e-4c6b-9d7a-6d6173736167"
DEVICE_INFO_UUID = "6e2a0004-5a1e-4c6b-9d7a-6d6173736167"
BATTERY_SERVICE_UUID = "0000180f-0000-1000-8000-00805f9b34fb"
BATTERY_LEVEL_UUID = "00002a19-0000-1000-8000-00805f9b34fb"

OP_SET_OUTPUT, OP_START_SESSION, OP_EXTEND_LEASE, OP_STOP, OP_GET_STATUS, OP_CLEAR_FAULTS = range(1, 7)
OP_STATUS, OP_DEVICE_INFO, RESPONSE_BIT = 0x40, 0x41, 0x80

RESULTS = ["ok", "unknown-opcode", "bad-crc", "bad-length", "unsupported-version", "out-of-range",
           "not-running", "fault-latched", "low-battery"]
PATTERNS = ["steady", "wave", "pulse", "knead", "press", "tap"]
STOP_CAUSES = ["none", "command", "lease-expired", "link-lost", "overheat", "sensor-fault", "motor-stall",
               "battery"]

FLAG_RUNNING, FLAG_HEATING, FLAG_ENCRYPTED = 1, 2, 4
FAULT_OVERHEAT, FAULT_MOTOR_STALL, FAULT_LOW_BATTERY, FAULT_SENSOR = 1, 2, 4, 8
TEMP_NONE = -32768


def crc16(data):
    """CRC-16/CCITT-FALSE (check value 0x29B1 over b"123456789")."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
    return crc


def frame(opcode, seq, payload=b"", version=VERSION):
    body = bytes([version, opcode, seq & 0xFF, len(payload)]) + bytes(payload)
    return body + struct.pack("<H", crc16(body))


def start_session(seq, lease_s, intensity, pattern=0, heat=0):
    return frame(OP_START_SESSION, seq, struct.pack("<HBBB", lease_s, intensity, pattern, heat))


def set_output(seq, intensity, pattern=0, heat=0):
    return frame(OP_SET_OUTPUT, seq, bytes([intensity, pattern, heat]))


def extend_lease(seq, lease_s):
    return frame(OP_EXTEND_LEASE, seq, struct.pack("<H", lease_s))


def stop(seq):
    return frame(OP_STOP, seq)


def get_status(seq):
    return frame(OP_GET_STATUS, seq)


def clear_faults(seq):
    return frame(OP_CLEAR_FAULTS, seq)


def decode(data):
    """Decode a STATUS or response frame into a dict; ValueError if it is not one."""
    data = bytes(data)
    if len(data) < 6:
        raise ValueError("frame of %d bytes is shorter than a header and CRC" % len(data))
    n = data[3]
    if len(data) != 6 + n:
        raise ValueError("frame length %d does not match payload length %d" % (len(data), n))
    if crc16(data[:-2]) != struct.unpack("<H", data[-2:])[0]:
        raise ValueError("bad CRC")
    if data[0] != VERSION:
        raise ValueError("protocol version %d" % data[0])
    opcode, seq, payload = data[1], data[2], data[4:-2]
    result = 0
    if opcode & RESPONSE_BIT:
        if n != 12:
            raise ValueError("response payload of %d bytes" % n)
        result, payload = payload[0], payload[1:]
    elif opcode != OP_STATUS or n != 11:
        raise ValueError("not a status frame: opcode 0x%02x, %d bytes" % (opcode, n))
    flags, intensity, pattern, heat, temp, lease, battery, faults, cause = struct.unpack("<BBBBhHBBB", payload)
    return {
        "opcode": opcode, "seq": seq, "result": RESULTS[result] if result < len(RESULTS) else result,
        "running": bool(flags & FLAG_RUNNING), "heating": bool(flags & FLAG_HEATING),
        "encrypted": bool(flags & FLAG_ENCRYPTED), "intensity": intensity, "pattern": pattern,
        "heat_level": heat, "temperature": None if temp == TEMP_NONE else temp / 10.0, "lease_ms": lease,
        "battery": battery, "faults": faults,
        "stop_cause": STOP_CAUSES[cause] if cause < len(STOP_CAUSES) else cause,
    }


def decode_device_info(data):
    """Decode a DEVICE_INFO frame (payload layout of PROTOCOL.md)."""
    data = bytes(data)
    if len(data) < 6 or crc16(data[:-2]) != struct.unpack("<H", data[-2:])[0] or data[1] != OP_DEVICE_INFO:
        raise ValueError("not a device info frame")
    p = data[4:-2]
    version, imax, levels, patterns = struct.unpack("<BBBH", p[:5])
    setpoints = [x / 10.0 for x in struct.unpack("<4h", p[5:13])[:levels]]
    fw = "%d.%d.%d" % tuple(p[13:16])
    model = p[17:17 + p[16]].decode()
    return {"protocol_version": version, "intensity_max": imax, "heat_levels": levels, "patterns": patterns,
            "setpoints": setpoints, "firmware": fw, "model": model}
