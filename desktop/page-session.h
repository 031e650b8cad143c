/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The Session page, for the connected massager: choose a program,
 * intensity, heat and length and start; while it runs, the countdown, the
 * pattern, the intensity and the pad temperature drawn live; pause and
 * resume; stop with a symptom as the reason.
 */

#include <adwaita.h>

#include "daemon-link.h"

GtkWidget *page_session_new(DaemonLink *link);
