/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The JSON writer behind --json (schema in massagectl(1), "JSON OUTPUT").
 * Always valid JSON: strings are escaped per RFC 8259 (control characters as
 * \u00XX, invalid UTF-8 replaced by U+FFFD so a bad device name cannot break
 * a parser), non-finite doubles become null. Pure C.
 */

#include <stdio.h>

#include "ctl-value.h"

/* Writes s as a quoted JSON string. */
void json_write_string(FILE *f, const char *s);

/* Writes v; pretty with two-space indentation when pretty, else on one line. */
void json_write(FILE *f, const Value *v, bool pretty);
