/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The protocol versions this host speaks, one ops table each. A host takes
 * the table the Device Info asks for and never guesses (PROTOCOL.md §5, §7).
 */
#include <errno.h>

#include "macro.h"
#include "massager-protocol.h"

static uint8_t v1_response_opcode(uint8_t command_opcode) {
        return command_opcode | MASSAGER_OP_RESPONSE_BIT;
}

static const MassagerProtocolOps protocol_v1 = {
        .version = 1,
        .encode_command = massager_command_encode,
        .decode_message = massager_message_decode,
        .decode_device_info = massager_device_info_decode,
        .response_opcode = v1_response_opcode,
};

static const MassagerProtocolOps *const protocols[] = {
        &protocol_v1,
};

const MassagerProtocolOps *massager_protocol_lookup(uint8_t version) {
        for (size_t i = 0; i < ELEMENTSOF(protocols); i++)
                if (protocols[i]->version == version)
                        return protocols[i];
        return NULL;
}

int massager_protocol_for_device_info(const uint8_t *buf, size_t len, const MassagerProtocolOps **ret) {
        const MassagerProtocolOps *p;
        MassagerFrame f;
        int r;

        if (!buf || !ret)
                return -EINVAL;
        /* The frame layer checks length and CRC before the version; only
         * its verdict on the version is left for the tables to decide. */
        r = massager_frame_decode(buf, len, &f);
        if (r < 0 && r != -EPROTO)
                return r;
        p = massager_protocol_lookup(buf[0]);
        if (!p)
                return -EPROTO;
        *ret = p;
        return 0;
}
