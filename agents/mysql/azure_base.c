/*
 * ocf:geoha:mysql backend=azure — the instance and the servers: set-up
 * and validate (struct az), each server through ARM, SQL to a server,
 * read_only, the started marker, the diverged-or-stale marks, decisions.
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

/* ---- small helpers ---- */

struct geoha_deadline
az_sub_deadline(const struct az *az, int64_t max_ms, int64_t div)
{
    int64_t ms = geoha_deadline_left_ms(&az->ctx->deadline) / div;

    return geoha_deadline_min(&az->ctx->deadline, ms < max_ms ? ms : max_ms);
}

/* ---- set-up ---- */

static int
bad_name(const char *param, const char *value)
{
    geoha_exit_reason("Parameter %s='%s' is not a valid Azure resource name "
                      "(letters, digits, '.', '_', '-', '(', ')') for %s=%s",
                      param, str_or(value, ""), P_BACKEND, BACKEND_AZURE);
    return OCF_ERR_CONFIGURED;
}

/* Syntax only (no files, no network): usable by stop and probes. */
int
az_setup(struct geoha_ctx *ctx, struct az *az)
{
    const struct geoha_map *m = geoha_param_map(ctx, P_SERVERS);
    const char *run = getenv(ENV_RUN_DIR);
    const char *state = geoha_param_str(ctx, P_STATE_DIR);
    bool found = false;
    int rc = 0;

    memset(az, 0, sizeof(*az));
    az->ctx = ctx;
    az->sub = geoha_param_str(ctx, P_SUBSCRIPTION);
    az->rg = geoha_param_str(ctx, P_RESOURCE_GROUP);
    if (m == NULL || m->n == 0) {
        geoha_exit_reason("Parameter %s must be set for %s=%s", P_SERVERS,
                          P_BACKEND, BACKEND_AZURE);
        return OCF_ERR_CONFIGURED;
    }
    if (az->sub == NULL || az->sub[0] == '\0') {
        geoha_exit_reason("Parameter %s must be set for %s=%s", P_SUBSCRIPTION,
                          P_BACKEND, BACKEND_AZURE);
        return OCF_ERR_CONFIGURED;
    }
    if (az->rg == NULL || az->rg[0] == '\0') {
        geoha_exit_reason("Parameter %s must be set for %s=%s",
                          P_RESOURCE_GROUP, P_BACKEND, BACKEND_AZURE);
        return OCF_ERR_CONFIGURED;
    }
    if (!geoha_arm_name_valid(az->sub)) {
        return bad_name(P_SUBSCRIPTION, az->sub);
    }
    if (!geoha_arm_name_valid(az->rg)) {
        return bad_name(P_RESOURCE_GROUP, az->rg);
    }
    for (size_t i = 0; i < m->n; i++) {
        struct server *s = &az->s[i];

        s->node = m->e[i].node;
        s->name = m->e[i].value;
        if (!geoha_arm_name_valid(s->name)) {
            geoha_exit_reason("Parameter %s has a server name '%s' for node "
                              "'%s' that is not a valid Azure resource name",
                              P_SERVERS, s->name, s->node);
            return OCF_ERR_CONFIGURED;
        }
        for (size_t j = 0; j < i; j++) {
            if (geoha_streq_ci(s->name, az->s[j].name)) {
                geoha_exit_reason("Parameter %s gives server '%s' to both "
                                  "'%s' and '%s'; each node needs its own",
                                  P_SERVERS, s->name, az->s[j].node, s->node);
                return OCF_ERR_CONFIGURED;
            }
        }
        if (geoha_arm_path(s->path, sizeof(s->path), az->sub, az->rg,
                           AZ_PROVIDER, s->name, NULL)
            != 0) {
            geoha_exit_reason("Parameters %s, %s and %s make a resource path "
                              "that is too long",
                              P_SUBSCRIPTION, P_RESOURCE_GROUP, P_SERVERS);
            return OCF_ERR_CONFIGURED;
        }
        if (strcmp(s->node, ctx->node) == 0) {
            az->me = i;
            found = true;
        }
    }
    az->n = m->n;
    if (!found) {
        geoha_exit_reason("Parameter %s has no entry for this node '%s'",
                          P_SERVERS, ctx->node);
        return OCF_ERR_CONFIGURED;
    }
    if (run == NULL || run[0] != '/') {
        run = D_RUN_DIR;
    }
    geoha_strlcpy(az->base, ctx->rsc_base, sizeof(az->base));
    rc |=
        geoha__mysql_marker_path(ctx, az->marker_path, sizeof(az->marker_path));
    rc |= geoha_snprintf(az->mark_path, sizeof(az->mark_path),
                         "%s/mysql-%s.reseed", state, az->base);
    rc |= geoha_snprintf(az->pending_path, sizeof(az->pending_path),
                         "%s/mysql-%s.reseed-pending", state, az->base);
    rc |= geoha_snprintf(az->final_path, sizeof(az->final_path),
                         "%s/mysql-%s-final-gtid", state, az->base);
    rc |= geoha_snprintf(az->decisions_path, sizeof(az->decisions_path),
                         "%s/mysql-%s-decisions.jsonl", state, az->base);
    rc |= geoha_snprintf(az->attr_reseed, sizeof(az->attr_reseed), "%s%s",
                         az->base, ATTR_RESEED_SUFFIX);
    rc |= geoha_snprintf(az->attr_final, sizeof(az->attr_final), "%s%s",
                         az->base, ATTR_FINAL_SUFFIX);
    if (rc != 0) {
        geoha_exit_reason("Resource id '%s' or a directory is too long",
                          ctx->rsc);
        return OCF_ERR_CONFIGURED;
    }
    return OCF_SUCCESS;
}

static bool
has_server(const struct az *az, const char *node)
{
    for (size_t i = 0; i < az->n; i++) {
        if (strcmp(az->s[i].node, node) == 0) {
            return true;
        }
    }
    return false;
}

/*
 * issue 17 item 9a: a node without its server in the map is a writer the
 * agent never looks at (promote would leave it writable beside the new
 * one). Every node that endpoints names, and every member node of the
 * cluster the CIB lists, must have its server; two regions at least.
 */
static int
servers_cover_cluster(const struct az *az, const struct geoha_map *eps)
{
    char nodes[GEOHA_MAP_ENTRIES][GEOHA_NODE_MAX];
    size_t n = 0;

    for (size_t i = 0; eps != NULL && i < eps->n; i++) {
        if (!has_server(az, eps->e[i].node)) {
            geoha_exit_reason("Parameter %s has no server for node '%s', "
                              "which %s names: every node's server must be "
                              "in the map",
                              P_SERVERS, eps->e[i].node, P_ENDPOINTS);
            return OCF_ERR_CONFIGURED;
        }
    }
    if (geoha_cib_nodes(&az->ctx->deadline, nodes, GEOHA_MAP_ENTRIES, &n)
        != 0) {
        n = 0; /* no CIB to ask (run by hand): the map and endpoints */
    }
    for (size_t i = 0; i < n && i < GEOHA_MAP_ENTRIES; i++) {
        if (!has_server(az, nodes[i])) {
            geoha_exit_reason("Parameter %s has no server for cluster node "
                              "'%s': every node's server must be in the map",
                              P_SERVERS, nodes[i]);
            return OCF_ERR_CONFIGURED;
        }
    }
    if (az->n < 2) {
        geoha_exit_reason("Parameter %s names %zu server; %s=%s needs every "
                          "node's server (at least two)",
                          P_SERVERS, az->n, P_BACKEND, BACKEND_AZURE);
        return OCF_ERR_CONFIGURED;
    }
    return OCF_SUCCESS;
}

int
geoha__mysql_azure_validate(struct geoha_ctx *ctx)
{
    const struct geoha_map *eps = geoha_param_map(ctx, P_ENDPOINTS);
    struct az az;
    int rc = az_setup(ctx, &az);

    if (rc != OCF_SUCCESS) {
        return rc;
    }
    rc = servers_cover_cluster(&az, eps);
    if (rc != OCF_SUCCESS) {
        return rc;
    }
    if (eps != NULL
        && geoha_streq(geoha_param_str(ctx, P_SQL_TLS), SQL_TLS_VERIFY)) {
        for (size_t i = 0; i < eps->n; i++) {
            struct geoha_hostport hp;
            unsigned char buf[16];

            if (geoha_hostport_parse(eps->e[i].value, AZ_SQL_PORT, &hp) == 0
                && (inet_pton(AF_INET, hp.host, buf) == 1
                    || inet_pton(AF_INET6, hp.host, buf) == 1)) {
                geoha_exit_reason("Parameter %s gives node '%s' the address "
                                  "'%s': with %s=%s the server's name is "
                                  "checked against its certificate, so give "
                                  "its name (or set %s=%s)",
                                  P_ENDPOINTS, eps->e[i].node, hp.host,
                                  P_SQL_TLS, SQL_TLS_VERIFY, P_SQL_TLS,
                                  SQL_TLS_FILE);
                return OCF_ERR_CONFIGURED;
            }
        }
    }
    if (eps != NULL && eps->n > 0) {
        for (size_t i = 0; i < az.n; i++) {
            if (geoha_map_get(eps, az.s[i].node) == NULL) {
                geoha_exit_reason("Parameter %s is set but has no entry for "
                                  "node '%s' of %s (leave it empty to use "
                                  "the servers' names in DNS)",
                                  P_ENDPOINTS, az.s[i].node, P_SERVERS);
                return OCF_ERR_CONFIGURED;
            }
        }
    }
    return geoha_arm_ocf_check(ctx, true);
}

int
az_open(struct az *az)
{
    return geoha_arm_ocf_open(az->ctx, &az->arm);
}

/* Setup and client; *rc_out is the OCF code on failure. */
bool
az_begin(struct geoha_ctx *ctx, struct az *az, int *rc_out)
{
    int rc = az_setup(ctx, az);

    if (rc == OCF_SUCCESS) {
        rc = az_open(az);
    }
    *rc_out = rc;
    return rc == OCF_SUCCESS;
}

void
az_end(struct az *az)
{
    geoha_arm_client_free(az->arm);
    az->arm = NULL;
}

/* ---- servers through ARM ---- */

void
az_copy_field(char *dst, size_t size, const json_t *j, const char *dotted)
{
    const char *v = geoha_arm_json_str(j, dotted);

    if (v == NULL || geoha_strlcpy(dst, v, size) != 0) {
        dst[0] = '\0';
    }
}

int
az_server_get(struct az *az, size_t i, const struct geoha_deadline *d)
{
    struct server *s = &az->s[i];
    json_t *j = NULL;
    int rc;

    s->known = s->gone = s->unreachable = false;
    rc = geoha_arm_get(az->arm, s->path, AZ_API_VERSION, d, &j);
    if (rc == GEOHA_E_NOT_FOUND) {
        s->known = true;
        s->gone = true;
        s->state[0] = s->role[0] = s->source[0] = '\0';
        return 0;
    }
    if (rc != 0) {
        s->unreachable = geoha_arm_unreachable(az->arm, rc);
        return rc;
    }
    az_copy_field(s->state, sizeof(s->state), j, "properties.state");
    az_copy_field(s->role, sizeof(s->role), j, "properties.replicationRole");
    az_copy_field(s->source, sizeof(s->source), j,
                  "properties.sourceServerResourceId");
    az_copy_field(s->fqdn, sizeof(s->fqdn), j,
                  "properties.fullyQualifiedDomainName");
    {
        char loc[sizeof(s->location)];

        az_copy_field(loc, sizeof(loc), j, "location");
        if (loc[0] != '\0') {
            memcpy(s->location, loc, sizeof(loc));
        }
    }
    json_decref(j);
    s->known = true;
    return 0;
}

/* Read every other server, each bounded by a short deadline. */
void
az_others_get(struct az *az)
{
    for (size_t i = 0; i < az->n; i++) {
        struct geoha_deadline d;
        int rc;

        if (i == az->me) {
            continue;
        }
        d = az_sub_deadline(
            az, geoha_param_int(az->ctx, P_REGION_TIMEOUT) * 1000, 6);
        rc = az_server_get(az, i, &d);
        if (rc != 0) {
            geoha_warn("Cannot read a server through ARM | server='%s' "
                       "node=%s reason='%s'",
                       az->s[i].name, az->s[i].node,
                       geoha_arm_why(az->arm, rc));
        }
    }
}

/* Poll the server until no operation runs on it (state not Updating). */
int
az_server_wait_settled(struct az *az, size_t i, const struct geoha_deadline *d)
{
    for (;;) {
        int rc = az_server_get(az, i, d);

        if (rc != 0) {
            return rc;
        }
        if (az->s[i].gone || !geoha_streq_ci(az->s[i].state, STATE_UPDATING)) {
            return 0;
        }
        if (geoha_sleep_ms(d, STATE_POLL_MS) != 0) {
            return GEOHA_E_DEADLINE;
        }
    }
}

/* ---- SQL ---- */

int
az_sql_connect(struct az *az, size_t i, const struct geoha_deadline *d,
               struct geoha_sql **c, char *why, size_t why_size)
{
    const struct geoha_map *eps = geoha_param_map(az->ctx, P_ENDPOINTS);
    const char *ep = eps != NULL ? geoha_map_get(eps, az->s[i].node) : NULL;
    struct geoha_sql_target t = { 0 };
    struct geoha_hostport hp;

    if (ep != NULL) {
        if (geoha_hostport_parse(ep, AZ_SQL_PORT, &hp) != 0) {
            geoha_snprintf(why, why_size, "bad endpoint '%s'", ep);
            return GEOHA_E_CONFIG;
        }
    } else if (az->s[i].fqdn[0] != '\0') {
        geoha_strlcpy(hp.host, az->s[i].fqdn, sizeof(hp.host));
        hp.port = AZ_SQL_PORT;
    } else {
        geoha_snprintf(why, why_size,
                       "no address: set %s or let ARM tell its name",
                       P_ENDPOINTS);
        return -ENOENT;
    }
    t.defaults_file = geoha_param_str(az->ctx, P_DEFAULTS_FILE);
    t.host = hp.host;
    t.port = hp.port;
    /* issue 17 item 1: Azure's servers require TLS; verified by default */
    t.tls_required =
        geoha_streq(geoha_param_str(az->ctx, P_SQL_TLS), SQL_TLS_VERIFY);
    return geoha_sql_connect(&t, d, why, why_size, c);
}

const char *
az_sqlstate_text(enum sqlstate s)
{
    switch (s) {
    case SQL_REFUSED:
        return "refuses connections";
    case SQL_READ_ONLY:
        return "read-only";
    case SQL_WRITABLE:
        return "writable";
    case SQL_UNKNOWN:
        return "answers but cannot be asked";
    default:
        return "unreachable";
    }
}

/* How server i answers over SQL; *st (may be NULL) gets its status. */
enum sqlstate
az_sql_probe(struct az *az, size_t i, struct geoha_sql_status *st)
{
    struct geoha_deadline d =
        geoha_deadline_min(&az->ctx->deadline, PEER_SQL_MS);
    struct geoha_sql *c = NULL;
    struct geoha_sql_status tmp = { 0 };
    enum sqlstate r;
    char why[256] = "";
    int rc = az_sql_connect(az, i, &d, &c, why, sizeof(why));

    if (rc == GEOHA_E_NOT_RUNNING) {
        return SQL_REFUSED;
    }
    if (rc == -EHOSTUNREACH || rc == -ETIMEDOUT || rc == -ENOENT
        || rc == GEOHA_E_CONFIG) {
        return SQL_UNREACHABLE; /* nothing answered, or nowhere to ask */
    }
    if (rc != 0 || geoha_sql_status_get(c, &tmp) != 0) {
        geoha_debug("Server '%s' answers but cannot be asked | why='%s'",
                    az->s[i].name, rc != 0 ? why : geoha_sql_error(c));
        geoha_sql_close(c);
        return SQL_UNKNOWN;
    }
    r = tmp.read_only ? SQL_READ_ONLY : SQL_WRITABLE;
    if (st != NULL) {
        *st = tmp;
    } else {
        geoha_sql_status_clear(&tmp);
    }
    geoha_sql_close(c);
    return r;
}

/*
 * read_only on server i: over SQL first (SUPER or the like is needed,
 * which Azure's admin account lacks), else the read_only server parameter
 * through ARM, bounded by d.
 */
static int
ro_config_path(const struct az *az, size_t i, char *path, size_t size)
{
    return geoha_snprintf(path, size, "%s/configurations/read_only",
                          az->s[i].path);
}

/*
 * The read_only server parameter of server i, through ARM. Unlike SET
 * GLOBAL it outlives a restart: a former writer that is started again
 * (by an admin, by Azure's own automatic start of a long-stopped server,
 * by a reseed) comes back read-only.
 */
int
az_arm_read_only(struct az *az, size_t i, bool on,
                 const struct geoha_deadline *d)
{
    char path[GEOHA_ARM_PATH_MAX];
    json_t *body;
    int rc;

    if (ro_config_path(az, i, path, sizeof(path)) != 0) {
        return -ENOSPC;
    }
    body = json_pack("{s:{s:s, s:s}}", "properties", "value", on ? "ON" : "OFF",
                     "source", "user-override");
    if (body == NULL) {
        return -ENOMEM;
    }
    rc = geoha_arm_call(az->arm, GEOHA_ARM_PATCH, path, AZ_API_VERSION, body, d,
                        NULL);
    json_decref(body);
    return rc;
}

int
az_set_read_only(struct az *az, size_t i, bool on, bool arm_too,
                 const struct geoha_deadline *d, const char **how)
{
    struct geoha_sql *c = NULL;
    char why[256] = "";
    int rc = az_sql_connect(az, i, d, &c, why, sizeof(why));

    if (rc == 0) {
        rc = geoha_sql_set_read_only(c, on, d);
        geoha_sql_close(c);
        if (rc == 0) {
            *how = "sql";
            return 0;
        }
    }
    if (!arm_too || rc == GEOHA_E_NOT_RUNNING) {
        return rc;
    }
    rc = az_arm_read_only(az, i, on, d);
    if (rc != 0) {
        geoha_warn("Cannot set read_only through ARM either | server='%s' "
                   "reason='%s'",
                   az->s[i].name, geoha_arm_why(az->arm, rc));
        return rc;
    }
    *how = "arm";
    return 0;
}

/*
 * The quorum guard's close: this region's server read-only over SQL, one
 * try, no ARM (Azure's API may be what is gone). Azure's admin account
 * may not be allowed SET GLOBAL read_only; the Drupal include's own guard
 * is then what stops the writes. Always 0, *how says what happened.
 */
int
geoha__mysql_azure_guard_close(struct geoha_ctx *ctx, const char **how)
{
    struct az az;
    int rc;

    if (az_setup(ctx, &az) != OCF_SUCCESS) {
        *how = "unconfigured";
        return 0;
    }
    rc = az_set_read_only(&az, az.me, true, false, &ctx->deadline, how);
    if (rc == GEOHA_E_NOT_RUNNING) {
        *how = "not-running";
    } else if (rc != 0) {
        geoha_warn("Quorum guard: server '%s' could not be made read-only "
                   "over SQL (Azure's admin account may lack the right); "
                   "the Drupal include's guard keeps Drupal from writing | "
                   "reason='%s'",
                   me(&az)->name, geoha_strerror(rc));
        *how = "sql-refused-or-unreachable";
    }
    return 0;
}

/* ---- marker, marks, scores, decisions ---- */

int
az_marker_read(const struct az *az, struct marker *m)
{
    return geoha__mysql_marker_read(az->marker_path, m);
}

int
az_marker_write(const struct az *az, const struct marker *m)
{
    return geoha__mysql_marker_write(az->marker_path, m);
}

void
az_set_score(const struct az *az, const char *score)
{
    geoha__mysql_set_score(az->ctx, score);
}

bool
az_marked(const struct az *az)
{
    return access(az->mark_path, F_OK) == 0;
}

/*
 * Mark this node's server diverged-or-stale: a report in state_dir (kept
 * until reseed) and the node attribute RSC-reseed-needed. Not on probes.
 */
void
az_mark_set(struct az *az, const char *kind, const char *writer,
            const char *why)
{
    const char *state = geoha_param_str(az->ctx, P_STATE_DIR);
    bool changed = false;
    char when[32];

    az_set_score(az, NULL);
    if (az->ctx->probe) {
        return;
    }
    if (!az_marked(az)) {
        json_t *j;
        char *text = NULL;

        geoha__mysql_iso_time(when, sizeof(when));
        j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "time", when, "node",
                      az->ctx->node, "server", me(az)->name, "state", kind,
                      "writer", str_or(writer, ""), "why", why);
        if (j != NULL) {
            text = json_dumps(j, JSON_INDENT(2));
        }
        json_decref(j);
        geoha_dir_ensure(state, 0700);
        if (text == NULL
            || geoha_file_replace(az->mark_path, text, strlen(text), (uid_t)-1,
                                  (gid_t)-1, 0600)
                   != 0) {
            geoha_err("Cannot write the reseed mark | path='%s'",
                      az->mark_path);
        }
        free(text);
    }
    geoha_attr_update(GEOHA_ATTR_TRANSIENT, az->ctx->node, az->attr_reseed,
                      kind, &az->ctx->deadline, &changed);
    if (changed) {
        geoha_warn("This node's server is %s: not promotable until an admin "
                   "runs the reseed action | server='%s' writer='%s' "
                   "why='%s' mark='%s'",
                   kind, me(az)->name, str_or(writer, ""), why, az->mark_path);
    }
}

void
az_mark_clear(struct az *az)
{
    if (az->ctx->probe) {
        return;
    }
    if (unlink(az->mark_path) == 0) {
        geoha_notice("The reseed mark is cleared | server='%s'", me(az)->name);
    }
    geoha_attr_update(GEOHA_ATTR_TRANSIENT, az->ctx->node, az->attr_reseed,
                      NULL, &az->ctx->deadline, NULL);
}

void
az_record_decision(const struct az *az, json_t *j)
{
    geoha__mysql_record_decision(az->ctx, az->decisions_path, j);
}

/* This node's server through ARM; OCF_ERR_GENERIC with the reason set
 * when ARM cannot tell. */
int
az_read_me(struct az *az)
{
    int rc = az_server_get(az, az->me, &az->ctx->deadline);

    if (rc != 0) {
        geoha_exit_reason("Cannot read server '%s' through ARM: %s",
                          me(az)->name, geoha_arm_why(az->arm, rc));
        return OCF_ERR_GENERIC;
    }
    return OCF_SUCCESS;
}
