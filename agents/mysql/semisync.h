/*
 * ocf:geoha:mysql — optional semi-synchronous replication (native backend).
 *
 * With semi_sync=true a commit on the writer is acknowledged to its client
 * only once a replica has written it to its relay log (wait point
 * AFTER_SYNC). A writer cut off from every replica then blocks its commits
 * instead of acknowledging them, for semi_sync_timeout_ms; after that the
 * server falls back to asynchronous replication by itself (and back to
 * semi-sync once a replica has caught up). The timeout must outlast the
 * time a writer that lost quorum needs to be demoted or fenced: then no
 * acknowledged commit is missing on the replica that gets promoted.
 *
 * The agent arms the writer side at promote (when another server answers,
 * so a replica is coming) or at the writer's monitor once a semi-sync
 * replica is connected (after a failover the new writer has none, and
 * arming it then would stall its first commit for the whole timeout);
 * it enables the replica side at start, demote and when a replica joins.
 * Demote releases commits that wait for an acknowledgement by killing
 * their sessions: their clients get an error, never an acknowledgement.
 */
#ifndef GEOHA_AGENT_MYSQL_SEMISYNC_H
#define GEOHA_AGENT_MYSQL_SEMISYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "geoha/ocf.h"
#include "geoha/sql.h"

#define P_SEMI_SYNC "semi_sync"
#define P_SEMI_SYNC_TIMEOUT_MS "semi_sync_timeout_ms"
#define D_SEMI_SYNC "false"
#define D_SEMI_SYNC_TIMEOUT_MS "30000"

/*
 * Node attribute RSC-semi-sync: what the monitor saw. Writer: "on"
 * (commits wait for a connected replica), "blocking" (armed, no replica
 * connected), "async" (fell back after a timeout), "off" (not armed: no
 * replica since the promotion). Replica: "replica-on" (it acknowledges),
 * "replica-off". Either: "unavailable" (MySQL without the plugin).
 */
#define SEMI_SYNC_ATTR_SUFFIX "-semi-sync"
#define SEMI_SYNC_ON "on"
#define SEMI_SYNC_BLOCKING "blocking"
#define SEMI_SYNC_ASYNC "async"
#define SEMI_SYNC_OFF "off"
#define SEMI_SYNC_REPLICA_ON "replica-on"
#define SEMI_SYNC_REPLICA_OFF "replica-off"
#define SEMI_SYNC_UNAVAILABLE "unavailable"

/* clang-format off */
#define MYSQL_SEMISYNC_PARAMS                                                 \
    { .name = P_SEMI_SYNC,                                                    \
      .type = GEOHA_PT_BOOL,                                                  \
      .default_value = D_SEMI_SYNC,                                           \
      .shortdesc = "Semi-synchronous replication (backend=native)",          \
      .longdesc = "When true, a commit on the writer is acknowledged only "   \
                  "once a replica has it (wait point AFTER_SYNC): a writer "  \
                  "cut off from its replica blocks commits instead of "       \
                  "acknowledging writes the replica would lack. MariaDB "     \
                  "has it built in; MySQL needs the semisync_source and "     \
                  "semisync_replica plugins loaded (plugin-load-add). "       \
                  "Costs one network round trip per commit." },              \
    { .name = P_SEMI_SYNC_TIMEOUT_MS,                                         \
      .type = GEOHA_PT_INT,                                                   \
      .default_value = D_SEMI_SYNC_TIMEOUT_MS,                                \
      .min = 1000,                                                            \
      .max = 86400000,                                                        \
      .shortdesc = "How long a commit waits for a replica (semi_sync)",      \
      .longdesc = "Milliseconds a commit waits for a replica's "              \
                  "acknowledgement before the writer falls back to "          \
                  "asynchronous replication. Make it longer than a writer "   \
                  "that lost quorum needs to be demoted or fenced: then no "  \
                  "acknowledged write is lost on a partition. When the "      \
                  "replica is merely down, the writer's commits stall this "  \
                  "long once, then go on asynchronously. While a replica "    \
                  "is cut off, it stays promotable for at most this long "    \
                  "(or max_lag, whichever is shorter)." }
/* clang-format on */

/* Whether semi_sync=true. */
bool geoha__mysql_semisync_on(const struct geoha_ctx *ctx);

/*
 * Replica side, on a read-only server (start, demote, notify, a replica
 * joining from monitor): disarm the writer side, enable the replica side
 * and restart a running IO thread that does not acknowledge yet. 0 when
 * semi_sync is off; GEOHA_E_NOT_INSTALLED (why says which plugin) when
 * the server has no semi-sync.
 */
int geoha__mysql_semisync_replica(struct geoha_ctx *ctx, struct geoha_sql *c,
                                  char *why, size_t why_size);

/* Before promote changes anything: can this server be armed? */
int geoha__mysql_semisync_check(struct geoha_ctx *ctx, struct geoha_sql *c,
                                char *why, size_t why_size);

/*
 * After promote proved a write: arm the writer side when a replica is
 * coming (a peer in peers, promote's survey, answered), else leave it to
 * the monitor.
 */
int geoha__mysql_semisync_promoted(struct geoha_ctx *ctx, struct geoha_sql *c,
                                   const json_t *peers, char *why,
                                   size_t why_size);

/*
 * Make the server read-only although commits may be waiting for an
 * acknowledgement (they hold the commit lock read_only waits for): try in
 * short rounds, killing the waiting sessions between rounds, until the
 * operation deadline. Then, with semi_sync on, switch to the replica side.
 * Returns what geoha_sql_set_read_only() returns; *killed (may be NULL)
 * gets the number of sessions killed.
 */
int geoha__mysql_read_only_releasing(struct geoha_ctx *ctx, struct geoha_sql *c,
                                     unsigned *killed);

/*
 * Monitor (not for probes): publish RSC-semi-sync; on the writer, arm the
 * writer side once a semi-sync replica is connected; on a replica, enable
 * the replica side if it is off. Never changes the outcome of the monitor.
 */
void geoha__mysql_semisync_monitor(struct geoha_ctx *ctx, struct geoha_sql *c,
                                   bool writer);

/*
 * How long a replica cut off from its writer stays promotable: max_lag_ms,
 * or with semi_sync the shorter of it and semi_sync_timeout_ms (past the
 * timeout the writer may have acknowledged commits this replica lacks).
 */
int64_t geoha__mysql_semisync_cutoff_ms(const struct geoha_ctx *ctx,
                                        int64_t max_lag_ms);

#endif /* GEOHA_AGENT_MYSQL_SEMISYNC_H */
