/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Hands memory back to the kernel once things have settled
 * (doc/performance.md, Round 2, "Private memory, second pass"). A device's
 * connection, a session's end and a history query dirty heap pages that are
 * freed again a moment later; glibc keeps them, so they stay in the daemon's
 * private memory until exit. memory_trim_request() is cheap (one flag test
 * while a trim is pending) and may be called on every state change; the
 * trim itself runs once, at idle priority when the loop has nothing else to
 * dispatch (a defer source, not a timer: an idle daemon gets no wakeup of
 * its own for it, test-daemon-faults.py), and only if nothing is under way
 * (no session, command or connection being made): it walks every free
 * chunk of the heap, which a session's 1 ms step timers must not wait behind.
 */

#include <stdbool.h>
#include <systemd/sd-event.h>

typedef struct MemoryTrim MemoryTrim;

/* The same question as idle.h's IdleBusy: is anything under way? */
typedef bool (*MemoryTrimBusy)(void *userdata);
/* Drops what the caller's own caches hold (the ledger's clean pages) just
 * before the heap is trimmed. May be NULL. */
typedef void (*MemoryTrimRelease)(void *userdata);

int memory_trim_new(MemoryTrim **ret, sd_event *event, MemoryTrimBusy busy, MemoryTrimRelease release,
                    void *userdata);
MemoryTrim *memory_trim_free(MemoryTrim *t);

/* Ask for a trim soon; requests before it runs are one. t may be NULL. */
void memory_trim_request(MemoryTrim *t);
/* Release and trim now (start-up done, nothing else to wait for). */
void memory_trim_now(MemoryTrim *t);
/* Trims done so far (for the debug log). */
unsigned memory_trim_count(const MemoryTrim *t);
