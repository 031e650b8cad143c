/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The safety library's own copy of include/i18n.h (it builds with only
 * daemon/safety on its include path): _() translates a sentence a person
 * reads, N_() marks one in a static table translated where it is used.
 * gettext() only reads the catalogs the daemon bound in main(); without
 * them (the unit tests) it returns the English text, so the library stays
 * pure.
 */

#include <libintl.h>

#define _(s) gettext(s)
#define N_(s) (s)
