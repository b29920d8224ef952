/*
 * ocf:geoha:mysql backend=native — the instance and its own server: the
 * per-resource names and paths (struct agent), the started marker, the
 * connection to the local server, the score, errant transactions.
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

/* ---- small helpers ---- */

/* The exit reason for a secret file others can read (S6). */
void
native_reason_insecure(const struct geoha_ctx *ctx, const char *param)
{
    geoha_exit_reason("Parameter %s='%s' can be read by others or is not "
                      "owned by root: it must be mode 0600 or 0400, owned "
                      "by root",
                      param, geoha_param_str(ctx, param));
}

int
native_agent_init(struct geoha_ctx *ctx, struct agent *a)
{
    const char *run = getenv(ENV_RUN_DIR);
    const char *state = geoha_param_str(ctx, P_STATE_DIR);
    const struct geoha_map *eps = geoha_param_map(ctx, P_ENDPOINTS);
    const char *mine;
    int rc = 0;

    memset(a, 0, sizeof(*a));
    a->ctx = ctx;
    if (run == NULL || run[0] != '/') {
        run = D_RUN_DIR;
    }
    geoha_strlcpy(a->base, ctx->rsc_base, sizeof(a->base));
    mine = eps != NULL ? geoha_map_get(eps, ctx->node) : NULL;
    if (mine == NULL || geoha_hostport_parse(mine, 0, &a->self) != 0) {
        geoha_exit_reason("Parameter %s has no entry for this node '%s'",
                          P_ENDPOINTS, ctx->node);
        return OCF_ERR_CONFIGURED;
    }
    rc |= geoha__mysql_marker_path(ctx, a->marker_path, sizeof(a->marker_path));
    rc |= geoha_snprintf(a->peercheck_path, sizeof(a->peercheck_path),
                         "%s/mysql-%s.peercheck", run, a->base);
    rc |= geoha_snprintf(a->errant_path, sizeof(a->errant_path),
                         "%s/mysql-%s.errant", state, a->base);
    rc |= geoha_snprintf(a->final_path, sizeof(a->final_path),
                         "%s/mysql-%s-final-gtid", state, a->base);
    rc |= geoha_snprintf(a->decisions_path, sizeof(a->decisions_path),
                         "%s/mysql-%s-decisions.jsonl", state, a->base);
    rc |= geoha_snprintf(a->attr_final, sizeof(a->attr_final), "%s-final-gtid",
                         a->base);
    rc |= geoha_snprintf(a->attr_errant, sizeof(a->attr_errant), "%s-errant",
                         a->base);
    rc |= geoha_snprintf(a->attr_force, sizeof(a->attr_force),
                         "%s" ATTR_FORCE_SUFFIX, a->base);
    if (rc != 0) {
        geoha_exit_reason("Resource id '%s' or a directory is too long",
                          ctx->rsc);
        return OCF_ERR_CONFIGURED;
    }
    return OCF_SUCCESS;
}

/* ---- the started marker (volatile, per node) ---- */

int
native_marker_read(const struct agent *a, struct marker *m)
{
    return geoha__mysql_marker_read(a->marker_path, m);
}

int
native_marker_write(const struct agent *a, const struct marker *m)
{
    return geoha__mysql_marker_write(a->marker_path, m);
}

/* ---- connections ---- */

/*
 * Why the last native_connect_local() failed (the client library's line, or the
 * TLS problem: issue 17 item 1), for the caller's exit reason; no secret.
 */
char native_local_why[256];

int
native_connect_local(const struct agent *a, const struct geoha_deadline *d,
                     struct geoha_sql **c)
{
    struct geoha_sql_target t = { 0 };
    char why[256];
    int rc;

    t.defaults_file = geoha_param_str(a->ctx, P_DEFAULTS_FILE);
    t.socket = geoha_param_str(a->ctx, P_SOCKET);
    t.host = a->self.host;
    t.port = a->self.port;
    rc = geoha_sql_connect(&t, d, why, sizeof(why), c);
    if (rc == GEOHA_E_NOT_RUNNING && t.socket != NULL) {
        /*
         * review-2: a socket that is gone (or refused) does not prove the
         * server is down: it may still take writes over TCP. Only a
         * refused TCP endpoint as well means "not running".
         */
        geoha_info("Cannot connect to the local database server | "
                   "target='%s' reason='%s'",
                   t.socket, why);
        t.socket = NULL;
        rc = geoha_sql_connect(&t, d, why, sizeof(why), c);
        if (rc == 0) {
            geoha_warn("The server's socket does not answer but its TCP "
                       "endpoint does: using TCP | socket='%s' "
                       "endpoint=%s:%d",
                       geoha_param_str(a->ctx, P_SOCKET), t.host, t.port);
            return 0;
        }
    }
    native_local_why[0] = '\0';
    if (rc != 0) {
        geoha_info("Cannot connect to the local database server | "
                   "target='%s' reason='%s'",
                   t.socket != NULL ? t.socket : t.host, why);
        geoha_strlcpy(native_local_why, why, sizeof(native_local_why));
    }
    return rc;
}

/*
 * The node where the cluster has this resource promoted (common.c: from
 * lib/cib.c's crm_mon reader, which honours CIB_file). -ENOENT when no
 * node is promoted, GEOHA_E_STATE when more than one is.
 */
int
native_cluster_writer(const struct agent *a, char writer[GEOHA_NODE_MAX])
{
    return geoha__mysql_cluster_writer(a->base, &a->ctx->deadline, writer);
}

/* Why the server could not be made read-only (rc from the attempt). */
const char *
native_read_only_why(int rc, struct geoha_sql *c)
{
    return rc == GEOHA_E_STATE ? "it did not take" : geoha_sql_error(c);
}

/* ---- scores and attributes ---- */

void
native_set_score(const struct agent *a, const char *score)
{
    geoha__mysql_set_score(a->ctx, score);
}

/* ---- errant transactions ---- */

bool
native_quarantined(const struct agent *a)
{
    return access(a->errant_path, F_OK) == 0;
}

void
native_report_errant(const struct agent *a, const char *writer,
                     const char *writer_state, const char *local_state,
                     const char *errant, uint64_t count)
{
    char when[32], path[PATH_MAX];
    json_t *j;
    char *text = NULL;
    int rc;

    geoha__mysql_iso_time(when, sizeof(when));
    j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I}", "time", when,
                  "node", a->ctx->node, "resource", a->base, "writer", writer,
                  "writer_gtid", writer_state, "local_gtid", local_state,
                  "errant_gtids", errant, "errant_count", (json_int_t)count);
    if (j != NULL) {
        text = json_dumps(j, JSON_INDENT(2));
    }
    json_decref(j);
    if (text == NULL) {
        return;
    }
    geoha_dir_ensure(geoha_param_str(a->ctx, P_STATE_DIR), 0700);
    if (geoha_snprintf(path, sizeof(path), "%s/mysql-%s-errant-%s.json",
                       geoha_param_str(a->ctx, P_STATE_DIR), a->base, when)
        == 0) {
        geoha_file_replace(path, text, strlen(text), (uid_t)-1, (gid_t)-1,
                           0600);
    }
    rc = geoha_file_replace(a->errant_path, text, strlen(text), (uid_t)-1,
                            (gid_t)-1, 0600);
    free(text);
    if (rc != 0) {
        geoha_err("Cannot write the errant transaction mark | path='%s' "
                  "reason='%s'",
                  a->errant_path, geoha_strerror(rc));
    }
    {
        char value[64];

        geoha_snprintf(value, sizeof(value), "%llu", (unsigned long long)count);
        geoha_attr_update(GEOHA_ATTR_TRANSIENT, a->ctx->node, a->attr_errant,
                          value, &a->ctx->deadline, NULL);
    }
    native_set_score(a, NULL);
}
