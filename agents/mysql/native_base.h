/*
 * ocf:geoha:mysql backend=native — what its files share. From the top
 * down: native.c (the actions but promote: monitor, start, stop, demote,
 * notify, validate, joining a writer), native_promote.c (promote),
 * native_peers.c (asking the other nodes' servers), native_base.c (the
 * instance and its own server).
 */
#ifndef GEOHA_AGENT_MYSQL_NATIVE_BASE_H
#define GEOHA_AGENT_MYSQL_NATIVE_BASE_H

#include <limits.h>
#include <stdbool.h>

#include <jansson.h>

#include "geoha/ocf.h"
#include "geoha/sql.h"
#include "geoha/util.h"

#include "common.h"

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

/* What another node's server says, as far as S1 is concerned. */
enum peer_state {
    PEER_READ_ONLY,
    PEER_WRITABLE,
    PEER_UNREACHABLE, /* nothing answers: refused, no route, no answer */
    PEER_UNKNOWN,     /* it answers, but cannot be asked (login refused,
                         too many connections, a broken handshake...) */
};

/* ---- native_base.c (each documented where it is defined) ---- */

/* Why the last native_connect_local() failed, for an exit reason. */
extern char native_local_why[256];

int native_agent_init(struct geoha_ctx *ctx, struct agent *a);
int native_connect_local(const struct agent *a, const struct geoha_deadline *d,
                         struct geoha_sql **c);
int native_marker_read(const struct agent *a, struct marker *m);
int native_marker_write(const struct agent *a, const struct marker *m);
bool native_quarantined(const struct agent *a);
const char *native_read_only_why(int rc, struct geoha_sql *c);
int native_cluster_writer(const struct agent *a, char writer[GEOHA_NODE_MAX]);
void native_reason_insecure(const struct geoha_ctx *ctx, const char *param);
void native_report_errant(const struct agent *a, const char *writer,
                          const char *writer_state, const char *local_state,
                          const char *errant, uint64_t count);
void native_set_score(const struct agent *a, const char *score);

/* ---- native_peers.c: the other nodes' servers ---- */

struct geoha_deadline native_peer_deadline(const struct agent *a,
                                           int64_t max_ms);
int native_connect_node(const struct agent *a, const char *node,
                        const struct geoha_deadline *d, struct geoha_sql **c,
                        char *why, size_t why_size);
const char *native_node_of_endpoint(const struct agent *a, const char *host,
                                    int port);
const char *native_peer_state_text(enum peer_state s);
enum peer_state native_ask_peer(const struct agent *a, const char *node,
                                struct geoha_sql_status *ps, char *why,
                                size_t why_size);
bool native_io_thread_alive(const struct agent *a, struct geoha_sql *c,
                            const struct geoha_sql_replica *r0);
void native_check_peer_logins(const struct agent *a);
bool native_peer_check_due(const struct agent *a);
void native_survey_peers(const struct agent *a,
                         const struct geoha_sql_status *mine,
                         char writer[GEOHA_NODE_MAX], bool *holds_all);
int native_peers_still_safe(const struct agent *a, char *why, size_t why_size);

/* ---- native_promote.c ---- */

int native_promote(struct geoha_ctx *ctx);

#endif /* GEOHA_AGENT_MYSQL_NATIVE_BASE_H */
