/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <glib/gi18n.h>

#include "usage-chart.h"

#define LABEL_GAP       6       /* px between two day labels, and around the cap label */
#define WEEKDAYS_MAX    7       /* up to a week a bar is named by its weekday, beyond by its date */

typedef struct UsageChart {
        GArray *minutes;        /* guint per day, oldest first */
        GPtrArray *days;        /* char *: what is written under each bar */
        guint cap;
} UsageChart;

/* Where things go, worked out once per frame from the text's size. */
typedef struct Frame {
        double bars_w;          /* the bars' width; the cap label sits right of it */
        double base;            /* y of the bars' foot */
        double plot_h;          /* from the foot to where the tallest bar may reach */
        double top;             /* the minutes at plot_h */
        double slot;            /* one day's width */
} Frame;

static UsageChart *chart_of(GtkWidget *w) {
        return g_object_get_data(G_OBJECT(w), "usage-chart");
}

static void chart_free(UsageChart *c) {
        g_array_unref(c->minutes);
        g_ptr_array_unref(c->days);
        g_free(c);
}

/* The theme's text colour, so the labels read in light and dark styles alike.
 * GTK 4.8 has it only through the style context (gtk_widget_get_color is 4.10). */
static void text_colour(GtkWidget *w, GdkRGBA *ret) {
#if GTK_CHECK_VERSION(4, 10, 0)
        gtk_widget_get_color(w, ret);
#else
        gtk_style_context_get_color(gtk_widget_get_style_context(w), ret);
#endif
}

static char *cap_text(guint cap) {
        /* TRANSLATORS: at the end of the usage chart's dashed line, the daily cap. */
        return g_strdup_printf(_("cap %u min"), cap);
}

static guint tallest_of(const UsageChart *c, guint *ret_index) {
        guint tallest = 0, index = 0;
        for (guint i = 0; i < c->minutes->len; i++)
                if (g_array_index(c->minutes, guint, i) > tallest) {
                        tallest = g_array_index(c->minutes, guint, i);
                        index = i;
                }
        if (ret_index)
                *ret_index = index;
        return tallest;
}

static double y_of(const Frame *f, guint minutes) {
        return f->base - (double) minutes / f->top * f->plot_h;
}

static void show_text(cairo_t *cr, PangoLayout *layout, double x, double y) {
        cairo_move_to(cr, x, y);
        pango_cairo_show_layout(cr, layout);
}

static void draw_bars(cairo_t *cr, const UsageChart *c, const Frame *f) {
        double bar = MAX(1.0, f->slot * 0.7);
        for (guint i = 0; i < c->minutes->len; i++) {
                guint m = g_array_index(c->minutes, guint, i);
                double y = y_of(f, m);
                if (c->cap && m > c->cap)
                        cairo_set_source_rgb(cr, 0.90, 0.38, 0.0);     /* over the cap */
                else
                        cairo_set_source_rgb(cr, 0.21, 0.52, 0.89);
                cairo_rectangle(cr, i * f->slot + (f->slot - bar) / 2, y, bar, f->base - y);
                cairo_fill(cr);
        }
}

/* The dashed line at the cap, its value at the line's right end. */
static void draw_cap(GtkWidget *w, cairo_t *cr, const UsageChart *c, const Frame *f, const GdkRGBA *fg) {
        double y = y_of(f, c->cap), dash = 4;
        cairo_save(cr);
        cairo_set_source_rgba(cr, 0.75, 0.11, 0.16, 0.8);
        cairo_set_line_width(cr, 1);
        cairo_set_dash(cr, &dash, 1, 0);
        cairo_move_to(cr, 0, y);
        cairo_line_to(cr, f->bars_w, y);
        cairo_stroke(cr);
        cairo_restore(cr);

        g_autofree char *text = cap_text(c->cap);
        g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout(w, text);
        int tw, th;
        pango_layout_get_pixel_size(layout, &tw, &th);
        gdk_cairo_set_source_rgba(cr, fg);
        show_text(cr, layout, f->bars_w + LABEL_GAP, CLAMP(y - th / 2.0, 0, f->base - th));
}

/* The tallest day's minutes just above its bar: the scale, without an axis. */
static void draw_tallest(GtkWidget *w, cairo_t *cr, const UsageChart *c, const Frame *f, const GdkRGBA *fg) {
        guint index, tallest = tallest_of(c, &index);
        if (tallest == 0)
                return;
        g_autofree char *text = g_strdup_printf(_("%u min"), tallest);
        g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout(w, text);
        int tw, th;
        pango_layout_get_pixel_size(layout, &tw, &th);
        double x = (index + 0.5) * f->slot - tw / 2.0;
        gdk_cairo_set_source_rgba(cr, fg);
        show_text(cr, layout, CLAMP(x, 0, MAX(0, f->bars_w - tw)), y_of(f, tallest) - th - 1);
}

/*
 * Each n-th day's label under its bar, n from the widest label and the slot
 * so that none overlap, counted back from the last bar so today is always
 * named. Drawn from the right; a label that would still touch the one
 * right of it (at the edges, where labels are pushed inside) is left out.
 */
static void draw_days(GtkWidget *w, cairo_t *cr, const UsageChart *c, const Frame *f, const GdkRGBA *fg,
                      int width, int height) {
        guint n = c->days->len;
        g_autoptr(GPtrArray) layouts = g_ptr_array_new_with_free_func(g_object_unref);
        int widest = 0;

        for (guint i = 0; i < n; i++) {
                PangoLayout *layout = gtk_widget_create_pango_layout(w, c->days->pdata[i]);
                int tw;
                pango_layout_get_pixel_size(layout, &tw, NULL);
                widest = MAX(widest, tw);
                g_ptr_array_add(layouts, layout);
        }
        /* Rounded up by hand: the app does not link libm (clang's link says so). */
        double slots = (widest + LABEL_GAP) / f->slot;
        guint step = (guint) slots;
        if (step < slots)
                step++;
        step = MAX(1u, step);
        double left_of_next = width + LABEL_GAP;

        gdk_cairo_set_source_rgba(cr, fg);
        for (guint k = 0; k < n; k += step) {
                guint i = n - 1 - k;
                int tw, th;
                pango_layout_get_pixel_size(layouts->pdata[i], &tw, &th);
                double x = CLAMP((i + 0.5) * f->slot - tw / 2.0, 0, MAX(0, width - tw));
                if (x + tw + LABEL_GAP > left_of_next)
                        continue;
                show_text(cr, layouts->pdata[i], x, height - th);
                left_of_next = x;
        }
}

static void draw(GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer user_data) {
        (void) user_data;
        GtkWidget *w = GTK_WIDGET(area);
        UsageChart *c = chart_of(w);
        guint n = c->minutes->len;
        GdkRGBA fg;
        int line_h = 0, cap_w = 0;
        Frame f;

        if (n == 0)
                return;
        text_colour(w, &fg);
        {
                g_autoptr(PangoLayout) probe = gtk_widget_create_pango_layout(w, "0");
                pango_layout_get_pixel_size(probe, NULL, &line_h);
        }
        if (c->cap) {
                g_autofree char *text = cap_text(c->cap);
                g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout(w, text);
                pango_layout_get_pixel_size(layout, &cap_w, NULL);
                cap_w += LABEL_GAP;
        }
        guint tallest = MAX(tallest_of(c, NULL), c->cap);
        f.bars_w = MAX((double) n, (double) (width - cap_w));
        f.slot = f.bars_w / n;
        f.base = height - line_h - 2;
        /* A line of headroom for the tallest bar's label. */
        f.plot_h = MAX(1.0, f.base - line_h - 2);
        f.top = MAX(tallest, 1);

        draw_bars(cr, c, &f);
        if (c->cap)
                draw_cap(w, cr, c, &f, &fg);
        draw_tallest(w, cr, c, &f, &fg);
        draw_days(w, cr, c, &f, &fg, width, height);
}

GtkWidget *usage_chart_new(void) {
        GtkWidget *area = gtk_drawing_area_new();
        UsageChart *c = g_new0(UsageChart, 1);

        c->minutes = g_array_new(FALSE, TRUE, sizeof(guint));
        c->days = g_ptr_array_new_with_free_func(g_free);
        g_object_set_data_full(G_OBJECT(area), "usage-chart", c, (GDestroyNotify) chart_free);
        gtk_drawing_area_set_content_height(GTK_DRAWING_AREA(area), 150);
        gtk_drawing_area_set_draw_func(GTK_DRAWING_AREA(area), draw, NULL, NULL);
        gtk_accessible_update_property(GTK_ACCESSIBLE(area), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                       _("Minutes per day"), -1);
        return area;
}

/* A day as the description names it: "Mon 30 Nov". */
static char *day_text(GDateTime *day) {
        /* TRANSLATORS: a day in the usage chart's description, for g_date_time_format(): */
        /* TRANSLATORS: %a weekday, %-d day of the month, %b month (German: "%a, %-d. %b"). */
        char *text = g_date_time_format(day, _("%a %-d %b"));
        /* A translation GLib cannot read still names the day. */
        return text ?: g_date_time_format(day, "%F");
}

void usage_chart_set(GtkWidget *chart, const guint *minutes, guint n_days, guint cap, GDateTime *first_day) {
        UsageChart *c = chart_of(chart);
        guint total = 0, over = 0;

        g_return_if_fail(n_days > 0);
        g_array_set_size(c->minutes, 0);
        g_array_append_vals(c->minutes, minutes, n_days);
        c->cap = cap;
        g_ptr_array_set_size(c->days, 0);
        for (guint i = 0; i < n_days; i++) {
                g_autoptr(GDateTime) day = g_date_time_add_days(first_day, (int) i);
                char *label = g_date_time_format(day, n_days <= WEEKDAYS_MAX ? "%a" : "%-d");
                g_ptr_array_add(c->days, label ?: g_strdup(""));
                total += minutes[i];
                over += cap && minutes[i] > cap;
        }
        g_autoptr(GDateTime) last_day = g_date_time_add_days(first_day, (int) n_days - 1);
        g_autofree char *first = day_text(first_day), *last = day_text(last_day);
        /* What the bars say, for a screen reader (and the tests). */
        g_autofree char *text = g_strdup_printf(
                _("%u min in %u days, daily cap %u min, %u day(s) over it, from %s to %s"),
                total, n_days, cap, over, first, last);
        gtk_accessible_update_property(GTK_ACCESSIBLE(chart), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text, -1);
        gtk_widget_queue_draw(chart);
}
