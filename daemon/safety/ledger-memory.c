/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the ledger costs in memory while the daemon idles (doc/performance.md,
 * Round 2). SQLite keeps the pages it read in its page cache, bounded by
 * cache_size (the default, 2000 KiB); at start-up the integrity check reads
 * every page, so without this the whole file stays in the daemon's private
 * memory until exit. Durability is not touched: only clean cached pages are
 * dropped, and the next read takes them from the kernel's page cache again.
 */
#include <sqlite3.h>

#include "ledger-internal.h"

/* Once, before the first connection: SQLite otherwise carves its first page
 * cache out of one block allocated ahead ("SQLITE_DEFAULT_PCACHE_INITSZ"),
 * which it never frees while the connection lives, so the release below could
 * not hand it back. Pages are then allocated one by one as they are read. */
void ledger_memory_setup(void) {
        static int done;

        if (done)
                return;
        done = 1;
        /* SQLITE_MISUSE once SQLite is initialised (another user of it in the
         * process was first): then it keeps its default, which is only slower
         * to shrink. */
        (void) sqlite3_config(SQLITE_CONFIG_PAGECACHE, NULL, 0, 0);
}

void ledger_release_memory(Ledger *l) {
        if (l && l->db)
                (void) sqlite3_db_release_memory(l->db);
}
