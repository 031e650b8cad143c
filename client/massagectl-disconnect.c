/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* massagectl disconnect [DEVICE]: disconnect a massager (no automatic reconnect). */
#include "ctl-api.h"
#include "ctl-device-call.h"
#include "i18n.h"

int verb_disconnect(Ctl *c, int argc, char *argv[]) {
        return ctl_device_call_verb(c, argc, argv, api_disconnect, _("Disconnected"));
}
