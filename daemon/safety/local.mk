# libmassaged-safety: the safety policy (pure), limits, clock rules, screening,
# the validation of the API's a{sv} arguments (pure), programs, configuration
# and the SQLite usage ledger. The daemon links it;
# each unit test links only what it tests.

noinst_LTLIBRARIES += daemon/safety/libmassaged-safety.la
daemon_safety_libmassaged_safety_la_SOURCES = \
	daemon/safety/safety-clock.c daemon/safety/safety-clock.h \
	daemon/safety/safety-limits.c daemon/safety/safety-limits.h \
	daemon/safety/screening.c daemon/safety/screening.h \
	daemon/safety/api-args.c daemon/safety/api-args.h \
	daemon/safety/program.c daemon/safety/program.h \
	daemon/safety/program-load.c \
	daemon/safety/file-read.c daemon/safety/file-read.h \
	daemon/safety/policy.c daemon/safety/policy.h \
	daemon/safety/policy-plan.c daemon/safety/policy-tick.c daemon/safety/policy-screening.c daemon/safety/policy-pause.c daemon/safety/policy-internal.h \
	daemon/safety/policy-advice.c daemon/safety/policy-advice.h daemon/safety/safety-i18n.h \
	daemon/safety/conf.c daemon/safety/conf.h \
	daemon/safety/paths.c daemon/safety/paths-ledger.c daemon/safety/paths.h \
	daemon/safety/ledger.c daemon/safety/ledger.h daemon/safety/ledger-internal.h \
	daemon/safety/ledger-schema.c daemon/safety/ledger-query.c daemon/safety/ledger-file.c \
	daemon/safety/ledger-wal.c daemon/safety/ledger-backup.c daemon/safety/ledger-memory.c \
	daemon/safety/ledger-figures-cache.c daemon/safety/local-days.c daemon/safety/local-days.h
daemon_safety_libmassaged_safety_la_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/daemon/safety \
	-DMASSAGED_PROGRAMS_DIR='"$(programsdir)"'
daemon_safety_libmassaged_safety_la_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS) $(SQLITE_CFLAGS)
daemon_safety_libmassaged_safety_la_LIBADD = protocol/libmassager-protocol.la $(GLIB_LIBS) $(SQLITE_LIBS)

# Built-in programs (data, doc/safety.md "Programs"), installed for the daemon to load.
programsdir = $(datadir)/massaged/programs
dist_programs_DATA = \
	daemon/programs/gentle.program \
	daemon/programs/kneading.program \
	daemon/programs/trigger-point.program \
	daemon/programs/suboccipital.program \
	daemon/programs/myofascial.program \
	daemon/programs/relax.program \
	daemon/programs/migraine.program
EXTRA_DIST += daemon/massaged.conf.example doc/safety.md doc/configuration.md

# ---- unit tests ----
SAFETY_TEST_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/daemon/safety -DTEST_TOP_SRCDIR='"$(abs_top_srcdir)"'
SAFETY_TEST_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS)

# The policy is pure: its test links the policy, limits, clock and program
# files only (no SQLite, no GLib in the code under test).
check_PROGRAMS += tests/test-policy
TESTS += tests/test-policy
tests_test_policy_SOURCES = tests/test-policy.c tests/safety-test-util.h \
	daemon/safety/policy.c daemon/safety/policy-plan.c daemon/safety/policy-tick.c daemon/safety/policy-screening.c daemon/safety/policy-pause.c \
	daemon/safety/policy-advice.c \
	daemon/safety/safety-limits.c daemon/safety/safety-clock.c daemon/safety/program.c daemon/safety/screening.c
tests_test_policy_CPPFLAGS = $(SAFETY_TEST_CPPFLAGS)
tests_test_policy_CFLAGS = $(SAFETY_TEST_CFLAGS)
tests_test_policy_LDADD = $(GLIB_LIBS)

check_PROGRAMS += tests/test-safety-clock
TESTS += tests/test-safety-clock
tests_test_safety_clock_SOURCES = tests/test-safety-clock.c daemon/safety/safety-clock.c
tests_test_safety_clock_CPPFLAGS = $(SAFETY_TEST_CPPFLAGS)
tests_test_safety_clock_CFLAGS = $(SAFETY_TEST_CFLAGS)
tests_test_safety_clock_LDADD = $(GLIB_LIBS)

check_PROGRAMS += tests/test-limits-conf
TESTS += tests/test-limits-conf
tests_test_limits_conf_SOURCES = tests/test-limits-conf.c
tests_test_limits_conf_CPPFLAGS = $(SAFETY_TEST_CPPFLAGS)
tests_test_limits_conf_CFLAGS = $(SAFETY_TEST_CFLAGS)
tests_test_limits_conf_LDADD = daemon/safety/libmassaged-safety.la $(GLIB_LIBS)

check_PROGRAMS += tests/test-program
TESTS += tests/test-program
tests_test_program_SOURCES = tests/test-program.c
tests_test_program_CPPFLAGS = $(SAFETY_TEST_CPPFLAGS)
tests_test_program_CFLAGS = $(SAFETY_TEST_CFLAGS)
tests_test_program_LDADD = daemon/safety/libmassaged-safety.la $(GLIB_LIBS)

check_PROGRAMS += tests/test-ledger
TESTS += tests/test-ledger
tests_test_ledger_SOURCES = tests/test-ledger.c tests/safety-test-util.h
tests_test_ledger_CPPFLAGS = $(SAFETY_TEST_CPPFLAGS)
tests_test_ledger_CFLAGS = $(SAFETY_TEST_CFLAGS) $(SQLITE_CFLAGS)
tests_test_ledger_LDADD = daemon/safety/libmassaged-safety.la $(GLIB_LIBS) $(SQLITE_LIBS)

# The figures kept in memory against the ones read from the file.
check_PROGRAMS += tests/test-ledger-figures-cache
TESTS += tests/test-ledger-figures-cache
tests_test_ledger_figures_cache_SOURCES = tests/test-ledger-figures-cache.c tests/safety-test-util.h
tests_test_ledger_figures_cache_CPPFLAGS = $(SAFETY_TEST_CPPFLAGS)
tests_test_ledger_figures_cache_CFLAGS = $(SAFETY_TEST_CFLAGS) $(SQLITE_CFLAGS)
tests_test_ledger_figures_cache_LDADD = daemon/safety/libmassaged-safety.la $(GLIB_LIBS) $(SQLITE_LIBS)

check_PROGRAMS += tests/test-ledger-history
TESTS += tests/test-ledger-history
tests_test_ledger_history_SOURCES = tests/test-ledger-history.c tests/safety-test-util.h
tests_test_ledger_history_CPPFLAGS = $(SAFETY_TEST_CPPFLAGS)
tests_test_ledger_history_CFLAGS = $(SAFETY_TEST_CFLAGS) $(SQLITE_CFLAGS)
tests_test_ledger_history_LDADD = daemon/safety/libmassaged-safety.la $(GLIB_LIBS) $(SQLITE_LIBS)

# The a{sv} arguments of Start/SetLimits/SubmitScreening: the validators are
# pure, so the test links them with the limits and screening tables only.
check_PROGRAMS += tests/test-api-args
TESTS += tests/test-api-args
tests_test_api_args_SOURCES = tests/test-api-args.c daemon/safety/api-args.c daemon/safety/safety-limits.c daemon/safety/screening.c
tests_test_api_args_CPPFLAGS = $(SAFETY_TEST_CPPFLAGS)
tests_test_api_args_CFLAGS = $(SAFETY_TEST_CFLAGS)
tests_test_api_args_LDADD = $(GLIB_LIBS)

# doc/safety.md cites the test covering each rule: every cited path must exist.
TESTS += tests/test-safety-doc.py
dist_check_SCRIPTS += tests/test-safety-doc.py

# libFuzzer targets for the two parsers of outside files and for the D-Bus
# a{sv} arguments (--enable-fuzzing, clang; `make fuzz` runs them with the
# others). fuzz-program also plans every accepted program and aborts if a plan
# breaks a rule; fuzz-args aborts if an accepted request is out of range.
EXTRA_DIST += tests/fuzz/fuzz-program.c tests/fuzz/fuzz-conf.c tests/fuzz/fuzz-args.c
if ENABLE_FUZZING
SAFETY_FUZZ_POLICY = daemon/safety/policy.c daemon/safety/policy-plan.c daemon/safety/policy-tick.c daemon/safety/safety-limits.c \
	daemon/safety/safety-clock.c daemon/safety/screening.c daemon/safety/program.c daemon/safety/program-load.c daemon/safety/file-read.c \
	daemon/safety/paths.c protocol/codec.c
FUZZ_TARGETS += tests/fuzz/fuzz-program tests/fuzz/fuzz-conf tests/fuzz/fuzz-args
noinst_PROGRAMS += tests/fuzz/fuzz-program tests/fuzz/fuzz-conf tests/fuzz/fuzz-args
tests_fuzz_fuzz_program_SOURCES = tests/fuzz/fuzz-program.c $(SAFETY_FUZZ_POLICY)
tests_fuzz_fuzz_program_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/daemon/safety -DMASSAGED_PROGRAMS_DIR='"$(programsdir)"'
tests_fuzz_fuzz_program_CFLAGS = $(FUZZ_CFLAGS) $(GLIB_CFLAGS)
tests_fuzz_fuzz_program_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_program_LDADD = $(GLIB_LIBS)
# paths.c: conf_default_path() asks it for the configuration directory.
tests_fuzz_fuzz_conf_SOURCES = tests/fuzz/fuzz-conf.c daemon/safety/conf.c daemon/safety/file-read.c daemon/safety/safety-limits.c \
	daemon/safety/program.c daemon/safety/paths.c
tests_fuzz_fuzz_conf_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/daemon/safety
tests_fuzz_fuzz_conf_CFLAGS = $(FUZZ_CFLAGS) $(GLIB_CFLAGS)
tests_fuzz_fuzz_conf_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_conf_LDADD = $(GLIB_LIBS)
tests_fuzz_fuzz_args_SOURCES = tests/fuzz/fuzz-args.c daemon/safety/api-args.c daemon/safety/safety-limits.c daemon/safety/screening.c
tests_fuzz_fuzz_args_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/daemon/safety
tests_fuzz_fuzz_args_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_args_LDFLAGS = $(FUZZ_LINK)
endif

# Where the files live: systemd's directories before XDG, and the ledger
# moved, never lost, when the state directory changes (doc/packaging.md).
check_PROGRAMS += tests/test-paths
TESTS += tests/test-paths
tests_test_paths_SOURCES = tests/test-paths.c
tests_test_paths_CPPFLAGS = $(SAFETY_TEST_CPPFLAGS)
tests_test_paths_CFLAGS = $(SAFETY_TEST_CFLAGS)
tests_test_paths_LDADD = daemon/safety/libmassaged-safety.la $(GLIB_LIBS)
