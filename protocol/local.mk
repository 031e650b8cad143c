# libmassager-protocol: the pure codec, shared by daemon, simulator and fuzzers.
noinst_LTLIBRARIES += protocol/libmassager-protocol.la
protocol_libmassager_protocol_la_SOURCES = protocol/codec.c
EXTRA_DIST += protocol/PROTOCOL.md

check_PROGRAMS += tests/test-codec
TESTS += tests/test-codec
tests_test_codec_SOURCES = tests/test-codec.c
tests_test_codec_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS)
tests_test_codec_LDADD = protocol/libmassager-protocol.la $(GLIB_LIBS)
