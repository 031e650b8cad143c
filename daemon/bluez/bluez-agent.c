/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Our org.bluez.Agent1 (NoInputNoOutput: Just Works), registered with each
 * bluetoothd we see, so AddDevice can pair without a desktop agent. It
 * accepts only the device being added (bluez_client_set_pairing_address())
 * and devices the client's user knows (callbacks->is_known).
 */
#include <strings.h>

#include "base/log.h"
#include "base/util.h"
#include "bluez-internal.h"

#define AGENT_PATH "/org/massaged1/agent"

static bool agent_accepts(BluezClient *c, const char *device_path) {
        BluezDevice *d = bluez_client_device(c, device_path);
        if (!d)
                return false;
        if (c->pairing_address && strcasecmp(c->pairing_address, d->address) == 0)
                return true;
        return c->cb.is_known && c->cb.is_known(d->address, c->userdata);
}

static int agent_reply_or_reject(sd_bus_message *msg, BluezClient *c, const char *device_path) {
        if (agent_accepts(c, device_path)) {
                log_info("Agent: accepting pairing of %s", device_path);
                return sd_bus_reply_method_return(msg, NULL);
        }
        log_notice("Agent: rejecting pairing of %s, which is not being added", device_path);
        return sd_bus_reply_method_errorf(msg, "org.bluez.Error.Rejected",
                                          "massaged only pairs devices added with AddDevice");
}

static int agent_request_confirmation(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        const char *path;
        uint32_t passkey;
        int r = sd_bus_message_read(msg, "ou", &path, &passkey);
        if (r < 0)
                return r;
        return agent_reply_or_reject(msg, userdata, path);
}

static int agent_request_authorization(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        const char *path;
        int r = sd_bus_message_read(msg, "o", &path);
        if (r < 0)
                return r;
        return agent_reply_or_reject(msg, userdata, path);
}

static int agent_authorize_service(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        const char *path, *uuid;
        int r = sd_bus_message_read(msg, "os", &path, &uuid);
        if (r < 0)
                return r;
        return agent_reply_or_reject(msg, userdata, path);
}

static int agent_no_input(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        /* NoInputNoOutput: we can neither show nor type a code. */
        return sd_bus_reply_method_errorf(msg, "org.bluez.Error.Rejected",
                                          "massaged has no input or output for a PIN or passkey");
}

static int agent_void(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        return sd_bus_reply_method_return(msg, NULL);
}

static const sd_bus_vtable agent_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD("Release", "", "", agent_void, 0),
        SD_BUS_METHOD("RequestPinCode", "o", "s", agent_no_input, 0),
        SD_BUS_METHOD("DisplayPinCode", "os", "", agent_void, 0),
        SD_BUS_METHOD("RequestPasskey", "o", "u", agent_no_input, 0),
        SD_BUS_METHOD("DisplayPasskey", "ouq", "", agent_void, 0),
        SD_BUS_METHOD("RequestConfirmation", "ou", "", agent_request_confirmation, 0),
        SD_BUS_METHOD("RequestAuthorization", "o", "", agent_request_authorization, 0),
        SD_BUS_METHOD("AuthorizeService", "os", "", agent_authorize_service, 0),
        SD_BUS_METHOD("Cancel", "", "", agent_void, 0),
        SD_BUS_VTABLE_END
};

static int append_agent(sd_bus_message *msg, const void *data, size_t size) {
        return sd_bus_message_append(msg, "os", AGENT_PATH, "NoInputNoOutput");
}

static void on_agent_registered(sd_bus_message *reply, const sd_bus_error *error, void *userdata) {
        if (sd_bus_error_is_set(error))
                log_warning("Could not register the pairing agent (%s: %s); AddDevice of an unpaired "
                            "device will need a desktop agent", error->name, error->message);
        else
                log_debug("Pairing agent registered");
}

int bluez_agent_export(BluezClient *c) {
        return sd_bus_add_object_vtable(c->bus, &c->agent_slot, AGENT_PATH, "org.bluez.Agent1", agent_vtable, c);
}

void bluez_agent_register(BluezClient *c) {
        int r = bluez_call(c->bus, &c->agent_call, "/org/bluez", "org.bluez.AgentManager1", "RegisterAgent",
                           BLUEZ_TIMEOUT_SHORT_USEC, append_agent, NULL, 0, on_agent_registered, c);
        if (r < 0)
                log_warning_errno(r, "Could not register the pairing agent: %m");
}
