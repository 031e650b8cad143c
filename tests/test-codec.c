/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests of the protocol codec: byte tables from PROTOCOL.md. */

#include <glib.h>
#include <string.h>

#include "massager-protocol.h"

static void test_crc_check_value(void) {
        g_assert_cmphex(massager_crc16((const uint8_t *) "123456789", 9), ==, 0x29b1);
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/protocol/crc/check-value", test_crc_check_value);
        return g_test_run();
}
