/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* massagectl resume [DEVICE]: resume a paused session, with a soft start again. */
#include "ctl-api.h"
#include "ctl-device-call.h"
#include "i18n.h"

int verb_resume(Ctl *c, int argc, char *argv[]) {
        return ctl_device_call_verb(c, argc, argv, api_resume, _("Resumed (gently at first)"));
}
