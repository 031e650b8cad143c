/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The texts clients show, served from the daemon's own copy so that a client
 * never words a question or a program differently from what the policy acts
 * on (doc/dbus-api.md, Manager.ScreeningQuestions and Manager.Programs).
 */

#include <systemd/sd-bus.h>

#include "safety/program.h"

/* a(sss): key, question, help — one per screening question, in order. */
#define TEXTS_SCREENING_QUESTIONS_SIGNATURE "a(sss)"
int bus_append_screening_questions(sd_bus_message *reply);

/* aa{sv}: one dict per program, sorted by name (keys in doc/dbus-api.md). */
#define TEXTS_PROGRAMS_SIGNATURE "aa{sv}"
int bus_append_programs(sd_bus_message *reply, const ProgramList *l);
