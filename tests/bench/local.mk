# Benchmarks (issue 9, doc/performance.md): `make bench` prints a report of figures,
# each beside its floor or peer measured in the same run. Never pass/fail on
# timing and not part of `make check`; the programs are check_PROGRAMS so
# that `make check` keeps them compiling.

BENCH_BINARIES = tests/bench/bench-echo tests/bench/bench-rtt tests/bench/bench-startup tests/bench/bench-ledger \
	tests/bench/bench-exec tests/bench/bench-connect
check_PROGRAMS += $(BENCH_BINARIES)

tests_bench_bench_echo_SOURCES = tests/bench/bench-echo.c
tests_bench_bench_echo_CFLAGS = $(AM_CFLAGS) $(SYSTEMD_CFLAGS)
tests_bench_bench_echo_LDADD = $(SYSTEMD_LIBS)

tests_bench_bench_rtt_SOURCES = tests/bench/bench-rtt.c
tests_bench_bench_rtt_CFLAGS = $(AM_CFLAGS) $(SYSTEMD_CFLAGS)
tests_bench_bench_rtt_LDADD = $(SYSTEMD_LIBS)

tests_bench_bench_startup_SOURCES = tests/bench/bench-startup.c
tests_bench_bench_startup_CFLAGS = $(AM_CFLAGS) $(SYSTEMD_CFLAGS)
tests_bench_bench_startup_LDADD = $(SYSTEMD_LIBS)

tests_bench_bench_connect_SOURCES = tests/bench/bench-connect.c
tests_bench_bench_connect_CFLAGS = $(AM_CFLAGS) $(SYSTEMD_CFLAGS)
tests_bench_bench_connect_LDADD = $(SYSTEMD_LIBS)

tests_bench_bench_exec_SOURCES = tests/bench/bench-exec.c

tests_bench_bench_ledger_SOURCES = tests/bench/bench-ledger.c
tests_bench_bench_ledger_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/daemon -I$(top_srcdir)/daemon/safety -I$(top_srcdir)/daemon/bluez -I$(top_srcdir)/daemon/base -D_GNU_SOURCE
tests_bench_bench_ledger_LDADD = daemon/safety/libmassaged-safety.la protocol/libmassager-protocol.la \
	$(GLIB_LIBS) $(SQLITE_LIBS)

EXTRA_DIST += tests/bench/bench.py tests/bench/peer-gio-write.py doc/performance.md

# BENCH_QUICK=1: fewer calls and shorter idle windows, for trying it out.
bench: $(BENCH_BINARIES) daemon/massaged tests/sim/massager-sim client/massagectl tests/oneshot-stop
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' CC='$(CC)' \
	CFLAGS='$(CFLAGS)' WARN_CFLAGS='$(WARN_CFLAGS)' SANITIZER_CFLAGS='$(SANITIZER_CFLAGS)' \
	BENCH_QUICK='$(BENCH_QUICK)' $(TEST_PYTHON) $(srcdir)/tests/bench/bench.py
.PHONY: bench
