/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: conf_load_data() on arbitrary bytes; whatever the file
 * says, every limit must come out within its range. A violation aborts. */

#include "config.h"

#include <stdlib.h>

#include "conf.h"
#include "program.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char **warnings = NULL, *err = NULL;
        Conf c;

        if (conf_load_data((const char *) data, size, "fuzz.conf", &c, &warnings, &err) == 0)
                for (unsigned i = 0; i < _LIMIT_MAX; i++)
                        if (limit_validate(i, c.limits.value[i], NULL) < 0)
                                abort();
        program_strv_free(warnings);
        free(err);
        conf_clear(&c);
        return 0;
}
