/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/address.h"
#include "bluez.h"
#include "bluez-agent.h"
#include "bluez-call.h"
#include "base/log.h"
#include "macro.h"
#include "manager.h"
#include "base/util.h"
#include "massager-protocol.h"

void bluez_adapter_free(void *p) {
        BluezAdapter *a = p;
        if (!a)
                return;
        free(a->path);
        free(a);
}

void bluez_device_free(void *p) {
        BluezDevice *d = p;
        if (!d)
                return;
        free(d->path);
        free(d->adapter);
        free(d->name);
        free(d);
}

void bluez_char_free(void *p) {
        BluezChar *c = p;
        if (!c)
                return;
        free(c->path);
        free(c->uuid);
        free(c);
}

BluezDevice *bluez_find_device_by_address(Manager *m, const char *address) {
        GHashTableIter i;
        gpointer v;

        g_hash_table_iter_init(&i, m->bluez_devices);
        while (g_hash_table_iter_next(&i, NULL, &v)) {
                BluezDevice *d = v;
                if (strcasecmp(d->address, address) == 0)
                        return d;
        }
        return NULL;
}

BluezAdapter *bluez_adapter_for(Manager *m, const char *adapter_path) {
        return adapter_path ? g_hash_table_lookup(m->adapters, adapter_path) : NULL;
}

static bool path_is_below(const char *path, const char *prefix) {
        size_t n = strlen(prefix);
        return strncmp(path, prefix, n) == 0 && path[n] == '/';
}

BluezChar *bluez_find_char(Manager *m, const char *device_path, const char *uuid) {
        GHashTableIter i;
        gpointer v;

        g_hash_table_iter_init(&i, m->chars);
        while (g_hash_table_iter_next(&i, NULL, &v)) {
                BluezChar *c = v;
                if (c->uuid && strcasecmp(c->uuid, uuid) == 0 && path_is_below(c->path, device_path))
                        return c;
        }
        return NULL;
}

/* ---- property parsing ------------------------------------------------- */

static int read_bool(sd_bus_message *m, bool *ret) {
        int b, r;
        r = sd_bus_message_read(m, "v", "b", &b);
        if (r < 0)
                return r;
        *ret = b;
        return 0;
}

static int read_string(sd_bus_message *m, const char *type, char **ret) {
        const char *s;
        int r;
        r = sd_bus_message_read(m, "v", type, &s);
        if (r < 0)
                return r;
        char *copy = strdup(s);
        if (!copy)
                return -ENOMEM;
        free(*ret);
        *ret = copy;
        return 0;
}

static int read_uuids_has_massager(sd_bus_message *m, bool *ret) {
        const char *s;
        int r;

        r = sd_bus_message_enter_container(m, 'v', "as");
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(m, 'a', "s");
        if (r < 0)
                return r;
        *ret = false;
        while ((r = sd_bus_message_read(m, "s", &s)) > 0)
                if (strcasecmp(s, MASSAGER_SERVICE_UUID) == 0)
                        *ret = true;
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

/* Walks one a{sv} property dictionary, handing each key to parse_one with
 * the message positioned on its variant. parse_one returns 0 when it did not
 * read the variant (the walk skips it), 1 when it did, or a negative errno. */
typedef int (*ParseProperty)(sd_bus_message *m, const char *key, void *userdata);

static int for_each_property(sd_bus_message *m, ParseProperty parse_one, void *userdata) {
        const char *key;
        int r;

        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                r = sd_bus_message_read(m, "s", &key);
                if (r < 0)
                        return r;
                r = parse_one(m, key, userdata);
                if (r == 0)
                        r = sd_bus_message_skip(m, "v");
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

/* Each parse_*_property reads the keys of one interface we track; others are skipped. */
static int parse_adapter_property(sd_bus_message *m, const char *key, void *userdata) {
        BluezAdapter *a = userdata;

        if (streq(key, "Powered"))
                return read_bool(m, &a->powered) ?: 1;
        if (streq(key, "Discovering"))
                return read_bool(m, &a->discovering) ?: 1;
        return 0;
}

static int parse_device_property(sd_bus_message *m, const char *key, void *userdata) {
        BluezDevice *d = userdata;

        if (streq(key, "Address")) {
                const char *s;
                int r = sd_bus_message_read(m, "v", "s", &s);
                if (r < 0)
                        return r;
                if (address_is_valid(s)) {
                        for (size_t i = 0; i < 17; i++)
                                d->address[i] = (char) toupper((unsigned char) s[i]);
                        d->address[17] = 0;
                }
                return 1;
        }
        if (streq(key, "Adapter"))
                return read_string(m, "o", &d->adapter) ?: 1;
        if (streq(key, "Alias") || (streq(key, "Name") && !d->name))
                return read_string(m, "s", &d->name) ?: 1;
        if (streq(key, "Connected"))
                return read_bool(m, &d->connected) ?: 1;
        if (streq(key, "ServicesResolved"))
                return read_bool(m, &d->services_resolved) ?: 1;
        if (streq(key, "Paired"))
                return read_bool(m, &d->paired) ?: 1;
        if (streq(key, "UUIDs"))
                return read_uuids_has_massager(m, &d->massager) ?: 1;
        return 0;
}

static int parse_char_property(sd_bus_message *m, const char *key, void *userdata) {
        BluezChar *c = userdata;

        if (streq(key, "UUID"))
                return read_string(m, "s", &c->uuid) ?: 1;
        return 0;
}

typedef struct CharValue {
        const void *data;
        size_t size;
} CharValue;

static int parse_char_value_property(sd_bus_message *m, const char *key, void *userdata) {
        CharValue *v = userdata;
        int r;

        if (!streq(key, "Value"))
                return 0;
        r = sd_bus_message_enter_container(m, 'v', "ay");
        if (r < 0)
                return r;
        r = sd_bus_message_read_array(m, 'y', &v->data, &v->size);
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m) ?: 1;
}

static int parse_adapter_props(sd_bus_message *m, BluezAdapter *a) {
        return for_each_property(m, parse_adapter_property, a);
}

static int parse_device_props(sd_bus_message *m, BluezDevice *d) {
        return for_each_property(m, parse_device_property, d);
}

static int parse_char_props(sd_bus_message *m, BluezChar *c) {
        return for_each_property(m, parse_char_property, c);
}

/* Reads the Value of a GattCharacteristic1 PropertiesChanged, if present. */
static int parse_char_value(sd_bus_message *m, const void **ret, size_t *ret_size) {
        CharValue v = {};
        int r = for_each_property(m, parse_char_value_property, &v);

        *ret = v.data;
        *ret_size = v.size;
        return r;
}

/* ---- objects appearing and vanishing ---------------------------------- */

/* With --adapter, objects of other adapters (and their devices) do not exist for us. */
static bool on_our_adapter(Manager *m, const char *path) {
        size_t n;

        if (!m->adapter_path || !g_str_has_prefix(path, "/org/bluez/"))
                return true;
        n = strlen(m->adapter_path);
        return strncmp(path, m->adapter_path, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* Reads one a{sa{sv}} (an object's interfaces) and records what we track. */
static int add_interfaces(Manager *m, const char *path, sd_bus_message *msg) {
        const char *iface;
        int r;

        if (!on_our_adapter(m, path))
                return sd_bus_message_skip(msg, "a{sa{sv}}");

        r = sd_bus_message_enter_container(msg, 'a', "{sa{sv}}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(msg, 'e', "sa{sv}")) > 0) {
                r = sd_bus_message_read(msg, "s", &iface);
                if (r < 0)
                        return r;

                if (streq(iface, "org.bluez.Adapter1")) {
                        BluezAdapter *a = g_hash_table_lookup(m->adapters, path);
                        if (!a) {
                                a = calloc(1, sizeof *a);
                                if (!a || !(a->path = strdup(path))) {
                                        free(a);
                                        return -ENOMEM;
                                }
                                g_hash_table_replace(m->adapters, a->path, a);
                        }
                        r = parse_adapter_props(msg, a);
                        if (r >= 0)
                                log_debug("BlueZ adapter %s (powered %s)", path, a->powered ? "yes" : "no");
                } else if (streq(iface, "org.bluez.Device1")) {
                        BluezDevice *d = g_hash_table_lookup(m->bluez_devices, path);
                        bool is_new = !d;
                        if (!d) {
                                d = calloc(1, sizeof *d);
                                if (!d || !(d->path = strdup(path))) {
                                        free(d);
                                        return -ENOMEM;
                                }
                                g_hash_table_replace(m->bluez_devices, d->path, d);
                        }
                        r = parse_device_props(msg, d);
                        if (r >= 0 && is_new) {
                                log_debug("BlueZ device %s (%s)%s", d->address, path,
                                          d->massager ? ", a massager" : "");
                                manager_bluez_device_added(m, path);
                        } else if (r >= 0)
                                manager_bluez_device_changed(m, path);
                } else if (streq(iface, "org.bluez.GattCharacteristic1")) {
                        BluezChar *c = g_hash_table_lookup(m->chars, path);
                        if (!c) {
                                c = calloc(1, sizeof *c);
                                if (!c || !(c->path = strdup(path))) {
                                        free(c);
                                        return -ENOMEM;
                                }
                                g_hash_table_replace(m->chars, c->path, c);
                        }
                        r = parse_char_props(msg, c);
                } else
                        r = sd_bus_message_skip(msg, "a{sv}");
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(msg);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(msg);
}

static void remove_interface(Manager *m, const char *path, const char *iface) {
        if (streq(iface, "org.bluez.Adapter1"))
                g_hash_table_remove(m->adapters, path);
        else if (streq(iface, "org.bluez.Device1")) {
                if (g_hash_table_contains(m->bluez_devices, path)) {
                        manager_bluez_device_removed(m, path);
                        g_hash_table_remove(m->bluez_devices, path);
                }
        } else if (streq(iface, "org.bluez.GattCharacteristic1"))
                g_hash_table_remove(m->chars, path);
}

static bool from_bluez(Manager *m, sd_bus_message *msg) {
        const char *sender = sd_bus_message_get_sender(msg);
        return m->bluez_owner && sender && streq(sender, m->bluez_owner);
}

static int on_interfaces_added(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        Manager *m = userdata;
        const char *path;
        int r;

        if (!from_bluez(m, msg))
                return 0;
        r = sd_bus_message_read(msg, "o", &path);
        if (r >= 0)
                r = add_interfaces(m, path, msg);
        if (r < 0)
                log_warning_errno(r, "Malformed InterfacesAdded from BlueZ: %m, ignoring");
        return 0;
}

static int on_interfaces_removed(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        Manager *m = userdata;
        const char *path, *iface;
        int r;

        if (!from_bluez(m, msg))
                return 0;
        r = sd_bus_message_read(msg, "o", &path);
        if (r < 0)
                goto fail;
        r = sd_bus_message_enter_container(msg, 'a', "s");
        if (r < 0)
                goto fail;
        while ((r = sd_bus_message_read(msg, "s", &iface)) > 0)
                remove_interface(m, path, iface);
        if (r >= 0)
                return 0;
fail:
        log_warning_errno(r, "Malformed InterfacesRemoved from BlueZ: %m, ignoring");
        return 0;
}

static int on_properties_changed(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        Manager *m = userdata;
        const char *iface, *path = sd_bus_message_get_path(msg);
        int r;

        if (!from_bluez(m, msg) || !path)
                return 0;
        r = sd_bus_message_read(msg, "s", &iface);
        if (r < 0)
                goto fail;

        if (streq(iface, "org.bluez.GattCharacteristic1")) {
                const void *value;
                size_t size;
                r = parse_char_value(msg, &value, &size);
                if (r < 0)
                        goto fail;
                if (value)
                        manager_bluez_value_changed(m, path, value, size);
        } else if (streq(iface, "org.bluez.Device1")) {
                BluezDevice *d = g_hash_table_lookup(m->bluez_devices, path);
                if (!d)
                        return 0;
                bool was_massager = d->massager;
                char *old_name = d->name ? strdup(d->name) : NULL;
                r = parse_device_props(msg, d);
                /* The Discovered list shows massagers by name: announce what changed it. */
                bool discovered_changed = r >= 0 &&
                        (was_massager != d->massager || (d->massager && !streq_ptr(old_name, d->name)));
                free(old_name);
                if (r < 0)
                        goto fail;
                if (discovered_changed)
                        manager_emit_discovered_changed(m);
                manager_bluez_device_changed(m, path);
        } else if (streq(iface, "org.bluez.Adapter1")) {
                BluezAdapter *a = g_hash_table_lookup(m->adapters, path);
                if (!a)
                        return 0;
                bool was_powered = a->powered;
                r = parse_adapter_props(msg, a);
                if (r < 0)
                        goto fail;
                if (a->powered && !was_powered) {
                        /* A freshly powered adapter: devices waiting for it may connect now. */
                        manager_adapter_slot_free(m, a->path);
                        bluez_update_discovery(m);
                }
        }
        return 0;
fail:
        log_warning_errno(r, "Malformed PropertiesChanged from BlueZ on %s: %m, ignoring", path);
        return 0;
}

/* ---- discovery -------------------------------------------------------- */

static int append_discovery_filter(sd_bus_message *msg, const void *data, size_t size) {
        int r;

        r = sd_bus_message_open_container(msg, 'a', "{sv}");
        if (r < 0)
                return r;
        r = sd_bus_message_append(msg, "{sv}", "UUIDs", "as", 1, MASSAGER_SERVICE_UUID);
        if (r < 0)
                return r;
        r = sd_bus_message_append(msg, "{sv}", "Transport", "s", "le");
        if (r < 0)
                return r;
        return sd_bus_message_close_container(msg);
}

static void on_discovery_reply(sd_bus_message *reply, const sd_bus_error *error, void *userdata) {
        if (sd_bus_error_is_set(error))
                log_warning("Could not change discovery: %s: %s", error->name, error->message);
}

static void on_filter_reply(sd_bus_message *reply, const sd_bus_error *error, void *userdata) {
        Manager *m = userdata;
        const char *path;

        if (sd_bus_error_is_set(error))
                log_warning("Could not set the discovery filter (%s: %s), scanning unfiltered",
                            error->name, error->message);
        /* The filter was set on the first powered adapter; start there and on any other. */
        GHashTableIter i;
        gpointer v;
        g_hash_table_iter_init(&i, m->adapters);
        while (g_hash_table_iter_next(&i, NULL, &v)) {
                BluezAdapter *a = v;
                if (!a->powered)
                        continue;
                path = a->path;
                (void) bluez_call(m->bluez, NULL, path, "org.bluez.Adapter1", "StartDiscovery",
                                  BLUEZ_TIMEOUT_SHORT_USEC, NULL, NULL, 0, on_discovery_reply, m);
        }
}

void bluez_update_discovery(Manager *m) {
        bool want = m->bluez_owner && manager_wants_discovery(m);
        GHashTableIter i;
        gpointer v;
        int r;

        if (want == m->discovery_active || !m->bluez_owner)
                return;

        g_hash_table_iter_init(&i, m->adapters);
        while (g_hash_table_iter_next(&i, NULL, &v)) {
                BluezAdapter *a = v;
                if (!a->powered)
                        continue;
                if (want)
                        /* BlueZ keeps one filter per client and adapter: set it, then start. */
                        r = bluez_call(m->bluez, NULL, a->path, "org.bluez.Adapter1", "SetDiscoveryFilter",
                                       BLUEZ_TIMEOUT_SHORT_USEC, append_discovery_filter, NULL, 0,
                                       on_filter_reply, m);
                else
                        r = bluez_call(m->bluez, NULL, a->path, "org.bluez.Adapter1", "StopDiscovery",
                                       BLUEZ_TIMEOUT_SHORT_USEC, NULL, NULL, 0, on_discovery_reply, m);
                if (r < 0)
                        log_warning_errno(r, "Could not change discovery on %s: %m", a->path);
                if (want)
                        break;  /* on_filter_reply starts every adapter */
        }
        m->discovery_active = want;
        log_debug("Discovery %s", want ? "started" : "stopped");
}

/* ---- owner tracking --------------------------------------------------- */

static void on_managed_objects(sd_bus_message *reply, const sd_bus_error *error, void *userdata) {
        Manager *m = userdata;
        const char *path;
        int r;

        if (sd_bus_error_is_set(error)) {
                log_warning("Could not list BlueZ objects (%s: %s); waiting for BlueZ to restart",
                            error->name, error->message);
                manager_bluez_settled(m);
                return;
        }
        r = sd_bus_message_enter_container(reply, 'a', "{oa{sa{sv}}}");
        if (r < 0)
                goto fail;
        while ((r = sd_bus_message_enter_container(reply, 'e', "oa{sa{sv}}")) > 0) {
                r = sd_bus_message_read(reply, "o", &path);
                if (r < 0)
                        goto fail;
                r = add_interfaces(m, path, reply);
                if (r < 0)
                        goto fail;
                r = sd_bus_message_exit_container(reply);
                if (r < 0)
                        goto fail;
        }
        if (r < 0)
                goto fail;
        log_info("BlueZ is up: %u adapter(s), %u device(s)", g_hash_table_size(m->adapters),
                 g_hash_table_size(m->bluez_devices));
        manager_bluez_appeared(m);
        manager_bluez_settled(m);
        return;
fail:
        log_error_errno(r, "Malformed GetManagedObjects reply from BlueZ: %m");
        manager_bluez_settled(m);
}

static void bluez_owner_set(Manager *m, const char *owner) {
        if (m->bluez_owner) {
                log_notice("BlueZ (%s) left the bus; devices are disconnected until it is back", m->bluez_owner);
                bluez_call_cancel(&m->get_objects_call);
                bluez_call_cancel(&m->agent_call);
                free(m->bluez_owner);
                m->bluez_owner = NULL;
                m->discovery_active = false;
                manager_bluez_vanished(m);
                g_hash_table_remove_all(m->chars);
                g_hash_table_remove_all(m->bluez_devices);
                g_hash_table_remove_all(m->adapters);
        }
        if (!owner || !*owner) {
                manager_bluez_settled(m);
                return;
        }

        m->bluez_owner = strdup(owner);
        if (!m->bluez_owner) {
                log_error("Out of memory tracking BlueZ");
                return;
        }
        log_debug("org.bluez is owned by %s", owner);
        bluez_agent_register(m);
        int r = bluez_call(m->bluez, &m->get_objects_call, "/", "org.freedesktop.DBus.ObjectManager",
                           "GetManagedObjects", BLUEZ_TIMEOUT_SHORT_USEC, NULL, NULL, 0, on_managed_objects, m);
        if (r < 0)
                log_error_errno(r, "Could not ask BlueZ for its objects: %m");
}

static int on_name_owner_changed(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        const char *name, *old_owner, *new_owner;
        int r;

        r = sd_bus_message_read(msg, "sss", &name, &old_owner, &new_owner);
        if (r < 0 || !streq(name, "org.bluez"))
                return 0;
        bluez_owner_set(userdata, new_owner);
        return 0;
}

static int on_get_name_owner(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Manager *m = userdata;
        const char *owner;

        if (sd_bus_message_is_method_error(reply, NULL)) {
                log_notice("BlueZ (org.bluez) is not running; waiting for it to appear");
                manager_bluez_settled(m);
                return 0;
        }
        if (sd_bus_message_read(reply, "s", &owner) < 0) {
                manager_bluez_settled(m);
                return 0;
        }
        /* NameOwnerChanged may have beaten this reply; never go back to an older owner. */
        if (!m->bluez_owner)
                bluez_owner_set(m, owner);
        return 0;
}

int bluez_start(Manager *m) {
        int r;

        r = bluez_agent_export(m);
        if (r < 0)
                return log_error_errno(r, "Could not export the pairing agent: %m");

        r = sd_bus_match_signal_async(m->bluez, &m->name_owner_slot, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                      "org.freedesktop.DBus", "NameOwnerChanged", on_name_owner_changed, NULL, m);
        if (r < 0)
                return log_error_errno(r, "Could not watch org.bluez's owner: %m");
        /* Sender is checked against the owner in the callbacks: a well-known
         * name in a match would also accept a stale owner's last signals. */
        r = sd_bus_match_signal_async(m->bluez, NULL, NULL, "/", "org.freedesktop.DBus.ObjectManager",
                                      "InterfacesAdded", on_interfaces_added, NULL, m);
        if (r >= 0)
                r = sd_bus_match_signal_async(m->bluez, NULL, NULL, "/", "org.freedesktop.DBus.ObjectManager",
                                              "InterfacesRemoved", on_interfaces_removed, NULL, m);
        if (r >= 0)
                r = sd_bus_add_match_async(m->bluez, NULL,
                                           "type='signal',interface='org.freedesktop.DBus.Properties',"
                                           "member='PropertiesChanged',path_namespace='/org/bluez'",
                                           on_properties_changed, NULL, m);
        if (r < 0)
                return log_error_errno(r, "Could not subscribe to BlueZ signals: %m");

        r = sd_bus_call_method_async(m->bluez, NULL, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                     "org.freedesktop.DBus", "GetNameOwner", on_get_name_owner, m,
                                     "s", "org.bluez");
        if (r < 0)
                return log_error_errno(r, "Could not ask for org.bluez's owner: %m");
        return 0;
}

void bluez_stop(Manager *m) {
        bluez_call_cancel(&m->get_objects_call);
        bluez_call_cancel(&m->agent_call);
        m->name_owner_slot = sd_bus_slot_unref(m->name_owner_slot);
}
