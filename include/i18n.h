/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Translation of what a person reads (doc/packaging.md, "Translations"):
 * _() translates a sentence where it is used, N_() marks one in a static
 * table whose user translates it later with _(). Never for what a program
 * reads: D-Bus names, JSON keys, CSV headers, log fields.
 *
 * The text domain is GETTEXT_PACKAGE ("massaged", config.h); catalogs live
 * in LOCALEDIR (-D by Makefile.am from $(localedir)). glibc has gettext
 * built in: no libintl to link.
 */

#include <libintl.h>

#define _(s) gettext(s)
#define N_(s) (s)
