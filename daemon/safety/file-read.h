/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

/*
 * Read a file the user controls (massaged.conf, *.program) without ever
 * blocking on it: opened with O_NONBLOCK, so a FIFO or a device at the path
 * cannot hang start-up (and SIGTERM with it), and refused unless it is a
 * regular file. At most max bytes are read: a caller that must notice an
 * oversized file passes its limit + 1 and checks *ret_len.
 *
 * Returns 0 with *ret_data (malloc'd, NUL-terminated) and *ret_len; or a
 * negative errno: the open()'s (-ENOENT, -EACCES, …), -EINVAL when it is
 * not a regular file (*ret_kind then says what it is: "a FIFO", "a
 * directory", …), or the read()'s.
 */
int file_read_regular(const char *path, size_t max, char **ret_data, size_t *ret_len, const char **ret_kind);
