/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * One known massager and its connection state machine (doc/dbus-api.md, ConnectionState):
 *
 *   disconnected ──Connect()──▶ connecting ──Connect ok──▶ resolving ──GATT set up──▶ ready
 *        ▲                          │                          │                       │
 *        └──── Disconnect() ────────┴──── failure/link loss ───┴──▶ reconnecting ◀────┘
 *                                                                 (backoff 4 s … 64 s)
 *
 * A device is used only when BlueZ reports it Connected, ServicesResolved
 * and Paired, its characteristics are found, Status notifications are on and
 * its Device Info says a protocol version we speak (massager_protocol_lookup()).
 * A user Disconnect() clears want_connected, which no automatic reconnect
 * ever sets again.
 */

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "bluez/bluez.h"
#include "device-props.h"
#include "macro.h"
#include "massager-control-point.h"
#include "massager-protocol.h"

typedef struct Device Device;
typedef struct Session Session;
typedef struct SafetyContext SafetyContext;

/* Why a device can no longer carry its session (the session ends with the
 * matching doc/safety.md reason). */
typedef enum DeviceLoss {
        DEVICE_LOSS_LINK,               /* the link went down */
        DEVICE_LOSS_DISCONNECT,         /* a user Disconnect() */
        DEVICE_LOSS_REMOVED,            /* the device is being freed */
} DeviceLoss;

/* What a device tells the layer above it (manager.c sets them; the session
 * hears device events through them). Every hook may be NULL. */
typedef struct DeviceHooks {
        /* A STATUS was taken; previous is NULL for the first. */
        void (*status)(Device *d, const MassagerStatus *previous, void *userdata);
        /* d->session, if any, must end now. */
        void (*lost)(Device *d, DeviceLoss why, void *userdata);
        /* A property a start decision reads changed (link, state, battery,
         * capabilities): Manager.StartAvailability may have a new answer. */
        void (*decision_input_changed)(Device *d, void *userdata);
        /* The safety figures or rules changed outside any one device (limits,
         * screening, a lock-out acknowledged, a device forgotten): what is
         * computed from them (StartAvailability, the state properties) may differ. */
        void (*safety_changed)(void *userdata);
        /* The daemon is exiting: no connection attempts, no reconnects. */
        bool (*exiting)(void *userdata);
} DeviceHooks;

/* What every device (and its session) uses, owned by the manager. */
typedef struct DeviceContext {
        sd_event *event;
        sd_bus *api;                    /* NULL until connected */
        BluezClient *bluez;
        SafetyContext *safety;          /* for sessions (session.c) */
        GHashTable *devices;            /* address → Device: every known device */
        const DeviceHooks *hooks;
        void *userdata;                 /* for the hooks */
} DeviceContext;

typedef enum ConnectionState {
        CONNECTION_DISCONNECTED,
        CONNECTION_CONNECTING,
        CONNECTION_RESOLVING,
        CONNECTION_READY,
        CONNECTION_RECONNECTING,
        _CONNECTION_STATE_MAX,
} ConnectionState;

#define RECONNECT_BACKOFF_MIN_USEC (4ULL * 1000000ULL)
#define RECONNECT_BACKOFF_MAX_USEC (64ULL * 1000000ULL)
#define RESOLVE_TIMEOUT_USEC       (30ULL * 1000000ULL)
#define COMMAND_TIMEOUT_USEC       (3ULL * 1000000ULL)
#define CONNECT_WAIT_USEC          (60ULL * 1000000ULL)  /* Connect() answers within this */

struct Device {
        const DeviceContext *ctx;
        char address[18];               /* "AA:BB:CC:DD:EE:FF" */
        char *object_path;              /* /org/massaged1/device/AA_BB_CC_DD_EE_FF */
        char *name;

        /* BlueZ side; bluez_path is NULL while BlueZ has no object for it. */
        char *bluez_path;
        char *adapter_path;
        char *control_path, *status_path, *info_path;

        ConnectionState connection;
        bool want_connected;            /* cleared only by a user Disconnect() / ForgetDevice() */
        bool holds_adapter_slot;
        bool waiting_for_adapter;       /* for the Connect slot or for the adapter to be powered */
        bool resolving_unasked;         /* resolving because BlueZ said Connected, without our Connect */
        bool setting_up;                /* GATT setup started on this connection */
        bool incompatible;
        uint64_t backoff_usec;
        sd_event_source *reconnect_timer;
        sd_event_source *resolve_timer;
        BluezCall *connect_call, *props_call, *pair_call, *notify_call, *read_call, *disconnect_call;
        GPtrArray *connect_waiters;     /* sd_bus_message*: Connect() calls answered when ready */
        sd_event_source *connect_deadline;

        MassagerDeviceInfo info;
        bool have_info;
        MassagerStatus status;
        bool have_status;
        /* Seq of the last STATUS notification taken, to drop older and repeated
         * ones; forgotten whenever the device's counter may have restarted. */
        uint8_t status_seq;
        bool have_status_seq;

        /* Control Point: its engine, which also holds the connection's
         * protocol, and the engine's timer and write (device-commands.c). */
        MassagerControlPoint control_point;
        sd_event_source *command_timer;
        BluezCall *write_call;

        Session *session;               /* opaque here: session.c owns it */
};

int device_new(const DeviceContext *ctx, const char *address, Device **ret);
Device *device_free(Device *d);

const char *connection_state_to_string(ConnectionState s);
/* A fault other than low battery is reported. */
bool device_has_fault(Device *d);
/* Anything under way that an exit would cut short (idle.h): a session,
 * a command, a connection being made, a Connect() or pairing waiting. */
bool device_is_busy(Device *d);

/* Requests from the API. */
int device_connect(Device *d, sd_bus_message *waiter);   /* waiter may be NULL */
int device_disconnect(Device *d);
/* Queues STOP (it jumps the queue); -ENOTCONN when the device cannot be reached. */
typedef void (*CommandCallback)(Device *d, int error, const MassagerMessage *response, void *userdata);
int device_send_stop(Device *d, CommandCallback callback, void *userdata);
bool device_is_ready(Device *d);

/* Events from the BlueZ tracker. */
void device_bluez_attached(Device *d, const char *bluez_path);
void device_bluez_detached(Device *d);
void device_bluez_changed(Device *d);
void device_bluez_vanished(Device *d);
void device_adapter_slot_free(Device *d);
void device_value_changed(Device *d, const char *char_path, const uint8_t *value, size_t size);

/* Emits PropertiesChanged for these Device properties (device-props.h):
 * device_emit_changed(d, DEVICE_PROP_STATE, DEVICE_PROP_PROGRAM). */
void device_emit_changed_strv(Device *d, const char *const *names);
#define device_emit_changed(d, ...) device_emit_changed_strv((d), (const char *const[]) { __VA_ARGS__, NULL })
void device_set_name(Device *d, const char *name);
/* Something a start decision reads changed (also a symptom reported after a
 * session): tells the layer above through its hook. */
void device_decision_input_changed(Device *d);
/* The known device with this address (any case), or NULL. */
Device *device_context_find(const DeviceContext *ctx, const char *address);
/* The context's safety_changed hook, if any. */
void device_context_safety_changed(const DeviceContext *ctx);

/* ---- device-commands.c: the Control Point, part of this module ---- */

/*
 * Commands to the Control Point, through the device's engine
 * (protocol/control-point.c, PROTOCOL.md §9): sequence numbers, a response
 * timeout, one command in flight per device, the rest queued in order. STOP
 * jumps the queue (it goes out right after the command in flight) and a STOP
 * already queued is not sent twice: a second one is answered with its result.
 */

/* error is 0 with the device's response (result may still be non-OK), or a negative errno:
 * -ETIMEDOUT (no response), -ENOTCONN (link lost), -EIO or the BlueZ error's errno (write failed). */

void device_commands_init(Device *d);
int device_command(Device *d, const MassagerCommand *cmd, CommandCallback callback, void *userdata);
/* Decodes a Status notification with the connection's protocol: MASSAGER_NOTIFICATION_STATUS,
 * MASSAGER_NOTIFICATION_RESPONSE (answers the command in flight; apply it, then
 * device_commands_on_response()), or a negative errno when it is dropped (logged here). */
int device_commands_receive(Device *d, const uint8_t *value, size_t size, MassagerMessage *ret);
/* Decodes a Status read with the connection's protocol (-EPROTO before the Device Info). */
int device_commands_decode(Device *d, const uint8_t *value, size_t size, MassagerMessage *ret);
void device_commands_on_response(Device *d, const MassagerMessage *msg);
void device_commands_fail_all(Device *d, int error);
/* A command is in flight or queued. */
bool device_commands_busy(Device *d);
/* A command is in flight (its response is awaited). */
bool device_commands_in_flight(Device *d);
/* A STOP is in flight or queued. */
bool device_commands_stop_pending(Device *d);
