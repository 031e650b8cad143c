/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A pause is bounded (doc/safety.md): a paused session stays open, so it
 * keeps other sessions from starting and the rest period from running; it
 * must end by itself. Pure: the daemon passes the moment of the pause.
 */

#include "config.h"

#include "policy.h"

uint64_t policy_pause_deadline_us(const Limits *limits, uint64_t paused_at_us) {
        /* Clamped: a Limits filled by hand (or damaged) never stretches a
         * pause past the hard limit. */
        uint32_t minutes = limit_clamp(LIMIT_PAUSE_MINUTES,
                                       limits ? limits->value[LIMIT_PAUSE_MINUTES] : limit_info(LIMIT_PAUSE_MINUTES)->def);
        return paused_at_us + (uint64_t) minutes * USEC_PER_MIN;
}
