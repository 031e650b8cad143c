/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The main window: a view stack of pages, a line that says when massaged
 * cannot be reached, and a Stop button that is always visible (Escape too).
 */

#include <adwaita.h>

#include "massager-app.h"

G_DECLARE_FINAL_TYPE(MassagerWindow, massager_window, MASSAGER, WINDOW, AdwApplicationWindow)

MassagerWindow *massager_window_new(MassagerApp *app);
void massager_window_toast(MassagerWindow *window, const char *message);
