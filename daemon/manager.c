/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "base/address.h"
#include "bluez/bluez.h"
#include "device.h"
#include "device-bus.h"
#include "discovery-clients.h"
#include "history-bus.h"
#include "idle.h"
#include "base/log.h"
#include "manager.h"
#include "manager-bus.h"
#include "memory-trim.h"
#include "notify.h"
#include "massaged-dbus.h"
#include "safety-glue.h"
#include "session.h"
#include "sleep-inhibit.h"
#include "safety-state.h"
#include "start-availability.h"
#include "base/util.h"
#include "base/timer-accuracy.h"
#include "zone-watch.h"

#define SHUTDOWN_STOP_TIMEOUT_USEC (3ULL * USEC_PER_SEC)
#define NAME_WAIT_USEC (5ULL * USEC_PER_SEC)

Device *manager_find_device(Manager *m, const char *address) {
        return device_context_find(&m->device_ctx, address);
}

Device *manager_find_device_by_path(Manager *m, const char *object_path) {
        GHashTableIter i;
        gpointer v;

        g_hash_table_iter_init(&i, m->devices);
        while (g_hash_table_iter_next(&i, NULL, &v))
                if (streq(((Device *) v)->object_path, object_path))
                        return v;
        return NULL;
}

static Device *device_for_bluez(Manager *m, const BluezDevice *bd) {
        return bd && *bd->address ? manager_find_device(m, bd->address) : NULL;
}

static void emit_discovered_changed(Manager *m) {
        if (m->api)
                (void) sd_bus_emit_properties_changed(m->api, MASSAGED_MANAGER_PATH, MASSAGED_MANAGER_INTERFACE,
                                                      "Discovered", NULL);
}

/* ---- BlueZ client callbacks ------------------------------------------- */

static void on_bluez_appeared(void *userdata) {
        Manager *m = userdata;
        GHashTableIter i;
        gpointer v;

        /* Attach every known device to its object; those we want connect. */
        g_hash_table_iter_init(&i, m->devices);
        while (g_hash_table_iter_next(&i, NULL, &v)) {
                Device *d = v;
                BluezDevice *bd = bluez_find_device_by_address(m->bluez_client, d->address);
                if (bd)
                        device_bluez_attached(d, bd->path);
                else if (d->want_connected)
                        log_info("%s: not known to BlueZ, scanning for it", d->address);
        }
        bluez_client_update_discovery(m->bluez_client);
        emit_discovered_changed(m);
}

static void on_bluez_vanished(void *userdata) {
        Manager *m = userdata;
        GHashTableIter i;
        gpointer v;

        g_hash_table_iter_init(&i, m->devices);
        while (g_hash_table_iter_next(&i, NULL, &v))
                device_bluez_vanished(v);
        emit_discovered_changed(m);
}

static void on_bluez_device_added(const BluezDevice *bd, void *userdata) {
        Manager *m = userdata;
        Device *d = device_for_bluez(m, bd);

        if (d)
                device_bluez_attached(d, bd->path);
        if (bd->massager)
                emit_discovered_changed(m);
}

static void on_bluez_device_removed(const BluezDevice *bd, void *userdata) {
        Manager *m = userdata;
        Device *d = device_for_bluez(m, bd);

        if (d && streq_ptr(d->bluez_path, bd->path))
                device_bluez_detached(d);
        emit_discovered_changed(m);
}

static void on_bluez_device_changed(const BluezDevice *bd, void *userdata) {
        Device *d = device_for_bluez(userdata, bd);

        if (!d)
                return;
        if (!streq_ptr(d->bluez_path, bd->path))
                device_bluez_attached(d, bd->path);
        device_bluez_changed(d);
}

static void on_bluez_value_changed(const char *char_path, const uint8_t *value, size_t size, void *userdata) {
        Manager *m = userdata;
        GHashTableIter i;
        gpointer v;

        g_hash_table_iter_init(&i, m->devices);
        while (g_hash_table_iter_next(&i, NULL, &v)) {
                Device *d = v;
                if (d->status_path && streq(d->status_path, char_path)) {
                        device_value_changed(d, char_path, value, size);
                        return;
                }
        }
}

static void on_adapter_slot_free(const char *adapter_path, void *userdata) {
        Manager *m = userdata;
        GHashTableIter i;
        gpointer v;

        /* Nothing connects any more, and manager_free() is freeing the devices. */
        if (m->shutting_down)
                return;
        g_hash_table_iter_init(&i, m->devices);
        while (g_hash_table_iter_next(&i, NULL, &v)) {
                if (bluez_client_adapter_slot_taken(m->bluez_client, adapter_path))
                        return;         /* someone took the slot */
                device_adapter_slot_free(v);
        }
}

static void on_discovered_changed(void *userdata) {
        emit_discovered_changed(userdata);
}

static bool manager_wants_discovery(void *userdata) {
        Manager *m = userdata;
        GHashTableIter i;
        gpointer v;

        if (m->shutting_down)
                return false;
        if (discovery_clients_any(m->discovery))
                return true;
        /* A device whose object BlueZ dropped is found again by scanning. */
        g_hash_table_iter_init(&i, m->devices);
        while (g_hash_table_iter_next(&i, NULL, &v)) {
                Device *d = v;
                if (d->want_connected && !d->bluez_path)
                        return true;
        }
        return false;
}

static bool manager_knows(const char *address, void *userdata) {
        return manager_find_device(userdata, address) != NULL;
}

/* ---- device hooks ----------------------------------------------------- */

static void on_device_status(Device *d, const MassagerStatus *previous, void *userdata) {
        if (d->session)
                session_on_status(d->session, previous);
}

static void on_device_lost(Device *d, DeviceLoss why, void *userdata) {
        if (!d->session)
                return;
        switch (why) {
        case DEVICE_LOSS_LINK:
                session_end(d->session, POLICY_END_LINK_LOST);
                break;
        case DEVICE_LOSS_DISCONNECT:
        case DEVICE_LOSS_REMOVED:
                session_end(d->session, POLICY_END_USER);
                break;
        }
}

static bool manager_exiting(void *userdata) {
        Manager *m = userdata;
        return m->shutting_down;
}

/* Also the moments to trim: a device became ready or a session ended. */
static void on_device_decision_input(Device *d, void *userdata) {
        Manager *m = userdata;
        start_availability_invalidate(m->availability);
        safety_state_invalidate(m->safety_state);
        memory_trim_request(m->trim);
}

static void on_safety_changed(void *userdata) {
        Manager *m = userdata;
        start_availability_invalidate(m->availability);
        safety_state_invalidate(m->safety_state);
        memory_trim_request(m->trim);
}

static const DeviceHooks device_hooks = {
        .status = on_device_status,
        .lost = on_device_lost,
        .decision_input_changed = on_device_decision_input,
        .safety_changed = on_safety_changed,
        .exiting = manager_exiting,
};

/* ---- idle exit -------------------------------------------------------- */

static bool manager_busy(void *userdata) {
        Manager *m = userdata;
        GHashTableIter it;
        gpointer v;

        /* A scan a client asked for is work in progress too (massagectl scan
         * runs for its --timeout between StartDiscovery and StopDiscovery). */
        if (m->shutting_down || bluez_client_pairing_address(m->bluez_client) || !m->name_requested ||
            discovery_clients_any(m->discovery))
                return true;
        g_hash_table_iter_init(&it, m->devices);
        while (g_hash_table_iter_next(&it, NULL, &v))
                if (device_is_busy(v))
                        return true;
        return false;
}

/* Only clean pages: what the ledger needs again is read back from the file. */
static void manager_release_caches(void *userdata) {
        Manager *m = userdata;
        ledger_release_memory(m->safety->ledger);
}

static void manager_notify_state(NotifyState *ret, void *userdata) {
        Manager *m = userdata;

        *ret = (NotifyState) {
                .stopping = m->shutting_down,
                .suspending = m->suspending,
                .bluetooth_missing = m->name_requested && !bluez_client_is_up(m->bluez_client),
                .devices = m->devices,
        };
}

/* ---- stopping everything ---------------------------------------------- */

void manager_stop_all(Manager *m, const char *why) {
        GHashTableIter i;
        gpointer v;

        g_hash_table_iter_init(&i, m->devices);
        while (g_hash_table_iter_next(&i, NULL, &v)) {
                Device *d = v;
                /* STOP first (it jumps the queue), then the ledger. */
                if (device_is_ready(d))
                        (void) device_send_stop(d, NULL, NULL);
                if (d->session)
                        session_end(d->session, m->shutting_down ? POLICY_END_SHUTDOWN : POLICY_END_STOP_ALL);
        }
        log_info("Stopped every device (%s)", why);
}

static unsigned pending_stops;

static void on_shutdown_stop(Device *d, int error, const MassagerMessage *resp, void *userdata) {
        Manager *m = userdata;

        if (error < 0)
                log_warning_errno(error, "%s: STOP at shutdown not confirmed (%m); its lease stops it", d->address);
        if (pending_stops > 0 && --pending_stops == 0)
                (void) sd_event_exit(m->event, m->exit_code);
}

static int on_shutdown_timeout(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;
        log_warning("Devices did not confirm STOP in time; exiting, their leases stop them");
        return sd_event_exit(m->event, m->exit_code);
}

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Manager *m = userdata;
        GHashTableIter i;
        gpointer v;

        if (m->shutting_down)
                return sd_event_exit(m->event, m->exit_code);
        log_info("Received %s, stopping every device and exiting", strsignal((int) si->ssi_signo));
        m->shutting_down = true;
        m->exit_code = 0;
        notify_flush(m->notify);        /* the loop may not dispatch again */

        g_hash_table_iter_init(&i, m->devices);
        while (g_hash_table_iter_next(&i, NULL, &v)) {
                Device *d = v;
                if (device_is_ready(d) && device_send_stop(d, on_shutdown_stop, m) >= 0)
                        pending_stops++;
                if (d->session)
                        session_end(d->session, POLICY_END_SHUTDOWN);
        }
        if (pending_stops == 0)
                return sd_event_exit(m->event, m->exit_code);
        return sd_event_add_time_relative(m->event, NULL, CLOCK_MONOTONIC, SHUTDOWN_STOP_TIMEOUT_USEC,
                                          TIMER_ACCURACY_COARSE_USEC,
                                          on_shutdown_timeout, m);
}

/* ---- sleep ------------------------------------------------------------ */

static unsigned sleep_stops;

static void on_sleep_stop(Device *d, int error, const MassagerMessage *resp, void *userdata) {
        Manager *m = userdata;

        if (error < 0)
                log_warning_errno(error, "%s: STOP before sleep not confirmed (%m); its lease stops it", d->address);
        if (sleep_stops > 0 && --sleep_stops == 0)
                sleep_inhibit_release(m->sleep);
}

/* PrepareForSleep(true): the same stop as at shutdown, and the inhibitor is
 * released once every device confirmed (sleep-inhibit.c bounds the wait). */
static void on_prepare_sleep(SleepInhibit *s, void *userdata) {
        Manager *m = userdata;
        GHashTableIter i;
        gpointer v;

        m->suspending = true;
        sleep_stops = 0;
        g_hash_table_iter_init(&i, m->devices);
        while (g_hash_table_iter_next(&i, NULL, &v)) {
                Device *d = v;
                if (device_is_ready(d) && device_send_stop(d, on_sleep_stop, m) >= 0)
                        sleep_stops++;
                if (d->session)
                        session_end(d->session, POLICY_END_SUSPEND);
        }
        log_info("Stopped every device before sleep (%u STOP(s) to confirm)", sleep_stops);
        if (sleep_stops == 0)
                sleep_inhibit_release(s);
}

static void on_resumed(SleepInhibit *s, void *userdata) {
        Manager *m = userdata;

        m->suspending = false;
        sleep_stops = 0;
}

/* ---- the bus name ----------------------------------------------------- */

/* After start-up, at idle priority so that waiting calls go first: the
 * ledger's backup (taken out of the path to the name, safety-glue.h), then
 * the pages SQLite cached while opening it (ledger-memory.c) and the heap that
 * start-up freed handed back to the kernel (doc/performance.md, Round 2: they
 * are most of the daemon's private memory otherwise). */
static int on_started(sd_event_source *s, void *userdata) {
        Manager *m = userdata;

        safety_backup_after_open(m->safety);
        memory_trim_now(m->trim);
        return 0;
}

static int on_name_acquired(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Manager *m = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        sd_event_source *s = NULL;
        int r;

        if (e) {
                log_error("Cannot own %s: %s (is another massaged running?)", MASSAGED_BUS_NAME, e->message);
                return sd_event_exit(m->event, EXIT_FAILURE);
        }
        log_info("massaged ready on %s", MASSAGED_BUS_NAME);
        /* Floating and one-shot: the event loop owns it and frees it with itself. */
        r = sd_event_add_defer(m->event, &s, on_started, m);
        if (r >= 0)
                r = sd_event_source_set_priority(s, SD_EVENT_PRIORITY_IDLE);
        if (r >= 0)
                r = sd_event_source_set_floating(s, true);
        if (r < 0) {
                /* Without it only the copy waits for the next session's end. */
                log_warning_errno(r, "Cannot schedule the ledger's backup after start-up: %m");
                (void) sd_event_source_disable_unref(s);
                return 0;
        }
        sd_event_source_unref(s);
        return 0;
}

/* BlueZ's initial state is known (or BlueZ is absent): take the bus name. */
static void on_bluez_settled(void *userdata) {
        Manager *m = userdata;
        int r;

        if (m->name_requested)
                return;
        m->name_requested = true;
        m->name_timer = sd_event_source_disable_unref(m->name_timer);
        r = sd_bus_request_name_async(m->api, NULL, MASSAGED_BUS_NAME, 0, on_name_acquired, m);
        if (r < 0) {
                log_error_errno(r, "Cannot request %s: %m", MASSAGED_BUS_NAME);
                (void) sd_event_exit(m->event, EXIT_FAILURE);
        }
}

static int on_name_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        log_warning("BlueZ did not describe its objects in time; serving the API without them for now");
        on_bluez_settled(userdata);
        return 0;
}

/* ---- setup ------------------------------------------------------------ */

static int open_bus(sd_bus **ret, const char *address, bool system, const char *what) {
        sd_bus *bus = NULL;
        int r;

        if (!address) {
                r = system ? sd_bus_open_system(&bus) : sd_bus_open_user(&bus);
                if (r < 0)
                        return log_error_errno(r, "Cannot connect to the %s: %m", what);
                *ret = bus;
                return 0;
        }
        r = sd_bus_new(&bus);
        if (r >= 0)
                r = sd_bus_set_address(bus, address);
        if (r >= 0)
                r = sd_bus_set_bus_client(bus, true);
        if (r >= 0)
                r = sd_bus_start(bus);
        if (r < 0) {
                sd_bus_unref(bus);
                return log_error_errno(r, "Cannot connect to the %s at '%s': %m", what, address);
        }
        *ret = bus;
        return 0;
}

/* The longest start-up waits for the system bus's authentication and its
 * writes before going on; after it the event loop finishes them, as without. */
#define EARLY_SEND_USEC (50 * USEC_PER_MSEC)

/* Takes a freshly opened bus through authentication and writes the calls
 * queued on it (the Hello first), so they travel while start-up goes on. It
 * stops once the write queue is empty, without waiting for the Hello's reply:
 * messages are written only after authentication, and the Hello queued by
 * sd_bus_start() keeps the queue from being empty before. So it dispatches no
 * message, or at most the Hello's reply (the bus daemon sends that first, and
 * sd-bus dispatches nothing else before it); should the bus become "ready"
 * with writes left, they are flushed, which dispatches nothing either. What
 * arrives waits in the bus's queue for the event loop. Errors are left to the
 * event loop too, which meets them again on the same bus. */
static void bus_send_early(sd_bus *bus, uint64_t budget_usec) {
        uint64_t deadline = now_usec(CLOCK_MONOTONIC) + budget_usec, t, n;
        int r;

        for (;;) {
                if (sd_bus_get_n_queued_write(bus, &n) < 0 || n == 0)
                        return;
                if (sd_bus_is_ready(bus) != 0) {
                        (void) sd_bus_flush(bus);
                        return;
                }
                r = sd_bus_process(bus, NULL);
                if (r < 0)
                        return;
                if (r > 0)
                        continue;
                t = now_usec(CLOCK_MONOTONIC);
                if (t >= deadline || sd_bus_wait(bus, deadline - t) < 0)
                        return;
        }
}

static int load_devices(Manager *m) {
        LedgerDevice *list = NULL;
        size_t n = 0;
        int r;

        if (!m->safety->ledger)
                return 0;
        r = ledger_device_list(m->safety->ledger, &list, &n);
        if (r < 0)
                return log_error_errno(r, "Cannot read the known devices: %s", ledger_error(m->safety->ledger));
        for (size_t k = 0; k < n; k++) {
                Device *d;
                if (!address_is_valid(list[k].address)) {
                        log_warning("Ledger lists an invalid address '%s', ignoring", list[k].address);
                        continue;
                }
                r = device_new(&m->device_ctx, list[k].address, &d);
                if (r < 0) {
                        log_error_errno(r, "Out of memory loading the known device %s", list[k].address);
                        break;
                }
                device_set_name(d, list[k].name && *list[k].name ? list[k].name : NULL);
                /* Known devices are kept connected, like a headset; Disconnect() opts out. */
                d->want_connected = true;
                g_hash_table_replace(m->devices, d->address, d);
        }
        ledger_device_list_free(list, n);
        log_info("%u known device(s)", g_hash_table_size(m->devices));
        return r < 0 ? r : 0;
}

static const BluezClientCallbacks bluez_callbacks = {
        .appeared = on_bluez_appeared,
        .vanished = on_bluez_vanished,
        .settled = on_bluez_settled,
        .device_added = on_bluez_device_added,
        .device_removed = on_bluez_device_removed,
        .device_changed = on_bluez_device_changed,
        .discovered_changed = on_discovered_changed,
        .value_changed = on_bluez_value_changed,
        .adapter_slot_free = on_adapter_slot_free,
        .wants_discovery = manager_wants_discovery,
        .is_known = manager_knows,
};

int manager_new(Manager **ret, const ManagerOptions *o) {
        Manager *m;
        sigset_t mask;
        int r;

        m = calloc(1, sizeof *m);
        if (!m)
                return log_error_errno(ENOMEM, "Out of memory starting up");
        m->devices = g_hash_table_new(g_str_hash, g_str_equal);

        r = sd_event_default(&m->event);
        if (r < 0) {
                log_error_errno(r, "Cannot create the event loop: %m");
                goto fail;
        }
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        r = sd_event_add_signal(m->event, NULL, SIGTERM, on_signal, m);
        if (r >= 0)
                r = sd_event_add_signal(m->event, NULL, SIGINT, on_signal, m);
        if (r < 0) {
                log_error_errno(r, "Cannot watch for SIGTERM/SIGINT: %m");
                goto fail;
        }
        zone_watch_start(m->event);

        if (o->adapter)
                log_info("Using only the Bluetooth adapter %s", o->adapter);

        r = open_bus(&m->bluez, o->bluez_bus, true, "system bus (BlueZ)");
        if (r < 0)
                goto fail;
        r = open_bus(&m->api, o->api_bus, false, "user bus (API)");
        if (r < 0)
                goto fail;
        r = bluez_client_new(&m->bluez_client, m->bluez, o->adapter, &bluez_callbacks, m);
        if (r >= 0)
                r = discovery_clients_new(&m->discovery, m->api, m->bluez_client);
        if (r < 0) {
                log_error_errno(r, "Cannot set up the BlueZ client: %m");
                goto fail;
        }
        r = sd_bus_attach_event(m->bluez, m->event, SD_EVENT_PRIORITY_NORMAL);
        if (r >= 0)
                r = sd_bus_attach_event(m->api, m->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0) {
                log_error_errno(r, "Cannot attach the buses to the event loop: %m");
                goto fail;
        }

        /* The BlueZ handshake first, then the ledger and everything else while
         * it is in flight (doc/performance.md, Round 2). No BlueZ callback runs
         * before the known devices are loaded below (bus_send_early()). The
         * name still waits for BlueZ (on_bluez_settled()). */
        r = bluez_client_start(m->bluez_client);
        if (r < 0)
                goto fail;
        bus_send_early(m->bluez, EARLY_SEND_USEC);

        r = safety_open(&m->safety, o->db_path, o->config_path);     /* logs what failed */
        if (r < 0)
                goto fail;

        /* Handed to every device; the pointers stay valid for the manager's life. */
        m->device_ctx = (DeviceContext) {
                .event = m->event,
                .api = m->api,
                .bluez = m->bluez_client,
                .safety = m->safety,
                .devices = m->devices,
                .hooks = &device_hooks,
                .userdata = m,
        };
        r = load_devices(m);
        if (r < 0)
                goto fail;
        r = start_availability_new(&m->availability, &m->device_ctx);
        if (r >= 0)
                r = safety_state_new(&m->safety_state, &m->device_ctx);
        if (r < 0)
                goto fail;

        r = sd_bus_add_object_manager(m->api, NULL, MASSAGED_MANAGER_PATH);
        if (r >= 0)
                r = manager_bus_register(m);
        if (r >= 0)
                r = history_bus_register(m);
        if (r >= 0)
                r = device_bus_register(m);
        if (r < 0) {
                log_error_errno(r, "Cannot export the D-Bus API: %m");
                goto fail;
        }

        r = memory_trim_new(&m->trim, m->event, manager_busy, manager_release_caches, m);
        if (r < 0) {
                log_error_errno(r, "Cannot set up the memory trim: %m");
                goto fail;
        }
        r = idle_new(&m->idle, m->event, m->api,
                     (uint64_t) (o->idle_timeout_s >= 0 ? o->idle_timeout_s : m->safety->conf.idle_timeout_s) *
                     USEC_PER_SEC, manager_busy, m);
        if (r == -ENOMEM)
                log_error_errno(r, "Out of memory setting up the idle exit");
        if (r < 0)
                goto fail;

        r = notify_new(&m->notify, m->event, manager_notify_state, m);
        if (r == -ENOMEM)
                log_error_errno(r, "Out of memory setting up status notifications");
        if (r < 0)
                goto fail;
        r = sleep_inhibit_new(&m->sleep, m->bluez, m->event,
                              &(const SleepInhibitCallbacks) { .prepare = on_prepare_sleep, .resumed = on_resumed }, m);
        if (r == -ENOMEM)
                log_error_errno(r, "Out of memory setting up the sleep inhibitor");
        if (r < 0)
                goto fail;

        /* The name is taken once BlueZ's state is known (on_bluez_settled()),
         * so no client sees a daemon that does not know its devices yet; the
         * timer bounds that wait when BlueZ hangs. */
        r = sd_event_add_time_relative(m->event, &m->name_timer, CLOCK_MONOTONIC, NAME_WAIT_USEC,
                                       TIMER_ACCURACY_COARSE_USEC, on_name_timer, m);
        if (r < 0) {
                log_error_errno(r, "Cannot set up the timer bounding the wait for BlueZ: %m");
                goto fail;
        }
        *ret = m;
        return 0;
fail:
        manager_free(m);
        return r;
}

Manager *manager_free(Manager *m) {
        GHashTableIter i;
        gpointer v;

        if (!m)
                return NULL;
        m->shutting_down = true;
        if (m->devices) {
                g_hash_table_iter_init(&i, m->devices);
                while (g_hash_table_iter_next(&i, NULL, &v))
                        device_free(v);
                g_hash_table_destroy(m->devices);
        }
        m->availability = start_availability_free(m->availability);
        m->safety_state = safety_state_free(m->safety_state);
        /* After the devices: a STOP they fail at teardown still finds it. */
        m->sleep = sleep_inhibit_free(m->sleep);
        m->bluez_client = bluez_client_free(m->bluez_client);
        m->discovery = discovery_clients_free(m->discovery);   /* its watches hold slots on m->api */
        m->idle = idle_free(m->idle);
        m->trim = memory_trim_free(m->trim);
        m->notify = notify_free(m->notify);
        m->name_timer = sd_event_source_disable_unref(m->name_timer);
        if (m->bluez)
                sd_bus_flush_close_unref(m->bluez);
        if (m->api)
                sd_bus_flush_close_unref(m->api);
        safety_close(m->safety);
        sd_event_unref(m->event);
        free(m);
        return NULL;
}

int manager_run(Manager *m) {
        return sd_event_loop(m->event);
}
