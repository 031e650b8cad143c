# massagectl: the command-line client (speaks only org.massaged1 on the user bus).
bin_PROGRAMS += client/massagectl

# The pure helpers (parsing, formatting, JSON, exit codes) are a library of
# their own so the unit test links exactly them and no sd-bus.
noinst_LTLIBRARIES += client/libctl-pure.la
client_libctl_pure_la_SOURCES = \
	client/ctl-errors.c client/ctl-errors.h \
	client/ctl-format.c client/ctl-format.h \
	client/ctl-json.c client/ctl-json.h \
	client/ctl-parse.c client/ctl-parse.h \
	client/ctl-value.c client/ctl-value.h

# massagectl.c holds the subcommands table and main(); ctl-context.c the
# run's context and failure reporting; one massagectl-<verb>.c per verb.
client_massagectl_SOURCES = \
	client/massagectl.c client/massagectl.h \
	client/ctl-context.c client/ctl-context.h \
	client/ctl-api.c client/ctl-api.h \
	client/ctl-bus.c client/ctl-bus.h \
	client/ctl-bus-value.c client/ctl-bus-value.h \
	client/ctl-device.c client/ctl-device.h \
	client/ctl-device-call.c client/ctl-device-call.h \
	client/ctl-history.h \
	client/ctl-live.c client/ctl-live.h \
	client/massagectl-add.c \
	client/massagectl-connect.c \
	client/massagectl-devices.c \
	client/massagectl-disconnect.c \
	client/massagectl-forget.c \
	client/massagectl-help.c \
	client/massagectl-history.c \
	client/massagectl-limits.c \
	client/massagectl-monitor.c \
	client/massagectl-note.c \
	client/massagectl-pause.c \
	client/massagectl-programs.c \
	client/massagectl-resume.c \
	client/massagectl-scan.c \
	client/massagectl-screening.c \
	client/massagectl-set.c \
	client/massagectl-start.c \
	client/massagectl-status.c \
	client/massagectl-stop.c \
	client/massagectl-thermal.c \
	client/massagectl-usage.c \
	client/massagectl-version.c
client_libctl_pure_la_CPPFLAGS = $(AM_CPPFLAGS) -D_GNU_SOURCE
client_massagectl_CPPFLAGS = $(AM_CPPFLAGS) -D_GNU_SOURCE
client_massagectl_CFLAGS = $(AM_CFLAGS) $(SYSTEMD_CFLAGS)
client_massagectl_LDADD = client/libctl-pure.la $(SYSTEMD_LIBS)

# Man pages (the daemon's too: one place for both, written together).
dist_man1_MANS = doc/massagectl.1
dist_man8_MANS = doc/massaged.8

# Shell completion: bash where bash-completion looks (pkg-config), zsh and
# fish in their vendor directories.
dist_bashcompletion_DATA = client/completion/massagectl
zshcompletiondir = $(datadir)/zsh/site-functions
dist_zshcompletion_DATA = client/completion/_massagectl
fishcompletiondir = $(datadir)/fish/vendor_completions.d
dist_fishcompletion_DATA = client/completion/massagectl.fish

# Unit tests of the pure parts.
check_PROGRAMS += tests/test-ctl
TESTS += tests/test-ctl
tests_test_ctl_SOURCES = tests/test-ctl.c
tests_test_ctl_CPPFLAGS = $(AM_CPPFLAGS) -D_GNU_SOURCE -I$(top_srcdir)/client
tests_test_ctl_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS)
tests_test_ctl_LDADD = client/libctl-pure.la $(GLIB_LIBS)

# Reading replies into Values, on sealed messages (no bus needed).
check_PROGRAMS += tests/test-ctl-bus-value
TESTS += tests/test-ctl-bus-value
tests_test_ctl_bus_value_SOURCES = tests/test-ctl-bus-value.c client/ctl-bus-value.c
tests_test_ctl_bus_value_CPPFLAGS = $(AM_CPPFLAGS) -D_GNU_SOURCE -I$(top_srcdir)/client
tests_test_ctl_bus_value_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS) $(SYSTEMD_CFLAGS)
tests_test_ctl_bus_value_LDADD = client/libctl-pure.la $(GLIB_LIBS) $(SYSTEMD_LIBS)

# The completion script, loaded in bash, offers the expected words.
TESTS += tests/test-ctl-completion.sh
dist_check_SCRIPTS += tests/test-ctl-completion.sh

# massagectl in German and en@quot from the build tree's catalogs (po/).
TESTS += tests/test-ctl-i18n.sh
dist_check_SCRIPTS += tests/test-ctl-i18n.sh

# massagectl against massaged + massager-sim on private buses (skips when the
# daemon's harness, tests/lib/massaged_env.py, or the binaries are absent).
TESTS += tests/test-ctl-integration.py
dist_check_SCRIPTS += tests/test-ctl-integration.py

# Benchmark (not in make check): `massagectl stop` against the one-shot floor.
check_PROGRAMS += tests/oneshot-stop
tests_oneshot_stop_SOURCES = tests/oneshot-stop.c
tests_oneshot_stop_CFLAGS = $(AM_CFLAGS) $(SYSTEMD_CFLAGS)
tests_oneshot_stop_LDADD = $(SYSTEMD_LIBS)
EXTRA_DIST += tests/bench-ctl-stop.py
bench-ctl: client/massagectl tests/oneshot-stop
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' $(TEST_PYTHON) $(srcdir)/tests/bench-ctl-stop.py
.PHONY: bench-ctl
