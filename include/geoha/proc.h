/*
 * geoha: running a helper program with an argument vector (never a shell),
 * bounded by a deadline, with its output captured up to a maximum.
 */
#ifndef GEOHA_PROC_H
#define GEOHA_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "geoha/util.h"

struct geoha_proc_result {
    int exit_code; /* 0-255, or 128+signal when killed by a signal */
    char *out;     /* captured stdout (NUL-terminated, may be NULL) */
    size_t out_len;
    char *err; /* captured stderr */
    size_t err_len;
};

/*
 * Run argv[0] (looked up in PATH when it has no '/') with argv, the
 * current environment plus extra_env ("NAME=value" entries, NULL-terminated,
 * may be NULL), and stdin from in (may be NULL: /dev/null). Output beyond
 * max_out bytes per stream is discarded. When the deadline passes the
 * child is sent SIGTERM, then SIGKILL 1 s later, and GEOHA_E_DEADLINE is
 * returned. -ENOENT when the program does not exist. On success (the
 * program ran, whatever its exit code) *res is filled: free it with
 * geoha_proc_result_clear().
 */
int geoha_proc_run(const char *const argv[], const char *const extra_env[],
                   const char *in, size_t max_out,
                   const struct geoha_deadline *d,
                   struct geoha_proc_result *res);

void geoha_proc_result_clear(struct geoha_proc_result *res);

/*
 * ---- resident helpers: this same program, run again with a hidden action ----
 *
 * An agent that needs a process living between its operations (file-sync's
 * sync process, the quorum guard) runs its own executable again with one
 * argument, the hidden action's name, detached from Pacemaker: double fork,
 * a session of its own, stdin /dev/null, stdout and stderr appended to
 * log_path (NULL or relative: /dev/null), every other descriptor closed,
 * umask 077, working directory /. The environment (OCF_RESKEY_* included)
 * is inherited, so the helper reads the same parameters. Returns once the
 * intermediate child is reaped: 0, or -errno when a fork failed or this
 * program's path cannot be read. The helper itself reports through its
 * own pid file.
 */
int geoha_proc_spawn_self(const char *argv0, const char *action,
                          const char *log_path);

/*
 * Whether pid is alive (not a zombie) and is this kind of helper: its
 * first argument is action. Guards against a recycled pid.
 */
bool geoha_proc_self_alive(pid_t pid, const char *action);

/*
 * A helper's pid file: one decimal pid. geoha_proc_pid_read() returns 0
 * and *pid, -ENOENT, or GEOHA_E_PARSE; geoha_proc_pid_write() replaces the
 * file atomically with the caller's pid (mode 0600).
 */
int geoha_proc_pid_read(const char *path, pid_t *pid);
int geoha_proc_pid_write(const char *path);

#endif /* GEOHA_PROC_H */
