/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reading D-Bus replies into Values (client/ctl-bus-value.c), on messages
 * built and sealed locally: the shapes massaged sends (a{sv}, aa{sv},
 * a(ss), a{oa{sa{sv}}}, a{sa{sv}}, as) and the edges (empty containers,
 * NaN, bytes, numeric dictionary keys, the end of the message).
 */
#include <errno.h>
#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>
#include <systemd/sd-bus.h>

#include "ctl-bus-value.h"
#include "ctl-json.h"

static sd_bus *bus;

/* A bus object that never connects: enough to build and seal messages. */
static void setup_bus(void) {
        int fds[2];

        g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), ==, 0);
        g_assert_cmpint(sd_bus_new(&bus), ==, 0);
        g_assert_cmpint(sd_bus_set_fd(bus, fds[0], fds[0]), ==, 0);
        g_assert_cmpint(sd_bus_start(bus), >=, 0);
        close(fds[1]);
}

static sd_bus_message *new_message(void) {
        sd_bus_message *m = NULL;

        g_assert_cmpint(sd_bus_message_new_signal(bus, &m, "/t", "org.example.T", "S"), ==, 0);
        return m;
}

/* Seals m, reads every argument and returns them as compact JSON. */
static char *read_all(sd_bus_message *m) {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        bool first = true;
        int r;

        g_assert_cmpint(sd_bus_message_seal(m, 1, 0), ==, 0);
        g_assert_cmpint(sd_bus_message_rewind(m, true), >=, 0);
        for (;;) {
                Value *v = NULL;
                r = bus_message_read_value(m, &v);
                if (r == -ENXIO)
                        break;
                g_assert_cmpint(r, ==, 0);
                if (!first)
                        (void) fputc(' ', f);
                first = false;
                json_write(f, v, false);
                value_free(v);
        }
        (void) fclose(f);
        sd_bus_message_unref(m);
        return buf;
}

static void check(sd_bus_message *m, const char *want) {
        char *got = read_all(m);

        g_assert_cmpstr(got, ==, want);
        free(got);
}

static void test_basic(void) {
        sd_bus_message *m = new_message();

        g_assert_cmpint(sd_bus_message_append(m, "ybnqiuxtdsog", 255, 1, -2, 3, -4, 5u, (int64_t) -6,
                                              (uint64_t) 7, 38.5, "s\"", "/o/p", "a{sv}"), >=, 0);
        check(m, "255 true -2 3 -4 5 -6 7 38.5 \"s\\\"\" \"/o/p\" \"a{sv}\"");
}

static void test_asv(void) {
        sd_bus_message *m = new_message();

        /* Device.GetAll: a NaN temperature (no reading) becomes null, Faults an array. */
        g_assert_cmpint(sd_bus_message_append(m, "a{sv}", 4, "State", "s", "running", "Battery", "y", 90,
                                              "Temperature", "d", NAN, "Faults", "as", 2, "overheat", "sensor"),
                        >=, 0);
        check(m, "{\"State\":\"running\",\"Battery\":90,\"Temperature\":null,\"Faults\":[\"overheat\",\"sensor\"]}");
}

static void test_empty(void) {
        sd_bus_message *m = new_message();

        g_assert_cmpint(sd_bus_message_append(m, "a{sv}as", 0, 0), >=, 0);
        check(m, "{} []");
}

static void test_aasv(void) {
        sd_bus_message *m = new_message();

        /* History.GetSessions: a list of dictionaries. */
        g_assert_cmpint(sd_bus_message_open_container(m, 'a', "a{sv}"), >=, 0);
        for (unsigned i = 1; i <= 2; i++)
                g_assert_cmpint(sd_bus_message_append(m, "a{sv}", 2, "id", "t", (uint64_t) i, "pain_before", "i", -1),
                                >=, 0);
        g_assert_cmpint(sd_bus_message_close_container(m), >=, 0);
        check(m, "[{\"id\":1,\"pain_before\":-1},{\"id\":2,\"pain_before\":-1}]");
}

static void test_struct_array(void) {
        sd_bus_message *m = new_message();

        /* Manager.Discovered: a(ss). */
        g_assert_cmpint(sd_bus_message_append(m, "a(ss)", 2, "AA:BB:CC:DD:EE:01", "Massager", "AA:BB:CC:DD:EE:02", ""),
                        >=, 0);
        check(m, "[[\"AA:BB:CC:DD:EE:01\",\"Massager\"],[\"AA:BB:CC:DD:EE:02\",\"\"]]");
}

static void test_managed_objects(void) {
        sd_bus_message *m = new_message();

        /* ObjectManager.GetManagedObjects: a{oa{sa{sv}}}, two levels of dictionaries. */
        g_assert_cmpint(sd_bus_message_open_container(m, 'a', "{oa{sa{sv}}}"), >=, 0);
        g_assert_cmpint(sd_bus_message_open_container(m, 'e', "oa{sa{sv}}"), >=, 0);
        g_assert_cmpint(sd_bus_message_append(m, "o", "/org/massaged1/device/AA"), >=, 0);
        g_assert_cmpint(sd_bus_message_open_container(m, 'a', "{sa{sv}}"), >=, 0);
        g_assert_cmpint(sd_bus_message_append(m, "{sa{sv}}", "org.massaged1.Device", 1, "Address", "s", "AA"), >=, 0);
        g_assert_cmpint(sd_bus_message_append(m, "{sa{sv}}", "org.freedesktop.DBus.Peer", 0), >=, 0);
        g_assert_cmpint(sd_bus_message_close_container(m), >=, 0);
        g_assert_cmpint(sd_bus_message_close_container(m), >=, 0);
        g_assert_cmpint(sd_bus_message_close_container(m), >=, 0);
        check(m, "{\"/org/massaged1/device/AA\":{\"org.massaged1.Device\":{\"Address\":\"AA\"},"
                 "\"org.freedesktop.DBus.Peer\":{}}}");
}

static void test_numeric_keys_and_bytes(void) {
        sd_bus_message *m = new_message();

        g_assert_cmpint(sd_bus_message_append(m, "a{us}", 2, 7u, "seven", 8u, "eight"), >=, 0);
        g_assert_cmpint(sd_bus_message_append(m, "ay", 3, 1, 2, 255), >=, 0);
        g_assert_cmpint(sd_bus_message_append(m, "v", "v", "s", "nested"), >=, 0);
        check(m, "{\"7\":\"seven\",\"8\":\"eight\"} [1,2,255] \"nested\"");
}

static void test_end(void) {
        sd_bus_message *m = new_message();
        Value *v = NULL;

        g_assert_cmpint(sd_bus_message_seal(m, 1, 0), ==, 0);
        g_assert_cmpint(sd_bus_message_rewind(m, true), >=, 0);
        g_assert_cmpint(bus_message_read_value(m, &v), ==, -ENXIO);
        g_assert_null(v);
        sd_bus_message_unref(m);
}

static void test_value_copy_equal(void) {
        Value *o = value_new_object(), *c;

        value_object_set(o, "Faults", value_new_array());
        value_array_append(value_object_get(o, "Faults"), value_new_string("sensor"));
        value_object_set(o, "Temperature", value_new_double(NAN));
        c = value_copy(o);
        g_assert_true(value_equal(o, c));       /* NaN equals NaN here: "no reading" did not change */
        value_array_append(value_object_get(c, "Faults"), value_new_string("overheat"));
        g_assert_false(value_equal(o, c));
        g_assert_false(value_equal(o, NULL));
        g_assert_false(value_equal(value_object_get(o, "Temperature"), value_object_get(o, "Faults")));
        value_free(c);
        value_free(o);
}

int main(int argc, char *argv[]) {
        int r;

        g_test_init(&argc, &argv, NULL);
        setup_bus();
        g_test_add_func("/ctl/bus-value/basic", test_basic);
        g_test_add_func("/ctl/bus-value/asv", test_asv);
        g_test_add_func("/ctl/bus-value/empty", test_empty);
        g_test_add_func("/ctl/bus-value/aasv", test_aasv);
        g_test_add_func("/ctl/bus-value/struct-array", test_struct_array);
        g_test_add_func("/ctl/bus-value/managed-objects", test_managed_objects);
        g_test_add_func("/ctl/bus-value/numeric-keys-bytes-variants", test_numeric_keys_and_bytes);
        g_test_add_func("/ctl/bus-value/end", test_end);
        g_test_add_func("/ctl/value/copy-equal", test_value_copy_equal);
        r = g_test_run();
        sd_bus_flush_close_unref(bus);
        return r;
}
