/*
 * ocf:geoha:mysql — what the agent's backends share.
 *
 * main.c holds the agent (its tables and the dispatch), native.c and
 * azure.c its two backends (backend.h). Both backends read the same
 * common parameters and speak the same promotion scores (score.h), so a
 * cluster looks the same whichever backend runs it.
 */
#ifndef GEOHA_AGENT_MYSQL_COMMON_H
#define GEOHA_AGENT_MYSQL_COMMON_H

#include <stdbool.h>

#include <jansson.h>

#include "geoha/arm.h"
#include "geoha/guard.h"
#include "geoha/ocf.h"
#include "geoha/sql.h"

#include "score.h"

/* ---- parameters both backends read ---- */

#define P_BACKEND "backend"
#define P_ENDPOINTS "endpoints"
#define P_DEFAULTS_FILE "defaults_file"
#define P_MAX_LAG "max_lag"
#define P_STATE_DIR "state_dir"

#define BACKEND_NATIVE "native"
#define BACKEND_AZURE "azure"

#define D_BACKEND BACKEND_NATIVE
#define D_DEFAULTS_FILE "/etc/geoha/mysql-admin.cnf"
#define D_MAX_LAG "60"
#define D_STATE_DIR "/var/lib/geoha"

/* Volatile per-node state (the "started" marker); tests override it. */
#define ENV_RUN_DIR GEOHA_ENV_RUN_DIR
#define D_RUN_DIR GEOHA_D_RUN_DIR

/* ---- shared helpers (common.c) ---- */

/* Whether this node's instance is started, and in which role. */
enum role { ROLE_NONE, ROLE_UNPROMOTED, ROLE_PROMOTED };

/*
 * The started marker: a small file under the node's private /run that
 * says the instance was started here and in which role (both backends).
 */
struct marker {
    enum role role;
    long long io_lost_ms; /* wall clock when replication was lost; 0 */
};

/* The marker's path for ctx's resource (RUN_DIR/mysql-RSC.state). */
int geoha__mysql_marker_path(const struct geoha_ctx *ctx, char *path,
                             size_t size);
/* Read the marker at path; a missing file is ROLE_NONE (returns 0). */
int geoha__mysql_marker_read(const char *path, struct marker *m);
/* Replace the marker at path atomically (mode 0600, directory created). */
int geoha__mysql_marker_write(const char *path, const struct marker *m);

/*
 * The node where the cluster has resource rsc (without ":N") promoted,
 * from lib/cib.c's reader. -ENOENT when no node is promoted,
 * GEOHA_E_STATE when more than one is, another error when the cluster
 * cannot be asked.
 */
int geoha__mysql_cluster_writer(const char *rsc, const struct geoha_deadline *d,
                                char writer[GEOHA_NODE_MAX]);

/* s, or alt when s is NULL or empty. */
static inline const char *
str_or(const char *s, const char *alt)
{
    return (s != NULL && *s != '\0') ? s : alt;
}

/* The UTC time now as 2026-01-31T23:59:59Z ("?" if it does not fit). */
void geoha__mysql_iso_time(char *buf, size_t size);

/* Set this node's promotion score (NULL deletes it); never on a probe. */
void geoha__mysql_set_score(const struct geoha_ctx *ctx, const char *score);

/*
 * A replica's monitor: the facts its score comes from (score.h), from its
 * replication status r, the position it applied and its server's GTID
 * notation. The time replication lost its writer is kept in the started
 * marker mk (written to marker_path; never on a probe): cleared while the
 * IO thread runs, recorded when it stops; a loss that cannot be recorded
 * makes the facts "untimed" (never promotable meanwhile). The cut-off is
 * max_lag; the caller adds its own (semi-sync) cut-off and refusal bound.
 */
struct geoha_replica_facts
geoha__mysql_replica_facts(const struct geoha_ctx *ctx, const char *marker_path,
                           struct marker *mk, const struct geoha_sql_replica *r,
                           const char *applied, enum geoha_sql_flavour flavour,
                           long long max_lag);

/*
 * After a promotion: this node's final-GTID attribute (attr_final) is
 * removed, and nothing else. No score here: the promoted monitor that
 * Pacemaker runs right after the promote sets SCORE_WRITER. A transient
 * attribute changed by the promote aborts the transition it runs in, and
 * the drupal starts that follow the promotion (the end of a switchover's
 * pause) then wait for the scheduler to run again: measured 50 ms of the
 * pause. Until that monitor this node keeps its replica score and the
 * old writer has none (demote removed it), so nothing prefers another
 * node.
 */
void geoha__mysql_promoted_attrs(const struct geoha_ctx *ctx,
                                 const char *attr_final);

/*
 * Write a demoted writer's final GTID position to path (state_dir is
 * created, mode 0700). The server is read-only already (S1), so a file
 * that cannot be written is reported (a warning), not fatal.
 */
void geoha__mysql_final_gtid_save(const struct geoha_ctx *ctx, const char *path,
                                  const char *gtid);

/* Append j as one line to the decisions file at path (state_dir is
 * created, mode 0700) and log it. */
void geoha__mysql_record_decision(const struct geoha_ctx *ctx, const char *path,
                                  json_t *j);

/*
 * Wait until the server behind c has applied the GTID position target,
 * within d. *reached (freed and replaced) gets the last position seen.
 * 0 when reached, GEOHA_E_DEADLINE when not in time, else an error.
 */
int geoha__mysql_wait_applied(struct geoha_sql *c, const char *target,
                              const struct geoha_deadline *d, char **reached);

/* ---- the azure backend's own parameters ---- */

#define P_SERVERS "servers"
#define P_SUBSCRIPTION "subscription"
#define P_RESOURCE_GROUP "resource_group"
#define P_OLD_WRITER_ACTION "old_writer_action"
#define P_SQL_TLS "sql_tls"
#define P_REGION_TIMEOUT "region_timeout"
#define D_REGION_TIMEOUT "20"

#define OLD_WRITER_STOP "stop"
#define OLD_WRITER_FIREWALL "firewall"
#define OLD_WRITER_NONE "none"
#define D_OLD_WRITER_ACTION OLD_WRITER_STOP
#define SQL_TLS_VERIFY "verify"
#define SQL_TLS_FILE "defaults_file"
#define D_SQL_TLS SQL_TLS_VERIFY

/* NULL-terminated choices of old_writer_action and sql_tls. */
extern const char *const geoha__mysql_old_writer_actions[];
extern const char *const geoha__mysql_sql_tls_choices[];

/*
 * Entries for the agent's parameter table: the azure backend's parameters
 * and the ARM client's (GEOHA_ARM_PARAMS_NOTE), each description saying
 * that only backend=azure uses it.
 */
/* clang-format off */
#define MYSQL_AZURE_PARAMS                                                    \
    { .name = P_SERVERS,                                                      \
      .type = GEOHA_PT_MAP,                                                   \
      .map_value = GEOHA_PT_STRING,                                           \
      .shortdesc = "Each node's flexible server (backend=azure)",             \
      .longdesc = "node=flexible-server-name for every node, e.g. "           \
                  "\"ci=drupal-ci si=drupal-si\". The instance on node X "    \
                  "speaks for server servers[X]. Required with "              \
                  "backend=azure; not used with backend=native." },           \
    { .name = P_SUBSCRIPTION,                                                 \
      .type = GEOHA_PT_STRING,                                                \
      .shortdesc = "Azure subscription of the servers (backend=azure)",       \
      .longdesc = "Subscription id holding the flexible servers. Required "   \
                  "with backend=azure; not used with backend=native." },      \
    { .name = P_RESOURCE_GROUP,                                               \
      .type = GEOHA_PT_STRING,                                                \
      .shortdesc = "Resource group of the servers (backend=azure)",           \
      .longdesc = "Resource group holding every server named in servers. "    \
                  "Required with backend=azure; not used with "               \
                  "backend=native." },                                        \
    { .name = P_OLD_WRITER_ACTION,                                            \
      .type = GEOHA_PT_ENUM,                                                  \
      .default_value = D_OLD_WRITER_ACTION,                                   \
      .choices = geoha__mysql_old_writer_actions,                             \
      .shortdesc = "What promote does to the former writer (backend=azure)",  \
      .longdesc = "Before the new writer takes writes, promote makes the "    \
                  "former writer stop taking them, through ARM: 'stop' "      \
                  "stops the server and checks that it refuses "              \
                  "connections; 'firewall' saves its firewall rules in "      \
                  "state_dir and deletes them (public access only; open "     \
                  "sessions are not cut, so it is weaker); 'none' does "      \
                  "nothing and promote refuses while the former writer "      \
                  "answers as writable. Used only with backend=azure." },     \
    { .name = P_REGION_TIMEOUT,                                               \
      .type = GEOHA_PT_INT,                                                   \
      .default_value = D_REGION_TIMEOUT,                                      \
      .min = 1,                                                               \
      .max = 600,                                                             \
      .shortdesc = "Seconds another region's silence is waited for "          \
                   "(backend=azure)",                                         \
      .longdesc = "Reading another region's server through ARM waits at "     \
                  "most this long (and never more than a sixth of the "       \
                  "action's timeout). In a region outage every ARM call on "  \
                  "that region hangs: promote then goes on without it, as "   \
                  "fence_geoha's region_timeout does (use the same value), "  \
                  "and the writer's monitor keeps closing that server once "  \
                  "its region answers. Used only with backend=azure." },      \
    { .name = P_SQL_TLS,                                                      \
      .type = GEOHA_PT_ENUM,                                                  \
      .default_value = D_SQL_TLS,                                             \
      .choices = geoha__mysql_sql_tls_choices,                                \
      .shortdesc = "TLS to the flexible servers (backend=azure)",             \
      .longdesc = "'verify' (the default): every SQL connection to a "        \
                  "flexible server uses TLS, verified against the system's "  \
                  "CAs (or defaults_file's ssl-ca) with the server's name "   \
                  "checked, as Azure Database for MySQL requires TLS; "       \
                  "endpoints must then be names, not IP addresses. "          \
                  "'defaults_file': TLS only as defaults_file configures "    \
                  "it (tests, special set-ups). Used only with "              \
                  "backend=azure." },                                         \
    GEOHA_ARM_PARAMS_NOTE(" (backend=azure)",                                 \
                          " Used only with backend=azure (the Azure API "     \
                          "access); not used with backend=native.")
/* clang-format on */

#endif /* GEOHA_AGENT_MYSQL_COMMON_H */
