/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * massager-sim --peripheral: the bus, the registrations with bluetoothd and
 * the firmware's link state.
 *
 * The firmware needs to know when a central is connected (link loss stops
 * a session) and whether the link is encrypted. bluetoothd keeps a Device1
 * object under our adapter for every central that connects to us; its
 * Connected property is the link. bluetoothd sometimes sets Connected
 * without signalling it (tests/vm/README.md, the Connected race), so any
 * Device1 signal makes us Get the property, and an ATT request carrying a
 * "device" option counts as proof of a link too.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bluez-error.h"
#include "macro.h"
#include "peripheral.h"

/* As SIM_TIMER_ACCURACY_USEC (sim.h): 0 would mean sd-event's 250 ms, and the
 * firmware's lease expiry must happen when the model says. */
#define PERIPHERAL_TIMER_ACCURACY_USEC 1000u

#define SIM_CONTROL_NAME "org.massaged1.Sim"

void peripheral_log(Peripheral *p, const char *fmt, ...) {
        va_list ap;

        if (!p->opt.verbose)
                return;
        (void) fputs("massager-sim: ", stderr);
        va_start(ap, fmt);
        (void) vfprintf(stderr, fmt, ap);
        va_end(ap);
        (void) fputc('\n', stderr);
}

uint64_t peripheral_now(Peripheral *p) {
        uint64_t now;

        if (sd_event_now(p->event, CLOCK_MONOTONIC, &now) < 0) {
                struct timespec ts;
                (void) clock_gettime(CLOCK_MONOTONIC, &ts);
                now = (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
        }
        return now;
}

/* ---- firmware glue ---- */

static void queue_or_emit(Peripheral *p, PeriphCharId id, const uint8_t *data, size_t len) {
        if (p->defer_notify && p->n_pending < PERIPH_PENDING_MAX && len <= MASSAGER_FRAME_MAX) {
                PeriphPending *q = &p->pending[p->n_pending++];
                q->id = id;
                memcpy(q->data, data, len);
                q->len = len;
                return;
        }
        peripheral_char_notify(&p->chars[id], data, len);
}

static void flush_pending(Peripheral *p) {
        unsigned n = p->n_pending;

        p->n_pending = 0;
        for (unsigned i = 0; i < n; i++)
                peripheral_char_notify(&p->chars[p->pending[i].id], p->pending[i].data, p->pending[i].len);
}

static void on_firmware_notify(void *userdata, const uint8_t *frame, size_t len) {
        queue_or_emit(userdata, PERIPH_CHAR_STATUS, frame, len);
}

static void on_firmware_battery(void *userdata, uint8_t percent) {
        queue_or_emit(userdata, PERIPH_CHAR_BATTERY_LEVEL, &percent, 1);
}

static int on_firmware_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Peripheral *p = userdata;

        firmware_advance(&p->firmware, usec);
        peripheral_firmware_changed(p);
        return 0;
}

/* Arm the one firmware timer for the model's next deadline; none while idle. */
void peripheral_firmware_changed(Peripheral *p) {
        uint64_t t = firmware_next_wakeup(&p->firmware);

        if (t == FIRMWARE_NEVER) {
                if (p->firmware_timer)
                        (void) sd_event_source_set_enabled(p->firmware_timer, SD_EVENT_OFF);
                return;
        }
        if (!p->firmware_timer) {
                if (sd_event_add_time(p->event, &p->firmware_timer, CLOCK_MONOTONIC, t, PERIPHERAL_TIMER_ACCURACY_USEC,
                                      on_firmware_timer, p) < 0)
                        (void) fprintf(stderr, "massager-sim: cannot arm the firmware timer: the lease may not expire\n");
                return;
        }
        (void) sd_event_source_set_time(p->firmware_timer, t);
        (void) sd_event_source_set_enabled(p->firmware_timer, SD_EVENT_ONESHOT);
}

int peripheral_read(Peripheral *p, PeriphCharId id, uint8_t *out, size_t size, size_t *ret_len) {
        uint64_t now = peripheral_now(p);
        const MassagerDeviceInfo *info = &p->firmware.info;
        ssize_t n = -EINVAL;
        int k;

        switch (id) {
        case PERIPH_CHAR_STATUS:
                n = firmware_read_status(&p->firmware, now, out, size);
                break;
        case PERIPH_CHAR_DEVICE_INFO:
                n = firmware_read_device_info(&p->firmware, out, size);
                break;
        case PERIPH_CHAR_BATTERY_LEVEL:
                if (size < 1)
                        return -ENOBUFS;
                out[0] = firmware_read_battery(&p->firmware, now);
                n = 1;
                break;
        case PERIPH_CHAR_MANUFACTURER:
                k = snprintf((char *) out, size, "massaged project (simulated)");
                n = k < 0 || (size_t) k >= size ? -ENOBUFS : k;
                break;
        case PERIPH_CHAR_MODEL:
                k = snprintf((char *) out, size, "%s", info->model);
                n = k < 0 || (size_t) k >= size ? -ENOBUFS : k;
                break;
        case PERIPH_CHAR_FIRMWARE_REV:
                k = snprintf((char *) out, size, "%u.%u.%u", info->fw_major, info->fw_minor, info->fw_patch);
                n = k < 0 || (size_t) k >= size ? -ENOBUFS : k;
                break;
        case PERIPH_CHAR_CONTROL_POINT:
        case _PERIPH_CHAR_MAX:
                return -EACCES;
        }
        peripheral_firmware_changed(p);
        if (n < 0)
                return (int) n;
        *ret_len = (size_t) n;
        return 0;
}

int peripheral_write(Peripheral *p, sd_bus_message *m, const uint8_t *value, size_t len) {
        uint64_t now = peripheral_now(p);
        int r;

        if (!p->firmware.connected) {
                /* bluetoothd delivered an ATT write, so a central is there even
                 * if no Device1 said so yet. */
                peripheral_log(p, "a write arrived before any Connected: the link is up");
                firmware_link_up(&p->firmware, now, false);
        }
        /* With "encrypt-write" bluetoothd refuses the write on an unencrypted
         * link (ATT Insufficient Encryption), so one that reaches us was
         * encrypted. Without it (--insecure-control-point) the firmware's
         * requirement is relaxed: that was logged loudly at start. */
        if (!p->firmware.encrypted)
                firmware_set_encrypted(&p->firmware, now, true);

        p->defer_notify = true;
        r = firmware_write(&p->firmware, now, value, len);
        p->defer_notify = false;
        if (r == -ENOTCONN || r == -EACCES) {
                p->n_pending = 0;
                peripheral_firmware_changed(p);
                return sd_bus_reply_method_errorf(m, r == -EACCES ? BLUEZ_ERROR_NOT_AUTHORIZED : BLUEZ_ERROR_FAILED,
                                                  r == -EACCES ? "Not paired" : "Not connected");
        }
        p->writes_received++;
        r = sd_bus_reply_method_return(m, NULL);
        flush_pending(p);
        peripheral_firmware_changed(p);
        return r;
}

/* ---- links ---- */

static bool is_our_device(Peripheral *p, const char *path) {
        size_t n = strlen(p->adapter_path);
        return strncmp(path, p->adapter_path, n) == 0 && strncmp(path + n, "/dev_", 5) == 0 &&
               !strchr(path + n + 5, '/');
}

static void link_add(Peripheral *p, const char *path) {
        for (unsigned i = 0; i < p->n_links; i++)
                if (!strcmp(p->links[i], path))
                        return;
        if (p->n_links >= PERIPH_MAX_LINKS || strlen(path) >= PERIPH_PATH_MAX) {
                (void) fprintf(stderr, "massager-sim: too many centrals; ignoring %s\n", path);
                return;
        }
        (void) snprintf(p->links[p->n_links++], PERIPH_PATH_MAX, "%s", path);
        peripheral_log(p, "central %s connected (%u link(s))", path, p->n_links);
        if (p->n_links == 1 && !p->firmware.connected)
                firmware_link_up(&p->firmware, peripheral_now(p), false);
        peripheral_firmware_changed(p);
}

static void link_remove(Peripheral *p, const char *path) {
        for (unsigned i = 0; i < p->n_links; i++) {
                if (strcmp(p->links[i], path) != 0)
                        continue;
                memmove(p->links[i], p->links[i + 1], (size_t) (p->n_links - i - 1) * PERIPH_PATH_MAX);
                p->n_links--;
                peripheral_log(p, "central %s disconnected (%u link(s) left)", path, p->n_links);
                break;
        }
        if (p->n_links == 0 && p->firmware.connected) {
                peripheral_log(p, "link lost: the device stops any session");
                firmware_link_down(&p->firmware, peripheral_now(p));
                /* bluetoothd calls StopNotify itself when the last
                 * subscribed central goes. */
                peripheral_firmware_changed(p);
        }
}

static void links_clear(Peripheral *p) {
        while (p->n_links > 0) {
                char path[PERIPH_PATH_MAX];
                (void) snprintf(path, sizeof(path), "%s", p->links[0]);
                link_remove(p, path);
        }
        if (p->firmware.connected) {
                firmware_link_down(&p->firmware, peripheral_now(p));
                peripheral_firmware_changed(p);
        }
}

void peripheral_link_seen(Peripheral *p, const char *device_path) {
        if (is_our_device(p, device_path))
                link_add(p, device_path);
}

/* Ask bluetoothd: the signal may never come (the Connected race). */
static void refresh_connected(Peripheral *p, const char *path) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int connected = 0;

        if (sd_bus_get_property_trivial(p->bus, "org.bluez", path, "org.bluez.Device1", "Connected", &error, 'b',
                                        &connected) < 0)
                connected = 0;  /* the object is gone */
        if (connected)
                link_add(p, path);
        else
                link_remove(p, path);
}

/* Device1 properties of an InterfacesAdded or PropertiesChanged payload. */
static int read_device_props(Peripheral *p, sd_bus_message *m, const char *path) {
        const char *key;
        int r;

        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                r = sd_bus_message_read(m, "s", &key);
                if (r < 0)
                        return r;
                if (!strcmp(key, "Paired")) {
                        int paired;
                        r = sd_bus_message_read(m, "v", "b", &paired);
                        if (r >= 0 && paired) {
                                peripheral_log(p, "central %s paired", path);
                                if (p->firmware.connected)
                                        firmware_set_encrypted(&p->firmware, peripheral_now(p), true);
                        }
                } else
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

static int on_interfaces_added(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Peripheral *p = userdata;
        const char *path, *iface;
        bool device = false;
        int r;

        r = sd_bus_message_read(m, "o", &path);
        if (r < 0 || !is_our_device(p, path))
                return 0;
        r = sd_bus_message_enter_container(m, 'a', "{sa{sv}}");
        if (r < 0)
                return 0;
        while (sd_bus_message_enter_container(m, 'e', "sa{sv}") > 0) {
                if (sd_bus_message_read(m, "s", &iface) < 0)
                        return 0;
                if (!strcmp(iface, "org.bluez.Device1")) {
                        device = true;
                        if (read_device_props(p, m, path) < 0)
                                return 0;
                } else if (sd_bus_message_skip(m, "a{sv}") < 0)
                        return 0;
                if (sd_bus_message_exit_container(m) < 0)
                        return 0;
        }
        if (device)
                refresh_connected(p, path);
        return 0;
}

static int on_interfaces_removed(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Peripheral *p = userdata;
        const char *path;

        if (sd_bus_message_read(m, "o", &path) < 0 || !is_our_device(p, path))
                return 0;
        /* Device1 gone (or only some interface): ask, a missing object reads as disconnected. */
        refresh_connected(p, path);
        return 0;
}

static int on_properties_changed(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Peripheral *p = userdata;
        const char *path = sd_bus_message_get_path(m), *iface;

        if (!path || sd_bus_message_read(m, "s", &iface) < 0)
                return 0;
        if (!strcmp(iface, "org.bluez.Adapter1") && !strcmp(path, p->adapter_path)) {
                int powered = 1;
                _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
                if (sd_bus_get_property_trivial(p->bus, "org.bluez", p->adapter_path, "org.bluez.Adapter1",
                                                "Powered", &e, 'b', &powered) >= 0 && !powered) {
                        peripheral_log(p, "%s powered off: every link is gone", p->opt.adapter);
                        links_clear(p);
                }
                return 0;
        }
        if (strcmp(iface, "org.bluez.Device1") != 0 || !is_our_device(p, path))
                return 0;
        (void) read_device_props(p, m, path);
        refresh_connected(p, path);
        return 0;
}

static int on_bluez_owner(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Peripheral *p = userdata;
        const char *name, *old_owner, *new_owner;

        if (sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner) < 0 || strcmp(name, "org.bluez") != 0)
                return 0;
        if (!*new_owner) {
                (void) fprintf(stderr, "massager-sim: bluetoothd left the bus: links gone, registrations void\n");
                p->app_registered = p->adv_registered = false;
                links_clear(p);
        }
        return 0;
}

/* ---- registration ---- */

static int on_registered(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Peripheral *p = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(reply);

        if (e) {
                (void) fprintf(stderr, "massager-sim: registering with bluetoothd failed: %s: %s\n", e->name,
                               e->message);
                return sd_event_exit(p->event, EXIT_FAILURE);
        }
        return 0;
}

static int on_app_registered(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Peripheral *p = userdata;

        if (sd_bus_message_is_method_error(reply, NULL))
                return on_registered(reply, userdata, ret_error);
        p->app_registered = true;
        peripheral_log(p, "GATT application registered on %s", p->opt.adapter);
        if (p->adv_registered)
                (void) printf("massager-sim: peripheral ready on %s %s\n", p->opt.adapter, p->address);
        (void) fflush(stdout);
        return 0;
}

static int on_adv_registered(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Peripheral *p = userdata;

        if (sd_bus_message_is_method_error(reply, NULL))
                return on_registered(reply, userdata, ret_error);
        p->adv_registered = true;
        peripheral_log(p, "advertising %s as '%s'", MASSAGER_SERVICE_UUID, p->opt.name);
        if (p->app_registered)
                (void) printf("massager-sim: peripheral ready on %s %s\n", p->opt.adapter, p->address);
        (void) fflush(stdout);
        return 0;
}

static int connect_bus(Peripheral *p) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int r;

        if (!p->opt.bus_address)
                r = sd_bus_open_system(&bus);
        else {
                r = sd_bus_new(&bus);
                if (r >= 0)
                        r = sd_bus_set_address(bus, p->opt.bus_address);
                if (r >= 0)
                        r = sd_bus_set_bus_client(bus, 1);
                if (r >= 0)
                        r = sd_bus_start(bus);
        }
        if (r < 0)
                return r;
        p->bus = STEAL_PTR(bus);
        return 0;
}

static int setup(Peripheral *p) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_free_ char *address = NULL;
        int r;

        r = connect_bus(p);
        if (r < 0) {
                (void) fprintf(stderr, "massager-sim: cannot connect to the bus %s: %s\n",
                               p->opt.bus_address ?: "(system)", strerror(-r));
                return r;
        }
        r = sd_bus_attach_event(p->bus, p->event, 0);
        if (r < 0)
                return r;

        (void) snprintf(p->adapter_path, sizeof(p->adapter_path), "/org/bluez/%s", p->opt.adapter);
        r = sd_bus_get_property_string(p->bus, "org.bluez", p->adapter_path, "org.bluez.Adapter1", "Address",
                                       &error, &address);
        if (r < 0) {
                (void) fprintf(stderr, "massager-sim: no adapter %s at org.bluez (%s); is bluetoothd running, "
                               "and does the adapter exist (btmgmt info)?\n", p->opt.adapter,
                               error.message ?: strerror(-r));
                return r;
        }
        (void) snprintf(p->address, sizeof(p->address), "%s", address);

        r = sd_bus_set_property(p->bus, "org.bluez", p->adapter_path, "org.bluez.Adapter1", "Powered", &error,
                                "b", 1);
        if (r < 0) {
                (void) fprintf(stderr, "massager-sim: cannot power %s on: %s\n", p->opt.adapter, error.message);
                return r;
        }

        r = peripheral_gatt_add(p);
        if (r >= 0)
                r = peripheral_advert_add(p);
        if (r >= 0)
                r = peripheral_control_add(p);
        if (r < 0)
                return r;
        r = sd_bus_request_name(p->bus, SIM_CONTROL_NAME, 0);
        if (r < 0) {
                (void) fprintf(stderr, "massager-sim: cannot own %s on this bus (%s); the bus policy must allow it\n",
                               SIM_CONTROL_NAME, strerror(-r));
                return r;
        }

        /* Signals before the registrations, so no central slips by. */
        r = sd_bus_match_signal(p->bus, NULL, "org.bluez", "/", "org.freedesktop.DBus.ObjectManager",
                                "InterfacesAdded", on_interfaces_added, p);
        if (r >= 0)
                r = sd_bus_match_signal(p->bus, NULL, "org.bluez", "/", "org.freedesktop.DBus.ObjectManager",
                                        "InterfacesRemoved", on_interfaces_removed, p);
        if (r >= 0)
                r = sd_bus_match_signal(p->bus, NULL, "org.bluez", NULL, "org.freedesktop.DBus.Properties",
                                        "PropertiesChanged", on_properties_changed, p);
        if (r >= 0)
                r = sd_bus_match_signal(p->bus, NULL, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                        "org.freedesktop.DBus", "NameOwnerChanged", on_bluez_owner, p);
        if (r < 0)
                return r;

        r = peripheral_agent_add(p);
        if (r < 0)
                return r;
        r = sd_bus_call_method_async(p->bus, NULL, "org.bluez", p->adapter_path, "org.bluez.GattManager1",
                                     "RegisterApplication", on_app_registered, p, "oa{sv}", PERIPH_APP_PATH, 0);
        if (r >= 0)
                r = sd_bus_call_method_async(p->bus, NULL, "org.bluez", p->adapter_path,
                                             "org.bluez.LEAdvertisingManager1", "RegisterAdvertisement",
                                             on_adv_registered, p, "oa{sv}", PERIPH_ADV_PATH, 0);
        return r;
}

int peripheral_run(const PeripheralOptions *opt, sd_event *event) {
        Peripheral p = { .opt = *opt, .event = event };
        int r;

        firmware_init(&p.firmware, &opt->firmware, peripheral_now(&p));
        p.firmware.notify = on_firmware_notify;
        p.firmware.battery_changed = on_firmware_battery;
        p.firmware.userdata = &p;

        if (opt->insecure_control_point)
                (void) fprintf(stderr,
                               "massager-sim: ******** WARNING: --insecure-control-point: the Control Point is a plain "
                               "\"write\" and the firmware accepts commands on an UNENCRYPTED link. The product "
                               "requires pairing; this configuration exists only where SMP cannot run. ********\n");

        r = setup(&p);
        if (r >= 0)
                r = sd_event_loop(event);
        p.firmware_timer = sd_event_source_disable_unref(p.firmware_timer);
        if (p.bus)
                p.bus = sd_bus_flush_close_unref(p.bus);
        return r;
}
