/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Laying out a plan: the program's steps over the session's time, with the
 * soft start, the +1-level-per-10-s ramp, intensity caps, pattern
 * substitution and the heat budget applied. Pure.
 *
 * The layout walks the segment one second at a time (at most 1200 s), which
 * keeps every rule a plain comparison and makes the ramp exact at every
 * program step boundary; consecutive seconds with the same output merge into
 * one step.
 */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy-internal.h"

static bool pattern_is_gentle(uint8_t p) {
        return p == MASSAGER_PATTERN_STEADY || p == MASSAGER_PATTERN_WAVE;
}

static uint8_t gentle_substitute(uint8_t p) {
        switch ((MassagerPattern) p) {
        case MASSAGER_PATTERN_STEADY:
        case MASSAGER_PATTERN_PRESS:            /* sustained pressure → steady */
                return MASSAGER_PATTERN_STEADY;
        case MASSAGER_PATTERN_WAVE:
        case MASSAGER_PATTERN_PULSE:
        case MASSAGER_PATTERN_KNEAD:
        case MASSAGER_PATTERN_TAP:
        case _MASSAGER_PATTERN_MAX:
                return MASSAGER_PATTERN_WAVE;
        }
        return MASSAGER_PATTERN_WAVE;
}

static bool supported(const MassagerDeviceInfo *d, uint8_t p) {
        return p < _MASSAGER_PATTERN_MAX && (d->patterns & (1u << p));
}

int policy_pick_pattern(const MassagerDeviceInfo *device, bool gentle, uint8_t pattern, bool *ret_substituted) {
        static const uint8_t fallbacks[] = { MASSAGER_PATTERN_STEADY, MASSAGER_PATTERN_WAVE };
        uint8_t p = pattern;

        if (gentle && !pattern_is_gentle(p))
                p = gentle_substitute(p);
        if (!supported(device, p)) {
                bool found = false;
                for (size_t i = 0; i < ELEMENTSOF(fallbacks) && !found; i++)
                        if (supported(device, fallbacks[i])) {
                                p = fallbacks[i];
                                found = true;
                        }
                /* Outside gentle mode any supported pattern will do. */
                for (uint8_t i = 0; !found && !gentle && i < _MASSAGER_PATTERN_MAX; i++)
                        if (supported(device, i)) {
                                p = i;
                                found = true;
                        }
                if (!found)
                        return -EINVAL;
        }
        if (ret_substituted)
                *ret_substituted = p != pattern;
        return p;
}

static uint8_t level_of(uint8_t pct, uint8_t target) {
        unsigned l = ((unsigned) pct * target + 50) / 100;
        return (uint8_t) MAX(1u, l);
}

static int steps_push(PolicyPlan *plan, size_t *allocated, uint32_t at, uint8_t intensity, uint8_t pattern,
                      uint8_t heat) {
        PolicyStep *last = plan->n_steps > 0 ? &plan->steps[plan->n_steps - 1] : NULL;

        if (last && last->intensity == intensity && last->pattern == pattern && last->heat_level == heat) {
                last->seconds++;
                return 0;
        }
        if (plan->n_steps == *allocated) {
                size_t n = MAX((size_t) 16, *allocated * 2);
                PolicyStep *s = realloc(plan->steps, n * sizeof *s);
                if (!s)
                        return -ENOMEM;
                plan->steps = s;
                *allocated = n;
        }
        plan->steps[plan->n_steps++] = (PolicyStep) {
                .at_s = at,
                .seconds = 1,
                .intensity = intensity,
                .pattern = pattern,
                .heat_level = heat,
        };
        return 0;
}

int plan_build(const PlanSpec *spec, PolicyPlan *plan) {
        uint32_t len = spec->session_s > spec->origin_s ? spec->session_s - spec->origin_s : 0;
        uint32_t heat_left = spec->heat_remaining_s;
        uint8_t cur = spec->hold_s > 0 ? 1 : MAX((uint8_t) 1, spec->from_level);
        /* After a hold the first raise may come at once; otherwise one ramp step from now. */
        uint32_t next_raise = spec->hold_s > 0 ? spec->hold_s : POLICY_RAMP_STEP_S;
        size_t allocated = 0;
        bool heat_wanted_later = false;
        const ProgramStep *ps = NULL;
        uint64_t ps_end_s = 0;
        uint8_t pattern = 0;
        int r;

        free(plan->steps);
        plan->steps = NULL;
        plan->n_steps = 0;

        for (uint32_t t = 0; t < len; t++) {
                uint64_t at_s = (uint64_t) spec->origin_s + t;
                uint8_t heat = 0;

                /* Second by second for the ramp, but the program's step and its
                 * pattern only where a step begins: a re-plan (every
                 * SetIntensity) walks the whole rest of the session. */
                if (!ps || at_s >= ps_end_s) {
                        bool substituted = false;

                        ps = program_step_at(spec->program, at_s, &ps_end_s);
                        r = policy_pick_pattern(spec->device, spec->gentle, ps->pattern, &substituted);
                        if (r < 0)
                                return r;
                        if (substituted)
                                plan->adjustments |= POLICY_ADJUST_PATTERN;
                        pattern = (uint8_t) r;
                }
                uint8_t want = MIN(level_of(ps->intensity_pct, spec->target), spec->cap);

                if (t < spec->hold_s)
                        cur = 1;                /* the hold cannot be skipped */
                else if (want <= cur)
                        cur = want;             /* lowering is instant */
                else if (t >= next_raise) {
                        cur++;
                        next_raise = t + POLICY_RAMP_STEP_S;
                }
                cur = MIN(cur, spec->cap);

                if (spec->heat_level > 0 && ps->heat) {
                        if (heat_left > 0) {
                                heat = spec->heat_level;
                                heat_left--;
                        } else
                                heat_wanted_later = true;
                }

                r = steps_push(plan, &allocated, t, cur, pattern, heat);
                if (r < 0)
                        return r;
        }
        if (heat_wanted_later)
                plan->adjustments |= POLICY_ADJUST_HEAT_TIME;
        return 0;
}

uint8_t policy_plan_intensity_at(const PolicyPlan *p, uint32_t offset_s) {
        int i = policy_plan_step_at(p, offset_s);
        return i < 0 ? 0 : p->steps[i].intensity;
}

int policy_plan_step_at(const PolicyPlan *p, uint32_t offset_s) {
        /* Steps are contiguous and sorted: binary search. */
        size_t lo = 0, hi = p->n_steps;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                const PolicyStep *s = &p->steps[mid];
                if (offset_s < s->at_s)
                        hi = mid;
                else if (offset_s >= s->at_s + s->seconds)
                        lo = mid + 1;
                else
                        return (int) mid;
        }
        return -ERANGE;
}

void refusal_set(PolicyRefusal *r, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        (void) vsnprintf(r->message, sizeof r->message, fmt, ap);
        va_end(ap);
}

void message_append(char *buf, size_t size, const char *fmt, ...) {
        size_t n = strnlen(buf, size);
        va_list ap;

        if (n + 1 >= size)
                return;
        if (n > 0 && n + 2 < size) {
                buf[n++] = ' ';
                buf[n] = '\0';
        }
        va_start(ap, fmt);
        (void) vsnprintf(buf + n, size - n, fmt, ap);
        va_end(ap);
}
