/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * massagectl limits [set KEY VALUE]: the safety limits, with the range each
 * may take (its floor and hard limit, from Manager.DescribeLimits). A new
 * value is checked against that range here, before SetLimits is called;
 * massaged checks it again and has the last word.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ctl-api.h"
#include "ctl-format.h"
#include "ctl-parse.h"
#include "i18n.h"
#include "massagectl.h"

static const char *unit_suffix(const Value *d, char *buf, size_t size) {
        const char *unit = "";

        (void) value_get_string(d, "unit", &unit);
        if (strcmp(unit, "°C") == 0 && !locale_is_utf8())
                unit = "C";
        (void) snprintf(buf, size, "%s%s", *unit ? " " : "", unit);
        return buf;
}

static bool is_bool(const Value *d) {
        const char *type = "u";

        (void) value_get_string(d, "type", &type);
        return strcmp(type, "b") == 0;
}

static const char *value_string(const Value *d, const char *key, char *buf, size_t size) {
        char unit[16];
        uint64_t u = 0;

        if (!value_get_uint(d, key, &u))
                return "-";
        if (is_bool(d))
                return u ? "yes" : "no";
        (void) snprintf(buf, size, "%" PRIu64 "%s", u, unit_suffix(d, unit, sizeof(unit)));
        return buf;
}

static int print_limits(Ctl *c, Value *described) {
        _cleanup_table_ Table *t = NULL;

        if (c->json) {
                _cleanup_value_ Value *root = value_new_object();
                if (!root || value_object_set(root, "limits", described) < 0)
                        return ctl_fail(c, EXIT_FAILURE_OTHER, -ENOMEM, _("Out of memory."));
                ctl_print_json(root);
                return 0;
        }
        t = table_new(5, "LIMIT", "VALUE", "RANGE", "FROM", "MEANING");
        if (!t)
                return ctl_fail(c, EXIT_FAILURE_OTHER, -ENOMEM, _("Out of memory."));
        for (size_t i = 0; i < described->c.n; i++) {
                const Value *d = described->c.items[i];
                char v[32], range[64];
                const char *source = "-", *summary = "";

                (void) value_get_string(d, "source", &source);
                (void) value_get_string(d, "summary", &summary);
                if (is_bool(d))
                        (void) snprintf(range, sizeof(range), "yes/no");
                else {
                        uint64_t min = 0, max = 0;
                        char unit[16];
                        (void) value_get_uint(d, "min", &min);
                        (void) value_get_uint(d, "max", &max);
                        (void) snprintf(range, sizeof(range), "%" PRIu64 "-%" PRIu64 "%s", min, max,
                                        unit_suffix(d, unit, sizeof(unit)));
                }
                if (table_add_row(t, described->c.keys[i], value_string(d, "value", v, sizeof(v)), range, source,
                                  summary) < 0)
                        return ctl_fail(c, EXIT_FAILURE_OTHER, -ENOMEM, _("Out of memory."));
        }
        table_print(t, stdout);
        printf(_("Change one with 'massagectl limits set KEY VALUE'; the range ends at the hard limit.\n"));
        value_free(described);
        return 0;
}

static int parse_limit_value(Ctl *c, const char *key, const Value *d, const char *text, Value **ret) {
        char unit[16], lo[32], hi[32];
        uint64_t u, min = 0, max = UINT32_MAX;
        int b;

        if (is_bool(d)) {
                b = parse_boolean(text);
                if (b < 0)
                        return ctl_fail_usage(c, _("%s is yes or no, not '%s'."), key, text);
                *ret = value_new_bool(b);
                return *ret ? 0 : ctl_fail(c, EXIT_FAILURE_OTHER, -ENOMEM, _("Out of memory."));
        }
        (void) value_get_uint(d, "min", &min);
        (void) value_get_uint(d, "max", &max);
        unit_suffix(d, unit, sizeof(unit));
        if (parse_uint_range(text, 0, UINT32_MAX, &u) < 0) {
                /* Minutes may also be written as a duration ("1h", "90m"). */
                if (strcmp(unit, " min") == 0 && parse_duration(text, &u) >= 0 && u % 60 == 0)
                        u /= 60;
                else
                        return ctl_fail_usage(c, _("%s takes a whole number%s, not '%s'."), key, unit, text);
        }
        if (u < min || u > max)
                return ctl_fail_usage(c, "%s can be set from %s to %s, not %" PRIu64 "%s.", key,
                                      value_string(d, "min", lo, sizeof(lo)), value_string(d, "max", hi, sizeof(hi)),
                                      u, unit);
        *ret = value_new_uint(u);
        return *ret ? 0 : ctl_fail(c, EXIT_FAILURE_OTHER, -ENOMEM, _("Out of memory."));
}

int verb_limits(Ctl *c, int argc, char *argv[]) {
        static const struct option options[] = { CTL_COMMON_OPTIONS, {} };
        _cleanup_value_ Value *described = NULL, *after = NULL, *value = NULL;
        const char *key;
        const Value *d;
        int opt, r;

        while ((opt = getopt_long(argc, argv, ":h", options, NULL)) >= 0)
                switch (opt) {
                CTL_COMMON_CASES(c, argv);
                }
        if (optind < argc && strcmp(argv[optind], "set") != 0)
                return ctl_fail_usage(c, _("unknown action '%s'; use 'massagectl limits' or 'massagectl limits set "
                                      "KEY VALUE'."), argv[optind]);
        if (optind < argc && argc - optind != 3)
                return ctl_fail_usage(c, _("use 'massagectl limits set KEY VALUE', e.g. 'limits set daily_minutes 30'."));

        r = api_describe_limits(c, &described);
        if (r < 0)
                return r;
        if (described->type != VALUE_OBJECT)
                return ctl_fail(c, EXIT_FAILURE_OTHER, -EBADMSG, _("massaged's limits are not a dictionary."));
        if (optind >= argc)
                return print_limits(c, STEAL_PTR(described));

        key = argv[optind + 1];
        d = value_object_get(described, key);
        if (!d) {
                _cleanup_free_ char *keys = NULL;
                size_t len = 0;
                FILE *f = open_memstream(&keys, &len);
                for (size_t i = 0; f && i < described->c.n; i++)
                        (void) fprintf(f, "%s%s", i ? ", " : "", described->c.keys[i]);
                if (f)
                        (void) fclose(f);
                return ctl_fail_usage(c, _("no limit is called '%s'; the limits are: %s."), key, keys ?: "?");
        }
        r = parse_limit_value(c, key, d, argv[optind + 2], &value);
        if (r < 0)
                return r;
        r = api_set_limit(c, key, value);
        if (r < 0)
                return r;
        r = api_describe_limits(c, &after);
        if (r < 0)
                return r;
        if (c->json)
                return print_limits(c, STEAL_PTR(after));
        {
                char buf[32];
                printf(_("%s is now %s.\n"), key, value_string(value_object_get(after, key), "value", buf, sizeof(buf)));
        }
        return 0;
}
