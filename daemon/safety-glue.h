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

#include "conf.h"
#include "ledger.h"
#include "policy.h"
#include "program.h"
#include "safety-clock.h"
#include "safety-limits.h"

typedef struct SafetyContext {
        Ledger *ledger;                 /* NULL when it could not be opened: nothing starts */
        char *ledger_path;
        char *ledger_open_error;        /* why it could not be opened */
        Conf conf;
        Limits limits;                  /* effective */
        LimitSource sources[_LIMIT_MAX];
        ProgramList programs;
} SafetyContext;

/* Fails only on a configuration file that exists but cannot be used. A
 * ledger that cannot be opened is not fatal: Stop and the rest of the API
 * keep working, starts are refused with StorageUnavailable. */
int safety_open(SafetyContext **ret, const char *db_path, const char *config_path);
SafetyContext *safety_close(SafetyContext *s);

/* Re-reads stored settings over the configuration into s->limits. */
int safety_reload_limits(SafetyContext *s);

/* The sentence for StorageUnavailable when the ledger failed. */
const char *safety_storage_error(SafetyContext *s);

/* A clock and the ledger's figures for one decision (fails closed). */
int safety_figures(SafetyContext *s, SafetyClock *ret_clock, PolicyFigures *ret_figures);
