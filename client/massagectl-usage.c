/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * massagectl usage [--week|--month]: minutes per day as a bar chart against
 * the daily cap, so a glance shows how close each day came to the limit.
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
#include "i18n.h"
#include "massagectl.h"

#define CHART_WIDTH 30

/* Local midnight `days_ago` days before today (mktime handles DST and month ends). */
static int64_t local_midnight(int days_ago) {
        time_t now = time(NULL);
        struct tm tm;

        if (!localtime_r(&now, &tm))
                return 0;
        tm.tm_mday -= days_ago;
        tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
        tm.tm_isdst = -1;
        return (int64_t) mktime(&tm);
}

/* The entry of `days` whose day starts at `midnight`, or NULL. */
static const Value *day_entry(const Value *days, int64_t midnight) {
        for (size_t i = 0; i < days->c.n; i++) {
                int64_t us;
                if (value_get_int(days->c.items[i], DAY_START_US, &us) && us / 1000000 == midnight)
                        return days->c.items[i];
        }
        return NULL;
}

static void print_chart(const Value *days, int n_days, uint64_t cap_min, uint64_t cap_sessions) {
        bool utf8 = locale_is_utf8();
        uint64_t total_s = 0, used_days = 0;

        printf(_("%sMinutes per day, last %d days%s (daily cap %" PRIu64 " min, %" PRIu64 " sessions)\n"),
               ansi_bold(), n_days, ansi_normal(), cap_min, cap_sessions);
        for (int i = n_days - 1; i >= 0; i--) {
                int64_t midnight = local_midnight(i);
                const Value *e = day_entry(days, midnight);
                uint64_t secs = 0, sessions = 0, minutes;
                char label[32], bar[CHART_WIDTH * 3 + 1];
                time_t t = (time_t) midnight;
                struct tm tm;
                const char *colour = "";

                (void) value_get_uint(e, DAY_SECONDS, &secs);
                (void) value_get_uint(e, DAY_SESSIONS, &sessions);
                minutes = (secs + 59) / 60;     /* a started minute counts, as the policy counts it */
                total_s += secs;
                used_days += secs > 0;
                if (i == 0)
                        (void) snprintf(label, sizeof(label), "today");
                else if (!localtime_r(&t, &tm) || strftime(label, sizeof(label), "%a %d %b", &tm) == 0)
                        (void) snprintf(label, sizeof(label), "?");
                if (cap_min > 0 && minutes >= cap_min)
                        colour = ansi_yellow();
                format_bar(cap_min > 0 ? (double) minutes / (double) cap_min : 0, CHART_WIDTH, utf8, bar, sizeof(bar));
                printf("%-10s  %s%s%s %3" PRIu64 " min", label, colour, bar, ansi_normal(), minutes);
                if (sessions > 0)
                        printf("  %" PRIu64 " session%s", sessions, sessions == 1 ? "" : "s");
                (void) putchar('\n');
        }
        printf(ngettext("Total %" PRIu64 " min on %" PRIu64 " day.\n",
                        "Total %" PRIu64 " min on %" PRIu64 " days.\n", used_days),
               (total_s + 59) / 60, used_days);
}

int verb_usage(Ctl *c, int argc, char *argv[]) {
        static const struct option options[] = {
                CTL_COMMON_OPTIONS,
                { "week",  no_argument, NULL, 'w' },
                { "month", no_argument, NULL, 'm' },
                {}
        };
        _cleanup_value_ Value *days = NULL, *limits = NULL;
        uint64_t cap_min = 0, cap_sessions = 0;
        int n_days = 7, opt, r;

        while ((opt = getopt_long(argc, argv, ":h", options, NULL)) >= 0)
                switch (opt) {
                case 'w':
                        n_days = 7;
                        break;
                case 'm':
                        n_days = 30;
                        break;
                CTL_COMMON_CASES(c, argv);
                }
        if (optind < argc)
                return ctl_fail_usage(c, _("unexpected argument '%s'."), argv[optind]);

        /* [first midnight, tomorrow's midnight): today included, and at most the 366 days massaged serves. */
        r = api_daily_usage(c, local_midnight(n_days - 1), local_midnight(-1), &days);
        if (r < 0)
                return r;
        if (days->type != VALUE_ARRAY)
                return ctl_fail(c, EXIT_FAILURE_OTHER, -EBADMSG, _("massaged's usage is not a list of days."));
        r = api_get_limits(c, &limits);
        if (r < 0)
                return r;
        (void) value_get_uint(limits, LIMIT_DAILY_MINUTES_KEY, &cap_min);
        (void) value_get_uint(limits, LIMIT_DAILY_SESSIONS_KEY, &cap_sessions);
        if (c->json) {
                _cleanup_value_ Value *root = value_new_object();
                if (!root)
                        return ctl_fail(c, EXIT_FAILURE_OTHER, -ENOMEM, _("Out of memory."));
                (void) value_object_set(root, "days", STEAL_PTR(days));
                (void) value_object_set(root, LIMIT_DAILY_MINUTES_KEY, value_new_uint(cap_min));
                (void) value_object_set(root, LIMIT_DAILY_SESSIONS_KEY, value_new_uint(cap_sessions));
                ctl_print_json(root);
                return 0;
        }
        print_chart(days, n_days, cap_min, cap_sessions);
        return 0;
}
