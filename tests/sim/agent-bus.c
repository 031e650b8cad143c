/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * org.bluez.AgentManager1 at /org/bluez: agents are registered, made
 * default and dropped when their owner leaves the bus, with bluetoothd's
 * checks and errors. The sim never calls an agent: the massager pairs
 * "Just Works" and bluetoothd, as the initiator of such a pairing, lets
 * the kernel accept it without asking the agent (see README.md).
 */

#include <errno.h>

#include "bluez-error.h"
#include "macro.h"
#include "sim.h"

static const char *const capabilities[] = {
        "", "DisplayOnly", "DisplayYesNo", "KeyboardOnly", "NoInputNoOutput", "KeyboardDisplay",
};

static SimAgent *agent_free(SimAgent *a) {
        if (!a)
                return NULL;
        free(a->owner);
        free(a->path);
        free(a->capability);
        free(a);
        return NULL;
}

static SimAgent *agent_find(Sim *sim, const char *owner) {
        for (SimAgent *a = sim->agents; a; a = a->next)
                if (strcmp(a->owner, owner) == 0)
                        return a;
        return NULL;
}

static void agent_remove(Sim *sim, SimAgent *agent) {
        for (SimAgent **p = &sim->agents; *p; p = &(*p)->next)
                if (*p == agent) {
                        *p = agent->next;
                        if (sim->default_agent == agent)
                                sim->default_agent = NULL;
                        agent_free(agent);
                        return;
                }
}

void agent_forget_all(Sim *sim) {
        while (sim->agents)
                agent_remove(sim, sim->agents);
}

/* Agents whose owner left the bus are gone, as in bluetoothd. */
static int on_owner_changed(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Sim *sim = userdata;
        const char *name, *old_owner, *new_owner;
        SimAgent *a;

        if (sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner) < 0 || *new_owner)
                return 0;
        while ((a = agent_find(sim, name)))
                agent_remove(sim, a);
        return 0;
}

static int method_register_agent(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Sim *sim = userdata;
        const char *path, *capability, *sender = sd_bus_message_get_sender(m);
        bool known = false;
        SimAgent *a;
        int r;

        r = sd_bus_message_read(m, "os", &path, &capability);
        if (r < 0)
                return bluez_error(error, BLUEZ_ERROR_INVALID_ARGUMENTS, "Invalid arguments in method call");
        for (size_t i = 0; i < ELEMENTSOF(capabilities); i++)
                known = known || strcmp(capability, capabilities[i]) == 0;
        if (!known)
                return bluez_error(error, BLUEZ_ERROR_INVALID_ARGUMENTS, "Invalid arguments in method call");
        if (!sender || agent_find(sim, sender))
                return bluez_error(error, BLUEZ_ERROR_ALREADY_EXISTS, "Already Exists");

        a = calloc(1, sizeof(*a));
        if (!a || !(a->owner = strdup(sender)) || !(a->path = strdup(path)) ||
            !(a->capability = strdup(*capability ? capability : "KeyboardDisplay"))) {
                agent_free(a);
                return -ENOMEM;
        }
        a->next = sim->agents;
        sim->agents = a;
        sim_log(sim, "agent %s%s registered (%s)", sender, path, a->capability);
        return sd_bus_reply_method_return(m, NULL);
}

static int method_unregister_agent(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Sim *sim = userdata;
        const char *path;
        SimAgent *a;
        int r;

        r = sd_bus_message_read(m, "o", &path);
        if (r < 0)
                return bluez_error(error, BLUEZ_ERROR_INVALID_ARGUMENTS, "Invalid arguments in method call");
        a = agent_find(sim, sd_bus_message_get_sender(m));
        if (!a || strcmp(a->path, path) != 0)
                return bluez_error(error, BLUEZ_ERROR_DOES_NOT_EXIST, "No such agent");
        agent_remove(sim, a);
        return sd_bus_reply_method_return(m, NULL);
}

static int method_request_default_agent(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Sim *sim = userdata;
        const char *path;
        SimAgent *a;
        int r;

        r = sd_bus_message_read(m, "o", &path);
        if (r < 0)
                return bluez_error(error, BLUEZ_ERROR_INVALID_ARGUMENTS, "Invalid arguments in method call");
        a = agent_find(sim, sd_bus_message_get_sender(m));
        if (!a || strcmp(a->path, path) != 0)
                return bluez_error(error, BLUEZ_ERROR_DOES_NOT_EXIST, "No such agent");
        sim->default_agent = a;
        return sd_bus_reply_method_return(m, NULL);
}

static const sd_bus_vtable agent_manager_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD_WITH_ARGS("RegisterAgent", SD_BUS_ARGS("o", agent, "s", capability), SD_BUS_NO_RESULT,
                                method_register_agent, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("UnregisterAgent", SD_BUS_ARGS("o", agent), SD_BUS_NO_RESULT,
                                method_unregister_agent, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("RequestDefaultAgent", SD_BUS_ARGS("o", agent), SD_BUS_NO_RESULT,
                                method_request_default_agent, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END,
};

int agent_bus_register(Sim *sim) {
        int r;

        r = sd_bus_add_object_vtable(sim->bus, NULL, BLUEZ_ROOT_PATH, "org.bluez.AgentManager1",
                                     agent_manager_vtable, sim);
        if (r < 0)
                return r;
        return sd_bus_match_signal_async(sim->bus, NULL, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                         "org.freedesktop.DBus", "NameOwnerChanged", on_owner_changed, NULL, sim);
}
