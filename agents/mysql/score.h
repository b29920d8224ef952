/*
 * ocf:geoha:mysql — how promotable a replica is, from facts alone.
 *
 * Both backends read the same facts about a replica (is its IO thread
 * connected to the writer, how far behind is it, since when has it been
 * cut off, has it applied what it received) and hand them to one pure
 * function, which gives the promotion score and the reason for it. Each
 * backend then reports the reason its own way (the native backend fails
 * the monitor of a stale replica; the azure backend only withdraws its
 * score). Nothing here touches a server, a file or the cluster: the unit
 * tests (tests/unit/test_mysql_score.c) pin every branch.
 */
#ifndef GEOHA_AGENT_MYSQL_SCORE_H
#define GEOHA_AGENT_MYSQL_SCORE_H

#include <stdbool.h>
#include <stdint.h>

#include "geoha/gtid.h"

#define SCORE_WRITER "2000"
#define SCORE_CURRENT "1000" /* replicating, within CURRENT_LAG_S */
#define SCORE_LAGGING "500"  /* within max_lag */
#define SCORE_IDLE "100"     /* no writer anywhere; holds all peers have */
#define CURRENT_LAG_S 5

/* What a replica's monitor knows of it. */
struct geoha_replica_facts {
    bool io_running;     /* the IO thread is connected to the writer */
    long long lag_s;     /* Seconds_Behind_*; -1 when the server says NULL */
    long long max_lag_s; /* the max_lag parameter */
    /*
     * Cut off (io_running false): how long ago replication lost its
     * writer, as recorded in the state file; lost_untimed when that time
     * could not be recorded (never promotable meanwhile).
     */
    int64_t lost_for_ms;
    bool lost_untimed;
    /*
     * Past this long cut off the replica is stale: max_lag, or the
     * semi-sync timeout when semi-sync is on and shorter (after it the
     * writer may have committed without this replica).
     */
    int64_t cutoff_ms;
    /*
     * The writer answers but refuses this replica (access denied and
     * the like): past refused_bound_ms it falls behind for good.
     * refused_bound_ms 0: refusals are not judged apart.
     */
    bool io_refused;
    int64_t refused_bound_ms;
    /* GTIDs received from the writer and applied here (positions). */
    const char *received;
    const char *applied;
    enum geoha_gtid_flavour notation; /* of both texts */
};

enum geoha_replica_verdict {
    GEOHA_REPLICA_CURRENT,      /* replicating within CURRENT_LAG_S, or cut
                                 * off having applied all it received */
    GEOHA_REPLICA_LAGGING,      /* replicating within max_lag, or cut off
                                 * with received transactions unapplied */
    GEOHA_REPLICA_LAG_UNKNOWN,  /* replicating, lag not known: the score
                                 * stays what it was */
    GEOHA_REPLICA_PAST_MAX_LAG, /* replicating beyond max_lag */
    GEOHA_REPLICA_UNTIMED,      /* cut off, the time of the loss unknown */
    GEOHA_REPLICA_REFUSED,      /* cut off by the writer's refusal */
    GEOHA_REPLICA_STALE,        /* cut off for longer than cutoff_ms */
};

struct geoha_replica_score {
    enum geoha_replica_verdict verdict;
    bool keep;         /* leave the score as it is (LAG_UNKNOWN) */
    const char *score; /* else: SCORE_CURRENT, SCORE_LAGGING or NULL (not
                        * promotable) */
};

struct geoha_replica_score
geoha__mysql_replica_score(const struct geoha_replica_facts *f);

const char *geoha__mysql_replica_verdict_text(enum geoha_replica_verdict v);

#endif /* GEOHA_AGENT_MYSQL_SCORE_H */
