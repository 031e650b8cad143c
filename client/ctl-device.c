/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ctl-api.h"
#include "ctl-device.h"
#include "ctl-format.h"
#include "i18n.h"

const char *device_battery_string(const Value *props, char *buf, size_t size) {
        uint64_t b;

        if (!value_get_uint(props, API_DEV_BATTERY, &b) || b > 100)
                return "-";
        (void) snprintf(buf, size, "%" PRIu64 " %%", b);
        return buf;
}

const char *device_temperature_string(const Value *props, char *buf, size_t size) {
        double t;

        if (!value_get_double(props, API_DEV_TEMPERATURE, &t) || !isfinite(t))
                return "-";
        return format_celsius(t, buf, size);
}

bool device_in_session(const Value *props) {
        const char *state = "";

        (void) value_get_string(props, API_DEV_STATE, &state);
        return strcmp(state, "running") == 0 || strcmp(state, "paused") == 0;
}

const char *device_remaining_string(const Value *props, char *buf, size_t size) {
        char d[FORMAT_DURATION_MAX];
        uint64_t s;

        if (!device_in_session(props) || !value_get_uint(props, API_DEV_REMAINING, &s))
                return "-";
        (void) snprintf(buf, size, "%s", format_duration(s, d));
        return buf;
}

const char *device_prop_string(const Value *props, const char *p, char *buf, size_t size) {
        const Value *v = value_object_get(props, p);
        uint64_t u;

        if (!v)
                return "-";
        if (v->type == VALUE_STRING)
                return *v->s ? v->s : "-";
        if (v->type == VALUE_BOOL)
                return v->b ? "yes" : "no";
        if (value_as_uint(v, &u)) {
                (void) snprintf(buf, size, "%" PRIu64, u);
                return buf;
        }
        if (v->type == VALUE_ARRAY) {
                size_t o = 0;
                buf[0] = '\0';
                for (size_t i = 0; i < v->c.n && o < size; i++)
                        if (v->c.items[i]->type == VALUE_STRING)
                                o += (size_t) snprintf(buf + o, size - o, "%s%s", o ? ", " : "", v->c.items[i]->s);
                return o ? buf : "-";
        }
        return "-";
}

static void line(const char *label, const char *value, const char *colour) {
        printf("%-12s %s%s%s\n", label, colour, value, *colour ? ansi_normal() : "");
}

void device_print_status(const Value *props) {
        char b1[64], b2[64], name[160];
        const char *address = "?", *n = "", *state = "", *conn = "";
        const char *colour = "";

        (void) value_get_string(props, API_DEV_ADDRESS, &address);
        (void) value_get_string(props, API_DEV_NAME, &n);
        (void) value_get_string(props, API_DEV_STATE, &state);
        (void) value_get_string(props, API_DEV_CONNECTION, &conn);
        if (*n)
                (void) snprintf(name, sizeof(name), "%s (%s)", address, n);
        else
                (void) snprintf(name, sizeof(name), "%s", address);

        line(_("Device"), name, ansi_bold());
        line(_("Connection"), *conn ? conn : "-", strcmp(conn, "ready") == 0 ? ansi_green() : ansi_yellow());
        line(_("Battery"), device_battery_string(props, b1, sizeof(b1)), "");
        if (strcmp(state, "fault") == 0)
                colour = ansi_red();
        else if (strcmp(state, "running") == 0)
                colour = ansi_green();
        line(_("State"), *state ? state : "-", colour);
        if (device_in_session(props)) {
                line(_("Program"), device_prop_string(props, API_DEV_PROGRAM, b1, sizeof(b1)), "");
                line(_("Pattern"), device_prop_string(props, API_DEV_PATTERN, b1, sizeof(b1)), "");
                line(_("Intensity"), device_prop_string(props, API_DEV_INTENSITY, b1, sizeof(b1)), "");
                line(_("Heat"), device_prop_string(props, API_DEV_HEAT, b1, sizeof(b1)), "");
                line(_("Remaining"), device_remaining_string(props, b2, sizeof(b2)), "");
        }
        line(_("Pad"), device_temperature_string(props, b1, sizeof(b1)), "");
        if (value_object_get(props, "Faults")) {
                const char *f = device_prop_string(props, "Faults", b1, sizeof(b1));
                if (strcmp(f, "-") != 0)
                        line(_("Faults"), f, ansi_red());
        }
}
