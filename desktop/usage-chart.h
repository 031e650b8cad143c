/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Minutes of massage per day as bars, against the daily cap (a dashed line;
 * a day over it is drawn in the warning colour).
 */

#include <gtk/gtk.h>

GtkWidget *usage_chart_new(void);
/* minutes[i] for day i, oldest first; cap 0: none drawn. */
void usage_chart_set(GtkWidget *chart, const guint *minutes, guint n_days, guint cap);
