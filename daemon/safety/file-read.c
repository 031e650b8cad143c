/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The one place that reads the user's own files (file-read.h says why). */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file-read.h"
#include "macro.h"

static const char *kind_of(mode_t mode) {
        return S_ISDIR(mode) ? "a directory" :
               S_ISFIFO(mode) ? "a FIFO" :
               S_ISSOCK(mode) ? "a socket" :
               S_ISCHR(mode) || S_ISBLK(mode) ? "a device" :
               "cannot tell what it is";
}

int file_read_regular(const char *path, size_t max, char **ret_data, size_t *ret_len, const char **ret_kind) {
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *data = NULL;
        size_t len = 0;
        struct stat st;

        *ret_kind = NULL;
        fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode)) {
                *ret_kind = kind_of(st.st_mode);
                return -EINVAL;
        }
        data = malloc(max + 1);
        if (!data)
                return -ENOMEM;
        while (len < max) {
                ssize_t n = read(fd, data + len, max - len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        break;
                len += (size_t) n;
        }
        data[len] = '\0';
        *ret_data = STEAL_PTR(data);
        *ret_len = len;
        return 0;
}
