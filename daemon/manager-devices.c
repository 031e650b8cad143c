/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "bluez/bluez.h"
#include "bus-errors.h"
#include "manager-devices.h"
#include "massaged-dbus.h"
#include "safety-glue.h"
#include "session.h"
#include "i18n.h"

typedef struct AddRequest {
        const DeviceContext *ctx;
        sd_bus_message *call;
        char address[18];
        BluezCall *pair_call;
        bool pairing;                   /* set the client's pairing address */
} AddRequest;

static void finish_add(AddRequest *req) {
        const DeviceContext *ctx = req->ctx;
        SafetyContext *safety = ctx->safety;
        BluezDevice *bd = bluez_find_device_by_address(ctx->bluez, req->address);
        SafetyClock clock;
        Device *d;
        int r;

        r = safety_clock_now(&clock);
        if (r >= 0)
                r = ledger_device_add(safety->ledger, req->address, bd && bd->name ? bd->name : "", clock.wall_us);
        if (r < 0) {
                _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
                bus_error_set_storage(&e, _("Cannot remember %s: %s"), req->address, safety_storage_error(safety));
                (void) sd_bus_reply_method_error(req->call, &e);
                return;
        }
        r = device_new(ctx, req->address, &d);
        if (r < 0) {
                (void) bus_reply_errno(req->call, r, _("Out of memory adding %s"), req->address);
                return;
        }
        g_hash_table_replace(ctx->devices, d->address, d);
        if (bd)
                device_set_name(d, bd->name);
        (void) sd_bus_emit_object_added(ctx->api, d->object_path);
        log_info("%s: added", d->address);
        if (bd)
                device_bluez_attached(d, bd->path);
        (void) device_connect(d, NULL);
        (void) sd_bus_reply_method_return(req->call, "o", d->object_path);
}

static void add_request_free(AddRequest *req) {
        if (req->pairing)
                (void) bluez_client_set_pairing_address(req->ctx->bluez, NULL);
        bluez_call_cancel(&req->pair_call);
        sd_bus_message_unref(req->call);
        free(req);
}

static void on_add_paired(sd_bus_message *reply, const sd_bus_error *error, void *userdata) {
        AddRequest *req = userdata;

        if (sd_bus_error_is_set(error) && !sd_bus_error_has_name(error, "org.bluez.Error.AlreadyExists")) {
                log_warning("%s: pairing failed: %s: %s", req->address, error->name, error->message);
                int e = bluez_error_to_errno(error) == -ETIMEDOUT ? -ETIMEDOUT : -EACCES;
                (void) bus_reply_errno(req->call, e, _("Pairing with %s failed (%s); put the massager in pairing "
                                       "mode and try again"), req->address, error->message ?: error->name);
        } else
                finish_add(req);
        add_request_free(req);
}

int manager_devices_add(const DeviceContext *ctx, sd_bus_message *call, const char *address, sd_bus_error *error) {
        SafetyContext *safety = ctx->safety;
        BluezDevice *bd;
        AddRequest *req;
        int r;

        if (!safety->ledger)
                return bus_error_set_storage(error, _("Cannot remember a device: %s"), safety_storage_error(safety));
        if (bluez_client_pairing_address(ctx->bluez))
                return sd_bus_error_setf(error, MASSAGED_ERROR_BUSY, _("Already adding %s; try again when it is done"),
                                         bluez_client_pairing_address(ctx->bluez));
        if (!bluez_client_is_up(ctx->bluez))
                return bus_error_set_errno(error, -EHOSTDOWN, _("Bluetooth is not available; start bluetoothd"));
        bd = bluez_find_device_by_address(ctx->bluez, address);
        if (!bd)
                return sd_bus_error_setf(error, MASSAGED_ERROR_UNKNOWN_DEVICE,
                                         _("%s has not been seen by Bluetooth; call StartDiscovery() with the "
                                         "massager switched on and near, then try again"), address);

        req = calloc(1, sizeof *req);
        if (!req)
                return -ENOMEM;
        req->ctx = ctx;
        req->call = sd_bus_message_ref(call);
        memcpy(req->address, bd->address, sizeof req->address);
        if (bd->paired) {
                /* Already paired (by us earlier, or by a desktop tool). */
                finish_add(req);
                add_request_free(req);
                return 1;
        }
        r = bluez_client_set_pairing_address(ctx->bluez, bd->address);
        if (r < 0) {
                add_request_free(req);
                return r;
        }
        req->pairing = true;
        log_info("%s: pairing", bd->address);
        r = bluez_call(bluez_client_bus(ctx->bluez), &req->pair_call, bd->path, "org.bluez.Device1", "Pair",
                       BLUEZ_TIMEOUT_PAIR_USEC, NULL, NULL, 0, on_add_paired, req);
        if (r < 0) {
                add_request_free(req);
                return bus_error_set_errno(error, r, _("Cannot pair with %s"), address);
        }
        /* req lives until on_add_paired; the call pointer is owned by req. */
        return 1;
}

int manager_devices_forget(const DeviceContext *ctx, Device *d,
                           sd_bus_error *error) {
        SafetyContext *safety = ctx->safety;
        int r;

        /* Stop it first, whatever happens to the ledger. */
        if (device_is_ready(d))
                (void) device_send_stop(d, NULL, NULL);
        if (d->session)
                session_end(d->session, POLICY_END_USER);
        if (!safety->ledger)
                return bus_error_set_storage(error, _("Cannot forget %s: %s"), d->address, safety_storage_error(safety));
        r = ledger_device_remove(safety->ledger, d->address);
        if (r < 0 && r != -ENOENT)
                return bus_error_set_storage(error, _("Cannot forget %s: %s"), d->address, ledger_error(safety->ledger));

        log_info("%s: forgotten", d->address);
        if (d->bluez_path && d->adapter_path)
                /* Unpair too: a forgotten device keeps no bond. */
                (void) bluez_call(bluez_client_bus(ctx->bluez), NULL, d->adapter_path, "org.bluez.Adapter1",
                                  "RemoveDevice", BLUEZ_TIMEOUT_SHORT_USEC, bluez_append_object, d->bluez_path,
                                  strlen(d->bluez_path) + 1, NULL, NULL);
        else if (d->bluez_path)
                (void) bluez_client_disconnect(ctx->bluez, d->bluez_path, NULL);
        /* While the object is still found: sd-bus lists the interfaces it
         * removes by looking the object up, and without org.massaged1.Device
         * in InterfacesRemoved clients (GDBusObjectManager) keep the device. */
        (void) sd_bus_emit_object_removed(ctx->api, d->object_path);
        g_hash_table_remove(ctx->devices, d->address);
        device_free(d);
        device_context_safety_changed(ctx);
        bluez_client_update_discovery(ctx->bluez);
        return 0;
}
