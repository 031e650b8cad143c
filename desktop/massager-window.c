/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <glib/gi18n.h>

#include "massager-window.h"
#include "page-devices.h"
#include "page-history.h"
#include "page-limits.h"
#include "page-screening.h"
#include "page-session.h"

struct _MassagerWindow {
        AdwApplicationWindow parent_instance;
        AdwToastOverlay *toasts;
        GtkRevealer *daemon_revealer;
        GtkLabel *daemon_label;
};

G_DEFINE_FINAL_TYPE(MassagerWindow, massager_window, ADW_TYPE_APPLICATION_WINDOW)

void massager_window_toast(MassagerWindow *window, const char *message) {
        adw_toast_overlay_add_toast(window->toasts, adw_toast_new(message));
}

/* libadwaita 1.2 has no AdwBanner: a revealer with an error label stands in. */
static void show_daemon_state(MassagerWindow *window, DaemonLink *link) {
        const char *error = daemon_link_get_error(link);
        gtk_label_set_label(window->daemon_label, error ? error : "");
        gtk_revealer_set_reveal_child(window->daemon_revealer, error != NULL);
}

static void on_daemon_changed(DaemonLink *link, MassagerWindow *window) {
        show_daemon_state(window, link);
}

/* The first painted frame, for `make bench` (start to first frame): a debug
 * line, shown with G_MESSAGES_DEBUG=massager. */
static void on_first_paint(GdkFrameClock *clock, GtkWidget *window) {
        g_debug("first frame painted at %" G_GINT64_FORMAT " us (CLOCK_MONOTONIC)", g_get_monotonic_time());
        g_signal_handlers_disconnect_by_func(clock, on_first_paint, window);
}

static void on_realize(GtkWidget *window) {
        g_signal_connect(gtk_widget_get_frame_clock(window), "after-paint", G_CALLBACK(on_first_paint), window);
}

static GtkWidget *stop_bar_new(void) {
        GtkWidget *bar = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 0);
        GtkWidget *stop = gtk_button_new_with_label(_("Stop massage"));

        gtk_widget_add_css_class(stop, "destructive-action");
        gtk_widget_add_css_class(stop, "pill");
        gtk_widget_set_hexpand(stop, TRUE);
        gtk_widget_set_margin_start(stop, 12);
        gtk_widget_set_margin_end(stop, 12);
        gtk_widget_set_margin_top(stop, 6);
        gtk_widget_set_margin_bottom(stop, 12);
        gtk_widget_set_tooltip_text(stop, _("Stops every massager at once (Escape)"));
        gtk_actionable_set_action_name(GTK_ACTIONABLE(stop), "app.stop-all");
        gtk_box_append(GTK_BOX(bar), stop);
        return bar;
}

static void massager_window_class_init(MassagerWindowClass *klass) {
        (void) klass;
}

static void massager_window_init(MassagerWindow *window) {
        (void) window;
}

MassagerWindow *massager_window_new(MassagerApp *app) {
        MassagerWindow *window = g_object_new(massager_window_get_type(), "application", app,
                                              "title", _("Massager"), "default-width", 420,
                                              "default-height", 640, NULL);
        DaemonLink *link = massager_app_get_link(app);

        gtk_widget_set_size_request(GTK_WIDGET(window), 360, 300);

        GtkWidget *stack = adw_view_stack_new();
        AdwViewStackPage *page = adw_view_stack_add_titled(ADW_VIEW_STACK(stack), page_session_new(link),
                                                           "session", _("Session"));
        adw_view_stack_page_set_icon_name(page, "media-playback-start-symbolic");
        page = adw_view_stack_add_titled(ADW_VIEW_STACK(stack), page_devices_new(link), "devices", _("Device"));
        adw_view_stack_page_set_icon_name(page, "bluetooth-symbolic");
        page = adw_view_stack_add_titled(ADW_VIEW_STACK(stack), page_screening_new(link), "screening",
                                         _("Screening"));
        adw_view_stack_page_set_icon_name(page, "emblem-ok-symbolic");
        page = adw_view_stack_add_titled(ADW_VIEW_STACK(stack), page_history_new(link), "history", _("History"));
        adw_view_stack_page_set_icon_name(page, "document-open-recent-symbolic");
        page = adw_view_stack_add_titled(ADW_VIEW_STACK(stack), page_limits_new(link), "limits", _("Limits"));
        adw_view_stack_page_set_icon_name(page, "preferences-system-symbolic");

        GtkWidget *title = adw_view_switcher_title_new();
        adw_view_switcher_title_set_stack(ADW_VIEW_SWITCHER_TITLE(title), ADW_VIEW_STACK(stack));
        adw_view_switcher_title_set_title(ADW_VIEW_SWITCHER_TITLE(title), _("Massager"));
        GtkWidget *header = adw_header_bar_new();
        adw_header_bar_set_title_widget(ADW_HEADER_BAR(header), title);

        /* Narrow windows: the switcher moves to the bottom, above the Stop bar. */
        GtkWidget *switcher_bar = adw_view_switcher_bar_new();
        adw_view_switcher_bar_set_stack(ADW_VIEW_SWITCHER_BAR(switcher_bar), ADW_VIEW_STACK(stack));
        g_object_bind_property(title, "title-visible", switcher_bar, "reveal", G_BINDING_SYNC_CREATE);

        window->daemon_label = GTK_LABEL(gtk_label_new(NULL));
        gtk_label_set_wrap(window->daemon_label, TRUE);
        gtk_widget_add_css_class(GTK_WIDGET(window->daemon_label), "error");
        gtk_widget_set_margin_start(GTK_WIDGET(window->daemon_label), 12);
        gtk_widget_set_margin_end(GTK_WIDGET(window->daemon_label), 12);
        gtk_widget_set_margin_top(GTK_WIDGET(window->daemon_label), 6);
        window->daemon_revealer = GTK_REVEALER(gtk_revealer_new());
        gtk_revealer_set_child(window->daemon_revealer, GTK_WIDGET(window->daemon_label));

        GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 0);
        gtk_box_append(GTK_BOX(box), header);
        gtk_box_append(GTK_BOX(box), GTK_WIDGET(window->daemon_revealer));
        gtk_widget_set_vexpand(stack, TRUE);
        gtk_box_append(GTK_BOX(box), stack);
        gtk_box_append(GTK_BOX(box), switcher_bar);
        gtk_box_append(GTK_BOX(box), stop_bar_new());

        window->toasts = ADW_TOAST_OVERLAY(adw_toast_overlay_new());
        adw_toast_overlay_set_child(window->toasts, box);
        adw_application_window_set_content(ADW_APPLICATION_WINDOW(window), GTK_WIDGET(window->toasts));

        g_signal_connect(window, "realize", G_CALLBACK(on_realize), NULL);
        g_signal_connect_object(link, "daemon-changed", G_CALLBACK(on_daemon_changed), window, 0);
        show_daemon_state(window, link);
        return window;
}
