/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* massagectl pause [DEVICE]: pause the running session. */
#include "ctl-api.h"
#include "ctl-device-call.h"
#include "i18n.h"

int verb_pause(Ctl *c, int argc, char *argv[]) {
        return ctl_device_call_verb(c, argc, argv, api_pause, _("Paused"));
}
