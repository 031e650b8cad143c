/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The policy's decision told back: sentences, plan figures, next change. Pure. */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy-advice.h"
#include "policy-internal.h"
#include "safety-i18n.h"

void policy_sentences_free(char **v) {
        for (char **p = v; p && *p; p++)
                free(*p);
        free(v);
}

/* The next sentence starts with a capital: A–Z, or a translation's Ä, Ö, Ü (UTF-8). */
static bool capital(const char *p) {
        return (p[0] >= 'A' && p[0] <= 'Z') ||
               ((unsigned char) p[0] == 0xC3 && ((unsigned char) p[1] == 0x84 || (unsigned char) p[1] == 0x96 ||
                                                 (unsigned char) p[1] == 0x9C));
}

static bool sentence_end(const char *p) {
        return (p[0] == '.' || p[0] == '!' || p[0] == '?') && p[1] == ' ' && capital(p + 2);
}

int policy_message_sentences(const char *message, char ***ret) {
        const char *s = message ? message : "";
        size_t n = 0, i = 0;
        char **v;

        for (const char *p = s; *p; p++)
                if (sentence_end(p))
                        n++;
        v = calloc(n + 2, sizeof *v);
        if (!v)
                return -ENOMEM;
        while (*s) {
                const char *e = s;
                while (*e && !sentence_end(e))
                        e++;
                size_t len = (size_t) (e - s) + (*e ? 1 : 0);   /* keep the full stop */
                v[i] = strndup(s, len);
                if (!v[i]) {
                        policy_sentences_free(v);
                        return -ENOMEM;
                }
                i++;
                s = *e ? e + 2 : e;
        }
        *ret = v;
        return 0;
}

uint32_t policy_plan_heat_seconds(const PolicyPlan *p) {
        uint32_t sum = 0;

        for (size_t i = 0; p && i < p->n_steps; i++)
                if (p->steps[i].heat_level > 0)
                        sum += p->steps[i].seconds;
        return sum;
}

uint32_t policy_plan_soft_start_seconds(const PolicyPlan *p) {
        return p && p->soft_start_end_s > p->origin_s ? p->soft_start_end_s - p->origin_s : 0;
}

static void consider(int64_t *best, int64_t now, int64_t at) {
        if (at > now && (*best == 0 || at < *best))
                *best = at;
}

/* An event's end `length_us` after it, by the clock rules (monotonic within a boot). */
static int64_t end_of(const SafetyClock *c, int64_t wall_us, uint64_t mono_us, const char *boot_id,
                      uint64_t length_us) {
        int64_t since = safety_clock_since_us(c, wall_us, mono_us, boot_id);
        return c->wall_us + ((int64_t) length_us - since);
}

int64_t policy_next_change(const PolicyInput *in) {
        const PolicyFigures *f = in->figures;
        const SafetyClock *c = &f->clock;
        int64_t best = 0, now = c->wall_us;

        consider(&best, now, c->next_day_start_us);
        if (f->has_last_end)
                consider(&best, now, end_of(c, f->last_end_wall_us, f->last_end_mono_us, f->last_end_boot_id,
                                            (uint64_t) in->limits->value[LIMIT_REST_MINUTES] * USEC_PER_MIN));
        for (size_t i = 0; i < f->n_rolling && i < POLICY_ROLLING_MAX; i++)
                consider(&best, now, f->rolling[i].end_wall_us + (int64_t) USEC_PER_DAY);
        for (size_t i = 0; i < f->n_starts_24h && i < POLICY_ROLLING_MAX; i++)
                consider(&best, now, f->starts_24h[i] + (int64_t) USEC_PER_DAY);
        if (f->has_symptom_stop)
                consider(&best, now, end_of(c, f->last_symptom_wall_us, f->last_symptom_mono_us,
                                            f->last_symptom_boot_id, (uint64_t) POLICY_SYMPTOM_CAP_S * USEC_PER_SEC));
        if (f->screened)
                consider(&best, now, f->screening_wall_us + (int64_t) POLICY_SCREENING_VALID_S * (int64_t) USEC_PER_SEC);
        return best ? best : now + (int64_t) USEC_PER_DAY;
}

void policy_symptom_followup(const PolicyFigures *f, char *buf, size_t size) {
        if (!buf || size == 0)
                return;
        /* The clinician sentence already says the 24 h cap. */
        if (policy_symptom_advice_due(f, buf, size))
                return;
        (void) snprintf(buf, size, "%s", _("Stopped for a symptom. For the next 24 hours sessions stay in the "
                                           "lowest third of the intensity; if the symptom goes on, see a clinician."));
}
