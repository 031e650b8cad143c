/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The application: one window, the link to massaged, and the actions that
 * must work with the window closed (app.stop-all for the desktop file's
 * "Stop massage now" and Escape; app.stop-device for a notification's Stop).
 */

#include <adwaita.h>

#include "daemon-link.h"

#define MASSAGER_APP_ID "org.massaged.Massager"

G_DECLARE_FINAL_TYPE(MassagerApp, massager_app, MASSAGER, APP, AdwApplication)

MassagerApp *massager_app_new(void);
DaemonLink *massager_app_get_link(MassagerApp *app);
/* Shows a short message in the window (a toast), or nowhere when it is closed. */
void massager_app_report(MassagerApp *app, const char *message);
