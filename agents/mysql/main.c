/*
 * ocf:geoha:mysql — which database server is the writer: the agent's
 * entry.
 *
 * The parameter and action tables, the meta-data, main(), the quorum
 * guard wrapped around start, stop, promote and monitor (S2, lib/guard.c),
 * and the one choice of backend (backend.h): native.c drives MySQL or
 * MariaDB servers on the cluster's own VMs over SQL, azure.c drives Azure
 * Database for MySQL Flexible Server through ARM. Dependencies run one
 * way: this file -> the backends -> common.c, score.c, semisync.c.
 */
#include <limits.h>
#include <unistd.h>

#include "geoha/guard.h"
#include "geoha/ocf.h"
#include "geoha/util.h"

#include "backend.h"
#include "common.h"
#include "semisync.h"

#define AGENT_VERSION "0.1.0"

/* ---- the backend ---- */

/* The one place that reads which backend the parameters select. */
static const struct geoha_mysql_backend *
backend_of(const struct geoha_ctx *ctx)
{
    return geoha_streq(geoha_param_str(ctx, P_BACKEND), BACKEND_AZURE)
               ? &geoha__mysql_azure
               : &geoha__mysql_native;
}

static int
validate(struct geoha_ctx *ctx)
{
    const char *name = geoha_param_str(ctx, P_BACKEND);

    if (!geoha_streq(name, BACKEND_NATIVE)
        && !geoha_streq(name, BACKEND_AZURE)) {
        geoha_exit_reason("Parameter %s='%s' is not one of: %s %s", P_BACKEND,
                          name, BACKEND_NATIVE, BACKEND_AZURE);
        return OCF_ERR_CONFIGURED;
    }
    return backend_of(ctx)->validate(ctx);
}

/* Each action goes to the backend the parameters select. */
#define BACKEND_DISPATCH(name)                                                 \
    static int backend_##name(struct geoha_ctx *ctx)                           \
    {                                                                          \
        return backend_of(ctx)->name(ctx);                                     \
    }
BACKEND_DISPATCH(start)
BACKEND_DISPATCH(stop)
BACKEND_DISPATCH(promote)
BACKEND_DISPATCH(demote)
BACKEND_DISPATCH(monitor)
BACKEND_DISPATCH(notify)

/* validate-all: what is left after the core's checks and validate() */
static int
backend_validate_all(struct geoha_ctx *ctx)
{
    const struct geoha_mysql_backend *b = backend_of(ctx);

    return b->validate_all != NULL ? b->validate_all(ctx) : OCF_SUCCESS;
}

/* The helper a notification spawns (native: the replica joins the new
 * writer); a backend without one has nothing to do. */
static int
backend_join_writer(struct geoha_ctx *ctx)
{
    const struct geoha_mysql_backend *b = backend_of(ctx);

    return b->join_writer != NULL ? b->join_writer(ctx) : OCF_SUCCESS;
}

/* ---- the quorum guard (S2, lib/guard.c), the same for both backends ---- */

static int
guard_close(struct geoha_ctx *ctx, const char **how)
{
    return backend_of(ctx)->guard_close(ctx, how);
}

static int
action_quorum_guard(struct geoha_ctx *ctx)
{
    char marker[PATH_MAX];

    if (geoha__mysql_marker_path(ctx, marker, sizeof(marker)) != 0) {
        return OCF_ERR_CONFIGURED;
    }
    return geoha_guard_main(ctx, marker, guard_close);
}

/* start: the guard runs from a successful start until stop. */
static int
guarded_start(struct geoha_ctx *ctx)
{
    int rc = backend_start(ctx);

    return rc == OCF_SUCCESS ? geoha_guard_ensure(ctx, NULL) : rc;
}

static int
guarded_stop(struct geoha_ctx *ctx)
{
    int rc = backend_stop(ctx);

    return rc == OCF_SUCCESS ? geoha_guard_end(ctx) : rc;
}

/*
 * No writer without its guard: a promote that cannot have one refuses.
 * An instance that was never started here has no guard to ensure (the
 * guard lives while the started marker does); the backend refuses it.
 */
static int
guarded_promote(struct geoha_ctx *ctx)
{
    char marker[PATH_MAX];
    int rc = OCF_SUCCESS;

    if (geoha__mysql_marker_path(ctx, marker, sizeof(marker)) == 0
        && access(marker, F_OK) == 0) {
        rc = geoha_guard_ensure(ctx, NULL);
    }
    return rc == OCF_SUCCESS ? backend_promote(ctx) : rc;
}

/* A guard that died is started again (and said so) by the next monitor. */
static int
guarded_monitor(struct geoha_ctx *ctx)
{
    int rc = backend_monitor(ctx);
    bool spawned = false;

    if (!ctx->probe && (rc == OCF_SUCCESS || rc == OCF_RUNNING_PROMOTED)) {
        int g = geoha_guard_ensure(ctx, &spawned);

        if (g != OCF_SUCCESS) {
            return rc == OCF_RUNNING_PROMOTED ? OCF_FAILED_PROMOTED : g;
        }
        if (spawned) {
            geoha_warn("The quorum guard was not running; started it again");
        }
    }
    return rc;
}

static int
action_reseed(struct geoha_ctx *ctx)
{
    const struct geoha_mysql_backend *b = backend_of(ctx);

    if (b->reseed == NULL) {
        geoha_exit_reason("The reseed action is for %s=%s only", P_BACKEND,
                          BACKEND_AZURE);
        return OCF_ERR_UNIMPLEMENTED;
    }
    return b->reseed(ctx);
}

/* ---- tables ---- */

static const struct geoha_param params[] = {
    /* A string, not GEOHA_PT_ENUM: ocf-tester validates meta-data against
     * ra-api-1.dtd, which has no type="select". validate() checks it. */
    { .name = P_BACKEND,
      .type = GEOHA_PT_STRING,
      .default_value = D_BACKEND,
      .shortdesc = "Where the database servers run",
      .longdesc = "native: MySQL 8 or MariaDB on the cluster's own VMs, with "
                  "GTID replication driven over SQL. azure: Azure Database for "
                  "MySQL Flexible Server, the role driven through Azure "
                  "Resource Manager (needs servers, subscription, "
                  "resource_group and the ARM parameters)." },
    { .name = P_ENDPOINTS,
      .type = GEOHA_PT_MAP,
      .map_value = GEOHA_PT_HOSTPORT,
      .shortdesc = "Each node's database server",
      .longdesc = "node=host:port for every node, e.g. "
                  "\"ci=10.1.0.5:3306 si=10.2.0.5:3306\". Replicas connect to "
                  "the writer's entry; the agent checks the other servers "
                  "through theirs. Required with backend=native. With "
                  "backend=azure it is optional: when empty the agent "
                  "connects to each server's fullyQualifiedDomainName on "
                  "port 3306; set it to use private addresses." },
    { .name = P_SOCKET,
      .type = GEOHA_PT_PATH,
      .shortdesc = "The local server's socket",
      .longdesc = "A Unix socket for the local server. When empty, the "
                  "local node's entry in endpoints is used." },
    { .name = P_DEFAULTS_FILE,
      .type = GEOHA_PT_PATH,
      .default_value = D_DEFAULTS_FILE,
      .flags = GEOHA_PF_MUST_EXIST | GEOHA_PF_PRIVATE,
      .shortdesc = "Option file of the administrative account",
      .longdesc = "A MySQL option file with [client] user= and password= "
                  "(and ssl-ca= for TLS; whenever the file configures TLS "
                  "the server's certificate and, over TCP, its name are "
                  "verified, whatever ssl-verify-server-cert says) for the "
                  "agent's own connections to the local and the other "
                  "servers. Read by the agent itself with MariaDB's rules; "
                  "!include is refused. It needs SUPER or "
                  "READ_ONLY ADMIN, REPLICATION SLAVE ADMIN and the right to "
                  "create the geoha.writer_check table." },
    { .name = P_REPL_DEFAULTS_FILE,
      .type = GEOHA_PT_PATH,
      .default_value = D_REPL_DEFAULTS_FILE,
      .shortdesc = "Option file of the replication account",
      .longdesc = "A MySQL option file with [client] user= and password= "
                  "(and optionally ssl-ca=) of the account a replica uses "
                  "to connect to the writer (backend=native; it must be "
                  "readable by root only)." },
    { .name = P_MAX_LAG,
      .type = GEOHA_PT_INT,
      .default_value = D_MAX_LAG,
      .min = 1,
      .max = 86400,
      .shortdesc = "Seconds a replica may be behind and still be promoted",
      .longdesc = "A replica further behind than this, or cut off from its "
                  "writer for longer than this, is not promotable." },
    { .name = P_FENCE_PEER_CHECK,
      .type = GEOHA_PT_BOOL,
      .default_value = D_FENCE_PEER_CHECK,
      .shortdesc = "Refuse to promote while another server is writable",
      .longdesc = "When true, promote refuses while any other node's server "
                  "answers and is writable (it has been neither demoted nor "
                  "fenced)." },
    { .name = P_STATE_DIR,
      .type = GEOHA_PT_PATH,
      .default_value = D_STATE_DIR,
      .flags = GEOHA_PF_DIR,
      .shortdesc = "Where decisions and reports are kept",
      .longdesc = "Promotion decisions (JSON lines), final GTID positions and "
                  "errant transaction reports are written here." },
    MYSQL_SEMISYNC_PARAMS,
    MYSQL_AZURE_PARAMS,
};

/*
 * promote: 600 s. Action timeouts in meta-data are per agent, not per
 * backend, and Azure's promotion (PATCH replicationRole, followed to the
 * end) takes about two minutes on top of the catch-up wait and stopping
 * the former writer; every wait inside promote is bounded by the timeout,
 * so a native promote is not slower for it.
 */
static const struct geoha_action actions[] = {
    { "start", guarded_start, GEOHA_AF_VALIDATE, 60, 0, NULL, -1 },
    { "stop", guarded_stop, 0, 60, 0, NULL, -1 },
    { "promote", guarded_promote, GEOHA_AF_VALIDATE, 600, 0, NULL, -1 },
    { "demote", backend_demote, 0, 60, 0, NULL, -1 },
    { "monitor", guarded_monitor, 0, 30, 10, "Promoted", 0 },
    { "monitor", guarded_monitor, 0, 30, 11, "Unpromoted", 0 },
    /* issue 18: notify never needs long (geoha.crm "notify") */
    { "notify", backend_notify, 0, 10, 0, NULL, -1 },
    { JOIN_ACTION, backend_join_writer, GEOHA_AF_HIDDEN, 0, 0, NULL, -1 },
    { GEOHA_GUARD_ACTION, action_quorum_guard, GEOHA_AF_HIDDEN, 0, 0, NULL,
      -1 },
    { "reseed", action_reseed, GEOHA_AF_VALIDATE | GEOHA_AF_HIDDEN, 3600, 0,
      NULL, -1 },
    { "validate-all", backend_validate_all, GEOHA_AF_VALIDATE, 20, 0, NULL,
      -1 },
    { "meta-data", NULL, GEOHA_AF_NO_PARAMS, 5, 0, NULL, -1 },
};

static const struct geoha_agent agent = {
    .name = "mysql",
    .version = AGENT_VERSION,
    .shortdesc = "Which MySQL/MariaDB server is the writer (geoha)",
    .longdesc =
        "Owns the database writer role as a promotable clone (promoted-max=1, "
        "notify=true). The agent does not start or stop mysqld: every server "
        "runs all the time and must boot with read_only=ON (and "
        "super_read_only=ON on MySQL). start makes the local server a "
        "read-only GTID replica of the writer (refusing, with a report in "
        "state_dir, when it holds transactions the writer lacks); promote "
        "refuses while another server is writable, waits until everything "
        "received is applied, then clears read_only and proves a write; "
        "demote sets read_only first and publishes the final GTID position; "
        "monitor checks the role against the server and sets the promotion "
        "score from replication currency. A server that is not running is "
        "reported as not running (OCF 7) by monitor and makes start fail. "
        "With backend=azure (Azure Database for MySQL Flexible Server) the "
        "role lives in Azure: promote stops the former writer through ARM "
        "(old_writer_action), waits until the replica applied what it "
        "received, PATCHes replicationRole=None and follows the operation "
        "to the end (give promote a timeout of several minutes: 600 s by "
        "default), then proves a write; a former writer is marked "
        "diverged-or-stale (node attribute RSC-reseed-needed) until an "
        "admin runs the hidden action 'reseed' on its node, which "
        "re-creates it as a replica of the current writer.",
    .params = params,
    .n_params = sizeof(params) / sizeof(params[0]),
    .actions = actions,
    .n_actions = sizeof(actions) / sizeof(actions[0]),
    .validate = validate,
};

int
main(int argc, char **argv)
{
    return geoha_agent_main(&agent, argc, argv);
}
