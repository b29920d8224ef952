/*
 * ocf:geoha:mysql — optional semi-synchronous replication (see semisync.h
 * and agents/mysql/README.md for the trade-off).
 */
#include <errno.h>
#include <string.h>

#include <mysqld_error.h>

#include "geoha/attr.h"
#include "geoha/ocf.h"
#include "geoha/sql.h"
#include "geoha/util.h"

#include "semisync.h"

/* One round of SET GLOBAL read_only: commits waiting for an ack hold it. */
#define READ_ONLY_ROUND_MS 1000

bool
geoha__mysql_semisync_on(const struct geoha_ctx *ctx)
{
    return geoha_param_bool(ctx, P_SEMI_SYNC);
}

static int64_t
timeout_ms(const struct geoha_ctx *ctx)
{
    return geoha_param_int(ctx, P_SEMI_SYNC_TIMEOUT_MS);
}

static void
missing(const struct geoha_sql *c, const char *side, char *why, size_t why_size)
{
    if (geoha_sql_flavour(c) == GEOHA_SQL_MYSQL) {
        geoha_snprintf(why, why_size,
                       "%s=true but the server has no semi-synchronous "
                       "replication (%s side): load MySQL's plugins with "
                       "plugin-load-add=semisync_source.so and "
                       "plugin-load-add=semisync_replica.so under [mysqld] "
                       "on every database server, or set %s=false",
                       P_SEMI_SYNC, side, P_SEMI_SYNC);
    } else {
        geoha_snprintf(why, why_size,
                       "%s=true but the server has no semi-synchronous "
                       "replication (%s side; MariaDB has it built in from "
                       "10.3): upgrade the server or set %s=false",
                       P_SEMI_SYNC, side, P_SEMI_SYNC);
    }
}

/*
 * c's semi-sync state into *ss, requiring the plugin of side ("source" or
 * "replica"). 0, or an error with why: the state cannot be read, or
 * GEOHA_E_NOT_INSTALLED.
 */
static int
state_with(struct geoha_sql *c, const char *side, struct geoha_sql_semisync *ss,
           char *why, size_t why_size)
{
    int rc = geoha_sql_semisync_get(c, ss);

    if (rc != 0) {
        geoha_snprintf(why, why_size, "cannot read the semi-sync state: %s",
                       geoha_sql_error(c));
        return rc;
    }
    if (!(geoha_streq(side, "source") ? ss->source_available
                                      : ss->replica_available)) {
        missing(c, side, why, why_size);
        return GEOHA_E_NOT_INSTALLED;
    }
    return 0;
}

/* RSC-semi-sync, written only when it changes (never from a probe). */
static void
publish(struct geoha_ctx *ctx, const char *value)
{
    char name[192];

    if (ctx->probe) {
        return;
    }
    if (geoha_snprintf(name, sizeof(name), "%s%s", ctx->rsc_base,
                       SEMI_SYNC_ATTR_SUFFIX)
        != 0) {
        return;
    }
    if (geoha_attr_update(GEOHA_ATTR_TRANSIENT, ctx->node, name, value,
                          &ctx->deadline, NULL)
        != 0) {
        geoha_warn("Cannot publish the semi-sync state | value=%s", value);
    }
}

int
geoha__mysql_semisync_replica(struct geoha_ctx *ctx, struct geoha_sql *c,
                              char *why, size_t why_size)
{
    struct geoha_sql_semisync ss;
    unsigned killed = 0;
    int rc;

    if (!geoha__mysql_semisync_on(ctx)) {
        return 0;
    }
    rc = state_with(c, "replica", &ss, why, why_size);
    if (rc != 0) {
        return rc;
    }
    if (ss.source_enabled) {
        /* Disarming releases waiting commits with an acknowledgement:
         * end them first (there are none on a read-only server unless it
         * was a writer cut off from its replica). */
        rc = geoha_sql_semisync_kill_waiters(c, &killed);
        if (rc == 0) {
            rc = geoha_sql_semisync_set_source(c, &ss, false, 0);
        }
        if (rc != 0) {
            geoha_snprintf(why, why_size, "cannot disarm the writer side: %s",
                           geoha_sql_error(c));
            return rc;
        }
        if (killed > 0) {
            geoha_warn("Ended sessions whose commits waited for a replica; "
                       "their clients got an error | sessions=%u",
                       killed);
        }
    }
    rc = geoha_sql_semisync_set_replica(c, &ss, true, true);
    if (rc != 0) {
        geoha_snprintf(why, why_size, "cannot enable the replica side: %s",
                       geoha_sql_error(c));
    }
    return rc;
}

int
geoha__mysql_semisync_check(struct geoha_ctx *ctx, struct geoha_sql *c,
                            char *why, size_t why_size)
{
    struct geoha_sql_semisync ss;

    if (!geoha__mysql_semisync_on(ctx)) {
        return 0;
    }
    return state_with(c, "source", &ss, why, why_size);
}

static int
arm(struct geoha_ctx *ctx, struct geoha_sql *c,
    const struct geoha_sql_semisync *ss)
{
    int rc = geoha_sql_semisync_set_source(c, ss, true, timeout_ms(ctx));

    if (rc == 0) {
        geoha_notice("Semi-synchronous replication armed: commits wait for "
                     "a replica | timeout_ms=%lld clients=%lld",
                     (long long)timeout_ms(ctx), ss->clients);
    }
    return rc;
}

int
geoha__mysql_semisync_promoted(struct geoha_ctx *ctx, struct geoha_sql *c,
                               const json_t *peers, char *why, size_t why_size)
{
    struct geoha_sql_semisync ss;
    bool coming = false;
    size_t i;
    json_t *p;
    int rc;

    if (!geoha__mysql_semisync_on(ctx)) {
        return 0;
    }
    rc = state_with(c, "source", &ss, why, why_size);
    if (rc != 0) {
        return rc;
    }
    json_array_foreach(peers, i, p)
    {
        const char *state = json_string_value(json_object_get(p, "state"));

        if (geoha_streq(state, "read-only")) {
            coming = true;
        }
    }
    if (!coming && ss.clients <= 0) {
        /* a failover: no replica for now; arming would stall the first
         * commit for the whole timeout. The monitor arms it later. */
        if (ss.source_enabled) {
            rc = geoha_sql_semisync_set_source(c, &ss, false, 0);
        }
        geoha_notice("No replica answers: semi-synchronous replication is "
                     "armed once one connects");
        publish(ctx, SEMI_SYNC_OFF);
        if (rc != 0) {
            geoha_snprintf(why, why_size, "cannot disarm: %s",
                           geoha_sql_error(c));
        }
        return rc;
    }
    rc = arm(ctx, c, &ss);
    if (rc != 0) {
        geoha_snprintf(why, why_size, "cannot arm semi-sync: %s",
                       geoha_sql_error(c));
        return rc;
    }
    publish(ctx, ss.clients > 0 ? SEMI_SYNC_ON : SEMI_SYNC_BLOCKING);
    return 0;
}

int
geoha__mysql_read_only_releasing(struct geoha_ctx *ctx, struct geoha_sql *c,
                                 unsigned *killed)
{
    unsigned total = 0;
    int rc;

    for (;;) {
        struct geoha_deadline round =
            geoha_deadline_min(&ctx->deadline, READ_ONLY_ROUND_MS);
        unsigned n = 0;

        rc = geoha_sql_set_read_only(c, true, &round);
        if (rc != GEOHA_E_REMOTE || geoha_sql_errno(c) != ER_LOCK_WAIT_TIMEOUT
            || geoha_deadline_left_ms(&ctx->deadline) <= 0) {
            break;
        }
        /* held by commits waiting for a replica that does not answer:
         * end them (no acknowledgement) so read_only can take */
        if (geoha_sql_semisync_kill_waiters(c, &n) == 0) {
            total += n;
        }
    }
    if (rc == 0) {
        unsigned n = 0;

        /* a commit that began waiting while read_only took hold */
        if (geoha_sql_semisync_kill_waiters(c, &n) == 0) {
            total += n;
        }
    }
    if (total > 0) {
        geoha_warn("Ended sessions whose commits waited for a replica's "
                   "acknowledgement; their clients got an error, the "
                   "transactions stay in this server's binary log | "
                   "sessions=%u",
                   total);
    }
    if (rc == 0 && geoha__mysql_semisync_on(ctx)) {
        char why[512];

        if (geoha__mysql_semisync_replica(ctx, c, why, sizeof(why)) != 0) {
            geoha_warn("Semi-sync not switched to the replica side | "
                       "reason='%s'",
                       why);
        }
    }
    if (killed != NULL) {
        *killed = total;
    }
    return rc;
}

void
geoha__mysql_semisync_monitor(struct geoha_ctx *ctx, struct geoha_sql *c,
                              bool writer)
{
    struct geoha_sql_semisync ss;
    const char *value;

    if (!geoha__mysql_semisync_on(ctx)) {
        return;
    }
    if (geoha_sql_semisync_get(c, &ss) != 0) {
        geoha_warn("Cannot read the semi-sync state | reason='%s'",
                   geoha_sql_error(c));
        return;
    }
    if (!writer) {
        if (!ss.replica_available) {
            char why[512];

            missing(c, "replica", why, sizeof(why));
            geoha_warn("%s", why);
            publish(ctx, SEMI_SYNC_UNAVAILABLE);
            return;
        }
        if (!ss.replica_enabled && !ctx->probe) {
            char why[512];

            geoha__mysql_semisync_replica(ctx, c, why, sizeof(why));
        }
        publish(ctx, ss.replica_active ? SEMI_SYNC_REPLICA_ON
                                       : SEMI_SYNC_REPLICA_OFF);
        return;
    }
    if (!ss.source_available) {
        char why[512];

        missing(c, "source", why, sizeof(why));
        geoha_warn("%s", why);
        publish(ctx, SEMI_SYNC_UNAVAILABLE);
        return;
    }
    if (!ctx->probe
        && ((!ss.source_enabled && ss.clients > 0)
            || (ss.source_enabled
                && (ss.timeout_ms != timeout_ms(ctx)
                    || !geoha_streq(ss.wait_point, "AFTER_SYNC")
                    || !ss.wait_no_replica)))) {
        /* a replica connected after a failover, or settings drifted */
        if (arm(ctx, c, &ss) == 0 && !ss.source_enabled) {
            ss.source_enabled = true;
            ss.source_active = true;
        }
    }
    if (!ss.source_enabled) {
        value = SEMI_SYNC_OFF;
    } else if (!ss.source_active) {
        value = SEMI_SYNC_ASYNC;
    } else if (ss.clients > 0) {
        value = SEMI_SYNC_ON;
    } else {
        value = SEMI_SYNC_BLOCKING;
    }
    publish(ctx, value);
}

int64_t
geoha__mysql_semisync_cutoff_ms(const struct geoha_ctx *ctx, int64_t max_lag_ms)
{
    if (geoha__mysql_semisync_on(ctx) && timeout_ms(ctx) < max_lag_ms) {
        return timeout_ms(ctx);
    }
    return max_lag_ms;
}
