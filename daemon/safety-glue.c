/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "macro.h"
#include "safety/paths.h"
#include "safety-event.h"
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

/* The default ledger: in systemd's state directory, moved there from an
 * old location if need be (paths.h). A ledger that must not be opened
 * leaves s->ledger_open_error set, so every start is refused. */
static int resolve_ledger(SafetyContext *s) {
        PathsLedger p = {};
        int r;

        r = paths_ledger_resolve(&p);
        if (r < 0)
                return r;
        if (p.moved_from)
                log_notice("Ledger %s moved to %s, the state directory this massaged uses (doc/packaging.md)",
                           p.moved_from, p.path);
        if (p.ignored)
                log_warning("Ledger %s is not used: massaged uses %s. If the old one holds sessions the newer "
                            "one lacks, keep one of them (doc/packaging.md)", p.ignored, p.path);
        if (p.error)
                log_error("Ledger %s not opened, no session will start: %s", p.path, p.error);
        s->ledger_path = STEAL_PTR(p.path);
        s->ledger_open_error = STEAL_PTR(p.error);
        paths_ledger_clear(&p);
        return 0;
}

int safety_open(SafetyContext **ret, const char *db_path, const char *config_path) {
        _cleanup_free_ char *conf_path = NULL, *error = NULL;
        char **warnings = NULL;
        SafetyContext *s;
        int r;

        s = calloc(1, sizeof *s);
        if (!s)
                return log_error_errno(ENOMEM, "Out of memory opening the ledger and limits");
        conf_init(&s->conf);

        if (!config_path) {
                conf_path = conf_default_path();
                config_path = conf_path;
        }
        if (config_path) {
                conf_clear(&s->conf);   /* conf_load() initialises it again */
                r = conf_load(config_path, &s->conf, &warnings, &error);
                log_warnings(warnings);
                if (r < 0) {
                        /* Fail closed but keep serving: the code defaults may be looser
                         * than the file meant, so nothing starts; Stop, Status and
                         * History work, and a crash loop under Restart= is avoided. */
                        if (asprintf(&s->config_error, "%s; then restart massaged", error ?: config_path) < 0)
                                s->config_error = NULL;
                        if (!s->config_error) {
                                safety_close(s);
                                return log_error_errno(ENOMEM, "Out of memory");
                        }
                        conf_clear(&s->conf);
                        conf_init(&s->conf);
                        log_error_errno(r, "Configuration unusable, no session will start: %s", s->config_error);
                }
        }

        if (db_path) {
                s->ledger_path = strdup(db_path);
                r = s->ledger_path ? 0 : -ENOMEM;
        } else
                r = resolve_ledger(s);
        if (r < 0) {
                safety_close(s);
                return log_error_errno(r, "Cannot find the ledger's path (is $HOME set?): %m");
        }
        free(error);
        error = NULL;
        if (s->ledger_open_error)
                ;       /* resolve_ledger() said why it must not be opened */
        else if ((r = ledger_open(s->ledger_path, NULL, &s->ledger, &error)) < 0) {
                s->ledger_open_error = error ? strdup(error) : NULL;
                log_error_errno(r, "Ledger %s unusable, no session will start: %s", s->ledger_path,
                                error ?: "unknown error");
        } else {
                if (ledger_broken_path(s->ledger))
                        log_safety_event(SAFETY_EVENT_RESTORED, LOG_ERR, NULL, 0, "backup",
                                         "Ledger %s was damaged: moved aside to %s and RESTORED from its backup "
                                         "%s.backup; sessions after that backup may be missing, so no session "
                                         "starts for 24 h (safety event \"restored\")", s->ledger_path,
                                         ledger_broken_path(s->ledger), s->ledger_path);
                if (ledger_recovered_count(s->ledger) > 0)
                        log_safety_event(SAFETY_EVENT_RECOVERED, LOG_NOTICE, NULL, 0, "interrupted",
                                         "Ledger: %u session(s) left open by a crash were closed as interrupted, "
                                         "counted at their planned length", ledger_recovered_count(s->ledger));
        }

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

void safety_backup_after_open(SafetyContext *s) {
        /* Only a ledger that opened passed its integrity check: keep a copy of it. */
        if (!s->ledger)
                return;
        if (ledger_backup(s->ledger) < 0)
                log_warning("%s", ledger_error(s->ledger));
}

SafetyContext *safety_close(SafetyContext *s) {
        if (!s)
                return NULL;
        if (s->ledger && safety_flush_pending(s) > 0)
                log_error("%zu session end(s) could not be written to the ledger (%s); they count at their "
                          "planned length and are closed as interrupted at the next start", s->n_pending,
                          ledger_error(s->ledger));
        ledger_close(s->ledger);
        free(s->pending);
        free(s->ledger_path);
        free(s->ledger_open_error);
        free(s->config_error);
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

const char *safety_config_error(SafetyContext *s) {
        return s->config_error;
}

/* Log what ledger_guard() did behind a call, once. */
static void log_file_changes(SafetyContext *s) {
        const char *gone = ledger_abandoned_path(s->ledger);
        unsigned n = ledger_wal_discarded_count(s->ledger);

        if (n != s->wal_discarded_seen) {
                s->wal_discarded_seen = n;
                /* Pages lost hold starts for 24 h (the ledger's "restored" event): a safety event. */
                if (ledger_wal_lost_frames(s->ledger) > 0)
                        log_safety_event(SAFETY_EVENT_RESTORED, LOG_ERR, NULL, 0, "wal",
                                         "Ledger %s: its write-ahead log changed under massaged (truncated or "
                                         "overwritten); it was set aside as %s.broken-<seconds>-wal and never "
                                         "copied into the ledger; %u page(s) of it were not in the file yet, so "
                                         "no session starts for 24 h", ledger_path(s->ledger),
                                         ledger_path(s->ledger), ledger_wal_lost_frames(s->ledger));
                else
                        log_error("Ledger %s: its write-ahead log changed under massaged (truncated or overwritten); "
                                  "it was set aside as %s.broken-<seconds>-wal and never copied into the ledger; "
                                  "0 page(s) of it were not in the file yet, nothing lost", ledger_path(s->ledger),
                                  ledger_path(s->ledger));
        }
        n = ledger_relinked_count(s->ledger);
        if (n != s->relinked_seen) {
                s->relinked_seen = n;
                log_warning("Ledger %s (or its -wal/-shm) was deleted while massaged ran; its records were "
                            "written back from the open copy", ledger_path(s->ledger));
        }
        if (gone && (!s->ledger_path || strcmp(s->ledger_path, gone) == 0)) {
                log_error("Ledger %s was replaced by another file while massaged ran; massaged keeps its records "
                          "in %s and starts no session until one of them is chosen and massaged restarted", gone,
                          ledger_path(s->ledger));
                free(s->ledger_path);
                s->ledger_path = strdup(ledger_path(s->ledger));
        }
}

static bool end_retryable(int r) {
        return r != -ENOENT && r != -EALREADY && r != -EINVAL;
}

int safety_session_end(SafetyContext *s, int64_t id, const SafetyClock *clock, uint32_t seconds,
                       uint32_t heat_seconds, PolicyEndReason reason) {
        SafetyPendingEnd *p;
        int r;

        if (!s->ledger)
                return -EROFS;
        r = ledger_session_end(s->ledger, id, clock, seconds, heat_seconds, reason);
        log_file_changes(s);
        if (r >= 0 && ledger_backup(s->ledger) < 0) {
                /* The end is recorded; only the copy failed, and the previous one is kept. */
                log_warning("%s", ledger_error(s->ledger));
                log_file_changes(s);
        }
        if (r >= 0 || !end_retryable(r))
                return r;
        p = realloc(s->pending, (s->n_pending + 1) * sizeof *p);
        if (!p)
                return r;
        s->pending = p;
        s->pending[s->n_pending++] = (SafetyPendingEnd) {
                .id = id, .clock = *clock, .seconds = seconds, .heat_seconds = heat_seconds, .reason = reason,
        };
        return r;
}

size_t safety_flush_pending(SafetyContext *s) {
        size_t kept = 0;

        for (size_t i = 0; i < s->n_pending; i++) {
                SafetyPendingEnd *p = &s->pending[i];
                int r = ledger_session_end(s->ledger, p->id, &p->clock, p->seconds, p->heat_seconds, p->reason);
                if (r >= 0)
                        log_notice("Ledger takes writes again: session %lld's end (%u s, %s) recorded",
                                   (long long) p->id, p->seconds, policy_end_reason_to_string(p->reason));
                else if (end_retryable(r))
                        s->pending[kept++] = *p;
        }
        s->n_pending = kept;
        return kept;
}

int safety_figures(SafetyContext *s, SafetyClock *ret_clock, PolicyFigures *ret_figures) {
        int r;

        if (!s->ledger)
                return -EROFS;
        /* Ends that waited for space first, so the figures count the true lengths. */
        (void) safety_flush_pending(s);
        r = safety_clock_now(ret_clock);
        if (r < 0)
                return r;
        r = ledger_figures(s->ledger, ret_clock, ret_figures);
        log_file_changes(s);
        if (r < 0)
                return r;
        *ret_clock = ret_figures->clock;
        return 0;
}

PolicyInput safety_policy_input(const SafetyContext *s, const PolicyFigures *figures,
                                const MassagerDeviceInfo *device, const MassagerStatus *status) {
        return (PolicyInput) {
                .limits = &s->limits,
                .figures = figures,
                .device = device,
                /* No reading is no reason to refuse a start (doc/safety.md, battery). */
                .battery = status ? status->battery : MASSAGER_BATTERY_UNKNOWN,
                .temperature = status ? status->temperature : MASSAGER_TEMP_NONE,
        };
}

int safety_screening_submit(SafetyContext *s, const ScreeningAnswers *a, PolicyRefusal *ret_refusal) {
        _cleanup_free_ char *detail = NULL;
        uint32_t corrected = 0;
        SafetyClock clock, now;
        PolicyFigures f;
        char keys[256];
        int r;

        r = safety_figures(s, &clock, &f);
        if (r < 0)
                return r;
        r = policy_check_screening_submission(&f, a, ret_refusal);
        if (r < 0)
                return r;
        if (r == 0) {
                log_safety_event(SAFETY_EVENT_REFUSAL, LOG_NOTICE, NULL, 0,
                                 policy_reason_to_string(ret_refusal->reason), "Screening refused (%s): %s",
                                 policy_reason_to_string(ret_refusal->reason), ret_refusal->message);
                if (asprintf(&detail, "%s: %s", policy_reason_to_string(ret_refusal->reason),
                             ret_refusal->message) >= 0 &&
                    ledger_event_add(s->ledger, &clock, LEDGER_EVENT_REFUSAL, NULL, detail) < 0)
                        log_warning("Could not record the refusal: %s", ledger_error(s->ledger));
                return 0;
        }
        /* Recorded at the clock's own time, like every answer before it. */
        r = safety_clock_now(&now);
        if (r < 0)
                return r;
        r = ledger_screening_record(s->ledger, &now, a, &corrected);
        if (r < 0)
                return r;
        if (corrected) {
                screening_format_keys(keys, sizeof keys, corrected, "", "");
                log_safety_event(SAFETY_EVENT_SCREENING_CORRECTION, LOG_NOTICE, NULL, 0, keys,
                                 "Screening answers corrected from yes to no by the user: %s", keys);
        }
        log_info("Screening recorded (%s%s)", a->yes ? "a contraindication answered yes" : "all no",
                 a->clearance ? ", with a clearance" : "");
        return 1;
}
