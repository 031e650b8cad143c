/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A small tree of typed values: what massagectl reads off the bus (a{sv}
 * dictionaries, arrays of them) before it prints them. One representation
 * serves both outputs: the JSON writer prints the tree as it came, the human
 * formatters look keys up. So a key the daemon adds shows up in --json
 * without a client change, and a renamed key is a one-line change here.
 * Pure C: no sd-bus, no GLib.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum ValueType {
        VALUE_NULL,
        VALUE_BOOL,
        VALUE_INT,      /* signed D-Bus integers */
        VALUE_UINT,     /* unsigned D-Bus integers and bytes */
        VALUE_DOUBLE,
        VALUE_STRING,   /* strings, object paths, signatures */
        VALUE_ARRAY,
        VALUE_OBJECT,   /* string-keyed dictionaries, in insertion order */
} ValueType;

typedef struct Value Value;
struct Value {
        ValueType type;
        union {
                bool b;
                int64_t i;
                uint64_t u;
                double d;
                char *s;
                struct {
                        Value **items;
                        char **keys;    /* VALUE_OBJECT only */
                        size_t n, allocated;
                } c;
        };
};

Value *value_new_null(void);
Value *value_new_bool(bool b);
Value *value_new_int(int64_t i);
Value *value_new_uint(uint64_t u);
Value *value_new_double(double d);
Value *value_new_string(const char *s);
Value *value_new_array(void);
Value *value_new_object(void);
Value *value_free(Value *v);
static inline void value_freep(Value **v) {
        value_free(*v);
}
#define _cleanup_value_ __attribute__((cleanup(value_freep)))

/* Take ownership of item (freed on failure too). Returns 0 or -ENOMEM/-EINVAL.
 * value_object_set replaces an existing key. */
int value_array_append(Value *array, Value *item);
int value_object_set(Value *object, const char *key, Value *item);

/* A deep copy (NULL on OOM or for NULL). */
Value *value_copy(const Value *v);

/* Are a and b the same value (same types, same contents, keys in the same
 * order)? A NULL pointer equals nothing. */
bool value_equal(const Value *a, const Value *b);

/* Lookups: NULL when absent or when v is not an object. */
Value *value_object_get(const Value *v, const char *key);

/* Typed reads that accept any numeric type where it fits; false when the key
 * is absent or of the wrong type, leaving *ret untouched. */
bool value_get_string(const Value *object, const char *key, const char **ret);
bool value_get_bool(const Value *object, const char *key, bool *ret);
bool value_get_uint(const Value *object, const char *key, uint64_t *ret);
bool value_get_int(const Value *object, const char *key, int64_t *ret);
bool value_get_double(const Value *object, const char *key, double *ret);

/* Same conversions for a value on its own. */
bool value_as_uint(const Value *v, uint64_t *ret);
bool value_as_int(const Value *v, int64_t *ret);
bool value_as_double(const Value *v, double *ret);
