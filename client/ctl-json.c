/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "ctl-json.h"

/* Length of the valid UTF-8 sequence at s (1…4), or 0 when it is not one. */
static size_t utf8_sequence_length(const unsigned char *s) {
        uint32_t cp;
        size_t len;

        if (s[0] < 0x80)
                return 1;
        if ((s[0] & 0xE0) == 0xC0) {
                len = 2;
                cp = s[0] & 0x1F;
        } else if ((s[0] & 0xF0) == 0xE0) {
                len = 3;
                cp = s[0] & 0x0F;
        } else if ((s[0] & 0xF8) == 0xF0) {
                len = 4;
                cp = s[0] & 0x07;
        } else
                return 0;
        for (size_t i = 1; i < len; i++) {
                if ((s[i] & 0xC0) != 0x80)
                        return 0;
                cp = (cp << 6) | (s[i] & 0x3F);
        }
        /* Overlong forms, surrogates and values past U+10FFFF are not UTF-8. */
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
            (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
                return 0;
        return len;
}

void json_write_string(FILE *f, const char *s) {
        const unsigned char *p = (const unsigned char *) (s ?: "");

        (void) fputc('"', f);
        while (*p) {
                size_t len;

                switch (*p) {
                case '"':
                        (void) fputs("\\\"", f);
                        p++;
                        continue;
                case '\\':
                        (void) fputs("\\\\", f);
                        p++;
                        continue;
                case '\n':
                        (void) fputs("\\n", f);
                        p++;
                        continue;
                case '\r':
                        (void) fputs("\\r", f);
                        p++;
                        continue;
                case '\t':
                        (void) fputs("\\t", f);
                        p++;
                        continue;
                }
                if (*p < 0x20 || *p == 0x7F) {
                        (void) fprintf(f, "\\u%04x", *p);
                        p++;
                        continue;
                }
                len = utf8_sequence_length(p);
                if (len == 0) {
                        (void) fputs("\\ufffd", f);
                        p++;
                        continue;
                }
                (void) fwrite(p, 1, len, f);
                p += len;
        }
        (void) fputc('"', f);
}

static void indent(FILE *f, bool pretty, unsigned level) {
        if (!pretty)
                return;
        (void) fputc('\n', f);
        for (unsigned i = 0; i < level; i++)
                (void) fputs("  ", f);
}

static void write_value(FILE *f, const Value *v, bool pretty, unsigned level) {
        if (!v) {
                (void) fputs("null", f);
                return;
        }
        switch (v->type) {
        case VALUE_NULL:
                (void) fputs("null", f);
                break;
        case VALUE_BOOL:
                (void) fputs(v->b ? "true" : "false", f);
                break;
        case VALUE_INT:
                (void) fprintf(f, "%" PRId64, v->i);
                break;
        case VALUE_UINT:
                (void) fprintf(f, "%" PRIu64, v->u);
                break;
        case VALUE_DOUBLE:
                if (isfinite(v->d))
                        (void) fprintf(f, "%.10g", v->d);
                else
                        (void) fputs("null", f);
                break;
        case VALUE_STRING:
                json_write_string(f, v->s);
                break;
        case VALUE_ARRAY:
        case VALUE_OBJECT:
                (void) fputc(v->type == VALUE_ARRAY ? '[' : '{', f);
                for (size_t i = 0; i < v->c.n; i++) {
                        if (i > 0)
                                (void) fputc(',', f);
                        indent(f, pretty, level + 1);
                        if (v->type == VALUE_OBJECT) {
                                json_write_string(f, v->c.keys[i]);
                                (void) fputs(pretty ? ": " : ":", f);
                        }
                        write_value(f, v->c.items[i], pretty, level + 1);
                }
                if (v->c.n > 0)
                        indent(f, pretty, level);
                (void) fputc(v->type == VALUE_ARRAY ? ']' : '}', f);
                break;
        }
}

void json_write(FILE *f, const Value *v, bool pretty) {
        write_value(f, v, pretty, 0);
}
