/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl-bus-value.h"
#include "macro.h"

static Value *value_from_basic(char type, const void *p) {
        switch (type) {
        case SD_BUS_TYPE_BYTE:
                return value_new_uint(*(const uint8_t *) p);
        case SD_BUS_TYPE_BOOLEAN:
                return value_new_bool(*(const int *) p);
        case SD_BUS_TYPE_INT16:
                return value_new_int(*(const int16_t *) p);
        case SD_BUS_TYPE_UINT16:
                return value_new_uint(*(const uint16_t *) p);
        case SD_BUS_TYPE_INT32:
                return value_new_int(*(const int32_t *) p);
        case SD_BUS_TYPE_UINT32:
                return value_new_uint(*(const uint32_t *) p);
        case SD_BUS_TYPE_INT64:
                return value_new_int(*(const int64_t *) p);
        case SD_BUS_TYPE_UINT64:
                return value_new_uint(*(const uint64_t *) p);
        case SD_BUS_TYPE_DOUBLE:
                return value_new_double(*(const double *) p);
        case SD_BUS_TYPE_STRING:
        case SD_BUS_TYPE_OBJECT_PATH:
        case SD_BUS_TYPE_SIGNATURE:
                return value_new_string(*(const char *const *) p);
        case SD_BUS_TYPE_UNIX_FD:
                return value_new_null();        /* a descriptor means nothing in our output */
        }
        return NULL;
}

/* A dictionary key as an object key: strings as they are, numbers in decimal. */
static char *dict_key_string(const Value *k) {
        char *s = NULL;

        switch (k->type) {
        case VALUE_STRING:
                return strdup(k->s);
        case VALUE_UINT:
                if (asprintf(&s, "%llu", (unsigned long long) k->u) < 0)
                        return NULL;
                return s;
        case VALUE_INT:
                if (asprintf(&s, "%lld", (long long) k->i) < 0)
                        return NULL;
                return s;
        case VALUE_BOOL:
                return strdup(k->b ? "true" : "false");
        case VALUE_DOUBLE:
                if (asprintf(&s, "%g", k->d) < 0)
                        return NULL;
                return s;
        case VALUE_NULL:
        case VALUE_ARRAY:
        case VALUE_OBJECT:
                break;
        }
        return strdup("");
}

int bus_message_read_value(sd_bus_message *m, Value **ret) {
        const char *contents;
        char type;
        int r;

        r = sd_bus_message_peek_type(m, &type, &contents);
        if (r < 0)
                return r;
        if (r == 0)
                return -ENXIO;

        if (type == SD_BUS_TYPE_VARIANT || type == SD_BUS_TYPE_STRUCT || type == SD_BUS_TYPE_ARRAY) {
                _cleanup_value_ Value *v = NULL;
                bool dict = type == SD_BUS_TYPE_ARRAY && contents[0] == SD_BUS_TYPE_DICT_ENTRY_BEGIN;

                r = sd_bus_message_enter_container(m, type, contents);
                if (r < 0)
                        return r;
                if (type == SD_BUS_TYPE_VARIANT) {
                        r = bus_message_read_value(m, &v);
                        if (r < 0)
                                return r;
                } else {
                        v = dict ? value_new_object() : value_new_array();
                        if (!v)
                                return -ENOMEM;
                        for (;;) {
                                _cleanup_value_ Value *item = NULL;

                                /* At the end of the array first: entering a dict entry
                                 * past the last one fails with -ENXIO rather than 0. */
                                r = sd_bus_message_at_end(m, false);
                                if (r < 0)
                                        return r;
                                if (r > 0)
                                        break;
                                if (dict) {
                                        _cleanup_value_ Value *key = NULL;
                                        char *k;

                                        r = sd_bus_message_enter_container(m, SD_BUS_TYPE_DICT_ENTRY, NULL);
                                        if (r < 0)
                                                return r;
                                        r = bus_message_read_value(m, &key);
                                        if (r < 0)
                                                return r;
                                        r = bus_message_read_value(m, &item);
                                        if (r < 0)
                                                return r;
                                        r = sd_bus_message_exit_container(m);
                                        if (r < 0)
                                                return r;
                                        k = dict_key_string(key);
                                        if (!k)
                                                return -ENOMEM;
                                        r = value_object_set(v, k, STEAL_PTR(item));
                                        free(k);        /* the object keeps its own copy */
                                } else {
                                        r = bus_message_read_value(m, &item);
                                        if (r < 0)
                                                return r;
                                        r = value_array_append(v, STEAL_PTR(item));
                                }
                                if (r < 0)
                                        return r;
                        }
                }
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
                *ret = STEAL_PTR(v);
                return 0;
        }

        {
                union {
                        uint8_t y;
                        int b;
                        int16_t n;
                        uint16_t q;
                        int32_t i;
                        uint32_t u;
                        int64_t x;
                        uint64_t t;
                        double d;
                        const char *s;
                        int h;
                } basic;
                Value *v;

                r = sd_bus_message_read_basic(m, type, &basic);
                if (r < 0)
                        return r;
                v = value_from_basic(type, &basic);
                if (!v)
                        return -ENOMEM;
                *ret = v;
                return 0;
        }
}
