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

/* Once: BlueZ's state at start-up is known, whichever answer told it first. */
static void settled(BluezClient *c) {
        if (c->settled)
                return;
        c->settled = true;
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

static void objects_request(BluezClient *c) {
        int r = bluez_call(c->bus, &c->get_objects_call, "/", "org.freedesktop.DBus.ObjectManager",
                           "GetManagedObjects", BLUEZ_TIMEOUT_SHORT_USEC, NULL, NULL, 0, on_managed_objects, c);
        if (r < 0) {
                log_error_errno(r, "Could not ask BlueZ for its objects: %m");
                settled(c);
        }
}

/* The GetManagedObjects sent beside GetNameOwner at start-up answered. It
 * counts only as the answer of the owner tracked now: sent before the owner
 * was known, it may have met no owner (BlueZ absent: an error the bus daemon
 * sends, which GetNameOwner has already reported) or, had BlueZ restarted
 * between the two calls, another one. */
static int on_early_objects(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        BluezClient *c = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        const char *sender = sd_bus_message_get_sender(reply);

        c->early_objects_slot = sd_bus_slot_unref(c->early_objects_slot);
        if (!c->owner) {
                /* Not kept for an owner announced later: the signals between
                 * its reply and then would have been dropped (not from the
                 * owner), so the list could be stale. owner_set() asks anew. */
                log_debug("Pipelined GetManagedObjects answered before BlueZ's owner was known (%s); dropped",
                          e ? e->name : "a list");
                return 0;
        }
        /* A timeout is the owner's answer too: it hangs, as it would for a second call. */
        if (streq_ptr(sender, c->owner) || sd_bus_error_has_names(e, SD_BUS_ERROR_NO_REPLY, SD_BUS_ERROR_TIMEOUT)) {
                on_managed_objects(reply, e, c);
                return 0;
        }
        log_debug("Pipelined GetManagedObjects answered by %s, not by org.bluez's owner %s (%s); asking again",
                  sender ? sender : "no sender", c->owner, e ? e->name : "a list");
        objects_request(c);
        return 0;
}

/* Sent beside GetNameOwner, before its answer: when BlueZ is up its list is on
 * the way already, one round trip less at start-up (doc/performance.md). Never
 * with auto-start: massaged must not be what starts a stopped bluetoothd
 * (doc/dbus-api.md "Running massaged"). */
static int early_objects_send(BluezClient *c) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        r = sd_bus_message_new_method_call(c->bus, &m, "org.bluez", "/", "org.freedesktop.DBus.ObjectManager",
                                           "GetManagedObjects");
        if (r >= 0)
                r = sd_bus_message_set_auto_start(m, false);
        if (r >= 0)
                r = sd_bus_call_async(c->bus, &c->early_objects_slot, m, on_early_objects, c,
                                      BLUEZ_TIMEOUT_SHORT_USEC);
        return r;
}

static void owner_set(BluezClient *c, const char *owner) {
        if (c->owner) {
                log_notice("BlueZ (%s) left the bus; devices are disconnected until it is back", c->owner);
                /* The pipelined list, if still on its way, was the leaver's. */
                c->early_objects_slot = sd_bus_slot_unref(c->early_objects_slot);
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
        /* At start-up the list was asked for already: on_early_objects() takes it. */
        if (c->early_objects_slot)
                return;
        objects_request(c);
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

        c->get_owner_slot = sd_bus_slot_unref(c->get_owner_slot);
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
        /* Not floating: bluez_client_free() must cancel it, the callback's
         * userdata is the client. */
        r = sd_bus_call_method_async(c->bus, &c->get_owner_slot, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                     "org.freedesktop.DBus", "GetNameOwner", on_get_name_owner, c,
                                     "s", "org.bluez");
        if (r < 0)
                return log_error_errno(r, "Could not ask for org.bluez's owner: %m");
        r = early_objects_send(c);
        if (r < 0)
                return log_error_errno(r, "Could not ask BlueZ for its objects: %m");
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
        c->get_owner_slot = sd_bus_slot_unref(c->get_owner_slot);
        c->early_objects_slot = sd_bus_slot_unref(c->early_objects_slot);
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
