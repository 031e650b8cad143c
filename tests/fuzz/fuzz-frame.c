/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: massager_frame_decode() on arbitrary bytes. */

#include <stdlib.h>
#include <string.h>

#include "massager-protocol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        MassagerFrame f; (void) massager_frame_decode(data, size, &f);
        return 0;
}
