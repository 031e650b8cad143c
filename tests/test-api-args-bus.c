/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The bus side of the a{sv} arguments (daemon/api-args-bus.c): real sd-bus
 * messages, built and sealed in-process (no bus daemon, nothing sent), read
 * into the dict. Each basic type must arrive with its value, containers by
 * their signature with the next entry still read right, and the dict's
 * bounds must come back as InvalidArgs. */

#include "config.h"

#include <errno.h>
#include <glib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <systemd/sd-bus.h>

#include "api-args-bus.h"

typedef struct Fixture {
        sd_bus *bus;
        int peer;
} Fixture;

/* A bus on one end of a socketpair: enough to create and seal messages. */
static void fixture_setup(Fixture *f, gconstpointer data) {
        int fds[2];

        g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, fds), ==, 0);
        g_assert_cmpint(sd_bus_new(&f->bus), >=, 0);
        g_assert_cmpint(sd_bus_set_fd(f->bus, fds[0], fds[0]), >=, 0);
        g_assert_cmpint(sd_bus_start(f->bus), >=, 0);
        f->peer = fds[1];
}

static void fixture_teardown(Fixture *f, gconstpointer data) {
        /* No flush: nobody answers the authentication on the other end, so a
         * flush would wait for sd-bus's timeout (a minute per test). */
        sd_bus_close_unref(f->bus);
        close(f->peer);
}

static sd_bus_message *new_call(Fixture *f) {
        sd_bus_message *m = NULL;
        g_assert_cmpint(sd_bus_message_new_method_call(f->bus, &m, "org.example", "/", "org.example", "M"), >=, 0);
        g_assert_cmpint(sd_bus_message_open_container(m, 'a', "{sv}"), >=, 0);
        return m;
}

/* Closes the a{sv}, seals the message and puts the read position at its start. */
static void seal(sd_bus_message *m) {
        g_assert_cmpint(sd_bus_message_close_container(m), >=, 0);
        g_assert_cmpint(sd_bus_message_seal(m, 1, 0), >=, 0);
        g_assert_cmpint(sd_bus_message_rewind(m, 1), >=, 0);
}

static void test_basic_types(Fixture *f, gconstpointer data) {
        sd_bus_message *m = new_call(f);
        sd_bus_error e = SD_BUS_ERROR_NULL;
        ApiArgs a;

        g_assert_cmpint(sd_bus_message_append(m, "{sv}", "y", "y", 200), >=, 0);
        g_assert_cmpint(sd_bus_message_append(m, "{sv}", "b", "b", 1), >=, 0);
        g_assert_cmpint(sd_bus_message_append(m, "{sv}", "n", "n", -2), >=, 0);
        g_assert_cmpint(sd_bus_message_append(m, "{sv}", "q", "q", 65535), >=, 0);
        g_assert_cmpint(sd_bus_message_append(m, "{sv}", "i", "i", -7), >=, 0);
        g_assert_cmpint(sd_bus_message_append(m, "{sv}", "u", "u", UINT32_C(4000000000)), >=, 0);
        g_assert_cmpint(sd_bus_message_append(m, "{sv}", "x", "x", -(INT64_C(1) << 40)), >=, 0);
        g_assert_cmpint(sd_bus_message_append(m, "{sv}", "t", "t", UINT64_C(1) << 63), >=, 0);
        g_assert_cmpint(sd_bus_message_append(m, "{sv}", "d", "d", 1.5), >=, 0);
        g_assert_cmpint(sd_bus_message_append(m, "{sv}", "s", "s", "gentle"), >=, 0);
        g_assert_cmpint(sd_bus_message_append(m, "{sv}", "o", "o", "/a/b"), >=, 0);
        g_assert_cmpint(sd_bus_message_append(m, "{sv}", "g", "g", "a{sv}"), >=, 0);
        seal(m);

        g_assert_cmpint(bus_read_api_args(m, API_ARGS_START, &a, &e), ==, 0);
        g_assert_false(sd_bus_error_is_set(&e));
        g_assert_cmpuint(a.n, ==, 12);
        for (size_t i = 0; i < a.n; i++) {
                g_assert_true(a.entries[i].basic);
                g_assert_cmpstr(a.entries[i].key, ==, a.entries[i].signature);
        }
        g_assert_cmpuint(a.entries[0].value.y, ==, 200);
        g_assert_true(a.entries[1].value.b);
        g_assert_cmpint(a.entries[2].value.n, ==, -2);
        g_assert_cmpuint(a.entries[3].value.q, ==, 65535);
        g_assert_cmpint(a.entries[4].value.i, ==, -7);
        g_assert_cmpuint(a.entries[5].value.u, ==, UINT32_C(4000000000));
        g_assert_cmpint(a.entries[6].value.x, ==, -(INT64_C(1) << 40));
        g_assert_cmpuint(a.entries[7].value.t, ==, UINT64_C(1) << 63);
        g_assert_cmpfloat(a.entries[8].value.d, ==, 1.5);
        g_assert_cmpstr(a.entries[9].value.s, ==, "gentle");
        g_assert_cmpstr(a.entries[10].value.s, ==, "/a/b");
        g_assert_cmpstr(a.entries[11].value.s, ==, "a{sv}");
        api_args_clear(&a);
        sd_bus_message_unref(m);
}

static void test_containers_skipped(Fixture *f, gconstpointer data) {
        sd_bus_message *m = new_call(f);
        sd_bus_error e = SD_BUS_ERROR_NULL;
        ApiArgs a;

        g_assert_cmpint(sd_bus_message_append(m, "{sv}", "list", "as", 2, "a", "b"), >=, 0);
        g_assert_cmpint(sd_bus_message_append(m, "{sv}", "intensity", "y", 3), >=, 0);
        g_assert_cmpint(sd_bus_message_append(m, "{sv}", "dict", "a{sv}", 1, "k", "u", 5), >=, 0);
        g_assert_cmpint(sd_bus_message_append(m, "{sv}", "pair", "(ii)", 1, 2), >=, 0);
        g_assert_cmpint(sd_bus_message_append(m, "{sv}", "nested", "v", "s", "x"), >=, 0);
        g_assert_cmpint(sd_bus_message_append(m, "{sv}", "heat", "y", 2), >=, 0);
        seal(m);

        g_assert_cmpint(bus_read_api_args(m, API_ARGS_START, &a, &e), ==, 0);
        g_assert_cmpuint(a.n, ==, 6);
        g_assert_false(a.entries[0].basic);
        g_assert_cmpstr(a.entries[0].signature, ==, "as");
        g_assert_cmpuint(a.entries[1].value.y, ==, 3);  /* read right after a skipped container */
        g_assert_cmpstr(a.entries[2].signature, ==, "a{sv}");
        g_assert_cmpstr(a.entries[3].signature, ==, "(ii)");
        g_assert_cmpstr(a.entries[4].signature, ==, "v");
        g_assert_cmpuint(a.entries[5].value.y, ==, 2);

        /* And the validator refuses the container by name. */
        ApiStartOptions o;
        char *why = NULL;
        g_assert_cmpint(api_start_options_parse(&a, 10, 4, &o, &why), ==, -EINVAL);
        g_assert_cmpstr(why, ==, "Unknown Start option 'list'; allowed: program (s), intensity (y), heat (y), "
                        "duration (u), tie_to_caller (b)");
        free(why);
        api_args_clear(&a);
        sd_bus_message_unref(m);
}

static void test_bounds(Fixture *f, gconstpointer data) {
        sd_bus_message *m = new_call(f);
        sd_bus_error e = SD_BUS_ERROR_NULL;
        ApiArgs a;
        char key[16];

        for (unsigned i = 0; i < 1000; i++) {
                g_snprintf(key, sizeof key, "k%u", i);
                g_assert_cmpint(sd_bus_message_append(m, "{sv}", key, "u", i), >=, 0);
        }
        seal(m);
        g_assert_cmpint(bus_read_api_args(m, API_ARGS_LIMITS, &a, &e), ==, -EINVAL);
        g_assert_cmpstr(e.name, ==, SD_BUS_ERROR_INVALID_ARGS);
        g_assert_cmpstr(e.message, ==, "SetLimits(): more than 32 entries in 'limits'; give each key at most once");
        g_assert_cmpuint(a.n, ==, API_ARGS_MAX_ENTRIES);        /* stopped there */
        api_args_clear(&a);
        sd_bus_error_free(&e);
        sd_bus_message_unref(m);

        m = new_call(f);
        g_assert_cmpint(sd_bus_message_append(m, "{sv}", "pacemaker", "b", 0), >=, 0);
        g_assert_cmpint(sd_bus_message_append(m, "{sv}", "pacemaker", "b", 1), >=, 0);
        seal(m);
        g_assert_cmpint(bus_read_api_args(m, API_ARGS_SCREENING, &a, &e), ==, -EINVAL);
        g_assert_cmpstr(e.name, ==, SD_BUS_ERROR_INVALID_ARGS);
        g_assert_cmpstr(e.message, ==, "screening answer 'pacemaker' given twice; give each key once");
        api_args_clear(&a);
        sd_bus_error_free(&e);
        sd_bus_message_unref(m);
}

static void test_not_a_dict(Fixture *f, gconstpointer data) {
        sd_bus_message *m = NULL;
        sd_bus_error e = SD_BUS_ERROR_NULL;
        ApiArgs a;

        g_assert_cmpint(sd_bus_message_new_method_call(f->bus, &m, "org.example", "/", "org.example", "M"), >=, 0);
        g_assert_cmpint(sd_bus_message_append(m, "s", "intensity"), >=, 0);
        g_assert_cmpint(sd_bus_message_seal(m, 1, 0), >=, 0);
        g_assert_cmpint(sd_bus_message_rewind(m, 1), >=, 0);
        /* A failed read is sd-bus's to answer (vtables check the signature before this). */
        g_assert_cmpint(bus_read_api_args(m, API_ARGS_START, &a, &e), <, 0);
        g_assert_cmpuint(a.n, ==, 0);
        api_args_clear(&a);
        sd_bus_error_free(&e);
        sd_bus_message_unref(m);
}

static void test_error_helper(void) {
        sd_bus_error e = SD_BUS_ERROR_NULL;

        g_assert_cmpint(bus_error_set_api_args(&e, -EINVAL, "Start option 'heat' 9 out of range 0–4 (0 = off)"), ==,
                        -EINVAL);
        g_assert_cmpstr(e.name, ==, SD_BUS_ERROR_INVALID_ARGS);
        g_assert_cmpstr(e.message, ==, "Start option 'heat' 9 out of range 0–4 (0 = off)");
        sd_bus_error_free(&e);
        /* Out of memory: no message to send, sd-bus answers the errno itself. */
        g_assert_cmpint(bus_error_set_api_args(&e, -ENOMEM, NULL), ==, -ENOMEM);
        g_assert_false(sd_bus_error_is_set(&e));
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        g_test_add("/api-args-bus/basic-types", Fixture, NULL, fixture_setup, test_basic_types, fixture_teardown);
        g_test_add("/api-args-bus/containers-skipped", Fixture, NULL, fixture_setup, test_containers_skipped,
                   fixture_teardown);
        g_test_add("/api-args-bus/bounds", Fixture, NULL, fixture_setup, test_bounds, fixture_teardown);
        g_test_add("/api-args-bus/not-a-dict", Fixture, NULL, fixture_setup, test_not_a_dict, fixture_teardown);
        g_test_add_func("/api-args-bus/error-helper", test_error_helper);
        return g_test_run();
}
