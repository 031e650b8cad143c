/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * org.massaged1.Sim1 of massager-sim --peripheral, at /org/massaged1/sim on
 * the bus the peripheral runs on: the true state of the one local device,
 * with the same keys as the look-alike's GetDeviceState where they apply.
 * "The device" is our adapter: its address is what centrals see.
 */

#include <errno.h>
#include <strings.h>

#include "macro.h"
#include "peripheral.h"

#define SIM_CONTROL_PATH        "/org/massaged1/sim"
#define SIM_CONTROL_INTERFACE   "org.massaged1.Sim1"

static bool is_us(Peripheral *p, sd_bus_message *m, sd_bus_error *error) {
        const char *address;

        if (sd_bus_message_read(m, "s", &address) < 0) {
                sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS, "Expected a device address (s) first");
                return false;
        }
        if (strcasecmp(address, p->address) != 0) {
                sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                  "No simulated device with address '%s'; ListDevices() lists them", address);
                return false;
        }
        return true;
}

static int method_get_device_state(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Peripheral *p = userdata;
        Firmware *fw = &p->firmware;
        MassagerStatus s;
        int r;

        if (!is_us(p, m, error))
                return -EINVAL;
        firmware_advance(fw, peripheral_now(p));
        peripheral_firmware_changed(p);
        firmware_status(fw, &s);

        r = sd_bus_message_new_method_return(m, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_append(reply, "a{sv}", 21,
                                  "address", "s", p->address,
                                  "adapter", "s", p->opt.adapter,
                                  "registered", "b", p->app_registered,
                                  "advertising", "b", p->adv_registered,
                                  "connected", "b", fw->connected,
                                  "links", "u", p->n_links,
                                  "encrypted", "b", fw->encrypted,
                                  "notifying", "b", p->chars[PERIPH_CHAR_STATUS].notifying,
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
                                  "writes", "u", p->writes_received,
                                  "insecure_control_point", "b", p->opt.insecure_control_point);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int method_list_devices(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Peripheral *p = userdata;
        return sd_bus_reply_method_return(m, "as", 1, p->address);
}

static int method_set_temperature(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Peripheral *p = userdata;
        double celsius;
        int r;

        if (!is_us(p, m, error))
                return -EINVAL;
        r = sd_bus_message_read(m, "d", &celsius);
        if (r < 0)
                return r;
        if (!(celsius >= -50.0 && celsius <= 150.0))
                return sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS, "Temperature must be -50…150 °C");
        firmware_set_temperature(&p->firmware, peripheral_now(p), celsius);
        peripheral_firmware_changed(p);
        return sd_bus_reply_method_return(m, NULL);
}

static const sd_bus_vtable control_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD_WITH_ARGS("GetDeviceState", SD_BUS_ARGS("s", address), SD_BUS_RESULT("a{sv}", state),
                                method_get_device_state, 0),
        SD_BUS_METHOD_WITH_ARGS("ListDevices", SD_BUS_NO_ARGS, SD_BUS_RESULT("as", addresses),
                                method_list_devices, 0),
        SD_BUS_METHOD_WITH_ARGS("SetTemperature", SD_BUS_ARGS("s", address, "d", celsius), SD_BUS_NO_RESULT,
                                method_set_temperature, 0),
        SD_BUS_VTABLE_END,
};

int peripheral_control_add(Peripheral *p) {
        return sd_bus_add_object_vtable(p->bus, NULL, SIM_CONTROL_PATH, SIM_CONTROL_INTERFACE, control_vtable, p);
}
