/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Programs in memory: copying, freeing, walking the steps. Pure; loading is in program-load.c. */

#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "program.h"

Program *program_free(Program *p) {
        if (!p)
                return NULL;
        free(p->name);
        free(p->title);
        free(p->description);
        free(p->path);
        free(p->steps);
        free(p);
        return NULL;
}

void program_freep(Program **p) {
        program_free(*p);
}

static int strdup_or_null(const char *s, char **ret) {
        *ret = NULL;
        if (!s)
                return 0;
        *ret = strdup(s);
        return *ret ? 0 : -ENOMEM;
}

Program *program_dup(const Program *p) {
        Program *c;

        if (!p)
                return NULL;
        c = calloc(1, sizeof *c);
        if (!c)
                return NULL;
        if (strdup_or_null(p->name, &c->name) < 0 || strdup_or_null(p->title, &c->title) < 0 ||
            strdup_or_null(p->description, &c->description) < 0 ||
            strdup_or_null(p->path, &c->path) < 0)
                return program_free(c);
        c->gentle = p->gentle;
        c->heat = p->heat;
        c->repeat = p->repeat;
        if (p->n_steps > 0 && p->steps) {
                c->steps = calloc(p->n_steps, sizeof *c->steps);
                if (!c->steps)
                        return program_free(c);
                memcpy(c->steps, p->steps, p->n_steps * sizeof *c->steps);
                c->n_steps = p->n_steps;
        }
        return c;
}

uint64_t program_cycle_seconds(const Program *p) {
        uint64_t s = 0;

        for (size_t i = 0; p && i < p->n_steps; i++)
                s += p->steps[i].seconds;
        return s;
}

const ProgramStep *program_step_at(const Program *p, uint64_t offset_s, uint64_t *ret_step_end_s) {
        uint64_t cycle = program_cycle_seconds(p), base = 0, t;

        if (!p || p->n_steps == 0 || cycle == 0)
                return NULL;
        if (offset_s >= cycle && !p->repeat) {
                /* A finished non-repeating program holds its last step. */
                if (ret_step_end_s)
                        *ret_step_end_s = UINT64_MAX;
                return &p->steps[p->n_steps - 1];
        }
        base = offset_s / cycle * cycle;
        t = offset_s - base;
        for (size_t i = 0; i < p->n_steps; i++) {
                if (t < p->steps[i].seconds) {
                        if (ret_step_end_s)
                                *ret_step_end_s = offset_s + (p->steps[i].seconds - t);
                        return &p->steps[i];
                }
                t -= p->steps[i].seconds;
        }
        return &p->steps[p->n_steps - 1];      /* not reached: t < cycle */
}

const Program *program_list_find(const ProgramList *l, const char *name) {
        for (size_t i = 0; l && name && i < l->n; i++)
                if (strcmp(l->programs[i]->name, name) == 0)
                        return l->programs[i];
        return NULL;
}

void program_list_clear(ProgramList *l) {
        if (!l)
                return;
        for (size_t i = 0; i < l->n; i++)
                program_free(l->programs[i]);
        free(l->programs);
        *l = (ProgramList) {};
}

void program_strv_free(char **strv) {
        for (char **s = strv; s && *s; s++)
                free(*s);
        free(strv);
}
