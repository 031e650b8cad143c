# massager-sim: a simulated massager behind a BlueZ-compatible D-Bus surface
# (tests/sim/README.md), its firmware model's unit tests and its conformance tests.

# The firmware model is pure, so its unit test links it without any bus code.
noinst_LTLIBRARIES += tests/sim/libsim-firmware.la
tests_sim_libsim_firmware_la_SOURCES = tests/sim/firmware.c tests/sim/firmware.h
tests_sim_libsim_firmware_la_LIBADD = protocol/libmassager-protocol.la -lm

check_PROGRAMS += tests/test-sim-firmware
TESTS += tests/test-sim-firmware
tests_test_sim_firmware_SOURCES = tests/test-sim-firmware.c
tests_test_sim_firmware_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/sim
tests_test_sim_firmware_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS)
tests_test_sim_firmware_LDADD = tests/sim/libsim-firmware.la $(GLIB_LIBS)

# The simulator itself, built with `make` (the demo runs it from the build tree).
noinst_PROGRAMS += tests/sim/massager-sim
tests_sim_massager_sim_SOURCES = \
	tests/sim/main.c \
	tests/sim/sim.c tests/sim/sim.h \
	tests/sim/sim-device.c \
	tests/sim/adapter-bus.c \
	tests/sim/device-bus.c \
	tests/sim/gatt.c tests/sim/gatt.h \
	tests/sim/service-bus.c \
	tests/sim/characteristic-bus.c \
	tests/sim/descriptor-bus.c \
	tests/sim/battery-bus.c \
	tests/sim/agent-bus.c \
	tests/sim/control-bus.c \
	tests/sim/command-log.c \
	tests/sim/bluez-error.h \
	tests/sim/peripheral.c tests/sim/peripheral.h \
	tests/sim/peripheral-gatt-bus.c \
	tests/sim/peripheral-advert-bus.c \
	tests/sim/peripheral-agent-bus.c \
	tests/sim/peripheral-control-bus.c
tests_sim_massager_sim_CFLAGS = $(AM_CFLAGS) $(SYSTEMD_CFLAGS)
tests_sim_massager_sim_LDADD = tests/sim/libsim-firmware.la $(SYSTEMD_LIBS) -lm

# Integration tests: Python + Gio against the sim on a private bus. The
# shared harness in tests/lib/ is for every component's integration tests.
EXTRA_DIST += tests/lib/harness.py tests/lib/sim.py tests/lib/protocol.py tests/sim/README.md
dist_check_SCRIPTS += tests/sim/test-sim-conformance.py tests/sim/test-sim-faults.py \
	tests/sim/test-sim-bluetoothctl.py
TESTS += tests/sim/test-sim-conformance.py tests/sim/test-sim-faults.py \
	tests/sim/test-sim-bluetoothctl.py
