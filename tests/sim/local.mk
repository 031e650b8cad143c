# massager-sim: a simulated massager behind a BlueZ-compatible D-Bus surface
# (SPEC §6), its firmware model's unit tests and its conformance tests.

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
