/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * massager-sim: one simulated adapter (hci0) with massagers in range, behind
 * the D-Bus surface of bluetoothd 5.66. The structures shared by the
 * per-interface *-bus.c files live here; sim.c owns the connections and the
 * device list, sim-device.c each device's link state machine.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "firmware.h"

#define BLUEZ_NAME              "org.bluez"
#define BLUEZ_ROOT_PATH         "/org/bluez"
#define BLUEZ_ADAPTER_PATH      "/org/bluez/hci0"
#define SIM_CONTROL_NAME        "org.massaged1.Sim"
#define SIM_CONTROL_PATH        "/org/massaged1/sim"
#define SIM_CONTROL_INTERFACE   "org.massaged1.Sim1"

/* Every simulator timer's accuracy. sd-event turns 0 into 250 ms, which made
 * the 80 ms connect take ~220 ms and the 250 ms resolve ~500 ms: the modelled
 * delays must be what the options say (doc/performance.md, round 2). 1 ms is
 * far below every modelled delay and still lets sd-event merge wakeups. */
#define SIM_TIMER_ACCURACY_USEC 1000u

#define SIM_ADDRESS_LEN         17      /* "AA:BB:CC:DD:EE:FF" */
#define SIM_DEVICE_PATH_MAX     48      /* /org/bluez/hci0/dev_AA_BB_CC_DD_EE_FF */
#define SIM_SERVICE_PATH_MAX    64
#define SIM_PATH_MAX            96

typedef struct Sim Sim;
typedef struct SimDevice SimDevice;

static inline void *mfree(void *p) {
        free(p);
        return NULL;
}

static inline bool streq_ptr(const char *a, const char *b) {
        return a && b ? strcmp(a, b) == 0 : a == b;
}

static inline void *memdup(const void *p, size_t n) {
        void *q = malloc(n);
        return q ? memcpy(q, p, n) : NULL;
}

typedef struct SimOptions {
        const char *bus_address;        /* NULL: DBUS_SYSTEM_BUS_ADDRESS / the system bus */
        const char *adapter_address;
        const char *adapter_name;
        uint64_t connect_delay_us;      /* Connect() → Connected */
        uint64_t resolve_delay_us;      /* Connected → ServicesResolved */
        uint64_t pair_delay_us;         /* pairing on an existing link */
        uint64_t scan_delay_us;         /* StartDiscovery → devices reported */
        uint64_t disconnect_delay_us;   /* Disconnect() → link down (bluetoothd: 2 s) */
        uint64_t temporary_timeout_us;  /* unpaired, never connected devices vanish (0: never) */
        FirmwareConfig firmware;
        bool connected_race;            /* every device starts with SetConnectedRace on */
        bool verbose;
} SimOptions;

/* The characteristics every massager has; index into SimDevice.chars. */
typedef enum SimCharId {
        SIM_CHAR_CONTROL_POINT,
        SIM_CHAR_STATUS,
        SIM_CHAR_DEVICE_INFO,
        SIM_CHAR_BATTERY_LEVEL,
        _SIM_CHAR_MAX,
} SimCharId;

typedef enum SimServiceId {
        SIM_SERVICE_MASSAGER,
        SIM_SERVICE_BATTERY,
        _SIM_SERVICE_MAX,
} SimServiceId;

typedef struct SimChar {
        SimDevice *device;
        SimCharId id;
        char path[SIM_PATH_MAX];
        sd_bus_slot *slot;
        sd_bus_track *notify_clients;   /* one StartNotify session per client */
        uint8_t value[MASSAGER_FRAME_MAX + 16]; /* the cached Value property */
        size_t value_len;
        bool has_value;
        bool notifying;                 /* the Notifying property as last announced */
        /* Its Client Characteristic Configuration descriptor, if it notifies. */
        char cccd_path[SIM_PATH_MAX + 16];
        sd_bus_slot *cccd_slot;
        uint8_t cccd_value[2];
        bool cccd_has_value;
} SimChar;

typedef struct SimService {
        SimDevice *device;
        SimServiceId id;
        char path[SIM_SERVICE_PATH_MAX];
        sd_bus_slot *slot;
} SimService;

typedef enum SimLink {
        SIM_LINK_DISCONNECTED,
        SIM_LINK_CONNECTING,
        SIM_LINK_CONNECTED,
} SimLink;

typedef enum SimMangle {
        SIM_MANGLE_NONE,
        SIM_MANGLE_TRUNCATE,
        SIM_MANGLE_GARBAGE,
} SimMangle;

/* One Control Point write as it arrived (command-log.c). */
#define SIM_COMMAND_LOG_MAX     256u
typedef struct SimCommandRecord {
        uint64_t at_us;                 /* CLOCK_MONOTONIC */
        uint8_t len;
        uint8_t bytes[MASSAGER_FRAME_MAX];
} SimCommandRecord;

/* A notification held back until the reply to the write that caused it is out. */
typedef struct SimPendingNotify {
        SimCharId id;
        uint8_t data[MASSAGER_FRAME_MAX];
        size_t len;
} SimPendingNotify;

struct SimDevice {
        Sim *sim;
        SimDevice *next;
        char address[SIM_ADDRESS_LEN + 1];
        char path[SIM_DEVICE_PATH_MAX];
        char *name;
        char *alias;                    /* NULL: the name */
        int16_t rssi;

        /* What bluetoothd knows. */
        bool exported;                  /* Device1 object on the bus */
        bool seen;                      /* reported by a discovery: RSSI valid */
        bool temporary;                 /* discovered, never connected or paired */
        bool paired;
        bool trusted;
        bool blocked;
        SimLink link;
        bool connected_visible;         /* Connected as Get returns it */
        bool services_resolved;
        bool gatt_exported;
        bool services_known;            /* resolved once: UUIDs lists every service */
        sd_bus_slot *device_slot;
        sd_bus_slot *battery_slot;
        SimService services[_SIM_SERVICE_MAX];
        SimChar chars[_SIM_CHAR_MAX];

        /* Calls in flight. */
        sd_bus_message *connect_msg;
        sd_bus_message *pair_msg;
        sd_bus_message *disconnect_msg;
        sd_bus_message *write_msg;      /* a delayed Control Point write */
        uint8_t *write_buf;             /* … and its value */
        size_t write_len;
        sd_event_source *connect_timer;
        sd_event_source *resolve_timer;
        sd_event_source *pair_timer;
        sd_event_source *write_timer;
        sd_event_source *firmware_timer;
        sd_event_source *disconnect_timer;
        sd_event_source *temporary_timer;

        /* Fault injection. */
        unsigned fail_writes;
        unsigned delay_writes;
        uint64_t write_delay_us;
        SimMangle mangle;
        unsigned mangle_count;
        uint64_t resolve_delay_us;      /* 0: the option's */
        bool connected_race;            /* Connected without PropertiesChanged */
        bool out_of_range;              /* not advertising, connection attempts fail */
        bool refuse_pairing;            /* the device refuses to pair (SetRefusePairing) */
        bool paired_by_write;           /* this link was paired by a write's security elevation */
        unsigned writes_received;       /* Control Point writes the firmware executed */
        SimCommandRecord *command_log;  /* ring of SIM_COMMAND_LOG_MAX, NULL until the first write */
        unsigned command_log_next;      /* writes logged so far (the ring's next slot, modulo) */

        bool defer_notify;
        SimPendingNotify pending[8];
        unsigned n_pending;

        Firmware firmware;
};

typedef struct SimAgent {
        struct SimAgent *next;
        char *owner;
        char *path;
        char *capability;
} SimAgent;

typedef struct SimFilter {
        struct SimFilter *next;
        char *owner;
        char **uuids;                   /* NULL: any */
        int16_t rssi;                   /* INT16_MIN: any */
        char *pattern;
        bool bredr_only;
} SimFilter;

struct Sim {
        SimOptions opt;
        sd_event *event;
        sd_bus *bus;                    /* "bluetoothd": owns org.bluez; replaced on restart */
        sd_bus *control_bus;            /* owns org.massaged1.Sim; survives restarts */
        sd_event_source *restart_defer;  /* bluetoothd stops on the next iteration */
        sd_event_source *restart_timer;  /* … and comes back when this fires */
        uint64_t restart_down_us;

        char *adapter_alias;
        bool powered;
        bool discoverable;
        bool pairable;
        uint32_t discoverable_timeout;
        bool discovering;
        sd_bus_track *discovery_clients;
        SimFilter *filters;
        sd_event_source *scan_timer;

        SimAgent *agents;
        SimAgent *default_agent;

        SimDevice *devices;
        unsigned n_devices;
        unsigned next_auto_address;
};

/* sim.c */
int sim_new(const SimOptions *opt, sd_event *event, Sim **ret);
Sim *sim_free(Sim *sim);
int sim_start(Sim *sim);
uint64_t sim_now(Sim *sim);
int sim_restart_bluez(Sim *sim, uint64_t down_us);
bool sim_bluez_up(Sim *sim);
SimDevice *sim_find_device(Sim *sim, const char *address);
SimDevice *sim_find_device_by_path(Sim *sim, const char *path);
int sim_add_device(Sim *sim, const char *address, const char *name, bool paired, SimDevice **ret);
int sim_remove_device(Sim *sim, SimDevice *d);
bool sim_address_valid(const char *address);
void sim_log(Sim *sim, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* sim-device.c */
int sim_device_new(Sim *sim, const char *address, const char *name, bool paired, SimDevice **ret);
SimDevice *sim_device_free(SimDevice *d);
int sim_device_export(SimDevice *d);
void sim_device_unexport(SimDevice *d, bool emit);
int sim_device_connect(SimDevice *d, sd_bus_message *m);
void sim_device_link_lost(SimDevice *d, const char *why);
int sim_device_pair(SimDevice *d, sd_bus_message *m);
int sim_device_cancel_pairing(SimDevice *d);
void sim_device_forget(SimDevice *d);
int sim_device_write(SimDevice *d, sd_bus_message *m, const uint8_t *value, size_t len);
void sim_device_disconnect(SimDevice *d);
int sim_device_request_disconnect(SimDevice *d, sd_bus_message *m);
bool sim_device_is_disconnecting(const SimDevice *d);
void sim_device_seen(SimDevice *d);
void sim_device_abandon_calls(SimDevice *d);
int sim_device_read(SimDevice *d, SimCharId id, uint8_t *out, size_t size, size_t *ret_len);
void sim_device_firmware_changed(SimDevice *d);
void sim_device_notify_raw(SimDevice *d, SimCharId id, const uint8_t *data, size_t len);
const char *sim_device_alias(const SimDevice *d);
bool sim_device_is_notifying(const SimDevice *d, SimCharId id);

/* adapter-bus.c */
int adapter_bus_register(Sim *sim);
void adapter_device_in_range(Sim *sim, SimDevice *d);
int adapter_emit(Sim *sim, const char *property);

/* device-bus.c */
int device_bus_add(SimDevice *d);
int device_emit(SimDevice *d, const char *property);

/* battery-bus.c */
int battery_bus_add(SimDevice *d);

/* gatt.c */
int gatt_bus_add(SimDevice *d);
void gatt_bus_remove(SimDevice *d, bool emit);
void gatt_char_set_value(SimChar *c, const uint8_t *data, size_t len);
const char *gatt_char_uuid(SimCharId id);

/* agent-bus.c */
int agent_bus_register(Sim *sim);
void agent_forget_all(Sim *sim);

/* command-log.c */
void sim_command_log_add(SimDevice *d, const uint8_t *value, size_t len);
int sim_command_log_append(const SimDevice *d, sd_bus_message *reply);

/* control-bus.c */
int control_bus_register(Sim *sim, sd_bus *bus);
