/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * massagectl screening: the health questions of doc/safety.md, asked one by one
 * on a terminal, or answered with flags by scripts. The keys come from
 * massaged (ScreeningQuestions); the sentences are ours, with a readable
 * fallback for a key this client does not know yet.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl-api.h"
#include "ctl-format.h"
#include "ctl-parse.h"
#include "i18n.h"
#include "massagectl.h"

#define CLEARANCE_KEY "clinician_clearance"
#define CORRECTION_KEY "correction"

static const struct {
        const char *key;
        const char *text;
} questions[] = {
        { "recent_injury_or_surgery",   "Have you had a neck, head or spine injury or surgery recently?" },
        { "clotting_or_cardiovascular", "Do you have a blood clotting or cardiovascular disorder?" },
        { "stroke_or_artery_problem",   "Have you had a stroke, or problems with the arteries in your neck?" },
        { "neck_wound_or_infection",    "Do you have a wound, rash or infection at your neck?" },
        { "unexplained_symptoms",       "Do you have unexplained pain, numbness, dizziness or other symptoms?" },
        { "pacemaker",                  "Do you have a pacemaker or another implanted electronic device?" },
        { "pregnancy",                  "Are you pregnant?" },
        { "reduced_skin_sensation",     "Is the skin at your neck less sensitive than usual (e.g. neuropathy)?" },
};

static const char *question_text(const char *key, char *buf, size_t size) {
        for (size_t i = 0; i < ELEMENTSOF(questions); i++)
                if (strcmp(questions[i].key, key) == 0)
                        return questions[i].text;
        /* A question added after this client was built: its key, made readable. */
        (void) snprintf(buf, size, "Does this apply to you: %s?", key);
        for (char *p = buf; *p; p++)
                if (*p == '_')
                        *p = ' ';
        return buf;
}

/* Reads yes or no from the terminal; -EIO at end of input. */
static int ask(const char *question, int def) {
        _cleanup_free_ char *line = NULL;
        size_t n = 0;

        for (;;) {
                int b;

                printf("%s %s ", question, def < 0 ? "[y/n]" : def ? "[Y/n]" : "[y/N]");
                (void) fflush(stdout);
                if (getline(&line, &n, stdin) < 0)
                        return -EIO;
                line[strcspn(line, "\r\n")] = '\0';
                if (line[0] == '\0' && def >= 0)
                        return def;
                b = parse_boolean(line);
                if (b >= 0)
                        return b;
                printf(_("Please answer y or n.\n"));
        }
}

static int list_questions(Ctl *c, const Value *keys) {
        if (c->json) {
                _cleanup_value_ Value *root = value_new_object(), *list = value_new_array();
                if (!root || !list)
                        return ctl_fail(c, EXIT_FAILURE_OTHER, -ENOMEM, _("Out of memory."));
                for (size_t i = 0; i < keys->c.n; i++) {
                        char buf[160];
                        Value *q = value_new_object();
                        if (!q)
                                return ctl_fail(c, EXIT_FAILURE_OTHER, -ENOMEM, _("Out of memory."));
                        (void) value_object_set(q, "key", value_new_string(keys->c.items[i]->s));
                        (void) value_object_set(q, "question",
                                                value_new_string(question_text(keys->c.items[i]->s, buf, sizeof(buf))));
                        (void) value_array_append(list, q);
                }
                (void) value_object_set(root, "questions", STEAL_PTR(list));
                ctl_print_json(root);
                return 0;
        }
        for (size_t i = 0; i < keys->c.n; i++) {
                char buf[160];
                printf("%-28s %s\n", keys->c.items[i]->s, question_text(keys->c.items[i]->s, buf, sizeof(buf)));
        }
        return 0;
}

int verb_screening(Ctl *c, int argc, char *argv[]) {
        static const struct option options[] = {
                CTL_COMMON_OPTIONS,
                { "answer",    required_argument, NULL, 'a' },
                { "all-no",    no_argument,       NULL, 'n' },
                { "clearance", no_argument,       NULL, 'c' },
                { "correction", no_argument,      NULL, 'r' },
                { "list",      no_argument,       NULL, 'l' },
                {}
        };
        _cleanup_value_ Value *keys = NULL, *answers = value_new_object();
        bool all_no = false, clearance = false, correction = false, list = false, any_yes = false, numb = false;
        char **given = NULL;
        size_t n_given = 0;
        int opt, r;

        if (!answers)
                return ctl_fail(c, EXIT_FAILURE_OTHER, -ENOMEM, _("Out of memory."));
        given = calloc((size_t) argc, sizeof(char *));
        if (!given)
                return ctl_fail(c, EXIT_FAILURE_OTHER, -ENOMEM, _("Out of memory."));
        while ((opt = getopt_long(argc, argv, ":h", options, NULL)) >= 0)
                switch (opt) {
                case 'a':
                        given[n_given++] = optarg;
                        break;
                case 'n':
                        all_no = true;
                        break;
                case 'c':
                        clearance = true;
                        break;
                case 'r':
                        correction = true;
                        break;
                case 'l':
                        list = true;
                        break;
                case 'J':
                        c->json = true;
                        break;
                case 'h':
                        free(given);
                        return ctl_verb_help(ctl_find_verb(c->verb));
                case ':':
                        free(given);
                        return ctl_fail_usage(c, _("option '%s' needs a value."), argv[optind - 1]);
                case '?':
                        free(given);
                        return ctl_fail_usage(c, _("unknown option '%s'."), argv[optind - 1]);
                }
        if (optind < argc) {
                free(given);
                return ctl_fail_usage(c, _("unexpected argument '%s'."), argv[optind]);
        }

        r = api_screening_questions(c, &keys);
        if (r >= 0 && keys->type != VALUE_ARRAY)
                r = ctl_fail(c, EXIT_FAILURE_OTHER, -EBADMSG, _("massaged's screening questions are not a list."));
        for (size_t i = 0; r >= 0 && i < keys->c.n; i++)
                if (keys->c.items[i]->type != VALUE_STRING)
                        r = ctl_fail(c, EXIT_FAILURE_OTHER, -EBADMSG, _("massaged's screening questions are not strings."));
        if (r < 0 || list) {
                free(given);
                return r < 0 ? r : list_questions(c, keys);
        }

        /* Answers from flags, checked against the daemon's keys before anything is sent. */
        for (size_t i = 0; i < n_given; i++) {
                char *eq = strchr(given[i], '=');
                bool known = false;
                int b;

                if (!eq) {
                        r = ctl_fail_usage(c, _("--answer takes KEY=yes or KEY=no, not '%s'."), given[i]);
                        break;
                }
                *eq = '\0';
                b = parse_boolean(eq + 1);
                for (size_t k = 0; k < keys->c.n; k++)
                        known = known || strcmp(keys->c.items[k]->s, given[i]) == 0;
                if (!known) {
                        r = ctl_fail_usage(c, _("no screening question is called '%s' ('massagectl screening --list')."),
                                           given[i]);
                        break;
                }
                if (b < 0) {
                        r = ctl_fail_usage(c, _("answer %s with yes or no, not '%s'."), given[i], eq + 1);
                        break;
                }
                (void) value_object_set(answers, given[i], value_new_bool(b));
        }
        free(given);
        if (r < 0)
                return r;
        if (all_no)
                for (size_t k = 0; k < keys->c.n; k++)
                        if (!value_object_get(answers, keys->c.items[k]->s))
                                (void) value_object_set(answers, keys->c.items[k]->s, value_new_bool(false));

        if (answers->c.n < keys->c.n) {
                if (!isatty(STDIN_FILENO) || c->json)
                        return ctl_fail_usage(c, _("every question needs an answer: use --answer KEY=yes|no for each, "
                                              "or --all-no (the keys: 'massagectl screening --list')."));
                printf(_("%sHealth screening%s: before using a neck massager, please answer honestly.\n"
                       "Your answers stay on this computer.\n\n"), ansi_bold(), ansi_normal());
                if (correction)
                        printf(_("This is a correction: a \"no\" here replaces an earlier \"yes\" as a mistake,\n"
                               "and the correction is recorded.\n\n"));
                for (size_t k = 0; k < keys->c.n; k++) {
                        char buf[160];
                        int b;

                        if (value_object_get(answers, keys->c.items[k]->s))
                                continue;
                        b = ask(question_text(keys->c.items[k]->s, buf, sizeof(buf)), -1);
                        if (b < 0)
                                return ctl_fail_usage(c, _("the screening was not finished; nothing was recorded."));
                        (void) value_object_set(answers, keys->c.items[k]->s, value_new_bool(b));
                }
        }
        for (size_t i = 0; i < answers->c.n; i++) {
                any_yes = any_yes || answers->c.items[i]->b;
                if (strcmp(answers->c.keys[i], "reduced_skin_sensation") == 0 && answers->c.items[i]->b)
                        numb = true;
        }
        if (any_yes && !clearance && isatty(STDIN_FILENO) && !c->json) {
                int b;
                printf(_("\nA yes answer means a massager may not be safe for you without advice.\n"));
                b = ask("Has a clinician cleared you to use a neck massager despite this?", 0);
                if (b < 0)
                        return ctl_fail_usage(c, _("the screening was not finished; nothing was recorded."));
                clearance = b;
        }
        if (clearance)
                (void) value_object_set(answers, CLEARANCE_KEY, value_new_bool(true));
        /* massaged keeps an earlier "yes" in force whatever these answers say,
         * unless they are sent as a correction: an explicit, recorded act. */
        if (correction)
                (void) value_object_set(answers, CORRECTION_KEY, value_new_bool(true));

        r = api_submit_screening(c, answers);
        if (r < 0)
                return r;
        if (c->json) {
                _cleanup_value_ Value *root = value_new_object();
                if (!root)
                        return ctl_fail(c, EXIT_FAILURE_OTHER, -ENOMEM, _("Out of memory."));
                (void) value_object_set(root, "answers", STEAL_PTR(answers));
                (void) value_object_set(root, "blocked", value_new_bool(any_yes && !clearance));
                ctl_print_json(root);
        } else if (!any_yes && correction)
                printf(_("Screening recorded as a correction: earlier \"yes\" answers you now answered \"no\" are\n"
                       "recorded as mistakes. You will be asked again in 6 months.\n"));
        else if (!any_yes)
                printf(_("Screening recorded: nothing speaks against massage. You will be asked again in 6 months.\n"));
        else if (!clearance)
                printf(_("Screening recorded. Sessions stay blocked until a clinician has cleared you; then run\n"
                       "'massagectl screening --clearance' with the same answers.\n"));
        else
                printf(_("Screening recorded with a clearance.%s\n"),
                       numb ? " Heat stays off because of reduced skin sensation." : "");
        return 0;
}
