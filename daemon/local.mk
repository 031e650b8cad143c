# massaged: the daemon (BlueZ GATT client, device state machines, org.massaged1 API).
# Policy, ledger, config and programs come from daemon/libmassaged-safety.la (daemon/safety.mk).
libexec_PROGRAMS += daemon/massaged
daemon_massaged_SOURCES = \
	daemon/main.c \
	daemon/log.c daemon/log.h \
	daemon/util.h \
	daemon/manager.c daemon/manager.h \
	daemon/bluez.c daemon/bluez.h \
	daemon/bluez-call.c daemon/bluez-call.h \
	daemon/device.c daemon/device.h \
	daemon/device-commands.c daemon/device-commands.h \
	daemon/session.c daemon/session.h \
	daemon/safety-glue.c daemon/safety-glue.h \
	daemon/bus-errors.c daemon/bus-errors.h \
	daemon/manager-bus.c daemon/manager-bus.h \
	daemon/device-bus.c daemon/device-bus.h \
	daemon/history-bus.c daemon/history-bus.h
daemon_massaged_CPPFLAGS = $(AM_CPPFLAGS) -D_GNU_SOURCE \
	-DMASSAGED_PROGRAMS_DIR=\"$(pkgdatadir)/programs\"
daemon_massaged_CFLAGS = $(AM_CFLAGS) $(SYSTEMD_CFLAGS) $(GLIB_CFLAGS) $(SQLITE_CFLAGS)
daemon_massaged_LDADD = daemon/libmassaged-safety.la protocol/libmassager-protocol.la \
	$(SYSTEMD_LIBS) $(GLIB_LIBS) $(SQLITE_LIBS) -lm
