/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * massagectl history [--since D] [--until D] [--export csv|json]: past
 * sessions with their diary, as a table, as JSON, or as a CSV a spreadsheet
 * (or a doctor) can read.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ctl-api.h"
#include "ctl-format.h"
#include "ctl-history.h"
#include "ctl-json.h"
#include "ctl-parse.h"
#include "i18n.h"
#include "massagectl.h"

#define HISTORY_DEFAULT_DAYS 30

static int64_t seconds_of(const Value *s, const char *key_us) {
        int64_t us = 0;

        (void) value_get_int(s, key_us, &us);
        return us / 1000000;
}

static const char *pain_string(const Value *s, const char *key, char *buf, size_t size) {
        int64_t p;

        if (!value_get_int(s, key, &p) || p < 0)
                return "";
        (void) snprintf(buf, size, "%" PRId64, p);
        return buf;
}

/* ISO 8601 with the local offset: unambiguous for whoever reads the export. */
static const char *iso_time(int64_t t, char *buf, size_t size) {
        time_t tt = (time_t) t;
        struct tm tm;

        if (t <= 0 || !localtime_r(&tt, &tm) || strftime(buf, size, "%Y-%m-%dT%H:%M:%S%z", &tm) == 0)
                return "";
        return buf;
}

static void write_csv(const Value *sessions) {
        static const char *const columns[] = {
                HIST_ID, HIST_DEVICE, "start", "end", HIST_PROGRAM, HIST_PLANNED_S, HIST_SECONDS,
                HIST_HEAT_SECONDS, HIST_INTENSITY, HIST_HEAT, HIST_END_REASON, HIST_PAIN_BEFORE,
                HIST_PAIN_AFTER, HIST_NOTE,
        };

        for (size_t i = 0; i < ELEMENTSOF(columns); i++)
                printf("%s%s", i ? "," : "", columns[i]);
        printf("\r\n");
        for (size_t i = 0; i < sessions->c.n; i++) {
                const Value *s = sessions->c.items[i];

                for (size_t k = 0; k < ELEMENTSOF(columns); k++) {
                        char buf[64];
                        const char *text = "";

                        if (k > 0)
                                (void) putchar(',');
                        if (strcmp(columns[k], "start") == 0)
                                text = iso_time(seconds_of(s, HIST_START_US), buf, sizeof(buf));
                        else if (strcmp(columns[k], "end") == 0) {
                                bool open = false;
                                (void) value_get_bool(s, HIST_OPEN, &open);
                                text = open ? "" : iso_time(seconds_of(s, HIST_END_US), buf, sizeof(buf));
                        } else if (strcmp(columns[k], HIST_PAIN_BEFORE) == 0 ||
                                   strcmp(columns[k], HIST_PAIN_AFTER) == 0)
                                text = pain_string(s, columns[k], buf, sizeof(buf));
                        else {
                                const Value *v = value_object_get(s, columns[k]);
                                uint64_t u;
                                if (v && v->type == VALUE_STRING)
                                        text = v->s;
                                else if (value_as_uint(v, &u)) {
                                        (void) snprintf(buf, sizeof(buf), "%" PRIu64, u);
                                        text = buf;
                                }
                        }
                        csv_write_field(stdout, text);
                }
                printf("\r\n");
        }
}

static void print_table(Ctl *c, const Value *sessions) {
        _cleanup_table_ Table *t = NULL;

        if (sessions->c.n == 0) {
                printf(_("No sessions in that period.\n"));
                return;
        }
        t = table_new(8, "ID", "STARTED", "PROGRAM", "LENGTH", "HEAT", "ENDED", "PAIN", "NOTE");
        if (!t)
                return;
        for (size_t i = 0; i < sessions->c.n; i++) {
                const Value *s = sessions->c.items[i];
                char id[24], start[FORMAT_TIME_MAX], len[FORMAT_DURATION_MAX], heat[FORMAT_DURATION_MAX];
                char pain[64], pb[24], pa[24];
                const char *program = "-", *reason = "-", *note = "";
                uint64_t u = 0, secs = 0, hs = 0;
                bool open = false;

                (void) value_get_uint(s, HIST_ID, &u);
                (void) snprintf(id, sizeof(id), "%" PRIu64, u);
                (void) value_get_string(s, HIST_PROGRAM, &program);
                (void) value_get_string(s, HIST_END_REASON, &reason);
                (void) value_get_string(s, HIST_NOTE, &note);
                (void) value_get_uint(s, HIST_SECONDS, &secs);
                (void) value_get_uint(s, HIST_HEAT_SECONDS, &hs);
                (void) value_get_bool(s, HIST_OPEN, &open);
                const char *before = pain_string(s, HIST_PAIN_BEFORE, pb, sizeof(pb));
                const char *after = pain_string(s, HIST_PAIN_AFTER, pa, sizeof(pa));
                if (*before || *after)
                        (void) snprintf(pain, sizeof(pain), "%s→%s", *before ? before : "?", *after ? after : "?");
                else
                        (void) snprintf(pain, sizeof(pain), "-");
                (void) table_add_row(t, id, format_local_time(seconds_of(s, HIST_START_US), start), program,
                                     format_duration(secs, len), hs ? format_duration(hs, heat) : "-",
                                     open ? "running" : reason, pain, *note ? note : "-");
        }
        table_print(t, stdout);
        (void) c;
}

/* The safety events, for the same period: what was refused, cut off or changed, and why. */
static int print_events(Ctl *c, int64_t since, int64_t until, const char *export) {
        _cleanup_value_ Value *events = NULL;
        _cleanup_table_ Table *t = NULL;
        int r;

        r = api_events(c, since, until, &events);
        if (r < 0)
                return r;
        if (events->type != VALUE_ARRAY)
                return ctl_fail(c, EXIT_FAILURE_OTHER, -EBADMSG, _("massaged's events are not a list."));
        if (export && strcmp(export, "csv") == 0) {
                printf("time,kind,device,detail\r\n");
                for (size_t i = 0; i < events->c.n; i++) {
                        const Value *e = events->c.items[i];
                        const char *kind = "", *device = "", *detail = "";
                        char buf[64];

                        (void) value_get_string(e, EVENT_KIND, &kind);
                        (void) value_get_string(e, EVENT_DEVICE, &device);
                        (void) value_get_string(e, EVENT_DETAIL, &detail);
                        csv_write_field(stdout, iso_time(seconds_of(e, EVENT_TIME_US), buf, sizeof(buf)));
                        (void) putchar(',');
                        csv_write_field(stdout, kind);
                        (void) putchar(',');
                        csv_write_field(stdout, device);
                        (void) putchar(',');
                        csv_write_field(stdout, detail);
                        printf("\r\n");
                }
                return 0;
        }
        if (c->json || export) {
                _cleanup_value_ Value *root = value_new_object();
                if (!root || value_object_set(root, "events", STEAL_PTR(events)) < 0)
                        return ctl_fail(c, EXIT_FAILURE_OTHER, -ENOMEM, _("Out of memory."));
                ctl_print_json(root);
                return 0;
        }
        if (events->c.n == 0) {
                printf(_("No safety events in that period.\n"));
                return 0;
        }
        t = table_new(4, "TIME", "EVENT", "DEVICE", "DETAIL");
        if (!t)
                return ctl_fail(c, EXIT_FAILURE_OTHER, -ENOMEM, _("Out of memory."));
        for (size_t i = 0; i < events->c.n; i++) {
                const Value *e = events->c.items[i];
                const char *kind = "-", *device = "", *detail = "";
                char when[FORMAT_TIME_MAX];

                (void) value_get_string(e, EVENT_KIND, &kind);
                (void) value_get_string(e, EVENT_DEVICE, &device);
                (void) value_get_string(e, EVENT_DETAIL, &detail);
                if (table_add_row(t, format_local_time(seconds_of(e, EVENT_TIME_US), when), kind,
                                  *device ? device : "-", *detail ? detail : "-") < 0)
                        return ctl_fail(c, EXIT_FAILURE_OTHER, -ENOMEM, _("Out of memory."));
        }
        table_print(t, stdout);
        return 0;
}

int verb_history(Ctl *c, int argc, char *argv[]) {
        static const struct option options[] = {
                CTL_COMMON_OPTIONS,
                { "since",  required_argument, NULL, 's' },
                { "until",  required_argument, NULL, 'u' },
                { "export", required_argument, NULL, 'e' },
                { "events", no_argument,       NULL, 'E' },
                {}
        };
        bool events = false;
        _cleanup_value_ Value *sessions = NULL;
        const char *export = NULL;
        int64_t since = -1, until = 0;
        int opt, r;

        while ((opt = getopt_long(argc, argv, ":hs:u:e:", options, NULL)) >= 0)
                switch (opt) {
                case 's':
                        if (parse_local_date(optarg, &since) < 0)
                                return ctl_fail_usage(c, _("'%s' is not a date; use YYYY-MM-DD."), optarg);
                        break;
                case 'u':
                        if (parse_local_date(optarg, &until) < 0)
                                return ctl_fail_usage(c, _("'%s' is not a date; use YYYY-MM-DD."), optarg);
                        until += 24 * 3600;     /* through the end of that day */
                        break;
                case 'e':
                        if (strcmp(optarg, "csv") != 0 && strcmp(optarg, "json") != 0)
                                return ctl_fail_usage(c, _("can export 'csv' or 'json', not '%s'."), optarg);
                        export = optarg;
                        break;
                case 'E':
                        events = true;
                        break;
                CTL_COMMON_CASES(c, argv);
                }
        if (optind < argc)
                return ctl_fail_usage(c, _("unexpected argument '%s'."), argv[optind]);
        if (since < 0)
                since = export ? 0 : (until > 0 ? until : (int64_t) time(NULL)) - HISTORY_DEFAULT_DAYS * 24 * 3600;
        if (until > 0 && until <= since)
                return ctl_fail_usage(c, _("--until must come after --since."));
        if (events)
                return print_events(c, since, until, export);

        r = api_sessions(c, since, until, &sessions);
        if (r < 0)
                return r;
        if (sessions->type != VALUE_ARRAY)
                return ctl_fail(c, EXIT_FAILURE_OTHER, -EBADMSG, _("massaged's history is not a list of sessions."));
        if (export && strcmp(export, "csv") == 0)
                write_csv(sessions);
        else if (c->json || export) {
                _cleanup_value_ Value *root = value_new_object();
                if (!root || value_object_set(root, "sessions", STEAL_PTR(sessions)) < 0)
                        return ctl_fail(c, EXIT_FAILURE_OTHER, -ENOMEM, _("Out of memory."));
                ctl_print_json(root);
        } else
                print_table(c, sessions);
        return 0;
}
