/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * org.bluez.Agent1 of massager-sim --peripheral: the massager's side of a
 * Just Works pairing. A real massager accepts it in its firmware; with one
 * bluetoothd for both ends (tests/vm/), bluetoothd instead asks its default
 * agent to authorize the pairing a central starts with our adapter. Without
 * this agent that question would go to the central's agent (massaged's only
 * accepts devices it is adding, so pairing would fail for a reason no real
 * massager has). It answers for devices of our adapter only.
 */

#include <stdio.h>
#include <string.h>

#include "bluez-error.h"
#include "peripheral.h"

#define PERIPH_AGENT_PATH "/org/massaged1/sim_agent"   /* not under the GATT application */

static int accept_or_reject(sd_bus_message *m, Peripheral *p) {
        const char *device = NULL;
        size_t n = strlen(p->adapter_path);

        (void) sd_bus_message_read(m, "o", &device);
        if (device && strncmp(device, p->adapter_path, n) == 0 && device[n] == '/') {
                peripheral_log(p, "agent: %s of %s accepted (Just Works)", sd_bus_message_get_member(m), device);
                return sd_bus_reply_method_return(m, NULL);
        }
        peripheral_log(p, "agent: %s of %s rejected: not a central of %s", sd_bus_message_get_member(m),
                       device ?: "?", p->opt.adapter);
        return sd_bus_reply_method_errorf(m, "org.bluez.Error.Rejected",
                                          "massager-sim answers only for centrals of %s", p->opt.adapter);
}

static int method_authorize(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        return accept_or_reject(m, userdata);
}

static int method_no_input(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        return sd_bus_error_set(error, "org.bluez.Error.Rejected", "A massager has no keyboard: Just Works only");
}

static int method_void(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        return sd_bus_reply_method_return(m, NULL);
}

static const sd_bus_vtable agent_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD("Release", "", "", method_void, 0),
        SD_BUS_METHOD("RequestPinCode", "o", "s", method_no_input, 0),
        SD_BUS_METHOD("DisplayPinCode", "os", "", method_void, 0),
        SD_BUS_METHOD("RequestPasskey", "o", "u", method_no_input, 0),
        SD_BUS_METHOD("DisplayPasskey", "ouq", "", method_void, 0),
        SD_BUS_METHOD("RequestConfirmation", "ou", "", method_authorize, 0),
        SD_BUS_METHOD("RequestAuthorization", "o", "", method_authorize, 0),
        SD_BUS_METHOD("AuthorizeService", "os", "", method_authorize, 0),
        SD_BUS_METHOD("Cancel", "", "", method_void, 0),
        SD_BUS_VTABLE_END
};

static int on_agent_call(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Peripheral *p = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(reply);

        if (e)
                (void) fprintf(stderr, "massager-sim: registering the pairing agent failed (%s: %s); "
                               "pairing will ask the central's agent instead\n", e->name, e->message);
        else
                peripheral_log(p, "pairing agent registered");
        return 0;
}

/* Registered as bluetoothd's default agent: that is the one it asks about a
 * pairing nobody on our side started. */
int peripheral_agent_add(Peripheral *p) {
        int r;

        r = sd_bus_add_object_vtable(p->bus, NULL, PERIPH_AGENT_PATH, "org.bluez.Agent1", agent_vtable, p);
        if (r >= 0)
                r = sd_bus_call_method_async(p->bus, NULL, "org.bluez", "/org/bluez", "org.bluez.AgentManager1",
                                             "RegisterAgent", on_agent_call, p, "os", PERIPH_AGENT_PATH,
                                             "NoInputNoOutput");
        if (r >= 0)
                r = sd_bus_call_method_async(p->bus, NULL, "org.bluez", "/org/bluez", "org.bluez.AgentManager1",
                                             "RequestDefaultAgent", on_agent_call, p, "o", PERIPH_AGENT_PATH);
        return r;
}
