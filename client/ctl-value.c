/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctl-value.h"

static Value *value_new(ValueType type) {
        Value *v = calloc(1, sizeof(Value));

        if (v)
                v->type = type;
        return v;
}

Value *value_new_null(void) {
        return value_new(VALUE_NULL);
}

Value *value_new_bool(bool b) {
        Value *v = value_new(VALUE_BOOL);

        if (v)
                v->b = b;
        return v;
}

Value *value_new_int(int64_t i) {
        Value *v = value_new(VALUE_INT);

        if (v)
                v->i = i;
        return v;
}

Value *value_new_uint(uint64_t u) {
        Value *v = value_new(VALUE_UINT);

        if (v)
                v->u = u;
        return v;
}

Value *value_new_double(double d) {
        Value *v = value_new(VALUE_DOUBLE);

        if (v)
                v->d = d;
        return v;
}

Value *value_new_string(const char *s) {
        Value *v;

        if (!s)
                return NULL;
        v = value_new(VALUE_STRING);
        if (!v)
                return NULL;
        v->s = strdup(s);
        if (!v->s) {
                free(v);
                return NULL;
        }
        return v;
}

Value *value_new_array(void) {
        return value_new(VALUE_ARRAY);
}

Value *value_new_object(void) {
        return value_new(VALUE_OBJECT);
}

Value *value_free(Value *v) {
        if (!v)
                return NULL;
        switch (v->type) {
        case VALUE_STRING:
                free(v->s);
                break;
        case VALUE_ARRAY:
        case VALUE_OBJECT:
                for (size_t k = 0; k < v->c.n; k++) {
                        value_free(v->c.items[k]);
                        if (v->c.keys)
                                free(v->c.keys[k]);
                }
                free(v->c.items);
                free(v->c.keys);
                break;
        case VALUE_NULL:
        case VALUE_BOOL:
        case VALUE_INT:
        case VALUE_UINT:
        case VALUE_DOUBLE:
                break;
        }
        free(v);
        return NULL;
}

static int container_grow(Value *c) {
        size_t n;
        Value **items;

        if (c->c.n < c->c.allocated)
                return 0;
        n = c->c.allocated ? c->c.allocated * 2 : 8;
        items = realloc(c->c.items, n * sizeof(Value *));
        if (!items)
                return -ENOMEM;
        memset(items + c->c.n, 0, (n - c->c.n) * sizeof(Value *));
        c->c.items = items;
        if (c->type == VALUE_OBJECT) {
                char **keys = realloc(c->c.keys, n * sizeof(char *));
                if (!keys)
                        return -ENOMEM;
                memset(keys + c->c.n, 0, (n - c->c.n) * sizeof(char *));
                c->c.keys = keys;
        }
        c->c.allocated = n;
        return 0;
}

int value_array_append(Value *array, Value *item) {
        if (!item)
                return -ENOMEM;
        if (!array || array->type != VALUE_ARRAY) {
                value_free(item);
                return -EINVAL;
        }
        if (container_grow(array) < 0) {
                value_free(item);
                return -ENOMEM;
        }
        array->c.items[array->c.n++] = item;
        return 0;
}

int value_object_set(Value *object, const char *key, Value *item) {
        char *k;

        if (!item)
                return -ENOMEM;
        if (!object || object->type != VALUE_OBJECT || !key) {
                value_free(item);
                return -EINVAL;
        }
        for (size_t i = 0; i < object->c.n; i++)
                if (strcmp(object->c.keys[i], key) == 0) {
                        value_free(object->c.items[i]);
                        object->c.items[i] = item;
                        return 0;
                }
        k = strdup(key);
        if (!k || container_grow(object) < 0) {
                free(k);
                value_free(item);
                return -ENOMEM;
        }
        object->c.keys[object->c.n] = k;
        object->c.items[object->c.n++] = item;
        return 0;
}

Value *value_object_get(const Value *v, const char *key) {
        if (!v || v->type != VALUE_OBJECT || !key)
                return NULL;
        for (size_t i = 0; i < v->c.n; i++)
                if (strcmp(v->c.keys[i], key) == 0)
                        return v->c.items[i];
        return NULL;
}

bool value_as_uint(const Value *v, uint64_t *ret) {
        if (!v)
                return false;
        switch (v->type) {
        case VALUE_UINT:
                *ret = v->u;
                return true;
        case VALUE_INT:
                if (v->i < 0)
                        return false;
                *ret = (uint64_t) v->i;
                return true;
        case VALUE_BOOL:
        case VALUE_NULL:
        case VALUE_DOUBLE:
        case VALUE_STRING:
        case VALUE_ARRAY:
        case VALUE_OBJECT:
                break;
        }
        return false;
}

bool value_as_int(const Value *v, int64_t *ret) {
        if (!v)
                return false;
        switch (v->type) {
        case VALUE_INT:
                *ret = v->i;
                return true;
        case VALUE_UINT:
                if (v->u > INT64_MAX)
                        return false;
                *ret = (int64_t) v->u;
                return true;
        case VALUE_BOOL:
        case VALUE_NULL:
        case VALUE_DOUBLE:
        case VALUE_STRING:
        case VALUE_ARRAY:
        case VALUE_OBJECT:
                break;
        }
        return false;
}

bool value_as_double(const Value *v, double *ret) {
        if (!v)
                return false;
        switch (v->type) {
        case VALUE_DOUBLE:
                *ret = v->d;
                return true;
        case VALUE_INT:
                *ret = (double) v->i;
                return true;
        case VALUE_UINT:
                *ret = (double) v->u;
                return true;
        case VALUE_BOOL:
        case VALUE_NULL:
        case VALUE_STRING:
        case VALUE_ARRAY:
        case VALUE_OBJECT:
                break;
        }
        return false;
}

bool value_get_string(const Value *object, const char *key, const char **ret) {
        Value *v = value_object_get(object, key);

        if (!v || v->type != VALUE_STRING)
                return false;
        *ret = v->s;
        return true;
}

bool value_get_bool(const Value *object, const char *key, bool *ret) {
        Value *v = value_object_get(object, key);

        if (!v || v->type != VALUE_BOOL)
                return false;
        *ret = v->b;
        return true;
}

bool value_get_uint(const Value *object, const char *key, uint64_t *ret) {
        return value_as_uint(value_object_get(object, key), ret);
}

bool value_get_int(const Value *object, const char *key, int64_t *ret) {
        return value_as_int(value_object_get(object, key), ret);
}

bool value_get_double(const Value *object, const char *key, double *ret) {
        return value_as_double(value_object_get(object, key), ret);
}

Value *value_copy(const Value *v) {
        Value *c;

        if (!v)
                return NULL;
        switch (v->type) {
        case VALUE_NULL:
                return value_new_null();
        case VALUE_BOOL:
                return value_new_bool(v->b);
        case VALUE_INT:
                return value_new_int(v->i);
        case VALUE_UINT:
                return value_new_uint(v->u);
        case VALUE_DOUBLE:
                return value_new_double(v->d);
        case VALUE_STRING:
                return value_new_string(v->s);
        case VALUE_ARRAY:
        case VALUE_OBJECT:
                c = v->type == VALUE_ARRAY ? value_new_array() : value_new_object();
                for (size_t i = 0; c && i < v->c.n; i++) {
                        Value *item = value_copy(v->c.items[i]);
                        int r = v->type == VALUE_ARRAY ? value_array_append(c, item)
                                                       : value_object_set(c, v->c.keys[i], item);
                        if (r < 0)
                                return value_free(c);
                }
                return c;
        }
        return NULL;
}

bool value_equal(const Value *a, const Value *b) {
        if (!a || !b || a->type != b->type)
                return false;
        switch (a->type) {
        case VALUE_NULL:
                return true;
        case VALUE_BOOL:
                return a->b == b->b;
        case VALUE_INT:
                return a->i == b->i;
        case VALUE_UINT:
                return a->u == b->u;
        case VALUE_DOUBLE:
                /* NaN (no reading) stays "no reading". */
                return a->d == b->d || (a->d != a->d && b->d != b->d);
        case VALUE_STRING:
                return strcmp(a->s, b->s) == 0;
        case VALUE_ARRAY:
        case VALUE_OBJECT:
                if (a->c.n != b->c.n)
                        return false;
                for (size_t i = 0; i < a->c.n; i++)
                        if ((a->type == VALUE_OBJECT && strcmp(a->c.keys[i], b->c.keys[i]) != 0) ||
                            !value_equal(a->c.items[i], b->c.items[i]))
                                return false;
                return true;
        }
        return false;
}
