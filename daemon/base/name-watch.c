/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "name-watch.h"
#include "util.h"

struct NameWatch {
        char *name;
        sd_bus_slot *match_slot;
        sd_bus_slot *check_slot;
        bool fired;
        NameVanishedFn vanished;
        void *userdata;
};

static void fire(NameWatch *w) {
        if (w->fired)
                return;
        w->fired = true;
        w->vanished(w->name, w->userdata);      /* may free w */
}

static int on_name_owner_changed(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        NameWatch *w = userdata;
        const char *name, *old_owner, *new_owner;

        if (sd_bus_message_read(msg, "sss", &name, &old_owner, &new_owner) < 0)
                return 0;
        if (streq(name, w->name) && !*new_owner)
                fire(w);
        return 0;
}

static int on_has_owner(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        NameWatch *w = userdata;
        int has = 1;    /* if the question failed, keep relying on the signal */

        w->check_slot = sd_bus_slot_unref(w->check_slot);
        if (!sd_bus_message_is_method_error(reply, NULL))
                (void) sd_bus_message_read(reply, "b", &has);
        if (!has)
                fire(w);
        return 0;
}

int name_watch_new(NameWatch **ret, sd_bus *bus, const char *name, NameVanishedFn vanished, void *userdata) {
        _cleanup_free_ char *match = NULL;
        NameWatch *w;
        int r;

        w = calloc(1, sizeof *w);
        if (!w)
                return -ENOMEM;
        w->vanished = vanished;
        w->userdata = userdata;
        w->name = strdup(name);
        if (!w->name || asprintf(&match, "type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',"
                                 "interface='org.freedesktop.DBus',member='NameOwnerChanged',arg0='%s'", name) < 0) {
                name_watch_free(w);
                return -ENOMEM;
        }
        r = sd_bus_add_match_async(bus, &w->match_slot, match, on_name_owner_changed, NULL, w);
        if (r >= 0)
                /* Queued after AddMatch, so nothing falls between the two. */
                r = sd_bus_call_method_async(bus, &w->check_slot, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                             "org.freedesktop.DBus", "NameHasOwner", on_has_owner, w, "s", name);
        if (r < 0) {
                name_watch_free(w);
                return r;
        }
        *ret = w;
        return 0;
}

NameWatch *name_watch_free(NameWatch *w) {
        if (!w)
                return NULL;
        sd_bus_slot_unref(w->match_slot);
        sd_bus_slot_unref(w->check_slot);
        free(w->name);
        free(w);
        return NULL;
}

void name_watch_destroy(void *w) {
        name_watch_free(w);
}

const char *name_watch_name(const NameWatch *w) {
        return w->name;
}
