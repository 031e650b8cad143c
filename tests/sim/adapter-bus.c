/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * org.bluez.Adapter1 at /org/bluez/hci0: properties, discovery with one
 * session and one filter per client (as bluetoothd tracks them), and
 * RemoveDevice. A discovery reports every matching massager in range once,
 * scan_delay after it starts (or after a device comes into range).
 */

#include <errno.h>
#include <strings.h>

#include "bluez-error.h"
#include "macro.h"
#include "sim.h"

#define BLUETOOTH_BASE_UUID_SUFFIX "-0000-1000-8000-00805f9b34fb"

int adapter_emit(Sim *sim, const char *property) {
        if (!sim->bus)
                return 0;
        return sd_bus_emit_properties_changed(sim->bus, BLUEZ_ADAPTER_PATH, "org.bluez.Adapter1", property, NULL);
}

/* ---- filters --------------------------------------------------------------- */

static SimFilter *filter_free(SimFilter *f) {
        if (!f)
                return NULL;
        free(f->owner);
        free(f->pattern);
        for (char **u = f->uuids; u && *u; u++)
                free(*u);
        free(f->uuids);
        free(f);
        return NULL;
}

static SimFilter *filter_find(Sim *sim, const char *owner) {
        for (SimFilter *f = sim->filters; f; f = f->next)
                if (strcmp(f->owner, owner) == 0)
                        return f;
        return NULL;
}

static void filter_remove(Sim *sim, const char *owner) {
        for (SimFilter **p = &sim->filters; *p; p = &(*p)->next)
                if (strcmp((*p)->owner, owner) == 0) {
                        SimFilter *f = *p;
                        *p = f->next;
                        filter_free(f);
                        return;
                }
}

/* "180f", "0000180f" and the full form all name the same UUID. */
static bool uuid_equal(const char *filter, const char *full) {
        char buf[40];

        if (strlen(filter) == 4) {
                (void) snprintf(buf, sizeof(buf), "0000%s" BLUETOOTH_BASE_UUID_SUFFIX, filter);
                filter = buf;
        } else if (strlen(filter) == 8) {
                (void) snprintf(buf, sizeof(buf), "%s" BLUETOOTH_BASE_UUID_SUFFIX, filter);
                filter = buf;
        }
        return strcasecmp(filter, full) == 0;
}

static bool filter_matches(const SimFilter *f, const SimDevice *d) {
        if (f->bredr_only)
                return false;           /* the massager is LE only */
        if (f->rssi != INT16_MIN && d->rssi < f->rssi)
                return false;
        if (f->pattern && *f->pattern && strncasecmp(d->address, f->pattern, strlen(f->pattern)) != 0 &&
            strncmp(d->name, f->pattern, strlen(f->pattern)) != 0)
                return false;
        if (f->uuids) {
                bool any = false;
                for (char **u = f->uuids; *u && !any; u++)
                        any = uuid_equal(*u, MASSAGER_SERVICE_UUID);
                if (!any)
                        return false;
        }
        return true;
}

/* A device is reported if any discovering client's filter lets it through. */
static bool discovery_wants(Sim *sim, const SimDevice *d) {
        const char *owner;

        if (!sim->discovery_clients || d->out_of_range)
                return false;
        for (owner = sd_bus_track_first(sim->discovery_clients); owner;
             owner = sd_bus_track_next(sim->discovery_clients)) {
                const SimFilter *f = filter_find(sim, owner);
                if (!f || filter_matches(f, d))
                        return true;
        }
        return false;
}

static int on_scan_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Sim *sim = userdata;

        sim->scan_timer = sd_event_source_disable_unref(sim->scan_timer);
        if (!sim->discovering)
                return 0;
        for (SimDevice *d = sim->devices; d; d = d->next) {
                if (d->seen || !discovery_wants(sim, d))
                        continue;
                d->seen = true;
                if (!d->exported)
                        (void) sim_device_export(d);
                else
                        (void) device_emit(d, "RSSI");
                sim_device_seen(d);
        }
        return 0;
}

void adapter_device_in_range(Sim *sim, SimDevice *d) {
        if (!sim->discovering || sim->scan_timer)
                return;
        if (sd_event_add_time_relative(sim->event, &sim->scan_timer, CLOCK_MONOTONIC, sim->opt.scan_delay_us,
                                       SIM_TIMER_ACCURACY_USEC, on_scan_timer, sim) < 0)
                on_scan_timer(NULL, 0, sim);
}

static void discovery_stop(Sim *sim) {
        sim->scan_timer = sd_event_source_disable_unref(sim->scan_timer);
        if (!sim->discovering)
                return;
        sim->discovering = false;
        /* A new discovery reports devices again. */
        for (SimDevice *d = sim->devices; d; d = d->next)
                d->seen = false;
        (void) adapter_emit(sim, "Discovering");
        sim_log(sim, "discovery stopped");
}

static int on_discovery_client_gone(sd_bus_track *track, void *userdata) {
        Sim *sim = userdata;

        /* Drop the empty tracker, or sd-bus keeps telling us it is empty. */
        if (sd_bus_track_count(track) == 0) {
                sim->discovery_clients = sd_bus_track_unref(sim->discovery_clients);
                discovery_stop(sim);
        }
        return 0;
}

static int method_start_discovery(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Sim *sim = userdata;
        int r;

        if (!sim->powered)
                return bluez_error(error, BLUEZ_ERROR_NOT_READY, "Resource Not Ready");
        if (sim->discovery_clients && sd_bus_track_contains(sim->discovery_clients, sd_bus_message_get_sender(m)))
                return bluez_error(error, BLUEZ_ERROR_IN_PROGRESS, "Operation already in progress");
        if (!sim->discovery_clients) {
                r = sd_bus_track_new(sd_bus_message_get_bus(m), &sim->discovery_clients,
                                     on_discovery_client_gone, sim);
                if (r < 0)
                        return bluez_error(error, BLUEZ_ERROR_FAILED, "%s", strerror(-r));
        }
        r = sd_bus_track_add_sender(sim->discovery_clients, m);
        if (r < 0)
                return bluez_error(error, BLUEZ_ERROR_FAILED, "%s", strerror(-r));
        if (!sim->discovering) {
                sim->discovering = true;
                (void) adapter_emit(sim, "Discovering");
                sim_log(sim, "discovery started");
        }
        r = sd_bus_reply_method_return(m, NULL);
        /* A new client may let devices through that the others filtered out. */
        for (SimDevice *d = sim->devices; d; d = d->next)
                if (!d->seen)
                        adapter_device_in_range(sim, d);
        return r;
}

static int method_stop_discovery(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Sim *sim = userdata;
        const char *sender = sd_bus_message_get_sender(m);

        if (!sim->powered)
                return bluez_error(error, BLUEZ_ERROR_NOT_READY, "Resource Not Ready");
        if (!sim->discovery_clients || !sd_bus_track_contains(sim->discovery_clients, sender))
                return bluez_error(error, BLUEZ_ERROR_FAILED, "No discovery started");
        (void) sd_bus_track_remove_name(sim->discovery_clients, sender);
        filter_remove(sim, sender);
        if (sd_bus_track_count(sim->discovery_clients) == 0) {
                sim->discovery_clients = sd_bus_track_unref(sim->discovery_clients);
                discovery_stop(sim);
        }
        return sd_bus_reply_method_return(m, NULL);
}

static int read_filter_entry(sd_bus_message *m, SimFilter *f, bool *has_rssi, bool *has_pathloss,
                             sd_bus_error *error) {
        const char *key, *contents;
        char type;
        int r;

        r = sd_bus_message_read(m, "s", &key);
        if (r < 0)
                return r;
        r = sd_bus_message_peek_type(m, &type, &contents);
        if (r < 0)
                return r;

#define EXPECT(sig)                                                                                     \
        if (!streq_ptr(contents, sig))                                                                  \
                return bluez_error(error, BLUEZ_ERROR_INVALID_ARGUMENTS,                                \
                                   "Discovery filter '%s' must have type '%s', not '%s'", key, sig, contents)

        if (strcmp(key, "UUIDs") == 0) {
                char **uuids = NULL;
                EXPECT("as");
                r = sd_bus_message_enter_container(m, 'v', "as");
                if (r < 0)
                        return r;
                r = sd_bus_message_read_strv(m, &uuids);
                if (r < 0)
                        return r;
                f->uuids = uuids;
                if (uuids && !*uuids) {          /* empty list: no UUID filtering */
                        free(uuids);
                        f->uuids = NULL;
                }
                return sd_bus_message_exit_container(m);
        }
        if (strcmp(key, "RSSI") == 0) {
                EXPECT("n");
                *has_rssi = true;
                return sd_bus_message_read(m, "v", "n", &f->rssi);
        }
        if (strcmp(key, "Pathloss") == 0) {
                uint16_t pathloss;
                EXPECT("q");
                *has_pathloss = true;
                return sd_bus_message_read(m, "v", "q", &pathloss);
        }
        if (strcmp(key, "Transport") == 0) {
                const char *transport;
                EXPECT("s");
                r = sd_bus_message_read(m, "v", "s", &transport);
                if (r < 0)
                        return r;
                if (strcmp(transport, "bredr") == 0)
                        f->bredr_only = true;
                else if (strcmp(transport, "le") != 0 && strcmp(transport, "auto") != 0)
                        return bluez_error(error, BLUEZ_ERROR_INVALID_ARGUMENTS,
                                           "Transport must be \"auto\", \"bredr\" or \"le\", not \"%s\"", transport);
                return 0;
        }
        if (strcmp(key, "DuplicateData") == 0 || strcmp(key, "Discoverable") == 0) {
                int b;
                EXPECT("b");
                return sd_bus_message_read(m, "v", "b", &b);
        }
        if (strcmp(key, "Pattern") == 0) {
                const char *pattern;
                EXPECT("s");
                r = sd_bus_message_read(m, "v", "s", &pattern);
                if (r < 0)
                        return r;
                f->pattern = strdup(pattern);
                return f->pattern ? 0 : -ENOMEM;
        }
#undef EXPECT
        return bluez_error(error, BLUEZ_ERROR_INVALID_ARGUMENTS, "Unknown discovery filter '%s'", key);
}

static int method_set_discovery_filter(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Sim *sim = userdata;
        const char *sender = sd_bus_message_get_sender(m);
        bool has_rssi = false, has_pathloss = false, empty = true;
        SimFilter *f;
        int r;

        if (!sim->powered)
                return bluez_error(error, BLUEZ_ERROR_NOT_READY, "Resource Not Ready");
        f = calloc(1, sizeof(*f));
        if (!f)
                return -ENOMEM;
        f->rssi = INT16_MIN;
        f->owner = strdup(sender ?: "");
        if (!f->owner) {
                filter_free(f);
                return -ENOMEM;
        }

        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        while (r >= 0 && (r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                empty = false;
                r = read_filter_entry(m, f, &has_rssi, &has_pathloss, error);
                if (r >= 0)
                        r = sd_bus_message_exit_container(m);
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(m);
        if (r >= 0 && has_rssi && has_pathloss)
                r = bluez_error(error, BLUEZ_ERROR_INVALID_ARGUMENTS, "RSSI and Pathloss cannot be combined");
        if (r < 0) {
                filter_free(f);
                if (!sd_bus_error_is_set(error))
                        return bluez_error(error, BLUEZ_ERROR_INVALID_ARGUMENTS, "Invalid arguments in method call");
                return r;
        }

        filter_remove(sim, f->owner);
        if (empty)      /* an empty dict clears the client's filter */
                filter_free(f);
        else {
                f->next = sim->filters;
                sim->filters = f;
        }
        return sd_bus_reply_method_return(m, NULL);
}

static int method_get_discovery_filters(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        return sd_bus_reply_method_return(m, "as", 7, "UUIDs", "RSSI", "Pathloss", "Transport", "DuplicateData",
                                          "Discoverable", "Pattern");
}

static int method_remove_device(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Sim *sim = userdata;
        const char *path;
        SimDevice *d;
        int r;

        r = sd_bus_message_read(m, "o", &path);
        if (r < 0)
                return bluez_error(error, BLUEZ_ERROR_INVALID_ARGUMENTS, "Invalid arguments in method call");
        d = sim_find_device_by_path(sim, path);
        if (!d)
                return bluez_error(error, BLUEZ_ERROR_DOES_NOT_EXIST, "Does Not Exist");
        sim_device_forget(d);
        return sd_bus_reply_method_return(m, NULL);
}

#define ADAPTER_GETTER(name, sig, ...)                                                                   \
        static int name(sd_bus *bus, const char *path, const char *interface, const char *property,     \
                        sd_bus_message *reply, void *userdata, sd_bus_error *error) {                    \
                Sim *sim = userdata;                                                                     \
                (void) sim;                                                                              \
                return sd_bus_message_append(reply, sig, __VA_ARGS__);                                   \
        }

ADAPTER_GETTER(get_address, "s", sim->opt.adapter_address)
ADAPTER_GETTER(get_address_type, "s", "public")
ADAPTER_GETTER(get_name, "s", sim->opt.adapter_name)
ADAPTER_GETTER(get_alias, "s", sim->adapter_alias ?: sim->opt.adapter_name)
ADAPTER_GETTER(get_class, "u", (uint32_t) 0)
ADAPTER_GETTER(get_powered, "b", sim->powered)
ADAPTER_GETTER(get_power_state, "s", sim->powered ? "on" : "off")
ADAPTER_GETTER(get_discoverable, "b", sim->discoverable)
ADAPTER_GETTER(get_discoverable_timeout, "u", sim->discoverable_timeout)
ADAPTER_GETTER(get_pairable, "b", sim->pairable)
ADAPTER_GETTER(get_pairable_timeout, "u", (uint32_t) 0)
ADAPTER_GETTER(get_discovering, "b", sim->discovering)
ADAPTER_GETTER(get_modalias, "s", "usb:v1D6Bp0246d0542")    /* what bluetoothd 5.66 reports by default */
ADAPTER_GETTER(get_uuids, "as", 4, "00001800-0000-1000-8000-00805f9b34fb", "00001801-0000-1000-8000-00805f9b34fb",
               "0000180a-0000-1000-8000-00805f9b34fb", "0000110e-0000-1000-8000-00805f9b34fb")
ADAPTER_GETTER(get_roles, "as", 2, "central", "peripheral")

static int set_alias(sd_bus *bus, const char *path, const char *interface, const char *property,
                     sd_bus_message *value, void *userdata, sd_bus_error *error) {
        Sim *sim = userdata;
        const char *alias;
        char *copy = NULL;
        int r;

        r = sd_bus_message_read(value, "s", &alias);
        if (r < 0)
                return r;
        if (*alias && !(copy = strdup(alias)))
                return -ENOMEM;
        free(sim->adapter_alias);
        sim->adapter_alias = copy;
        return adapter_emit(sim, "Alias");
}

static int set_flag(sd_bus *bus, const char *path, const char *interface, const char *property,
                    sd_bus_message *value, void *userdata, sd_bus_error *error) {
        Sim *sim = userdata;
        int b, r;

        r = sd_bus_message_read(value, "b", &b);
        if (r < 0)
                return r;
        if (strcmp(property, "Powered") == 0) {
                if (sim->powered == (bool) b)
                        return 0;
                sim->powered = b;
                if (!b) {
                        /* Powering off drops every link and ends discovery. */
                        for (SimDevice *d = sim->devices; d; d = d->next)
                                sim_device_link_lost(d, "adapter powered off");
                        sim->discovery_clients = sd_bus_track_unref(sim->discovery_clients);
                        discovery_stop(sim);
                }
                (void) adapter_emit(sim, "PowerState");
        } else if (strcmp(property, "Discoverable") == 0)
                sim->discoverable = b;
        else
                sim->pairable = b;
        return adapter_emit(sim, property);
}

static int set_timeout(sd_bus *bus, const char *path, const char *interface, const char *property,
                       sd_bus_message *value, void *userdata, sd_bus_error *error) {
        Sim *sim = userdata;
        uint32_t t;
        int r;

        r = sd_bus_message_read(value, "u", &t);
        if (r < 0)
                return r;
        if (strcmp(property, "DiscoverableTimeout") == 0)
                sim->discoverable_timeout = t;
        return adapter_emit(sim, property);
}

static const sd_bus_vtable adapter_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Address", "s", get_address, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("AddressType", "s", get_address_type, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Name", "s", get_name, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_WRITABLE_PROPERTY("Alias", "s", get_alias, set_alias, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Class", "u", get_class, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_WRITABLE_PROPERTY("Powered", "b", get_powered, set_flag, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("PowerState", "s", get_power_state, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_WRITABLE_PROPERTY("Discoverable", "b", get_discoverable, set_flag, 0,
                                 SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_WRITABLE_PROPERTY("DiscoverableTimeout", "u", get_discoverable_timeout, set_timeout, 0,
                                 SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_WRITABLE_PROPERTY("Pairable", "b", get_pairable, set_flag, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_WRITABLE_PROPERTY("PairableTimeout", "u", get_pairable_timeout, set_timeout, 0,
                                 SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Discovering", "b", get_discovering, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("UUIDs", "as", get_uuids, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Modalias", "s", get_modalias, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Roles", "as", get_roles, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_METHOD("StartDiscovery", NULL, NULL, method_start_discovery, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("SetDiscoveryFilter", SD_BUS_ARGS("a{sv}", properties), SD_BUS_NO_RESULT,
                                method_set_discovery_filter, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("StopDiscovery", NULL, NULL, method_stop_discovery, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("RemoveDevice", SD_BUS_ARGS("o", device), SD_BUS_NO_RESULT,
                                method_remove_device, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetDiscoveryFilters", SD_BUS_NO_ARGS, SD_BUS_RESULT("as", filters),
                                method_get_discovery_filters, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END,
};

int adapter_bus_register(Sim *sim) {
        /* Floating: it lives as long as this "bluetoothd" connection. */
        return sd_bus_add_object_vtable(sim->bus, NULL, BLUEZ_ADAPTER_PATH, "org.bluez.Adapter1", adapter_vtable,
                                        sim);
}
