# libFuzzer targets, one per decoder of outside input (--enable-fuzzing, clang).
# `make fuzz FUZZ_SECONDS=N` runs each for N seconds (tests/fuzz/run-fuzzers).
EXTRA_DIST += tests/fuzz/run-fuzzers tests/fuzz/corpus

if ENABLE_FUZZING
FUZZ_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_LINK = $(AM_LDFLAGS) -fsanitize=fuzzer,address,undefined

FUZZ_TARGETS += tests/fuzz/fuzz-frame tests/fuzz/fuzz-command tests/fuzz/fuzz-message tests/fuzz/fuzz-device-info \
	tests/fuzz/fuzz-control-point
noinst_PROGRAMS += $(FUZZ_TARGETS)

# The codec is compiled into each target with the fuzzer's instrumentation.
tests_fuzz_fuzz_frame_SOURCES = tests/fuzz/fuzz-frame.c protocol/codec.c
tests_fuzz_fuzz_frame_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_frame_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_command_SOURCES = tests/fuzz/fuzz-command.c protocol/codec.c
tests_fuzz_fuzz_command_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_command_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_message_SOURCES = tests/fuzz/fuzz-message.c protocol/codec.c
tests_fuzz_fuzz_message_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_message_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_device_info_SOURCES = tests/fuzz/fuzz-device-info.c protocol/codec.c
tests_fuzz_fuzz_device_info_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_device_info_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_control_point_SOURCES = tests/fuzz/fuzz-control-point.c \
	protocol/control-point.c protocol/versions.c protocol/codec.c
tests_fuzz_fuzz_control_point_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_control_point_LDFLAGS = $(FUZZ_LINK)
endif

fuzz: $(FUZZ_TARGETS)
	@test -n "$(FUZZ_TARGETS)" || { echo "fuzz: configure with CC=clang ./configure --enable-fuzzing first" >&2; exit 1; }
	$(SHELL) $(top_srcdir)/tests/fuzz/run-fuzzers $(FUZZ_SECONDS) $(top_srcdir)/tests/fuzz/corpus $(FUZZ_TARGETS)
.PHONY: fuzz
