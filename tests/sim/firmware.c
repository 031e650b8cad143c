/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The simulated massager firmware: protocol v1 device behaviour, see firmware.h. */

#include <math.h>
#include <string.h>

#include "firmware.h"
#include "macro.h"

#define SETPOINT_1 380
#define SETPOINT_2 400
#define SETPOINT_3 420
#define SENSOR_MIN_C 0.0
#define SENSOR_MAX_C 80.0
#define BATTERY_START_MIN 10    /* START/SET_OUTPUT refused below */
#define BATTERY_HEAT_MIN 20     /* heat refused below; LOW_BATTERY flag below */
#define BATTERY_CUTOFF 5        /* stops at or below */

static const MassagerDeviceInfo device_info = {
        .protocol_version = MASSAGER_PROTOCOL_VERSION,
        .intensity_max = 10,
        .heat_levels = 3,
        .patterns = (1u << _MASSAGER_PATTERN_MAX) - 1,
        .heat_setpoint = { SETPOINT_1, SETPOINT_2, SETPOINT_3 },
        .fw_major = 1, .fw_minor = 0, .fw_patch = 0,
        .model = "massager-sim NM-1",
};

static bool reading_plausible(const Firmware *fw) {
        return !fw->sensor_missing && fw->temp_c >= SENSOR_MIN_C && fw->temp_c <= SENSOR_MAX_C;
}

int16_t firmware_reading(const Firmware *fw) {
        if (!reading_plausible(fw))
                return MASSAGER_TEMP_NONE;
        return (int16_t) lround(fw->temp_c * 10.0);
}

bool firmware_heater_on(const Firmware *fw) {
        return fw->running && fw->output.heat_level > 0 && !(fw->latched & MASSAGER_FAULT_OVERHEAT);
}

uint32_t firmware_lease_remaining_ms(const Firmware *fw) {
        if (!fw->running || fw->lease_end <= fw->now)
                return 0;
        return (uint32_t) ((fw->lease_end - fw->now) / 1000);
}

static uint8_t battery_percent(const Firmware *fw) {
        return (uint8_t) CLAMP(floor(fw->battery), 0.0, 100.0);
}

void firmware_status(const Firmware *fw, MassagerStatus *ret) {
        uint8_t battery = battery_percent(fw);

        *ret = (MassagerStatus) {
                .flags = (fw->running ? MASSAGER_STATUS_RUNNING : 0) |
                         (firmware_heater_on(fw) ? MASSAGER_STATUS_HEATING : 0) |
                         (fw->connected && fw->encrypted ? MASSAGER_STATUS_ENCRYPTED : 0),
                .intensity = fw->output.intensity,
                .pattern = fw->output.pattern,
                .heat_level = fw->output.heat_level,
                .temperature = firmware_reading(fw),
                .lease_ms = (uint16_t) MIN(firmware_lease_remaining_ms(fw), MASSAGER_LEASE_MAX_S * 1000u),
                .battery = battery,
                .faults = fw->latched | (battery < BATTERY_HEAT_MIN ? MASSAGER_FAULT_LOW_BATTERY : 0),
                .stop_cause = fw->stop_cause,
        };
}

static void send_status(Firmware *fw) {
        uint8_t frame[MASSAGER_FRAME_MAX];
        MassagerStatus s;
        ssize_t n;

        firmware_status(fw, &s);
        fw->last_sent = s;
        if (!fw->connected || !fw->notify)
                return;
        n = massager_status_encode(&s, fw->status_seq++, frame, sizeof(frame));
        if (n > 0)      /* the status we build always encodes */
                fw->notify(fw->userdata, frame, (size_t) n);
}

/* The fields whose change the device announces (not temperature or lease:
 * those go out with the once-a-second tick while running). */
static bool status_changed(const MassagerStatus *a, const MassagerStatus *b) {
        return a->flags != b->flags || a->intensity != b->intensity || a->pattern != b->pattern ||
               a->heat_level != b->heat_level || a->faults != b->faults ||
               a->stop_cause != b->stop_cause || a->battery != b->battery;
}

static void emit_changes(Firmware *fw) {
        MassagerStatus now;
        uint8_t battery = battery_percent(fw);

        firmware_status(fw, &now);
        if (status_changed(&now, &fw->last_sent))
                send_status(fw);
        if (battery != fw->last_battery) {
                fw->last_battery = battery;
                if (fw->connected && fw->battery_changed)
                        fw->battery_changed(fw->userdata, battery);
        }
}

static void stop(Firmware *fw, MassagerStopCause cause) {
        if (fw->running || cause == MASSAGER_STOP_COMMAND)
                fw->stop_cause = cause;
        fw->running = false;
        fw->output.intensity = 0;
        fw->output.heat_level = 0;
        fw->lease_end = 0;
        fw->next_tick = 0;
}

/* Self-protection, checked after every step whatever the host does. */
static void protect(Firmware *fw) {
        if (reading_plausible(fw) && fw->temp_c >= MASSAGER_CUTOFF_DECI_C / 10.0) {
                fw->latched |= MASSAGER_FAULT_OVERHEAT;
                if (fw->running)
                        stop(fw, MASSAGER_STOP_OVERHEAT);
        }
        if (!reading_plausible(fw)) {
                fw->latched |= MASSAGER_FAULT_SENSOR;
                if (fw->running)
                        stop(fw, MASSAGER_STOP_SENSOR);
        }
        if (fw->running && battery_percent(fw) <= BATTERY_CUTOFF)
                stop(fw, MASSAGER_STOP_BATTERY);
}

/* Physics over dt with the heater and motors as they are now. */
static void evolve(Firmware *fw, uint64_t dt_us) {
        double dt = (double) dt_us / FIRMWARE_USEC_PER_SEC;
        double target = fw->cfg.ambient_c;

        if (firmware_heater_on(fw))
                target = fw->info.heat_setpoint[fw->output.heat_level - 1] / 10.0;
        if (fw->cfg.tau_s > 0)
                fw->temp_c = target + (fw->temp_c - target) * exp(-dt / fw->cfg.tau_s);
        else
                fw->temp_c = target;

        if (fw->running) {
                double rate = fw->cfg.drain_pct_per_min / 60.0 * (firmware_heater_on(fw) ? 2.0 : 1.0);
                fw->battery = MAX(0.0, fw->battery - rate * dt);
        }
}

void firmware_advance(Firmware *fw, uint64_t now) {
        while (fw->now < now) {
                uint64_t step_end = now;

                if (fw->running)
                        step_end = MIN(step_end, MIN(fw->lease_end, fw->next_tick));
                evolve(fw, step_end - fw->now);
                fw->now = step_end;

                protect(fw);
                if (fw->running && fw->now >= fw->lease_end)
                        stop(fw, MASSAGER_STOP_LEASE);
                if (fw->running && fw->now >= fw->next_tick) {
                        fw->next_tick += FIRMWARE_USEC_PER_SEC;
                        send_status(fw);
                }
                emit_changes(fw);
        }
        protect(fw);
        emit_changes(fw);
}

uint64_t firmware_next_wakeup(const Firmware *fw) {
        if (!fw->running)
                return FIRMWARE_NEVER;
        return MIN(fw->lease_end, fw->next_tick);
}

void firmware_init(Firmware *fw, const FirmwareConfig *cfg, uint64_t now) {
        *fw = (Firmware) {
                .info = device_info,
                .cfg = *cfg,
                .now = now,
                .temp_c = cfg->ambient_c,
                .battery = MIN(cfg->battery, 100),
        };
        firmware_status(fw, &fw->last_sent);
        fw->last_battery = battery_percent(fw);
}

void firmware_link_up(Firmware *fw, uint64_t now, bool encrypted) {
        firmware_advance(fw, now);
        fw->connected = true;
        fw->encrypted = encrypted;
        /* A new link starts quiet: the host reads Status to learn the state. */
        firmware_status(fw, &fw->last_sent);
        fw->last_battery = battery_percent(fw);
}

void firmware_link_down(Firmware *fw, uint64_t now) {
        firmware_advance(fw, now);
        fw->connected = false;
        fw->encrypted = false;
        if (fw->running)
                stop(fw, MASSAGER_STOP_LINK_LOST);
        firmware_status(fw, &fw->last_sent);
}

void firmware_set_encrypted(Firmware *fw, uint64_t now, bool encrypted) {
        firmware_advance(fw, now);
        fw->encrypted = encrypted;
        emit_changes(fw);
}

static void respond(Firmware *fw, uint8_t opcode, uint8_t seq, MassagerResult result) {
        uint8_t frame[MASSAGER_FRAME_MAX];
        MassagerStatus s;
        ssize_t n;

        firmware_status(fw, &s);
        n = massager_response_encode(opcode & ~MASSAGER_OP_RESPONSE_BIT, seq, result, &s, frame, sizeof(frame));
        if (n > 0 && fw->notify)
                fw->notify(fw->userdata, frame, (size_t) n);
}

static MassagerResult check_output(const Firmware *fw, const MassagerOutput *o) {
        uint8_t battery = battery_percent(fw);

        if (battery < BATTERY_START_MIN)
                return MASSAGER_RESULT_LOW_BATTERY;
        if (massager_output_check(&fw->info, o) < 0)
                return MASSAGER_RESULT_OUT_OF_RANGE;
        if (o->heat_level > 0 && battery < BATTERY_HEAT_MIN)
                return MASSAGER_RESULT_LOW_BATTERY;
        return MASSAGER_RESULT_OK;
}

static MassagerResult clear_faults(Firmware *fw) {
        if ((fw->latched & MASSAGER_FAULT_OVERHEAT) && fw->temp_c < MASSAGER_RELOCK_DECI_C / 10.0)
                fw->latched &= ~MASSAGER_FAULT_OVERHEAT;
        if ((fw->latched & MASSAGER_FAULT_SENSOR) && reading_plausible(fw))
                fw->latched &= ~MASSAGER_FAULT_SENSOR;
        fw->latched &= ~MASSAGER_FAULT_MOTOR_STALL;
        return fw->latched ? MASSAGER_RESULT_FAULT_LATCHED : MASSAGER_RESULT_OK;
}

static MassagerResult execute(Firmware *fw, const MassagerCommand *cmd) {
        MassagerResult r;

        switch ((MassagerOpcode) cmd->opcode) {
        case MASSAGER_OP_START_SESSION:
                if (fw->latched)
                        return MASSAGER_RESULT_FAULT_LATCHED;
                r = check_output(fw, &cmd->start.output);
                if (r != MASSAGER_RESULT_OK)
                        return r;
                if (!fw->running)
                        fw->next_tick = fw->now + FIRMWARE_USEC_PER_SEC;
                fw->running = true;
                fw->output = cmd->start.output;
                fw->lease_end = fw->now + cmd->start.lease_s * FIRMWARE_USEC_PER_SEC;
                return MASSAGER_RESULT_OK;
        case MASSAGER_OP_SET_OUTPUT:
                if (!fw->running)
                        return MASSAGER_RESULT_NOT_RUNNING;
                r = check_output(fw, &cmd->output);
                if (r != MASSAGER_RESULT_OK)
                        return r;
                fw->output = cmd->output;
                return MASSAGER_RESULT_OK;
        case MASSAGER_OP_EXTEND_LEASE:
                if (!fw->running)
                        return MASSAGER_RESULT_NOT_RUNNING;
                fw->lease_end = fw->now + cmd->lease_s * FIRMWARE_USEC_PER_SEC;
                return MASSAGER_RESULT_OK;
        case MASSAGER_OP_STOP:
                stop(fw, MASSAGER_STOP_COMMAND);
                return MASSAGER_RESULT_OK;
        case MASSAGER_OP_GET_STATUS:
                return MASSAGER_RESULT_OK;
        case MASSAGER_OP_CLEAR_FAULTS:
                return clear_faults(fw);
        case MASSAGER_OP_STATUS:
        case MASSAGER_OP_DEVICE_INFO:
        case MASSAGER_OP_RESPONSE_BIT:
                break;
        }
        /* The decoder only lets commands through. */
        return MASSAGER_RESULT_UNKNOWN_OPCODE;
}

int firmware_write(Firmware *fw, uint64_t now, const uint8_t *buf, size_t len) {
        MassagerCommand cmd;
        MassagerResult result;
        int r;

        firmware_advance(fw, now);
        if (!fw->connected)
                return -ENOTCONN;
        if (!fw->encrypted)
                return -EACCES;

        r = massager_command_decode(buf, len, &cmd);
        if (r < 0) {
                /* Echo what can be echoed, so the host can match the answer. */
                if (len >= 3)
                        respond(fw, buf[1] & 0x7f, buf[2], massager_result_from_errno(r));
                else
                        respond(fw, 0, 0, massager_result_from_errno(r));
                return 0;
        }

        result = execute(fw, &cmd);
        protect(fw);
        respond(fw, cmd.opcode, cmd.seq, result);
        emit_changes(fw);
        return 0;
}

ssize_t firmware_read_status(Firmware *fw, uint64_t now, uint8_t *out, size_t size) {
        MassagerStatus s;

        firmware_advance(fw, now);
        firmware_status(fw, &s);
        return massager_status_encode(&s, fw->status_seq++, out, size);
}

ssize_t firmware_read_device_info(const Firmware *fw, uint8_t *out, size_t size) {
        return massager_device_info_encode(&fw->info, out, size);
}

uint8_t firmware_read_battery(Firmware *fw, uint64_t now) {
        firmware_advance(fw, now);
        return battery_percent(fw);
}

void firmware_set_temperature(Firmware *fw, uint64_t now, double celsius) {
        firmware_advance(fw, now);
        fw->temp_c = celsius;
        protect(fw);
        emit_changes(fw);
}

void firmware_set_sensor_missing(Firmware *fw, uint64_t now, bool missing) {
        firmware_advance(fw, now);
        fw->sensor_missing = missing;
        protect(fw);
        emit_changes(fw);
}

void firmware_set_battery(Firmware *fw, uint64_t now, uint8_t percent) {
        firmware_advance(fw, now);
        fw->battery = MIN(percent, 100);
        protect(fw);
        emit_changes(fw);
}

void firmware_motor_stall(Firmware *fw, uint64_t now) {
        firmware_advance(fw, now);
        fw->latched |= MASSAGER_FAULT_MOTOR_STALL;
        if (fw->running)
                stop(fw, MASSAGER_STOP_MOTOR_STALL);
        emit_changes(fw);
}

void firmware_reset(Firmware *fw, uint64_t now) {
        firmware_advance(fw, now);
        fw->running = false;
        fw->output = (MassagerOutput) {};
        fw->lease_end = 0;
        fw->next_tick = 0;
        fw->latched = 0;
        fw->stop_cause = MASSAGER_STOP_NONE;
        fw->status_seq = 0;
        /* Boot is silent: nothing to compare with. A condition still present
         * (a pad still ≥ 45 °C, a missing sensor) latches again at once, and
         * that change is announced. */
        firmware_status(fw, &fw->last_sent);
        fw->last_battery = battery_percent(fw);
        protect(fw);
        emit_changes(fw);
}
