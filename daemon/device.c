/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/address.h"
#include "bluez/bluez.h"
#include "bus-errors.h"
#include "device.h"
#include "base/log.h"
#include "massaged-dbus.h"
#include "base/util.h"
#include "base/timer-accuracy.h"
#include "i18n.h"

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

bool device_has_fault(Device *d) {
        return d->have_status && (d->status.faults & ~MASSAGER_FAULT_LOW_BATTERY);
}

bool device_is_busy(Device *d) {
        if (d->session || device_commands_busy(d) || d->connect_call || d->pair_call ||
            d->connect_waiters->len > 0)
                return true;
        switch (d->connection) {
        case CONNECTION_CONNECTING:
        case CONNECTION_RESOLVING:
                return true;
        case CONNECTION_DISCONNECTED:
        case CONNECTION_READY:
        case CONNECTION_RECONNECTING:   /* waiting out a backoff: the next start retries */
        case _CONNECTION_STATE_MAX:
                break;
        }
        return false;
}

static void hook_lost(Device *d, DeviceLoss why) {
        if (d->ctx->hooks && d->ctx->hooks->lost)
                d->ctx->hooks->lost(d, why, d->ctx->userdata);
}

static bool exiting(Device *d) {
        return d->ctx->hooks && d->ctx->hooks->exiting && d->ctx->hooks->exiting(d->ctx->userdata);
}

Device *device_context_find(const DeviceContext *ctx, const char *address) {
        GHashTableIter i;
        gpointer v;

        /* Without case: a client or the ledger may spell an address either way. */
        g_hash_table_iter_init(&i, ctx->devices);
        while (g_hash_table_iter_next(&i, NULL, &v))
                if (strcasecmp(((Device *) v)->address, address) == 0)
                        return v;
        return NULL;
}

void device_context_safety_changed(const DeviceContext *ctx) {
        if (ctx->hooks && ctx->hooks->safety_changed)
                ctx->hooks->safety_changed(ctx->userdata);
}

void device_decision_input_changed(Device *d) {
        if (d->ctx->hooks && d->ctx->hooks->decision_input_changed)
                d->ctx->hooks->decision_input_changed(d, d->ctx->userdata);
}

void device_emit_changed_strv(Device *d, const char *const *names) {
        if (!names[0] || !d->ctx->api)
                return;
        /* What a start decision reads of a device: its link, session, battery, capabilities. */
        for (const char *const *n = names; *n; n++)
                if (streq(*n, DEVICE_PROP_CONNECTION_STATE) || streq(*n, DEVICE_PROP_STATE) ||
                    streq(*n, DEVICE_PROP_BATTERY) || streq(*n, DEVICE_PROP_INTENSITY_MAX)) {
                        device_decision_input_changed(d);
                        break;
                }
        (void) sd_bus_emit_properties_changed_strv(d->ctx->api, d->object_path, MASSAGED_DEVICE_INTERFACE,
                                                   (char **) names);
}

static void set_connection(Device *d, ConnectionState s) {
        if (d->connection == s)
                return;
        log_info("%s: connection %s → %s", d->address, connection_state_to_string(d->connection),
                 connection_state_to_string(s));
        d->connection = s;
        device_emit_changed(d, DEVICE_PROP_CONNECTION_STATE);
}

void device_set_name(Device *d, const char *name) {
        if (!name || streq_ptr(d->name, name))
                return;
        char *n = strdup(name);
        if (!n)
                return;
        free(d->name);
        d->name = n;
        device_emit_changed(d, DEVICE_PROP_NAME);
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
                        bus_error_set_errno(&e, error, _("%s: %s"), d->address, message);
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
        /* The client lets the next device waiting for this adapter go. */
        bluez_client_release_adapter_slot(d->ctx->bluez, d->adapter_path, d->address);
}

/* The one place a device's link is dropped through BlueZ. The call is kept
 * in disconnect_call so that device_free() cancels it; a newer one replaces it. */
static void bluez_disconnect(Device *d) {
        if (!d->bluez_path)
                return;
        bluez_call_cancel(&d->disconnect_call);
        (void) bluez_client_disconnect(d->ctx->bluez, d->bluez_path, &d->disconnect_call);
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
        hook_lost(d, DEVICE_LOSS_LINK);
        if (was_ready)
                log_warning("%s: link lost (%s)%s", d->address, why,
                            d->want_connected ? ", reconnecting" : "");
        answer_waiters(d, error, why);

        d->reconnect_timer = sd_event_source_disable_unref(d->reconnect_timer);
        if (!d->want_connected || exiting(d))
                return;
        if (d->backoff_usec == 0)
                d->backoff_usec = RECONNECT_BACKOFF_MIN_USEC;
        log_info("%s: next connection attempt in %llu s", d->address,
                 (unsigned long long) (d->backoff_usec / USEC_PER_SEC));
        int r = sd_event_add_time_relative(d->ctx->event, &d->reconnect_timer, CLOCK_MONOTONIC,
                                           d->backoff_usec, TIMER_ACCURACY_COARSE_USEC, on_reconnect_timer, d);
        if (r < 0)
                log_error_errno(r, "%s: cannot schedule a reconnect: %m", d->address);
        d->backoff_usec = MIN(d->backoff_usec * 2, RECONNECT_BACKOFF_MAX_USEC);
}

/* A device that cannot be used as it is: no automatic retry. */
static void give_up(Device *d, int error, const char *why) {
        log_error("%s: %s; not reconnecting until Connect() is called", d->address, why);
        d->want_connected = false;
        link_down(d, error, why);
        bluez_disconnect(d);
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
                changed[n++] = DEVICE_PROP_BATTERY;
        if (first || old.intensity != st->intensity)
                changed[n++] = DEVICE_PROP_INTENSITY;
        if (first || old.heat_level != st->heat_level)
                changed[n++] = DEVICE_PROP_HEAT;
        if (first || old.temperature != st->temperature)
                changed[n++] = DEVICE_PROP_TEMPERATURE;
        if (first || old.pattern != st->pattern)
                changed[n++] = DEVICE_PROP_PATTERN;
        if (first || old.faults != st->faults || old.flags != st->flags)
                changed[n++] = DEVICE_PROP_STATE, changed[n++] = DEVICE_PROP_FAULTS;
        changed[n] = NULL;
        if (n > 0 && d->ctx->api)
                (void) sd_bus_emit_properties_changed_strv(d->ctx->api, d->object_path,
                                                           MASSAGED_DEVICE_INTERFACE, (char **) changed);
        if (d->ctx->hooks && d->ctx->hooks->status)
                d->ctx->hooks->status(d, first ? NULL : &old, d->ctx->userdata);
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
        /* A response to no command in flight (late after a timeout,
         * repeated, forged) says nothing we asked for: it is dropped with
         * its snapshot, so it cannot end or change a session. A late
         * command that changed the device is followed by a STATUS, which
         * is taken. */
        r = device_commands_receive(d, value, size, &msg);
        if (r < 0)
                return;
        if (r == MASSAGER_NOTIFICATION_RESPONSE) {
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
                r = device_commands_decode(d, value, size, &msg);
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
        const MassagerProtocolOps *protocol = NULL;
        const void *value;
        size_t size;
        int r;

        if (sd_bus_error_is_set(error)) {
                log_warning("%s: reading Device Info failed: %s: %s", d->address, error->name, error->message);
                link_down(d, -EIO, "reading Device Info failed");
                return;
        }
        /* The version the Device Info reports picks the protocol of this
         * connection; one we do not speak makes the device incompatible. */
        r = sd_bus_message_read_array(reply, 'y', &value, &size);
        if (r >= 0)
                r = massager_protocol_for_device_info(value, size, &protocol);
        if (r >= 0)
                r = protocol->decode_device_info(value, size, &d->info);
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
        if (d->info.protocol_version != protocol->version) {
                d->incompatible = true;
                give_up(d, -EPROTONOSUPPORT, "the device speaks an unsupported protocol version");
                return;
        }
        massager_control_point_set_protocol(&d->control_point, protocol);
        d->have_info = true;
        d->incompatible = false;
        device_emit_changed(d, DEVICE_PROP_MODEL, DEVICE_PROP_INTENSITY_MAX, DEVICE_PROP_HEAT_LEVELS,
                            DEVICE_PROP_FIRMWARE_REVISION, DEVICE_PROP_PROTOCOL_VERSION, DEVICE_PROP_PATTERNS,
                            DEVICE_PROP_HEAT_SETPOINTS);
        log_info("%s: %s, firmware %u.%u.%u, protocol %u, intensity 0–%u, %u heat level(s)", d->address,
                 d->info.model, d->info.fw_major, d->info.fw_minor, d->info.fw_patch, d->info.protocol_version,
                 d->info.intensity_max, d->info.heat_levels);

        r = bluez_call(bluez_client_bus(d->ctx->bluez), &d->read_call, d->status_path, "org.bluez.GattCharacteristic1",
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
        r = bluez_call(bluez_client_bus(d->ctx->bluez), &d->read_call, d->info_path, "org.bluez.GattCharacteristic1",
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

        if (sd_bus_error_is_set(error) && !sd_bus_error_has_name(error, "org.bluez.Error.AlreadyExists")) {
                log_warning("%s: pairing failed: %s: %s", d->address, error->name, error->message);
                link_down(d, bluez_error_to_errno(error) == -ETIMEDOUT ? -ETIMEDOUT : -EACCES, "pairing failed");
                return;
        }
        /* BlueZ may not signal Paired before we look again: tell the client. */
        if (d->bluez_path)
                bluez_client_device_paired(d->ctx->bluez, d->bluez_path);
        check_ready(d);
}

/* Everything BlueZ must say before we may use the device; then set it up. */
static void check_ready(Device *d) {
        BluezClient *bluez = d->ctx->bluez;
        BluezDevice *bd;
        int r;

        if (d->connection != CONNECTION_RESOLVING || d->setting_up || d->props_call || d->pair_call)
                return;
        bd = d->bluez_path ? bluez_client_device(bluez, d->bluez_path) : NULL;
        if (!bd || !bd->connected || !bd->services_resolved)
                return;
        if (!bd->paired) {
                /* Control Point writes need an encrypted link; our agent accepts known devices. */
                log_info("%s: not paired, pairing", d->address);
                r = bluez_call(bluez_client_bus(bluez), &d->pair_call, d->bluez_path, "org.bluez.Device1", "Pair",
                               BLUEZ_TIMEOUT_PAIR_USEC, NULL, NULL, 0, on_pair_reply, d);
                if (r < 0)
                        link_down(d, r, "cannot pair");
                return;
        }

        r = dup_path(&d->control_path, bluez_find_char(bluez, d->bluez_path, MASSAGER_CONTROL_POINT_UUID));
        if (r >= 0)
                r = dup_path(&d->status_path, bluez_find_char(bluez, d->bluez_path, MASSAGER_STATUS_UUID));
        if (r >= 0)
                r = dup_path(&d->info_path, bluez_find_char(bluez, d->bluez_path, MASSAGER_DEVICE_INFO_UUID));
        if (r < 0) {
                d->incompatible = true;
                give_up(d, -EPROTONOSUPPORT, "the device lacks the massager service's characteristics");
                return;
        }

        d->setting_up = true;
        /* Subscriptions do not survive a reconnect: subscribe every time. */
        r = bluez_call(bluez_client_bus(bluez), &d->notify_call, d->status_path, "org.bluez.GattCharacteristic1", "StartNotify",
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
        bd = d->bluez_path ? bluez_client_device(d->ctx->bluez, d->bluez_path) : NULL;
        if (!bd) {
                link_down(d, -ENODEV, "BlueZ dropped the device");
                return;
        }
        /* Readiness is read, not only awaited: BlueZ may set Connected
         * without a PropertiesChanged signal; the client reads the answer
         * into its cache. */
        int r = bluez_client_update_device(d->ctx->bluez, d->bluez_path, reply);
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
                bluez_disconnect(d);
                link_down(d, -ETIMEDOUT, "services were not resolved in time");
        }
        return 0;
}

static void start_resolving(Device *d) {
        int r;

        set_connection(d, CONNECTION_RESOLVING);
        d->resolving_unasked = false;
        d->resolve_timer = sd_event_source_disable_unref(d->resolve_timer);
        r = sd_event_add_time_relative(d->ctx->event, &d->resolve_timer, CLOCK_MONOTONIC,
                                       RESOLVE_TIMEOUT_USEC, TIMER_ACCURACY_COARSE_USEC, on_resolve_timeout, d);
        if (r >= 0)
                r = bluez_call(bluez_client_bus(d->ctx->bluez), &d->props_call, d->bluez_path, "org.freedesktop.DBus.Properties",
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
        BluezClient *bluez = d->ctx->bluez;
        BluezDevice *bd;
        BluezAdapter *a;
        const char *holder = NULL;
        char *adapter;
        int r;

        if (!d->want_connected || exiting(d))
                return;
        if (!bluez_client_is_up(bluez) || !d->bluez_path) {
                /* BlueZ dropped the object (or is away): find it again by scanning. */
                set_connection(d, d->connection == CONNECTION_DISCONNECTED ? CONNECTION_CONNECTING : d->connection);
                bluez_client_update_discovery(bluez);
                return;
        }
        bd = bluez_client_device(bluez, d->bluez_path);
        if (!bd)
                return;
        if (bd->connected) {
                start_resolving(d);
                d->resolving_unasked = true;
                return;
        }
        a = bluez_adapter_for(bluez, bd->adapter);
        if (!a || !a->powered) {
                log_info("%s: adapter %s is not powered, waiting for it", d->address, bd->adapter ?: "(none)");
                d->waiting_for_adapter = true;
                if (d->connection == CONNECTION_DISCONNECTED)
                        set_connection(d, CONNECTION_CONNECTING);
                return;
        }
        adapter = strdup(bd->adapter);
        r = adapter ? bluez_client_take_adapter_slot(bluez, adapter, d->address, &holder) : -ENOMEM;
        if (r == -EBUSY) {
                /* One Connect at a time per adapter: wait for the slot. */
                log_debug("%s: waiting for %s to finish connecting", d->address, holder);
                free(adapter);
                d->waiting_for_adapter = true;
                if (d->connection == CONNECTION_DISCONNECTED)
                        set_connection(d, CONNECTION_CONNECTING);
                return;
        }
        d->waiting_for_adapter = false;
        if (r < 0) {
                free(adapter);
                link_down(d, r, "cannot take the adapter's Connect slot");
                return;
        }
        free(d->adapter_path);
        d->adapter_path = adapter;
        d->holds_adapter_slot = true;
        set_connection(d, CONNECTION_CONNECTING);
        r = bluez_call(bluez_client_bus(bluez), &d->connect_call, d->bluez_path, "org.bluez.Device1", "Connect",
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
                    sd_event_add_time_relative(d->ctx->event, &d->connect_deadline, CLOCK_MONOTONIC,
                                               CONNECT_WAIT_USEC, TIMER_ACCURACY_COARSE_USEC, on_connect_deadline, d) < 0)
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
        bluez_disconnect(d);
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
        hook_lost(d, DEVICE_LOSS_DISCONNECT);
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
        BluezDevice *bd = bluez_client_device(d->ctx->bluez, bluez_path);

        if (streq_ptr(d->bluez_path, bluez_path))
                return;
        free(d->bluez_path);
        d->bluez_path = strdup(bluez_path);
        if (bd)
                device_set_name(d, bd->name);
        log_debug("%s: BlueZ object %s", d->address, bluez_path);
        bluez_client_update_discovery(d->ctx->bluez);
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
                bluez_client_update_discovery(d->ctx->bluez);
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
        BluezDevice *bd = d->bluez_path ? bluez_client_device(d->ctx->bluez, d->bluez_path) : NULL;

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

int device_new(const DeviceContext *ctx, const char *address, Device **ret) {
        Device *d = calloc(1, sizeof *d);
        if (!d)
                return -ENOMEM;
        d->ctx = ctx;
        for (size_t i = 0; i < 17; i++)
                d->address[i] = (char) toupper((unsigned char) address[i]);
        d->object_path = address_to_object_path(d->address);
        d->connect_waiters = g_ptr_array_new();
        d->connection = CONNECTION_DISCONNECTED;
        device_commands_init(d);
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
        hook_lost(d, DEVICE_LOSS_REMOVED);
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
