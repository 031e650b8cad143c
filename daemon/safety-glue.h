/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The daemon's hold on the safety library (daemon/libmassaged-safety.la):
 * the open ledger, the configuration, the effective limits (code default <
 * massaged.conf < SetLimits stored in the ledger) and the programs. Policy
 * and ledger logic live in the library; this file only opens, combines and
 * reports them.
 */

#include <stdbool.h>

#include "safety/conf.h"
#include "safety/ledger.h"
#include "safety/policy.h"
#include "safety/program.h"
#include "safety/safety-clock.h"
#include "safety/safety-limits.h"

/* A session end to record once the ledger takes writes again (disk full …);
 * the clock is the one of the stop, so the recorded end is the true one. */
typedef struct SafetyPendingEnd {
        int64_t id;
        SafetyClock clock;
        uint32_t seconds;
        uint32_t heat_seconds;
        PolicyEndReason reason;
} SafetyPendingEnd;

typedef struct SafetyContext {
        Ledger *ledger;                 /* NULL when it could not be opened: nothing starts */
        char *ledger_path;
        char *ledger_open_error;        /* why it could not be opened */
        char *config_error;             /* the configuration could not be used: nothing starts */
        SafetyPendingEnd *pending;      /* session ends the ledger could not take yet */
        size_t n_pending;
        unsigned relinked_seen;         /* ledger_relinked_count() last logged */
        unsigned wal_discarded_seen;    /* ledger_wal_discarded_count() last logged */
        Conf conf;
        Limits limits;                  /* effective */
        LimitSource sources[_LIMIT_MAX];
        ProgramList programs;
} SafetyContext;

/* Fails only when out of memory or the programs cannot be listed. Neither a
 * configuration file that cannot be used (unreadable, a syntax error) nor a
 * ledger that cannot be opened is fatal: Stop and the rest of the API keep
 * working, and every start is refused (ConfigInvalid / StorageUnavailable)
 * until the file is fixed and massaged restarted. A broken configuration
 * leaves the code defaults in s->conf for everything but starts. */
int safety_open(SafetyContext **ret, const char *db_path, const char *config_path);
SafetyContext *safety_close(SafetyContext *s);

/* Copies the opened ledger to its backup (ledger-backup.c). Not part of
 * safety_open(): its fsyncs (eight on a small ledger) would delay the bus name
 * by milliseconds, and the copy protects nothing a client could do in that
 * time (every session end makes a new one); the manager runs it once the name
 * is owned (doc/performance.md, Round 2). */
void safety_backup_after_open(SafetyContext *s);

/* Re-reads stored settings over the configuration into s->limits. */
int safety_reload_limits(SafetyContext *s);

/* The sentence for StorageUnavailable when the ledger failed. */
const char *safety_storage_error(SafetyContext *s);

/* The sentence for ConfigInvalid, or NULL when the configuration is in use. */
const char *safety_config_error(SafetyContext *s);

/* Record a session's end; when the ledger cannot take it (disk full …) it is
 * kept and retried before every start decision and at exit, and the row
 * counts at its planned length meanwhile (conservative). Returns what the
 * ledger returned. */
int safety_session_end(SafetyContext *s, int64_t id, const SafetyClock *clock, uint32_t seconds,
                       uint32_t heat_seconds, PolicyEndReason reason);
/* Retry the kept session ends; returns how many are still pending. */
size_t safety_flush_pending(SafetyContext *s);

/* A clock and the ledger's figures for one decision (fails closed). */
int safety_figures(SafetyContext *s, SafetyClock *ret_clock, PolicyFigures *ret_figures);

/* The one way to assemble what the policy decides on: the effective limits,
 * the figures, and the device's capabilities and latest readings. device NULL:
 * no device (battery unknown, no reading); status NULL: no STATUS seen yet. */
PolicyInput safety_policy_input(const SafetyContext *s, const PolicyFigures *figures,
                                const MassagerDeviceInfo *device, const MassagerStatus *status);

/* SubmitScreening: 1 when recorded; 0 when the policy refuses it (a "no" to a
 * "yes" still in force, neither corrected nor cleared: *ret_refusal says what
 * to do; logged and recorded as a refusal event); <0 when the ledger cannot be
 * read or written (ledger_error()). A correction is logged as a safety event. */
int safety_screening_submit(SafetyContext *s, const ScreeningAnswers *answers, PolicyRefusal *ret_refusal);
