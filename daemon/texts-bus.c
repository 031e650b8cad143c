/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Manager.ScreeningQuestions and Manager.Programs: the daemon's texts on the bus. */
#include <errno.h>

#include "safety/screening.h"
#include "texts-bus.h"

int bus_append_screening_questions(sd_bus_message *reply) {
        int r = sd_bus_message_open_container(reply, 'a', "(sss)");
        if (r < 0)
                return r;
        for (int q = 0; q < _SCREENING_QUESTION_MAX; q++) {
                r = sd_bus_message_append(reply, "(sss)", screening_question_key((ScreeningQuestion) q),
                                          screening_question_text((ScreeningQuestion) q),
                                          screening_question_help((ScreeningQuestion) q));
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(reply);
}

/* A dict, not a struct: a key added later does not change the type again
 * (clients ignore keys they do not know). */
static int append_program(sd_bus_message *reply, const Program *p) {
        uint64_t seconds = program_cycle_seconds(p);

        return sd_bus_message_append(reply, "a{sv}", 8,
                                     "name", "s", p->name,
                                     "title", "s", p->title ?: p->name,
                                     "description", "s", p->description ?: "",
                                     "seconds", "u", (uint32_t) (seconds > UINT32_MAX ? UINT32_MAX : seconds),
                                     "steps", "u", (uint32_t) p->n_steps,
                                     "heat", "b", (int) p->heat,
                                     "repeat", "b", (int) p->repeat,
                                     "gentle", "b", (int) p->gentle);
}

int bus_append_programs(sd_bus_message *reply, const ProgramList *l) {
        int r = sd_bus_message_open_container(reply, 'a', "a{sv}");
        if (r < 0)
                return r;
        for (size_t i = 0; i < l->n; i++) {
                r = append_program(reply, l->programs[i]);
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(reply);
}
