/* geoha: the quorum guard of an OCF agent (see geoha/guard.h). */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <qb/qblog.h>

#include "geoha/file.h"
#include "geoha/guard.h"
#include "geoha/proc.h"
#include "geoha/quorum.h"

#define SPAWN_WAIT_MS 2000
#define SPAWN_STEP_MS 5 /* a stop waits for the guard: the pause */
#define END_WAIT_MS 2000

static const char *
run_dir(void)
{
    const char *run = getenv(GEOHA_ENV_RUN_DIR);

    return (run != NULL && run[0] == '/') ? run : GEOHA_D_RUN_DIR;
}

int
geoha_guard_pid_path(const struct geoha_ctx *ctx, char *path, size_t size)
{
    return geoha_snprintf(path, size, "%s/%s-%s.guard", run_dir(),
                          ctx->agent->name, ctx->rsc_base);
}

static bool
running_at(const char *path, pid_t *pid)
{
    return geoha_proc_pid_read(path, pid) == 0
           && geoha_proc_self_alive(*pid, GEOHA_GUARD_ACTION);
}

bool
geoha_guard_running(const struct geoha_ctx *ctx)
{
    char path[PATH_MAX];
    pid_t pid = 0;

    return geoha_guard_pid_path(ctx, path, sizeof(path)) == 0
           && running_at(path, &pid);
}

int
geoha_guard_ensure(struct geoha_ctx *ctx, bool *spawned)
{
    char path[PATH_MAX];
    struct geoha_deadline d;
    pid_t pid = 0;
    int rc;

    if (spawned != NULL) {
        *spawned = false;
    }
    rc = geoha_guard_pid_path(ctx, path, sizeof(path));
    if (rc != 0) {
        geoha_exit_reason("Resource id '%s' is too long for the quorum "
                          "guard's pid file",
                          ctx->rsc);
        return OCF_ERR_GENERIC;
    }
    if (running_at(path, &pid)) {
        return OCF_SUCCESS;
    }
    rc = geoha_dir_ensure(run_dir(), 0700);
    if (rc == 0) {
        unlink(path);
        rc = geoha_proc_spawn_self(ctx->agent->name, GEOHA_GUARD_ACTION,
                                   getenv(GEOHA_ENV_GUARD_LOG));
    }
    if (rc != 0) {
        geoha_exit_reason("Cannot start the quorum guard | error='%s'",
                          geoha_strerror(rc));
        return OCF_ERR_GENERIC;
    }
    d = geoha_deadline_min(&ctx->deadline, SPAWN_WAIT_MS);
    while (!running_at(path, &pid)) {
        if (geoha_sleep_ms(&d, SPAWN_STEP_MS) != 0) {
            geoha_exit_reason("The quorum guard did not start (see its log, "
                              "%s)",
                              GEOHA_ENV_GUARD_LOG);
            return OCF_ERR_GENERIC;
        }
    }
    if (spawned != NULL) {
        *spawned = true;
    }
    geoha_info("Quorum guard started | pid=%d", (int)pid);
    return OCF_SUCCESS;
}

int
geoha_guard_end(struct geoha_ctx *ctx)
{
    char path[PATH_MAX];
    struct geoha_deadline d;
    pid_t pid = 0;

    if (geoha_guard_pid_path(ctx, path, sizeof(path)) != 0) {
        return OCF_SUCCESS; /* none could have been started */
    }
    if (!running_at(path, &pid)) {
        unlink(path);
        return OCF_SUCCESS;
    }
    /* the guard ends by itself once its pid file is gone; the signal
     * makes it immediate */
    unlink(path);
    kill(pid, SIGTERM);
    d = geoha_deadline_min(&ctx->deadline, END_WAIT_MS);
    while (geoha_proc_self_alive(pid, GEOHA_GUARD_ACTION)) {
        if (geoha_sleep_ms(&d, SPAWN_STEP_MS) != 0) {
            kill(pid, SIGKILL);
            break;
        }
    }
    geoha_info("Quorum guard stopped | pid=%d", (int)pid);
    return OCF_SUCCESS;
}

/* ---- the guard process ---- */

static volatile int stop_flag;

static void
on_term(int sig)
{
    (void)sig;
    stop_flag = 1;
}

struct guard {
    struct geoha_ctx *ctx;
    const char *pid_path;
    const char *alive_path;
    int (*close_fn)(struct geoha_ctx *ctx, const char **how);
    pid_t me;
};

static bool
guard_keep(void *arg)
{
    struct guard *g = arg;
    struct stat st;
    pid_t pid = 0;

    if (geoha_proc_pid_read(g->pid_path, &pid) != 0 || pid != g->me) {
        geoha_info("Quorum guard ends: its pid file is gone or names "
                   "another process | file='%s'",
                   g->pid_path);
        return false;
    }
    if (g->alive_path != NULL && lstat(g->alive_path, &st) != 0) {
        geoha_info("Quorum guard ends: the resource is not started here "
                   "| file='%s'",
                   g->alive_path);
        return false;
    }
    return true;
}

static int
guard_close(void *arg)
{
    struct guard *g = arg;
    const char *how = "";
    int rc;

    /* every try gets a fresh deadline inside the bound: the operation
     * that started the guard is long over */
    geoha_deadline_init(&g->ctx->deadline, GEOHA_GUARD_BOUND_MS / 2);
    rc = g->close_fn(g->ctx, &how);
    if (rc == 0) {
        geoha_notice("Quorum guard: closed | how=%s", how);
    }
    return rc;
}

static void
guard_note(void *arg, enum geoha_quorum_event ev, long long v)
{
    (void)arg;
    switch (ev) {
    case GEOHA_QUORUM_EV_REACHED:
        geoha_info("Quorum guard: corosync reached | quorate=%lld", v);
        break;
    case GEOHA_QUORUM_EV_LOST:
        geoha_err("Quorum guard: this partition lost quorum; closing "
                  "the resource now, whatever the cluster has "
                  "scheduled");
        break;
    case GEOHA_QUORUM_EV_DISCONNECTED:
        geoha_err("Quorum guard: corosync does not answer any more; a node "
                  "that cannot ask it cannot know it holds quorum: closing "
                  "the resource");
        break;
    case GEOHA_QUORUM_EV_SILENT:
        geoha_err("Quorum guard: corosync has not answered for %lld ms; a "
                  "node that cannot ask it cannot know it holds quorum: "
                  "closing the resource",
                  v);
        break;
    case GEOHA_QUORUM_EV_CLOSED:
        geoha_notice("Quorum guard: the resource is closed | "
                     "ms_after_loss=%lld",
                     v);
        break;
    case GEOHA_QUORUM_EV_CLOSE_FAILED:
        geoha_warn("Quorum guard: cannot close the resource yet; trying "
                   "again | error='%s' retry_ms=%d",
                   geoha_strerror((int)v), GEOHA_GUARD_RETRY_MS);
        break;
    case GEOHA_QUORUM_EV_REGAINED:
        geoha_notice("Quorum guard: quorum is back; the cluster recovers "
                     "the resource (the guard reopens nothing)");
        break;
    }
}

int
geoha_guard_main(struct geoha_ctx *ctx, const char *alive_path,
                 int (*close_fn)(struct geoha_ctx *ctx, const char **how))
{
    char path[PATH_MAX];
    struct sigaction sa;
    struct guard g = { .ctx = ctx,
                       .pid_path = path,
                       .alive_path = alive_path,
                       .close_fn = close_fn,
                       .me = getpid() };
    struct geoha_quorum_watch w = { .close = guard_close,
                                    .keep = guard_keep,
                                    .note = guard_note,
                                    .arg = &g,
                                    .tick_ms = GEOHA_GUARD_TICK_MS,
                                    .retry_ms = GEOHA_GUARD_RETRY_MS,
                                    .answer_ms = GEOHA_GUARD_ANSWER_MS,
                                    .stop = &stop_flag };
    int rc;

    rc = geoha_guard_pid_path(ctx, path, sizeof(path));
    if (rc == 0) {
        rc = geoha_proc_pid_write(path);
    }
    if (rc != 0) {
        geoha_exit_reason("The quorum guard cannot write its pid file | "
                          "error='%s'",
                          geoha_strerror(rc));
        return OCF_ERR_GENERIC;
    }
    /* its own log file (GEOHA_GUARD_LOG) gets times, to the millisecond */
    qb_log_format_set(QB_LOG_STDERR, "%T %N[%P]: %p: %b");
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_term; /* no SA_RESTART: poll() returns at once */
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    geoha_notice("Quorum guard running | pid=%d bound_ms=%d", (int)g.me,
                 GEOHA_GUARD_BOUND_MS);
    geoha_quorum_watch(&w);
    return OCF_SUCCESS;
}
