/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* massagectl connect [DEVICE]: connect to a massager. */
#include "ctl-api.h"
#include "ctl-device-call.h"
#include "i18n.h"

int verb_connect(Ctl *c, int argc, char *argv[]) {
        return ctl_device_call_verb(c, argc, argv, api_connect, _("Connected to"));
}
