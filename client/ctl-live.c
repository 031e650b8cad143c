/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <systemd/sd-event.h>
#include <time.h>
#include <unistd.h>

#include "ctl-api.h"
#include "ctl-bus.h"
#include "ctl-device.h"
#include "ctl-format.h"
#include "ctl-json.h"
#include "ctl-live.h"
#include "ctl-parse.h"
#include "i18n.h"
#include "massaged-dbus.h"

#define LIVE_MAX_DEVICES 64

typedef struct LiveDevice {
        char *path;
        Value *props;                   /* Device properties as last seen */
        uint64_t remaining_at;          /* CLOCK_MONOTONIC µs when Remaining was last reported */
        uint64_t total;                 /* planned seconds, for the bar */
        uint64_t printed_minute;        /* plain lines: Remaining is logged once per minute */
} LiveDevice;

struct Live {
        Ctl *c;
        LiveMode mode;
        char *only_path;
        sd_event *event;
        sd_bus *bus;
        sd_event_source *tick;          /* 1 s redraw of the countdown, terminal only */
        bool tty;
        unsigned drawn_lines;
        LiveDevice devices[LIVE_MAX_DEVICES];
        size_t n_devices;
        uint64_t planned;
        int result;
        bool done;
};

static uint64_t now_usec(void) {
        struct timespec ts;

        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000ULL;
}

static const char *address_of(const LiveDevice *d) {
        const char *a = NULL;

        if (value_get_string(d->props, API_DEV_ADDRESS, &a))
                return a;
        a = strrchr(d->path, '/');
        return a ? a + 1 : d->path;
}

static LiveDevice *live_device(Live *l, const char *path, bool create) {
        LiveDevice *d;

        for (size_t i = 0; i < l->n_devices; i++)
                if (strcmp(l->devices[i].path, path) == 0)
                        return &l->devices[i];
        if (!create || l->n_devices >= LIVE_MAX_DEVICES)
                return NULL;
        if (l->only_path && strcmp(l->only_path, path) != 0)
                return NULL;
        d = &l->devices[l->n_devices];
        *d = (LiveDevice) { .path = strdup(path), .props = value_new_object() };
        if (!d->path || !d->props) {
                free(d->path);
                value_free(d->props);
                return NULL;
        }
        d->total = l->planned;
        d->printed_minute = UINT64_MAX;
        l->n_devices++;
        return d;
}

/* Seconds left now, counting down locally between the daemon's reports. */
static uint64_t remaining_now(const LiveDevice *d) {
        uint64_t r = 0, elapsed;
        const char *state = "";

        if (!value_get_uint(d->props, API_DEV_REMAINING, &r))
                return 0;
        (void) value_get_string(d->props, API_DEV_STATE, &state);
        if (strcmp(state, "running") != 0)
                return r;
        elapsed = (now_usec() - d->remaining_at) / 1000000ULL;
        return elapsed >= r ? 0 : r - elapsed;
}

static void clock_string(char buf[static 16]) {
        time_t t = time(NULL);
        struct tm tm;

        if (!localtime_r(&t, &tm) || strftime(buf, 16, "%H:%M:%S", &tm) == 0)
                (void) snprintf(buf, 16, "--:--:--");
}

/* ---- terminal: a block per device, redrawn in place ------------------- */

/* One line of the view, clipped to the terminal so the redraw never wraps. */
static void draw_line(size_t width, const char *format, ...) _printf_(2, 3);
static void draw_line(size_t width, const char *format, ...) {
        _cleanup_free_ char *s = NULL;
        va_list ap;
        int r;

        va_start(ap, format);
        r = vasprintf(&s, format, ap);
        va_end(ap);
        if (r < 0)
                return;
        (void) fputs_clipped(s, width, stdout);
        (void) putchar('\n');
}

static size_t terminal_width(void) {
        struct winsize ws = {};

        if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) < 0 || ws.ws_col < 2)
                return SIZE_MAX;
        return ws.ws_col - 1u;  /* the last column would wrap on some terminals */
}

static void draw(Live *l) {
        size_t width = terminal_width();
        unsigned lines = 0;

        if (l->drawn_lines > 0)
                printf("\033[%uA\r\033[J", l->drawn_lines);
        for (size_t i = 0; i < l->n_devices; i++) {
                LiveDevice *d = &l->devices[i];
                char b1[32], b2[32], b3[32], b4[32], b5[32], bar[128], left[FORMAT_DURATION_MAX];
                const char *name = "", *state = "-";
                uint64_t rem = remaining_now(d), total = MAX(d->total, rem);
                double fraction = total > 0 ? 1.0 - (double) rem / (double) total : 0;

                (void) value_get_string(d->props, API_DEV_NAME, &name);
                (void) value_get_string(d->props, API_DEV_STATE, &state);
                draw_line(width, "%s%s%s %s  %s%s%s  battery %s", ansi_bold(), address_of(d), ansi_normal(), name,
                          strcmp(state, "fault") == 0 ? ansi_red() : ansi_green(), state, ansi_normal(),
                          device_battery_string(d->props, b5, sizeof(b5)));
                draw_line(width, "  program %s · pattern %s · intensity %s · heat %s · pad %s",
                          device_prop_string(d->props, API_DEV_PROGRAM, b1, sizeof(b1)),
                          device_prop_string(d->props, API_DEV_PATTERN, b2, sizeof(b2)),
                          device_prop_string(d->props, API_DEV_INTENSITY, b3, sizeof(b3)),
                          device_prop_string(d->props, API_DEV_HEAT, b4, sizeof(b4)),
                          device_temperature_string(d->props, b5, sizeof(b5)));
                if (device_in_session(d->props))
                        draw_line(width, "  %s %s left", format_bar(fraction, 30, locale_is_utf8(), bar, sizeof(bar)),
                                  format_duration(rem, left));
                else
                        draw_line(width, "  no session");
                lines += 3;
        }
        if (l->mode == LIVE_WAIT) {
                draw_line(width, "%sCtrl-C stops the session.%s", ansi_grey(), ansi_normal());
                lines++;
        }
        l->drawn_lines = lines;
        (void) fflush(stdout);
}

/* ---- plain lines and JSON lines --------------------------------------- */

static void print_changes(Live *l, LiveDevice *d, const Value *changed) {
        char t[16];
        bool any = false;

        if (l->c->json) {
                _cleanup_value_ Value *o = value_new_object();
                if (!o)
                        return;
                (void) value_object_set(o, "event", value_new_string("changed"));
                (void) value_object_set(o, "time", value_new_int((int64_t) time(NULL)));
                (void) value_object_set(o, "device", value_new_string(address_of(d)));
                for (size_t i = 0; i < changed->c.n; i++)
                        (void) value_object_set(o, changed->c.keys[i], value_copy(changed->c.items[i]));
                json_write(stdout, o, false);
                (void) fputc('\n', stdout);
                (void) fflush(stdout);
                return;
        }

        clock_string(t);
        for (size_t i = 0; i < changed->c.n; i++) {
                const char *k = changed->c.keys[i];
                char buf[64], dur[FORMAT_DURATION_MAX];
                const char *text;
                uint64_t u;

                if (strcmp(k, API_DEV_REMAINING) == 0) {
                        /* Once a minute is enough for a log (the terminal view counts every
                         * second), unless something else changed with it. */
                        if (!value_as_uint(changed->c.items[i], &u) ||
                            (changed->c.n == 1 && (u % 60 != 0 || u / 60 == d->printed_minute)))
                                continue;
                        d->printed_minute = u / 60;
                        text = format_duration(u, dur);
                } else if (strcmp(k, API_DEV_TEMPERATURE) == 0)
                        text = device_temperature_string(changed, buf, sizeof(buf));
                else if (strcmp(k, API_DEV_BATTERY) == 0)
                        text = device_battery_string(changed, buf, sizeof(buf));
                else
                        text = device_prop_string(changed, k, buf, sizeof(buf));
                if (!any)
                        printf("%s %s", t, address_of(d));
                any = true;
                printf(" %s=%s", k, text);
        }
        if (any) {
                (void) putchar('\n');
                (void) fflush(stdout);
        }
}

static void print_starting_picture(Live *l, LiveDevice *d, const Value *o) {
        char t[16];

        clock_string(t);
        printf("%s %s", t, address_of(d));
        for (size_t i = 0; i < o->c.n; i++) {
                const char *k = o->c.keys[i];
                char buf[64], dur[FORMAT_DURATION_MAX];
                uint64_t u;
                const char *text;

                if (strcmp(k, API_DEV_REMAINING) == 0 && value_as_uint(o->c.items[i], &u)) {
                        text = format_duration(u, dur);
                        d->printed_minute = u / 60;
                }
                else if (strcmp(k, API_DEV_TEMPERATURE) == 0)
                        text = device_temperature_string(o, buf, sizeof(buf));
                else if (strcmp(k, API_DEV_BATTERY) == 0)
                        text = device_battery_string(o, buf, sizeof(buf));
                else
                        text = device_prop_string(o, k, buf, sizeof(buf));
                printf(" %s=%s", k, text);
        }
        (void) putchar('\n');
        (void) fflush(stdout);
}

static void print_session_ended(Live *l, LiveDevice *d, uint64_t id, const char *reason, uint32_t seconds) {
        char t[16], dur[FORMAT_DURATION_MAX];

        if (l->c->json) {
                _cleanup_value_ Value *o = value_new_object();
                if (!o)
                        return;
                (void) value_object_set(o, "event", value_new_string("session-ended"));
                (void) value_object_set(o, "time", value_new_int((int64_t) time(NULL)));
                (void) value_object_set(o, "device", value_new_string(address_of(d)));
                (void) value_object_set(o, "session", value_new_uint(id));
                (void) value_object_set(o, "reason", value_new_string(reason));
                (void) value_object_set(o, "seconds", value_new_uint(seconds));
                json_write(stdout, o, false);
                (void) fputc('\n', stdout);
        } else {
                if (l->tty)
                        l->drawn_lines = 0;     /* keep the last view on screen above the message */
                clock_string(t);
                /* The one end nobody asked for at that moment: say why. */
                printf("%s %s session %" PRIu64 " ended: %s%s after %s\n", t, address_of(d), id, reason,
                       strcmp(reason, "pause_timeout") == 0 ? " (paused for the longest pause, pause_minutes)" : "",
                       format_duration(seconds, dur));
        }
        (void) fflush(stdout);
}

/* What a session's end means for `start --wait`'s exit code. */
static int exit_code_for_end(const char *reason) {
        static const char *const device_reasons[] = {
                "thermal_cutoff", "sensor_fault", "device_fault", "link_lost", "battery", "interrupted",
        };

        for (size_t i = 0; i < ELEMENTSOF(device_reasons); i++)
                if (strcmp(reason, device_reasons[i]) == 0)
                        return EXIT_DEVICE;
        if (strcmp(reason, "limit") == 0)
                return EXIT_POLICY;
        if (strcmp(reason, "shutdown") == 0)
                return EXIT_UNREACHABLE;
        return EXIT_OK;
}

/* ---- bus events ------------------------------------------------------- */

static int merge_changes(Live *l, LiveDevice *d, const Value *changed) {
        for (size_t i = 0; i < changed->c.n; i++) {
                const Value *v = changed->c.items[i];

                if (value_object_set(d->props, changed->c.keys[i], value_copy(v)) < 0)
                        return -ENOMEM;
                if (strcmp(changed->c.keys[i], API_DEV_REMAINING) == 0) {
                        uint64_t rem;
                        d->remaining_at = now_usec();
                        if (value_as_uint(v, &rem) && rem > d->total)
                                d->total = rem;
                }
        }
        return 0;
}

static int on_properties_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Live *l = userdata;
        _cleanup_value_ Value *changed = NULL;
        LiveDevice *d;
        const char *interface;
        int r;

        d = live_device(l, sd_bus_message_get_path(m), true);
        if (!d)
                return 0;
        r = sd_bus_message_read(m, "s", &interface);
        if (r < 0 || strcmp(interface, MASSAGED_DEVICE_INTERFACE) != 0)
                return 0;
        r = bus_message_read_value(m, &changed);
        if (r < 0 || changed->type != VALUE_OBJECT)
                return 0;       /* a malformed signal is not worth dying for */
        /* A log line says what changed: drop values equal to what we knew. */
        for (size_t i = 0; i < changed->c.n;)
                if (value_equal(changed->c.items[i], value_object_get(d->props, changed->c.keys[i])) &&
                    strcmp(changed->c.keys[i], API_DEV_REMAINING) != 0) {
                        value_free(changed->c.items[i]);
                        free(changed->c.keys[i]);
                        memmove(changed->c.items + i, changed->c.items + i + 1,
                                (changed->c.n - i - 1) * sizeof(Value *));
                        memmove(changed->c.keys + i, changed->c.keys + i + 1,
                                (changed->c.n - i - 1) * sizeof(char *));
                        changed->c.n--;
                } else
                        i++;
        if (merge_changes(l, d, changed) < 0)
                return 0;
        if (l->tty && !l->c->json)
                draw(l);
        else if (changed->c.n > 0)
                print_changes(l, d, changed);
        return 0;
}

static int on_session_ended(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Live *l = userdata;
        LiveDevice *d;
        const char *reason;
        uint64_t id;
        uint32_t seconds;
        int r;

        d = live_device(l, sd_bus_message_get_path(m), true);
        if (!d)
                return 0;
        r = sd_bus_message_read(m, "tsu", &id, &reason, &seconds);
        if (r < 0)
                return 0;
        if (l->tty && !l->c->json)
                draw(l);
        print_session_ended(l, d, id, reason, seconds);
        if (l->mode == LIVE_WAIT) {
                l->result = exit_code_for_end(reason);
                l->done = true;
                (void) sd_event_exit(l->event, 0);
        }
        return 0;
}

static int on_name_owner_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Live *l = userdata;
        const char *name, *old_owner, *new_owner;

        if (sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner) < 0 || *new_owner)
                return 0;
        if (l->tty && !l->c->json)
                l->drawn_lines = 0;
        l->result = ctl_fail(l->c, EXIT_UNREACHABLE, -ESHUTDOWN,
                             _("massaged left the bus%s."),
                             l->mode == LIVE_WAIT ? "; the massager stops by itself within seconds" : "");
        l->done = true;
        return sd_event_exit(l->event, 0);
}

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Live *l = userdata;

        if (l->tty && !l->c->json) {
                l->drawn_lines = 0;
                (void) putchar('\n');
        }
        if (l->mode == LIVE_WAIT && l->only_path) {
                /* tie_to_caller would stop it when we leave, but say so explicitly and at once. */
                int r = api_stop(l->c, l->only_path);
                if (r < 0) {
                        l->result = r;
                        l->done = true;
                        return sd_event_exit(l->event, 0);
                }
                if (!l->c->json)
                        printf(_("Stopped.\n"));
        }
        l->result = l->mode == LIVE_WAIT ? EXIT_INTERRUPTED : EXIT_OK;
        l->done = true;
        return sd_event_exit(l->event, 0);
}

static int on_tick(sd_event_source *s, uint64_t usec, void *userdata) {
        Live *l = userdata;

        draw(l);
        (void) sd_event_source_set_time(s, usec + 1000000ULL);
        return 0;
}

/* Bus, event loop, matches and signals for a new Live; failures recorded in l->c. */
static int live_setup(Live *l) {
        Ctl *c = l->c;
        const char *only_path = l->only_path;
        int r;

        r = ctl_bus(c, &l->bus);
        if (r < 0)
                return r;
        r = sd_event_default(&l->event);
        if (r < 0)
                return ctl_fail(c, EXIT_FAILURE_OTHER, r, _("Cannot set up the event loop: %s."), strerror(-r));

        /* Matches are added synchronously, so no signal after this point is missed. */
        r = sd_bus_match_signal(l->bus, NULL, MASSAGED_BUS_NAME, only_path, "org.freedesktop.DBus.Properties",
                                "PropertiesChanged", on_properties_changed, l);
        if (r >= 0)
                r = sd_bus_match_signal(l->bus, NULL, MASSAGED_BUS_NAME, only_path, MASSAGED_DEVICE_INTERFACE,
                                        "SessionEnded", on_session_ended, l);
        if (r >= 0)
                r = sd_bus_add_match(l->bus, NULL,
                                     "type='signal',sender='org.freedesktop.DBus',interface='org.freedesktop.DBus',"
                                     "member='NameOwnerChanged',arg0='" MASSAGED_BUS_NAME "'",
                                     on_name_owner_changed, l);
        if (r < 0)
                return ctl_fail(c, EXIT_UNREACHABLE, r, _("Cannot subscribe to massaged's signals: %s."), strerror(-r));
        r = sd_bus_attach_event(l->bus, l->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return ctl_fail(c, EXIT_FAILURE_OTHER, r, _("Cannot attach the bus to the event loop: %s."),
                                strerror(-r));
        /* Ctrl-C, a closed terminal (SIGHUP) and SIGTERM end the view (and, for --wait, the session). */
        for (int sig = 0, sigs[] = { SIGINT, SIGTERM, SIGHUP }; sig < 3; sig++) {
                r = sd_event_add_signal(l->event, NULL, sigs[sig] | SD_EVENT_SIGNAL_PROCMASK, on_signal, l);
                if (r < 0)
                        return ctl_fail(c, EXIT_FAILURE_OTHER, r, _("Cannot watch signals: %s."), strerror(-r));
        }
        return 0;
}

int live_new(Ctl *c, LiveMode mode, const char *only_path, Live **ret) {
        Live *l;
        int r;

        l = calloc(1, sizeof(Live));
        if (!l)
                return ctl_fail(c, EXIT_FAILURE_OTHER, -ENOMEM, _("Out of memory."));
        l->c = c;
        l->mode = mode;
        l->tty = isatty(STDOUT_FILENO);
        if (only_path) {
                l->only_path = strdup(only_path);
                if (!l->only_path) {
                        live_free(l);
                        return ctl_fail(c, EXIT_FAILURE_OTHER, -ENOMEM, _("Out of memory."));
                }
        }
        r = live_setup(l);
        if (r < 0) {
                live_free(l);
                return r;
        }
        *ret = l;
        return 0;
}

void live_set_planned(Live *l, uint64_t seconds) {
        l->planned = seconds;
        for (size_t i = 0; i < l->n_devices; i++)
                l->devices[i].total = MAX(l->devices[i].total, seconds);
}

Live *live_free(Live *l) {
        if (!l)
                return NULL;
        for (size_t i = 0; i < l->n_devices; i++) {
                free(l->devices[i].path);
                value_free(l->devices[i].props);
        }
        sd_event_source_disable_unref(l->tick);
        if (l->bus)
                (void) sd_bus_detach_event(l->bus);
        sd_event_unref(l->event);
        free(l->only_path);
        free(l);
        return NULL;
}

/* The starting picture: every watched device's current properties. */
static int load_devices(Live *l) {
        _cleanup_value_ Value *list = NULL;
        int r;

        r = api_list_devices(l->c, &list);
        if (r < 0)
                return r;
        for (size_t i = 0; i < list->c.n; i++) {
                _cleanup_free_ char *path = NULL;
                char address[ADDRESS_STRING_MAX];
                const char *a;
                LiveDevice *d;

                if (!value_get_string(list->c.items[i], API_DEV_ADDRESS, &a) || parse_address(a, address) < 0)
                        continue;
                path = address_to_object_path(address);
                if (!path)
                        return ctl_fail(l->c, EXIT_FAILURE_OTHER, -ENOMEM, _("Out of memory."));
                d = live_device(l, path, true);
                if (!d)
                        continue;
                if (merge_changes(l, d, list->c.items[i]) < 0)
                        return ctl_fail(l->c, EXIT_FAILURE_OTHER, -ENOMEM, _("Out of memory."));
        }
        if (l->only_path && l->n_devices == 0)
                return ctl_fail(l->c, EXIT_NOT_FOUND, -ENODEV, _("No massager %s is known to massaged."),
                                l->c->device ?: l->only_path);
        return 0;
}

int live_run(Live *l) {
        int r;

        r = load_devices(l);
        if (r < 0)
                return r;
        if (l->tty && !l->c->json) {
                draw(l);
                r = sd_event_add_time(l->event, &l->tick, CLOCK_MONOTONIC, now_usec() + 1000000ULL, 100000ULL,
                                      on_tick, l);
                if (r < 0)
                        return ctl_fail(l->c, EXIT_FAILURE_OTHER, r, _("Cannot set a timer: %s."), strerror(-r));
        } else if (!l->c->json) {
                /* The starting picture, in one line per device: what a reader needs first. */
                static const char *const first[] = {
                        API_DEV_CONNECTION, API_DEV_STATE, API_DEV_BATTERY, API_DEV_PROGRAM, API_DEV_INTENSITY,
                        API_DEV_HEAT, API_DEV_TEMPERATURE, API_DEV_REMAINING,
                };
                for (size_t i = 0; i < l->n_devices; i++) {
                        _cleanup_value_ Value *o = value_new_object();
                        for (size_t k = 0; o && k < ELEMENTSOF(first); k++) {
                                const Value *v = value_object_get(l->devices[i].props, first[k]);
                                if (v)
                                        (void) value_object_set(o, first[k], value_copy(v));
                        }
                        if (o && o->c.n > 0)
                                print_starting_picture(l, &l->devices[i], o);
                }
        }
        r = sd_event_loop(l->event);
        if (r < 0)
                return ctl_fail(l->c, EXIT_FAILURE_OTHER, r, _("The event loop failed: %s."), strerror(-r));
        return l->result;
}
