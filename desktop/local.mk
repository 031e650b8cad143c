# The desktop app: GTK 4 + libadwaita, a client of org.massaged1 like any
# third-party app: its D-Bus proxies are generated from the published
# introspection XML (doc/org.massaged1.*.xml), no private daemon header.
DESKTOP_XML = doc/org.massaged1.Manager.xml doc/org.massaged1.Device.xml doc/org.massaged1.History.xml
EXTRA_DIST += desktop/.clang-tidy desktop/data/org.massaged.Massager.desktop \
	desktop/data/org.massaged.Massager.metainfo.xml \
	desktop/data/icons/org.massaged.Massager.svg \
	desktop/data/icons/org.massaged.Massager-symbolic.svg

if BUILD_DESKTOP_APP
# The generated proxies, compiled without our warning flags (generated code).
noinst_LTLIBRARIES += desktop/libmassaged-proxy.la
nodist_desktop_libmassaged_proxy_la_SOURCES = desktop/massaged-proxy.c desktop/massaged-proxy.h
desktop_libmassaged_proxy_la_CFLAGS = $(DESKTOP_CFLAGS)
BUILT_SOURCES += desktop/massaged-proxy.c desktop/massaged-proxy.h
CLEANFILES += desktop/massaged-proxy.c desktop/massaged-proxy.h

desktop/massaged-proxy.h: desktop/massaged-proxy.c
desktop/massaged-proxy.c: $(DESKTOP_XML)
	$(AM_V_GEN)$(MKDIR_P) desktop && \
	$(GDBUS_CODEGEN) --interface-prefix org.massaged1. --c-namespace Massaged \
		--c-generate-object-manager --generate-c-code desktop/massaged-proxy \
		$(addprefix $(srcdir)/,$(DESKTOP_XML))

bin_PROGRAMS += desktop/massager
desktop_massager_SOURCES = \
	desktop/main.c \
	desktop/massager-app.c desktop/massager-app.h \
	desktop/daemon-link.c desktop/daemon-link.h \
	desktop/massager-window.c desktop/massager-window.h \
	desktop/page-devices.c desktop/page-devices.h \
	desktop/page-session.c desktop/page-session.h \
	desktop/page-limits.c desktop/page-limits.h \
	desktop/page-screening.c desktop/page-screening.h \
	desktop/page-history.c desktop/page-history.h \
	desktop/notifications.c desktop/notifications.h \
	desktop/usage-chart.c desktop/usage-chart.h \
	desktop/temperature-chart.c desktop/temperature-chart.h
desktop_massager_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_builddir)/desktop -DG_LOG_DOMAIN='"massager"' 
desktop_massager_CFLAGS = $(AM_CFLAGS) $(DESKTOP_CFLAGS)
desktop_massager_LDADD = desktop/libmassaged-proxy.la $(DESKTOP_LIBS)

desktopappdir = $(datadir)/applications
desktopapp_DATA = desktop/data/org.massaged.Massager.desktop
metainfodir = $(datadir)/metainfo
metainfo_DATA = desktop/data/org.massaged.Massager.metainfo.xml
appiconscalabledir = $(datadir)/icons/hicolor/scalable/apps
appiconscalable_DATA = desktop/data/icons/org.massaged.Massager.svg
appiconsymbolicdir = $(datadir)/icons/hicolor/symbolic/apps
appiconsymbolic_DATA = desktop/data/icons/org.massaged.Massager-symbolic.svg
endif

# The installed metadata, checked as a distribution would (skips without the tools).
TESTS += tests/desktop/test-desktop-data.sh
dist_check_SCRIPTS += tests/desktop/test-desktop-data.sh

# The floor for the app's start-up and memory in `make bench`: a bare
# libadwaita window with a header bar and one button.
if BUILD_DESKTOP_APP
check_PROGRAMS += tests/bench/bench-gtk-window
tests_bench_bench_gtk_window_SOURCES = tests/bench/bench-gtk-window.c
tests_bench_bench_gtk_window_CFLAGS = $(AM_CFLAGS) $(DESKTOP_CFLAGS)
tests_bench_bench_gtk_window_LDADD = $(DESKTOP_LIBS)
endif

# The app driven through the accessibility tree under Xvfb (skips itself when
# the app is not built or Xvfb/dogtail are missing).
TESTS += tests/desktop/test-desktop.py
dist_check_SCRIPTS += tests/desktop/test-desktop.py

# Every screen as a PNG in doc/screenshots/ (README shows them); needs Xvfb.
screenshots: desktop/massager$(EXEEXT) daemon/massaged$(EXEEXT) tests/sim/massager-sim$(EXEEXT)
	$(AM_V_GEN)top_builddir='$(abs_top_builddir)' top_srcdir='$(abs_top_srcdir)' \
		$(TEST_PYTHON) $(top_srcdir)/tests/desktop/screenshots.py $(top_srcdir)/doc/screenshots
.PHONY: screenshots
EXTRA_DIST += tests/desktop/screenshots.py tests/desktop/desktop_driver.py
