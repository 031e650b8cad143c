/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: massager_message_decode() on arbitrary bytes. */

#include <stdlib.h>
#include <string.h>

#include "massager-protocol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        MassagerMessage m; uint8_t out[MASSAGER_FRAME_MAX]; ssize_t n;
        if (massager_message_decode(data, size, &m) == 0) {
                if (m.opcode == MASSAGER_OP_STATUS)
                        n = massager_status_encode(&m.status, m.seq, out, sizeof(out));
                else
                        n = massager_response_encode(m.opcode & 0x7f, m.seq, m.result, &m.status, out, sizeof(out));
                if (n != (ssize_t) size || memcmp(out, data, size) != 0)
                        abort();
        }
        return 0;
}
