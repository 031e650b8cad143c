/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Health screening (doc/safety.md): the contraindication questions, by key. These
 * keys are exactly the keys of Manager.SubmitScreening(a{sv} answers), one
 * boolean each; Manager.ScreeningQuestions serves them with the question and
 * help sentences of screening.c, the only copy (clients hold none).
 * Pure C.
 *
 *   recent_injury_or_surgery      recent neck, head or spine injury or surgery
 *   clotting_or_cardiovascular    a clotting or cardiovascular disorder
 *   stroke_or_artery_problem      a stroke or problems with the neck arteries
 *   neck_wound_or_infection       a wound, rash or infection at the neck
 *   unexplained_symptoms          unexplained pain, numbness, dizziness or other symptoms
 *   pacemaker                     a pacemaker or other implanted electronic device
 *   pregnancy                     pregnancy
 *   reduced_skin_sensation        reduced skin sensation (e.g. neuropathy) at the neck
 *
 * A submission must answer every question (a missing key is an error: the
 * screening cannot be skipped). All "no" passes the screening for 6 months.
 * Any "yes" blocks every start until a clearance (someone — ideally a
 * clinician — has cleared the user despite the answer) is recorded for that
 * submission: key SCREENING_CLEARANCE_KEY "clinician_clearance" in the same
 * a{sv}, or a later ledger_screening_clear(). reduced_skin_sensation = yes
 * keeps heat off even after a clearance (heat burns skin that cannot feel).
 *
 * A "yes" stands across later submissions: answering "no" to it again does
 * not lift it (that would undo a contraindication by re-answering). Only a
 * submission with SCREENING_CORRECTION_KEY "correction" = true replaces the
 * standing answers (the earlier "yes" was a mistake), and the ledger records
 * which answers it corrected. The daemon refuses a "no" to a standing "yes"
 * that carries neither a correction nor a clearance
 * (policy_check_screening_submission()).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum ScreeningQuestion {
        SCREENING_RECENT_INJURY_OR_SURGERY,
        SCREENING_CLOTTING_OR_CARDIOVASCULAR,
        SCREENING_STROKE_OR_ARTERY_PROBLEM,
        SCREENING_NECK_WOUND_OR_INFECTION,
        SCREENING_UNEXPLAINED_SYMPTOMS,
        SCREENING_PACEMAKER,
        SCREENING_PREGNANCY,
        SCREENING_REDUCED_SKIN_SENSATION,
        _SCREENING_QUESTION_MAX,
} ScreeningQuestion;

#define SCREENING_CLEARANCE_KEY "clinician_clearance"
#define SCREENING_CORRECTION_KEY "correction"
#define SCREENING_ALL_MASK ((UINT32_C(1) << _SCREENING_QUESTION_MAX) - 1)

/* "recent_injury_or_surgery" …; NULL when out of range. */
const char *screening_question_key(ScreeningQuestion q);
/* The question as a sentence ("Have you had a neck, head or spine injury or
 * surgery recently (in the last 6 months)?"); NULL when out of range. */
const char *screening_question_text(ScreeningQuestion q);
/* What a "yes" means and what to do, one or two sentences; NULL when out of range. */
const char *screening_question_help(ScreeningQuestion q);
/* Key → question, or -ENOENT. */
int screening_question_from_key(const char *key);

/*
 * Collect answers one key at a time, then check completeness.
 * answered/yes are bit masks over ScreeningQuestion.
 */
typedef struct ScreeningAnswers {
        uint32_t answered;
        uint32_t yes;
        bool clearance;         /* SCREENING_CLEARANCE_KEY was given and true */
        bool correction;        /* SCREENING_CORRECTION_KEY was given and true */
} ScreeningAnswers;

/* Record one a{sv} entry. Returns 0, or -ENOENT (unknown key), -EEXIST
 * (answered twice). SCREENING_CLEARANCE_KEY and SCREENING_CORRECTION_KEY are
 * accepted here too. */
int screening_answers_set(ScreeningAnswers *a, const char *key, bool value);

/* 0 when every question is answered; -ENODATA otherwise, with the first
 * missing key in *ret_missing (static string). */
int screening_answers_complete(const ScreeningAnswers *a, const char **ret_missing);

/* The standing "yes" answers that this submission answers "no" to: the ones
 * it would lift if it is a correction (bit mask over ScreeningQuestion). */
uint32_t screening_contradicted(uint32_t standing, const ScreeningAnswers *a);

/* The "yes" answers in force after this submission, given those in force
 * before it: a correction replaces them, any other submission adds to them. */
uint32_t screening_standing_after(uint32_t standing, const ScreeningAnswers *a);

/* The keys of mask, comma-separated after prefix ("yes: pacemaker,pregnancy"),
 * or none_text when mask is empty; truncated to fit size. */
void screening_format_keys(char *buf, size_t size, uint32_t mask, const char *prefix, const char *none_text);
