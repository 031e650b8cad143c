/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * May a screening submission be recorded? (doc/safety.md, "health
 * screening".) Pure: the standing answers come from the ledger's figures.
 *
 * A "yes" is a contraindication: it must not be undone by answering the
 * questions again. So a "no" to a "yes" still in force is refused unless the
 * submission says how the "yes" is lifted: a correction (the earlier answer
 * was a mistake, recorded as such) or a clearance (someone, ideally a
 * clinician, has cleared the user; the "yes" stays in force, cleared).
 */

#include "config.h"

#include <errno.h>

#include "policy-internal.h"
#include "safety-i18n.h"
#include "screening.h"

int policy_check_screening_submission(const PolicyFigures *f, const ScreeningAnswers *a,
                                      PolicyRefusal *ret_refusal) {
        uint32_t contradicted;
        const char *first = NULL;
        unsigned n = 0;

        if (!f || !a || !ret_refusal)
                return -EINVAL;
        *ret_refusal = (PolicyRefusal) {};
        contradicted = f->screened ? screening_contradicted(f->screening_yes, a) : 0;
        if (!contradicted || a->correction || a->clearance)
                return 1;
        for (unsigned q = 0; q < _SCREENING_QUESTION_MAX; q++)
                if (contradicted & (UINT32_C(1) << q)) {
                        if (!first)
                                first = screening_question_key(q);
                        n++;
                }
        ret_refusal->reason = POLICY_REFUSE_SCREENING_BLOCKED;
        refusal_set(ret_refusal, _("Your earlier screening answer \"%s\"%s was yes, and a yes stands until it is "
                    "corrected or cleared; nothing was recorded. If it was a mistake, answer again as a correction "
                    "(massagectl screening --correction); if a clinician has cleared you, record the clearance "
                    "(massagectl screening --clearance)."),
                    first ? first : "?", n > 1 ? _(" (and others)") : "");
        return 0;
}
