/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target: program_load_data() on arbitrary bytes, and every program
 * it accepts planned by the policy, whose plan must obey the rules whatever
 * the program says (soft start, ramp, caps, heat budget). A violation aborts.
 */

#include "config.h"

#include <stdlib.h>

#include "policy.h"
#include "program.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_plan(const PolicyPlan *p) {
        uint32_t t = 0, heat = 0, last_raise = 0;
        uint8_t prev = 1;
        bool raised = false;

        for (size_t i = 0; i < p->n_steps; i++) {
                const PolicyStep *s = &p->steps[i];
                if (s->at_s != t || s->seconds == 0 || s->intensity < 1 || s->intensity > p->intensity_cap)
                        abort();
                if (s->at_s < POLICY_SOFT_START_HOLD_S && s->intensity != 1)
                        abort();
                if (s->intensity > prev) {
                        if (s->intensity != prev + 1 || (raised && s->at_s - last_raise < POLICY_RAMP_STEP_S))
                                abort();
                        last_raise = s->at_s;
                        raised = true;
                }
                if (s->heat_level)
                        heat += s->seconds;
                prev = s->intensity;
                t += s->seconds;
        }
        if (t != p->session_s || heat > p->heat_budget_s)
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        MassagerDeviceInfo dev = {
                .protocol_version = 1, .intensity_max = 10, .heat_levels = 3, .patterns = 0x3f,
                .heat_setpoint = { 380, 400, 420 },
        };
        PolicyFigures fig = { .screened = true };
        Limits lim;
        PolicyInput in = { &lim, &fig, &dev, 80, 300 };
        char *err = NULL;
        Program *p = NULL;

        if (program_load_data((const char *) data, size, "fuzz.program", &p, &err) < 0) {
                free(err);
                return 0;
        }
        limits_init_default(&lim);
        if (safety_clock_make(INT64_C(1781517600000000), 1000, "0123456789abcdef0123456789abcdef", &fig.clock) < 0)
                abort();
        fig.screening_wall_us = fig.clock.wall_us;
        for (uint8_t intensity = 1; intensity <= 10; intensity += 3) {
                PolicyStartRequest req = { .program = p, .intensity = intensity, .heat_level = 2, .heat_explicit = true };
                PolicyRefusal refusal;
                PolicyPlan plan = {};
                if (policy_check_start(&in, &req, &plan, &refusal) == 1) {
                        check_plan(&plan);
                        if (p->gentle && plan.intensity_cap > 3)
                                abort();
                }
                policy_plan_clear(&plan);
        }
        program_free(p);
        return 0;
}
