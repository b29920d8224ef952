/*
 * ocf:geoha:mysql — how promotable a replica is (score.h).
 */
#include <stddef.h>

#include "score.h"

/* Whether the applied position has reached everything received. */
static bool
applied_all(const struct geoha_replica_facts *f)
{
    struct geoha_gtid_set *pos = NULL, *target = NULL;
    bool reached = false;

    if (geoha_gtid_set_parse(f->applied, f->notation, &pos) == 0
        && geoha_gtid_set_parse(f->received, f->notation, &target) == 0
        && geoha_gtid_pos_reached(pos, target, &reached) != 0) {
        reached = false;
    }
    geoha_gtid_set_free(pos);
    geoha_gtid_set_free(target);
    return reached;
}

/* The score that goes with a verdict. */
static struct geoha_replica_score
scored(enum geoha_replica_verdict v)
{
    return (struct geoha_replica_score){
        .verdict = v,
        .keep = v == GEOHA_REPLICA_LAG_UNKNOWN,
        .score = v == GEOHA_REPLICA_CURRENT   ? SCORE_CURRENT
                 : v == GEOHA_REPLICA_LAGGING ? SCORE_LAGGING
                                              : NULL,
    };
}

struct geoha_replica_score
geoha__mysql_replica_score(const struct geoha_replica_facts *f)
{
    if (f->io_running) {
        if (f->lag_s < 0) {
            return scored(GEOHA_REPLICA_LAG_UNKNOWN);
        }
        if (f->lag_s > f->max_lag_s) {
            return scored(GEOHA_REPLICA_PAST_MAX_LAG);
        }
        return scored(f->lag_s <= CURRENT_LAG_S ? GEOHA_REPLICA_CURRENT
                                                : GEOHA_REPLICA_LAGGING);
    }
    /* cut off from the writer: promotable for cutoff_ms at most */
    if (f->lost_untimed) {
        return scored(GEOHA_REPLICA_UNTIMED);
    }
    if (f->io_refused && f->refused_bound_ms > 0
        && f->lost_for_ms > f->refused_bound_ms) {
        return scored(GEOHA_REPLICA_REFUSED);
    }
    if (f->lost_for_ms > f->cutoff_ms) {
        return scored(GEOHA_REPLICA_STALE);
    }
    return scored(applied_all(f) ? GEOHA_REPLICA_CURRENT
                                 : GEOHA_REPLICA_LAGGING);
}

const char *
geoha__mysql_replica_verdict_text(enum geoha_replica_verdict v)
{
    switch (v) {
    case GEOHA_REPLICA_CURRENT:
        return "current";
    case GEOHA_REPLICA_LAGGING:
        return "lagging";
    case GEOHA_REPLICA_LAG_UNKNOWN:
        return "lag unknown";
    case GEOHA_REPLICA_PAST_MAX_LAG:
        return "past max_lag";
    case GEOHA_REPLICA_UNTIMED:
        return "cut off, time of the loss unknown";
    case GEOHA_REPLICA_REFUSED:
        return "refused by the writer";
    case GEOHA_REPLICA_STALE:
        return "stale";
    }
    return "?";
}
