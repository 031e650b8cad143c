/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The Limits page: every safety limit as DescribeLimits() gives it (what it
 * means, its default, where its value comes from, its hard limit), editable
 * within its range; the daemon validates and records every change.
 */

#include <adwaita.h>

#include "daemon-link.h"

GtkWidget *page_limits_new(DaemonLink *link);
