/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * org.massaged1.Sim1 at /org/massaged1/sim: the tests' side door. The true
 * device state (what the motors and the heater really do) and fault
 * injection. Documented method by method in tests/sim/README.md.
 */

#include <errno.h>
#include <math.h>

#include "macro.h"
#include "sim.h"

#define MAX_DELAY_MS (10u * 60u * 1000u)

static SimDevice *find(Sim *sim, sd_bus_message *m, sd_bus_error *error) {
        const char *address;
        SimDevice *d;

        if (sd_bus_message_read(m, "s", &address) < 0) {
                sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS, "Expected a device address (s) first");
                return NULL;
        }
        d = sim_find_device(sim, address);
        if (!d)
                sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                  "No simulated device with address '%s'; ListDevices() lists them", address);
        return d;
}

#define FIND_OR_FAIL(d)                                         \
        SimDevice *d = find(userdata, m, error);                \
        if (!d)                                                 \
                return -EINVAL

static int method_get_device_state(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        FIND_OR_FAIL(d);
        Firmware *fw = &d->firmware;
        MassagerStatus s;
        int r;

        firmware_advance(fw, sim_now(d->sim));
        sim_device_firmware_changed(d);
        firmware_status(fw, &s);

        r = sd_bus_message_new_method_return(m, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_append(reply, "a{sv}", 23,
                                  "address", "s", d->address,
                                  "path", "o", d->path,
                                  "exported", "b", d->exported,
                                  "connected", "b", d->link == SIM_LINK_CONNECTED,
                                  "connected_property", "b", d->connected_visible,
                                  "services_resolved", "b", d->services_resolved,
                                  "paired", "b", d->paired,
                                  "in_range", "b", !d->out_of_range,
                                  "notifying", "b", sim_device_is_notifying(d, SIM_CHAR_STATUS),
                                  "running", "b", fw->running,
                                  "intensity", "y", fw->output.intensity,
                                  "pattern", "s", massager_pattern_to_string(fw->output.pattern),
                                  "heat_level", "y", fw->output.heat_level,
                                  "heater_on", "b", firmware_heater_on(fw),
                                  "temperature", "d", fw->temp_c,
                                  "sensor_ok", "b", firmware_reading(fw) != MASSAGER_TEMP_NONE,
                                  "lease_remaining", "u", firmware_lease_remaining_ms(fw),
                                  "battery", "y", s.battery,
                                  "faults", "u", (uint32_t) s.faults,
                                  "stop_cause", "s", massager_stop_cause_to_string(fw->stop_cause),
                                  "writes", "u", d->writes_received,
                                  "fail_writes", "u", d->fail_writes,
                                  "delay_writes", "u", d->delay_writes);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int method_get_adapter_state(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Sim *sim = userdata;
        uint32_t agents = 0;

        for (SimAgent *a = sim->agents; a; a = a->next)
                agents++;
        return sd_bus_reply_method_return(m, "a{sv}", 7,
                                          "bluez_up", "b", sim_bluez_up(sim),
                                          "powered", "b", sim->powered,
                                          "discovering", "b", sim->discovering,
                                          "scan_pending", "b", sim->scan_timer != NULL,
                                          "discovery_clients", "u",
                                          sim->discovery_clients ? (uint32_t) sd_bus_track_count(sim->discovery_clients) : 0u,
                                          "agents", "u", agents,
                                          "default_agent", "s", sim->default_agent ? sim->default_agent->path : "");
}

static int method_list_devices(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Sim *sim = userdata;
        int r;

        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "s");
        for (SimDevice *d = sim->devices; d && r >= 0; d = d->next)
                r = sd_bus_message_append(reply, "s", d->address);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int method_add_device(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Sim *sim = userdata;
        const char *address, *name;
        SimDevice *d;
        int paired, r;

        r = sd_bus_message_read(m, "ssb", &address, &name, &paired);
        if (r < 0)
                return r;
        r = sim_add_device(sim, address, name, paired, &d);
        if (r == -EINVAL)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "Invalid address '%s': use the form AA:BB:CC:DD:EE:FF, or \"\" for a new one",
                                         address);
        if (r == -EEXIST)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "A device '%s' exists already", address);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(m, "s", d->address);
}

static int method_remove_device(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        FIND_OR_FAIL(d);
        (void) sim_remove_device(userdata, d);
        return sd_bus_reply_method_return(m, NULL);
}

static int method_drop_link(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        FIND_OR_FAIL(d);
        if (d->link == SIM_LINK_DISCONNECTED)
                return sd_bus_error_setf(error, SD_BUS_ERROR_FAILED, "%s is not connected", d->address);
        sim_device_link_lost(d, "injected link loss");
        return sd_bus_reply_method_return(m, NULL);
}

static int method_fail_writes(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        FIND_OR_FAIL(d);
        uint32_t n;
        int r = sd_bus_message_read(m, "u", &n);
        if (r < 0)
                return r;
        d->fail_writes = n;
        return sd_bus_reply_method_return(m, NULL);
}

static int method_delay_writes(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        FIND_OR_FAIL(d);
        uint32_t n, ms;
        int r = sd_bus_message_read(m, "uu", &n, &ms);
        if (r < 0)
                return r;
        if (ms > MAX_DELAY_MS)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Delay %u ms is over the maximum %u ms",
                                         ms, MAX_DELAY_MS);
        d->delay_writes = n;
        d->write_delay_us = (uint64_t) ms * 1000u;
        return sd_bus_reply_method_return(m, NULL);
}

static int method_send_notification(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        FIND_OR_FAIL(d);
        const void *value;
        size_t len;
        int r = sd_bus_message_read_array(m, 'y', &value, &len);
        if (r < 0)
                return r;
        if (len > MASSAGER_FRAME_MAX + 16)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "At most %u bytes fit a notification",
                                         MASSAGER_FRAME_MAX + 16);
        if (!sim_device_is_notifying(d, SIM_CHAR_STATUS))
                return sd_bus_error_setf(error, SD_BUS_ERROR_FAILED,
                                         "%s: nobody has notifications on Status enabled; call StartNotify first",
                                         d->address);
        sim_device_notify_raw(d, SIM_CHAR_STATUS, value, len);
        return sd_bus_reply_method_return(m, NULL);
}

static int method_mangle_notifications(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        FIND_OR_FAIL(d);
        const char *how;
        uint32_t n;
        int r = sd_bus_message_read(m, "su", &how, &n);
        if (r < 0)
                return r;
        if (strcmp(how, "truncate") == 0)
                d->mangle = SIM_MANGLE_TRUNCATE;
        else if (strcmp(how, "garbage") == 0)
                d->mangle = SIM_MANGLE_GARBAGE;
        else
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "Unknown mangling '%s': use \"truncate\" or \"garbage\"", how);
        d->mangle_count = n;
        if (n == 0)
                d->mangle = SIM_MANGLE_NONE;
        return sd_bus_reply_method_return(m, NULL);
}

static int method_set_temperature(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        FIND_OR_FAIL(d);
        double c;
        int r = sd_bus_message_read(m, "d", &c);
        if (r < 0)
                return r;
        if (!isfinite(c) || c < -50.0 || c > 150.0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "Temperature %g °C is outside the physical range -50…150 °C", c);
        firmware_set_temperature(&d->firmware, sim_now(d->sim), c);
        sim_device_firmware_changed(d);
        return sd_bus_reply_method_return(m, NULL);
}

static int method_force_overheat(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        FIND_OR_FAIL(d);
        /* A runaway element: the pad jumps past the cut-off. */
        firmware_set_temperature(&d->firmware, sim_now(d->sim), MASSAGER_CUTOFF_DECI_C / 10.0 + 1.0);
        sim_device_firmware_changed(d);
        return sd_bus_reply_method_return(m, NULL);
}

static int method_set_sensor_missing(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        FIND_OR_FAIL(d);
        int missing;
        int r = sd_bus_message_read(m, "b", &missing);
        if (r < 0)
                return r;
        firmware_set_sensor_missing(&d->firmware, sim_now(d->sim), missing);
        sim_device_firmware_changed(d);
        return sd_bus_reply_method_return(m, NULL);
}

static int method_set_battery(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        FIND_OR_FAIL(d);
        uint8_t pct;
        int r = sd_bus_message_read(m, "y", &pct);
        if (r < 0)
                return r;
        if (pct > 100)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Battery %u %% is over 100 %%", pct);
        firmware_set_battery(&d->firmware, sim_now(d->sim), pct);
        sim_device_firmware_changed(d);
        return sd_bus_reply_method_return(m, NULL);
}

static int method_motor_stall(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        FIND_OR_FAIL(d);
        firmware_motor_stall(&d->firmware, sim_now(d->sim));
        sim_device_firmware_changed(d);
        return sd_bus_reply_method_return(m, NULL);
}

static int method_reset_device(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        FIND_OR_FAIL(d);
        firmware_reset(&d->firmware, sim_now(d->sim));
        sim_device_firmware_changed(d);
        return sd_bus_reply_method_return(m, NULL);
}

static int method_get_command_log(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        FIND_OR_FAIL(d);
        int r;

        r = sd_bus_message_new_method_return(m, &reply);
        if (r < 0)
                return r;
        r = sim_command_log_append(d, reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int method_set_resolve_delay(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        FIND_OR_FAIL(d);
        uint32_t ms;
        int r = sd_bus_message_read(m, "u", &ms);
        if (r < 0)
                return r;
        if (ms > MAX_DELAY_MS)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Delay %u ms is over the maximum %u ms",
                                         ms, MAX_DELAY_MS);
        d->resolve_delay_us = (uint64_t) ms * 1000u;
        return sd_bus_reply_method_return(m, NULL);
}

static int method_set_connected_race(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        FIND_OR_FAIL(d);
        int enabled;
        int r = sd_bus_message_read(m, "b", &enabled);
        if (r < 0)
                return r;
        d->connected_race = enabled;
        return sd_bus_reply_method_return(m, NULL);
}

static int method_set_refuse_pairing(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        FIND_OR_FAIL(d);
        int refuse;
        int r = sd_bus_message_read(m, "b", &refuse);
        if (r < 0)
                return r;
        d->refuse_pairing = refuse;
        return sd_bus_reply_method_return(m, NULL);
}

static int method_set_in_range(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        FIND_OR_FAIL(d);
        int in_range;
        int r = sd_bus_message_read(m, "b", &in_range);
        if (r < 0)
                return r;
        d->out_of_range = !in_range;
        if (!in_range)
                sim_device_link_lost(d, "out of range");       /* supervision timeout */
        else if (d->sim->discovering)
                adapter_device_in_range(d->sim, d);
        return sd_bus_reply_method_return(m, NULL);
}

static int method_restart_bluez(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Sim *sim = userdata;
        uint32_t ms;
        int r;

        r = sd_bus_message_read(m, "u", &ms);
        if (r < 0)
                return r;
        if (ms > MAX_DELAY_MS)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Down time %u ms is over the maximum %u ms",
                                         ms, MAX_DELAY_MS);
        r = sim_restart_bluez(sim, (uint64_t) ms * 1000u);
        if (r == -EALREADY)
                return sd_bus_error_set(error, SD_BUS_ERROR_FAILED, "bluetoothd is already restarting");
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(m, NULL);
}

static const sd_bus_vtable control_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD_WITH_ARGS("GetDeviceState", SD_BUS_ARGS("s", address), SD_BUS_RESULT("a{sv}", state),
                                method_get_device_state, 0),
        SD_BUS_METHOD_WITH_ARGS("GetAdapterState", SD_BUS_NO_ARGS, SD_BUS_RESULT("a{sv}", state),
                                method_get_adapter_state, 0),
        SD_BUS_METHOD_WITH_ARGS("ListDevices", SD_BUS_NO_ARGS, SD_BUS_RESULT("as", addresses),
                                method_list_devices, 0),
        SD_BUS_METHOD_WITH_ARGS("AddDevice", SD_BUS_ARGS("s", address, "s", name, "b", paired),
                                SD_BUS_RESULT("s", address), method_add_device, 0),
        SD_BUS_METHOD_WITH_ARGS("RemoveDevice", SD_BUS_ARGS("s", address), SD_BUS_NO_RESULT,
                                method_remove_device, 0),
        SD_BUS_METHOD_WITH_ARGS("DropLink", SD_BUS_ARGS("s", address), SD_BUS_NO_RESULT, method_drop_link, 0),
        SD_BUS_METHOD_WITH_ARGS("FailWrites", SD_BUS_ARGS("s", address, "u", count), SD_BUS_NO_RESULT,
                                method_fail_writes, 0),
        SD_BUS_METHOD_WITH_ARGS("DelayWrites", SD_BUS_ARGS("s", address, "u", count, "u", delay_ms),
                                SD_BUS_NO_RESULT, method_delay_writes, 0),
        SD_BUS_METHOD_WITH_ARGS("SendNotification", SD_BUS_ARGS("s", address, "ay", value), SD_BUS_NO_RESULT,
                                method_send_notification, 0),
        SD_BUS_METHOD_WITH_ARGS("MangleNotifications", SD_BUS_ARGS("s", address, "s", how, "u", count),
                                SD_BUS_NO_RESULT, method_mangle_notifications, 0),
        SD_BUS_METHOD_WITH_ARGS("ForceOverheat", SD_BUS_ARGS("s", address), SD_BUS_NO_RESULT,
                                method_force_overheat, 0),
        SD_BUS_METHOD_WITH_ARGS("SetTemperature", SD_BUS_ARGS("s", address, "d", celsius), SD_BUS_NO_RESULT,
                                method_set_temperature, 0),
        SD_BUS_METHOD_WITH_ARGS("SetSensorMissing", SD_BUS_ARGS("s", address, "b", missing), SD_BUS_NO_RESULT,
                                method_set_sensor_missing, 0),
        SD_BUS_METHOD_WITH_ARGS("SetBattery", SD_BUS_ARGS("s", address, "y", percent), SD_BUS_NO_RESULT,
                                method_set_battery, 0),
        SD_BUS_METHOD_WITH_ARGS("MotorStall", SD_BUS_ARGS("s", address), SD_BUS_NO_RESULT, method_motor_stall, 0),
        SD_BUS_METHOD_WITH_ARGS("ResetDevice", SD_BUS_ARGS("s", address), SD_BUS_NO_RESULT, method_reset_device, 0),
        SD_BUS_METHOD_WITH_ARGS("GetCommandLog", SD_BUS_ARGS("s", address), SD_BUS_RESULT("a(tay)", commands),
                                method_get_command_log, 0),
        SD_BUS_METHOD_WITH_ARGS("SetResolveDelay", SD_BUS_ARGS("s", address, "u", delay_ms), SD_BUS_NO_RESULT,
                                method_set_resolve_delay, 0),
        SD_BUS_METHOD_WITH_ARGS("SetConnectedRace", SD_BUS_ARGS("s", address, "b", enabled), SD_BUS_NO_RESULT,
                                method_set_connected_race, 0),
        SD_BUS_METHOD_WITH_ARGS("SetInRange", SD_BUS_ARGS("s", address, "b", in_range), SD_BUS_NO_RESULT,
                                method_set_in_range, 0),
        SD_BUS_METHOD_WITH_ARGS("SetRefusePairing", SD_BUS_ARGS("s", address, "b", refuse), SD_BUS_NO_RESULT,
                                method_set_refuse_pairing, 0),
        SD_BUS_METHOD_WITH_ARGS("RestartBluez", SD_BUS_ARGS("u", down_ms), SD_BUS_NO_RESULT,
                                method_restart_bluez, 0),
        SD_BUS_VTABLE_END,
};

int control_bus_register(Sim *sim, sd_bus *bus) {
        return sd_bus_add_object_vtable(bus, NULL, SIM_CONTROL_PATH, SIM_CONTROL_INTERFACE, control_vtable, sim);
}
