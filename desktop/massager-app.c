/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <glib/gi18n.h>

#include "massager-app.h"
#include "massager-window.h"
#include "notifications.h"

#define MASSAGED_BUS_NAME       "org.massaged1"
#define MASSAGED_ROOT           "/org/massaged1"
#define MASSAGED_MANAGER_IFACE  "org.massaged1.Manager"
#define MASSAGED_DEVICE_IFACE   "org.massaged1.Device"
#define STOP_TIMEOUT_MS         10000

struct _MassagerApp {
        AdwApplication parent_instance;
        DaemonLink *link;
        Notifications *notifications;
};

G_DEFINE_FINAL_TYPE(MassagerApp, massager_app, ADW_TYPE_APPLICATION)

DaemonLink *massager_app_get_link(MassagerApp *app) {
        return app->link;
}

void massager_app_report(MassagerApp *app, const char *message) {
        GtkWindow *window = gtk_application_get_active_window(GTK_APPLICATION(app));
        if (window)
                massager_window_toast(MASSAGER_WINDOW(window), message);
        else
                g_message("%s", message);
}

static void on_stop_reply(GObject *source, GAsyncResult *result, gpointer user_data) {
        g_autoptr(MassagerApp) app = user_data;
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &error);

        if (!reply) {
                g_dbus_error_strip_remote_error(error);
                g_autofree char *text = g_strdup_printf(_("Stop failed: %s"), error->message);
                massager_app_report(app, text);
        }
        g_application_release(G_APPLICATION(app));
}

/* Stops go straight to the bus, not through the object manager's proxies:
 * they must work while the proxies are still being fetched, and they start
 * massaged if it is not running (a daemon that restarts stops the device). */
static void call_stop(MassagerApp *app, const char *path, const char *iface, const char *method) {
        GDBusConnection *bus = g_application_get_dbus_connection(G_APPLICATION(app));
        if (!bus) {
                massager_app_report(app, _("Stop failed: no session bus."));
                return;
        }
        g_application_hold(G_APPLICATION(app));        /* the reply may come after the window closed */
        g_dbus_connection_call(bus, MASSAGED_BUS_NAME, path, iface, method, NULL, NULL,
                               G_DBUS_CALL_FLAGS_NONE, STOP_TIMEOUT_MS, NULL, on_stop_reply, g_object_ref(app));
}

static void action_stop_all(GSimpleAction *action, GVariant *parameter, gpointer user_data) {
        (void) action, (void) parameter;
        call_stop(MASSAGER_APP(user_data), MASSAGED_ROOT, MASSAGED_MANAGER_IFACE, "StopAll");
}

static void action_stop_device(GSimpleAction *action, GVariant *parameter, gpointer user_data) {
        (void) action;
        const char *path = g_variant_get_string(parameter, NULL);
        if (!g_variant_is_object_path(path))
                return;
        call_stop(MASSAGER_APP(user_data), path, MASSAGED_DEVICE_IFACE, "Stop");
}

/* A notification's default action: bring the window back. */
static void action_activate(GSimpleAction *action, GVariant *parameter, gpointer user_data) {
        (void) action, (void) parameter;
        g_application_activate(G_APPLICATION(user_data));
}

static const GActionEntry app_actions[] = {
        { .name = "activate", .activate = action_activate },
        { .name = "stop-all", .activate = action_stop_all },
        { .name = "stop-device", .activate = action_stop_device, .parameter_type = "s" },
};

/* `massager --stop-all` (the desktop file's "Stop massage now"): one
 * synchronous StopAll, no window, exit status says whether it worked. */
static int stop_all_now(void) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GDBusConnection) bus = g_bus_get_sync(G_BUS_TYPE_SESSION, NULL, &error);
        g_autoptr(GVariant) reply = NULL;

        if (bus)
                reply = g_dbus_connection_call_sync(bus, MASSAGED_BUS_NAME, MASSAGED_ROOT, MASSAGED_MANAGER_IFACE,
                                                    "StopAll", NULL, NULL, G_DBUS_CALL_FLAGS_NONE,
                                                    STOP_TIMEOUT_MS, NULL, &error);
        if (!reply) {
                g_dbus_error_strip_remote_error(error);
                g_printerr(_("massager: stop failed: %s\n"), error->message);
                return 1;
        }
        return 0;
}

static int massager_app_handle_local_options(GApplication *application, GVariantDict *options) {
        (void) application;
        if (g_variant_dict_contains(options, "stop-all"))
                return stop_all_now();
        return -1;
}

static void massager_app_startup(GApplication *application) {
        MassagerApp *app = MASSAGER_APP(application);
        static const char *const escape[] = { "Escape", NULL };

        G_APPLICATION_CLASS(massager_app_parent_class)->startup(application);
        g_action_map_add_action_entries(G_ACTION_MAP(app), app_actions, G_N_ELEMENTS(app_actions), app);
        gtk_application_set_accels_for_action(GTK_APPLICATION(app), "app.stop-all", escape);
        app->link = daemon_link_new();
        app->notifications = notifications_new(G_APPLICATION(app), app->link);
}

static void massager_app_shutdown(GApplication *application) {
        MassagerApp *app = MASSAGER_APP(application);

        g_clear_pointer(&app->notifications, notifications_free);
        G_APPLICATION_CLASS(massager_app_parent_class)->shutdown(application);
}

static void massager_app_activate(GApplication *application) {
        MassagerApp *app = MASSAGER_APP(application);
        GtkWindow *window = gtk_application_get_active_window(GTK_APPLICATION(app));

        if (!window)
                window = GTK_WINDOW(massager_window_new(app));
        gtk_window_present(window);
}

static void massager_app_dispose(GObject *object) {
        g_clear_object(&MASSAGER_APP(object)->link);
        G_OBJECT_CLASS(massager_app_parent_class)->dispose(object);
}

static void massager_app_class_init(MassagerAppClass *klass) {
        G_OBJECT_CLASS(klass)->dispose = massager_app_dispose;
        G_APPLICATION_CLASS(klass)->startup = massager_app_startup;
        G_APPLICATION_CLASS(klass)->activate = massager_app_activate;
        G_APPLICATION_CLASS(klass)->shutdown = massager_app_shutdown;
        G_APPLICATION_CLASS(klass)->handle_local_options = massager_app_handle_local_options;
}

static void massager_app_init(MassagerApp *app) {
        static const GOptionEntry entries[] = {
                { "stop-all", 0, 0, G_OPTION_ARG_NONE, NULL,
                  N_("Stop every massager now and exit"), NULL },
                { NULL },
        };
        g_application_add_main_option_entries(G_APPLICATION(app), entries);
}

MassagerApp *massager_app_new(void) {
        return g_object_new(massager_app_get_type(), "application-id", MASSAGER_APP_ID,
                            "flags", G_APPLICATION_DEFAULT_FLAGS, NULL);
}
