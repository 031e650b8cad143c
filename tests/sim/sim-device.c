/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One simulated massager as bluetoothd sees it: the link state machine
 * (connect → services resolved, pairing, loss), the glue between the
 * firmware model and the GATT objects, and the write-path fault injection.
 * All delays are sd-event timers; nothing here blocks.
 */

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bluez-error.h"
#include "macro.h"
#include "sim.h"

static const char *const service_suffix[_SIM_SERVICE_MAX] = {
        [SIM_SERVICE_MASSAGER] = "service0010",
        [SIM_SERVICE_BATTERY] = "service0020",
};

/* charXXXX is the declaration handle, as bluetoothd names them. */
static const struct {
        SimServiceId service;
        const char *suffix;
        const char *cccd_suffix;        /* the CCCD's handle, after the value's */
} char_layout[_SIM_CHAR_MAX] = {
        [SIM_CHAR_CONTROL_POINT] = { SIM_SERVICE_MASSAGER, "char0011", NULL },
        [SIM_CHAR_STATUS] = { SIM_SERVICE_MASSAGER, "char0013", "desc0015" },
        [SIM_CHAR_DEVICE_INFO] = { SIM_SERVICE_MASSAGER, "char0016", NULL },
        [SIM_CHAR_BATTERY_LEVEL] = { SIM_SERVICE_BATTERY, "char0021", "desc0023" },
};

const char *sim_device_alias(const SimDevice *d) {
        return d->alias ? d->alias : d->name;
}

bool sim_device_is_notifying(const SimDevice *d, SimCharId id) {
        return d->chars[id].notify_clients && sd_bus_track_count(d->chars[id].notify_clients) > 0;
}

static bool on_bus(const SimDevice *d) {
        return d->sim->bus && d->exported;
}

static void emit(SimDevice *d, const char *property) {
        if (on_bus(d))
                (void) device_emit(d, property);
}

static void apply_mangle(SimDevice *d, uint8_t *data, size_t *len) {
        switch (d->mangle) {
        case SIM_MANGLE_NONE:
                return;
        case SIM_MANGLE_TRUNCATE:
                *len = MIN(*len, (size_t) 3);   /* shorter than any header */
                break;
        case SIM_MANGLE_GARBAGE:
                for (size_t i = 1; i < *len; i++)
                        data[i] ^= (uint8_t) (0x5a + i);
                break;
        }
        if (--d->mangle_count == 0)
                d->mangle = SIM_MANGLE_NONE;
}

static void emit_notification(SimDevice *d, SimCharId id, const uint8_t *data, size_t len, bool mangle) {
        uint8_t buf[sizeof(d->chars[0].value)];

        if (d->link != SIM_LINK_CONNECTED || !d->gatt_exported || !sim_device_is_notifying(d, id))
                return;         /* CCCD not enabled: the device sends nothing */
        len = MIN(len, sizeof(buf));
        memcpy(buf, data, len);
        if (mangle && id == SIM_CHAR_STATUS)
                apply_mangle(d, buf, &len);
        gatt_char_set_value(&d->chars[id], buf, len);
}

void sim_device_notify_raw(SimDevice *d, SimCharId id, const uint8_t *data, size_t len) {
        emit_notification(d, id, data, len, false);
}

static void queue_or_emit(SimDevice *d, SimCharId id, const uint8_t *data, size_t len) {
        if (d->defer_notify && d->n_pending < ELEMENTSOF(d->pending) && len <= MASSAGER_FRAME_MAX) {
                SimPendingNotify *p = &d->pending[d->n_pending++];
                p->id = id;
                memcpy(p->data, data, len);
                p->len = len;
                return;
        }
        emit_notification(d, id, data, len, true);
}

static void flush_pending(SimDevice *d) {
        unsigned n = d->n_pending;

        d->n_pending = 0;
        for (unsigned i = 0; i < n; i++)
                emit_notification(d, d->pending[i].id, d->pending[i].data, d->pending[i].len, true);
}

static void on_firmware_notify(void *userdata, const uint8_t *frame, size_t len) {
        queue_or_emit(userdata, SIM_CHAR_STATUS, frame, len);
}

static void on_firmware_battery(void *userdata, uint8_t percent) {
        SimDevice *d = userdata;

        queue_or_emit(d, SIM_CHAR_BATTERY_LEVEL, &percent, 1);
        /* The battery plugin of bluetoothd subscribes on its own. */
        if (d->battery_slot && d->sim->bus)
                (void) sd_bus_emit_properties_changed(d->sim->bus, d->path, "org.bluez.Battery1", "Percentage", NULL);
}

static int on_firmware_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        SimDevice *d = userdata;

        firmware_advance(&d->firmware, usec);
        sim_device_firmware_changed(d);
        return 0;
}

/* Arm the one firmware timer for the model's next deadline, or disarm it:
 * an idle device has no timer at all. */
void sim_device_firmware_changed(SimDevice *d) {
        uint64_t t = firmware_next_wakeup(&d->firmware);
        int r;

        if (t == FIRMWARE_NEVER) {
                if (d->firmware_timer)
                        (void) sd_event_source_set_enabled(d->firmware_timer, SD_EVENT_OFF);
                return;
        }
        if (!d->firmware_timer) {
                r = sd_event_add_time(d->sim->event, &d->firmware_timer, CLOCK_MONOTONIC, t,
                                      SIM_TIMER_ACCURACY_USEC, on_firmware_timer, d);
                if (r < 0)
                        (void) fprintf(stderr, "massager-sim: %s: cannot arm the firmware timer: %s\n",
                                       d->address, strerror(-r));
                return;
        }
        (void) sd_event_source_set_time(d->firmware_timer, t);
        (void) sd_event_source_set_enabled(d->firmware_timer, SD_EVENT_ONESHOT);
}

static int arm(SimDevice *d, sd_event_source **s, uint64_t delay_us, sd_event_time_handler_t handler) {
        *s = sd_event_source_disable_unref(*s);
        return sd_event_add_time_relative(d->sim->event, s, CLOCK_MONOTONIC, delay_us, SIM_TIMER_ACCURACY_USEC,
                                          handler, d);
}

static void reply_error(sd_bus_message **m, const char *name, const char *text) {
        if (!*m)
                return;
        (void) sd_bus_reply_method_errorf(*m, name, "%s", text);
        *m = sd_bus_message_unref(*m);
}

static void reply_ok(sd_bus_message **m) {
        if (!*m)
                return;
        (void) sd_bus_reply_method_return(*m, NULL);
        *m = sd_bus_message_unref(*m);
}

static void make_permanent(SimDevice *d) {
        d->temporary = false;
        d->temporary_timer = sd_event_source_disable_unref(d->temporary_timer);
}

static int on_pair_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        SimDevice *d = userdata;

        d->pair_timer = sd_event_source_disable_unref(d->pair_timer);
        if (d->refuse_pairing) {
                reply_error(&d->pair_msg, BLUEZ_ERROR_AUTH_FAILED, "Authentication Failed");
                sim_log(d->sim, "%s refused pairing", d->address);
                return 0;
        }
        d->paired = true;
        firmware_set_encrypted(&d->firmware, usec, true);
        emit(d, "Paired");
        emit(d, "Bonded");
        reply_ok(&d->pair_msg);
        sim_log(d->sim, "%s paired", d->address);
        return 0;
}

static int on_resolve_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        SimDevice *d = userdata;
        int r;

        d->resolve_timer = sd_event_source_disable_unref(d->resolve_timer);
        if (d->sim->bus) {
                r = gatt_bus_add(d);
                if (r >= 0)
                        r = battery_bus_add(d);
                if (r < 0) {
                        (void) fprintf(stderr, "massager-sim: %s: cannot export GATT objects: %s; dropping the link\n",
                                       d->address, strerror(-r));
                        sim_device_link_lost(d, "GATT export failed");
                        return 0;
                }
        }
        d->services_resolved = true;
        if (!d->services_known) {
                d->services_known = true;
                emit(d, "UUIDs");
        }
        emit(d, "ServicesResolved");
        sim_log(d->sim, "%s services resolved", d->address);
        return 0;
}

static int on_connect_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        SimDevice *d = userdata;
        int r;

        d->connect_timer = sd_event_source_disable_unref(d->connect_timer);
        if (d->out_of_range) {
                /* Nobody answered the connection request: the kernel gives
                 * up and bluetoothd reports the aborted attempt. */
                d->link = SIM_LINK_DISCONNECTED;
                reply_error(&d->connect_msg, BLUEZ_ERROR_FAILED, BLUEZ_MSG_LE_CONN_ABORTED);
                reply_error(&d->pair_msg, BLUEZ_ERROR_CONN_ATTEMPT_FAILED, "Page Timeout");
                sim_log(d->sim, "%s is out of range: connection attempt failed", d->address);
                return 0;
        }
        d->link = SIM_LINK_CONNECTED;
        firmware_link_up(&d->firmware, usec, d->paired);
        d->connected_visible = true;
        /* bluez-vm README, obstacle 10: the ATT callback can beat the mgmt
         * event, and then bluetoothd sets Connected without a signal. */
        if (!d->connected_race)
                emit(d, "Connected");
        sim_log(d->sim, "%s connected%s", d->address, d->connected_race ? " (silently)" : "");

        /* A bonded device whose services bluetoothd knows comes from its GATT
         * cache: ServicesResolved before the Connect() reply (measured with
         * 5.66, tests/vm/). Otherwise discovery takes resolve-delay after it.
         * An injected SetResolveDelay still applies. */
        if (d->paired && d->services_known && d->resolve_delay_us == 0)
                on_resolve_timer(NULL, usec, d);
        else {
                r = arm(d, &d->resolve_timer, d->resolve_delay_us ?: d->sim->opt.resolve_delay_us, on_resolve_timer);
                if (r < 0)
                        on_resolve_timer(NULL, usec, d);
        }
        reply_ok(&d->connect_msg);
        if (d->pair_msg) {
                r = arm(d, &d->pair_timer, d->sim->opt.pair_delay_us, on_pair_timer);
                if (r < 0)
                        on_pair_timer(NULL, usec, d);
        }
        return 0;
}

static int start_connecting(SimDevice *d) {
        int r;

        r = arm(d, &d->connect_timer, d->sim->opt.connect_delay_us, on_connect_timer);
        if (r < 0)
                return r;
        d->link = SIM_LINK_CONNECTING;
        return 0;
}

int sim_device_connect(SimDevice *d, sd_bus_message *m) {
        int r;

        make_permanent(d);
        if (d->link == SIM_LINK_CONNECTED)
                return sd_bus_reply_method_return(m, NULL);
        if (d->link == SIM_LINK_CONNECTING || d->connect_msg)
                return sd_bus_reply_method_errorf(m, BLUEZ_ERROR_IN_PROGRESS, BLUEZ_MSG_CONN_BUSY);
        r = start_connecting(d);
        if (r < 0)
                return sd_bus_reply_method_errorf(m, BLUEZ_ERROR_FAILED, "%s", strerror(-r));
        d->connect_msg = sd_bus_message_ref(m);
        return 1;
}

static void link_down(SimDevice *d, const char *connect_error, const char *pair_error) {
        bool was_up = d->link == SIM_LINK_CONNECTED;
        uint64_t now = sim_now(d->sim);

        d->connect_timer = sd_event_source_disable_unref(d->connect_timer);
        d->resolve_timer = sd_event_source_disable_unref(d->resolve_timer);
        d->pair_timer = sd_event_source_disable_unref(d->pair_timer);
        d->write_timer = sd_event_source_disable_unref(d->write_timer);
        d->disconnect_timer = sd_event_source_disable_unref(d->disconnect_timer);
        reply_error(&d->connect_msg, BLUEZ_ERROR_FAILED, connect_error);
        reply_error(&d->pair_msg, pair_error, strcmp(pair_error, BLUEZ_ERROR_AUTH_CANCELED) == 0 ?
                    "Authentication Canceled" : "Authentication Failed");
        /* An ATT request cut off by the disconnection: gatt-client's "ecode 0". */
        reply_error(&d->write_msg, BLUEZ_ERROR_FAILED, "Operation failed");
        d->write_buf = mfree(d->write_buf);
        d->n_pending = 0;

        d->link = SIM_LINK_DISCONNECTED;
        d->paired_by_write = false;
        if (was_up)
                firmware_link_down(&d->firmware, now);
        sim_device_firmware_changed(d);

        gatt_bus_remove(d, true);
        if (d->battery_slot) {
                if (d->sim->bus)
                        (void) sd_bus_emit_interfaces_removed(d->sim->bus, d->path, "org.bluez.Battery1", NULL);
                d->battery_slot = sd_bus_slot_unref(d->battery_slot);
        }
        if (d->services_resolved) {
                d->services_resolved = false;
                emit(d, "ServicesResolved");
        }
        if (d->connected_visible) {
                d->connected_visible = false;
                emit(d, "Connected");
        }
        /* A Disconnect() waiting for this is answered now. */
        reply_ok(&d->disconnect_msg);
}

void sim_device_link_lost(SimDevice *d, const char *why) {
        if (d->link == SIM_LINK_DISCONNECTED && !d->connect_msg && !d->pair_msg)
                return;
        sim_log(d->sim, "%s link lost: %s", d->address, why);
        link_down(d, BLUEZ_MSG_LE_CONN_ABORTED, BLUEZ_ERROR_AUTH_FAILED);
}

/* bluetoothd dies: calls in flight get no reply from it (dbus-daemon
 * answers them with NoReply once the connection closes). */
void sim_device_abandon_calls(SimDevice *d) {
        d->disconnect_msg = sd_bus_message_unref(d->disconnect_msg);
        d->connect_msg = sd_bus_message_unref(d->connect_msg);
        d->pair_msg = sd_bus_message_unref(d->pair_msg);
        d->write_msg = sd_bus_message_unref(d->write_msg);
}

void sim_device_disconnect(SimDevice *d) {
        if (d->link == SIM_LINK_DISCONNECTED && !d->connect_msg && !d->pair_msg)
                return;
        sim_log(d->sim, "%s disconnected on request", d->address);
        link_down(d, BLUEZ_MSG_CONN_CANCELED, BLUEZ_ERROR_AUTH_CANCELED);
}

bool sim_device_is_disconnecting(const SimDevice *d) {
        return d->disconnect_timer != NULL;
}

static int on_disconnect_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        SimDevice *d = userdata;

        d->disconnect_timer = sd_event_source_disable_unref(d->disconnect_timer);
        sim_device_disconnect(d);
        return 0;
}

/* Device1.Disconnect: like bluetoothd, pending connect and pairing are
 * cancelled at once, but the link itself goes disconnect-delay later (its
 * DISCONNECT_TIMER) and the call is answered then. */
int sim_device_request_disconnect(SimDevice *d, sd_bus_message *m) {
        int r;

        if (d->link != SIM_LINK_CONNECTED || d->sim->opt.disconnect_delay_us == 0 || d->disconnect_msg) {
                sim_device_disconnect(d);
                return sd_bus_reply_method_return(m, NULL);
        }
        d->connect_timer = sd_event_source_disable_unref(d->connect_timer);
        d->pair_timer = sd_event_source_disable_unref(d->pair_timer);
        reply_error(&d->connect_msg, BLUEZ_ERROR_FAILED, BLUEZ_MSG_CONN_CANCELED);
        reply_error(&d->pair_msg, BLUEZ_ERROR_AUTH_CANCELED, "Authentication Canceled");
        r = arm(d, &d->disconnect_timer, d->sim->opt.disconnect_delay_us, on_disconnect_timer);
        if (r < 0) {
                sim_device_disconnect(d);
                return sd_bus_reply_method_return(m, NULL);
        }
        d->disconnect_msg = sd_bus_message_ref(m);
        return 1;
}

static int on_temporary_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        SimDevice *d = userdata;

        d->temporary_timer = sd_event_source_disable_unref(d->temporary_timer);
        /* Still advertising to a running discovery: seen again, keep it. */
        if (d->sim->discovering && !d->out_of_range) {
                sim_device_seen(d);
                return 0;
        }
        sim_log(d->sim, "%s disappeared (temporary device not seen for a while)", d->address);
        sim_device_unexport(d, true);
        return 0;
}

/* A discovery saw the device: a temporary one gets its timer (re)started. */
void sim_device_seen(SimDevice *d) {
        if (!d->temporary || d->sim->opt.temporary_timeout_us == 0)
                return;
        if (arm(d, &d->temporary_timer, d->sim->opt.temporary_timeout_us, on_temporary_timer) < 0)
                d->temporary_timer = NULL;      /* then it simply stays */
}

int sim_device_pair(SimDevice *d, sd_bus_message *m) {
        int r;

        if (d->pair_msg)
                return sd_bus_reply_method_errorf(m, BLUEZ_ERROR_IN_PROGRESS, "In Progress");
        /* Measured with bluetoothd 5.66 (tests/vm/): on a link a write's
         * security elevation paired, Paired and Bonded say true, yet Pair()
         * tries again and fails. */
        if (d->paired && d->paired_by_write)
                return sd_bus_reply_method_errorf(m, BLUEZ_ERROR_AUTH_FAILED, "Authentication Failed");
        if (d->paired)
                return sd_bus_reply_method_errorf(m, BLUEZ_ERROR_ALREADY_EXISTS, "Already Exists");
        make_permanent(d);

        /* Like bluetoothd: connect first if needed, then pair on the link. */
        if (d->link == SIM_LINK_CONNECTED)
                r = arm(d, &d->pair_timer, d->sim->opt.pair_delay_us, on_pair_timer);
        else if (d->link == SIM_LINK_DISCONNECTED)
                r = start_connecting(d);
        else
                r = 0;          /* the connect timer starts pairing */
        if (r < 0)
                return sd_bus_reply_method_errorf(m, BLUEZ_ERROR_FAILED, "%s", strerror(-r));
        d->pair_msg = sd_bus_message_ref(m);
        return 1;
}

int sim_device_cancel_pairing(SimDevice *d) {
        if (!d->pair_msg)
                return -ENOENT;
        d->pair_timer = sd_event_source_disable_unref(d->pair_timer);
        reply_error(&d->pair_msg, BLUEZ_ERROR_AUTH_CANCELED, "Authentication Canceled");
        return 0;
}

/* Adapter1.RemoveDevice: disconnect, drop the bond, remove the object. */
void sim_device_forget(SimDevice *d) {
        sim_device_disconnect(d);
        d->paired = false;
        d->trusted = false;
        d->services_known = false;
        d->alias = mfree(d->alias);
        sim_device_unexport(d, true);
}

static void execute_write(SimDevice *d, sd_bus_message **m, const uint8_t *value, size_t len) {
        int r;

        d->defer_notify = true;
        r = firmware_write(&d->firmware, sim_now(d->sim), value, len);
        d->defer_notify = false;
        if (r >= 0)
                d->writes_received++;
        if (r == -EACCES)
                /* What bluetoothd 5.66 makes of ATT "Insufficient Encryption"
                 * once it cannot raise the security level (gatt-client.c). */
                reply_error(m, BLUEZ_ERROR_NOT_PERMITTED, BLUEZ_MSG_NOT_PAIRED);
        else if (r < 0)
                reply_error(m, BLUEZ_ERROR_FAILED, BLUEZ_MSG_NOT_CONNECTED);
        else
                reply_ok(m);
        /* The write response goes out before the notifications it caused. */
        flush_pending(d);
        sim_device_firmware_changed(d);
}

/* A write on an unencrypted link: the device answers ATT Insufficient
 * Encryption and bluetoothd raises the link's security, which pairs (Just
 * Works, no agent asked), then sends the write again. Measured with 5.66
 * (tests/vm/): the write succeeds and Paired/Bonded turn true. */
static void pair_by_write(SimDevice *d, uint64_t usec) {
        d->paired = true;
        d->paired_by_write = true;
        make_permanent(d);
        firmware_set_encrypted(&d->firmware, usec, true);
        emit(d, "Paired");
        emit(d, "Bonded");
        sim_log(d->sim, "%s paired by a write's security elevation", d->address);
}

static int on_write_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        SimDevice *d = userdata;
        _cleanup_free_ uint8_t *buf = STEAL_PTR(d->write_buf);

        d->write_timer = sd_event_source_disable_unref(d->write_timer);
        if (!d->paired)
                pair_by_write(d, usec);
        execute_write(d, &d->write_msg, buf, d->write_len);
        return 0;
}

int sim_device_write(SimDevice *d, sd_bus_message *m, const uint8_t *value, size_t len) {
        sd_bus_message *ref = sd_bus_message_ref(m);
        int r;

        /* Every write that reaches the device's radio, refused or not. */
        sim_command_log_add(d, value, len);
        if (d->write_msg) {
                sd_bus_message_unref(ref);
                return sd_bus_reply_method_errorf(m, BLUEZ_ERROR_IN_PROGRESS, "In Progress");
        }
        if (d->fail_writes > 0) {
                /* Lost on the air: the device never sees it. */
                d->fail_writes--;
                reply_error(&ref, BLUEZ_ERROR_FAILED, "Operation failed with ATT error: 0x0e");
                return 1;
        }
        if (!d->paired && d->link == SIM_LINK_CONNECTED && d->refuse_pairing) {
                /* Raising the security failed: gatt-client.c's answer to ATT
                 * Insufficient Encryption. The device never executes it. */
                reply_error(&ref, BLUEZ_ERROR_NOT_PERMITTED, BLUEZ_MSG_NOT_PAIRED);
                return 1;
        }
        if ((!d->paired && d->link == SIM_LINK_CONNECTED) || d->delay_writes > 0) {
                uint64_t delay = d->delay_writes > 0 ? d->write_delay_us : 0;
                if (d->delay_writes > 0)
                        d->delay_writes--;
                if (!d->paired)
                        delay += d->sim->opt.pair_delay_us;     /* pairing first */
                d->write_buf = memdup(value, len ?: 1);
                if (!d->write_buf) {
                        reply_error(&ref, BLUEZ_ERROR_FAILED, "Out of memory");
                        return 1;
                }
                d->write_len = len;
                r = arm(d, &d->write_timer, delay, on_write_timer);
                if (r < 0) {
                        d->write_buf = mfree(d->write_buf);
                        reply_error(&ref, BLUEZ_ERROR_FAILED, strerror(-r));
                        return 1;
                }
                d->write_msg = ref;
                return 1;
        }
        execute_write(d, &ref, value, len);
        return 1;
}

int sim_device_read(SimDevice *d, SimCharId id, uint8_t *out, size_t size, size_t *ret_len) {
        ssize_t n = -EINVAL;

        switch (id) {
        case SIM_CHAR_CONTROL_POINT:
                return -EPERM;
        case SIM_CHAR_STATUS:
                n = firmware_read_status(&d->firmware, sim_now(d->sim), out, size);
                break;
        case SIM_CHAR_DEVICE_INFO:
                n = firmware_read_device_info(&d->firmware, out, size);
                break;
        case SIM_CHAR_BATTERY_LEVEL:
                if (size < 1)
                        return -EMSGSIZE;
                out[0] = firmware_read_battery(&d->firmware, sim_now(d->sim));
                n = 1;
                break;
        case _SIM_CHAR_MAX:
                return -EINVAL;
        }
        sim_device_firmware_changed(d);
        if (n < 0)
                return (int) n;
        *ret_len = (size_t) n;
        return 0;
}

int sim_device_export(SimDevice *d) {
        int r;

        if (d->exported || !d->sim->bus)
                return 0;
        r = device_bus_add(d);
        if (r < 0)
                return r;
        d->exported = true;
        d->temporary = !d->paired;
        (void) sd_bus_emit_object_added(d->sim->bus, d->path);
        sim_log(d->sim, "%s appeared at %s", d->address, d->path);
        return 0;
}

void sim_device_unexport(SimDevice *d, bool emit_signal) {
        bool emitting = emit_signal && d->sim->bus;

        gatt_bus_remove(d, emitting);
        if (d->battery_slot) {
                if (emitting)
                        (void) sd_bus_emit_interfaces_removed(d->sim->bus, d->path, "org.bluez.Battery1", NULL);
                d->battery_slot = sd_bus_slot_unref(d->battery_slot);
        }
        if (d->exported && emitting)
                (void) sd_bus_emit_object_removed(d->sim->bus, d->path);
        d->device_slot = sd_bus_slot_unref(d->device_slot);
        d->exported = false;
        d->seen = false;
        d->temporary = false;
        d->temporary_timer = sd_event_source_disable_unref(d->temporary_timer);
}

int sim_device_new(Sim *sim, const char *address, const char *name, bool paired, SimDevice **ret) {
        SimDevice *d = calloc(1, sizeof(*d));
        char *p;

        if (!d)
                return -ENOMEM;
        d->sim = sim;
        for (unsigned i = 0; i < SIM_ADDRESS_LEN; i++)
                d->address[i] = (char) toupper((unsigned char) address[i]);
        (void) snprintf(d->path, sizeof(d->path), BLUEZ_ADAPTER_PATH "/dev_%s", d->address);
        for (p = d->path + strlen(BLUEZ_ADAPTER_PATH "/dev_"); *p; p++)
                if (*p == ':')
                        *p = '_';
        d->name = strdup(name && *name ? name : "Massager");
        if (!d->name) {
                free(d);
                return -ENOMEM;
        }
        d->paired = paired;
        d->services_known = paired;
        d->connected_race = sim->opt.connected_race;
        d->rssi = (int16_t) (-45 - (int) (strtoul(d->address + 15, NULL, 16) % 40));

        for (unsigned i = 0; i < _SIM_SERVICE_MAX; i++) {
                d->services[i].device = d;
                d->services[i].id = i;
                (void) snprintf(d->services[i].path, sizeof(d->services[i].path), "%s/%s", d->path, service_suffix[i]);
        }
        for (unsigned i = 0; i < _SIM_CHAR_MAX; i++) {
                d->chars[i].device = d;
                d->chars[i].id = i;
                (void) snprintf(d->chars[i].path, sizeof(d->chars[i].path), "%s/%s",
                                d->services[char_layout[i].service].path, char_layout[i].suffix);
                if (char_layout[i].cccd_suffix)
                        (void) snprintf(d->chars[i].cccd_path, sizeof(d->chars[i].cccd_path), "%s/%s",
                                        d->chars[i].path, char_layout[i].cccd_suffix);
        }

        firmware_init(&d->firmware, &sim->opt.firmware, sim_now(sim));
        d->firmware.notify = on_firmware_notify;
        d->firmware.battery_changed = on_firmware_battery;
        d->firmware.userdata = d;
        *ret = d;
        return 0;
}

SimDevice *sim_device_free(SimDevice *d) {
        if (!d)
                return NULL;
        d->connect_timer = sd_event_source_disable_unref(d->connect_timer);
        d->resolve_timer = sd_event_source_disable_unref(d->resolve_timer);
        d->pair_timer = sd_event_source_disable_unref(d->pair_timer);
        d->write_timer = sd_event_source_disable_unref(d->write_timer);
        d->firmware_timer = sd_event_source_disable_unref(d->firmware_timer);
        d->disconnect_timer = sd_event_source_disable_unref(d->disconnect_timer);
        d->temporary_timer = sd_event_source_disable_unref(d->temporary_timer);
        sd_bus_message_unref(d->disconnect_msg);
        sd_bus_message_unref(d->connect_msg);
        sd_bus_message_unref(d->pair_msg);
        sd_bus_message_unref(d->write_msg);
        free(d->write_buf);
        free(d->command_log);
        for (unsigned i = 0; i < _SIM_CHAR_MAX; i++) {
                sd_bus_slot_unref(d->chars[i].cccd_slot);
                sd_bus_slot_unref(d->chars[i].slot);
                sd_bus_track_unref(d->chars[i].notify_clients);
        }
        for (unsigned i = 0; i < _SIM_SERVICE_MAX; i++)
                sd_bus_slot_unref(d->services[i].slot);
        sd_bus_slot_unref(d->battery_slot);
        sd_bus_slot_unref(d->device_slot);
        free(d->name);
        free(d->alias);
        free(d);
        return NULL;
}
