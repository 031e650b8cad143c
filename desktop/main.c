/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * massager: the desktop app for massaged. A client of org.massaged1 on the
 * user bus, built only from the published introspection XML.
 */

#include <glib/gi18n.h>
#include <locale.h>

#include "config.h"
#include "massager-app.h"

int main(int argc, char *argv[]) {
        /* The project's one text domain (po/); the daemon's sentences arrive
         * already translated, ours come from the same catalogs. */
        (void) setlocale(LC_ALL, "");
        (void) bindtextdomain(GETTEXT_PACKAGE, LOCALEDIR);
        (void) bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
        (void) textdomain(GETTEXT_PACKAGE);

        g_autoptr(MassagerApp) app = massager_app_new();
        return g_application_run(G_APPLICATION(app), argc, argv);
}
