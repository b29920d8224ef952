/*
 * ocf:geoha:mysql backend=native — which database server is the writer.
 *
 * A promotable clone (promoted-max=1, notify=true) with one instance per
 * node. The instance on node X speaks for the MySQL or MariaDB server at
 * endpoints[X] (or the local socket). The agent never starts or stops
 * mysqld: the server runs all the time, boots with read_only=ON, and the
 * agent only moves the writer role:
 *
 *   start    the server must answer; it is made read-only (read_only and,
 *            on MySQL, super_read_only) and, when the cluster has a writer,
 *            joins it as a GTID replica, after checking that it holds no
 *            transaction the writer lacks (errant transactions are reported
 *            in state_dir and the node is kept out: start fails).
 *   stop     read-only again, promotion score removed. Replication is left
 *            running: it does no harm and keeps the copy fresh.
 *   promote  refuses while another server answers as writable (S1); waits,
 *            bounded by the timeout, until this replica applied everything it
 *            received and, in a planned switchover, the old writer's final
 *            position (S3); then stops and forgets replication, clears
 *            read_only, proves a write and appends a JSON line to
 *            state_dir/mysql-RSC-decisions.jsonl.
 *   demote   read_only first (S1), waits for open write transactions, records
 *            the final GTID position in state_dir and publishes it as the node
 *            attribute RSC-final-gtid. The post-promote notification then
 *            joins the new writer.
 *   monitor  role against reality: a promoted instance must be writable
 *            (else OCF_FAILED_PROMOTED), an unpromoted one read-only and
 *            replicating (an SQL thread stopped on an error is a failure).
 *            The promotion score follows currency: a replica within a few
 *            seconds of the writer scores high, one within max_lag lower, one
 *            beyond max_lag or cut off from its writer for longer than
 *            max_lag has no score. Scores are written only when they change.
 *            A probe (interval 0) changes nothing.
 *
 * Which instance is "started" is kept in a marker under /run/geoha
 * (GEOHA_RUN_DIR): a probe after a reboot finds none and says
 * OCF_NOT_RUNNING, so Pacemaker starts the instance and start makes the
 * server read-only — a server that boots writable never stays so. A
 * server that is writable while the instance is not started here is a
 * failure, not "not running" (Pacemaker then stops it, making it
 * read-only). OCF_NOT_RUNNING is only ever returned when nothing listens
 * (the socket missing or refused *and* the TCP endpoint refused) or the
 * instance is not started: a server that does not answer in time might
 * still take writes, and is a failure.
 *
 * promote treats another server as gone only when nothing answers
 * (refused, no route, no TCP answer in time); one that answers but cannot
 * be asked (login refused, too many connections), or that this replica's
 * IO thread still hears from, makes it refuse. It asks again right before
 * clearing read_only, and a replica that forgot what it received (a
 * restart) is promoted only once the old writer's final position is known,
 * or with the admin's one-shot consent RSC-force-promote=yes.
 *
 * Errant transactions: state_dir/mysql-RSC.errant marks the node as kept
 * out (no promotion score, start fails); the report beside it names the
 * GTIDs. The mark never clears itself: once the data has been reconciled by
 * hand, delete the mark and run "crm resource cleanup".
 *
 * This file is the native backend (backend.h); the agent's tables and
 * dispatch are in main.c, backend=azure (Azure Database for MySQL
 * Flexible Server) is in azure.c, what both share in common.h/common.c,
 * the replica's promotion score in score.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "geoha/attr.h"
#include "geoha/file.h"
#include "geoha/gtid.h"
#include "geoha/map.h"
#include "geoha/ocf.h"
#include "geoha/guard.h"
#include "geoha/quorum.h"
#include "geoha/proc.h"
#include "geoha/sql.h"
#include "geoha/util.h"

#include "backend.h"
#include "common.h"
#include "semisync.h"

#define PEER_TIMEOUT_MS 4000       /* asking another node's server */
#define PEER_REASK_TIMEOUT_MS 1000 /* again, when it did not answer */
#define JOIN_CHECK_MS 3000         /* watching a fresh replication connect */
#define WRITES_WAIT_MAX_MS 10000
#define CONNECT_RETRY_S 2
#define HEARTBEAT_S 1           /* an idle writer's heartbeat to its replicas */
#define IO_ALIVE_WINDOW_MS 2500 /* watching for it (2.5 heartbeats) */
#define ER_MASTER_FATAL_READING_BINLOG 1236
/* issue 17 item 2: how long a replica whose writer answers but refuses it
 * (login, privileges, TLS) keeps its score: a password rotation in flight */
#define IO_REFUSED_BOUND_MS 5000
#define ATTR_FORCE_SUFFIX "-force-promote"
#define PEER_CHECK_S 60 /* how often a replica's monitor tries peer logins */

struct agent {
    struct geoha_ctx *ctx;
    char base[128]; /* the resource id without ":N" */
    struct geoha_hostport self;
    char marker_path[PATH_MAX];
    char peercheck_path[PATH_MAX]; /* mtime: when peer logins were tried */
    char errant_path[PATH_MAX];
    char final_path[PATH_MAX];
    char decisions_path[PATH_MAX];
    char attr_final[192];
    char attr_errant[192];
    char attr_force[192];
    /* Peers (bits by endpoints index) promote found unreachable: Pacemaker
     * fenced them before promoting here, so the last look before taking
     * writes asks them with a short timeout only (a fenced server that is
     * back answers at once). */
    unsigned unreachable_peers;
};

/* ---- small helpers ---- */

/* The exit reason for a secret file others can read (S6). */
static void
reason_insecure(const struct geoha_ctx *ctx, const char *param)
{
    geoha_exit_reason("Parameter %s='%s' can be read by others or is not "
                      "owned by root: it must be mode 0600 or 0400, owned "
                      "by root",
                      param, geoha_param_str(ctx, param));
}

static int
agent_init(struct geoha_ctx *ctx, struct agent *a)
{
    const char *run = getenv(ENV_RUN_DIR);
    const char *state = geoha_param_str(ctx, P_STATE_DIR);
    const struct geoha_map *eps = geoha_param_map(ctx, P_ENDPOINTS);
    const char *mine;
    int rc = 0;

    memset(a, 0, sizeof(*a));
    a->ctx = ctx;
    if (run == NULL || run[0] != '/') {
        run = D_RUN_DIR;
    }
    geoha_strlcpy(a->base, ctx->rsc_base, sizeof(a->base));
    mine = eps != NULL ? geoha_map_get(eps, ctx->node) : NULL;
    if (mine == NULL || geoha_hostport_parse(mine, 0, &a->self) != 0) {
        geoha_exit_reason("Parameter %s has no entry for this node '%s'",
                          P_ENDPOINTS, ctx->node);
        return OCF_ERR_CONFIGURED;
    }
    rc |= geoha__mysql_marker_path(ctx, a->marker_path, sizeof(a->marker_path));
    rc |= geoha_snprintf(a->peercheck_path, sizeof(a->peercheck_path),
                         "%s/mysql-%s.peercheck", run, a->base);
    rc |= geoha_snprintf(a->errant_path, sizeof(a->errant_path),
                         "%s/mysql-%s.errant", state, a->base);
    rc |= geoha_snprintf(a->final_path, sizeof(a->final_path),
                         "%s/mysql-%s-final-gtid", state, a->base);
    rc |= geoha_snprintf(a->decisions_path, sizeof(a->decisions_path),
                         "%s/mysql-%s-decisions.jsonl", state, a->base);
    rc |= geoha_snprintf(a->attr_final, sizeof(a->attr_final), "%s-final-gtid",
                         a->base);
    rc |= geoha_snprintf(a->attr_errant, sizeof(a->attr_errant), "%s-errant",
                         a->base);
    rc |= geoha_snprintf(a->attr_force, sizeof(a->attr_force),
                         "%s" ATTR_FORCE_SUFFIX, a->base);
    if (rc != 0) {
        geoha_exit_reason("Resource id '%s' or a directory is too long",
                          ctx->rsc);
        return OCF_ERR_CONFIGURED;
    }
    return OCF_SUCCESS;
}

/* ---- the started marker (volatile, per node) ---- */

static int
marker_read(const struct agent *a, struct marker *m)
{
    return geoha__mysql_marker_read(a->marker_path, m);
}

static int
marker_write(const struct agent *a, const struct marker *m)
{
    return geoha__mysql_marker_write(a->marker_path, m);
}

/* ---- connections ---- */

/*
 * Why the last connect_local() failed (the client library's line, or the
 * TLS problem: issue 17 item 1), for the caller's exit reason; no secret.
 */
static char local_why[256];

static int
connect_local(const struct agent *a, const struct geoha_deadline *d,
              struct geoha_sql **c)
{
    struct geoha_sql_target t = { 0 };
    char why[256];
    int rc;

    t.defaults_file = geoha_param_str(a->ctx, P_DEFAULTS_FILE);
    t.socket = geoha_param_str(a->ctx, P_SOCKET);
    t.host = a->self.host;
    t.port = a->self.port;
    rc = geoha_sql_connect(&t, d, why, sizeof(why), c);
    if (rc == GEOHA_E_NOT_RUNNING && t.socket != NULL) {
        /*
         * review-2: a socket that is gone (or refused) does not prove the
         * server is down: it may still take writes over TCP. Only a
         * refused TCP endpoint as well means "not running".
         */
        geoha_info("Cannot connect to the local database server | "
                   "target='%s' reason='%s'",
                   t.socket, why);
        t.socket = NULL;
        rc = geoha_sql_connect(&t, d, why, sizeof(why), c);
        if (rc == 0) {
            geoha_warn("The server's socket does not answer but its TCP "
                       "endpoint does: using TCP | socket='%s' "
                       "endpoint=%s:%d",
                       geoha_param_str(a->ctx, P_SOCKET), t.host, t.port);
            return 0;
        }
    }
    local_why[0] = '\0';
    if (rc != 0) {
        geoha_info("Cannot connect to the local database server | "
                   "target='%s' reason='%s'",
                   t.socket != NULL ? t.socket : t.host, why);
        geoha_strlcpy(local_why, why, sizeof(local_why));
    }
    return rc;
}

/* A short deadline for another node's server, inside the operation's. */
static struct geoha_deadline
peer_deadline(const struct agent *a, int64_t max_ms)
{
    int64_t left = geoha_deadline_left_ms(&a->ctx->deadline);
    int64_t ms = left / 3;

    if (ms > max_ms) {
        ms = max_ms;
    }
    return geoha_deadline_min(&a->ctx->deadline, ms);
}

static int
connect_node(const struct agent *a, const char *node,
             const struct geoha_deadline *d, struct geoha_sql **c, char *why,
             size_t why_size)
{
    const char *ep = geoha_map_get(geoha_param_map(a->ctx, P_ENDPOINTS), node);
    struct geoha_hostport hp;
    struct geoha_sql_target t = { 0 };

    if (ep == NULL || geoha_hostport_parse(ep, 0, &hp) != 0) {
        return -ENOENT;
    }
    t.defaults_file = geoha_param_str(a->ctx, P_DEFAULTS_FILE);
    t.host = hp.host;
    t.port = hp.port;
    return geoha_sql_connect(&t, d, why, why_size, c);
}

/* The node whose endpoint is host:port, or NULL. */
static const char *
node_of_endpoint(const struct agent *a, const char *host, int port)
{
    const struct geoha_map *m = geoha_param_map(a->ctx, P_ENDPOINTS);

    for (size_t i = 0; m != NULL && i < m->n; i++) {
        struct geoha_hostport hp;

        if (geoha_hostport_parse(m->e[i].value, 0, &hp) == 0 && hp.port == port
            && strcmp(hp.host, host) == 0) {
            return m->e[i].node;
        }
    }
    return NULL;
}

/* What another node's server says, as far as S1 is concerned. */
enum peer_state {
    PEER_READ_ONLY,
    PEER_WRITABLE,
    PEER_UNREACHABLE, /* nothing answers: refused, no route, no answer */
    PEER_UNKNOWN,     /* it answers, but cannot be asked (login refused,
                         too many connections, a broken handshake...) */
};

static const char *
peer_state_text(enum peer_state s)
{
    switch (s) {
    case PEER_READ_ONLY:
        return "read-only";
    case PEER_WRITABLE:
        return "writable";
    case PEER_UNREACHABLE:
        return "unreachable";
    default:
        return "unknown";
    }
}

/*
 * review-1: only "nothing answers" makes a server unreachable: connection
 * refused, no route to its host (or its name does not resolve), or no
 * answer to the TCP connection in time. A server that answers but refuses
 * our login, has too many connections, or breaks off the handshake is
 * alive and may be writable.
 */
static bool
unreachable_result(int rc)
{
    return rc == GEOHA_E_NOT_RUNNING || rc == -EHOSTUNREACH || rc == -ETIMEDOUT;
}

/*
 * Ask node's server, waiting at most max_ms; *ps (may be NULL) gets its
 * status when it answers.
 */
static enum peer_state
ask_peer_within(const struct agent *a, const char *node,
                struct geoha_sql_status *ps, char *why, size_t why_size,
                int64_t max_ms)
{
    struct geoha_deadline pd = peer_deadline(a, max_ms);
    struct geoha_sql *p = NULL;
    struct geoha_sql_status st = { 0 };
    enum peer_state r;
    int rc;

    rc = connect_node(a, node, &pd, &p, why, why_size);
    if (rc != 0) {
        return unreachable_result(rc) ? PEER_UNREACHABLE : PEER_UNKNOWN;
    }
    rc = geoha_sql_status_get(p, &st);
    if (rc != 0) {
        geoha_snprintf(why, why_size, "cannot read its state: %s",
                       geoha_sql_error(p));
        geoha_sql_close(p);
        return PEER_UNKNOWN;
    }
    geoha_sql_close(p);
    r = st.read_only ? PEER_READ_ONLY : PEER_WRITABLE;
    if (ps != NULL) {
        *ps = st;
    } else {
        geoha_sql_status_clear(&st);
    }
    return r;
}

static enum peer_state
ask_peer(const struct agent *a, const char *node, struct geoha_sql_status *ps,
         char *why, size_t why_size)
{
    return ask_peer_within(a, node, ps, why, why_size, PEER_TIMEOUT_MS);
}

/*
 * Whether this replica's IO thread still hears from its source: it says
 * Yes, and within IO_ALIVE_WINDOW_MS it read more of the source's binary
 * log or got a heartbeat (the agent sets HEARTBEAT_S). A Yes alone is not
 * enough: after its source was powered off (fencing) the IO thread says
 * Yes until slave_net_timeout (60 s by default).
 */
static bool
io_thread_alive(const struct agent *a, struct geoha_sql *c,
                const struct geoha_sql_replica *r0)
{
    struct geoha_deadline w =
        geoha_deadline_min(&a->ctx->deadline, IO_ALIVE_WINDOW_MS);
    unsigned long long hb0 = 0, hb = 0;
    bool have_hb = geoha_sql_replica_heartbeats(c, &hb0) == 0;

    if (r0->io != GEOHA_SQL_THREAD_YES) {
        return false;
    }
    for (;;) {
        struct geoha_sql_replica r = { 0 };
        bool moved;

        if (geoha_sleep_ms(&w, 250) != 0) {
            return false;
        }
        if (geoha_sql_replica_status(c, &r) != 0) {
            return true; /* cannot tell: assume it does */
        }
        moved = r.io == GEOHA_SQL_THREAD_YES
                && (r.read_pos != r0->read_pos
                    || strcmp(r.read_file, r0->read_file) != 0
                    || (have_hb && geoha_sql_replica_heartbeats(c, &hb) == 0
                        && hb != hb0));
        if (r.io != GEOHA_SQL_THREAD_YES) {
            geoha_sql_replica_clear(&r);
            return false;
        }
        geoha_sql_replica_clear(&r);
        if (moved) {
            return true;
        }
    }
}

/*
 * The node where the cluster has this resource promoted (common.c: from
 * lib/cib.c's crm_mon reader, which honours CIB_file). -ENOENT when no
 * node is promoted, GEOHA_E_STATE when more than one is.
 */
static int
cluster_writer(const struct agent *a, char writer[GEOHA_NODE_MAX])
{
    return geoha__mysql_cluster_writer(a->base, &a->ctx->deadline, writer);
}

/* Why the server could not be made read-only (rc from the attempt). */
static const char *
read_only_why(int rc, struct geoha_sql *c)
{
    return rc == GEOHA_E_STATE ? "it did not take" : geoha_sql_error(c);
}

/* ---- scores and attributes ---- */

static void
set_score(const struct agent *a, const char *score)
{
    geoha__mysql_set_score(a->ctx, score);
}

/* ---- errant transactions ---- */

static bool
quarantined(const struct agent *a)
{
    return access(a->errant_path, F_OK) == 0;
}

static void
report_errant(const struct agent *a, const char *writer,
              const char *writer_state, const char *local_state,
              const char *errant, uint64_t count)
{
    char when[32], path[PATH_MAX];
    json_t *j;
    char *text = NULL;
    int rc;

    geoha__mysql_iso_time(when, sizeof(when));
    j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I}", "time", when,
                  "node", a->ctx->node, "resource", a->base, "writer", writer,
                  "writer_gtid", writer_state, "local_gtid", local_state,
                  "errant_gtids", errant, "errant_count", (json_int_t)count);
    if (j != NULL) {
        text = json_dumps(j, JSON_INDENT(2));
    }
    json_decref(j);
    if (text == NULL) {
        return;
    }
    geoha_dir_ensure(geoha_param_str(a->ctx, P_STATE_DIR), 0700);
    if (geoha_snprintf(path, sizeof(path), "%s/mysql-%s-errant-%s.json",
                       geoha_param_str(a->ctx, P_STATE_DIR), a->base, when)
        == 0) {
        geoha_file_replace(path, text, strlen(text), (uid_t)-1, (gid_t)-1,
                           0600);
    }
    rc = geoha_file_replace(a->errant_path, text, strlen(text), (uid_t)-1,
                            (gid_t)-1, 0600);
    free(text);
    if (rc != 0) {
        geoha_err("Cannot write the errant transaction mark | path='%s' "
                  "reason='%s'",
                  a->errant_path, geoha_strerror(rc));
    }
    {
        char value[64];

        geoha_snprintf(value, sizeof(value), "%llu", (unsigned long long)count);
        geoha_attr_update(GEOHA_ATTR_TRANSIENT, a->ctx->node, a->attr_errant,
                          value, &a->ctx->deadline, NULL);
    }
    set_score(a, NULL);
}

/* ---- joining a writer ---- */

static int
watch_replication(const struct agent *a, struct geoha_sql *c, char *why,
                  size_t why_size)
{
    struct geoha_deadline d =
        geoha_deadline_min(&a->ctx->deadline, JOIN_CHECK_MS);

    for (;;) {
        struct geoha_sql_replica r;
        int rc = geoha_sql_replica_status(c, &r);

        if (rc != 0) {
            geoha_snprintf(why, why_size, "cannot read replica status: %s",
                           geoha_sql_error(c));
            return rc;
        }
        if (r.sql != GEOHA_SQL_THREAD_YES && r.sql_errno != 0) {
            geoha_snprintf(why, why_size,
                           "the SQL thread stopped on error %u: %s",
                           r.sql_errno, r.sql_error);
            geoha_sql_replica_clear(&r);
            return GEOHA_E_STATE;
        }
        if (r.io_errno == ER_MASTER_FATAL_READING_BINLOG) {
            geoha_snprintf(why, why_size, "the writer refused us (%u): %s",
                           r.io_errno, r.io_error);
            geoha_sql_replica_clear(&r);
            return GEOHA_E_DIVERGED;
        }
        if (r.io == GEOHA_SQL_THREAD_YES && r.sql == GEOHA_SQL_THREAD_YES) {
            geoha_sql_replica_clear(&r);
            return 0;
        }
        geoha_sql_replica_clear(&r);
        if (geoha_sleep_ms(&d, 100) != 0) {
            return 0; /* still connecting: the monitor will tell */
        }
    }
}

/*
 * Make this (read-only) server a replica of writer. 0 when it replicates
 * (or the writer cannot be asked and nothing was changed: *skipped);
 * GEOHA_E_DIVERGED after an errant transaction report.
 */
static int
join_writer(const struct agent *a, struct geoha_sql *c, const char *writer,
            bool *skipped, char *why, size_t why_size)
{
    const char *ep =
        geoha_map_get(geoha_param_map(a->ctx, P_ENDPOINTS), writer);
    struct geoha_hostport hp;
    struct geoha_sql *w = NULL;
    struct geoha_sql_status ws = { 0 }, ls = { 0 };
    struct geoha_sql_replica r = { 0 };
    struct geoha_sql_account acc;
    struct geoha_gtid_set *sl = NULL, *sw = NULL, *diff = NULL;
    struct geoha_deadline pd = peer_deadline(a, PEER_TIMEOUT_MS);
    char wwhy[256];
    char *errant = NULL;
    uint64_t count = 0;
    int rc;

    memset(&acc, 0, sizeof(acc));
    *skipped = false;
    if (ep == NULL || geoha_hostport_parse(ep, 0, &hp) != 0) {
        geoha_snprintf(why, why_size, "node '%s' has no endpoint", writer);
        return GEOHA_E_CONFIG;
    }
    rc = geoha_sql_replica_status(c, &r);
    if (rc != 0) {
        geoha_snprintf(why, why_size, "cannot read replica status: %s",
                       geoha_sql_error(c));
        goto done;
    }
    rc = connect_node(a, writer, &pd, &w, wwhy, sizeof(wwhy));
    if (rc != 0) {
        geoha_warn("Cannot reach the writer to compare GTID sets; "
                   "replication left as it is | writer=%s reason='%s'",
                   writer, wwhy);
        *skipped = true;
        rc = 0;
        goto done;
    }
    rc = geoha_sql_status_get(w, &ws);
    if (rc == 0) {
        rc = geoha_sql_status_get(c, &ls);
    }
    if (rc != 0) {
        geoha_snprintf(why, why_size, "cannot read GTID sets: %s",
                       geoha_sql_error(w));
        goto done;
    }
    if (ws.read_only) {
        geoha_warn("The writer's server is read-only; not joining it yet | "
                   "writer=%s",
                   writer);
        *skipped = true;
        goto done;
    }
    /* S4: anything here that the writer lacks? */
    rc = geoha_gtid_set_parse(ls.gtid_state, GEOHA_GTID_ANY, &sl);
    if (rc == 0) {
        rc = geoha_gtid_set_parse(ws.gtid_state, GEOHA_GTID_ANY, &sw);
    }
    if (rc == 0) {
        rc = geoha_gtid_set_difference(sl, sw, &diff);
    }
    if (rc == 0) {
        rc = geoha_gtid_set_format(diff, &errant);
    }
    if (rc == 0) {
        rc = geoha_gtid_set_count(diff, &count);
    }
    if (rc != 0) {
        geoha_snprintf(why, why_size,
                       "cannot compare GTID sets (%s) | local='%s' "
                       "writer='%s'",
                       geoha_strerror(rc), ls.gtid_state, ws.gtid_state);
        goto done;
    }
    if (count > 0) {
        report_errant(a, writer, ws.gtid_state, ls.gtid_state, errant, count);
        geoha_snprintf(why, why_size,
                       "this server holds %llu transaction(s) the writer %s "
                       "lacks (%s); not replicating, nothing discarded, see "
                       "%s",
                       (unsigned long long)count, writer, errant,
                       a->errant_path);
        if (r.configured) {
            geoha_sql_replica_stop(c);
        }
        rc = GEOHA_E_DIVERGED;
        goto done;
    }
    if (quarantined(a)) {
        /*
         * review-8: the mark stays until an admin removes it, even when no
         * errant transaction shows now (someone may have put them back
         * out of sight: GTIDs of a reused server_id, a partial repair).
         */
        geoha_snprintf(why, why_size,
                       "this server was found holding errant transactions "
                       "and is kept out until an admin reconciled it and "
                       "removed the mark: rm %s; then crm resource cleanup "
                       "%s",
                       a->errant_path, a->base);
        rc = GEOHA_E_DIVERGED;
        goto done;
    }
    /* a mark an admin removed: its attribute goes too (no spawn when it
     * is already gone) */
    geoha_attr_update(GEOHA_ATTR_TRANSIENT, a->ctx->node, a->attr_errant, NULL,
                      &a->ctx->deadline, NULL);
    rc = geoha_sql_optfile_read(geoha_param_str(a->ctx, P_REPL_DEFAULTS_FILE),
                                NULL, &acc);
    if (r.configured && r.gtid_mode && strcmp(r.source_host, hp.host) == 0
        && r.source_port == hp.port && r.sql == GEOHA_SQL_THREAD_YES
        && r.io != GEOHA_SQL_THREAD_NO
        && (rc != 0 || !acc.tls.configured || (r.ssl && r.ssl_verify))) {
        /*
         * Already there. issue 17 item 1: a channel set up without TLS
         * verification (by an older agent) while the replication file
         * configures TLS is set up again below; a file that cannot be
         * read leaves a working channel alone, as before.
         */
        rc = 0;
        goto done;
    }
    if (rc != 0) {
        geoha_snprintf(
            why, why_size, "cannot read %s '%s': %s", P_REPL_DEFAULTS_FILE,
            geoha_param_str(a->ctx, P_REPL_DEFAULTS_FILE), geoha_strerror(rc));
        goto done;
    }
    if (r.configured) {
        rc = geoha_sql_replica_stop(c);
    }
    if (rc == 0 && geoha_sql_flavour(c) == GEOHA_SQL_MARIADB
        && !geoha_streq(ls.gtid_pos, ls.gtid_slave_pos)) {
        /* our own transactions are only in the binary log: resume after
         * them (safe, the writer has them all) */
        rc = geoha_sql_set_slave_pos(c, ls.gtid_pos);
    }
    if (rc == 0) {
        struct geoha_sql_source src = { .host = hp.host,
                                        .port = hp.port,
                                        .account = &acc,
                                        .connect_retry_s = CONNECT_RETRY_S,
                                        .heartbeat_s = HEARTBEAT_S };

        rc = geoha_sql_change_source(c, &src);
    }
    if (rc == 0) {
        rc = geoha_sql_replica_start(c);
    }
    if (rc != 0) {
        geoha_snprintf(why, why_size, "cannot set up replication: %s",
                       geoha_sql_error(c));
        goto done;
    }
    geoha_notice("Replicating from the writer | writer=%s endpoint=%s:%d "
                 "from='%s'",
                 writer, hp.host, hp.port, ls.gtid_pos);
    rc = watch_replication(a, c, why, why_size);
done:
    geoha_sql_account_clear(&acc);
    geoha_sql_replica_clear(&r);
    geoha_sql_status_clear(&ws);
    geoha_sql_status_clear(&ls);
    geoha_gtid_set_free(sl);
    geoha_gtid_set_free(sw);
    geoha_gtid_set_free(diff);
    free(errant);
    geoha_sql_close(w);
    return rc;
}

/* ---- monitor ---- */

/* review-1: say so early, not only when a promotion is refused. */
static void
warn_unaskable(const struct agent *a, const char *node, const char *why)
{
    geoha_warn("The server of node %s answers but cannot be asked whether "
               "it is writable, so promote would refuse: fix the account of "
               "%s on it | node=%s reason='%s'",
               node, P_DEFAULTS_FILE, node, why);
    (void)a;
}

/* Warn about every other server that answers but cannot be asked. */
static void
check_peer_logins(const struct agent *a)
{
    const struct geoha_map *m = geoha_param_map(a->ctx, P_ENDPOINTS);

    for (size_t i = 0; m != NULL && i < m->n; i++) {
        char why[256] = "";

        if (strcmp(m->e[i].node, a->ctx->node) != 0
            && ask_peer(a, m->e[i].node, NULL, why, sizeof(why))
                   == PEER_UNKNOWN) {
            warn_unaskable(a, m->e[i].node, why);
        }
    }
}

/*
 * Whether a replica's monitor should try the peer logins again: at most
 * every PEER_CHECK_S (a login per peer costs about 2 ms of CPU, a quarter
 * of a whole monitor). The stamp file's mtime says when it last did.
 */
static bool
peer_check_due(const struct agent *a)
{
    struct stat sb;
    int fd;

    if (stat(a->peercheck_path, &sb) == 0
        && time(NULL) - sb.st_mtime < PEER_CHECK_S
        && sb.st_mtime <= time(NULL)) {
        return false;
    }
    fd = open(a->peercheck_path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd >= 0) {
        futimens(fd, NULL);
        close(fd);
    }
    return true;
}

/*
 * With no replication configured: is there exactly one writable peer (its
 * node in *writer), and does this server hold everything every peer holds
 * (for the score when nobody writes)?
 */
static void
survey_peers(const struct agent *a, const struct geoha_sql_status *mine,
             char writer[GEOHA_NODE_MAX], bool *holds_all)
{
    const struct geoha_map *m = geoha_param_map(a->ctx, P_ENDPOINTS);
    unsigned writers = 0;

    writer[0] = '\0';
    *holds_all = true;
    for (size_t i = 0; m != NULL && i < m->n; i++) {
        struct geoha_deadline pd = peer_deadline(a, PEER_TIMEOUT_MS);
        struct geoha_sql *p = NULL;
        struct geoha_sql_status ps = { 0 };
        char why[256];
        bool sub = false;
        int rc;

        if (strcmp(m->e[i].node, a->ctx->node) == 0) {
            continue;
        }
        rc = connect_node(a, m->e[i].node, &pd, &p, why, sizeof(why));
        if (rc != 0 && !unreachable_result(rc)) {
            warn_unaskable(a, m->e[i].node, why);
        }
        if (rc != 0 || geoha_sql_status_get(p, &ps) != 0) {
            *holds_all = false; /* cannot tell what it holds */
            geoha_sql_close(p);
            continue;
        }
        if (!ps.read_only) {
            writers++;
            geoha_strlcpy(writer, m->e[i].node, GEOHA_NODE_MAX);
        }
        if (geoha_gtid_text_subset(ps.gtid_state, mine->gtid_state, &sub) != 0
            || !sub) {
            *holds_all = false;
        }
        geoha_sql_status_clear(&ps);
        geoha_sql_close(p);
    }
    if (writers != 1) {
        writer[0] = '\0';
    }
}

/*
 * Whether an IO thread error means the writer answered and refused us
 * (login, privileges, host blocked, TLS), rather than "cannot reach it".
 */
static bool
io_refused(unsigned err)
{
    static const unsigned refused[] = {
        1044, 1045, 1129, 1130, 1227, 1251, 2026
    };

    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        if (err == refused[i]) {
            return true;
        }
    }
    return false;
}

static int
monitor_replica(struct agent *a, struct geoha_sql *c,
                const struct geoha_sql_status *st, struct marker *mk)
{
    struct geoha_ctx *ctx = a->ctx;
    struct geoha_sql_replica r = { 0 };
    struct geoha_replica_facts f;
    struct geoha_replica_score score;
    long long max_lag = geoha_param_int(ctx, P_MAX_LAG);
    bool untimed = false;
    int ocf = OCF_SUCCESS; /* the OCF exit code */
    int rc;                /* a library result */

    if (quarantined(a)) {
        set_score(a, NULL);
        geoha_exit_reason("This server holds errant transactions and is kept "
                          "out of the cluster; see %s",
                          a->errant_path);
        return OCF_ERR_GENERIC;
    }
    rc = geoha_sql_replica_status(c, &r);
    if (rc != 0) {
        geoha_exit_reason("Cannot read the replication status: %s",
                          geoha_sql_error(c));
        return OCF_ERR_GENERIC;
    }
    if (!r.configured) {
        char writer[GEOHA_NODE_MAX];
        bool holds_all = false;

        survey_peers(a, st, writer, &holds_all);
        if (writer[0] != '\0') {
            /*
             * review-7: join the writer the cluster promoted, never just
             * any server that answers as writable (the survey only
             * cross-checks it).
             */
            char promoted[GEOHA_NODE_MAX] = "";

            if (cluster_writer(a, promoted) != 0
                || strcmp(promoted, writer) != 0) {
                geoha_warn("The server of node %s is writable but the "
                           "cluster has not promoted it; not joining it | "
                           "cluster_writer=%s",
                           writer, promoted[0] != '\0' ? promoted : "(none)");
                set_score(a, NULL);
                return OCF_SUCCESS;
            }
        }
        if (writer[0] != '\0' && !ctx->probe) {
            char why[512] = "";
            bool skipped = false;

            rc = join_writer(a, c, writer, &skipped, why, sizeof(why));
            if (rc == GEOHA_E_DIVERGED) {
                geoha_exit_reason("Not joining writer %s: %s", writer, why);
                return OCF_ERR_GENERIC;
            }
            if (rc != 0) {
                geoha_warn("Cannot join the writer yet | writer=%s "
                           "reason='%s'",
                           writer, why);
            }
            set_score(a, NULL);
            return OCF_SUCCESS;
        }
        /* nobody writes: the one holding everything may be promoted */
        set_score(a, (writer[0] == '\0' && holds_all) ? SCORE_IDLE : NULL);
        return OCF_SUCCESS;
    }
    if (!ctx->probe && peer_check_due(a)) {
        check_peer_logins(a);
    }
    if (r.sql != GEOHA_SQL_THREAD_YES) {
        set_score(a, NULL);
        if (r.sql_errno != 0) {
            geoha_exit_reason("Replication SQL thread stopped on error %u: %s",
                              r.sql_errno, r.sql_error);
        } else {
            geoha_exit_reason("Replication SQL thread is not running");
        }
        geoha_sql_replica_clear(&r);
        return OCF_ERR_GENERIC;
    }
    if (r.io_errno == ER_MASTER_FATAL_READING_BINLOG) {
        set_score(a, NULL);
        geoha_exit_reason("The writer refuses to replicate to us (error "
                          "%u): %s",
                          r.io_errno, r.io_error);
        geoha_sql_replica_clear(&r);
        return OCF_ERR_GENERIC;
    }
    if (r.io == GEOHA_SQL_THREAD_YES) {
        if (mk->io_lost_ms != 0 && !ctx->probe) {
            mk->io_lost_ms = 0;
            rc = marker_write(a, mk);
            if (rc != 0) {
                /* the old time stays: a later loss looks older than it
                 * is, which only ends promotability sooner */
                geoha_warn("Cannot clear when replication was lost in the "
                           "state file | path='%s' reason='%s'",
                           a->marker_path, geoha_strerror(rc));
            }
        }
    } else if (mk->io_lost_ms == 0 && !ctx->probe) {
        mk->io_lost_ms = geoha_wall_ms();
        geoha_warn("Replication lost its writer | io_errno=%u io_error='%s'",
                   r.io_errno, r.io_error);
        rc = marker_write(a, mk);
        if (rc != 0) {
            geoha_warn("Cannot record when replication was lost in the "
                       "state file, so this replica is not promotable | "
                       "path='%s' reason='%s'",
                       a->marker_path, geoha_strerror(rc));
            untimed = true;
        }
    }
    f = (struct geoha_replica_facts){
        .io_running = r.io == GEOHA_SQL_THREAD_YES,
        .lag_s = r.lag_s,
        .max_lag_s = max_lag,
        .lost_for_ms =
            mk->io_lost_ms != 0 ? geoha_wall_ms() - mk->io_lost_ms : 0,
        .lost_untimed = untimed,
        .cutoff_ms = geoha__mysql_semisync_cutoff_ms(ctx, max_lag * 1000),
        .io_refused = io_refused(r.io_errno),
        .refused_bound_ms = IO_REFUSED_BOUND_MS,
        .received = r.received,
        .applied = st->gtid_pos,
        .notation = geoha_sql_flavour(c) == GEOHA_SQL_MARIADB
                        ? GEOHA_GTID_MARIADB
                        : GEOHA_GTID_MYSQL,
    };
    score = geoha__mysql_replica_score(&f);
    if (!score.keep) {
        set_score(a, score.score);
    }
    switch (score.verdict) {
    case GEOHA_REPLICA_PAST_MAX_LAG:
        geoha_info("Replica is past max_lag: not promotable | lag_s=%lld "
                   "max_lag=%lld",
                   r.lag_s, max_lag);
        break;
    case GEOHA_REPLICA_REFUSED:
        /* issue 17 item 2: the writer answers but will not let us
         * replicate; this replica falls behind for good */
        geoha_exit_reason("Replication cannot connect to the writer (error "
                          "%u for %lld s): %s",
                          r.io_errno, (long long)(f.lost_for_ms / 1000),
                          r.io_error);
        ocf = OCF_ERR_GENERIC;
        break;
    case GEOHA_REPLICA_STALE:
        /* not promotable, and said so (issue 17 item 2) */
        geoha_exit_reason("Replication has not reached the writer for %lld "
                          "s (more than %s=%lld)%s%s",
                          (long long)(f.lost_for_ms / 1000), P_MAX_LAG, max_lag,
                          r.io_errno != 0 ? ": " : "",
                          r.io_errno != 0 ? r.io_error : "");
        ocf = OCF_ERR_GENERIC;
        break;
    default:
        break;
    }
    geoha_sql_replica_clear(&r);
    return ocf;
}

/*
 * Whether corosync says this partition holds quorum. Without a corosync
 * to ask (the agent run by hand or by its own tests, outside a cluster)
 * the answer is "quorate": only a partition corosync reports as inquorate
 * triggers the guard.
 */
static bool
partition_quorate(void)
{
    bool quorate = true;

    if (geoha_quorum_get(&quorate) != 0) {
        return true;
    }
    return quorate;
}

static int
action_monitor(struct geoha_ctx *ctx)
{
    struct agent a;
    struct marker mk;
    struct geoha_sql *c = NULL;
    struct geoha_sql_status st = { 0 };
    int ocf; /* the OCF exit code */
    int rc;  /* a library result */

    ocf = agent_init(ctx, &a);
    if (ocf != OCF_SUCCESS) {
        return ocf;
    }
    if (marker_read(&a, &mk) != 0) {
        geoha_exit_reason("Cannot read the state file '%s'", a.marker_path);
        return OCF_ERR_GENERIC;
    }
    rc = connect_local(&a, &ctx->deadline, &c);
    if (rc == GEOHA_E_NOT_RUNNING) {
        if (mk.role != ROLE_NONE) {
            geoha_exit_reason("The database server is not running");
        }
        return OCF_NOT_RUNNING;
    }
    if (rc == GEOHA_E_INSECURE) {
        /* issue 17 item 5: checked wherever the secret is read */
        reason_insecure(ctx, P_DEFAULTS_FILE);
        return mk.role == ROLE_PROMOTED ? OCF_FAILED_PROMOTED : OCF_ERR_GENERIC;
    }
    if (rc != 0) {
        geoha_exit_reason("The database server does not answer (%s%s%s)",
                          geoha_strerror(rc), local_why[0] != '\0' ? ": " : "",
                          local_why);
        return mk.role == ROLE_PROMOTED ? OCF_FAILED_PROMOTED : OCF_ERR_GENERIC;
    }
    rc = geoha_sql_status_get(c, &st);
    if (rc != 0) {
        geoha_exit_reason("Cannot read the server state: %s",
                          geoha_sql_error(c));
        ocf = mk.role == ROLE_PROMOTED ? OCF_FAILED_PROMOTED : OCF_ERR_GENERIC;
        goto done;
    }
    switch (mk.role) {
    case ROLE_NONE:
        /*
         * review-3: not started here, yet writable. "Not running" would
         * leave it writable until a start that may never come (standby,
         * a ban, a location rule); a failure makes Pacemaker stop it here,
         * and stop makes it read-only. Nothing is changed here: a probe
         * changes nothing.
         */
        if (!st.read_only) {
            geoha_exit_reason("The server is writable but this instance is "
                              "not started here (no state file '%s'): a "
                              "writer the cluster does not know about",
                              a.marker_path);
            ocf = OCF_ERR_GENERIC;
            break;
        }
        ocf = OCF_NOT_RUNNING;
        break;
    case ROLE_PROMOTED:
        if (st.read_only) {
            geoha_exit_reason("Promoted, but the server is read-only");
            ocf = OCF_FAILED_PROMOTED;
            break;
        }
        if (!ctx->probe && !partition_quorate()) {
            /* S2: a writer cut off from quorum stops taking writes now,
             * not when Pacemaker's demote (ordered after the stops of the
             * resources that depend on it) or the other side's fencing
             * gets here. */
            /* Commits may wait for a semi-sync acknowledgement that will
             * never come: release them (they fail, never acknowledged). */
            rc = geoha__mysql_read_only_releasing(ctx, c, NULL);
            if (rc != 0) {
                geoha_exit_reason("This partition lost quorum, and the "
                                  "server could not be made read-only: %s",
                                  read_only_why(rc, c));
            } else {
                geoha_exit_reason("This partition lost quorum: the server "
                                  "was made read-only");
            }
            ocf = OCF_FAILED_PROMOTED;
            break;
        }
        set_score(&a, SCORE_WRITER);
        if (!ctx->probe) {
            geoha__mysql_semisync_monitor(ctx, c, true);
        }
        ocf = OCF_RUNNING_PROMOTED;
        break;
    case ROLE_UNPROMOTED:
        if (!st.read_only) {
            /* S1: an unpromoted writer is closed at once, then reported */
            set_score(&a, NULL);
            ocf = OCF_ERR_GENERIC;
            if (ctx->probe) {
                geoha_exit_reason("Unpromoted, but the server was writable");
                break;
            }
            rc = geoha_sql_set_read_only(c, true, &ctx->deadline);
            if (rc != 0) {
                /* a failure still: Pacemaker's stop tries again, and a
                 * stop that fails gets the node fenced */
                geoha_exit_reason("Unpromoted, but the server is writable, "
                                  "and it could not be made read-only: %s",
                                  read_only_why(rc, c));
            } else {
                geoha_exit_reason("Unpromoted, but the server was writable; "
                                  "it was made read-only");
            }
            break;
        }
        ocf = monitor_replica(&a, c, &st, &mk);
        if (ocf == OCF_SUCCESS && !ctx->probe) {
            geoha__mysql_semisync_monitor(ctx, c, false);
        }
        break;
    }
done:
    geoha_sql_status_clear(&st);
    geoha_sql_close(c);
    return ocf;
}

/* ---- start / stop ---- */

static int
action_start(struct geoha_ctx *ctx)
{
    struct agent a;
    struct marker mk = { .role = ROLE_UNPROMOTED };
    struct geoha_sql *c = NULL;
    struct geoha_sql_status st = { 0 };
    char writer[GEOHA_NODE_MAX] = "";
    char why[768] = "";
    int rc;

    rc = agent_init(ctx, &a);
    if (rc != OCF_SUCCESS) {
        return rc;
    }
    rc = connect_local(&a, &ctx->deadline, &c);
    if (rc != 0) {
        geoha_exit_reason("The database server does not answer (%s%s%s); this "
                          "agent does not start mysqld: start it (with "
                          "read_only=ON in its configuration) and run crm "
                          "resource cleanup",
                          geoha_strerror(rc), local_why[0] != '\0' ? ": " : "",
                          local_why);
        return OCF_ERR_GENERIC;
    }
    rc = geoha_sql_status_get(c, &st);
    if (rc != 0) {
        geoha_exit_reason("Cannot read the server state: %s",
                          geoha_sql_error(c));
        rc = OCF_ERR_GENERIC;
        goto done;
    }
    if (!st.read_only
        || (geoha_sql_has_super_read_only(c) && !st.super_read_only)) {
        const char *super =
            geoha_sql_has_super_read_only(c) ? " and super_read_only=ON" : "";
        enum geoha_sql_origin origin = GEOHA_SQL_ORIGIN_UNKNOWN;
        bool booted_writable;

        /* issue 11: writable since boot (the configuration) is refused;
         * writable by SET GLOBAL since (a former writer whose marker is
         * gone) is only closed */
        geoha_sql_read_only_origin(c, &origin);
        booted_writable = !st.read_only
                          && (origin == GEOHA_SQL_ORIGIN_DEFAULT
                              || origin == GEOHA_SQL_ORIGIN_BOOT);
        rc = geoha__mysql_read_only_releasing(ctx, c, NULL);
        if (rc != 0) {
            geoha_exit_reason("Cannot make the server read-only: %s",
                              read_only_why(rc, c));
            rc = OCF_ERR_GENERIC;
            goto done;
        }
        if (booted_writable) {
            geoha_exit_reason(
                "The server booted writable (read_only=OFF %s), so every "
                "restart makes it a second writer; it is read-only now. Set "
                "read_only=ON%s under [mariadbd] or [mysqld] in its "
                "configuration (see crm-config/mariadb-geoha.cnf), then run "
                "crm resource cleanup",
                origin == GEOHA_SQL_ORIGIN_DEFAULT
                    ? "by default: nothing configures it"
                    : "from its configuration",
                super);
            rc = OCF_ERR_GENERIC;
            goto done;
        }
        if (!st.read_only) {
            geoha_warn("The server was made writable at runtime before "
                       "start; it is read-only now | configure=read_only=ON%s",
                       super);
        }
    }
    rc = geoha__mysql_semisync_replica(ctx, c, why, sizeof(why));
    if (rc != 0) {
        geoha_exit_reason("%s", why);
        rc = rc == GEOHA_E_NOT_INSTALLED ? OCF_ERR_INSTALLED : OCF_ERR_GENERIC;
        goto done;
    }
    /* the writer, as the cluster sees it */
    rc = cluster_writer(&a, writer);
    if (rc != 0 || strcmp(writer, ctx->node) == 0) {
        if (rc != 0 && rc != -ENOENT) {
            geoha_info("No writer known from the CIB | reason='%s'",
                       geoha_strerror(rc));
        }
        writer[0] = '\0';
    }
    if (writer[0] != '\0') {
        bool skipped = false;

        rc = join_writer(&a, c, writer, &skipped, why, sizeof(why));
        if (rc != 0) {
            geoha_exit_reason("Cannot join writer %s: %s", writer, why);
            rc = OCF_ERR_GENERIC;
            goto done;
        }
    } else if (quarantined(&a)) {
        geoha_exit_reason("This server holds errant transactions and is kept "
                          "out of the cluster; see %s",
                          a.errant_path);
        rc = OCF_ERR_GENERIC;
        goto done;
    }
    rc = marker_write(&a, &mk);
    if (rc != 0) {
        geoha_exit_reason("Cannot write the state file '%s': %s", a.marker_path,
                          geoha_strerror(rc));
        rc = OCF_ERR_GENERIC;
        goto done;
    }
    geoha_notice("Started as a read-only replica | writer=%s",
                 writer[0] != '\0' ? writer : "(none)");
    rc = OCF_SUCCESS;
done:
    geoha_sql_status_clear(&st);
    geoha_sql_close(c);
    return rc;
}

static int
action_stop(struct geoha_ctx *ctx)
{
    struct agent a;
    struct geoha_sql *c = NULL;
    int rc;

    rc = agent_init(ctx, &a);
    if (rc != OCF_SUCCESS) {
        return rc;
    }
    rc = connect_local(&a, &ctx->deadline, &c);
    if (rc == GEOHA_E_NOT_RUNNING) {
        /* nothing listens: it takes no writes */
        rc = 0;
    } else if (rc != 0) {
        /* it might still take writes: a failed stop lets Pacemaker fence */
        geoha_exit_reason("The database server does not answer (%s%s%s); "
                          "cannot make sure it is read-only",
                          geoha_strerror(rc), local_why[0] != '\0' ? ": " : "",
                          local_why);
        return OCF_ERR_GENERIC;
    } else {
        rc = geoha_sql_set_read_only(c, true, &ctx->deadline);
        if (rc != 0) {
            geoha_exit_reason("Cannot make the server read-only: %s",
                              read_only_why(rc, c));
            geoha_sql_close(c);
            return OCF_ERR_GENERIC;
        }
        geoha_sql_close(c);
    }
    if (unlink(a.marker_path) != 0 && errno != ENOENT) {
        geoha_exit_reason("Cannot remove the state file '%s'", a.marker_path);
        return OCF_ERR_GENERIC;
    }
    geoha_attr_update(GEOHA_ATTR_PROMOTION, ctx->node, ctx->rsc, NULL,
                      &ctx->deadline, NULL);
    return OCF_SUCCESS;
}

/* ---- promote ---- */

/*
 * The position this node must reach before it takes writes: what it
 * received, plus, when its source answers read-only (a planned switchover),
 * the source's final position, or the position the source published
 * (*source_known tells whether one of those was found). Refuses
 * (GEOHA_E_UNSAFE) while any other server answers as writable, or answers
 * without letting us see whether it is (review-1), or is still heard by
 * this replica's IO thread.
 */
static int
promote_target(struct agent *a, struct geoha_sql *c,
               const struct geoha_sql_replica *r, const char *received,
               char **target, bool *source_known, json_t *peers, char *why,
               size_t why_size)
{
    const struct geoha_map *m = geoha_param_map(a->ctx, P_ENDPOINTS);
    const char *source =
        r->configured ? node_of_endpoint(a, r->source_host, r->source_port)
                      : NULL;
    bool check = geoha_param_bool(a->ctx, P_FENCE_PEER_CHECK);
    struct geoha_gtid_set *t = NULL;
    int rc;

    *source_known = false;
    rc = geoha_gtid_set_parse(received, GEOHA_GTID_ANY, &t);
    if (rc != 0) {
        geoha_snprintf(why, why_size, "cannot parse the received GTIDs '%s'",
                       received);
        return rc;
    }
    for (size_t i = 0; m != NULL && i < m->n && rc == 0; i++) {
        const char *node = m->e[i].node;
        bool is_source = source != NULL && strcmp(source, node) == 0;
        struct geoha_sql_status ps = { 0 };
        char pwhy[256] = "";
        char *published = NULL;
        const char *pos = NULL;
        enum peer_state state;

        if (strcmp(node, a->ctx->node) == 0) {
            continue;
        }
        state = ask_peer(a, node, &ps, pwhy, sizeof(pwhy));
        if (state == PEER_READ_ONLY || state == PEER_WRITABLE) {
            pos = ps.gtid_pos;
        }
        if (state == PEER_UNREACHABLE && is_source && check
            && io_thread_alive(a, c, r)) {
            /* our own replication still hears from it: it is up */
            state = PEER_UNKNOWN;
            geoha_snprintf(pwhy, sizeof(pwhy),
                           "this replica's IO thread is still connected "
                           "to it and receiving");
        }
        if (state == PEER_UNREACHABLE && i < 8 * sizeof(unsigned)) {
            a->unreachable_peers |= 1u << i;
        }
        if (state == PEER_UNREACHABLE && is_source) {
            geoha_attr_get(GEOHA_ATTR_TRANSIENT, node, a->attr_final,
                           &a->ctx->deadline, &published);
            pos = published;
        }
        json_array_append_new(peers, json_pack("{s:s, s:s, s:s}", "node", node,
                                               "state", peer_state_text(state),
                                               "gtid", pos != NULL ? pos : ""));
        if (state == PEER_WRITABLE && check) {
            geoha_snprintf(why, why_size,
                           "the server of node %s answers and is writable: "
                           "demote or fence it first",
                           node);
            rc = GEOHA_E_UNSAFE;
        } else if (state == PEER_UNKNOWN && check) {
            geoha_snprintf(why, why_size,
                           "the server of node %s is alive but cannot be "
                           "asked whether it is writable (%s): make the "
                           "account of %s work on it, or fence it first",
                           node, pwhy, P_DEFAULTS_FILE);
            rc = GEOHA_E_UNSAFE;
        } else if (pos != NULL && pos[0] != '\0' && is_source) {
            /* the writer we replicated from: reach its final position */
            struct geoha_gtid_set *s = NULL, *merged = NULL;

            if (geoha_gtid_set_parse(pos, GEOHA_GTID_ANY, &s) == 0
                && geoha_gtid_pos_merge(t, s, &merged) == 0) {
                geoha_gtid_set_free(t);
                t = merged;
                *source_known = true;
                geoha_info("Waiting for the old writer's position | "
                           "node=%s state=%s gtid='%s'",
                           node, peer_state_text(state), pos);
            }
            geoha_gtid_set_free(s);
        } else if (pos != NULL && is_source && state != PEER_UNREACHABLE) {
            *source_known = true; /* it answered: it holds nothing */
        }
        free(published);
        geoha_sql_status_clear(&ps);
    }
    if (rc == 0) {
        rc = geoha_gtid_set_format(t, target);
    }
    geoha_gtid_set_free(t);
    return rc;
}

/*
 * review-6: the last look at every other server, right before this one
 * takes writes (the first look may be the whole catch-up wait old).
 */
static int
peers_still_safe(const struct agent *a, char *why, size_t why_size)
{
    const struct geoha_map *m = geoha_param_map(a->ctx, P_ENDPOINTS);

    if (!geoha_param_bool(a->ctx, P_FENCE_PEER_CHECK)) {
        return 0;
    }
    for (size_t i = 0; m != NULL && i < m->n; i++) {
        const char *node = m->e[i].node;
        char pwhy[256] = "";
        enum peer_state state;

        bool was_unreachable =
            i < 8 * sizeof(unsigned) && (a->unreachable_peers & (1u << i)) != 0;

        if (strcmp(node, a->ctx->node) == 0) {
            continue;
        }
        state = ask_peer_within(a, node, NULL, pwhy, sizeof(pwhy),
                                was_unreachable ? PEER_REASK_TIMEOUT_MS
                                                : PEER_TIMEOUT_MS);
        if (state == PEER_WRITABLE) {
            geoha_snprintf(why, why_size,
                           "the server of node %s became writable while "
                           "this one caught up: demote or fence it first",
                           node);
            return GEOHA_E_UNSAFE;
        }
        if (state == PEER_UNKNOWN) {
            geoha_snprintf(why, why_size,
                           "the server of node %s is alive but cannot be "
                           "asked whether it is writable (%s): make the "
                           "account of %s work on it, or fence it first",
                           node, pwhy, P_DEFAULTS_FILE);
            return GEOHA_E_UNSAFE;
        }
    }
    return 0;
}

/*
 * The admin's explicit consent to promote a replica that cannot tell what
 * it had received: the node attribute RSC-force-promote=yes on this node.
 */
static bool
force_promote_requested(const struct agent *a)
{
    char *v = NULL;
    bool yes = false;

    if (geoha_attr_get(GEOHA_ATTR_TRANSIENT, a->ctx->node, a->attr_force,
                       &a->ctx->deadline, &v)
            == 0
        && v != NULL) {
        if (geoha_parse_bool(v, &yes) != 0) {
            yes = false;
        }
    }
    free(v);
    return yes;
}

static void
record_decision(const struct agent *a, json_t *j)
{
    geoha__mysql_record_decision(a->ctx, a->decisions_path, j);
}

/*
 * A promote that fails once the server takes writes: read-only again
 * (commits waiting for a semi-sync acknowledgement are ended, never
 * acknowledged), and one exit reason, failed plus whether the server is
 * closed again (S1).
 */
static void
promote_undo(struct geoha_ctx *ctx, struct geoha_sql *c, const char *failed)
{
    int rc = geoha__mysql_read_only_releasing(ctx, c, NULL);

    if (rc != 0) {
        geoha_exit_reason("%s; and the server could not be made read-only "
                          "again (%s): it takes writes until demote or stop "
                          "closes it, or fencing",
                          failed, read_only_why(rc, c));
        return;
    }
    geoha_exit_reason("%s; the server is read-only again", failed);
}

/* A promote step's "nothing more to do": promote succeeds at once. */
#define PROMOTE_DONE (-1)

/*
 * A promotion's state, passed from step to step (promote_steps[]). Each
 * step returns OCF_SUCCESS to go on, PROMOTE_DONE when there is nothing
 * more to do, or the action's result (with its exit reason written); the
 * first that does not say OCF_SUCCESS ends promote.
 */
struct promotion {
    struct geoha_ctx *ctx;
    struct agent a;
    struct marker mk;
    struct geoha_sql *c;        /* this server */
    struct geoha_sql_status st; /* its state */
    struct geoha_sql_replica r; /* its replication */
    json_t *peers;              /* the decision line's peers */
    char *target, *applied;     /* the position to reach; what was reached */
    int64_t t0;
    bool source_known; /* the old writer's final position is in target */
    bool forced;       /* the admin's one-shot consent was used */
};

/*
 * This server: not kept out for errant transactions, answering, its
 * SQL thread not stopped on an error.
 */
static int
promote_read_self(struct promotion *pm)
{
    struct geoha_ctx *ctx = pm->ctx;
    struct agent *a = &pm->a;
    int rc; /* a library result */

    if (quarantined(a)) {
        geoha_exit_reason("Refusing to promote: this server holds errant "
                          "transactions; see %s",
                          a->errant_path);
        return OCF_ERR_GENERIC;
    }
    rc = connect_local(a, &ctx->deadline, &pm->c);
    if (rc != 0) {
        geoha_exit_reason("The database server does not answer (%s%s%s)",
                          geoha_strerror(rc), local_why[0] != '\0' ? ": " : "",
                          local_why);
        return OCF_ERR_GENERIC;
    }
    rc = geoha_sql_status_get(pm->c, &pm->st);
    if (rc == 0) {
        rc = geoha_sql_replica_status(pm->c, &pm->r);
    }
    if (rc != 0) {
        geoha_exit_reason("Cannot read the server state: %s",
                          geoha_sql_error(pm->c));
        return OCF_ERR_GENERIC;
    }
    if (pm->r.configured && pm->r.sql != GEOHA_SQL_THREAD_YES
        && pm->r.sql_errno != 0) {
        geoha_exit_reason("Refusing to promote: the SQL thread stopped on "
                          "error %u (%s), so not everything received is "
                          "applied",
                          pm->r.sql_errno, pm->r.sql_error);
        return OCF_ERR_GENERIC;
    }
    return OCF_SUCCESS;
}

/*
 * What must be applied before taking writes (S3): everything received,
 * and the old writer's final position when it is known; the other
 * servers surveyed on the way. A replica that restarted and forgot what
 * it received is promoted only with the admin's one-shot consent.
 */
static int
promote_set_target(struct promotion *pm)
{
    struct geoha_ctx *ctx = pm->ctx;
    struct agent *a = &pm->a;
    char why[768] = "";
    int rc; /* a library result */

    rc = promote_target(a, pm->c, &pm->r, str_or(pm->r.received, ""),
                        &pm->target, &pm->source_known, pm->peers, why,
                        sizeof(why));
    if (rc != 0) {
        geoha_exit_reason("Refusing to promote: %s", why);
        return OCF_ERR_GENERIC;
    }
    /*
     * review-4: after a restart (skip-slave-start) both threads are
     * stopped and the server no longer knows what it had received: what
     * it applied may be far behind what its writer acknowledged. Only the
     * old writer's final position, or the admin, can say it is enough.
     */
    if (pm->r.configured && pm->r.io == GEOHA_SQL_THREAD_NO
        && pm->r.sql == GEOHA_SQL_THREAD_NO
        && str_or(pm->r.received, "")[0] == '\0' && !pm->source_known) {
        pm->forced = force_promote_requested(a);
        if (!pm->forced) {
            geoha_exit_reason(
                "Refusing to promote: replication is stopped and this server "
                "does not know what it had received (restarted?), and the "
                "old writer's final position is unknown | applied='%s'. To "
                "accept losing what it may lack, run: crm_attribute --node "
                "%s --name %s --update yes --lifetime reboot; then crm "
                "resource cleanup %s",
                pm->st.gtid_pos, ctx->node, a->attr_force, a->base);
            return OCF_ERR_GENERIC;
        }
        geoha_warn("Promoting without knowing what this server had "
                   "received: the admin asked for it | attribute=%s",
                   a->attr_force);
    }
    return OCF_SUCCESS;
}

/*
 * A repeated promote of the writer changes nothing.
 */
static int
promote_promoted_already(struct promotion *pm)
{
    struct agent *a = &pm->a;

    if (!pm->st.read_only && pm->mk.role == ROLE_PROMOTED) {
        struct marker cur;

        if (marker_read(a, &cur) == 0 && cur.role == ROLE_PROMOTED) {
            return PROMOTE_DONE; /* promoted already */
        }
    }
    return OCF_SUCCESS;
}

/*
 * S3: the target applied, within the timeout.
 */
static int
promote_catch_up(struct promotion *pm)
{
    struct agent *a = &pm->a;
    int rc; /* a library result */

    if (pm->r.configured && pm->r.sql == GEOHA_SQL_THREAD_YES) {
        rc = geoha__mysql_wait_applied(pm->c, pm->target, &a->ctx->deadline,
                                       &pm->applied);
        if (rc != 0) {
            geoha_exit_reason("Refusing to promote: not caught up within the "
                              "timeout (%s) | applied='%s' needed='%s'",
                              geoha_strerror(rc), str_or(pm->applied, ""),
                              pm->target);
            return OCF_ERR_GENERIC;
        }
    } else {
        struct geoha_gtid_set *p = NULL, *t = NULL;
        bool ok = false;

        if (geoha_gtid_set_parse(pm->st.gtid_pos, GEOHA_GTID_ANY, &p) == 0
            && geoha_gtid_set_parse(pm->target, GEOHA_GTID_ANY, &t) == 0) {
            geoha_gtid_pos_reached(p, t, &ok);
        }
        geoha_gtid_set_free(p);
        geoha_gtid_set_free(t);
        if (!ok) {
            geoha_exit_reason("Refusing to promote: this server has not "
                              "applied everything it received and "
                              "replication is not running | applied='%s' "
                              "needed='%s'",
                              pm->st.gtid_pos, pm->target);
            return OCF_ERR_GENERIC;
        }
        pm->applied = strdup(pm->st.gtid_pos);
    }
    return OCF_SUCCESS;
}

/*
 * The last look before taking writes: semi-sync can be armed, and no
 * other server has become writable meanwhile (S1).
 */
static int
promote_last_look(struct promotion *pm)
{
    struct geoha_ctx *ctx = pm->ctx;
    struct agent *a = &pm->a;
    char why[768] = "";

    if (geoha__mysql_semisync_check(ctx, pm->c, why, sizeof(why)) != 0) {
        geoha_exit_reason("Refusing to promote: %s", why);
        return OCF_ERR_GENERIC;
    }
    if (peers_still_safe(a, why, sizeof(why)) != 0) {
        geoha_exit_reason("Refusing to promote: %s", why);
        return OCF_ERR_GENERIC;
    }
    return OCF_SUCCESS;
}

/*
 * Replication stopped and forgotten, read_only cleared and a write
 * proved, semi-sync armed, the state file saying this is the writer;
 * any failure puts read_only back (promote_undo).
 */
static int
promote_take_writes(struct promotion *pm)
{
    struct geoha_ctx *ctx = pm->ctx;
    struct agent *a = &pm->a;
    char why[768] = "";
    int rc; /* a library result */

    if (pm->r.configured) {
        rc = geoha_sql_replica_stop(pm->c);
        if (rc == 0) {
            rc = geoha_sql_replica_reset(pm->c);
        }
        if (rc != 0) {
            geoha_exit_reason("Cannot stop replication: %s",
                              geoha_sql_error(pm->c));
            return OCF_ERR_GENERIC;
        }
    }
    rc = geoha_sql_set_read_only(pm->c, false, &ctx->deadline);
    if (rc == 0) {
        rc = geoha_sql_verify_write(pm->c, ctx->node);
    }
    if (rc != 0) {
        char failed[1024];

        geoha_snprintf(failed, sizeof(failed),
                       "The server does not take writes: %s",
                       rc == GEOHA_E_STATE ? "read_only did not clear"
                                           : geoha_sql_error(pm->c));
        promote_undo(ctx, pm->c, failed);
        return OCF_ERR_GENERIC;
    }
    if (geoha__mysql_semisync_promoted(ctx, pm->c, pm->peers, why, sizeof(why))
        != 0) {
        char failed[1024];

        geoha_snprintf(failed, sizeof(failed),
                       "Semi-synchronous replication cannot be armed, so "
                       "not taking writes: %s",
                       why);
        promote_undo(ctx, pm->c, failed);
        return OCF_ERR_GENERIC;
    }
    rc = marker_write(a, &pm->mk);
    if (rc != 0) {
        char failed[1024];

        /* S1: a writer whose state file does not say so would be taken
         * for an unpromoted one (and a restart forgets it) */
        geoha_snprintf(failed, sizeof(failed),
                       "Cannot write the state file '%s' (%s), so not "
                       "taking writes",
                       a->marker_path, geoha_strerror(rc));
        promote_undo(ctx, pm->c, failed);
        return OCF_ERR_GENERIC;
    }
    return OCF_SUCCESS;
}

/*
 * What follows a promotion: the final-GTID attribute cleared, the
 * admin's consent used up, the decision line written.
 */
static int
promote_record(struct promotion *pm)
{
    struct geoha_ctx *ctx = pm->ctx;
    struct agent *a = &pm->a;
    char when[32];

    /* No score here: the promoted monitor that Pacemaker runs right after
     * this sets SCORE_WRITER. A transient attribute changed by the promote
     * aborts the transition it runs in, and the drupal starts that follow
     * the promotion (the end of a switchover's pause) then wait for the
     * scheduler to run again: measured 50 ms of the pause. Until that
     * monitor this node keeps its replica score and the old writer has
     * none (demote removed it), so nothing prefers another node. */
    geoha_attr_update(GEOHA_ATTR_TRANSIENT, ctx->node, a->attr_final, NULL,
                      &ctx->deadline, NULL);
    if (pm->forced) {
        /* the admin's consent is for this one promotion */
        geoha_attr_update(GEOHA_ATTR_TRANSIENT, ctx->node, a->attr_force, NULL,
                          &ctx->deadline, NULL);
    }
    geoha__mysql_iso_time(when, sizeof(when));
    {
        json_t *j = json_pack(
            "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:b, s:o}", "time",
            when, "action", "promote", "node", ctx->node, "resource", a->base,
            "received", str_or(pm->r.received, ""), "required", pm->target,
            "applied", str_or(pm->applied, ""), "lag_s",
            (json_int_t)pm->r.lag_s, "waited_ms",
            (json_int_t)(geoha_now_ms() - pm->t0), "forced", pm->forced,
            "peers", pm->peers);

        pm->peers = NULL; /* the object owns it now */
        if (j != NULL) {
            record_decision(a, j);
        }
        json_decref(j);
    }
    geoha_notice("Promoted: this server is the writer | applied='%s'",
                 str_or(pm->applied, ""));
    return OCF_SUCCESS;
}

static int (*const promote_steps[])(struct promotion *) = {
    promote_read_self, promote_set_target, promote_promoted_already,
    promote_catch_up,  promote_last_look,  promote_take_writes,
    promote_record,
};

static int
action_promote(struct geoha_ctx *ctx)
{
    struct promotion p = {
        .ctx = ctx,
        .mk = { .role = ROLE_PROMOTED },
        .t0 = geoha_now_ms(),
    };
    int ocf; /* the OCF exit code */

    ocf = agent_init(ctx, &p.a);
    if (ocf != OCF_SUCCESS) {
        return ocf;
    }
    p.peers = json_array();
    for (size_t i = 0; i < sizeof(promote_steps) / sizeof(promote_steps[0])
                       && ocf == OCF_SUCCESS;
         i++) {
        ocf = promote_steps[i](&p);
    }
    json_decref(p.peers);
    free(p.target);
    free(p.applied);
    geoha_sql_replica_clear(&p.r);
    geoha_sql_status_clear(&p.st);
    geoha_sql_close(p.c);
    return ocf == PROMOTE_DONE ? OCF_SUCCESS : ocf;
}

/* ---- demote ---- */

static int
action_demote(struct geoha_ctx *ctx)
{
    struct agent a;
    struct marker mk = { .role = ROLE_UNPROMOTED };
    struct geoha_sql *c = NULL;
    struct geoha_sql_status st = { 0 };
    struct geoha_deadline wd;
    struct marker was;
    bool was_writer;
    unsigned open = 0;
    int ocf; /* the OCF exit code */
    int rc;  /* a library result */

    ocf = agent_init(ctx, &a);
    if (ocf != OCF_SUCCESS) {
        return ocf;
    }
    rc = connect_local(&a, &ctx->deadline, &c);
    if (rc != 0) {
        geoha_exit_reason("The database server does not answer (%s%s%s)",
                          geoha_strerror(rc), local_why[0] != '\0' ? ": " : "",
                          local_why);
        return OCF_ERR_GENERIC;
    }
    /* was it the writer? (only a writer's final position is published) */
    was_writer = marker_read(&a, &was) == 0 && was.role == ROLE_PROMOTED;
    if (!was_writer && geoha_sql_status_get(c, &st) == 0) {
        was_writer = !st.read_only;
    }
    geoha_sql_status_clear(&st);
    /* S1: read-only before anything else (commits that wait for a
     * semi-sync acknowledgement are ended, never acknowledged) */
    rc = geoha__mysql_read_only_releasing(ctx, c, NULL);
    if (rc != 0) {
        geoha_exit_reason("Cannot make the server read-only: %s",
                          read_only_why(rc, c));
        ocf = OCF_ERR_GENERIC;
        goto done;
    }
    wd = geoha_deadline_min(&ctx->deadline, WRITES_WAIT_MAX_MS);
    rc = geoha_sql_wait_writes_done(c, &wd, &open);
    if (rc == GEOHA_E_DEADLINE) {
        geoha_warn("Write transactions still open after read_only was set; "
                   "they cannot commit | open=%u",
                   open);
    }
    rc = geoha_sql_status_get(c, &st);
    if (rc != 0) {
        geoha_exit_reason("Cannot read the final GTID position: %s",
                          geoha_sql_error(c));
        ocf = OCF_ERR_GENERIC;
        goto done;
    }
    if (was_writer) {
        /* the position is also published below, and promote asks the
         * read-only server itself first */
        geoha__mysql_final_gtid_save(ctx, a.final_path, st.gtid_pos);
    }
    if (was_writer && st.gtid_pos[0] != '\0') {
        rc = geoha_attr_update(GEOHA_ATTR_TRANSIENT, ctx->node, a.attr_final,
                               st.gtid_pos, &ctx->deadline, NULL);
        if (rc != 0) {
            geoha_warn("Cannot publish the final GTID position | "
                       "reason='%s'",
                       geoha_strerror(rc));
        }
    }
    rc = marker_write(&a, &mk);
    if (rc != 0) {
        geoha_exit_reason("Cannot write the state file '%s': %s", a.marker_path,
                          geoha_strerror(rc));
        ocf = OCF_ERR_GENERIC;
        goto done;
    }
    set_score(&a, NULL);
    geoha_notice("Demoted: read-only | final_gtid='%s'", st.gtid_pos);
    ocf = OCF_SUCCESS;
done:
    geoha_sql_status_clear(&st);
    geoha_sql_close(c);
    return ocf;
}

/* ---- notify ---- */

static bool
word_in(const char *list, const char *word)
{
    size_t n = strlen(word);

    for (const char *p = list; p != NULL && *p != '\0';) {
        while (*p == ' ') {
            p++;
        }
        if (strncmp(p, word, n) == 0 && (p[n] == ' ' || p[n] == '\0')) {
            return true;
        }
        p = strchr(p, ' ');
    }
    return false;
}

/*
 * The post-promote notification's question: is this instance a replica
 * that must now follow another node's new writer? *writer gets that node.
 */
static bool
must_join(struct geoha_ctx *ctx, struct agent *a, char *writer, size_t size)
{
    const char *type = geoha_notify_get("type");
    const char *op = geoha_notify_get("operation");
    const char *promoted = geoha_notify_get("promote_uname");
    struct marker mk;

    writer[0] = '\0';
    if (!geoha_streq(type, "post") || !geoha_streq(op, "promote")
        || agent_init(ctx, a) != OCF_SUCCESS) {
        return false;
    }
    if (marker_read(a, &mk) != 0 || mk.role != ROLE_UNPROMOTED) {
        return false; /* not started here, or we are the writer */
    }
    for (size_t i = 0; i < geoha_param_map(ctx, P_ENDPOINTS)->n; i++) {
        const char *n = geoha_param_map(ctx, P_ENDPOINTS)->e[i].node;

        if (strcmp(n, ctx->node) != 0 && word_in(promoted, n)) {
            geoha_strlcpy(writer, n, size);
        }
    }
    return writer[0] != '\0';
}

static int action_join_writer(struct geoha_ctx *ctx);

/*
 * Only the post-promote notification does anything: the replica follows
 * the new writer. It does so in a helper of its own (this program again,
 * hidden action JOIN_ACTION, with the notification's environment), so the
 * notification returns at once: the Drupal include's start waits for the
 * notification, and re-pointing (CHANGE MASTER, then waiting for both
 * threads) took 0.15 s of a planned switchover's write pause (issue 18).
 * Nothing safe waits for it: the new writer was promoted already, and the
 * replica's monitor joins the writer too. When the helper cannot be
 * started, the notification does it itself.
 */
static int
action_notify(struct geoha_ctx *ctx)
{
    struct agent a;
    char writer[GEOHA_NODE_MAX];

    if (!must_join(ctx, &a, writer, sizeof(writer))) {
        return OCF_SUCCESS;
    }
    if (geoha_proc_spawn_self(ctx->agent->name, JOIN_ACTION,
                              getenv(GEOHA_ENV_GUARD_LOG))
        == 0) {
        geoha_info("Following the new writer in the background | writer=%s",
                   writer);
        return OCF_SUCCESS;
    }
    return action_join_writer(ctx);
}

/* The helper of action_notify: this replica follows the new writer. */
static int
action_join_writer(struct geoha_ctx *ctx)
{
    struct agent a;
    struct geoha_sql *c = NULL;
    char writer[GEOHA_NODE_MAX];
    char why[768] = "";
    bool skipped = false;
    int rc;

    if (!must_join(ctx, &a, writer, sizeof(writer))) {
        return OCF_SUCCESS;
    }
    rc = connect_local(&a, &ctx->deadline, &c);
    if (rc != 0) {
        geoha_warn("Cannot join the new writer: the server does not answer | "
                   "writer=%s",
                   writer);
        return OCF_SUCCESS;
    }
    if (geoha__mysql_semisync_replica(ctx, c, why, sizeof(why)) != 0) {
        geoha_warn("Semi-sync replica side not enabled | reason='%s'", why);
    }
    rc = join_writer(&a, c, writer, &skipped, why, sizeof(why));
    if (rc != 0) {
        geoha_err("Not replicating from the new writer | writer=%s "
                  "reason='%s'",
                  writer, why);
    }
    geoha_sql_close(c);
    return OCF_SUCCESS;
}

/* ---- validate ---- */

static int
validate(struct geoha_ctx *ctx)
{
    const struct geoha_map *eps = geoha_param_map(ctx, P_ENDPOINTS);
    const char *state = geoha_param_str(ctx, P_STATE_DIR);
    struct geoha_sql_account acc;
    int rc;

    if (eps == NULL || geoha_map_get(eps, ctx->node) == NULL) {
        geoha_exit_reason("Parameter %s has no entry for this node '%s'",
                          P_ENDPOINTS, ctx->node);
        /* issue 17 item 9: wrong for this node, not for the others */
        return eps == NULL || eps->n == 0 ? OCF_ERR_CONFIGURED
                                          : OCF_ERR_INSTALLED;
    }
    if (eps->n < 2) {
        geoha_exit_reason("Parameter %s must name at least two nodes",
                          P_ENDPOINTS);
        return OCF_ERR_CONFIGURED;
    }
    if (state == NULL) {
        geoha_exit_reason("Parameter %s must be set", P_STATE_DIR);
        return OCF_ERR_CONFIGURED;
    }
    /* checked here, not by the table: backend=azure does not use it */
    rc = geoha_file_check_private(geoha_param_str(ctx, P_REPL_DEFAULTS_FILE));
    if (rc == -ENOENT) {
        geoha_exit_reason("Parameter %s='%s' does not exist",
                          P_REPL_DEFAULTS_FILE,
                          geoha_param_str(ctx, P_REPL_DEFAULTS_FILE));
        return OCF_ERR_INSTALLED;
    }
    if (rc == GEOHA_E_INSECURE) {
        /* issue 17 item 9: this node's file, a hard error here only */
        reason_insecure(ctx, P_REPL_DEFAULTS_FILE);
        return OCF_ERR_INSTALLED;
    }
    rc = geoha_sql_optfile_read(geoha_param_str(ctx, P_REPL_DEFAULTS_FILE),
                                NULL, &acc);
    geoha_sql_account_clear(&acc);
    if (rc != 0) {
        geoha_exit_reason(
            "Parameter %s='%s' is not a usable option file: "
            "%s",
            P_REPL_DEFAULTS_FILE, geoha_param_str(ctx, P_REPL_DEFAULTS_FILE),
            rc == GEOHA_E_CONFIG ? "no user in [client]" : geoha_strerror(rc));
        return OCF_ERR_INSTALLED; /* this node's file (issue 17 item 9) */
    }
    return OCF_SUCCESS;
}

static int
action_validate(struct geoha_ctx *ctx)
{
    struct agent a;

    /* the core ran the table checks and validate(); what is left is a
     * warning about servers promote could not ask (review-1) */
    if (agent_init(ctx, &a) == OCF_SUCCESS) {
        check_peer_logins(&a);
    }
    return OCF_SUCCESS;
}

/* ---- the quorum guard's close ---- */

/*
 * Native: the local server read-only, releasing commits that wait for a
 * semi-sync acknowledgement. A server that does not listen takes no
 * writes.
 */
static int
guard_close_native(struct geoha_ctx *ctx, const char **how)
{
    struct agent a;
    struct geoha_sql *c = NULL;
    int rc;

    if (agent_init(ctx, &a) != OCF_SUCCESS) {
        return -EINVAL;
    }
    rc = connect_local(&a, &ctx->deadline, &c);
    if (rc == GEOHA_E_NOT_RUNNING) {
        *how = "not-running";
        return 0;
    }
    if (rc != 0) {
        return rc;
    }
    rc = geoha__mysql_read_only_releasing(ctx, c, NULL);
    geoha_sql_close(c);
    if (rc == 0) {
        *how = "read_only";
    }
    return rc;
}

/* ---- the backend ---- */

const struct geoha_mysql_backend geoha__mysql_native = {
    .name = BACKEND_NATIVE,
    .validate = validate,
    .validate_all = action_validate,
    .start = action_start,
    .stop = action_stop,
    .monitor = action_monitor,
    .promote = action_promote,
    .demote = action_demote,
    .notify = action_notify,
    .join_writer = action_join_writer,
    .guard_close = guard_close_native,
    .reseed = NULL,
};
