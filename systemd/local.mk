# systemd user unit and D-Bus activation file, with paths filled in at build time,
# and the one-command demo (issue 7).
systemduserunit_DATA = systemd/massaged.service
dbussessionservice_DATA = systemd/org.massaged1.service
EXTRA_DIST += systemd/massaged.service.in systemd/org.massaged1.service.in
CLEANFILES += $(systemduserunit_DATA) $(dbussessionservice_DATA)

# Substituted by make, not configure, so that `make libexecdir=…` is honoured.
subst_paths = $(SED) -e 's|@libexecdir[@]|$(libexecdir)|g' -e 's|@datadir[@]|$(datadir)|g'
systemd/%.service: $(srcdir)/systemd/%.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) $(@D) && $(subst_paths) $< > $@.tmp && mv $@.tmp $@

TESTS += tests/test-systemd-unit.sh
dist_check_SCRIPTS += tests/test-systemd-unit.sh

# The README's two commands and what they share; the demo runs in make check
# against the build tree (tests/test-demo.sh: exit 0, every step, no leftovers).
EXTRA_DIST += scripts/bootstrap-deps scripts/build scripts/test scripts/demo
TESTS += tests/test-demo.sh
dist_check_SCRIPTS += tests/test-demo.sh
