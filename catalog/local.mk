# The journal catalog: `journalctl -x` explains massaged's safety events
# (MESSAGE_IDs in daemon/safety-event.c). A package runs
# `journalctl --update-catalog` after installing it (Debian's systemd trigger does).
dist_catalog_DATA = catalog/massaged.catalog

TESTS += tests/test-catalog.py
dist_check_SCRIPTS += tests/test-catalog.py
