/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/log.h"
#include "safety-event.h"

/* Each ID has an entry in catalog/massaged.catalog (tests/test-catalog.py checks
 * both ways). Never reuse or change one: journal searches depend on them. */
static const struct {
        const char *name;
        const char *message_id;
} events[_SAFETY_EVENT_MAX] = {
        [SAFETY_EVENT_REFUSAL]       = { "refusal",       "25c89c13bc0d4eecb06dadb537913218" },
        [SAFETY_EVENT_THERMAL_TRIP]  = { "thermal_trip",  "9b2cb7535baf4258b9495cc107f3179a" },
        [SAFETY_EVENT_THERMAL_ACK]   = { "thermal_ack",   "d41b92b82f2e434cad89a2a9b836014e" },
        [SAFETY_EVENT_HEAT_RESET]    = { "heat_reset",    "e233af5eaa8f4774ac29e69eed116d1a" },
        [SAFETY_EVENT_HEAT_OFF]      = { "heat_off",      "83583588c78a45c991b166bc5ffc47b1" },
        [SAFETY_EVENT_SYMPTOM_STOP]  = { "symptom_stop",  "514f3a5d051540c4989da9207a1ef435" },
        [SAFETY_EVENT_LIMIT_CHANGE]  = { "limit_change",  "9c2d84604bd94a9abcc21e481ec77ef2" },
        [SAFETY_EVENT_DEVICE_FAULT]  = { "device_fault",  "975707b7c1ba4ba9a1fa09c1a668ca71" },
        [SAFETY_EVENT_LINK_LOST]     = { "link_lost",     "6e5e39a112de44ec91be4f4f2826e3c0" },
        [SAFETY_EVENT_RECOVERED]     = { "recovered",     "e04994c11ad4461e956ff923a853456c" },
        [SAFETY_EVENT_SUSPEND_STOP]  = { "suspend_stop",  "687a4859de824aff97486e88e3c47745" },
        [SAFETY_EVENT_RESTORED]      = { "restored",      "14e6865019db487ba3e023191f032a19" },
        [SAFETY_EVENT_SCREENING_CORRECTION] = { "screening_correction", "cb269fbe713648248f3ab37847ffc617" },
        [SAFETY_EVENT_PAUSE_TIMEOUT] = { "pause_timeout", "ae5f8b91b7bb4486ba363f411d9997c9" },
};

const char *safety_event_to_string(SafetyEvent e) {
        return (unsigned) e < _SAFETY_EVENT_MAX ? events[e].name : NULL;
}

const char *safety_event_message_id(SafetyEvent e) {
        return (unsigned) e < _SAFETY_EVENT_MAX ? events[e].message_id : NULL;
}

void log_safety_event(SafetyEvent e, int priority, const char *device, uint64_t session_id, const char *reason,
                      const char *format, ...) {
        _cleanup_free_ char *message = NULL, *id = NULL, *event = NULL, *dev = NULL, *session = NULL, *why = NULL;
        const char *fields[6];
        size_t n = 0;
        va_list ap;
        int r;

        va_start(ap, format);
        r = vasprintf(&message, format, ap);
        va_end(ap);
        if (r < 0 || (unsigned) e >= _SAFETY_EVENT_MAX) {
                (void) log_internal(priority, 0, "%s", r < 0 ? format : message);
                return;
        }
        /* A field that cannot be formatted (out of memory) is left out, never the event. */
        if (asprintf(&id, "MESSAGE_ID=%s", events[e].message_id) >= 0)
                fields[n++] = id;
        if (asprintf(&event, "MASSAGED_EVENT=%s", events[e].name) >= 0)
                fields[n++] = event;
        if (device && asprintf(&dev, "MASSAGED_DEVICE=%s", device) >= 0)
                fields[n++] = dev;
        if (session_id > 0 && asprintf(&session, "MASSAGED_SESSION_ID=%" PRIu64, session_id) >= 0)
                fields[n++] = session;
        if (reason && asprintf(&why, "MASSAGED_REASON=%s", reason) >= 0)
                fields[n++] = why;
        fields[n] = NULL;
        log_structured(priority, fields, message);
}
