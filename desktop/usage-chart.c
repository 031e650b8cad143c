/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <glib/gi18n.h>

#include "usage-chart.h"

typedef struct UsageChart {
        GArray *minutes;        /* guint per day, oldest first */
        guint cap;
} UsageChart;

static UsageChart *chart_of(GtkWidget *w) {
        return g_object_get_data(G_OBJECT(w), "usage-chart");
}

static void chart_free(UsageChart *c) {
        g_array_unref(c->minutes);
        g_free(c);
}

static void draw(GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer user_data) {
        (void) user_data;
        UsageChart *c = chart_of(GTK_WIDGET(area));
        guint top = MAX(c->cap, 1);
        guint n = c->minutes->len;

        for (guint i = 0; i < n; i++)
                top = MAX(top, g_array_index(c->minutes, guint, i));
        top = top + top / 10 + 1;
        if (n == 0)
                return;

        double slot = (double) width / n, bar = MAX(1.0, slot * 0.7);
        for (guint i = 0; i < n; i++) {
                guint m = g_array_index(c->minutes, guint, i);
                double h = (double) m / top * (height - 2);
                if (c->cap && m > c->cap)
                        cairo_set_source_rgb(cr, 0.90, 0.38, 0.0);     /* over the cap */
                else
                        cairo_set_source_rgb(cr, 0.21, 0.52, 0.89);
                cairo_rectangle(cr, i * slot + (slot - bar) / 2, height - h, bar, h);
                cairo_fill(cr);
        }
        if (c->cap) {
                double y = height - (double) c->cap / top * (height - 2), dash = 4;
                cairo_set_source_rgba(cr, 0.75, 0.11, 0.16, 0.8);
                cairo_set_line_width(cr, 1);
                cairo_set_dash(cr, &dash, 1, 0);
                cairo_move_to(cr, 0, y);
                cairo_line_to(cr, width, y);
                cairo_stroke(cr);
        }
}

GtkWidget *usage_chart_new(void) {
        GtkWidget *area = gtk_drawing_area_new();
        UsageChart *c = g_new0(UsageChart, 1);

        c->minutes = g_array_new(FALSE, TRUE, sizeof(guint));
        g_object_set_data_full(G_OBJECT(area), "usage-chart", c, (GDestroyNotify) chart_free);
        gtk_drawing_area_set_content_height(GTK_DRAWING_AREA(area), 120);
        gtk_drawing_area_set_draw_func(GTK_DRAWING_AREA(area), draw, NULL, NULL);
        gtk_accessible_update_property(GTK_ACCESSIBLE(area), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                       _("Minutes per day"), -1);
        return area;
}

void usage_chart_set(GtkWidget *chart, const guint *minutes, guint n_days, guint cap) {
        UsageChart *c = chart_of(chart);
        guint total = 0, over = 0;

        g_array_set_size(c->minutes, 0);
        g_array_append_vals(c->minutes, minutes, n_days);
        c->cap = cap;
        for (guint i = 0; i < n_days; i++) {
                total += minutes[i];
                over += cap && minutes[i] > cap;
        }
        /* What the bars say, for a screen reader (and the tests). */
        g_autofree char *text = g_strdup_printf(_("%u min in %u days, daily cap %u min, %u day(s) over it"),
                                                total, n_days, cap, over);
        gtk_accessible_update_property(GTK_ACCESSIBLE(chart), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text, -1);
        gtk_widget_queue_draw(chart);
}
