/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * massagectl screening: the health questions of doc/safety.md, asked one by one
 * on a terminal, or answered with flags by scripts. Keys, questions and help
 * all come from massaged (ScreeningQuestions) and are shown as they are: a
 * copy here would drift from the question the daemon's policy acts on.
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

/* One question as massaged serves it; the strings belong to the property's Value. */
typedef struct Question {
        const char *key;
        const char *text;
        const char *help;
} Question;

/* a(sss) → questions; -EBADMSG for anything else. */
/* More than the daemon will ever ask (it has 8): a reply with more is not its. */
#define QUESTIONS_MAX 64

static int read_questions(const Value *v, Question ret[static QUESTIONS_MAX], size_t *ret_n) {
        if (v->type != VALUE_ARRAY || v->c.n > QUESTIONS_MAX)
                return -EBADMSG;
        for (size_t i = 0; i < v->c.n; i++) {
                const Value *e = v->c.items[i];

                if (e->type != VALUE_ARRAY || e->c.n != 3)
                        return -EBADMSG;
                for (size_t k = 0; k < 3; k++)
                        if (e->c.items[k]->type != VALUE_STRING)
                                return -EBADMSG;
                ret[i] = (Question) { e->c.items[0]->s, e->c.items[1]->s, e->c.items[2]->s };
        }
        *ret_n = v->c.n;
        return 0;
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

static int list_questions(Ctl *c, const Question *q, size_t n) {
        if (c->json) {
                _cleanup_value_ Value *root = value_new_object(), *list = value_new_array();
                if (!root || !list)
                        return ctl_fail(c, EXIT_FAILURE_OTHER, -ENOMEM, _("Out of memory."));
                for (size_t i = 0; i < n; i++) {
                        Value *o = value_new_object();
                        if (!o)
                                return ctl_fail(c, EXIT_FAILURE_OTHER, -ENOMEM, _("Out of memory."));
                        (void) value_object_set(o, "key", value_new_string(q[i].key));
                        (void) value_object_set(o, "question", value_new_string(q[i].text));
                        (void) value_object_set(o, "help", value_new_string(q[i].help));
                        (void) value_array_append(list, o);
                }
                (void) value_object_set(root, "questions", STEAL_PTR(list));
                ctl_print_json(root);
                return 0;
        }
        /* The key first on its line (shell completion reads it), the help indented below. */
        for (size_t i = 0; i < n; i++)
                printf("%-28s %s\n%-28s %s%s%s\n", q[i].key, q[i].text, "", ansi_grey(), q[i].help, ansi_normal());
        return 0;
}

static const Question *find_question(const Question *q, size_t n, const char *key) {
        for (size_t i = 0; i < n; i++)
                if (strcmp(q[i].key, key) == 0)
                        return &q[i];
        return NULL;
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
        _cleanup_value_ Value *served = NULL, *answers = value_new_object();
        Question q[QUESTIONS_MAX];
        size_t n_q = 0;
        bool all_no = false, clearance = false, correction = false, list = false, any_yes = false;
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

        r = api_screening_questions(c, &served);
        if (r >= 0) {
                r = read_questions(served, q, &n_q);
                if (r < 0)
                        r = ctl_fail(c, EXIT_FAILURE_OTHER, r,
                                     _("massaged's screening questions are not (key, question, help) triples."));
        }
        if (r < 0 || list) {
                free(given);
                if (r >= 0)
                        r = list_questions(c, q, n_q);
                return r;
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
                known = find_question(q, n_q, given[i]) != NULL;
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
                for (size_t k = 0; k < n_q; k++)
                        if (!value_object_get(answers, q[k].key))
                                (void) value_object_set(answers, q[k].key, value_new_bool(false));

        if (answers->c.n < n_q) {
                if (!isatty(STDIN_FILENO) || c->json)
                        return ctl_fail_usage(c, _("every question needs an answer: use --answer KEY=yes|no for each, "
                                              "or --all-no (the keys: 'massagectl screening --list')."));
                printf(_("%sHealth screening%s: before using a neck massager, please answer honestly.\n"
                       "Your answers stay on this computer.\n\n"), ansi_bold(), ansi_normal());
                if (correction)
                        printf(_("This is a correction: a \"no\" here replaces an earlier \"yes\" as a mistake,\n"
                               "and the correction is recorded.\n\n"));
                for (size_t k = 0; k < n_q; k++) {
                        int b;

                        if (value_object_get(answers, q[k].key))
                                continue;
                        b = ask(q[k].text, -1);
                        if (b < 0)
                                return ctl_fail_usage(c, _("the screening was not finished; nothing was recorded."));
                        (void) value_object_set(answers, q[k].key, value_new_bool(b));
                }
        }
        for (size_t i = 0; i < answers->c.n; i++)
                any_yes = any_yes || answers->c.items[i]->b;
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
                printf(_("Screening recorded with a clearance.\n"));
        /* What each "yes" means, in massaged's words (heat stays off for reduced sensation, …). */
        if (!c->json)
                for (size_t i = 0; i < answers->c.n; i++) {
                        const Question *yes = find_question(q, n_q, answers->c.keys[i]);
                        if (yes && answers->c.items[i]->b)
                                printf("  %s: %s\n", yes->key, yes->help);
                }
        return 0;
}
