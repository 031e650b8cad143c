# libmassager-protocol: the pure codec, shared by daemon, simulator and fuzzers,
# with its versions' ops tables and the Control Point engine.
noinst_LTLIBRARIES += protocol/libmassager-protocol.la
protocol_libmassager_protocol_la_SOURCES = protocol/codec.c protocol/versions.c protocol/control-point.c
noinst_HEADERS += include/massager-control-point.h
EXTRA_DIST += protocol/PROTOCOL.md

check_PROGRAMS += tests/test-codec
TESTS += tests/test-codec
tests_test_codec_SOURCES = tests/test-codec.c
tests_test_codec_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS)
tests_test_codec_LDADD = protocol/libmassager-protocol.la $(GLIB_LIBS)

# The engine against a scripted peer: it links only protocol/.
check_PROGRAMS += tests/test-control-point
TESTS += tests/test-control-point
tests_test_control_point_SOURCES = tests/test-control-point.c
tests_test_control_point_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS)
tests_test_control_point_LDADD = protocol/libmassager-protocol.la $(GLIB_LIBS)
