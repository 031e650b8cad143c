/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: massager_device_info_decode() on arbitrary bytes. */

#include <stdlib.h>
#include <string.h>

#include "massager-protocol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        MassagerDeviceInfo d; uint8_t out[MASSAGER_FRAME_MAX];
        if (massager_device_info_decode(data, size, &d) == 0) {
                /* What decodes must re-encode to the same bytes. */
                ssize_t n = massager_device_info_encode(&d, out, sizeof(out));
                if (n != (ssize_t) size || memcmp(out, data, size) != 0)
                        abort();
        }
        return 0;
}
