/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * massager: the desktop app for massaged. A client of org.massaged1 on the
 * user bus, built only from the published introspection XML.
 */

#include <locale.h>

#include "massager-app.h"

int main(int argc, char *argv[]) {
        setlocale(LC_ALL, "");

        g_autoptr(MassagerApp) app = massager_app_new();
        return g_application_run(G_APPLICATION(app), argc, argv);
}
