/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The health-screening questions (doc/safety.md) and collecting a submission. */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "safety-i18n.h"
#include "screening.h"

/* The one copy of these sentences: clients show what Manager.ScreeningQuestions
 * serves (doc/dbus-api.md), so the question someone answers is the one the
 * policy acts on. The help says what a "yes" does here and what to do.
 * Marked with N_(): the accessors translate (the key is a name, never). */
static const struct {
        const char *key;
        const char *text;
        const char *help;
} questions[_SCREENING_QUESTION_MAX] = {
        [SCREENING_RECENT_INJURY_OR_SURGERY] = {
                "recent_injury_or_surgery",
                N_("Have you had a neck, head or spine injury or surgery recently (in the last 6 months)?"),
                N_("A yes blocks sessions: massage can worsen a fresh injury or disturb healing. "
                "Ask the clinician treating you whether neck massage is safe, and record their clearance.") },
        [SCREENING_CLOTTING_OR_CARDIOVASCULAR] = {
                "clotting_or_cardiovascular",
                N_("Do you have a blood-clotting disorder, take blood thinners, or have a cardiovascular disorder?"),
                N_("A yes blocks sessions: pressure on the neck can cause bruising or bleeding, or loosen a clot. "
                "Ask your doctor before using the massager, and record their clearance.") },
        [SCREENING_STROKE_OR_ARTERY_PROBLEM] = {
                "stroke_or_artery_problem",
                N_("Have you had a stroke, or problems with the arteries of the neck (e.g. dissection)?"),
                N_("A yes blocks sessions: massage over the neck arteries can harm them. "
                "Ask your doctor before using the massager, and record their clearance.") },
        [SCREENING_NECK_WOUND_OR_INFECTION] = {
                "neck_wound_or_infection",
                N_("Do you have a wound, rash, burn or infection where the massager touches your neck?"),
                N_("A yes blocks sessions: pressure and heat worsen damaged skin. "
                "Wait until it has healed and correct the answer, or record a clinician's clearance.") },
        [SCREENING_UNEXPLAINED_SYMPTOMS] = {
                "unexplained_symptoms",
                N_("Do you have unexplained pain, numbness, weakness, dizziness or other symptoms?"),
                N_("A yes blocks sessions: symptoms without a known cause need a diagnosis before massage. "
                "See a doctor, and record their clearance.") },
        [SCREENING_PACEMAKER] = {
                "pacemaker",
                N_("Do you have a pacemaker or another implanted electronic device?"),
                N_("A yes blocks sessions: vibration and electronics near an implant can disturb it. "
                "Ask your cardiologist or the implant's maker, and record their clearance.") },
        [SCREENING_PREGNANCY] = {
                "pregnancy",
                N_("Are you pregnant?"),
                N_("A yes blocks sessions until a clinician (midwife or doctor) has cleared neck massage for you; "
                "record the clearance.") },
        [SCREENING_REDUCED_SKIN_SENSATION] = {
                "reduced_skin_sensation",
                N_("Do you have reduced skin sensation at the neck or shoulders (e.g. neuropathy)?"),
                N_("A yes blocks sessions until a clinician's clearance is recorded, and keeps heat off even then: "
                "skin that cannot feel heat burns unnoticed.") },
};

const char *screening_question_key(ScreeningQuestion q) {
        if ((unsigned) q >= _SCREENING_QUESTION_MAX)
                return NULL;
        return questions[q].key;
}

const char *screening_question_text(ScreeningQuestion q) {
        if ((unsigned) q >= _SCREENING_QUESTION_MAX)
                return NULL;
        return _(questions[q].text);
}

const char *screening_question_help(ScreeningQuestion q) {
        if ((unsigned) q >= _SCREENING_QUESTION_MAX)
                return NULL;
        return _(questions[q].help);
}

int screening_question_from_key(const char *key) {
        for (unsigned i = 0; key && i < _SCREENING_QUESTION_MAX; i++)
                if (strcmp(questions[i].key, key) == 0)
                        return (int) i;
        return -ENOENT;
}

int screening_answers_set(ScreeningAnswers *a, const char *key, bool value) {
        int q;

        if (key && strcmp(key, SCREENING_CLEARANCE_KEY) == 0) {
                a->clearance = value;
                return 0;
        }
        if (key && strcmp(key, SCREENING_CORRECTION_KEY) == 0) {
                a->correction = value;
                return 0;
        }
        q = screening_question_from_key(key);
        if (q < 0)
                return q;
        if (a->answered & (UINT32_C(1) << q))
                return -EEXIST;
        a->answered |= UINT32_C(1) << q;
        if (value)
                a->yes |= UINT32_C(1) << q;
        return 0;
}

int screening_answers_complete(const ScreeningAnswers *a, const char **ret_missing) {
        for (unsigned i = 0; i < _SCREENING_QUESTION_MAX; i++)
                if (!(a->answered & (UINT32_C(1) << i))) {
                        if (ret_missing)
                                *ret_missing = questions[i].key;
                        return -ENODATA;
                }
        return 0;
}

uint32_t screening_contradicted(uint32_t standing, const ScreeningAnswers *a) {
        return standing & ~a->yes & a->answered & SCREENING_ALL_MASK;
}

uint32_t screening_standing_after(uint32_t standing, const ScreeningAnswers *a) {
        uint32_t yes = a->yes & SCREENING_ALL_MASK;

        return a->correction ? yes : (standing & SCREENING_ALL_MASK) | yes;
}

void screening_format_keys(char *buf, size_t size, uint32_t mask, const char *prefix, const char *none_text) {
        buf[0] = '\0';
        for (unsigned q = 0; q < _SCREENING_QUESTION_MAX; q++)
                if (mask & (UINT32_C(1) << q)) {
                        size_t n = strlen(buf);
                        (void) snprintf(buf + n, size - n, "%s%s", n ? "," : prefix, questions[q].key);
                }
        if (!buf[0])
                (void) snprintf(buf, size, "%s", none_text);
}
