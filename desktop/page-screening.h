/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The Screening page: the daemon's health questions with their help, one
 * switch each; a "yes" shows what it means and offers to record a
 * clinician's clearance; submitted with SubmitScreening. Until when the
 * answers hold comes from ScreeningValidUntil.
 */

#include <adwaita.h>

#include "daemon-link.h"

GtkWidget *page_screening_new(DaemonLink *link);
