/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The BlueZ client: its lifetime, who owns org.bluez (bluetoothd may start
 * after us, restart or vanish), the adapter slots, the pairing address and
 * the one Disconnect. The object cache is bluez-objects.c, discovery
 * bluez-discovery.c, the agent bluez-agent.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/util.h"
#include "bluez-internal.h"
#include "macro.h"

sd_bus *bluez_client_bus(BluezClient *c) {
        return c->bus;
}

bool bluez_client_is_up(BluezClient *c) {
        return c->owner != NULL;
}

static void settled(BluezClient *c) {
        if (c->cb.settled)
                c->cb.settled(c->userdata);
}

/* ---- owner tracking --------------------------------------------------- */

static void on_managed_objects(sd_bus_message *reply, const sd_bus_error *error, void *userdata) {
        BluezClient *c = userdata;
        const char *path;
        int r;

        if (sd_bus_error_is_set(error)) {
                log_warning("Could not list BlueZ objects (%s: %s); waiting for BlueZ to restart",
                            error->name, error->message);
                settled(c);
                return;
        }
        r = sd_bus_message_enter_container(reply, 'a', "{oa{sa{sv}}}");
        if (r < 0)
                goto fail;
        while ((r = sd_bus_message_enter_container(reply, 'e', "oa{sa{sv}}")) > 0) {
                r = sd_bus_message_read(reply, "o", &path);
                if (r < 0)
                        goto fail;
                r = bluez_objects_add(c, path, reply);
                if (r < 0)
                        goto fail;
                r = sd_bus_message_exit_container(reply);
                if (r < 0)
                        goto fail;
        }
        if (r < 0)
                goto fail;
        log_info("BlueZ is up: %u adapter(s), %u device(s)", g_hash_table_size(c->adapters),
                 g_hash_table_size(c->devices));
        if (c->cb.appeared)
                c->cb.appeared(c->userdata);
        settled(c);
        return;
fail:
        log_error_errno(r, "Malformed GetManagedObjects reply from BlueZ: %m");
        settled(c);
}

static void owner_set(BluezClient *c, const char *owner) {
        if (c->owner) {
                log_notice("BlueZ (%s) left the bus; devices are disconnected until it is back", c->owner);
                bluez_call_cancel(&c->get_objects_call);
                bluez_call_cancel(&c->agent_call);
                free(c->owner);
                c->owner = NULL;
                c->discovery_active = false;
                if (c->cb.vanished)
                        c->cb.vanished(c->userdata);
                bluez_objects_clear(c);
        }
        if (!owner || !*owner) {
                settled(c);
                return;
        }

        c->owner = strdup(owner);
        if (!c->owner) {
                log_error("Out of memory tracking BlueZ");
                return;
        }
        log_debug("org.bluez is owned by %s", owner);
        bluez_agent_register(c);
        int r = bluez_call(c->bus, &c->get_objects_call, "/", "org.freedesktop.DBus.ObjectManager",
                           "GetManagedObjects", BLUEZ_TIMEOUT_SHORT_USEC, NULL, NULL, 0, on_managed_objects, c);
        if (r < 0)
                log_error_errno(r, "Could not ask BlueZ for its objects: %m");
}

static int on_name_owner_changed(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        const char *name, *old_owner, *new_owner;
        int r;

        r = sd_bus_message_read(msg, "sss", &name, &old_owner, &new_owner);
        if (r < 0 || !streq(name, "org.bluez"))
                return 0;
        owner_set(userdata, new_owner);
        return 0;
}

static int on_get_name_owner(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        BluezClient *c = userdata;
        const char *owner;

        if (sd_bus_message_is_method_error(reply, NULL)) {
                log_notice("BlueZ (org.bluez) is not running; waiting for it to appear");
                settled(c);
                return 0;
        }
        if (sd_bus_message_read(reply, "s", &owner) < 0) {
                settled(c);
                return 0;
        }
        /* NameOwnerChanged may have beaten this reply; never go back to an older owner. */
        if (!c->owner)
                owner_set(c, owner);
        return 0;
}

int bluez_client_start(BluezClient *c) {
        int r;

        r = bluez_agent_export(c);
        if (r < 0)
                return log_error_errno(r, "Could not export the pairing agent on the system bus: %m");
        r = sd_bus_match_signal_async(c->bus, &c->name_owner_slot, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                      "org.freedesktop.DBus", "NameOwnerChanged", on_name_owner_changed, NULL, c);
        if (r < 0)
                return log_error_errno(r, "Could not watch org.bluez's owner: %m");
        r = bluez_objects_watch(c);
        if (r < 0)
                return log_error_errno(r, "Could not subscribe to BlueZ signals: %m");
        r = sd_bus_call_method_async(c->bus, NULL, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                     "org.freedesktop.DBus", "GetNameOwner", on_get_name_owner, c,
                                     "s", "org.bluez");
        if (r < 0)
                return log_error_errno(r, "Could not ask for org.bluez's owner: %m");
        return 0;
}

/* ---- lifetime --------------------------------------------------------- */

int bluez_client_new(BluezClient **ret, sd_bus *bus, const char *adapter, const BluezClientCallbacks *callbacks,
                     void *userdata) {
        BluezClient *c = calloc(1, sizeof *c);

        if (!c)
                return -ENOMEM;
        c->bus = sd_bus_ref(bus);
        c->cb = *callbacks;
        c->userdata = userdata;
        if (adapter && !(c->adapter_path = g_strconcat("/org/bluez/", adapter, NULL))) {
                bluez_client_free(c);
                return -ENOMEM;
        }
        (void) bluez_objects_new(c);
        *ret = c;
        return 0;
}

BluezClient *bluez_client_free(BluezClient *c) {
        if (!c)
                return NULL;
        bluez_call_cancel(&c->get_objects_call);
        bluez_call_cancel(&c->agent_call);
        c->name_owner_slot = sd_bus_slot_unref(c->name_owner_slot);
        c->added_slot = sd_bus_slot_unref(c->added_slot);
        c->removed_slot = sd_bus_slot_unref(c->removed_slot);
        c->changed_slot = sd_bus_slot_unref(c->changed_slot);
        c->agent_slot = sd_bus_slot_unref(c->agent_slot);
        bluez_objects_free(c);
        free(c->owner);
        g_free(c->adapter_path);
        free(c->pairing_address);
        sd_bus_unref(c->bus);
        free(c);
        return NULL;
}

/* ---- adapter slots ---------------------------------------------------- */

int bluez_client_take_adapter_slot(BluezClient *c, const char *adapter_path, const char *holder,
                                   const char **ret_holder) {
        BluezAdapter *a = bluez_adapter_for(c, adapter_path);

        if (!a)
                return -ENODEV;
        if (a->connecting && !streq(a->connecting, holder)) {
                if (ret_holder)
                        *ret_holder = a->connecting;
                return -EBUSY;
        }
        if (!a->connecting && !(a->connecting = strdup(holder)))
                return -ENOMEM;
        return 0;
}

void bluez_client_release_adapter_slot(BluezClient *c, const char *adapter_path, const char *holder) {
        BluezAdapter *a = bluez_adapter_for(c, adapter_path);

        if (a && streq_ptr(a->connecting, holder)) {
                free(a->connecting);
                a->connecting = NULL;
        }
        /* Let the next device waiting for this adapter go. */
        if (c->cb.adapter_slot_free)
                c->cb.adapter_slot_free(adapter_path, c->userdata);
}

bool bluez_client_adapter_slot_taken(BluezClient *c, const char *adapter_path) {
        BluezAdapter *a = bluez_adapter_for(c, adapter_path);
        return a && a->connecting;
}

/* ---- pairing and disconnecting ---------------------------------------- */

int bluez_client_set_pairing_address(BluezClient *c, const char *address) {
        char *copy = NULL;

        if (address && !(copy = strdup(address)))
                return -ENOMEM;
        free(c->pairing_address);
        c->pairing_address = copy;
        return 0;
}

const char *bluez_client_pairing_address(BluezClient *c) {
        return c->pairing_address;
}

int bluez_client_disconnect(BluezClient *c, const char *device_path, BluezCall **ref) {
        return bluez_call(c->bus, ref, device_path, "org.bluez.Device1", "Disconnect", BLUEZ_TIMEOUT_SHORT_USEC,
                          NULL, NULL, 0, NULL, NULL);
}
