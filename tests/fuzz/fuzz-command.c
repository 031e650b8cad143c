/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: massager_command_decode() on arbitrary bytes. */

#include <stdlib.h>
#include <string.h>

#include "massager-protocol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        MassagerCommand c; uint8_t out[MASSAGER_FRAME_MAX];
        if (massager_command_decode(data, size, &c) == 0) {
                /* What decodes must re-encode to the same bytes. */
                ssize_t n = massager_command_encode(&c, out, sizeof(out));
                if (n != (ssize_t) size || memcmp(out, data, size) != 0)
                        abort();
        }
        return 0;
}
