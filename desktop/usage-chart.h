/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Minutes of massage per day as bars, against the daily cap (a dashed line,
 * labelled at its end; a day over it is drawn in the warning colour). Under
 * the bars the day each stands for, in the user's locale; above the tallest
 * its minutes, so the scale reads without an axis.
 */

#include <gtk/gtk.h>

GtkWidget *usage_chart_new(void);
/* minutes[i] for day i, oldest first; cap 0: none drawn. first_day: the
 * local start of day 0 (day i is first_day plus i calendar days, so a 23 or
 * 25 h DST day moves no label). */
void usage_chart_set(GtkWidget *chart, const guint *minutes, guint n_days, guint cap, GDateTime *first_day);
