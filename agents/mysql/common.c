/*
 * ocf:geoha:mysql — helpers both backends use.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "geoha/attr.h"
#include "geoha/cib.h"
#include "geoha/file.h"
#include "geoha/gtid.h"

#include "common.h"

/*
 * lib/cib.c's reader (crm_mon's XML, which honours CIB_file), with the
 * answers the backends expect: -ENOENT when no node is promoted (or the
 * resource is unknown), GEOHA_E_STATE when more than one is.
 */
int
geoha__mysql_cluster_writer(const char *rsc, const struct geoha_deadline *d,
                            char writer[GEOHA_NODE_MAX])
{
    char nodes[2][GEOHA_NODE_MAX];
    size_t n = 0;
    int rc = geoha_cib_promoted_nodes(rsc, d, nodes, 2, &n);

    if (rc != 0) {
        return rc;
    }
    if (n == 0) {
        return -ENOENT;
    }
    if (n > 1) {
        return GEOHA_E_STATE;
    }
    return geoha_strlcpy(writer, nodes[0], GEOHA_NODE_MAX);
}

int
geoha__mysql_marker_path(const struct geoha_ctx *ctx, char *path, size_t size)
{
    const char *run = getenv(ENV_RUN_DIR);

    if (run == NULL || run[0] != '/') {
        run = D_RUN_DIR;
    }
    return geoha_snprintf(path, size, "%s/mysql-%s.state", run, ctx->rsc_base);
}

int
geoha__mysql_marker_read(const char *path, struct marker *m)
{
    char *text = NULL;
    int rc;

    memset(m, 0, sizeof(*m));
    rc = geoha_file_read(path, 4096, &text, NULL);
    if (rc == -ENOENT) {
        m->role = ROLE_NONE;
        return 0;
    }
    if (rc != 0) {
        return rc;
    }
    m->role =
        strstr(text, "role=promoted") != NULL ? ROLE_PROMOTED : ROLE_UNPROMOTED;
    {
        const char *p = strstr(text, "io_lost_ms=");

        if (p != NULL) {
            char num[32];
            size_t n = strcspn(p + 11, "\n");

            if (n < sizeof(num)) {
                memcpy(num, p + 11, n);
                num[n] = '\0';
                if (geoha_parse_ll(num, 0, INT64_MAX, &m->io_lost_ms) != 0) {
                    m->io_lost_ms = 0;
                }
            }
        }
    }
    free(text);
    return 0;
}

int
geoha__mysql_marker_write(const char *path, const struct marker *m)
{
    char text[128];
    char dir[PATH_MAX];
    char *slash;
    int rc;

    geoha_strlcpy(dir, path, sizeof(dir));
    slash = strrchr(dir, '/');
    if (slash != NULL && slash != dir) {
        *slash = '\0';
        rc = geoha_dir_ensure(dir, 0700);
        if (rc != 0) {
            return rc;
        }
    }
    rc = geoha_snprintf(text, sizeof(text), "role=%s\nio_lost_ms=%lld\n",
                        m->role == ROLE_PROMOTED ? "promoted" : "unpromoted",
                        m->io_lost_ms);
    if (rc != 0) {
        return rc;
    }
    return geoha_file_replace(path, text, strlen(text), (uid_t)-1, (gid_t)-1,
                              0600);
}

void
geoha__mysql_iso_time(char *buf, size_t size)
{
    time_t now = time(NULL);
    struct tm tm;

    gmtime_r(&now, &tm);
    if (strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
        geoha_strlcpy(buf, "?", size);
    }
}

void
geoha__mysql_set_score(const struct geoha_ctx *ctx, const char *score)
{
    int rc;

    if (ctx->probe) {
        return; /* a probe changes nothing */
    }
    rc = geoha_attr_update(GEOHA_ATTR_PROMOTION, ctx->node, ctx->rsc, score,
                           &ctx->deadline, NULL);
    if (rc != 0) {
        geoha_warn("Cannot set the promotion score | score=%s reason='%s'",
                   score != NULL ? score : "(none)", geoha_strerror(rc));
    }
}

struct geoha_replica_facts
geoha__mysql_replica_facts(const struct geoha_ctx *ctx, const char *marker_path,
                           struct marker *mk, const struct geoha_sql_replica *r,
                           const char *applied, enum geoha_sql_flavour flavour,
                           long long max_lag)
{
    bool running = r->io == GEOHA_SQL_THREAD_YES;
    bool untimed = false;
    int rc;

    if (running && mk->io_lost_ms != 0 && !ctx->probe) {
        mk->io_lost_ms = 0;
        rc = geoha__mysql_marker_write(marker_path, mk);
        if (rc != 0) {
            /* the old time stays: a later loss looks older than it is,
             * which only ends promotability sooner */
            geoha_warn("Cannot clear when replication was lost in the "
                       "state file | path='%s' reason='%s'",
                       marker_path, geoha_strerror(rc));
        }
    } else if (!running && mk->io_lost_ms == 0 && !ctx->probe) {
        mk->io_lost_ms = geoha_wall_ms();
        geoha_warn("Replication lost its writer | io_errno=%u io_error='%s'",
                   r->io_errno, r->io_error);
        rc = geoha__mysql_marker_write(marker_path, mk);
        if (rc != 0) {
            geoha_warn("Cannot record when replication was lost in the "
                       "state file, so this replica is not promotable | "
                       "path='%s' reason='%s'",
                       marker_path, geoha_strerror(rc));
            untimed = true;
        }
    }
    return (struct geoha_replica_facts){
        .io_running = running,
        .lag_s = r->lag_s,
        .max_lag_s = max_lag,
        .lost_for_ms =
            mk->io_lost_ms != 0 ? geoha_wall_ms() - mk->io_lost_ms : 0,
        .lost_untimed = untimed,
        .cutoff_ms = max_lag * 1000,
        .received = r->received,
        .applied = applied,
        .notation = flavour == GEOHA_SQL_MARIADB ? GEOHA_GTID_MARIADB
                                                 : GEOHA_GTID_MYSQL,
    };
}

void
geoha__mysql_promoted_attrs(const struct geoha_ctx *ctx, const char *attr_final)
{
    geoha_attr_update(GEOHA_ATTR_TRANSIENT, ctx->node, attr_final, NULL,
                      &ctx->deadline, NULL);
}

void
geoha__mysql_final_gtid_save(const struct geoha_ctx *ctx, const char *path,
                             const char *gtid)
{
    int rc = geoha_dir_ensure(geoha_param_str(ctx, P_STATE_DIR), 0700);

    if (rc == 0) {
        rc = geoha_file_replace(path, gtid, strlen(gtid), (uid_t)-1, (gid_t)-1,
                                0600);
    }
    if (rc != 0) {
        geoha_warn("Cannot record the final GTID position in state_dir; "
                   "the server is read-only | path='%s' final_gtid='%s' "
                   "reason='%s'",
                   path, gtid, geoha_strerror(rc));
    }
}

void
geoha__mysql_record_decision(const struct geoha_ctx *ctx, const char *path,
                             json_t *j)
{
    char *line = json_dumps(j, JSON_COMPACT);
    int rc;

    if (line == NULL) {
        return;
    }
    geoha_dir_ensure(geoha_param_str(ctx, P_STATE_DIR), 0700);
    rc = geoha_file_append_line(path, line, 0600);
    if (rc != 0) {
        geoha_warn("Cannot record the decision | path='%s' reason='%s'", path,
                   geoha_strerror(rc));
    }
    geoha_info("Decision | %s", line);
    free(line);
}

/* One wait for the position, at most this long, before looking again. */
#define GTID_WAIT_STEP_MS 1000

int
geoha__mysql_wait_applied(struct geoha_sql *c, const char *target,
                          const struct geoha_deadline *d, char **reached)
{
    struct geoha_gtid_set *t = NULL;
    int rc = geoha_gtid_set_parse(target, GEOHA_GTID_ANY, &t);

    while (rc == 0) {
        struct geoha_sql_status st = { 0 };
        struct geoha_gtid_set *p = NULL;
        bool ok = false;
        int64_t left;

        rc = geoha_sql_status_get(c, &st);
        if (rc == 0) {
            rc = geoha_gtid_set_parse(st.gtid_pos, GEOHA_GTID_ANY, &p);
        }
        if (rc == 0) {
            rc = geoha_gtid_pos_reached(p, t, &ok);
        }
        geoha_gtid_set_free(p);
        if (rc == 0) {
            free(*reached);
            *reached = st.gtid_pos;
            st.gtid_pos = NULL;
        }
        geoha_sql_status_clear(&st);
        if (rc != 0 || ok) {
            break;
        }
        left = geoha_deadline_left_ms(d);
        if (left <= 200) {
            rc = GEOHA_E_DEADLINE;
            break;
        }
        left -= 200;
        rc = geoha_sql_wait_gtid(
            c, target, left < GTID_WAIT_STEP_MS ? left : GTID_WAIT_STEP_MS);
        if (rc == GEOHA_E_DEADLINE) {
            rc = 0; /* look again: the merged position may have it */
        }
    }
    geoha_gtid_set_free(t);
    return rc;
}
