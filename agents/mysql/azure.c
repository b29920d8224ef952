/*
 * ocf:geoha:mysql backend=azure — Azure Database for MySQL Flexible Server.
 *
 * The role lives in Azure, not on the VM: the instance on node X speaks for
 * the flexible server servers[X], read and changed through Azure Resource
 * Manager (ARM) and checked over SQL (defaults_file; TLS through ssl-ca in
 * that file). SQL goes to endpoints[X] when endpoints is set, else to the
 * server's fullyQualifiedDomainName on port 3306.
 *
 * Azure's facts that shape it: promotion is a one-way PATCH
 * (replicationRole None) that turns a replica into a standalone server for
 * good and takes minutes; a standalone server can never become a replica
 * again, it can only be deleted and re-created as one (a full copy).
 *
 *   monitor  ARM (state, replicationRole) plus SQL (read_only, replica
 *            status, lag, GTID sets). Promoted: the server must be
 *            standalone and writable. Unpromoted replica: replicating,
 *            score from currency exactly as the native backend. Unpromoted
 *            standalone: the writer (it has replicas, or it is the only
 *            running standalone server) scores SCORE_WRITER so Pacemaker
 *            promotes it rather than turning a replica standalone;
 *            otherwise it is a former writer: diverged-or-stale, never
 *            promotable, node attribute RSC-reseed-needed and a mark in
 *            state_dir (mysql-RSC.reseed) until the admin reseeds it. That
 *            state is reported but is not a failure (OCF_SUCCESS): it is
 *            the normal state after every failover.
 *   promote  (a) refuses while this server is marked diverged-or-stale;
 *            (b) asks every other standalone server over SQL: a writable
 *            one is made read-only when it can be (planned switchover:
 *            its final position is then known), or promote refuses with
 *            old_writer_action=none; (c) waits, bounded, until this
 *            replica applied everything it received and the old writer's
 *            final position (S3); (d) applies old_writer_action to the
 *            former writer through ARM (for stop: its read_only server
 *            parameter first, so that it never starts again writable)
 *            and checks over SQL that it no
 *            longer takes writes (S1) — a former writer that ARM cannot
 *            reach (region down) and that does not answer over SQL is left
 *            to quorum and fencing (S2); one that still answers writable
 *            stops the promotion; (e) PATCHes replicationRole None and
 *            follows the operation within the deadline; (f) proves a
 *            write over SQL; (g) appends a JSON line to
 *            state_dir/mysql-RSC-decisions.jsonl.
 *            Every step can be repeated: a promote that ran out of time
 *            leaves Azure's operation running and the next promote waits
 *            for it and carries on; an already promoted server succeeds.
 *   demote, stop
 *            cannot turn the server back into a replica. Drupal on this
 *            node is already failing closed by then (the drupal clone is
 *            ordered after the promotion and stopped first); demote makes
 *            the server read-only where the account may (SQL, else the
 *            read_only server parameter through ARM; a failure is only
 *            logged: promote's old_writer_action is what S1 relies on),
 *            records and publishes its final GTID position (RSC-final-gtid)
 *            for a lossless switchover, and leaves the server running.
 *   reseed   (hidden; failback) run by the admin on the stale node:
 *            reports any transaction the stale server holds that the
 *            writer lacks (refusing unless GEOHA_RESEED_DISCARD_ERRANT=yes
 *            is set: S4; a stopped server is never started to look, as it
 *            would start writable beside the writer, so it needs that
 *            consent too), deletes the server and re-creates it as a
 *            replica of the current writer (PUT createMode Replica),
 *            waits for it and clears the mark. Run it with the resource's
 *            parameters in the environment, e.g.
 *              OCF_ROOT=/usr/lib/ocf OCF_RESOURCE_INSTANCE=db \
 *              OCF_RESKEY_backend=azure OCF_RESKEY_servers='ci=.. si=..' \
 *              OCF_RESKEY_subscription=.. OCF_RESKEY_resource_group=.. \
 *              OCF_RESKEY_CRM_meta_timeout=7200000 \
 *              /usr/lib/ocf/resource.d/geoha/mysql reseed
 *            then "crm resource cleanup db".
 *
 * This file holds the actions but promote (azure_promote.c) and reseed
 * (azure_reseed.c); set-up and access to the servers are in azure_base.c
 * (agents/mysql/README.md: Layout).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "geoha/arm.h"
#include "geoha/attr.h"
#include "geoha/cib.h"
#include "geoha/file.h"
#include "geoha/gtid.h"
#include "geoha/map.h"
#include "geoha/ocf.h"
#include "geoha/sql.h"
#include "geoha/util.h"

#include "azure_base.h"
#include "backend.h"
#include "common.h"

const char *const geoha__mysql_sql_tls_choices[] = { SQL_TLS_VERIFY,
                                                     SQL_TLS_FILE, NULL };

const char *const geoha__mysql_old_writer_actions[] = { OLD_WRITER_STOP,
                                                        OLD_WRITER_FIREWALL,
                                                        OLD_WRITER_NONE, NULL };

/* ---- who is the writer ---- */

enum verdict {
    V_WRITER,   /* the writer: promotable first */
    V_IDLE,     /* one of several standalone servers; holds all they hold */
    V_STALE,    /* a former writer */
    V_DIVERGED, /* holds transactions the writer lacks */
    V_UNKNOWN,  /* cannot tell now */
    V_DOWN,     /* stopped, and no other server writes */
};

/*
 * For a standalone server here (others read already): is it the writer
 * or a former one? *writer receives the other server's index, or -1.
 */
static enum verdict
judge_standalone(struct az *az, int *writer, char *why, size_t why_size)
{
    struct server *m = me(az);
    bool has_replicas = false, unknown = false;
    int other = -1;
    char node[GEOHA_NODE_MAX];
    struct geoha_sql_status mine = { 0 };
    enum verdict v;

    *writer = -1;
    for (size_t i = 0; i < az->n; i++) {
        if (i == az->me) {
            continue;
        }
        if (!az->s[i].known) {
            unknown = true;
        } else if (replica_of(&az->s[i], m)) {
            has_replicas = true;
        } else if (standalone(&az->s[i]) && running(&az->s[i])) {
            other = (int)i;
        }
    }
    if (!running(m)) {
        if (other >= 0) {
            *writer = other;
            geoha_snprintf(why, why_size,
                           "it is stopped and server '%s' is standalone",
                           az->s[other].name);
            return V_STALE;
        }
        geoha_snprintf(why, why_size, "it is stopped (state %s)", m->state);
        return V_DOWN;
    }
    if (has_replicas || (other < 0 && !unknown)) {
        return V_WRITER;
    }
    if (other < 0) {
        geoha_snprintf(why, why_size, "another server cannot be read");
        return V_UNKNOWN;
    }
    /* the cluster knows the writer when one is promoted */
    if (geoha__mysql_cluster_writer(az->base, &az->ctx->deadline, node) == 0
        && strcmp(node, az->ctx->node) != 0) {
        for (size_t i = 0; i < az->n; i++) {
            if (i != az->me && strcmp(az->s[i].node, node) == 0
                && standalone(&az->s[i])) {
                *writer = (int)i;
                geoha_snprintf(why, why_size,
                               "node %s holds the writer role on standalone "
                               "server '%s'",
                               node, az->s[i].name);
                return V_STALE;
            }
        }
    }
    /* nobody promoted, several standalone servers: compare what they hold */
    if (az_sql_probe(az, az->me, &mine) < SQL_READ_ONLY) {
        geoha_snprintf(why, why_size, "it does not answer over SQL");
        return V_UNKNOWN;
    }
    v = V_IDLE;
    for (size_t i = 0; i < az->n && v == V_IDLE; i++) {
        struct geoha_sql_status ps = { 0 };
        bool sub = false, super = false;

        if (i == az->me || !standalone(&az->s[i]) || !running(&az->s[i])) {
            continue;
        }
        if (az_sql_probe(az, i, &ps) < SQL_READ_ONLY) {
            geoha_snprintf(why, why_size, "server '%s' does not answer",
                           az->s[i].name);
            v = V_UNKNOWN;
            continue;
        }
        if (geoha_gtid_text_subset(mine.gtid_state, ps.gtid_state, &sub) != 0
            || geoha_gtid_text_subset(ps.gtid_state, mine.gtid_state, &super)
                   != 0) {
            geoha_snprintf(why, why_size, "cannot compare GTID sets with '%s'",
                           az->s[i].name);
            v = V_UNKNOWN;
        } else if (!super) {
            *writer = (int)i;
            geoha_snprintf(why, why_size,
                           "server '%s' holds transactions it lacks | "
                           "local='%s' other='%s'",
                           az->s[i].name, mine.gtid_state, ps.gtid_state);
            v = sub ? V_STALE : V_DIVERGED;
        }
        geoha_sql_status_clear(&ps);
    }
    geoha_sql_status_clear(&mine);
    return v;
}

/* ---- monitor ---- */

static int
monitor_replica(struct az *az, struct marker *mk)
{
    struct geoha_ctx *ctx = az->ctx;
    struct geoha_sql *c = NULL;
    struct geoha_sql_status st = { 0 };
    struct geoha_sql_replica r = { 0 };
    long long max_lag = geoha_param_int(ctx, P_MAX_LAG);
    char why[256] = "";
    int ocf; /* the OCF exit code */
    int rc;  /* a library result */

    if (az_marked(az)) {
        az_mark_clear(az); /* a replica is not stale: it was reseeded */
    }
    rc = az_sql_connect(az, az->me, &ctx->deadline, &c, why, sizeof(why));
    if (rc == GEOHA_E_NOT_RUNNING) {
        az_set_score(az, NULL);
        geoha_exit_reason("The replica refuses connections (%s)", why);
        return OCF_NOT_RUNNING;
    }
    if (rc != 0) {
        az_set_score(az, NULL);
        geoha_exit_reason("The replica does not answer over SQL: %s", why);
        return OCF_ERR_GENERIC;
    }
    rc = geoha_sql_status_get(c, &st);
    if (rc == 0) {
        rc = geoha_sql_replica_status(c, &r);
    }
    if (rc != 0) {
        geoha_exit_reason("Cannot read the replica's state: %s",
                          geoha_sql_error(c));
        ocf = OCF_ERR_GENERIC;
        goto done;
    }
    ocf = OCF_SUCCESS;
    if (!st.read_only) {
        az_set_score(az, NULL);
        geoha_exit_reason("Azure shows a replica, but the server is writable");
        ocf = OCF_ERR_GENERIC;
    } else if (!r.configured) {
        az_set_score(az, NULL);
        if (!geoha_streq_ci(me(az)->state, STATE_UPDATING)) {
            geoha_exit_reason("Azure shows a replica, but the server does "
                              "not replicate");
            ocf = OCF_ERR_GENERIC;
        }
    } else if (r.sql != GEOHA_SQL_THREAD_YES) {
        az_set_score(az, NULL);
        if (r.sql_errno != 0) {
            geoha_exit_reason("Replication SQL thread stopped on error %u: %s",
                              r.sql_errno, r.sql_error);
        } else {
            geoha_exit_reason("Replication SQL thread is not running");
        }
        ocf = OCF_ERR_GENERIC;
    } else {
        struct geoha_replica_facts f;
        struct geoha_replica_score score;

        /*
         * The native backend's facts, with two differences: semi-sync is
         * not the agent's to arm on Azure (the cut-off is max_lag), and a
         * writer that refuses this replica is not judged apart (Azure
         * manages the replication account).
         */
        f = geoha__mysql_replica_facts(ctx, az->marker_path, mk, &r,
                                       st.gtid_pos, geoha_sql_flavour(c),
                                       max_lag);
        score = geoha__mysql_replica_score(&f);
        if (!score.keep) {
            az_set_score(az, score.score);
        }
        if (score.verdict == GEOHA_REPLICA_PAST_MAX_LAG) {
            geoha_info("Replica is past max_lag: not promotable | lag_s=%lld "
                       "max_lag=%lld",
                       r.lag_s, max_lag);
        }
    }
done:
    geoha_sql_replica_clear(&r);
    geoha_sql_status_clear(&st);
    geoha_sql_close(c);
    return ocf;
}

/*
 * This node's server is a former writer marked for reseed (its data is
 * behind or beside the writer's): if it takes writes, make it read-only
 * over SQL. Nobody's settings point at it, but a region that returns
 * brings it back writable (issue 16), so the returning node closes it
 * as soon as it can, next to the writer's close-pending.
 */
static void
close_self(struct az *az)
{
    const char *how = "";
    struct geoha_deadline d;
    int rc;

    if (az->ctx->probe || !running(me(az))
        || az_sql_probe(az, az->me, NULL) != SQL_WRITABLE) {
        return;
    }
    d = geoha_deadline_min(&az->ctx->deadline, PEER_SQL_MS);
    rc = az_set_read_only(az, az->me, true, false, &d, &how);
    if (rc == 0) {
        geoha_warn("A former writer was writable; it is read-only now | "
                   "server='%s'",
                   me(az)->name);
    } else {
        geoha_err("A former writer is writable and could not be made "
                  "read-only | server='%s' error='%s'",
                  me(az)->name, geoha_strerror(rc));
    }
}

static int
monitor_standalone_unpromoted(struct az *az)
{
    char why[512] = "";
    int writer = -1;
    enum verdict v;

    if (az_marked(az)) {
        az_set_score(az, NULL);
        close_self(az);     /* e.g. back writable with its region */
        return OCF_SUCCESS; /* known and reported: waiting for reseed */
    }
    az_others_get(az);
    v = judge_standalone(az, &writer, why, sizeof(why));
    switch (v) {
    case V_WRITER:
        az_set_score(az, SCORE_WRITER);
        return OCF_SUCCESS;
    case V_IDLE:
        az_set_score(az, SCORE_IDLE);
        return OCF_SUCCESS;
    case V_STALE:
    case V_DIVERGED:
        az_mark_set(az, v == V_STALE ? MARK_STALE : MARK_DIVERGED,
                    writer >= 0 ? az->s[writer].name : NULL, why);
        close_self(az);
        return OCF_SUCCESS;
    case V_DOWN:
        az_set_score(az, NULL);
        geoha_exit_reason("The server is not running: %s", why);
        return OCF_NOT_RUNNING;
    default:
        az_set_score(az, NULL);
        geoha_info("Cannot tell whether this server is the writer | why='%s'",
                   why);
        return OCF_SUCCESS;
    }
}

static int
geoha__mysql_azure_monitor(struct geoha_ctx *ctx)
{
    struct az az;
    struct marker mk;
    struct geoha_sql *c = NULL;
    struct geoha_sql_status st = { 0 };
    char why[256] = "";
    int rc;

    rc = az_setup(ctx, &az);
    if (rc != OCF_SUCCESS) {
        return rc;
    }
    if (az_marker_read(&az, &mk) != 0) {
        geoha_exit_reason("Cannot read the state file '%s'", az.marker_path);
        return OCF_ERR_GENERIC;
    }
    if (mk.role == ROLE_NONE) {
        return OCF_NOT_RUNNING; /* not started here: nothing to ask */
    }
    rc = az_open(&az);
    if (rc != OCF_SUCCESS) {
        return rc;
    }
    rc = az_server_get(&az, az.me, &ctx->deadline);
    if (rc != 0) {
        /* Azure cannot be asked: judge by SQL only, change nothing */
        geoha_warn("Cannot read the server through ARM; judging by SQL only "
                   "| reason='%s'",
                   geoha_arm_why(az.arm, rc));
        if (mk.role != ROLE_PROMOTED) {
            rc = OCF_SUCCESS;
            goto done;
        }
        az.s[az.me].known = false;
    } else if (me(&az)->gone) {
        az_set_score(&az, NULL);
        if (az_marked(&az) && mk.role != ROLE_PROMOTED) {
            rc = OCF_SUCCESS; /* being reseeded */
            goto done;
        }
        geoha_exit_reason("Server '%s' does not exist in Azure", me(&az)->name);
        rc = mk.role == ROLE_PROMOTED ? OCF_FAILED_PROMOTED : OCF_NOT_RUNNING;
        goto done;
    }
    if (mk.role == ROLE_PROMOTED) {
        if (me(&az)->known && !standalone(me(&az))) {
            geoha_exit_reason("Promoted, but Azure shows server '%s' as a "
                              "replica",
                              me(&az)->name);
            rc = OCF_FAILED_PROMOTED;
            goto done;
        }
        if (me(&az)->known && !running(me(&az))) {
            geoha_exit_reason("Promoted, but server '%s' is %s", me(&az)->name,
                              me(&az)->state);
            rc = OCF_FAILED_PROMOTED;
            goto done;
        }
        rc = az_sql_connect(&az, az.me, &ctx->deadline, &c, why, sizeof(why));
        if (rc == 0) {
            rc = geoha_sql_status_get(c, &st);
            if (rc != 0) {
                geoha_snprintf(why, sizeof(why), "%s", geoha_sql_error(c));
            }
        }
        if (rc != 0) {
            geoha_exit_reason("The writer does not answer over SQL: %s", why);
            rc = OCF_FAILED_PROMOTED;
            goto done;
        }
        if (st.read_only) {
            geoha_exit_reason("Promoted, but the server is read-only");
            rc = OCF_FAILED_PROMOTED;
            goto done;
        }
        az_set_score(&az, SCORE_WRITER);
        if (!ctx->probe) {
            az_close_pending(&az);
        }
        rc = OCF_RUNNING_PROMOTED;
        goto done;
    }
    if (standalone(me(&az))) {
        rc = monitor_standalone_unpromoted(&az);
    } else if (!running(me(&az))) {
        az_set_score(&az, NULL);
        geoha_exit_reason("The replica is %s", me(&az)->state);
        rc = OCF_NOT_RUNNING;
    } else {
        rc = monitor_replica(&az, &mk);
    }
done:
    geoha_sql_status_clear(&st);
    geoha_sql_close(c);
    az_end(&az);
    return rc;
}

/* ---- start / stop / demote / notify ---- */

static int
geoha__mysql_azure_start(struct geoha_ctx *ctx)
{
    struct az az;
    struct marker mk = { .role = ROLE_UNPROMOTED };
    int rc;

    if (!az_begin(ctx, &az, &rc)) {
        return rc;
    }
    rc = az_read_me(&az);
    if (rc != OCF_SUCCESS) {
        goto done;
    }
    if (me(&az)->gone) {
        geoha_exit_reason("Server '%s' does not exist in Azure%s",
                          me(&az)->name,
                          access(az.pending_path, F_OK) == 0
                              ? "; a reseed is unfinished: run it again"
                              : "");
        rc = OCF_ERR_GENERIC;
        goto done;
    }
    if (standalone(me(&az)) && !az_marked(&az)) {
        char why[512] = "";
        int writer = -1;
        enum verdict v;

        az_others_get(&az);
        v = judge_standalone(&az, &writer, why, sizeof(why));
        if (v == V_STALE || v == V_DIVERGED) {
            az_mark_set(&az, v == V_STALE ? MARK_STALE : MARK_DIVERGED,
                        writer >= 0 ? az.s[writer].name : NULL, why);
        }
    }
    if (standalone(me(&az)) && az_marked(&az)) {
        close_self(&az);
    } else if (!standalone(me(&az)) && az_marked(&az)) {
        az_mark_clear(&az);
    }
    rc = az_marker_write(&az, &mk);
    if (rc != 0) {
        geoha_exit_reason("Cannot write the state file '%s': %s",
                          az.marker_path, geoha_strerror(rc));
        rc = OCF_ERR_GENERIC;
        goto done;
    }
    geoha_notice("Started | server='%s' role=%s state=%s%s", me(&az)->name,
                 str_or(me(&az)->role, "?"), str_or(me(&az)->state, "?"),
                 az_marked(&az) ? " reseed-needed" : "");
    rc = OCF_SUCCESS;
done:
    az_end(&az);
    return rc;
}

/*
 * The writer steps down: read-only where possible, final position kept
 * and published. Never fails for it: see the header comment.
 */
static void
step_down(struct az *az)
{
    struct geoha_ctx *ctx = az->ctx;
    struct geoha_deadline d = az_sub_deadline(az, READ_ONLY_ARM_MAX_MS, 2);
    struct geoha_sql_status st = { 0 };
    const char *how = "";
    int rc;

    if (az_server_get(az, az->me, &d) != 0 || !standalone(me(az))
        || !running(me(az))) {
        return;
    }
    rc = az_set_read_only(az, az->me, true, true, &d, &how);
    if (rc != 0) {
        geoha_warn("Cannot make the server read-only; Drupal here already "
                   "fails closed and promote's %s stops it | reason='%s'",
                   P_OLD_WRITER_ACTION, geoha_strerror(rc));
        return;
    }
    if (az_sql_probe(az, az->me, &st) == SQL_READ_ONLY && st.gtid_pos != NULL) {
        /* the position is also published below */
        geoha__mysql_final_gtid_save(ctx, az->final_path, st.gtid_pos);
        if (st.gtid_pos[0] != '\0') {
            geoha_attr_update(GEOHA_ATTR_TRANSIENT, ctx->node, az->attr_final,
                              st.gtid_pos, &ctx->deadline, NULL);
        }
        geoha_notice("Read-only | how=%s final_gtid='%s'", how, st.gtid_pos);
    }
    geoha_sql_status_clear(&st);
}

static int
geoha__mysql_azure_demote(struct geoha_ctx *ctx)
{
    struct az az;
    struct marker was, mk = { .role = ROLE_UNPROMOTED };
    int rc;

    if (!az_begin(ctx, &az, &rc)) {
        return rc;
    }
    if (az_marker_read(&az, &was) == 0 && was.role == ROLE_PROMOTED) {
        step_down(&az);
    }
    rc = az_marker_write(&az, &mk);
    if (rc != 0) {
        geoha_exit_reason("Cannot write the state file '%s': %s",
                          az.marker_path, geoha_strerror(rc));
        az_end(&az);
        return OCF_ERR_GENERIC;
    }
    az_set_score(&az, NULL);
    geoha_notice("Demoted; the server is left as it is (Azure cannot make "
                 "it a replica again) | server='%s'",
                 me(&az)->name);
    az_end(&az);
    return OCF_SUCCESS;
}

static int
geoha__mysql_azure_stop(struct geoha_ctx *ctx)
{
    struct az az;
    struct marker was;
    int rc;

    rc = az_setup(ctx, &az);
    if (rc != OCF_SUCCESS) {
        return rc;
    }
    if (az_marker_read(&az, &was) == 0 && was.role == ROLE_PROMOTED
        && az_open(&az) == OCF_SUCCESS) {
        step_down(&az);
    }
    if (unlink(az.marker_path) != 0 && errno != ENOENT) {
        geoha_exit_reason("Cannot remove the state file '%s'", az.marker_path);
        az_end(&az);
        return OCF_ERR_GENERIC;
    }
    geoha_attr_update(GEOHA_ATTR_PROMOTION, ctx->node, ctx->rsc, NULL,
                      &ctx->deadline, NULL);
    az_end(&az);
    return OCF_SUCCESS;
}

static int
geoha__mysql_azure_notify(struct geoha_ctx *ctx)
{
    (void)ctx;
    return OCF_SUCCESS; /* nothing joins anything on Azure */
}

/* ---- the backend ---- */

const struct geoha_mysql_backend geoha__mysql_azure = {
    .name = BACKEND_AZURE,
    .validate = geoha__mysql_azure_validate,
    .validate_all = NULL,
    .start = geoha__mysql_azure_start,
    .stop = geoha__mysql_azure_stop,
    .monitor = geoha__mysql_azure_monitor,
    .promote = geoha__mysql_azure_promote,
    .demote = geoha__mysql_azure_demote,
    .notify = geoha__mysql_azure_notify,
    .join_writer = NULL,
    .guard_close = geoha__mysql_azure_guard_close,
    .reseed = geoha__mysql_azure_reseed,
};
