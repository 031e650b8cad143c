/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The BlueZ client's object cache: adapters, devices and GATT
 * characteristics as GetManagedObjects, InterfacesAdded/Removed and
 * PropertiesChanged describe them, and the callbacks that announce changes.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/address.h"
#include "base/log.h"
#include "base/util.h"
#include "bluez-internal.h"
#include "macro.h"
#include "massager-protocol.h"

static void adapter_free(void *p) {
        BluezAdapter *a = p;
        if (!a)
                return;
        free(a->path);
        free(a->connecting);
        free(a);
}

static void device_free(void *p) {
        BluezDevice *d = p;
        if (!d)
                return;
        free(d->path);
        free(d->adapter);
        free(d->name);
        free(d);
}

static void char_free(void *p) {
        BluezChar *c = p;
        if (!c)
                return;
        free(c->path);
        free(c->uuid);
        free(c);
}

int bluez_objects_new(BluezClient *c) {
        c->adapters = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, adapter_free);
        c->devices = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, device_free);
        c->chars = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, char_free);
        return 0;
}

void bluez_objects_clear(BluezClient *c) {
        c->last_value_char = NULL;
        g_hash_table_remove_all(c->chars);
        g_hash_table_remove_all(c->devices);
        g_hash_table_remove_all(c->adapters);
}

void bluez_objects_free(BluezClient *c) {
        if (c->chars)
                g_hash_table_destroy(c->chars);
        if (c->devices)
                g_hash_table_destroy(c->devices);
        if (c->adapters)
                g_hash_table_destroy(c->adapters);
}

BluezDevice *bluez_client_device(BluezClient *c, const char *path) {
        return path ? g_hash_table_lookup(c->devices, path) : NULL;
}

void bluez_client_iter_devices(BluezClient *c, GHashTableIter *i) {
        g_hash_table_iter_init(i, c->devices);
}

unsigned bluez_client_n_adapters(BluezClient *c) {
        return g_hash_table_size(c->adapters);
}

BluezDevice *bluez_find_device_by_address(BluezClient *c, const char *address) {
        GHashTableIter i;
        gpointer v;

        g_hash_table_iter_init(&i, c->devices);
        while (g_hash_table_iter_next(&i, NULL, &v)) {
                BluezDevice *d = v;
                if (strcasecmp(d->address, address) == 0)
                        return d;
        }
        return NULL;
}

BluezAdapter *bluez_adapter_for(BluezClient *c, const char *adapter_path) {
        return adapter_path ? g_hash_table_lookup(c->adapters, adapter_path) : NULL;
}

static bool path_is_below(const char *path, const char *prefix) {
        size_t n = strlen(prefix);
        return strncmp(path, prefix, n) == 0 && path[n] == '/';
}

BluezChar *bluez_find_char(BluezClient *c, const char *device_path, const char *uuid) {
        GHashTableIter i;
        gpointer v;

        g_hash_table_iter_init(&i, c->chars);
        while (g_hash_table_iter_next(&i, NULL, &v)) {
                BluezChar *ch = v;
                if (ch->uuid && strcasecmp(ch->uuid, uuid) == 0 && path_is_below(ch->path, device_path))
                        return ch;
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

static int parse_adapter_props(sd_bus_message *m, BluezAdapter *a) {
        return for_each_property(m, parse_adapter_property, a);
}

static int parse_device_props(sd_bus_message *m, BluezDevice *d) {
        return for_each_property(m, parse_device_property, d);
}

static int parse_char_props(sd_bus_message *m, BluezChar *c) {
        return for_each_property(m, parse_char_property, c);
}

/* Reads the Value of a GattCharacteristic1 PropertiesChanged, if present
 * (*ret stays NULL otherwise). The Status notification of every command
 * comes this way, so it reads the dictionary directly, not through
 * for_each_property, and stops at Value: the rest (the invalidated list)
 * is never read (doc/performance.md, round 2). */
static int parse_char_value(sd_bus_message *m, const void **ret, size_t *ret_size) {
        const char *key;
        int r;

        *ret = NULL;
        *ret_size = 0;
        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                r = sd_bus_message_read_basic(m, 's', &key);
                if (r < 0)
                        return r;
                if (streq(key, "Value")) {
                        r = sd_bus_message_enter_container(m, 'v', "ay");
                        if (r < 0)
                                return r;
                        return sd_bus_message_read_array(m, 'y', ret, ret_size);
                }
                r = sd_bus_message_skip(m, "v");
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        return r;
}

/* ---- objects appearing and vanishing ---------------------------------- */

/* With --adapter, objects of other adapters (and their devices) do not exist for us. */
static bool on_our_adapter(BluezClient *c, const char *path) {
        size_t n;

        if (!c->adapter_path || !g_str_has_prefix(path, "/org/bluez/"))
                return true;
        n = strlen(c->adapter_path);
        return strncmp(path, c->adapter_path, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* Reads one a{sa{sv}} (an object's interfaces) and records what we track. */
int bluez_objects_add(BluezClient *c, const char *path, sd_bus_message *msg) {
        const char *iface;
        int r;

        if (!on_our_adapter(c, path))
                return sd_bus_message_skip(msg, "a{sa{sv}}");

        r = sd_bus_message_enter_container(msg, 'a', "{sa{sv}}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(msg, 'e', "sa{sv}")) > 0) {
                r = sd_bus_message_read(msg, "s", &iface);
                if (r < 0)
                        return r;

                if (streq(iface, "org.bluez.Adapter1")) {
                        BluezAdapter *a = g_hash_table_lookup(c->adapters, path);
                        if (!a) {
                                a = calloc(1, sizeof *a);
                                if (!a || !(a->path = strdup(path))) {
                                        free(a);
                                        return -ENOMEM;
                                }
                                g_hash_table_replace(c->adapters, a->path, a);
                        }
                        r = parse_adapter_props(msg, a);
                        if (r >= 0)
                                log_debug("BlueZ adapter %s (powered %s)", path, a->powered ? "yes" : "no");
                } else if (streq(iface, "org.bluez.Device1")) {
                        BluezDevice *d = g_hash_table_lookup(c->devices, path);
                        bool is_new = !d;
                        if (!d) {
                                d = calloc(1, sizeof *d);
                                if (!d || !(d->path = strdup(path))) {
                                        free(d);
                                        return -ENOMEM;
                                }
                                g_hash_table_replace(c->devices, d->path, d);
                        }
                        r = parse_device_props(msg, d);
                        if (r >= 0 && is_new) {
                                log_debug("BlueZ device %s (%s)%s", d->address, path,
                                          d->massager ? ", a massager" : "");
                                if (c->cb.device_added)
                                        c->cb.device_added(d, c->userdata);
                        } else if (r >= 0 && c->cb.device_changed)
                                c->cb.device_changed(d, c->userdata);
                } else if (streq(iface, "org.bluez.GattCharacteristic1")) {
                        BluezChar *ch = g_hash_table_lookup(c->chars, path);
                        if (!ch) {
                                ch = calloc(1, sizeof *ch);
                                if (!ch || !(ch->path = strdup(path))) {
                                        free(ch);
                                        return -ENOMEM;
                                }
                                g_hash_table_replace(c->chars, ch->path, ch);
                        }
                        r = parse_char_props(msg, ch);
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

static void remove_interface(BluezClient *c, const char *path, const char *iface) {
        if (streq(iface, "org.bluez.Adapter1"))
                g_hash_table_remove(c->adapters, path);
        else if (streq(iface, "org.bluez.Device1")) {
                BluezDevice *d = g_hash_table_lookup(c->devices, path);
                if (d) {
                        if (c->cb.device_removed)
                                c->cb.device_removed(d, c->userdata);
                        g_hash_table_remove(c->devices, path);
                }
        } else if (streq(iface, "org.bluez.GattCharacteristic1")) {
                if (c->last_value_char && streq(c->last_value_char->path, path))
                        c->last_value_char = NULL;
                g_hash_table_remove(c->chars, path);
        }
}

static bool from_bluez(BluezClient *c, sd_bus_message *msg) {
        const char *sender = sd_bus_message_get_sender(msg);
        return c->owner && sender && streq(sender, c->owner);
}

static int on_interfaces_added(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        BluezClient *c = userdata;
        const char *path;
        int r;

        if (!from_bluez(c, msg))
                return 0;
        r = sd_bus_message_read(msg, "o", &path);
        if (r >= 0)
                r = bluez_objects_add(c, path, msg);
        if (r < 0)
                log_warning_errno(r, "Malformed InterfacesAdded from BlueZ: %m, ignoring");
        return 0;
}

static int on_interfaces_removed(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        BluezClient *c = userdata;
        const char *path, *iface;
        int r;

        if (!from_bluez(c, msg))
                return 0;
        r = sd_bus_message_read(msg, "o", &path);
        if (r < 0)
                goto fail;
        r = sd_bus_message_enter_container(msg, 'a', "s");
        if (r < 0)
                goto fail;
        while ((r = sd_bus_message_read(msg, "s", &iface)) > 0)
                remove_interface(c, path, iface);
        if (r >= 0)
                return 0;
fail:
        log_warning_errno(r, "Malformed InterfacesRemoved from BlueZ: %m, ignoring");
        return 0;
}

static int on_properties_changed(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        BluezClient *c = userdata;
        const char *iface, *path = sd_bus_message_get_path(msg);
        int r;

        if (!from_bluez(c, msg) || !path)
                return 0;
        r = sd_bus_message_read_basic(msg, 's', &iface);
        if (r < 0)
                goto fail;

        if (streq(iface, "org.bluez.GattCharacteristic1")) {
                const void *value;
                size_t size;
                /* Only characteristics in the cache can be one a device listens to.
                 * Notifications come from one Status characteristic in a row:
                 * a string compare, not a hash of the path, finds it. */
                if (!c->last_value_char || !streq(c->last_value_char->path, path)) {
                        BluezChar *ch = g_hash_table_lookup(c->chars, path);
                        if (!ch)
                                return 0;
                        c->last_value_char = ch;
                }
                r = parse_char_value(msg, &value, &size);
                if (r < 0)
                        goto fail;
                if (value && c->cb.value_changed)
                        c->cb.value_changed(path, value, size, c->userdata);
        } else if (streq(iface, "org.bluez.Device1")) {
                BluezDevice *d = g_hash_table_lookup(c->devices, path);
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
                if (discovered_changed && c->cb.discovered_changed)
                        c->cb.discovered_changed(c->userdata);
                if (c->cb.device_changed)
                        c->cb.device_changed(d, c->userdata);
        } else if (streq(iface, "org.bluez.Adapter1")) {
                BluezAdapter *a = g_hash_table_lookup(c->adapters, path);
                if (!a)
                        return 0;
                bool was_powered = a->powered;
                r = parse_adapter_props(msg, a);
                if (r < 0)
                        goto fail;
                if (a->powered && !was_powered) {
                        /* A freshly powered adapter: devices waiting for it may connect now. */
                        if (c->cb.adapter_slot_free)
                                c->cb.adapter_slot_free(a->path, c->userdata);
                        bluez_client_update_discovery(c);
                }
        }
        return 0;
fail:
        log_warning_errno(r, "Malformed PropertiesChanged from BlueZ on %s: %m, ignoring", path);
        return 0;
}

/* The GetAll of a Device1 we asked for ourselves: readiness is read, not only
 * awaited, since BlueZ may set Connected without a PropertiesChanged signal. */
int bluez_client_update_device(BluezClient *c, const char *path, sd_bus_message *props) {
        BluezDevice *d = bluez_client_device(c, path);

        if (!d)
                return -ENODEV;
        return parse_device_props(props, d);
}

void bluez_client_device_paired(BluezClient *c, const char *path) {
        BluezDevice *d = bluez_client_device(c, path);

        if (d)
                d->paired = true;
}

/* Sender is checked against the owner in the callbacks: a well-known name
 * in a match would also accept a stale owner's last signals. */
int bluez_objects_watch(BluezClient *c) {
        int r;

        r = sd_bus_match_signal_async(c->bus, &c->added_slot, NULL, "/", "org.freedesktop.DBus.ObjectManager",
                                      "InterfacesAdded", on_interfaces_added, NULL, c);
        if (r >= 0)
                r = sd_bus_match_signal_async(c->bus, &c->removed_slot, NULL, "/",
                                              "org.freedesktop.DBus.ObjectManager", "InterfacesRemoved",
                                              on_interfaces_removed, NULL, c);
        if (r >= 0)
                r = sd_bus_add_match_async(c->bus, &c->changed_slot,
                                           "type='signal',interface='org.freedesktop.DBus.Properties',"
                                           "member='PropertiesChanged',path_namespace='/org/bluez'",
                                           on_properties_changed, NULL, c);
        return r;
}
