/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * massagectl note [SESSION] [--before N] [--after N] [--text T]: the symptom
 * diary, so that a user can see what helps. Without SESSION: the latest one.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ctl-api.h"
#include "ctl-history.h"
#include "ctl-parse.h"
#include "i18n.h"
#include "massagectl.h"

#define NOTE_TEXT_MAX 1000

static int latest_session(Ctl *c, uint64_t *ret) {
        _cleanup_value_ Value *sessions = NULL;
        uint64_t best = 0;
        int r;

        r = api_sessions(c, 0, 0, &sessions);
        if (r < 0)
                return r;
        for (size_t i = 0; sessions->type == VALUE_ARRAY && i < sessions->c.n; i++) {
                uint64_t id;
                if (value_get_uint(sessions->c.items[i], HIST_ID, &id) && id > best)
                        best = id;
        }
        if (best == 0)
                return ctl_fail(c, EXIT_NOT_FOUND, -ENOENT, _("There is no session to add a note to yet."));
        *ret = best;
        return 0;
}

int verb_note(Ctl *c, int argc, char *argv[]) {
        static const struct option options[] = {
                CTL_COMMON_OPTIONS,
                { "before", required_argument, NULL, 'b' },
                { "after",  required_argument, NULL, 'a' },
                { "text",   required_argument, NULL, 't' },
                {}
        };
        _cleanup_value_ Value *note = value_new_object();
        uint64_t id = 0, n;
        int opt, r;

        if (!note)
                return ctl_fail(c, EXIT_FAILURE_OTHER, -ENOMEM, _("Out of memory."));
        while ((opt = getopt_long(argc, argv, ":hb:a:t:", options, NULL)) >= 0)
                switch (opt) {
                case 'b':
                case 'a':
                        if (parse_uint_range(optarg, 0, 10, &n) < 0)
                                return ctl_fail_usage(c, _("pain is rated 0 (none) to 10 (worst), not '%s'."), optarg);
                        (void) value_object_set(note, opt == 'b' ? HIST_PAIN_BEFORE : HIST_PAIN_AFTER,
                                                value_new_int((int64_t) n));
                        break;
                case 't':
                        if (strlen(optarg) > NOTE_TEXT_MAX)
                                return ctl_fail_usage(c, _("the note is longer than %d characters."), NOTE_TEXT_MAX);
                        (void) value_object_set(note, HIST_NOTE, value_new_string(optarg));
                        break;
                CTL_COMMON_CASES(c, argv);
                }
        if (argc - optind > 1)
                return ctl_fail_usage(c, _("unexpected argument '%s'."), argv[optind + 1]);
        if (note->c.n == 0)
                return ctl_fail_usage(c, _("say something: --before N, --after N (pain 0-10) or --text TEXT."));
        if (optind < argc) {
                if (parse_uint_range(argv[optind], 1, UINT64_MAX, &id) < 0)
                        return ctl_fail_usage(c, _("'%s' is not a session number ('massagectl history' shows them)."),
                                              argv[optind]);
        } else {
                r = latest_session(c, &id);
                if (r < 0)
                        return r;
        }
        r = api_add_note(c, id, note);
        if (r < 0)
                return r;
        if (!c->json)
                printf(_("Noted for session %" PRIu64 ".\n"), id);
        return 0;
}
