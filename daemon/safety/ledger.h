/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The usage ledger: one SQLite file ($XDG_STATE_HOME/massaged/usage.db) that
 * the safety limits are computed from, so they survive restarts and crashes.
 * Plain C + sqlite3; no GLib, no logging (the daemon logs what it handles).
 *
 * Tables: devices (the allow-list), screening (answers, clearances),
 * sessions, events (safety events), settings (limits set at run time), diary,
 * anchors (one wall/monotonic pair per boot, for safety_clock_reconcile()).
 * Schema versioned by PRAGMA user_version, migrated forward on open.
 *
 * Durability: WAL; ledger_session_begin() commits with synchronous=FULL before
 * it returns, so the row exists on disk before the device is told to start.
 * A session row is written conservatively from the start: its counted
 * seconds, heat seconds and end time are the PLANNED ones until
 * ledger_session_end() replaces them with the measured ones. A crash therefore
 * leaves a row that already counts at its planned length; ledger_open() marks
 * such rows ended with reason "interrupted" (ending at the bound of a pause
 * they were in, ledger_session_pause()) and logs a "recovered" event.
 *
 * Fail closed: every function returns 0 (or a count / 1-0 answer where said)
 * or a negative errno, and then ledger_error() holds a sentence naming the
 * file and the fix, for org.massaged1.Error.StorageUnavailable:
 *   -EACCES  file or directory not readable/writable by us
 *   -EROFS   read-only file system or file
 *   -ENOSPC  disk (or the size limit) full
 *   -EBADMSG file is not a database or fails its integrity check (never
 *            deleted or overwritten: the message says how to move it aside)
 *   -EPROTO  written by a newer massaged (schema version unknown)
 *   -EBUSY   locked by another process for too long
 *   -ESTALE  the path names another file now (see ledger_abandoned_path())
 *   -ENOENT  (ledger_guard) deleted and could not be put back
 *   -EAGAIN  (starts) restored from its backup less than 24 h ago
 *   -EIO     anything else SQLite reports
 *   -ENOENT  (lookups) no such row;  -EINVAL bad arguments
 * Open failures cannot use ledger_error(): ledger_open() returns the
 * sentence in *ret_error.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy.h"
#include "safety-clock.h"
#include "safety-limits.h"
#include "screening.h"

#define LEDGER_SCHEMA_VERSION 6

typedef struct Ledger Ledger;

/*
 * Open (creating if needed) the ledger at path. The parent directory is
 * created 0700 if missing; a new file is created 0600 and an existing one is
 * tightened to 0600 (health data). Then: integrity check, migrations, crash
 * recovery, and an anchor row for this boot. now: the clock to record for
 * recovery events and the anchor (NULL: read the clocks).
 * Returns 0, or a negative errno and a malloc'd sentence in *ret_error.
 */
int ledger_open(const char *path, const SafetyClock *now, Ledger **ret, char **ret_error);
Ledger *ledger_close(Ledger *l);        /* NULL-safe; returns NULL */
void ledger_closep(Ledger **l);
#define _cleanup_ledger_ __attribute__((cleanup(ledger_closep)))

const char *ledger_path(const Ledger *l);
/* The sentence for the most recent failure of a call on l ("" if none). */
const char *ledger_error(const Ledger *l);
/* Sessions found open at ledger_open() and closed as "interrupted". */
unsigned ledger_recovered_count(const Ledger *l);
/* The file changing under a running daemon (ledger-file.c): every write that
 * matters and ledger_figures() first check that the path still names the open
 * file. A deleted ledger (or -wal/-shm) is put back from the open copy and
 * counted here; a path that names another file now is left alone, our
 * records move to "<path>.kept-<seconds>" (ledger_path() then returns it,
 * ledger_abandoned_path() the old path) and ledger_session_begin() fails
 * with -ESTALE from then on. ledger_session_begin() also fails (-EACCES,
 * -EROFS) when the file could not be opened again, e.g. made read-only. */
unsigned ledger_relinked_count(const Ledger *l);
/* The storage half of a start decision, before the policy's: the checks
 * ledger_session_begin() makes first (file in place, not replaced, could be
 * opened again). 0 or a negative errno with ledger_error(). */
int ledger_check_start(Ledger *l);
const char *ledger_abandoned_path(const Ledger *l);     /* NULL unless replaced */
/* A WAL that no longer holds what SQLite's index says (truncated, zeroed,
 * rewritten) is never checkpointed into the file: it is moved aside to
 * "<path>.broken-<seconds>-wal" before the next write or at close and the
 * ledger reopened (ledger-wal.c). Counted here; lost frames: how many it held
 * that were not in the file yet (then a "restored" event holds starts, as
 * after a restore). */
unsigned ledger_wal_discarded_count(const Ledger *l);
unsigned ledger_wal_lost_frames(const Ledger *l);

/* ---- Memory (ledger-memory.c) -------------------------------------------- */
/* Called by ledger_open(); a program opening ledgers may call it before
 * anything else of SQLite runs. */
void ledger_memory_setup(void);
/* Drops the pages SQLite caches (clean ones: nothing is written or lost), so
 * an idle daemon does not keep the ledger in its memory. */
void ledger_release_memory(Ledger *l);

/* ---- Backup (ledger-backup.c) -------------------------------------------- */
/* Copy the ledger to "<path>.backup" (0600) through a checked temporary file;
 * a copy that fails its integrity check never replaces the previous backup.
 * The daemon calls it after opening and after each session end. 0 or a
 * negative errno with ledger_error() (the previous backup is kept). */
int ledger_backup(Ledger *l);
unsigned ledger_backup_count(const Ledger *l);
/* Set when ledger_open() found the file damaged (-EBADMSG) and restored it
 * from "<path>.backup": where the damaged file was moved, else NULL. A
 * "restored" event is recorded and ledger_check_start() refuses with -EAGAIN
 * for 24 h, since sessions after the backup may be missing. */
const char *ledger_broken_path(const Ledger *l);
/* When the hold of the last restore ends (its wall time + 24 h, for
 * StartsHeld's available_at), or 0 when there was none. 0 or a negative errno. */
int ledger_restore_hold_end(Ledger *l, int64_t *ret_wall_us);
/* The XDG path: $XDG_STATE_HOME/massaged/usage.db or
 * ~/.local/state/massaged/usage.db. malloc'd, NULL on ENOMEM/no HOME. The
 * daemon's default is paths_ledger_resolve()'s (paths.h): systemd's
 * $STATE_DIRECTORY first. */
char *ledger_default_path(void);

/* ---- Devices: only devices in this list are ever driven ----------------- */
typedef struct LedgerDevice {
        char *address;          /* "AA:BB:CC:DD:EE:FF" */
        char *name;             /* may be "" */
        int64_t added_wall_us;
} LedgerDevice;

int ledger_device_add(Ledger *l, const char *address, const char *name, int64_t wall_us); /* upserts the name */
int ledger_device_remove(Ledger *l, const char *address);      /* -ENOENT if absent */
int ledger_device_known(Ledger *l, const char *address);       /* 1, 0, or <0 */
int ledger_device_list(Ledger *l, LedgerDevice **ret, size_t *ret_n);
void ledger_device_list_free(LedgerDevice *d, size_t n);

/* ---- Screening ---------------------------------------------------------- */
/* Record a complete submission (screening_answers_complete() must be 0, else
 * -EINVAL). answers->clearance records a clearance at the same time. The row
 * keeps the answers as given and the "yes" answers in force after it
 * (screening_standing_after() of the previous row's): without
 * answers->correction an earlier "yes" stays in force whatever this one
 * says. With it, the standing "yes" answers it answers "no" to are recorded
 * as corrected, with a "screening_correction" event naming them; their mask
 * is returned in *ret_corrected (may be NULL). Refusing a "no" to a standing
 * "yes" is the policy's job (policy_check_screening_submission()). */
int ledger_screening_record(Ledger *l, const SafetyClock *now, const ScreeningAnswers *answers,
                            uint32_t *ret_corrected);
/* Record a clearance for the latest submission, covering every "yes" in
 * force (-ENOENT if none). */
int ledger_screening_clear(Ledger *l, const SafetyClock *now);

/* ---- Sessions ----------------------------------------------------------- */
/* Insert the session row durably (synchronous=FULL) from the plan: planned
 * length plan->session_s, heat plan->heat_budget_s (capped by the steps),
 * program, intensity, heat level and the step list as text. Only then start
 * the device. */
int ledger_session_begin(Ledger *l, const SafetyClock *now, const char *device, const PolicyPlan *plan,
                         int64_t *ret_id);
/* The session ended: actual_s motor seconds and heat_s heat-on seconds, both
 * measured on the monotonic clock. The end time is derived from the start and
 * the monotonic elapsed time (same boot), never from a jumping wall clock.
 * A symptom end reason also records an LEDGER_EVENT_STOP_REASON event in the
 * same transaction. -ENOENT: no such session; -EALREADY: already ended. */
int ledger_session_end(Ledger *l, int64_t id, const SafetyClock *now, uint32_t actual_s, uint32_t heat_s,
                       PolicyEndReason reason);

/* The session resumes after a pause with remaining_s of its plan left: its
 * planned end moves to at least now + remaining_s (never earlier), durably
 * (synchronous=FULL), before the device is told to run again, so a crash from
 * then on counts the rest from the real end. The end follows the start and
 * the monotonic time since (same boot), as in ledger_session_end().
 * -ENOENT: no such session; -EALREADY: already ended. */
int ledger_session_resume(Ledger *l, int64_t id, const SafetyClock *now, uint32_t remaining_s);

/* The session is paused; its pause ends by itself at bound_mono_us on now's
 * monotonic clock (policy_pause_deadline_us()). Recorded durably, so that a
 * crash while paused closes the row (ledger_open(), "interrupted") with its
 * end at the bound: the rest never runs from a moment the session may still
 * have been paused, nor from a planned end the motors could no longer reach
 * without a Resume. ledger_session_resume() clears it.
 * -ENOENT: no such session; -EALREADY: already ended; -EINVAL: a bound
 * before now. */
int ledger_session_pause(Ledger *l, int64_t id, const SafetyClock *now, uint64_t bound_mono_us);

/* A symptom reported when no session of the device is open (StopWithReason
 * just after a Stop, or after the session completed). Records the
 * LEDGER_EVENT_STOP_REASON event either way, so the 24 h intensity cap and
 * the 7-day count apply: a symptom is never dropped. It is attached (in the
 * detail) to the device's most recent session if that ended at most
 * window_us ago (the daemon passes the rest period); *ret_session_id is that
 * session's id, or 0 when none ended within the window. -EINVAL: not a
 * symptom reason. */
int ledger_symptom_report(Ledger *l, const SafetyClock *now, const char *device, PolicyEndReason reason,
                          uint64_t window_us, int64_t *ret_session_id);

typedef struct LedgerSession {
        int64_t id;
        char *device;
        char *program;
        int64_t start_wall_us;
        int64_t end_wall_us;    /* planned end while open */
        uint32_t planned_s;
        uint32_t seconds;       /* counted motor seconds (planned while open or interrupted) */
        uint32_t heat_seconds;
        uint8_t intensity;
        uint8_t heat_level;
        bool open;
        char *end_reason;       /* NULL while open */
        int pain_before;        /* diary, -1 = none */
        int pain_after;
        char *note;             /* NULL = none */
} LedgerSession;

/* Sessions that started in [from, to), oldest first, at most limit (0 = no limit). */
int ledger_sessions_range(Ledger *l, int64_t from_wall_us, int64_t to_wall_us, size_t limit,
                          LedgerSession **ret, size_t *ret_n);
void ledger_session_list_free(LedgerSession *s, size_t n);

/* History queries find sessions reaching into a range through their start
 * time, looking back this far: a session's wall span (start to end, pauses
 * included) must stay below it — the daemon ends sessions paused for long.
 * The policy's figures do not depend on it (they scan by end time). */
#define LEDGER_SPAN_MAX_US (INT64_C(24) * 3600 * 1000000)

/* Motor seconds inside [from, to) and sessions started in it (conservative counting). */
int ledger_usage_range(Ledger *l, int64_t from_wall_us, int64_t to_wall_us, uint32_t *ret_sessions,
                       uint64_t *ret_seconds);

typedef struct LedgerDayUsage {
        int64_t day_start_us;   /* local midnight */
        uint32_t sessions;      /* started that day */
        uint64_t seconds;       /* motor seconds of sessions started that day */
        uint64_t heat_seconds;
} LedgerDayUsage;

/* One entry per local day from the day containing from to the day containing
 * to - 1 (at most 366 days, -E2BIG otherwise), in the process's time zone. */
int ledger_usage_per_day(Ledger *l, int64_t from_wall_us, int64_t to_wall_us, LedgerDayUsage **ret,
                         size_t *ret_n);

/* The latest wall end of any session (open ones: their planned end). -ENOENT if none. */
int ledger_last_session_end(Ledger *l, int64_t *ret_wall_us);

/* Everything the policy needs. Reconciles *clock against this boot's anchor
 * first (safety_clock_reconcile), then fills *ret (ret->clock = the clock used).
 * Kept in memory between calls (ledger-figures-cache.c): every commit,
 * rollback or reconnection of the ledger drops what was kept, and the parts
 * that move with the clock are recomputed from kept rows, so the answer is
 * always what the file says now (doc/safety.md, "Figures kept in memory"). */
int ledger_figures(Ledger *l, const SafetyClock *clock, PolicyFigures *ret);

/* ---- Safety events ------------------------------------------------------ */
typedef enum LedgerEventKind {
        LEDGER_EVENT_REFUSAL,           /* "refusal": detail = reason + message */
        LEDGER_EVENT_LIMIT_CHANGE,      /* "limit_change": detail = "key old→new (looser|stricter) source" */
        LEDGER_EVENT_THERMAL_TRIP,      /* "thermal_trip": starts the lock-out */
        LEDGER_EVENT_THERMAL_ACK,       /* "thermal_ack": user acknowledged, pad < 38 °C */
        LEDGER_EVENT_HEAT_RESET,        /* "heat_reset": manual reset after two trips in 24 h */
        LEDGER_EVENT_HEAT_OFF,          /* "heat_off": heat switched off mid-session by the policy */
        LEDGER_EVENT_STOP_REASON,       /* "stop_reason": detail = symptom reason string */
        LEDGER_EVENT_LINK_LOST,         /* "link_lost" */
        LEDGER_EVENT_DEVICE_FAULT,      /* "device_fault" */
        LEDGER_EVENT_SCREENING,         /* "screening": detail = keys answered yes */
        LEDGER_EVENT_CLEARANCE,         /* "clearance" */
        LEDGER_EVENT_RECOVERED,         /* "recovered": a session closed as interrupted at open */
        LEDGER_EVENT_RESTORED,          /* "restored": restored from the backup, or WAL frames lost */
        LEDGER_EVENT_SCREENING_CORRECTION, /* "screening_correction": detail = keys corrected from yes to no */
        _LEDGER_EVENT_MAX,
} LedgerEventKind;

const char *ledger_event_kind_to_string(LedgerEventKind k);     /* never NULL */
int ledger_event_kind_from_string(const char *s);               /* -EINVAL */

int ledger_event_add(Ledger *l, const SafetyClock *now, LedgerEventKind kind, const char *device,
                     const char *detail);

typedef struct LedgerEvent {
        int64_t id;
        int64_t wall_us;
        char *kind;
        char *device;           /* may be NULL */
        char *detail;           /* may be NULL */
} LedgerEvent;

int ledger_events_range(Ledger *l, int64_t from_wall_us, int64_t to_wall_us, LedgerEvent **ret,
                        size_t *ret_n);
void ledger_event_list_free(LedgerEvent *e, size_t n);

/* ---- Settings (limits set at run time via the API) ---------------------- */
int ledger_setting_set(Ledger *l, LimitId id, uint32_t value, LimitSource source, int64_t wall_us);
int ledger_setting_delete(Ledger *l, LimitId id);      /* back to config/default; -ENOENT if unset */
/* Overlay stored settings onto limits/sources (values clamped into range;
 * unknown keys or bad values → warnings, NULL-terminated, free with
 * program_strv_free(); NULL when none). */
int ledger_settings_apply(Ledger *l, Limits *limits, LimitSource sources[_LIMIT_MAX], char ***ret_warnings);

/* ---- Diary -------------------------------------------------------------- */
/* The diary's bounds, one definition for the ledger and the API's checks
 * (api-args.h; doc/dbus-api.md, SetNote). */
#define LEDGER_PAIN_MAX 10
#define LEDGER_NOTE_MAX_BYTES 4096u

/* pain_before/pain_after: 0 … LEDGER_PAIN_MAX, or -1 for "not given"; note
 * may be NULL. Replaces an earlier entry for the session. -ENOENT: no such
 * session, -ERANGE: pain out of range, -E2BIG: note over LEDGER_NOTE_MAX_BYTES. */
int ledger_diary_set(Ledger *l, int64_t session_id, int pain_before, int pain_after, const char *note,
                     int64_t wall_us);

typedef struct LedgerDiarySummary {
        char *program;
        bool heat;              /* sessions with heat vs without */
        uint32_t entries;       /* diary entries with both pains given */
        double mean_change;     /* mean of (after - before): negative = pain went down */
} LedgerDiarySummary;

/* Over sessions started in [from, to), grouped by program and heat (yes/no). */
int ledger_diary_summary(Ledger *l, int64_t from_wall_us, int64_t to_wall_us, LedgerDiarySummary **ret,
                         size_t *ret_n);
void ledger_diary_summary_free(LedgerDiarySummary *s, size_t n);
