/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Notice when a client leaves the bus: a NameOwnerChanged match on its unique
 * name, then a NameHasOwner check once the match is in place, so a client
 * that left before we started watching is noticed too. The callback runs at
 * most once; free the watch in it or later (freeing cancels it).
 */

#include <systemd/sd-bus.h>

typedef struct NameWatch NameWatch;
typedef void (*NameVanishedFn)(const char *name, void *userdata);

int name_watch_new(NameWatch **ret, sd_bus *bus, const char *name, NameVanishedFn vanished, void *userdata);
NameWatch *name_watch_free(NameWatch *w);
void name_watch_destroy(void *w);     /* a GDestroyNotify */
const char *name_watch_name(const NameWatch *w);
