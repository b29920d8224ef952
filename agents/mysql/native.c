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
 * This file holds the native backend's actions (backend.h) but promote
 * (native_promote.c); asking the other servers is in native_peers.c, the
 * instance and its own server in native_base.c. The agent's tables and
 * dispatch are in main.c, backend=azure (Azure Database for MySQL
 * Flexible Server) in azure*.c, what both share in common.h/common.c, the
 * replica's promotion score in score.c (agents/mysql/README.md: Layout).
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
#include "native_base.h"
#include "semisync.h"

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
    struct geoha_deadline pd = native_peer_deadline(a, PEER_TIMEOUT_MS);
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
    rc = native_connect_node(a, writer, &pd, &w, wwhy, sizeof(wwhy));
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
        native_report_errant(a, writer, ws.gtid_state, ls.gtid_state, errant,
                             count);
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
    if (native_quarantined(a)) {
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
    int ocf = OCF_SUCCESS; /* the OCF exit code */
    int rc;                /* a library result */

    if (native_quarantined(a)) {
        native_set_score(a, NULL);
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

        native_survey_peers(a, st, writer, &holds_all);
        if (writer[0] != '\0') {
            /*
             * review-7: join the writer the cluster promoted, never just
             * any server that answers as writable (the survey only
             * cross-checks it).
             */
            char promoted[GEOHA_NODE_MAX] = "";

            if (native_cluster_writer(a, promoted) != 0
                || strcmp(promoted, writer) != 0) {
                geoha_warn("The server of node %s is writable but the "
                           "cluster has not promoted it; not joining it | "
                           "cluster_writer=%s",
                           writer, promoted[0] != '\0' ? promoted : "(none)");
                native_set_score(a, NULL);
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
            native_set_score(a, NULL);
            return OCF_SUCCESS;
        }
        /* nobody writes: the one holding everything may be promoted */
        native_set_score(a,
                         (writer[0] == '\0' && holds_all) ? SCORE_IDLE : NULL);
        return OCF_SUCCESS;
    }
    if (!ctx->probe && native_peer_check_due(a)) {
        native_check_peer_logins(a);
    }
    if (r.sql != GEOHA_SQL_THREAD_YES) {
        native_set_score(a, NULL);
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
        native_set_score(a, NULL);
        geoha_exit_reason("The writer refuses to replicate to us (error "
                          "%u): %s",
                          r.io_errno, r.io_error);
        geoha_sql_replica_clear(&r);
        return OCF_ERR_GENERIC;
    }
    f = geoha__mysql_replica_facts(ctx, a->marker_path, mk, &r, st->gtid_pos,
                                   geoha_sql_flavour(c), max_lag);
    f.cutoff_ms = geoha__mysql_semisync_cutoff_ms(ctx, max_lag * 1000);
    f.io_refused = io_refused(r.io_errno);
    f.refused_bound_ms = IO_REFUSED_BOUND_MS;
    score = geoha__mysql_replica_score(&f);
    if (!score.keep) {
        native_set_score(a, score.score);
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

    ocf = native_agent_init(ctx, &a);
    if (ocf != OCF_SUCCESS) {
        return ocf;
    }
    if (native_marker_read(&a, &mk) != 0) {
        geoha_exit_reason("Cannot read the state file '%s'", a.marker_path);
        return OCF_ERR_GENERIC;
    }
    rc = native_connect_local(&a, &ctx->deadline, &c);
    if (rc == GEOHA_E_NOT_RUNNING) {
        if (mk.role != ROLE_NONE) {
            geoha_exit_reason("The database server is not running");
        }
        return OCF_NOT_RUNNING;
    }
    if (rc == GEOHA_E_INSECURE) {
        /* issue 17 item 5: checked wherever the secret is read */
        native_reason_insecure(ctx, P_DEFAULTS_FILE);
        return mk.role == ROLE_PROMOTED ? OCF_FAILED_PROMOTED : OCF_ERR_GENERIC;
    }
    if (rc != 0) {
        geoha_exit_reason(
            "The database server does not answer (%s%s%s)", geoha_strerror(rc),
            native_local_why[0] != '\0' ? ": " : "", native_local_why);
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
                                  native_read_only_why(rc, c));
            } else {
                geoha_exit_reason("This partition lost quorum: the server "
                                  "was made read-only");
            }
            ocf = OCF_FAILED_PROMOTED;
            break;
        }
        native_set_score(&a, SCORE_WRITER);
        if (!ctx->probe) {
            geoha__mysql_semisync_monitor(ctx, c, true);
        }
        ocf = OCF_RUNNING_PROMOTED;
        break;
    case ROLE_UNPROMOTED:
        if (!st.read_only) {
            /* S1: an unpromoted writer is closed at once, then reported */
            native_set_score(&a, NULL);
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
                                  native_read_only_why(rc, c));
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

    rc = native_agent_init(ctx, &a);
    if (rc != OCF_SUCCESS) {
        return rc;
    }
    rc = native_connect_local(&a, &ctx->deadline, &c);
    if (rc != 0) {
        geoha_exit_reason("The database server does not answer (%s%s%s); this "
                          "agent does not start mysqld: start it (with "
                          "read_only=ON in its configuration) and run crm "
                          "resource cleanup",
                          geoha_strerror(rc),
                          native_local_why[0] != '\0' ? ": " : "",
                          native_local_why);
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
                              native_read_only_why(rc, c));
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
    rc = native_cluster_writer(&a, writer);
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
    } else if (native_quarantined(&a)) {
        geoha_exit_reason("This server holds errant transactions and is kept "
                          "out of the cluster; see %s",
                          a.errant_path);
        rc = OCF_ERR_GENERIC;
        goto done;
    }
    rc = native_marker_write(&a, &mk);
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

    rc = native_agent_init(ctx, &a);
    if (rc != OCF_SUCCESS) {
        return rc;
    }
    rc = native_connect_local(&a, &ctx->deadline, &c);
    if (rc == GEOHA_E_NOT_RUNNING) {
        /* nothing listens: it takes no writes */
        rc = 0;
    } else if (rc != 0) {
        /* it might still take writes: a failed stop lets Pacemaker fence */
        geoha_exit_reason("The database server does not answer (%s%s%s); "
                          "cannot make sure it is read-only",
                          geoha_strerror(rc),
                          native_local_why[0] != '\0' ? ": " : "",
                          native_local_why);
        return OCF_ERR_GENERIC;
    } else {
        rc = geoha_sql_set_read_only(c, true, &ctx->deadline);
        if (rc != 0) {
            geoha_exit_reason("Cannot make the server read-only: %s",
                              native_read_only_why(rc, c));
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

    ocf = native_agent_init(ctx, &a);
    if (ocf != OCF_SUCCESS) {
        return ocf;
    }
    rc = native_connect_local(&a, &ctx->deadline, &c);
    if (rc != 0) {
        geoha_exit_reason(
            "The database server does not answer (%s%s%s)", geoha_strerror(rc),
            native_local_why[0] != '\0' ? ": " : "", native_local_why);
        return OCF_ERR_GENERIC;
    }
    /* was it the writer? (only a writer's final position is published) */
    was_writer = native_marker_read(&a, &was) == 0 && was.role == ROLE_PROMOTED;
    if (!was_writer && geoha_sql_status_get(c, &st) == 0) {
        was_writer = !st.read_only;
    }
    geoha_sql_status_clear(&st);
    /* S1: read-only before anything else (commits that wait for a
     * semi-sync acknowledgement are ended, never acknowledged) */
    rc = geoha__mysql_read_only_releasing(ctx, c, NULL);
    if (rc != 0) {
        geoha_exit_reason("Cannot make the server read-only: %s",
                          native_read_only_why(rc, c));
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
    rc = native_marker_write(&a, &mk);
    if (rc != 0) {
        geoha_exit_reason("Cannot write the state file '%s': %s", a.marker_path,
                          geoha_strerror(rc));
        ocf = OCF_ERR_GENERIC;
        goto done;
    }
    native_set_score(&a, NULL);
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
        || native_agent_init(ctx, a) != OCF_SUCCESS) {
        return false;
    }
    if (native_marker_read(a, &mk) != 0 || mk.role != ROLE_UNPROMOTED) {
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
    rc = native_connect_local(&a, &ctx->deadline, &c);
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
        native_reason_insecure(ctx, P_REPL_DEFAULTS_FILE);
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
    if (native_agent_init(ctx, &a) == OCF_SUCCESS) {
        native_check_peer_logins(&a);
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

    if (native_agent_init(ctx, &a) != OCF_SUCCESS) {
        return -EINVAL;
    }
    rc = native_connect_local(&a, &ctx->deadline, &c);
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
    .promote = native_promote,
    .demote = action_demote,
    .notify = action_notify,
    .join_writer = action_join_writer,
    .guard_close = guard_close_native,
    .reseed = NULL,
};
