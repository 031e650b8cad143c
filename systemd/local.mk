# systemd user unit and D-Bus activation file, with paths filled in at build time.
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
