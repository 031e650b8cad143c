/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The History page: minutes per day against the daily cap for a week or a
 * month, and the sessions of the last 30 days with why they ended, pain
 * before and after and a note (the diary, editable).
 */

#include <adwaita.h>

#include "daemon-link.h"

GtkWidget *page_history_new(DaemonLink *link);
