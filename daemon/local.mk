# massaged: the daemon (BlueZ GATT client, device state machines, org.massaged1 API).
# Policy, ledger, config and programs come from daemon/safety/libmassaged-safety.la (daemon/safety.mk).
libexec_PROGRAMS += daemon/massaged
daemon_massaged_SOURCES = \
	daemon/main.c daemon/daemon.h \
	daemon/base/log.c daemon/base/log.h \
	daemon/safety-event.c daemon/safety-event.h \
	daemon/base/util.h daemon/base/timer-accuracy.h \
	daemon/base/address.c daemon/base/address.h \
	daemon/manager.c daemon/manager.h \
	daemon/idle.c daemon/idle.h \
	daemon/memory-trim.c daemon/memory-trim.h \
	daemon/notify.c daemon/notify.h \
	daemon/sleep-inhibit.c daemon/sleep-inhibit.h \
	daemon/zone-watch.c daemon/zone-watch.h \
	daemon/base/name-watch.c daemon/base/name-watch.h \
	daemon/discovery-clients.c daemon/discovery-clients.h \
	daemon/bluez/bluez.c daemon/bluez/bluez.h daemon/bluez/bluez-internal.h \
	daemon/bluez/bluez-objects.c daemon/bluez/bluez-discovery.c \
	daemon/bluez/bluez-agent.c \
	daemon/bluez/bluez-call.c daemon/bluez/bluez-call.h \
	daemon/device.c daemon/device.h daemon/device-props.h \
	daemon/device-commands.c \
	daemon/session.c daemon/session.h daemon/session-internal.h \
	daemon/session-plan.c \
	daemon/safety-glue.c daemon/safety-glue.h \
	daemon/bus-errors.c daemon/bus-errors.h \
	daemon/api-args-bus.c daemon/api-args-bus.h \
	daemon/manager-bus.c daemon/manager-bus.h \
	daemon/manager-devices.c daemon/manager-devices.h \
	daemon/manager-limits.c daemon/manager-limits.h \
	daemon/thermal-ack.c daemon/thermal-ack.h \
	daemon/device-bus.c daemon/device-bus.h \
	daemon/history-bus.c daemon/history-bus.h \
	daemon/texts-bus.c daemon/texts-bus.h \
	daemon/start-decision.c daemon/start-decision.h \
	daemon/start-summary.c daemon/start-summary.h \
	daemon/start-availability.c daemon/start-availability.h \
	daemon/safety-state.c daemon/safety-state.h \
	daemon/safety-state-bus.c daemon/safety-state-bus.h \
	daemon/start-bus.c daemon/start-bus.h
daemon_massaged_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/daemon -D_GNU_SOURCE
daemon_massaged_CFLAGS = $(AM_CFLAGS) $(SYSTEMD_CFLAGS) $(GLIB_CFLAGS) $(SQLITE_CFLAGS)
daemon_massaged_LDADD = daemon/safety/libmassaged-safety.la protocol/libmassager-protocol.la \
	$(SYSTEMD_LIBS) $(GLIB_LIBS) $(SQLITE_LIBS) -lm

# Integration tests: private dbus-daemons + massager-sim + massaged from the build
# tree, driven from Python + Gio, asserting the simulator's true device state.
DAEMON_INTEGRATION_TESTS = \
	tests/daemon/test-daemon-session.py \
	tests/daemon/test-daemon-faults.py \
	tests/daemon/test-daemon-crash.py \
	tests/daemon/test-daemon-api.py \
	tests/daemon/test-daemon-limits.py \
	tests/daemon/test-daemon-ramp.py \
	tests/daemon/test-daemon-bluez.py \
	tests/daemon/test-daemon-bluez-handshake.py \
	tests/daemon/test-daemon-commands.py \
	tests/daemon/test-daemon-device-faults.py \
	tests/daemon/test-daemon-activation.py \
	tests/daemon/test-daemon-storage.py \
	tests/daemon/test-daemon-attacks-storage.py \
	tests/daemon/test-daemon-clock.py \
	tests/daemon/test-daemon-args.py \
	tests/daemon/test-daemon-abuse.py \
	tests/daemon/test-daemon-notify.py \
	tests/daemon/test-daemon-sleep.py \
	tests/daemon/test-daemon-attacks-session.py \
	tests/daemon/test-daemon-attacks-ledger.py \
	tests/daemon/test-daemon-pause.py \
	tests/daemon/test-daemon-refusals.py \
	tests/daemon/test-daemon-i18n.py \
	tests/daemon/test-daemon-state-props.py \
	tests/daemon/test-daemon-memory.py
TESTS += $(DAEMON_INTEGRATION_TESTS)
dist_check_SCRIPTS += $(DAEMON_INTEGRATION_TESTS)
EXTRA_DIST += tests/lib/massaged_env.py tests/lib/fake_logind.py

# Writes past sessions through the ledger's API (tests seed a history with it).
check_PROGRAMS += tests/daemon/ledger-seed
tests_daemon_ledger_seed_SOURCES = tests/daemon/ledger-seed.c
tests_daemon_ledger_seed_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/daemon -I$(top_srcdir)/daemon/safety -I$(top_srcdir)/daemon/bluez -I$(top_srcdir)/daemon/base -D_GNU_SOURCE
tests_daemon_ledger_seed_LDADD = daemon/safety/libmassaged-safety.la protocol/libmassager-protocol.la \
	$(GLIB_LIBS) $(SQLITE_LIBS)

# The daemon's pure helpers (addresses, error mappings): a unit test linking only them.
check_PROGRAMS += tests/test-daemon-errors
TESTS += tests/test-daemon-errors
tests_test_daemon_errors_SOURCES = tests/test-daemon-errors.c \
	daemon/base/address.c daemon/bus-errors.c daemon/bluez/bluez-call.c daemon/base/log.c
tests_test_daemon_errors_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/daemon -I$(top_srcdir)/daemon/safety -I$(top_srcdir)/daemon/bluez -I$(top_srcdir)/daemon/base -D_GNU_SOURCE
tests_test_daemon_errors_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS) $(SYSTEMD_CFLAGS)
tests_test_daemon_errors_LDADD = protocol/libmassager-protocol.la $(GLIB_LIBS) $(SYSTEMD_LIBS)

# Safety events' MESSAGE_IDs and their stderr form (the catalog: tests/test-catalog.py).
check_PROGRAMS += tests/test-safety-event
TESTS += tests/test-safety-event
tests_test_safety_event_SOURCES = tests/test-safety-event.c daemon/safety-event.c daemon/base/log.c
tests_test_safety_event_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/daemon -I$(top_srcdir)/daemon/safety -I$(top_srcdir)/daemon/bluez -I$(top_srcdir)/daemon/base -D_GNU_SOURCE
tests_test_safety_event_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS) $(SYSTEMD_CFLAGS)
tests_test_safety_event_LDADD = $(GLIB_LIBS) $(SYSTEMD_LIBS)

# The bus side of the a{sv} arguments: sealed in-process sd-bus messages read
# into the dict (the rules themselves: tests/test-api-args, daemon/safety.mk).
check_PROGRAMS += tests/test-api-args-bus
TESTS += tests/test-api-args-bus
tests_test_api_args_bus_SOURCES = tests/test-api-args-bus.c \
	daemon/api-args-bus.c daemon/safety/api-args.c daemon/safety/safety-limits.c daemon/safety/screening.c
tests_test_api_args_bus_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/daemon -I$(top_srcdir)/daemon/safety -I$(top_srcdir)/daemon/bluez -I$(top_srcdir)/daemon/base -D_GNU_SOURCE
tests_test_api_args_bus_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS) $(SYSTEMD_CFLAGS)
tests_test_api_args_bus_LDADD = $(GLIB_LIBS) $(SYSTEMD_LIBS)
