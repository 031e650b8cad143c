/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Massage programs are data (doc/safety.md "Programs"): GKeyFile files with a [Program] group
 * and one [Step N] group per step (N = 1, 2, … in order):
 *
 *   [Program]
 *   Name=trigger-point            # [a-z0-9-], ≤ 32 chars; must match the file name
 *   Title=Trigger point           # optional, ≤ 48 characters; default: the Name
 *   Description=Sustained pressure … release …   # optional, ≤ 300 characters
 *   Gentle=false                  # true: only steady/wave, lowest third (migraine)
 *   Heat=false                    # default heat on/off when Start gives no "heat"
 *   Repeat=true                   # loop the steps until the session ends
 *
 *   [Step 1]
 *   Seconds=60                    # 1 … 1200
 *   Intensity=100                 # percent of the session's intensity, 0 … 100
 *   Pattern=press                 # steady|wave|pulse|knead|press|tap
 *   Heat=true                     # heat on during this step (at the session's heat level)
 *
 * Title and Description are what clients show (Manager.Programs): UTF-8, one
 * line, no control characters; a bad one is an error naming file and line.
 *
 * Step intensities are relative so that one program works for every user's
 * chosen level and every device scale; the policy then applies the soft start,
 * ramp, caps and device capabilities on top — a program can never exceed them.
 *
 * Built-ins live in $(datadir)/massaged/programs (daemon/programs/NAME.program);
 * user programs in $XDG_CONFIG_HOME/massaged/programs/NAME.program override a
 * built-in of the same name. Invalid files are reported and skipped.
 *
 * The Program struct is plain C (the policy reads it); loading uses GLib.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROGRAM_NAME_MAX        32
#define PROGRAM_STEP_SECONDS_MAX 1200u
#define PROGRAM_STEPS_MAX       64u
#define PROGRAM_DEFAULT         "gentle"
#define PROGRAM_TITLE_MAX       48u     /* characters */
#define PROGRAM_DESCRIPTION_MAX 300u    /* characters */

typedef struct ProgramStep {
        uint32_t seconds;       /* 1 … PROGRAM_STEP_SECONDS_MAX */
        uint8_t intensity_pct;  /* 0 … 100 of the session intensity */
        uint8_t pattern;        /* MassagerPattern */
        bool heat;
} ProgramStep;

typedef struct Program {
        char *name;
        char *title;            /* never NULL once loaded: Title=, else the name */
        char *description;      /* "" when the file has none */
        char *path;             /* file it came from; NULL for programs built in code (tests) */
        bool gentle;
        bool heat;
        bool repeat;
        size_t n_steps;         /* 1 … PROGRAM_STEPS_MAX */
        ProgramStep *steps;
} Program;

typedef struct ProgramList {
        size_t n;
        Program **programs;     /* sorted by name */
} ProgramList;

Program *program_free(Program *p);
Program *program_dup(const Program *p);
void program_freep(Program **p);
#define _cleanup_program_ __attribute__((cleanup(program_freep)))

/* Sum of the steps' seconds (one pass through the program). */
uint64_t program_cycle_seconds(const Program *p);

/* The step active at offset_s into the session (loops when p->repeat; holds
 * the last step when not). Never NULL for a valid program. */
const ProgramStep *program_step_at(const Program *p, uint64_t offset_s, uint64_t *ret_step_end_s);

/* Parse one program file. Returns 0, or a negative errno with a malloc'd
 * message naming the file, group, key and problem in *ret_error
 * ("/path/x.program: [Step 2] Seconds: value 0 out of range [1, 1200]").
 * -ENOENT/-EACCES for unreadable files, -EINVAL for bad content. */
int program_load_file(const char *path, Program **ret, char **ret_error);

/* Parse program text (the same format; path is used in messages only). */
int program_load_data(const char *data, size_t len, const char *path, Program **ret, char **ret_error);

/* Load every NAME.program from the directories in order (later ones override
 * earlier ones by name; NULL entries and missing directories are skipped).
 * Invalid files are skipped and described in *ret_warnings (a NULL-terminated
 * malloc'd array of malloc'd strings, free with program_strv_free(); NULL when
 * there are none). Returns 0 or -ENOMEM. */
int program_list_load(const char *const *dirs, size_t n_dirs, ProgramList *ret, char ***ret_warnings);

/* Where the built-in programs are installed: $(datadir)/massaged/programs,
 * compiled in (MASSAGED_PROGRAMS_DIR). */
const char *program_builtin_dir(void);

/* The default search path: builtin_dir (the daemon passes
 * MASSAGED_PROGRAMS_DIR = $(datadir)/massaged/programs), then
 * programs/ in paths_config_dir() ($CONFIGURATION_DIRECTORY, $XDG_CONFIG_HOME/massaged
 * or ~/.config/massaged).
 * Returns 0 or -ENOMEM; free with program_list_clear(). */
int program_list_load_default(const char *builtin_dir, ProgramList *ret, char ***ret_warnings);

const Program *program_list_find(const ProgramList *l, const char *name);
void program_list_clear(ProgramList *l);
void program_strv_free(char **strv);
