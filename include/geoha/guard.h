/*
 * geoha: the quorum guard of an OCF agent (S2).
 *
 * Pacemaker's no-quorum-policy acts through a transition: a demote can
 * wait behind the stops ordered before it (one that needs Azure's API can
 * take minutes when that API is away), and the monitor that would notice
 * is cancelled first. The guard does not wait for any of that. It is a
 * small process an agent starts with its resource (this same program,
 * run with the hidden action GEOHA_GUARD_ACTION), that follows corosync's
 * quorum notifications (geoha_quorum_watch) and closes the resource the
 * moment this partition is inquorate: the database agent makes its server
 * read-only, the Drupal agent makes its include fail closed. It asks
 * nothing of Pacemaker, Azure or the other node.
 *
 * Fencing never depends on it: the quorate side still fences. The guard
 * bounds what an inquorate side can do until fencing gets there.
 */
#ifndef GEOHA_GUARD_H
#define GEOHA_GUARD_H

#include <stdbool.h>
#include <stddef.h>

#include "geoha/ocf.h"

/* The hidden action that runs the guard. */
#define GEOHA_GUARD_ACTION "quorum-guard"
/* Where the guard's stdout/stderr go (an absolute path; unset: syslog only). */
#define GEOHA_ENV_GUARD_LOG "GEOHA_GUARD_LOG"
/* Volatile per-node state; tests override it. */
#define GEOHA_ENV_RUN_DIR "GEOHA_RUN_DIR"
#define GEOHA_D_RUN_DIR "/run/geoha"

/* How often close() is tried again while it fails. */
#define GEOHA_GUARD_RETRY_MS 250
/*
 * Housekeeping: is the resource still there; corosync is asked for the
 * quorum four times a second besides its notifications.
 */
#define GEOHA_GUARD_TICK_MS 250
/*
 * A call into corosync unanswered this long means "corosync does not
 * answer": the resource is closed. It cannot be short: while corosync
 * synchronises a membership change it answers no local question (measured
 * 1.3 s in the harness when a node rejoined; a 0.75 s bound closed a
 * healthy writer). corosync's death is seen at once all the same: its
 * socket closing wakes the guard's main thread even while the worker is
 * blocked in a call (libqb waits 2 s before it notices). A corosync that
 * is stopped or stuck is closed after this long, not within the 2 s
 * bound (docs/SAFETY.md).
 */
#define GEOHA_GUARD_ANSWER_MS 30000
/*
 * The bound this guard holds (docs/SAFETY.md): from corosync reporting
 * the loss to the resource closed. close() implementations keep each try
 * well inside it.
 */
#define GEOHA_GUARD_BOUND_MS 2000

/*
 * The guard's pid file for ctx's resource: RUN_DIR/AGENT-RSC.guard, where
 * RSC is the resource id without ":N".
 */
int geoha_guard_pid_path(const struct geoha_ctx *ctx, char *path, size_t size);

/*
 * Start the guard unless it is already running, and wait (bounded by ctx's
 * deadline and 2 s) until it has written its pid file. OCF_SUCCESS, or
 * OCF_ERR_GENERIC with an exit reason. *spawned (may be NULL) says whether
 * a new one was started.
 */
int geoha_guard_ensure(struct geoha_ctx *ctx, bool *spawned);

/* Whether the guard of ctx's resource runs. */
bool geoha_guard_running(const struct geoha_ctx *ctx);

/*
 * End the guard (SIGTERM, then SIGKILL), remove its pid file. OCF_SUCCESS
 * when none runs any more.
 */
int geoha_guard_end(struct geoha_ctx *ctx);

/*
 * The hidden action's body. close_fn makes the resource stop taking
 * writes within GEOHA_GUARD_BOUND_MS and returns 0 (with *how, a short
 * word for the log) or an error; it is tried again until it succeeds.
 * The guard runs while its pid file names it and alive_path exists (the
 * agent's "started" state, so a resource that is gone without a stop ends
 * its guard too). Returns an OCF code for the process's exit.
 */
int geoha_guard_main(struct geoha_ctx *ctx, const char *alive_path,
                     int (*close_fn)(struct geoha_ctx *ctx, const char **how));

#endif /* GEOHA_GUARD_H */
