/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "macro.h"
#include "safety-glue.h"

static void log_warnings(char **warnings) {
        for (char **w = warnings; w && *w; w++)
                log_warning("%s", *w);
        program_strv_free(warnings);
}

int safety_reload_limits(SafetyContext *s) {
        char **warnings = NULL;
        int r;

        s->limits = s->conf.limits;
        memcpy(s->sources, s->conf.source, sizeof s->sources);
        if (!s->ledger)
                return 0;
        r = ledger_settings_apply(s->ledger, &s->limits, s->sources, &warnings);
        log_warnings(warnings);
        if (r < 0)
                return log_error_errno(r, "Could not read stored limits: %s", ledger_error(s->ledger));
        return 0;
}

int safety_open(SafetyContext **ret, const char *db_path, const char *config_path) {
        _cleanup_free_ char *conf_path = NULL, *error = NULL;
        char **warnings = NULL;
        SafetyContext *s;
        int r;

        s = calloc(1, sizeof *s);
        if (!s)
                return -ENOMEM;
        conf_init(&s->conf);

        if (!config_path) {
                conf_path = conf_default_path();        /* owned here, freed on return */
                config_path = conf_path;
        }
        if (config_path) {
                conf_clear(&s->conf);   /* conf_load() initialises it again */
                r = conf_load(config_path, &s->conf, &warnings, &error);
                log_warnings(warnings);
                if (r < 0) {
                        log_error_errno(r, "%s", error ?: "Could not load the configuration");
                        safety_close(s);
                        return r;
                }
        }

        s->ledger_path = db_path ? strdup(db_path) : ledger_default_path();
        if (!s->ledger_path) {
                safety_close(s);
                return log_error_errno(ENOMEM, "Cannot find the ledger's path (is $HOME set?)");
        }
        free(error);
        error = NULL;
        r = ledger_open(s->ledger_path, NULL, &s->ledger, &error);
        if (r < 0) {
                s->ledger_open_error = error ? strdup(error) : NULL;
                log_error_errno(r, "Ledger %s unusable, no session will start: %s", s->ledger_path,
                                error ?: "unknown error");
        } else if (ledger_recovered_count(s->ledger) > 0)
                log_notice("Ledger: %u session(s) left open by a crash were closed as interrupted, "
                           "counted at their planned length", ledger_recovered_count(s->ledger));

        (void) safety_reload_limits(s);

        const char *builtin = program_builtin_dir();
        warnings = NULL;
        r = program_list_load_default(builtin, &s->programs, &warnings);
        log_warnings(warnings);
        if (r < 0) {
                safety_close(s);
                return log_error_errno(r, "Could not load programs: %m");
        }
        if (s->programs.n == 0)
                log_warning("No massage programs found in %s; Start will refuse every program", builtin);
        *ret = s;
        return 0;
}

SafetyContext *safety_close(SafetyContext *s) {
        if (!s)
                return NULL;
        ledger_close(s->ledger);
        free(s->ledger_path);
        free(s->ledger_open_error);
        conf_clear(&s->conf);
        program_list_clear(&s->programs);
        free(s);
        return NULL;
}

const char *safety_storage_error(SafetyContext *s) {
        if (!s->ledger)
                return s->ledger_open_error ?: "The usage ledger could not be opened; see the daemon's log";
        const char *e = ledger_error(s->ledger);
        return e && *e ? e : "The usage ledger could not be read or written";
}

int safety_figures(SafetyContext *s, SafetyClock *ret_clock, PolicyFigures *ret_figures) {
        int r;

        if (!s->ledger)
                return -EROFS;
        r = safety_clock_now(ret_clock);
        if (r < 0)
                return r;
        r = ledger_figures(s->ledger, ret_clock, ret_figures);
        if (r < 0)
                return r;
        *ret_clock = ret_figures->clock;
        return 0;
}
