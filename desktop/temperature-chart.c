/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <glib/gi18n.h>
#include <math.h>

#include "temperature-chart.h"

#define WINDOW_US       (10 * 60 * G_USEC_PER_SEC)
#define MAX_READINGS    1200
#define AXIS_MIN_C      20.0
#define AXIS_MAX_C      50.0
#define MARK_C          38.0

typedef struct Reading {
        gint64 at_us;
        double celsius;
} Reading;

typedef struct Chart {
        GArray *readings;       /* Reading, oldest first */
} Chart;

static Chart *chart_of(GtkWidget *widget) {
        return g_object_get_data(G_OBJECT(widget), "temperature-chart");
}

static void chart_free(Chart *c) {
        g_array_unref(c->readings);
        g_free(c);
}

static double y_of(double celsius, int height) {
        double t = (CLAMP(celsius, AXIS_MIN_C, AXIS_MAX_C) - AXIS_MIN_C) / (AXIS_MAX_C - AXIS_MIN_C);
        return height - 4 - t * (height - 8);
}

static void draw(GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer user_data) {
        (void) area, (void) user_data;
        Chart *c = chart_of(GTK_WIDGET(area));
        gint64 now = g_get_monotonic_time();
        /* The x axis spans the readings so far (at least a minute, at most the window). */
        gint64 span = c->readings->len ? now - g_array_index(c->readings, Reading, 0).at_us : 0;
        span = CLAMP(span, 60 * G_USEC_PER_SEC, WINDOW_US);

        /* The 38 °C mark, dashed. */
        cairo_set_source_rgba(cr, 0.5, 0.5, 0.5, 0.6);
        cairo_set_line_width(cr, 1);
        double dash = 4;
        cairo_set_dash(cr, &dash, 1, 0);
        cairo_move_to(cr, 0, y_of(MARK_C, height));
        cairo_line_to(cr, width, y_of(MARK_C, height));
        cairo_stroke(cr);
        cairo_set_dash(cr, NULL, 0, 0);

        /* The readings: orange, the colour of the pad in the icon. */
        cairo_set_source_rgb(cr, 1.0, 0.47, 0.0);
        cairo_set_line_width(cr, 2);
        for (guint i = 0; i < c->readings->len; i++) {
                Reading *r = &g_array_index(c->readings, Reading, i);
                double x = width - (double) (now - r->at_us) / span * width;
                if (i == 0)
                        cairo_move_to(cr, x, y_of(r->celsius, height));
                else
                        cairo_line_to(cr, x, y_of(r->celsius, height));
        }
        if (c->readings->len == 1) {
                /* One reading: a short flat line, so it shows. */
                cairo_rel_line_to(cr, 4, 0);
        }
        cairo_stroke(cr);
}

GtkWidget *temperature_chart_new(void) {
        GtkWidget *area = gtk_drawing_area_new();
        Chart *c = g_new0(Chart, 1);

        c->readings = g_array_new(FALSE, FALSE, sizeof(Reading));
        g_object_set_data_full(G_OBJECT(area), "temperature-chart", c, (GDestroyNotify) chart_free);
        gtk_drawing_area_set_content_height(GTK_DRAWING_AREA(area), 80);
        gtk_drawing_area_set_draw_func(GTK_DRAWING_AREA(area), draw, NULL, NULL);
        gtk_accessible_update_property(GTK_ACCESSIBLE(area), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                       _("Pad temperature"), -1);
        return area;
}

void temperature_chart_add(GtkWidget *chart, double celsius) {
        Chart *c = chart_of(chart);
        gint64 now = g_get_monotonic_time();

        if (isnan(celsius))
                return;
        /* Forget what scrolled out of the window, and never hold more than MAX_READINGS. */
        guint old = 0;
        while (old < c->readings->len && now - g_array_index(c->readings, Reading, old).at_us > WINDOW_US)
                old++;
        if (c->readings->len - old >= MAX_READINGS)
                old++;
        g_array_remove_range(c->readings, 0, old);
        g_array_append_val(c->readings, ((Reading) { .at_us = now, .celsius = celsius }));

        g_autofree char *text = g_strdup_printf(_("%.1f °C now"), celsius);
        gtk_accessible_update_property(GTK_ACCESSIBLE(chart), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text, -1);
        gtk_widget_queue_draw(chart);
}

void temperature_chart_clear(GtkWidget *chart) {
        g_array_set_size(chart_of(chart)->readings, 0);
        gtk_widget_queue_draw(chart);
}

guint temperature_chart_count(GtkWidget *chart) {
        return chart_of(chart)->readings->len;
}
