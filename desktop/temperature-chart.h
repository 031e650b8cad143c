/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The pad temperature of the running session, drawn live: the last ten
 * minutes of readings as a line, with the 38 °C mark (below it a thermal
 * lock-out can be acknowledged, doc/safety.md) for scale.
 */

#include <gtk/gtk.h>

GtkWidget *temperature_chart_new(void);
/* Adds a reading taken now (CLOCK_MONOTONIC); NaN readings are skipped. */
void temperature_chart_add(GtkWidget *chart, double celsius);
void temperature_chart_clear(GtkWidget *chart);
/* How many readings it holds (for the accessible description and tests). */
guint temperature_chart_count(GtkWidget *chart);
