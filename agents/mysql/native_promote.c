/*
 * ocf:geoha:mysql backend=native — promote, as named steps over one
 * struct promotion (promote_steps[]): the target position (S3), the
 * admin's consent for a replica that forgot what it received, the
 * catch-up, the last look at the other servers (S1), taking writes, and
 * the decision line.
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
#include "geoha/sql.h"
#include "geoha/util.h"

#include "backend.h"
#include "common.h"
#include "native_base.h"
#include "semisync.h"

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
        r->configured
            ? native_node_of_endpoint(a, r->source_host, r->source_port)
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
        state = native_ask_peer(a, node, &ps, pwhy, sizeof(pwhy));
        if (state == PEER_READ_ONLY || state == PEER_WRITABLE) {
            pos = ps.gtid_pos;
        }
        if (state == PEER_UNREACHABLE && is_source && check
            && native_io_thread_alive(a, c, r)) {
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
        json_array_append_new(peers,
                              json_pack("{s:s, s:s, s:s}", "node", node,
                                        "state", native_peer_state_text(state),
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
                           node, native_peer_state_text(state), pos);
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
                          failed, native_read_only_why(rc, c));
        return;
    }
    geoha_exit_reason("%s; the server is read-only again", failed);
}

static void
record_decision(const struct agent *a, json_t *j)
{
    geoha__mysql_record_decision(a->ctx, a->decisions_path, j);
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

    if (native_quarantined(a)) {
        geoha_exit_reason("Refusing to promote: this server holds errant "
                          "transactions; see %s",
                          a->errant_path);
        return OCF_ERR_GENERIC;
    }
    rc = native_connect_local(a, &ctx->deadline, &pm->c);
    if (rc != 0) {
        geoha_exit_reason(
            "The database server does not answer (%s%s%s)", geoha_strerror(rc),
            native_local_why[0] != '\0' ? ": " : "", native_local_why);
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

        if (native_marker_read(a, &cur) == 0 && cur.role == ROLE_PROMOTED) {
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
    if (native_peers_still_safe(a, why, sizeof(why)) != 0) {
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
    rc = native_marker_write(a, &pm->mk);
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

    geoha__mysql_promoted_attrs(ctx, a->attr_final);
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

int
native_promote(struct geoha_ctx *ctx)
{
    struct promotion p = {
        .ctx = ctx,
        .mk = { .role = ROLE_PROMOTED },
        .t0 = geoha_now_ms(),
    };
    int ocf; /* the OCF exit code */

    ocf = native_agent_init(ctx, &p.a);
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
