/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>

#include "api-args-bus.h"

int bus_error_set_api_args(sd_bus_error *error, int r, const char *message) {
        if (r == -EINVAL && message && *message)
                return sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS, message);
        return r < 0 ? r : -EINVAL;
}

/* One entry "sv": the key, then the variant's value if it is basic, else just its signature. */
static int read_entry(sd_bus_message *msg, ApiArgs *a, sd_bus_error *error) {
        _cleanup_free_ char *message = NULL;
        const char *key, *contents;
        ApiValue value = {};
        int r;

        r = sd_bus_message_read(msg, "s", &key);
        if (r < 0)
                return r;
        r = sd_bus_message_peek_type(msg, NULL, &contents);
        if (r < 0)
                return r;
        if (api_signature_is_basic(contents)) {
                union {
                        int b;
                        const char *s;
                        ApiValue v;
                } raw = {};
                r = sd_bus_message_enter_container(msg, 'v', contents);
                if (r < 0)
                        return r;
                r = sd_bus_message_read_basic(msg, contents[0], &raw);
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(msg);
                if (r < 0)
                        return r;
                /* sd-bus reads 'b' as an int and strings as a pointer; the rest have their own width. */
                if (contents[0] == 'b')
                        value.b = raw.b;
                else if (contents[0] == 's' || contents[0] == 'o' || contents[0] == 'g')
                        value.s = raw.s;
                else
                        value = raw.v;
        } else {
                r = sd_bus_message_skip(msg, "v");
                if (r < 0)
                        return r;
        }
        r = api_args_add(a, key, contents, &value, &message);
        if (r < 0)
                return bus_error_set_api_args(error, r, message);
        return 0;
}

int bus_read_api_args(sd_bus_message *msg, ApiArgsKind kind, ApiArgs *a, sd_bus_error *error) {
        int r;

        api_args_init(a, kind);
        r = sd_bus_message_enter_container(msg, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(msg, 'e', "sv")) > 0) {
                r = read_entry(msg, a, error);
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(msg);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(msg);
        return r < 0 ? r : 0;
}
