/*
 * geoha: running a helper program with an argument vector (never a shell),
 * bounded by a deadline, with its output captured up to a maximum.
 */
#ifndef GEOHA_PROC_H
#define GEOHA_PROC_H

#include <stddef.h>

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

#endif /* GEOHA_PROC_H */
