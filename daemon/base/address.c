/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "massaged-dbus.h"

bool address_is_valid(const char *a) {
        if (!a || strlen(a) != 17)
                return false;
        for (size_t i = 0; i < 17; i++) {
                if (i % 3 == 2) {
                        if (a[i] != ':')
                                return false;
                } else if (!isxdigit((unsigned char) a[i]))
                        return false;
        }
        return true;
}

char *address_to_object_path(const char *address) {
        char *p;

        if (asprintf(&p, "%s/%s", MASSAGED_DEVICE_PATH_PREFIX, address) < 0)
                return NULL;
        for (char *c = p + strlen(MASSAGED_DEVICE_PATH_PREFIX) + 1; *c; c++)
                *c = *c == ':' ? '_' : (char) toupper((unsigned char) *c);
        return p;
}
