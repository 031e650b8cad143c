/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Safety events in the journal: each kind has its own MESSAGE_ID, so
 * `journalctl -x` explains it from catalog/massaged.catalog (what happened,
 * why, what to do) and `journalctl MESSAGE_ID=…` finds every one of them.
 * Under journald the entry carries these fields besides MESSAGE= and PRIORITY=:
 *
 *   MESSAGE_ID=<32 hex>  MASSAGED_EVENT=refusal  MASSAGED_DEVICE=C0:FF:EE:00:00:01
 *   MASSAGED_SESSION_ID=12  MASSAGED_REASON=rest-required
 *
 * (device, session and reason only when known). Elsewhere it is the usual
 * "<5>message" line on stderr. The ledger records the event separately
 * (ledger_event_add()); this is only the log.
 */

#include <stdint.h>

#include "macro.h"

typedef enum SafetyEvent {
        SAFETY_EVENT_REFUSAL,           /* a start refused by the policy */
        SAFETY_EVENT_THERMAL_TRIP,      /* thermal cut-off: the lock-out begins */
        SAFETY_EVENT_THERMAL_ACK,       /* the user acknowledged the lock-out */
        SAFETY_EVENT_HEAT_RESET,        /* heat re-enabled after two trips in 24 h */
        SAFETY_EVENT_HEAT_OFF,          /* heat switched off mid-session by the policy */
        SAFETY_EVENT_SYMPTOM_STOP,      /* a session stopped for a symptom */
        SAFETY_EVENT_LIMIT_CHANGE,      /* a limit raised or lowered through the API */
        SAFETY_EVENT_DEVICE_FAULT,      /* a session ended by the device (fault, sensor, battery) */
        SAFETY_EVENT_LINK_LOST,         /* a session ended by the lost link */
        SAFETY_EVENT_RECOVERED,         /* rows left open by a crash closed as interrupted */
        SAFETY_EVENT_SUSPEND_STOP,      /* a session stopped because the computer went to sleep */
        SAFETY_EVENT_RESTORED,          /* the ledger restored from its backup, or WAL pages lost: starts held 24 h */
        SAFETY_EVENT_SCREENING_CORRECTION, /* screening answers corrected from yes to no */
        SAFETY_EVENT_PAUSE_TIMEOUT,     /* a paused session ended by itself at its bound (pause_minutes) */
        _SAFETY_EVENT_MAX,
} SafetyEvent;

const char *safety_event_to_string(SafetyEvent e);     /* "refusal" …; NULL if out of range */
const char *safety_event_message_id(SafetyEvent e);    /* 32 lowercase hex digits; NULL if out of range */

/* Logs the event at priority (LOG_NOTICE …); device may be NULL, session_id 0
 * and reason NULL when not known. */
void log_safety_event(SafetyEvent e, int priority, const char *device, uint64_t session_id, const char *reason,
                      const char *format, ...) _printf_(6, 7);
