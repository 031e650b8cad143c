# D-Bus API reference of massaged (doc/dbus-api.md) and its introspection XML,
# installed where D-Bus tools look for interface descriptions.
dbusinterfacesdir = $(datadir)/dbus-1/interfaces
dist_dbusinterfaces_DATA = \
	doc/org.massaged1.Manager.xml \
	doc/org.massaged1.History.xml \
	doc/org.massaged1.Device.xml
dist_doc_DATA += doc/dbus-api.md doc/reliability.md
