/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "daemon-link.h"

#define MASSAGED_BUS_NAME "org.massaged1"
#define MASSAGED_ROOT     "/org/massaged1"

struct _DaemonLink {
        GObject parent_instance;
        GDBusObjectManager *objects;    /* the devices; NULL until created (or when the bus is unreachable) */
        /* The ObjectManager at /org/massaged1 lists what is below it, not the
         * root's own interfaces: those get proxies of their own. */
        MassagedManager *manager;
        MassagedHistory *history;
        char *error;
};

G_DEFINE_FINAL_TYPE(DaemonLink, daemon_link, G_TYPE_OBJECT)

enum { SIGNAL_DAEMON_CHANGED, SIGNAL_DEVICE_ADDED, SIGNAL_DEVICE_REMOVED, SIGNAL_MANAGER_CHANGED, SIGNAL_ADVICE,
       N_SIGNALS };
static guint signals[N_SIGNALS];

static void on_object_added(GDBusObjectManager *objects, GDBusObject *object, DaemonLink *link) {
        (void) objects;
        MassagedDevice *device = massaged_object_peek_device(MASSAGED_OBJECT(object));
        if (device)
                g_signal_emit(link, signals[SIGNAL_DEVICE_ADDED], 0, device);
}

static void on_object_removed(GDBusObjectManager *objects, GDBusObject *object, DaemonLink *link) {
        (void) objects;
        MassagedDevice *device = massaged_object_peek_device(MASSAGED_OBJECT(object));
        if (device)
                g_signal_emit(link, signals[SIGNAL_DEVICE_REMOVED], 0, device);
}

/* The daemon came or went: GDBusObjectManagerClient has already dropped (or
 * fetched again) every object, so pages only have to re-read. */
static void on_name_owner(GObject *objects, GParamSpec *pspec, DaemonLink *link) {
        (void) objects, (void) pspec;
        g_signal_emit(link, signals[SIGNAL_DAEMON_CHANGED], 0);
}

/* The Manager's signals, passed on once here so pages and notifications
 * follow the link, not a proxy that they would have to re-find. */
static void on_manager_properties(GDBusProxy *proxy, GVariant *changed, GStrv invalidated, DaemonLink *link) {
        (void) proxy, (void) changed, (void) invalidated;
        g_signal_emit(link, signals[SIGNAL_MANAGER_CHANGED], 0);
}

static void on_manager_advice(MassagedManager *manager, const char *sentence, DaemonLink *link) {
        (void) manager;
        g_signal_emit(link, signals[SIGNAL_ADVICE], 0, sentence);
}

static void on_root_proxy_ready(GObject *source, GAsyncResult *result, gpointer user_data) {
        (void) source;
        g_autoptr(DaemonLink) link = user_data;
        g_autoptr(GError) error = NULL;
        g_autoptr(GDBusProxy) proxy = G_DBUS_PROXY(g_async_initable_new_finish(G_ASYNC_INITABLE(source), result, &error));

        if (!proxy) {
                g_warning("Cannot create a proxy for massaged: %s", error->message);
                return;
        }
        if (MASSAGED_IS_MANAGER(proxy)) {
                g_set_object(&link->manager, MASSAGED_MANAGER(proxy));
                g_signal_connect_object(proxy, "g-properties-changed", G_CALLBACK(on_manager_properties), link, 0);
                g_signal_connect_object(proxy, "advice", G_CALLBACK(on_manager_advice), link, 0);
        } else
                g_set_object(&link->history, MASSAGED_HISTORY(proxy));
        g_signal_emit(link, signals[SIGNAL_DAEMON_CHANGED], 0);
}

static void on_manager_ready(GObject *source, GAsyncResult *result, gpointer user_data) {
        (void) source;
        g_autoptr(DaemonLink) link = user_data;
        g_autoptr(GError) error = NULL;

        link->objects = massaged_object_manager_client_new_for_bus_finish(result, &error);
        if (!link->objects) {
                link->error = g_strdup_printf("Cannot reach the session bus: %s", error->message);
                g_warning("%s", link->error);
                g_signal_emit(link, signals[SIGNAL_DAEMON_CHANGED], 0);
                return;
        }
        g_signal_connect_object(link->objects, "object-added", G_CALLBACK(on_object_added), link, 0);
        g_signal_connect_object(link->objects, "object-removed", G_CALLBACK(on_object_removed), link, 0);
        g_signal_connect_object(link->objects, "notify::name-owner", G_CALLBACK(on_name_owner), link, 0);
        g_signal_emit(link, signals[SIGNAL_DAEMON_CHANGED], 0);
}

static void daemon_link_dispose(GObject *object) {
        DaemonLink *link = DAEMON_LINK(object);
        g_clear_object(&link->objects);
        g_clear_object(&link->manager);
        g_clear_object(&link->history);
        G_OBJECT_CLASS(daemon_link_parent_class)->dispose(object);
}

static void daemon_link_finalize(GObject *object) {
        g_free(DAEMON_LINK(object)->error);
        G_OBJECT_CLASS(daemon_link_parent_class)->finalize(object);
}

static void daemon_link_class_init(DaemonLinkClass *klass) {
        GObjectClass *object_class = G_OBJECT_CLASS(klass);
        object_class->dispose = daemon_link_dispose;
        object_class->finalize = daemon_link_finalize;

        signals[SIGNAL_DAEMON_CHANGED] = g_signal_new("daemon-changed", G_TYPE_FROM_CLASS(klass),
                                                      G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                      G_TYPE_NONE, 0);
        signals[SIGNAL_DEVICE_ADDED] = g_signal_new("device-added", G_TYPE_FROM_CLASS(klass),
                                                    G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                    G_TYPE_NONE, 1, MASSAGED_TYPE_DEVICE);
        signals[SIGNAL_MANAGER_CHANGED] = g_signal_new("manager-changed", G_TYPE_FROM_CLASS(klass),
                                                       G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                       G_TYPE_NONE, 0);
        signals[SIGNAL_ADVICE] = g_signal_new("advice", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                              NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
        signals[SIGNAL_DEVICE_REMOVED] = g_signal_new("device-removed", G_TYPE_FROM_CLASS(klass),
                                                      G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                      G_TYPE_NONE, 1, MASSAGED_TYPE_DEVICE);
}

static void daemon_link_init(DaemonLink *link) {
        /* Not DO_NOT_AUTO_START: asking for the objects starts massaged by D-Bus
         * activation when it is installed but not running. */
        massaged_object_manager_client_new_for_bus(G_BUS_TYPE_SESSION, G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_NONE,
                                                   MASSAGED_BUS_NAME, MASSAGED_ROOT, NULL,
                                                   on_manager_ready, g_object_ref(link));
        massaged_manager_proxy_new_for_bus(G_BUS_TYPE_SESSION, G_DBUS_PROXY_FLAGS_NONE, MASSAGED_BUS_NAME,
                                           MASSAGED_ROOT, NULL, on_root_proxy_ready, g_object_ref(link));
        massaged_history_proxy_new_for_bus(G_BUS_TYPE_SESSION, G_DBUS_PROXY_FLAGS_NONE, MASSAGED_BUS_NAME,
                                           MASSAGED_ROOT, NULL, on_root_proxy_ready, g_object_ref(link));
}

DaemonLink *daemon_link_new(void) {
        return g_object_new(daemon_link_get_type(), NULL);
}

gboolean daemon_link_is_running(DaemonLink *link) {
        if (!link->objects)
                return FALSE;
        g_autofree char *owner = g_dbus_object_manager_client_get_name_owner(
                G_DBUS_OBJECT_MANAGER_CLIENT(link->objects));
        return owner != NULL;
}

const char *daemon_link_get_error(DaemonLink *link) {
        if (link->error)
                return link->error;
        if (link->objects && !daemon_link_is_running(link))
                return "massaged is not running. It starts by itself when installed; "
                       "otherwise run “systemctl --user start massaged”.";
        return NULL;
}

MassagedManager *daemon_link_get_manager(DaemonLink *link) {
        return daemon_link_is_running(link) ? link->manager : NULL;
}

MassagedHistory *daemon_link_get_history(DaemonLink *link) {
        return daemon_link_is_running(link) ? link->history : NULL;
}

static int compare_address(gconstpointer a, gconstpointer b) {
        return g_strcmp0(massaged_device_get_address((MassagedDevice *) a),
                         massaged_device_get_address((MassagedDevice *) b));
}

GList *daemon_link_get_devices(DaemonLink *link) {
        if (!daemon_link_is_running(link))
                return NULL;

        GList *devices = NULL;
        g_autolist(GDBusObject) objects = g_dbus_object_manager_get_objects(link->objects);
        for (GList *l = objects; l; l = l->next) {
                MassagedDevice *device = massaged_object_peek_device(MASSAGED_OBJECT(l->data));
                if (device)
                        devices = g_list_prepend(devices, device);
        }
        return g_list_sort(devices, compare_address);
}
