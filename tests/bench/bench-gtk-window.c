/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The floor for the desktop app in `make bench`: a bare libadwaita window
 * (header bar, one button) that prints when its first frame was painted,
 * in CLOCK_MONOTONIC µs, as the app does with G_MESSAGES_DEBUG=massager.
 */

#include <adwaita.h>
#include <stdio.h>

static void on_first_paint(GdkFrameClock *clock, gpointer window) {
        printf("first frame painted at %" G_GINT64_FORMAT " us (CLOCK_MONOTONIC)\n", g_get_monotonic_time());
        (void) fflush(stdout);
        g_signal_handlers_disconnect_by_func(clock, on_first_paint, window);
}

static void on_realize(GtkWidget *window) {
        g_signal_connect(gtk_widget_get_frame_clock(window), "after-paint", G_CALLBACK(on_first_paint), window);
}

static void on_activate(GtkApplication *app) {
        GtkWidget *window = adw_application_window_new(app);
        GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 0);

        gtk_box_append(GTK_BOX(box), adw_header_bar_new());
        gtk_box_append(GTK_BOX(box), gtk_button_new_with_label("Stop"));
        adw_application_window_set_content(ADW_APPLICATION_WINDOW(window), box);
        gtk_window_set_default_size(GTK_WINDOW(window), 420, 640);
        g_signal_connect(window, "realize", G_CALLBACK(on_realize), NULL);
        gtk_window_present(GTK_WINDOW(window));
}

int main(int argc, char *argv[]) {
        g_autoptr(AdwApplication) app = adw_application_new("org.massaged.BenchWindow", G_APPLICATION_NON_UNIQUE);
        g_signal_connect(app, "activate", G_CALLBACK(on_activate), NULL);
        return g_application_run(G_APPLICATION(app), argc, argv);
}
