/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/address.h"
#include "bluez/bluez.h"
#include "bus-errors.h"
#include "device.h"
#include "device-commands.h"
#include "base/log.h"
#include "manager.h"
#include "massaged-dbus.h"
#include "session.h"
#include "start-availability.h"
#include "base/util.h"

static const char *const connection_state_table[_CONNECTION_STATE_MAX] = {
        [CONNECTION_DISCONNECTED] = "disconnected",
        [CONNECTION_CONNECTING]   = "connecting",
        [CONNECTION_RESOLVING]    = "resolving",
        [CONNECTION_READY]        = "ready",
        [CONNECTION_RECONNECTING] = "reconnecting",
};

const char *connection_state_to_string(ConnectionState s) {
        return s < _CONNECTION_STATE_MAX ? connection_state_table[s] : "unknown";
}

const char *device_state_to_string(Device *d) {
        if (d->have_status && (d->status.faults & ~MASSAGER_FAULT_LOW_BATTERY))
                return "fault";
        if (d->session)
                return session_is_paused(d->session) ? "paused" : "running";
        return "idle";
}

void device_emit_changed_strv(Device *d, const char *const *names) {
        if (!names[0] || !d->manager->api)
                return;
        /* What a start decision reads of a device: its link, session, battery, capabilities. */
        for (const char *const *n = names; *n; n++)
                if (streq(*n, "ConnectionState") || streq(*n, "State") || streq(*n, "Battery") ||
                    streq(*n, "IntensityMax")) {
                        start_availability_invalidate(d->manager->availability);
                        break;
                }
        (void) sd_bus_emit_properties_changed_strv(d->manager->api, d->object_path, MASSAGED_DEVICE_INTERFACE,
                                                   (char **) names);
}

static void set_connection(Device *d, ConnectionState s) {
        if (d->connection == s)
                return;
        log_info("%s: connection %s → %s", d->address, connection_state_to_string(d->connection),
                 connection_state_to_string(s));
        d->connection = s;
        device_emit_changed(d, "ConnectionState");
}

void device_set_name(Device *d, const char *name) {
        if (!name || streq_ptr(d->name, name))
                return;
        char *n = strdup(name);
        if (!n)
                return;
        free(d->name);
        d->name = n;
        device_emit_changed(d, "Name");
}

bool device_is_ready(Device *d) {
        return d->connection == CONNECTION_READY;
}

/* ---- Connect() waiters ---------------------------------------------- */

static void answer_waiters(Device *d, int error, const char *message) {
        GPtrArray *w = d->connect_waiters;

        d->connect_deadline = sd_event_source_disable_unref(d->connect_deadline);
        d->connect_waiters = g_ptr_array_new();
        for (guint i = 0; i < w->len; i++) {
                sd_bus_message *call = w->pdata[i];
                if (error == 0)
                        (void) sd_bus_reply_method_return(call, NULL);
                else {
                        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
                        bus_error_set_errno(&e, error, "%s: %s", d->address, message);
                        (void) sd_bus_reply_method_error(call, &e);
                }
                sd_bus_message_unref(call);
        }
        g_ptr_array_free(w, true);
}

/* ---- tearing a connection down ---------------------------------------- */

static void release_adapter_slot(Device *d) {
        if (!d->holds_adapter_slot)
                return;
        d->holds_adapter_slot = false;
        BluezAdapter *a = bluez_adapter_for(d->manager, d->adapter_path);
        if (a && a->connecting == d)
                a->connecting = NULL;
        /* Let the next device waiting for this adapter go. */
        manager_adapter_slot_free(d->manager, d->adapter_path);
}

static void clear_link(Device *d) {
        bluez_call_cancel(&d->connect_call);
        bluez_call_cancel(&d->props_call);
        bluez_call_cancel(&d->pair_call);
        bluez_call_cancel(&d->notify_call);
        bluez_call_cancel(&d->read_call);
        d->resolve_timer = sd_event_source_disable_unref(d->resolve_timer);
        free(d->control_path);
        free(d->status_path);
        free(d->info_path);
        d->control_path = d->status_path = d->info_path = NULL;
        d->setting_up = false;
        d->waiting_for_adapter = false;
        d->have_status_seq = false;
        release_adapter_slot(d);
}

static void try_connect(Device *d);

static int on_reconnect_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Device *d = userdata;

        d->reconnect_timer = sd_event_source_disable_unref(d->reconnect_timer);
        if (d->want_connected && d->connection == CONNECTION_RECONNECTING)
                try_connect(d);
        return 0;
}

/* The link is gone or the attempt failed: end any session, fail what waits,
 * and come back after the backoff if the user still wants the device. */
static void link_down(Device *d, int error, const char *why) {
        bool was_ready = d->connection == CONNECTION_READY;

        clear_link(d);
        set_connection(d, d->want_connected ? CONNECTION_RECONNECTING : CONNECTION_DISCONNECTED);
        device_commands_fail_all(d, -ENOTCONN);
        if (d->session)
                session_end(d->session, POLICY_END_LINK_LOST);
        if (was_ready)
                log_warning("%s: link lost (%s)%s", d->address, why,
                            d->want_connected ? ", reconnecting" : "");
        answer_waiters(d, error, why);

        d->reconnect_timer = sd_event_source_disable_unref(d->reconnect_timer);
        if (!d->want_connected || d->manager->shutting_down)
                return;
        if (d->backoff_usec == 0)
                d->backoff_usec = RECONNECT_BACKOFF_MIN_USEC;
        log_info("%s: next connection attempt in %llu s", d->address,
                 (unsigned long long) (d->backoff_usec / USEC_PER_SEC));
        int r = sd_event_add_time_relative(d->manager->event, &d->reconnect_timer, CLOCK_MONOTONIC,
                                           d->backoff_usec, 0, on_reconnect_timer, d);
        if (r < 0)
                log_error_errno(r, "%s: cannot schedule a reconnect: %m", d->address);
        d->backoff_usec = MIN(d->backoff_usec * 2, RECONNECT_BACKOFF_MAX_USEC);
}

/* A device that cannot be used as it is: no automatic retry. */
static void give_up(Device *d, int error, const char *why) {
        log_error("%s: %s; not reconnecting until Connect() is called", d->address, why);
        d->want_connected = false;
        link_down(d, error, why);
        if (d->bluez_path)
                (void) bluez_call(d->manager->bluez, NULL, d->bluez_path, "org.bluez.Device1", "Disconnect",
                                  BLUEZ_TIMEOUT_SHORT_USEC, NULL, NULL, 0, NULL, NULL);
}

/* ---- status frames ---------------------------------------------------- */

static void apply_status(Device *d, const MassagerStatus *st) {
        MassagerStatus old = d->status;
        bool first = !d->have_status;
        const char *changed[12];
        size_t n = 0;

        d->status = *st;
        d->have_status = true;
        if (first || old.battery != st->battery)
                changed[n++] = "Battery";
        if (first || old.intensity != st->intensity)
                changed[n++] = "Intensity";
        if (first || old.heat_level != st->heat_level)
                changed[n++] = "Heat";
        if (first || old.temperature != st->temperature)
                changed[n++] = "Temperature";
        if (first || old.pattern != st->pattern)
                changed[n++] = "Pattern";
        if (first || old.faults != st->faults || old.flags != st->flags)
                changed[n++] = "State", changed[n++] = "Faults";
        changed[n] = NULL;
        if (n > 0 && d->manager->api)
                (void) sd_bus_emit_properties_changed_strv(d->manager->api, d->object_path,
                                                           MASSAGED_DEVICE_INTERFACE, (char **) changed);
        if (d->session)
                session_on_status(d->session, first ? NULL : &old);
}

static void on_stray_stop(Device *d, int error, const MassagerMessage *resp, void *userdata) {
        if (error < 0)
                log_warning_errno(error, "%s: could not stop a device found running: %m", d->address);
        else
                log_notice("%s: stopped a device that was running without a session (never resumed on its own)",
                           d->address);
}

/* STATUS seqs come from the device's wrapping counter: one up to 127 behind
 * the last one taken (or equal to it) is older, not newer. */
static bool status_seq_is_old(Device *d, uint8_t seq) {
        return d->have_status_seq && (uint8_t) (d->status_seq - seq) < 128;
}

void device_value_changed(Device *d, const char *char_path, const uint8_t *value, size_t size) {
        MassagerMessage msg;
        int r;

        if (!streq_ptr(char_path, d->status_path))
                return;
        r = massager_message_decode(value, size, &msg);
        if (r < 0) {
                log_warning_errno(r, "%s: dropping malformed Status notification (%zu bytes): %m", d->address, size);
                return;
        }
        if (msg.opcode & MASSAGER_OP_RESPONSE_BIT) {
                /* A response to no command in flight (late after a timeout,
                 * repeated, forged) says nothing we asked for: its snapshot
                 * is not taken either, so it cannot end or change a session.
                 * A late command that changed the device is followed by a
                 * STATUS, which is. */
                if (!device_commands_expects(d, &msg))
                        return;
                /* The device's STATUS counter may have restarted (a reboot
                 * answers NOT_RUNNING); a new session starts a new order. */
                if (msg.opcode == (MASSAGER_OP_START_SESSION | MASSAGER_OP_RESPONSE_BIT) ||
                    !(msg.status.flags & MASSAGER_STATUS_RUNNING))
                        d->have_status_seq = false;
                /* The response carries the status after the command. */
                apply_status(d, &msg.status);
                device_commands_on_response(d, &msg);
        } else {
                if (status_seq_is_old(d, msg.seq)) {
                        log_warning("%s: dropping STATUS seq %u: not newer than seq %u already taken",
                                    d->address, msg.seq, d->status_seq);
                        return;
                }
                d->status_seq = msg.seq;
                d->have_status_seq = true;
                apply_status(d, &msg.status);
        }

        /* Nothing runs without a session: a START or SET_OUTPUT that timed
         * out here may still be executed late by the device (BlueZ holds the
         * write), after its session was ended. Stop it as soon as it says so. */
        if (!d->session && d->have_status && (d->status.flags & MASSAGER_STATUS_RUNNING) &&
            !device_commands_stop_pending(d)) {
                MassagerCommand stop = { .opcode = MASSAGER_OP_STOP };
                log_warning("%s: the device reports running without a session; sending STOP", d->address);
                r = device_command(d, &stop, on_stray_stop, NULL);
                if (r < 0)
                        log_warning_errno(r, "%s: could not send STOP: %m", d->address);
        }
}

/* ---- GATT setup: notify on, Device Info, current status --------------- */

static void become_ready(Device *d) {
        d->backoff_usec = 0;
        d->resolve_timer = sd_event_source_disable_unref(d->resolve_timer);
        set_connection(d, CONNECTION_READY);
        answer_waiters(d, 0, NULL);
}

static void on_status_read(sd_bus_message *reply, const sd_bus_error *error, void *userdata) {
        Device *d = userdata;
        const void *value;
        size_t size;
        MassagerMessage msg;
        int r;

        if (sd_bus_error_is_set(error)) {
                link_down(d, -EIO, "reading Status failed");
                return;
        }
        r = sd_bus_message_read_array(reply, 'y', &value, &size);
        if (r >= 0)
                r = massager_message_decode(value, size, &msg);
        if (r < 0) {
                log_warning_errno(r, "%s: unreadable Status (%m), asking with GET_STATUS later", d->address);
        } else
                apply_status(d, &msg.status);

        become_ready(d);
        /* A device still running after a reconnect or a restart of ours is
         * stopped: a session is never resumed on its own (doc/safety.md). */
        if (!d->session && (r < 0 || (msg.status.flags & MASSAGER_STATUS_RUNNING))) {
                MassagerCommand stop = { .opcode = MASSAGER_OP_STOP };
                (void) device_command(d, &stop, on_stray_stop, NULL);
        }
}

static void on_info_read(sd_bus_message *reply, const sd_bus_error *error, void *userdata) {
        Device *d = userdata;
        const void *value;
        size_t size;
        int r;

        if (sd_bus_error_is_set(error)) {
                log_warning("%s: reading Device Info failed: %s: %s", d->address, error->name, error->message);
                link_down(d, -EIO, "reading Device Info failed");
                return;
        }
        r = sd_bus_message_read_array(reply, 'y', &value, &size);
        if (r >= 0)
                r = massager_device_info_decode(value, size, &d->info);
        if (r == -EPROTO) {
                d->incompatible = true;
                give_up(d, -EPROTONOSUPPORT, "the device speaks an unsupported protocol version");
                return;
        }
        if (r < 0) {
                log_error_errno(r, "%s: malformed Device Info: %m", d->address);
                d->incompatible = true;
                give_up(d, -EPROTONOSUPPORT, "the device sent malformed Device Info");
                return;
        }
        if (d->info.protocol_version != MASSAGER_PROTOCOL_VERSION) {
                d->incompatible = true;
                give_up(d, -EPROTONOSUPPORT, "the device speaks an unsupported protocol version");
                return;
        }
        d->have_info = true;
        d->incompatible = false;
        device_emit_changed(d, "Model", "IntensityMax", "HeatLevels");
        log_info("%s: %s, firmware %u.%u.%u, protocol %u, intensity 0–%u, %u heat level(s)", d->address,
                 d->info.model, d->info.fw_major, d->info.fw_minor, d->info.fw_patch, d->info.protocol_version,
                 d->info.intensity_max, d->info.heat_levels);

        r = bluez_call(d->manager->bluez, &d->read_call, d->status_path, "org.bluez.GattCharacteristic1",
                       "ReadValue", BLUEZ_TIMEOUT_GATT_USEC, bluez_append_empty_dict, NULL, 0, on_status_read, d);
        if (r < 0)
                link_down(d, r, "cannot read Status");
}

static void on_notify_started(sd_bus_message *reply, const sd_bus_error *error, void *userdata) {
        Device *d = userdata;
        int r;

        /* "Already notifying" is fine: BlueZ keeps one subscription per client. */
        if (sd_bus_error_is_set(error) && !sd_bus_error_has_name(error, "org.bluez.Error.InProgress")) {
                log_warning("%s: StartNotify on Status failed: %s: %s", d->address, error->name, error->message);
                link_down(d, -EIO, "cannot subscribe to Status notifications");
                return;
        }
        r = bluez_call(d->manager->bluez, &d->read_call, d->info_path, "org.bluez.GattCharacteristic1",
                       "ReadValue", BLUEZ_TIMEOUT_GATT_USEC, bluez_append_empty_dict, NULL, 0, on_info_read, d);
        if (r < 0)
                link_down(d, r, "cannot read Device Info");
}

static int dup_path(char **dst, BluezChar *c) {
        free(*dst);
        *dst = c ? strdup(c->path) : NULL;
        return *dst ? 0 : -ENOENT;
}

static void check_ready(Device *d);

static void on_pair_reply(sd_bus_message *reply, const sd_bus_error *error, void *userdata) {
        Device *d = userdata;
        BluezDevice *bd;

        if (sd_bus_error_is_set(error) && !sd_bus_error_has_name(error, "org.bluez.Error.AlreadyExists")) {
                log_warning("%s: pairing failed: %s: %s", d->address, error->name, error->message);
                link_down(d, bluez_error_to_errno(error) == -ETIMEDOUT ? -ETIMEDOUT : -EACCES, "pairing failed");
                return;
        }
        bd = d->bluez_path ? g_hash_table_lookup(d->manager->bluez_devices, d->bluez_path) : NULL;
        if (bd)
                bd->paired = true;
        check_ready(d);
}

/* Everything BlueZ must say before we may use the device; then set it up. */
static void check_ready(Device *d) {
        Manager *m = d->manager;
        BluezDevice *bd;
        int r;

        if (d->connection != CONNECTION_RESOLVING || d->setting_up || d->props_call || d->pair_call)
                return;
        bd = d->bluez_path ? g_hash_table_lookup(m->bluez_devices, d->bluez_path) : NULL;
        if (!bd || !bd->connected || !bd->services_resolved)
                return;
        if (!bd->paired) {
                /* Control Point writes need an encrypted link; our agent accepts known devices. */
                log_info("%s: not paired, pairing", d->address);
                r = bluez_call(m->bluez, &d->pair_call, d->bluez_path, "org.bluez.Device1", "Pair",
                               BLUEZ_TIMEOUT_PAIR_USEC, NULL, NULL, 0, on_pair_reply, d);
                if (r < 0)
                        link_down(d, r, "cannot pair");
                return;
        }

        r = dup_path(&d->control_path, bluez_find_char(m, d->bluez_path, MASSAGER_CONTROL_POINT_UUID));
        if (r >= 0)
                r = dup_path(&d->status_path, bluez_find_char(m, d->bluez_path, MASSAGER_STATUS_UUID));
        if (r >= 0)
                r = dup_path(&d->info_path, bluez_find_char(m, d->bluez_path, MASSAGER_DEVICE_INFO_UUID));
        if (r < 0) {
                d->incompatible = true;
                give_up(d, -EPROTONOSUPPORT, "the device lacks the massager service's characteristics");
                return;
        }

        d->setting_up = true;
        /* Subscriptions do not survive a reconnect: subscribe every time. */
        r = bluez_call(m->bluez, &d->notify_call, d->status_path, "org.bluez.GattCharacteristic1", "StartNotify",
                       BLUEZ_TIMEOUT_GATT_USEC, NULL, NULL, 0, on_notify_started, d);
        if (r < 0)
                link_down(d, r, "cannot subscribe to Status");
}

static void on_props(sd_bus_message *reply, const sd_bus_error *error, void *userdata) {
        Device *d = userdata;
        BluezDevice *bd;

        if (sd_bus_error_is_set(error)) {
                link_down(d, -EIO, "cannot read the device's properties");
                return;
        }
        bd = d->bluez_path ? g_hash_table_lookup(d->manager->bluez_devices, d->bluez_path) : NULL;
        if (!bd) {
                link_down(d, -ENODEV, "BlueZ dropped the device");
                return;
        }
        /* Readiness is read, not only awaited: BlueZ may set Connected
         * without a PropertiesChanged signal (bluez-vm obstacle 10). */
        const char *key;
        int r = sd_bus_message_enter_container(reply, 'a', "{sv}");
        while (r > 0 && (r = sd_bus_message_enter_container(reply, 'e', "sv")) > 0) {
                int b;
                r = sd_bus_message_read(reply, "s", &key);
                if (r < 0)
                        break;
                if (streq(key, "Connected") || streq(key, "ServicesResolved") || streq(key, "Paired")) {
                        r = sd_bus_message_read(reply, "v", "b", &b);
                        if (r < 0)
                                break;
                        if (streq(key, "Connected"))
                                bd->connected = b;
                        else if (streq(key, "ServicesResolved"))
                                bd->services_resolved = b;
                        else
                                bd->paired = b;
                } else
                        r = sd_bus_message_skip(reply, "v");
                if (r >= 0)
                        r = sd_bus_message_exit_container(reply);
        }
        if (r < 0) {
                link_down(d, r, "malformed properties from BlueZ");
                return;
        }
        if (!bd->connected && d->resolving_unasked) {
                /* We skipped Connect on a Connected we had cached, and the
                 * link went down before its signal reached us (the two come
                 * on different connections): connect for real now. */
                log_debug("%s: not connected after all; connecting", d->address);
                d->resolve_timer = sd_event_source_disable_unref(d->resolve_timer);
                d->resolving_unasked = false;
                set_connection(d, CONNECTION_CONNECTING);
                try_connect(d);
                return;
        }
        if (!bd->connected) {
                link_down(d, -ENOTCONN, "BlueZ reports the device not connected after Connect");
                return;
        }
        check_ready(d);
}

static int on_resolve_timeout(sd_event_source *s, uint64_t usec, void *userdata) {
        Device *d = userdata;

        d->resolve_timer = sd_event_source_disable_unref(d->resolve_timer);
        if (d->connection == CONNECTION_RESOLVING) {
                if (d->bluez_path)
                        (void) bluez_call(d->manager->bluez, NULL, d->bluez_path, "org.bluez.Device1", "Disconnect",
                                          BLUEZ_TIMEOUT_SHORT_USEC, NULL, NULL, 0, NULL, NULL);
                link_down(d, -ETIMEDOUT, "services were not resolved in time");
        }
        return 0;
}

static void start_resolving(Device *d) {
        int r;

        set_connection(d, CONNECTION_RESOLVING);
        d->resolving_unasked = false;
        d->resolve_timer = sd_event_source_disable_unref(d->resolve_timer);
        r = sd_event_add_time_relative(d->manager->event, &d->resolve_timer, CLOCK_MONOTONIC,
                                       RESOLVE_TIMEOUT_USEC, 0, on_resolve_timeout, d);
        if (r >= 0)
                r = bluez_call(d->manager->bluez, &d->props_call, d->bluez_path, "org.freedesktop.DBus.Properties",
                               "GetAll", BLUEZ_TIMEOUT_SHORT_USEC, bluez_append_string, "org.bluez.Device1",
                               sizeof "org.bluez.Device1", on_props, d);
        if (r < 0)
                link_down(d, r, "cannot query the device");
}

static void on_connect_reply(sd_bus_message *reply, const sd_bus_error *error, void *userdata) {
        Device *d = userdata;

        release_adapter_slot(d);
        if (sd_bus_error_is_set(error)) {
                log_warning("%s: Connect failed: %s: %s", d->address, error->name, error->message);
                link_down(d, bluez_error_to_errno(error), error->message ?: "Connect failed");
                return;
        }
        start_resolving(d);
}

static void try_connect(Device *d) {
        Manager *m = d->manager;
        BluezDevice *bd;
        BluezAdapter *a;
        int r;

        if (!d->want_connected || m->shutting_down)
                return;
        if (!m->bluez_owner || !d->bluez_path) {
                /* BlueZ dropped the object (or is away): find it again by scanning. */
                set_connection(d, d->connection == CONNECTION_DISCONNECTED ? CONNECTION_CONNECTING : d->connection);
                bluez_update_discovery(m);
                return;
        }
        bd = g_hash_table_lookup(m->bluez_devices, d->bluez_path);
        if (!bd)
                return;
        if (bd->connected) {
                start_resolving(d);
                d->resolving_unasked = true;
                return;
        }
        a = bluez_adapter_for(m, bd->adapter);
        if (!a || !a->powered) {
                log_info("%s: adapter %s is not powered, waiting for it", d->address, bd->adapter ?: "(none)");
                d->waiting_for_adapter = true;
                if (d->connection == CONNECTION_DISCONNECTED)
                        set_connection(d, CONNECTION_CONNECTING);
                return;
        }
        if (a->connecting && a->connecting != d) {
                /* One Connect at a time per adapter: wait for the slot. */
                log_debug("%s: waiting for %s to finish connecting", d->address, a->connecting->address);
                d->waiting_for_adapter = true;
                if (d->connection == CONNECTION_DISCONNECTED)
                        set_connection(d, CONNECTION_CONNECTING);
                return;
        }
        d->waiting_for_adapter = false;
        free(d->adapter_path);
        d->adapter_path = strdup(bd->adapter);
        a->connecting = d;
        d->holds_adapter_slot = true;
        set_connection(d, CONNECTION_CONNECTING);
        r = bluez_call(m->bluez, &d->connect_call, d->bluez_path, "org.bluez.Device1", "Connect",
                       BLUEZ_TIMEOUT_CONNECT_USEC, NULL, NULL, 0, on_connect_reply, d);
        if (r < 0)
                link_down(d, r, "cannot call Connect");
}

/* ---- requests --------------------------------------------------------- */

static int on_connect_deadline(sd_event_source *s, uint64_t usec, void *userdata) {
        Device *d = userdata;

        answer_waiters(d, -ETIMEDOUT, "not ready in time (is it switched on and in range?); "
                       "massaged keeps trying in the background");
        return 0;
}

int device_connect(Device *d, sd_bus_message *waiter) {
        if (d->connection == CONNECTION_READY) {
                if (waiter)
                        (void) sd_bus_reply_method_return(waiter, NULL);
                return 0;
        }
        if (waiter) {
                g_ptr_array_add(d->connect_waiters, sd_bus_message_ref(waiter));
                /* Connect() itself has a time limit too: a device that is away (no BlueZ
                 * object, adapter off) is waited for in the background, not by the caller. */
                if (!d->connect_deadline &&
                    sd_event_add_time_relative(d->manager->event, &d->connect_deadline, CLOCK_MONOTONIC,
                                               CONNECT_WAIT_USEC, 0, on_connect_deadline, d) < 0)
                        log_warning("%s: cannot time Connect()", d->address);
        }
        d->want_connected = true;
        d->incompatible = false;
        if (d->connection == CONNECTION_DISCONNECTED || d->connection == CONNECTION_RECONNECTING) {
                /* A user's Connect() skips the backoff. */
                d->reconnect_timer = sd_event_source_disable_unref(d->reconnect_timer);
                d->backoff_usec = 0;
                if (d->connection == CONNECTION_RECONNECTING)
                        set_connection(d, CONNECTION_CONNECTING);
                try_connect(d);
        }
        return 0;
}

static void disconnect_now(Device *d) {
        if (d->bluez_path)
                (void) bluez_call(d->manager->bluez, &d->disconnect_call, d->bluez_path, "org.bluez.Device1",
                                  "Disconnect", BLUEZ_TIMEOUT_SHORT_USEC, NULL, NULL, 0, NULL, NULL);
        link_down(d, -ECANCELED, "disconnected on request");
}

static void on_stop_before_disconnect(Device *d, int error, const MassagerMessage *resp, void *userdata) {
        if (error < 0)
                log_warning_errno(error, "%s: STOP before disconnecting failed (%m); the device stops "
                                  "by itself when the link goes", d->address);
        if (!d->want_connected)
                disconnect_now(d);
}

int device_disconnect(Device *d) {
        d->want_connected = false;
        d->reconnect_timer = sd_event_source_disable_unref(d->reconnect_timer);
        if (d->session)
                session_end(d->session, POLICY_END_USER);
        /* Stop the motors before the link goes, rather than rely on the
         * device's own link-loss stop. */
        if (d->connection == CONNECTION_READY &&
            device_send_stop(d, on_stop_before_disconnect, NULL) >= 0)
                return 0;
        if (d->connection == CONNECTION_DISCONNECTED || d->connection == CONNECTION_RECONNECTING) {
                link_down(d, -ECANCELED, "disconnected on request");
                return 0;
        }
        disconnect_now(d);
        return 0;
}

int device_send_stop(Device *d, CommandCallback callback, void *userdata) {
        MassagerCommand stop = { .opcode = MASSAGER_OP_STOP };
        return device_command(d, &stop, callback, userdata);
}

/* ---- BlueZ events ----------------------------------------------------- */

void device_bluez_attached(Device *d, const char *bluez_path) {
        BluezDevice *bd = g_hash_table_lookup(d->manager->bluez_devices, bluez_path);

        if (streq_ptr(d->bluez_path, bluez_path))
                return;
        free(d->bluez_path);
        d->bluez_path = strdup(bluez_path);
        if (bd)
                device_set_name(d, bd->name);
        log_debug("%s: BlueZ object %s", d->address, bluez_path);
        bluez_update_discovery(d->manager);
        /* Found again: connect now unless a backoff is running. */
        if (d->want_connected && !d->reconnect_timer &&
            (d->connection == CONNECTION_CONNECTING || d->connection == CONNECTION_RECONNECTING ||
             d->connection == CONNECTION_DISCONNECTED))
                try_connect(d);
}

void device_bluez_detached(Device *d) {
        if (d->connection != CONNECTION_DISCONNECTED && d->connection != CONNECTION_RECONNECTING)
                link_down(d, -ENODEV, "BlueZ dropped the device");
        free(d->bluez_path);
        d->bluez_path = NULL;
        if (d->want_connected)
                bluez_update_discovery(d->manager);
}

void device_bluez_vanished(Device *d) {
        if (d->connection != CONNECTION_DISCONNECTED && d->connection != CONNECTION_RECONNECTING)
                link_down(d, -EHOSTDOWN, "BlueZ left the bus");
        else
                clear_link(d);
        free(d->bluez_path);
        d->bluez_path = NULL;
}

void device_bluez_changed(Device *d) {
        BluezDevice *bd = d->bluez_path ? g_hash_table_lookup(d->manager->bluez_devices, d->bluez_path) : NULL;

        if (!bd)
                return;
        device_set_name(d, bd->name);
        switch (d->connection) {
        case CONNECTION_RESOLVING:
                if (!bd->connected && !d->props_call && !d->connect_call)
                        link_down(d, -ENOTCONN, "the device disconnected while connecting");
                else
                        check_ready(d);
                break;
        case CONNECTION_READY:
                if (!bd->connected || !bd->services_resolved || !bd->paired)
                        link_down(d, -ENOTCONN, !bd->connected ? "disconnected" :
                                  !bd->paired ? "no longer paired" : "services no longer resolved");
                break;
        case CONNECTION_CONNECTING:
        case CONNECTION_RECONNECTING:
        case CONNECTION_DISCONNECTED:
        case _CONNECTION_STATE_MAX:
                break;
        }
}

void device_adapter_slot_free(Device *d) {
        /* Only a device that was waiting for the adapter goes now. */
        if (!d->waiting_for_adapter)
                return;
        d->waiting_for_adapter = false;
        if (d->want_connected && !d->connect_call && !d->reconnect_timer)
                try_connect(d);
}

/* ---- lifetime --------------------------------------------------------- */

int device_new(Manager *m, const char *address, Device **ret) {
        Device *d = calloc(1, sizeof *d);
        if (!d)
                return -ENOMEM;
        d->manager = m;
        for (size_t i = 0; i < 17; i++)
                d->address[i] = (char) toupper((unsigned char) address[i]);
        d->object_path = address_to_object_path(d->address);
        d->connect_waiters = g_ptr_array_new();
        d->connection = CONNECTION_DISCONNECTED;
        if (!d->object_path) {
                device_free(d);
                return -ENOMEM;
        }
        *ret = d;
        return 0;
}

Device *device_free(Device *d) {
        if (!d)
                return NULL;
        d->want_connected = false;
        if (d->session)
                session_end(d->session, POLICY_END_USER);
        device_commands_fail_all(d, -ENOTCONN);
        clear_link(d);
        bluez_call_cancel(&d->disconnect_call);
        d->reconnect_timer = sd_event_source_disable_unref(d->reconnect_timer);
        answer_waiters(d, -ENODEV, "the device was removed");
        g_ptr_array_free(d->connect_waiters, true);
        d->connect_deadline = sd_event_source_disable_unref(d->connect_deadline);
        free(d->object_path);
        free(d->name);
        free(d->bluez_path);
        free(d->adapter_path);
        free(d);
        return NULL;
}
