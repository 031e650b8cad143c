# Translations (gettext): the sentences a person reads, in the text domain
# "massaged". po/POTFILES.in lists the sources with marked sentences,
# po/LINGUAS the languages; `make update-po` re-extracts po/massaged.pot and
# merges it into every po/<lang>.po. doc/packaging.md, "Translations", says
# how to add a language and how tests reach the build tree's catalogs.
include $(top_srcdir)/po/Makevars

# Every catalog is built into po/locale/LANG/LC_MESSAGES/, the layout
# bindtextdomain() reads, so the build tree is a locale directory of its own.
PO_LINGUAS = $(shell sed -e 's/\#.*//' $(top_srcdir)/po/LINGUAS)
PO_MO_FILES = $(foreach l,$(PO_LINGUAS),po/locale/$(l)/LC_MESSAGES/$(DOMAIN).mo)

all-local: $(PO_MO_FILES)
CLEANFILES += $(PO_MO_FILES) po/en@quot.po

po/locale/%/LC_MESSAGES/$(DOMAIN).mo: $(top_srcdir)/po/%.po
	$(AM_V_GEN)$(MKDIR_P) $(@D) && $(MSGFMT) --check --statistics -o $@ $< 2>/dev/null

po/locale/en@quot/LC_MESSAGES/$(DOMAIN).mo: po/en@quot.po
	$(AM_V_GEN)$(MKDIR_P) $(@D) && $(MSGFMT) --check -o $@ po/en@quot.po

# en@quot: English with real quotation marks, made from the template by
# msgfilter's built-in "quot" filter (what gettext's Rules-quot does).
po/en@quot.po: $(top_srcdir)/po/$(DOMAIN).pot $(top_srcdir)/po/en@quot.header
	$(AM_V_GEN)$(MKDIR_P) po && \
	{ cat $(top_srcdir)/po/en@quot.header && \
	  LC_ALL=C $(MSGINIT) -i $(top_srcdir)/po/$(DOMAIN).pot --no-translator -l en@quot -o - 2>/dev/null | \
	  $(MSGCONV) -t UTF-8 | $(MSGFILTER) quot 2>/dev/null; } > $@.tmp && mv -f $@.tmp $@

install-data-local: $(PO_MO_FILES)
	@for l in $(PO_LINGUAS); do \
	  echo " $(MKDIR_P) '$(DESTDIR)$(localedir)/'$$l/LC_MESSAGES"; \
	  $(MKDIR_P) "$(DESTDIR)$(localedir)/$$l/LC_MESSAGES" || exit 1; \
	  echo " $(INSTALL_DATA) po/locale/$$l/LC_MESSAGES/$(DOMAIN).mo '$(DESTDIR)$(localedir)/'$$l/LC_MESSAGES"; \
	  $(INSTALL_DATA) po/locale/$$l/LC_MESSAGES/$(DOMAIN).mo "$(DESTDIR)$(localedir)/$$l/LC_MESSAGES/$(DOMAIN).mo" || exit 1; \
	done

uninstall-local:
	@for l in $(PO_LINGUAS); do \
	  rm -f "$(DESTDIR)$(localedir)/$$l/LC_MESSAGES/$(DOMAIN).mo"; \
	done

# Maintainer's target, run in the build tree: writes into the source tree.
update-po:
	$(AM_V_GEN)cd $(top_srcdir) && \
	$(XGETTEXT) $(XGETTEXT_OPTIONS) --files-from=po/POTFILES.in \
	  --package-name='$(PACKAGE_NAME)' --package-version='$(PACKAGE_VERSION)' \
	  --copyright-holder='$(COPYRIGHT_HOLDER)' --msgid-bugs-address='$(MSGID_BUGS_ADDRESS)' \
	  -o po/$(DOMAIN).pot && \
	for l in $(PO_LINGUAS); do \
	  test -f po/$$l.po || continue; \
	  echo "  MERGE    po/$$l.po"; \
	  $(MSGMERGE) --quiet --update --backup=none --previous po/$$l.po po/$(DOMAIN).pot || exit 1; \
	done
.PHONY: update-po

EXTRA_DIST += po/LINGUAS po/POTFILES.in po/Makevars po/en@quot.header po/massaged.pot \
	po/de.po
