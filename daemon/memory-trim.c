/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>

#include "memory-trim.h"
#include "base/log.h"

struct MemoryTrim {
        sd_event *event;
        MemoryTrimBusy busy;
        MemoryTrimRelease release;
        void *userdata;
        sd_event_source *defer;         /* one-shot; disabled while no trim is pending */
        bool pending;
        unsigned count;
};

void memory_trim_now(MemoryTrim *t) {
        if (!t)
                return;
        t->pending = false;
        (void) sd_event_source_set_enabled(t->defer, SD_EVENT_OFF);
        if (t->release)
                t->release(t->userdata);
        /* 0: keep no pad at the top; glibc also gives back whole free pages
         * inside the heap (madvise MADV_DONTNEED), not only its top. */
        (void) malloc_trim(0);
        t->count++;
        log_debug("Memory trimmed (%u)", t->count);
}

static int on_defer(sd_event_source *s, void *userdata) {
        MemoryTrim *t = userdata;

        t->pending = false;
        /* Skipped, not postponed: polling while busy would wake an idle
         * device's daemon for nothing. What ends the work (a session's end,
         * a device ready) asks again. */
        if (t->busy && t->busy(t->userdata))
                return 0;
        memory_trim_now(t);
        return 0;
}

void memory_trim_request(MemoryTrim *t) {
        if (!t || t->pending)
                return;
        if (sd_event_source_set_enabled(t->defer, SD_EVENT_ONESHOT) < 0)
                return;         /* best effort: the memory stays in use, nothing else changes */
        t->pending = true;
}

unsigned memory_trim_count(const MemoryTrim *t) {
        return t ? t->count : 0;
}

int memory_trim_new(MemoryTrim **ret, sd_event *event, MemoryTrimBusy busy, MemoryTrimRelease release,
                    void *userdata) {
        MemoryTrim *t;
        int r;

        t = calloc(1, sizeof *t);
        if (!t)
                return -ENOMEM;
        *t = (MemoryTrim) { .event = event, .busy = busy, .release = release, .userdata = userdata };
        r = sd_event_add_defer(event, &t->defer, on_defer, t);
        if (r >= 0)
                r = sd_event_source_set_priority(t->defer, SD_EVENT_PRIORITY_IDLE);
        if (r >= 0)
                r = sd_event_source_set_enabled(t->defer, SD_EVENT_OFF);
        if (r < 0) {
                memory_trim_free(t);
                return r;
        }
        *ret = t;
        return 0;
}

MemoryTrim *memory_trim_free(MemoryTrim *t) {
        if (!t)
                return NULL;
        t->defer = sd_event_source_disable_unref(t->defer);
        free(t);
        return NULL;
}
