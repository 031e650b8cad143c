/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tell the safety clock when /etc/localtime changes (zone-watch.h). */

#include "config.h"

#include <string.h>
#include <sys/inotify.h>

#include "base/log.h"
#include "safety/safety-clock.h"
#include "zone-watch.h"

static int on_etc_change(sd_event_source *s, const struct inotify_event *ev, void *userdata) {
        if (ev->mask & IN_Q_OVERFLOW) {
                /* Events were lost: one of them may have been ours. */
                safety_clock_zone_changed();
                return 0;
        }
        if (ev->len == 0 || strcmp(ev->name, "localtime") != 0)
                return 0;
        log_info("The time zone (/etc/localtime) changed: local days are computed in the new zone from now on");
        safety_clock_zone_changed();
        return 0;
}

void zone_watch_start(sd_event *event) {
        /* The directory, not the file: timedatectl renames a new link over it,
         * which a watch on the old file would never see. */
        int r = sd_event_add_inotify(event, NULL, "/etc",
                                     IN_CREATE | IN_MOVED_TO | IN_DELETE | IN_CLOSE_WRITE | IN_ATTRIB | IN_ONLYDIR,
                                     on_etc_change, NULL);
        if (r < 0)
                log_warning_errno(r, "Cannot watch /etc/localtime for time zone changes; "
                                     "the zone is read at start only: %m");
}
