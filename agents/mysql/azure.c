/*
 * ocf:geoha:mysql backend=azure — Azure Database for MySQL Flexible Server.
 *
 * The role lives in Azure, not on the VM: the instance on node X speaks for
 * the flexible server servers[X], read and changed through Azure Resource
 * Manager (ARM) and checked over SQL (defaults_file; TLS through ssl-ca in
 * that file). SQL goes to endpoints[X] when endpoints is set, else to the
 * server's fullyQualifiedDomainName on port 3306.
 *
 * Azure's facts that shape it: promotion is a one-way PATCH
 * (replicationRole None) that turns a replica into a standalone server for
 * good and takes minutes; a standalone server can never become a replica
 * again, it can only be deleted and re-created as one (a full copy).
 *
 *   monitor  ARM (state, replicationRole) plus SQL (read_only, replica
 *            status, lag, GTID sets). Promoted: the server must be
 *            standalone and writable. Unpromoted replica: replicating,
 *            score from currency exactly as the native backend. Unpromoted
 *            standalone: the writer (it has replicas, or it is the only
 *            running standalone server) scores SCORE_WRITER so Pacemaker
 *            promotes it rather than turning a replica standalone;
 *            otherwise it is a former writer: diverged-or-stale, never
 *            promotable, node attribute RSC-reseed-needed and a mark in
 *            state_dir (mysql-RSC.reseed) until the admin reseeds it. That
 *            state is reported but is not a failure (OCF_SUCCESS): it is
 *            the normal state after every failover.
 *   promote  (a) refuses while this server is marked diverged-or-stale;
 *            (b) asks every other standalone server over SQL: a writable
 *            one is made read-only when it can be (planned switchover:
 *            its final position is then known), or promote refuses with
 *            old_writer_action=none; (c) waits, bounded, until this
 *            replica applied everything it received and the old writer's
 *            final position (S3); (d) applies old_writer_action to the
 *            former writer through ARM (for stop: its read_only server
 *            parameter first, so that it never starts again writable)
 *            and checks over SQL that it no
 *            longer takes writes (S1) — a former writer that ARM cannot
 *            reach (region down) and that does not answer over SQL is left
 *            to quorum and fencing (S2); one that still answers writable
 *            stops the promotion; (e) PATCHes replicationRole None and
 *            follows the operation within the deadline; (f) proves a
 *            write over SQL; (g) appends a JSON line to
 *            state_dir/mysql-RSC-decisions.jsonl.
 *            Every step can be repeated: a promote that ran out of time
 *            leaves Azure's operation running and the next promote waits
 *            for it and carries on; an already promoted server succeeds.
 *   demote, stop
 *            cannot turn the server back into a replica. Drupal on this
 *            node is already failing closed by then (the drupal clone is
 *            ordered after the promotion and stopped first); demote makes
 *            the server read-only where the account may (SQL, else the
 *            read_only server parameter through ARM; a failure is only
 *            logged: promote's old_writer_action is what S1 relies on),
 *            records and publishes its final GTID position (RSC-final-gtid)
 *            for a lossless switchover, and leaves the server running.
 *   reseed   (hidden; failback) run by the admin on the stale node:
 *            reports any transaction the stale server holds that the
 *            writer lacks (refusing unless GEOHA_RESEED_DISCARD_ERRANT=yes
 *            is set: S4; a stopped server is never started to look, as it
 *            would start writable beside the writer, so it needs that
 *            consent too), deletes the server and re-creates it as a
 *            replica of the current writer (PUT createMode Replica),
 *            waits for it and clears the mark. Run it with the resource's
 *            parameters in the environment, e.g.
 *              OCF_ROOT=/usr/lib/ocf OCF_RESOURCE_INSTANCE=db \
 *              OCF_RESKEY_backend=azure OCF_RESKEY_servers='ci=.. si=..' \
 *              OCF_RESKEY_subscription=.. OCF_RESKEY_resource_group=.. \
 *              OCF_RESKEY_CRM_meta_timeout=7200000 \
 *              /usr/lib/ocf/resource.d/geoha/mysql reseed
 *            then "crm resource cleanup db".
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

#include "backend.h"
#include "common.h"

#define AZ_PROVIDER "Microsoft.DBforMySQL/flexibleServers"
#define AZ_API_VERSION "2024-12-30"
#define AZ_SQL_PORT 3306

#define ROLE_REPLICA "Replica"
#define STATE_READY "Ready"
#define STATE_STOPPED "Stopped"
#define STATE_UPDATING "Updating"

#define ATTR_RESEED_SUFFIX "-reseed-needed"
#define ATTR_FINAL_SUFFIX "-final-gtid"
#define MARK_STALE "stale"
#define MARK_DIVERGED "diverged"

/* The admin's consent to drop a stale server's extra transactions. */
#define ENV_RESEED_DISCARD "GEOHA_RESEED_DISCARD_ERRANT"

/* Time budgets, all inside the operation's deadline. */
#define PEER_SQL_MS 4000            /* asking another server over SQL */
#define OLD_WRITER_MAX_MS 180000    /* stopping or cutting off the old writer */
#define LRO_RESERVE_MAX_MS 240000   /* kept for the PATCH's operation */
#define VERIFY_RESERVE_MAX_MS 30000 /* kept for the write check */
#define READ_ONLY_ARM_MAX_MS 60000  /* read_only through ARM (demote) */
#define STATE_POLL_MS 2000          /* polling a server's state */
/* issue 16: each promoted monitor's try at a former writer not yet closed */
#define CLOSE_PENDING_MAX_MS 8000
#define CLOSE_PENDING_PROBE_MS 1000 /* its SQL address, its ARM read */
/*
 * issue 18: a promotion that failed for a transient reason is tried again
 * inside the promote's own deadline (the PATCH's share of the operation's
 * timeout, OCF_RESKEY_CRM_meta_timeout), waiting this long first, twice as
 * long each time up to the maximum. An attempt needs at least
 * PROMOTE_TRY_MIN_MS left to be worth starting.
 */
#define PROMOTE_RETRY_FIRST_MS 1000
#define PROMOTE_RETRY_MAX_MS 30000
#define PROMOTE_TRY_MIN_MS 3000

const char *const geoha__mysql_sql_tls_choices[] = { SQL_TLS_VERIFY,
                                                     SQL_TLS_FILE, NULL };

const char *const geoha__mysql_old_writer_actions[] = { OLD_WRITER_STOP,
                                                        OLD_WRITER_FIREWALL,
                                                        OLD_WRITER_NONE, NULL };

/* One flexible server as ARM last showed it. */
struct server {
    const char *node; /* its node in servers */
    const char *name;
    char path[GEOHA_ARM_PATH_MAX];
    bool known;       /* ARM answered */
    bool gone;        /* ARM said it does not exist */
    bool unreachable; /* ARM could not be asked in time */
    char state[32];
    char role[32];
    char source[GEOHA_ARM_PATH_MAX]; /* sourceServerResourceId or "" */
    char location[64];
    char fqdn[GEOHA_HOST_MAX];
};

struct az {
    struct geoha_ctx *ctx;
    char base[128]; /* the resource id without ":N" */
    const char *sub;
    const char *rg;
    size_t n;
    size_t me;
    struct server s[GEOHA_MAP_ENTRIES];
    struct geoha_arm_client *arm;
    char marker_path[PATH_MAX];
    char mark_path[PATH_MAX];    /* diverged-or-stale (persistent) */
    char pending_path[PATH_MAX]; /* an unfinished reseed */
    char final_path[PATH_MAX];
    char decisions_path[PATH_MAX];
    char attr_reseed[192];
    char attr_final[192];
};

/* ---- small helpers ---- */

static struct server *
me(struct az *az)
{
    return &az->s[az->me];
}

static bool
standalone(const struct server *s)
{
    return s->known && !s->gone && !geoha_streq_ci(s->role, ROLE_REPLICA);
}

/* Whether the server runs (may take connections) as far as ARM knows. */
static bool
running(const struct server *s)
{
    static const char *const down[] = { "Stopped", "Stopping", "Dropping",
                                        "Disabled" };

    if (!s->known || s->gone) {
        return false;
    }
    for (size_t i = 0; i < sizeof(down) / sizeof(down[0]); i++) {
        if (geoha_streq_ci(s->state, down[i])) {
            return false;
        }
    }
    return true;
}

/* Whether server a is a replica of server b. */
static bool
replica_of(const struct server *a, const struct server *b)
{
    return a->known && !a->gone && geoha_streq_ci(a->role, ROLE_REPLICA)
           && geoha_streq_ci(a->source, b->path);
}

static struct geoha_deadline
sub_deadline(const struct az *az, int64_t max_ms, int64_t div)
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
static int
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

static int
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

static int
az_open(struct az *az)
{
    return geoha_arm_ocf_open(az->ctx, &az->arm);
}

/* Setup and client; *rc_out is the OCF code on failure. */
static bool
az_begin(struct geoha_ctx *ctx, struct az *az, int *rc_out)
{
    int rc = az_setup(ctx, az);

    if (rc == OCF_SUCCESS) {
        rc = az_open(az);
    }
    *rc_out = rc;
    return rc == OCF_SUCCESS;
}

static void
az_end(struct az *az)
{
    geoha_arm_client_free(az->arm);
    az->arm = NULL;
}

/* ---- servers through ARM ---- */

static void
copy_field(char *dst, size_t size, const json_t *j, const char *dotted)
{
    const char *v = geoha_arm_json_str(j, dotted);

    if (v == NULL || geoha_strlcpy(dst, v, size) != 0) {
        dst[0] = '\0';
    }
}

static int
server_get(struct az *az, size_t i, const struct geoha_deadline *d)
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
    copy_field(s->state, sizeof(s->state), j, "properties.state");
    copy_field(s->role, sizeof(s->role), j, "properties.replicationRole");
    copy_field(s->source, sizeof(s->source), j,
               "properties.sourceServerResourceId");
    copy_field(s->fqdn, sizeof(s->fqdn), j,
               "properties.fullyQualifiedDomainName");
    {
        char loc[sizeof(s->location)];

        copy_field(loc, sizeof(loc), j, "location");
        if (loc[0] != '\0') {
            memcpy(s->location, loc, sizeof(loc));
        }
    }
    json_decref(j);
    s->known = true;
    return 0;
}

/* Read every other server, each bounded by a short deadline. */
static void
others_get(struct az *az)
{
    for (size_t i = 0; i < az->n; i++) {
        struct geoha_deadline d;
        int rc;

        if (i == az->me) {
            continue;
        }
        d = sub_deadline(az, geoha_param_int(az->ctx, P_REGION_TIMEOUT) * 1000,
                         6);
        rc = server_get(az, i, &d);
        if (rc != 0) {
            geoha_warn("Cannot read a server through ARM | server='%s' "
                       "node=%s reason='%s'",
                       az->s[i].name, az->s[i].node,
                       geoha_arm_why(az->arm, rc));
        }
    }
}

/* Poll the server until no operation runs on it (state not Updating). */
static int
server_wait_settled(struct az *az, size_t i, const struct geoha_deadline *d)
{
    for (;;) {
        int rc = server_get(az, i, d);

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

static int
sql_connect(struct az *az, size_t i, const struct geoha_deadline *d,
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

/*
 * How a server answers over SQL, from "nothing" up. SQL_UNKNOWN: it is
 * alive (it answers the connection) but cannot be asked whether it takes
 * writes: our login is refused, it has too many connections, it breaks off
 * the handshake. For S1 that is "may be writable", never "gone".
 */
enum sqlstate {
    SQL_UNREACHABLE, /* no route, no name, no answer in time */
    SQL_REFUSED,     /* connection refused: the server is not running */
    SQL_UNKNOWN,
    SQL_READ_ONLY,
    SQL_WRITABLE,
};

static const char *
sqlstate_text(enum sqlstate s)
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
static enum sqlstate
sql_probe(struct az *az, size_t i, struct geoha_sql_status *st)
{
    struct geoha_deadline d =
        geoha_deadline_min(&az->ctx->deadline, PEER_SQL_MS);
    struct geoha_sql *c = NULL;
    struct geoha_sql_status tmp = { 0 };
    enum sqlstate r;
    char why[256] = "";
    int rc = sql_connect(az, i, &d, &c, why, sizeof(why));

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
static int
arm_read_only(struct az *az, size_t i, bool on, const struct geoha_deadline *d)
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

static int
set_read_only(struct az *az, size_t i, bool on, bool arm_too,
              const struct geoha_deadline *d, const char **how)
{
    struct geoha_sql *c = NULL;
    char why[256] = "";
    int rc = sql_connect(az, i, d, &c, why, sizeof(why));

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
    rc = arm_read_only(az, i, on, d);
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
static int
geoha__mysql_azure_guard_close(struct geoha_ctx *ctx, const char **how)
{
    struct az az;
    int rc;

    if (az_setup(ctx, &az) != OCF_SUCCESS) {
        *how = "unconfigured";
        return 0;
    }
    rc = set_read_only(&az, az.me, true, false, &ctx->deadline, how);
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

static int
marker_read(const struct az *az, struct marker *m)
{
    return geoha__mysql_marker_read(az->marker_path, m);
}

static int
marker_write(const struct az *az, const struct marker *m)
{
    return geoha__mysql_marker_write(az->marker_path, m);
}

static void
set_score(const struct az *az, const char *score)
{
    geoha__mysql_set_score(az->ctx, score);
}

static bool
marked(const struct az *az)
{
    return access(az->mark_path, F_OK) == 0;
}

/*
 * Mark this node's server diverged-or-stale: a report in state_dir (kept
 * until reseed) and the node attribute RSC-reseed-needed. Not on probes.
 */
static void
mark_set(struct az *az, const char *kind, const char *writer, const char *why)
{
    const char *state = geoha_param_str(az->ctx, P_STATE_DIR);
    bool changed = false;
    char when[32];

    set_score(az, NULL);
    if (az->ctx->probe) {
        return;
    }
    if (!marked(az)) {
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

static void
mark_clear(struct az *az)
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

static void
record_decision(const struct az *az, json_t *j)
{
    geoha__mysql_record_decision(az->ctx, az->decisions_path, j);
}

/* ---- who is the writer ---- */

enum verdict {
    V_WRITER,   /* the writer: promotable first */
    V_IDLE,     /* one of several standalone servers; holds all they hold */
    V_STALE,    /* a former writer */
    V_DIVERGED, /* holds transactions the writer lacks */
    V_UNKNOWN,  /* cannot tell now */
    V_DOWN,     /* stopped, and no other server writes */
};

/*
 * For a standalone server here (others read already): is it the writer
 * or a former one? *writer receives the other server's index, or -1.
 */
static enum verdict
judge_standalone(struct az *az, int *writer, char *why, size_t why_size)
{
    struct server *m = me(az);
    bool has_replicas = false, unknown = false;
    int other = -1;
    char node[GEOHA_NODE_MAX];
    struct geoha_sql_status mine = { 0 };
    enum verdict v;

    *writer = -1;
    for (size_t i = 0; i < az->n; i++) {
        if (i == az->me) {
            continue;
        }
        if (!az->s[i].known) {
            unknown = true;
        } else if (replica_of(&az->s[i], m)) {
            has_replicas = true;
        } else if (standalone(&az->s[i]) && running(&az->s[i])) {
            other = (int)i;
        }
    }
    if (!running(m)) {
        if (other >= 0) {
            *writer = other;
            geoha_snprintf(why, why_size,
                           "it is stopped and server '%s' is standalone",
                           az->s[other].name);
            return V_STALE;
        }
        geoha_snprintf(why, why_size, "it is stopped (state %s)", m->state);
        return V_DOWN;
    }
    if (has_replicas || (other < 0 && !unknown)) {
        return V_WRITER;
    }
    if (other < 0) {
        geoha_snprintf(why, why_size, "another server cannot be read");
        return V_UNKNOWN;
    }
    /* the cluster knows the writer when one is promoted */
    if (geoha__mysql_cluster_writer(az->base, &az->ctx->deadline, node) == 0
        && strcmp(node, az->ctx->node) != 0) {
        for (size_t i = 0; i < az->n; i++) {
            if (i != az->me && strcmp(az->s[i].node, node) == 0
                && standalone(&az->s[i])) {
                *writer = (int)i;
                geoha_snprintf(why, why_size,
                               "node %s holds the writer role on standalone "
                               "server '%s'",
                               node, az->s[i].name);
                return V_STALE;
            }
        }
    }
    /* nobody promoted, several standalone servers: compare what they hold */
    if (sql_probe(az, az->me, &mine) < SQL_READ_ONLY) {
        geoha_snprintf(why, why_size, "it does not answer over SQL");
        return V_UNKNOWN;
    }
    v = V_IDLE;
    for (size_t i = 0; i < az->n && v == V_IDLE; i++) {
        struct geoha_sql_status ps = { 0 };
        bool sub = false, super = false;

        if (i == az->me || !standalone(&az->s[i]) || !running(&az->s[i])) {
            continue;
        }
        if (sql_probe(az, i, &ps) < SQL_READ_ONLY) {
            geoha_snprintf(why, why_size, "server '%s' does not answer",
                           az->s[i].name);
            v = V_UNKNOWN;
            continue;
        }
        if (geoha_gtid_text_subset(mine.gtid_state, ps.gtid_state, &sub) != 0
            || geoha_gtid_text_subset(ps.gtid_state, mine.gtid_state, &super)
                   != 0) {
            geoha_snprintf(why, why_size, "cannot compare GTID sets with '%s'",
                           az->s[i].name);
            v = V_UNKNOWN;
        } else if (!super) {
            *writer = (int)i;
            geoha_snprintf(why, why_size,
                           "server '%s' holds transactions it lacks | "
                           "local='%s' other='%s'",
                           az->s[i].name, mine.gtid_state, ps.gtid_state);
            v = sub ? V_STALE : V_DIVERGED;
        }
        geoha_sql_status_clear(&ps);
    }
    geoha_sql_status_clear(&mine);
    return v;
}

/* ---- monitor ---- */

static int
monitor_replica(struct az *az, struct marker *mk)
{
    struct geoha_ctx *ctx = az->ctx;
    struct geoha_sql *c = NULL;
    struct geoha_sql_status st = { 0 };
    struct geoha_sql_replica r = { 0 };
    long long max_lag = geoha_param_int(ctx, P_MAX_LAG);
    char why[256] = "";
    int ocf; /* the OCF exit code */
    int rc;  /* a library result */

    if (marked(az)) {
        mark_clear(az); /* a replica is not stale: it was reseeded */
    }
    rc = sql_connect(az, az->me, &ctx->deadline, &c, why, sizeof(why));
    if (rc == GEOHA_E_NOT_RUNNING) {
        set_score(az, NULL);
        geoha_exit_reason("The replica refuses connections (%s)", why);
        return OCF_NOT_RUNNING;
    }
    if (rc != 0) {
        set_score(az, NULL);
        geoha_exit_reason("The replica does not answer over SQL: %s", why);
        return OCF_ERR_GENERIC;
    }
    rc = geoha_sql_status_get(c, &st);
    if (rc == 0) {
        rc = geoha_sql_replica_status(c, &r);
    }
    if (rc != 0) {
        geoha_exit_reason("Cannot read the replica's state: %s",
                          geoha_sql_error(c));
        ocf = OCF_ERR_GENERIC;
        goto done;
    }
    ocf = OCF_SUCCESS;
    if (!st.read_only) {
        set_score(az, NULL);
        geoha_exit_reason("Azure shows a replica, but the server is writable");
        ocf = OCF_ERR_GENERIC;
    } else if (!r.configured) {
        set_score(az, NULL);
        if (!geoha_streq_ci(me(az)->state, STATE_UPDATING)) {
            geoha_exit_reason("Azure shows a replica, but the server does "
                              "not replicate");
            ocf = OCF_ERR_GENERIC;
        }
    } else if (r.sql != GEOHA_SQL_THREAD_YES) {
        set_score(az, NULL);
        if (r.sql_errno != 0) {
            geoha_exit_reason("Replication SQL thread stopped on error %u: %s",
                              r.sql_errno, r.sql_error);
        } else {
            geoha_exit_reason("Replication SQL thread is not running");
        }
        ocf = OCF_ERR_GENERIC;
    } else {
        struct geoha_replica_facts f;
        struct geoha_replica_score score;
        bool untimed = false;

        if (r.io == GEOHA_SQL_THREAD_YES) {
            if (mk->io_lost_ms != 0 && !ctx->probe) {
                mk->io_lost_ms = 0;
                rc = marker_write(az, mk);
                if (rc != 0) {
                    /* the old time stays: a later loss looks older than
                     * it is, which only ends promotability sooner */
                    geoha_warn("Cannot clear when replication was lost in "
                               "the state file | path='%s' reason='%s'",
                               az->marker_path, geoha_strerror(rc));
                }
            }
        } else if (mk->io_lost_ms == 0 && !ctx->probe) {
            mk->io_lost_ms = geoha_wall_ms();
            geoha_warn("Replication lost its writer | io_errno=%u "
                       "io_error='%s'",
                       r.io_errno, r.io_error);
            rc = marker_write(az, mk);
            if (rc != 0) {
                geoha_warn("Cannot record when replication was lost in the "
                           "state file, so this replica is not promotable "
                           "| path='%s' reason='%s'",
                           az->marker_path, geoha_strerror(rc));
                untimed = true;
            }
        }
        /*
         * The native backend's facts, with two differences: semi-sync is
         * not the agent's to arm on Azure (the cut-off is max_lag), and a
         * writer that refuses this replica is not judged apart (Azure
         * manages the replication account).
         */
        f = (struct geoha_replica_facts){
            .io_running = r.io == GEOHA_SQL_THREAD_YES,
            .lag_s = r.lag_s,
            .max_lag_s = max_lag,
            .lost_for_ms =
                mk->io_lost_ms != 0 ? geoha_wall_ms() - mk->io_lost_ms : 0,
            .lost_untimed = untimed,
            .cutoff_ms = max_lag * 1000,
            .received = r.received,
            .applied = st.gtid_pos,
            .notation = geoha_sql_flavour(c) == GEOHA_SQL_MARIADB
                            ? GEOHA_GTID_MARIADB
                            : GEOHA_GTID_MYSQL,
        };
        score = geoha__mysql_replica_score(&f);
        if (!score.keep) {
            set_score(az, score.score);
        }
        if (score.verdict == GEOHA_REPLICA_PAST_MAX_LAG) {
            geoha_info("Replica is past max_lag: not promotable | lag_s=%lld "
                       "max_lag=%lld",
                       r.lag_s, max_lag);
        }
    }
done:
    geoha_sql_replica_clear(&r);
    geoha_sql_status_clear(&st);
    geoha_sql_close(c);
    return ocf;
}

/*
 * This node's server is a former writer marked for reseed (its data is
 * behind or beside the writer's): if it takes writes, make it read-only
 * over SQL. Nobody's settings point at it, but a region that returns
 * brings it back writable (issue 16), so the returning node closes it
 * as soon as it can, next to the writer's close-pending.
 */
static void
close_self(struct az *az)
{
    const char *how = "";
    struct geoha_deadline d;
    int rc;

    if (az->ctx->probe || !running(me(az))
        || sql_probe(az, az->me, NULL) != SQL_WRITABLE) {
        return;
    }
    d = geoha_deadline_min(&az->ctx->deadline, PEER_SQL_MS);
    rc = set_read_only(az, az->me, true, false, &d, &how);
    if (rc == 0) {
        geoha_warn("A former writer was writable; it is read-only now | "
                   "server='%s'",
                   me(az)->name);
    } else {
        geoha_err("A former writer is writable and could not be made "
                  "read-only | server='%s' error='%s'",
                  me(az)->name, geoha_strerror(rc));
    }
}

static int
monitor_standalone_unpromoted(struct az *az)
{
    char why[512] = "";
    int writer = -1;
    enum verdict v;

    if (marked(az)) {
        set_score(az, NULL);
        close_self(az);     /* e.g. back writable with its region */
        return OCF_SUCCESS; /* known and reported: waiting for reseed */
    }
    others_get(az);
    v = judge_standalone(az, &writer, why, sizeof(why));
    switch (v) {
    case V_WRITER:
        set_score(az, SCORE_WRITER);
        return OCF_SUCCESS;
    case V_IDLE:
        set_score(az, SCORE_IDLE);
        return OCF_SUCCESS;
    case V_STALE:
    case V_DIVERGED:
        mark_set(az, v == V_STALE ? MARK_STALE : MARK_DIVERGED,
                 writer >= 0 ? az->s[writer].name : NULL, why);
        close_self(az);
        return OCF_SUCCESS;
    case V_DOWN:
        set_score(az, NULL);
        geoha_exit_reason("The server is not running: %s", why);
        return OCF_NOT_RUNNING;
    default:
        set_score(az, NULL);
        geoha_info("Cannot tell whether this server is the writer | why='%s'",
                   why);
        return OCF_SUCCESS;
    }
}

static void close_pending(struct az *az);

static int
geoha__mysql_azure_monitor(struct geoha_ctx *ctx)
{
    struct az az;
    struct marker mk;
    struct geoha_sql *c = NULL;
    struct geoha_sql_status st = { 0 };
    char why[256] = "";
    int rc;

    rc = az_setup(ctx, &az);
    if (rc != OCF_SUCCESS) {
        return rc;
    }
    if (marker_read(&az, &mk) != 0) {
        geoha_exit_reason("Cannot read the state file '%s'", az.marker_path);
        return OCF_ERR_GENERIC;
    }
    if (mk.role == ROLE_NONE) {
        return OCF_NOT_RUNNING; /* not started here: nothing to ask */
    }
    rc = az_open(&az);
    if (rc != OCF_SUCCESS) {
        return rc;
    }
    rc = server_get(&az, az.me, &ctx->deadline);
    if (rc != 0) {
        /* Azure cannot be asked: judge by SQL only, change nothing */
        geoha_warn("Cannot read the server through ARM; judging by SQL only "
                   "| reason='%s'",
                   geoha_arm_why(az.arm, rc));
        if (mk.role != ROLE_PROMOTED) {
            rc = OCF_SUCCESS;
            goto done;
        }
        az.s[az.me].known = false;
    } else if (me(&az)->gone) {
        set_score(&az, NULL);
        if (marked(&az) && mk.role != ROLE_PROMOTED) {
            rc = OCF_SUCCESS; /* being reseeded */
            goto done;
        }
        geoha_exit_reason("Server '%s' does not exist in Azure", me(&az)->name);
        rc = mk.role == ROLE_PROMOTED ? OCF_FAILED_PROMOTED : OCF_NOT_RUNNING;
        goto done;
    }
    if (mk.role == ROLE_PROMOTED) {
        if (me(&az)->known && !standalone(me(&az))) {
            geoha_exit_reason("Promoted, but Azure shows server '%s' as a "
                              "replica",
                              me(&az)->name);
            rc = OCF_FAILED_PROMOTED;
            goto done;
        }
        if (me(&az)->known && !running(me(&az))) {
            geoha_exit_reason("Promoted, but server '%s' is %s", me(&az)->name,
                              me(&az)->state);
            rc = OCF_FAILED_PROMOTED;
            goto done;
        }
        rc = sql_connect(&az, az.me, &ctx->deadline, &c, why, sizeof(why));
        if (rc == 0) {
            rc = geoha_sql_status_get(c, &st);
            if (rc != 0) {
                geoha_snprintf(why, sizeof(why), "%s", geoha_sql_error(c));
            }
        }
        if (rc != 0) {
            geoha_exit_reason("The writer does not answer over SQL: %s", why);
            rc = OCF_FAILED_PROMOTED;
            goto done;
        }
        if (st.read_only) {
            geoha_exit_reason("Promoted, but the server is read-only");
            rc = OCF_FAILED_PROMOTED;
            goto done;
        }
        set_score(&az, SCORE_WRITER);
        if (!ctx->probe) {
            close_pending(&az);
        }
        rc = OCF_RUNNING_PROMOTED;
        goto done;
    }
    if (standalone(me(&az))) {
        rc = monitor_standalone_unpromoted(&az);
    } else if (!running(me(&az))) {
        set_score(&az, NULL);
        geoha_exit_reason("The replica is %s", me(&az)->state);
        rc = OCF_NOT_RUNNING;
    } else {
        rc = monitor_replica(&az, &mk);
    }
done:
    geoha_sql_status_clear(&st);
    geoha_sql_close(c);
    az_end(&az);
    return rc;
}

/* ---- start / stop / demote / notify ---- */

/* This node's server through ARM; OCF_ERR_GENERIC with the reason set
 * when ARM cannot tell. */
static int
read_me(struct az *az)
{
    int rc = server_get(az, az->me, &az->ctx->deadline);

    if (rc != 0) {
        geoha_exit_reason("Cannot read server '%s' through ARM: %s",
                          me(az)->name, geoha_arm_why(az->arm, rc));
        return OCF_ERR_GENERIC;
    }
    return OCF_SUCCESS;
}

static int
geoha__mysql_azure_start(struct geoha_ctx *ctx)
{
    struct az az;
    struct marker mk = { .role = ROLE_UNPROMOTED };
    int rc;

    if (!az_begin(ctx, &az, &rc)) {
        return rc;
    }
    rc = read_me(&az);
    if (rc != OCF_SUCCESS) {
        goto done;
    }
    if (me(&az)->gone) {
        geoha_exit_reason("Server '%s' does not exist in Azure%s",
                          me(&az)->name,
                          access(az.pending_path, F_OK) == 0
                              ? "; a reseed is unfinished: run it again"
                              : "");
        rc = OCF_ERR_GENERIC;
        goto done;
    }
    if (standalone(me(&az)) && !marked(&az)) {
        char why[512] = "";
        int writer = -1;
        enum verdict v;

        others_get(&az);
        v = judge_standalone(&az, &writer, why, sizeof(why));
        if (v == V_STALE || v == V_DIVERGED) {
            mark_set(&az, v == V_STALE ? MARK_STALE : MARK_DIVERGED,
                     writer >= 0 ? az.s[writer].name : NULL, why);
        }
    }
    if (standalone(me(&az)) && marked(&az)) {
        close_self(&az);
    } else if (!standalone(me(&az)) && marked(&az)) {
        mark_clear(&az);
    }
    rc = marker_write(&az, &mk);
    if (rc != 0) {
        geoha_exit_reason("Cannot write the state file '%s': %s",
                          az.marker_path, geoha_strerror(rc));
        rc = OCF_ERR_GENERIC;
        goto done;
    }
    geoha_notice("Started | server='%s' role=%s state=%s%s", me(&az)->name,
                 str_or(me(&az)->role, "?"), str_or(me(&az)->state, "?"),
                 marked(&az) ? " reseed-needed" : "");
    rc = OCF_SUCCESS;
done:
    az_end(&az);
    return rc;
}

/*
 * The writer steps down: read-only where possible, final position kept
 * and published. Never fails for it: see the header comment.
 */
static void
step_down(struct az *az)
{
    struct geoha_ctx *ctx = az->ctx;
    struct geoha_deadline d = sub_deadline(az, READ_ONLY_ARM_MAX_MS, 2);
    struct geoha_sql_status st = { 0 };
    const char *how = "";
    int rc;

    if (server_get(az, az->me, &d) != 0 || !standalone(me(az))
        || !running(me(az))) {
        return;
    }
    rc = set_read_only(az, az->me, true, true, &d, &how);
    if (rc != 0) {
        geoha_warn("Cannot make the server read-only; Drupal here already "
                   "fails closed and promote's %s stops it | reason='%s'",
                   P_OLD_WRITER_ACTION, geoha_strerror(rc));
        return;
    }
    if (sql_probe(az, az->me, &st) == SQL_READ_ONLY && st.gtid_pos != NULL) {
        /* the position is also published below */
        geoha__mysql_final_gtid_save(ctx, az->final_path, st.gtid_pos);
        if (st.gtid_pos[0] != '\0') {
            geoha_attr_update(GEOHA_ATTR_TRANSIENT, ctx->node, az->attr_final,
                              st.gtid_pos, &ctx->deadline, NULL);
        }
        geoha_notice("Read-only | how=%s final_gtid='%s'", how, st.gtid_pos);
    }
    geoha_sql_status_clear(&st);
}

static int
geoha__mysql_azure_demote(struct geoha_ctx *ctx)
{
    struct az az;
    struct marker was, mk = { .role = ROLE_UNPROMOTED };
    int rc;

    if (!az_begin(ctx, &az, &rc)) {
        return rc;
    }
    if (marker_read(&az, &was) == 0 && was.role == ROLE_PROMOTED) {
        step_down(&az);
    }
    rc = marker_write(&az, &mk);
    if (rc != 0) {
        geoha_exit_reason("Cannot write the state file '%s': %s",
                          az.marker_path, geoha_strerror(rc));
        az_end(&az);
        return OCF_ERR_GENERIC;
    }
    set_score(&az, NULL);
    geoha_notice("Demoted; the server is left as it is (Azure cannot make "
                 "it a replica again) | server='%s'",
                 me(&az)->name);
    az_end(&az);
    return OCF_SUCCESS;
}

static int
geoha__mysql_azure_stop(struct geoha_ctx *ctx)
{
    struct az az;
    struct marker was;
    int rc;

    rc = az_setup(ctx, &az);
    if (rc != OCF_SUCCESS) {
        return rc;
    }
    if (marker_read(&az, &was) == 0 && was.role == ROLE_PROMOTED
        && az_open(&az) == OCF_SUCCESS) {
        step_down(&az);
    }
    if (unlink(az.marker_path) != 0 && errno != ENOENT) {
        geoha_exit_reason("Cannot remove the state file '%s'", az.marker_path);
        az_end(&az);
        return OCF_ERR_GENERIC;
    }
    geoha_attr_update(GEOHA_ATTR_PROMOTION, ctx->node, ctx->rsc, NULL,
                      &ctx->deadline, NULL);
    az_end(&az);
    return OCF_SUCCESS;
}

static int
geoha__mysql_azure_notify(struct geoha_ctx *ctx)
{
    (void)ctx;
    return OCF_SUCCESS; /* nothing joins anything on Azure */
}

/* ---- promote ---- */

/*
 * issue 16: a former writer that could not be closed while its region was
 * down. When that region returns, Azure brings the server back as a
 * writable primary; the writer's monitor keeps trying until it is closed.
 * The mark is a file in state_dir naming the server, with the time.
 */
static int
close_pending_path(const struct az *az, size_t i, char *path, size_t size)
{
    return geoha_snprintf(path, size, "%s/mysql-%s-close-pending-%s",
                          geoha_param_str(az->ctx, P_STATE_DIR), az->base,
                          az->s[i].name);
}

static void
close_pending_set(struct az *az, size_t i)
{
    char path[PATH_MAX];
    char text[64];

    if (close_pending_path(az, i, path, sizeof(path)) == 0
        && geoha_snprintf(text, sizeof(text), "%lld\n",
                          (long long)geoha_wall_ms())
               == 0
        && geoha_dir_ensure(geoha_param_str(az->ctx, P_STATE_DIR), 0700) == 0
        && geoha_file_replace(path, text, strlen(text), (uid_t)-1, (gid_t)-1,
                              0600)
               == 0) {
        geoha_notice("The former writer stays marked for closing; the "
                     "writer's monitor keeps trying | server='%s' file='%s'",
                     az->s[i].name, path);
    }
}

static int old_writer_fence(struct az *az, size_t i,
                            const struct geoha_deadline *d, char *done,
                            size_t done_size);

/*
 * The writer's monitor: close every former writer still marked, within a
 * short budget (its region may still hang). SQL first (the fastest way to
 * stop writes where the admin account may), then old_writer_action
 * through ARM, which also sets its read_only parameter for later starts.
 */
static void
close_pending(struct az *az)
{
    for (size_t i = 0; i < az->n; i++) {
        char path[PATH_MAX];
        char done[768] = "";
        char *text = NULL;
        long long since = 0;
        struct geoha_deadline d;
        const char *how = "";
        int rc;

        if (i == az->me || close_pending_path(az, i, path, sizeof(path)) != 0
            || geoha_file_read(path, 64, &text, NULL) != 0) {
            continue;
        }
        geoha_strtrim(text);
        geoha_parse_ll(text, 0, INT64_MAX, &since);
        free(text);
        /* SQL first, briefly: it closes a server that is back at once */
        d = geoha_deadline_min(&az->ctx->deadline, CLOSE_PENDING_PROBE_MS);
        rc = set_read_only(az, i, true, false, &d, &how);
        if (rc == 0) {
            geoha_notice("A former writer answers again: read-only over SQL "
                         "| server='%s' marked_s_ago=%lld",
                         az->s[i].name,
                         (long long)((geoha_wall_ms() - since) / 1000));
        } else if (rc == -ETIMEDOUT || rc == -EHOSTUNREACH) {
            /*
             * Nothing answers at its address: its region is still away.
             * Not waiting for its ARM keeps this monitor short (the first
             * one after a promotion has the Drupal start waiting behind
             * it); the next monitor tries again.
             */
            geoha_debug("A former writer's region is still silent | "
                        "server='%s'",
                        az->s[i].name);
            continue;
        }
        /* then a short ARM read: a silent region costs little here */
        d = geoha_deadline_min(&az->ctx->deadline, CLOSE_PENDING_PROBE_MS);
        if (server_get(az, i, &d) != 0) {
            continue; /* its region still does not answer */
        }
        d = geoha_deadline_min(&az->ctx->deadline, CLOSE_PENDING_MAX_MS);
        rc = old_writer_fence(az, i, &d, done, sizeof(done));
        if (rc == 0 && strstr(done, "not done") == NULL) {
            unlink(path);
            geoha_notice("The former writer is closed | server='%s' "
                         "done='%s' marked_s_ago=%lld",
                         az->s[i].name, done,
                         (long long)((geoha_wall_ms() - since) / 1000));
        }
    }
}

/*
 * Make server i (a former writer) stop taking writes through ARM, then
 * check over SQL. *done describes what happened. GEOHA_E_UNSAFE when it
 * still takes writes.
 */
static int
old_writer_fence(struct az *az, size_t i, const struct geoha_deadline *d,
                 char *done, size_t done_size)
{
    const char *action = geoha_param_str(az->ctx, P_OLD_WRITER_ACTION);
    struct server *s = &az->s[i];
    enum sqlstate after;
    int rc = 0;

    if (geoha_streq(action, OLD_WRITER_NONE)) {
        geoha_snprintf(done, done_size, "none");
    } else if (s->unreachable) {
        rc = -ETIMEDOUT;
    } else if (geoha_streq(action, OLD_WRITER_STOP)) {
        char path[GEOHA_ARM_PATH_MAX];

        if (!running(s)) {
            geoha_snprintf(done, done_size, "already %s", s->state);
        } else if (geoha_snprintf(path, sizeof(path), "%s/stop", s->path)
                   != 0) {
            rc = -ENOSPC;
        } else {
            struct geoha_deadline rd =
                geoha_deadline_min(d, geoha_deadline_left_ms(d) / 3);
            int ro = arm_read_only(az, i, true, &rd);

            /* S1 beyond this promotion: started again later, it must not
             * come back writable beside the new writer */
            if (ro == 0) {
                geoha_notice("The former writer's read_only parameter is ON "
                             "(kept across restarts) | server='%s'",
                             s->name);
            } else {
                geoha_warn("Cannot set the former writer's read_only "
                           "parameter; stopping it all the same | "
                           "server='%s' reason='%s'",
                           s->name, geoha_arm_why(az->arm, ro));
            }
            geoha_notice("Stopping the former writer | server='%s' node=%s",
                         s->name, s->node);
            rc = geoha_arm_call(az->arm, GEOHA_ARM_POST, path, AZ_API_VERSION,
                                NULL, d, NULL);
            if (rc == GEOHA_E_REMOTE && geoha_arm_last_status(az->arm) == 409) {
                /* an operation runs on it (ours, from an earlier try?) */
                rc = server_wait_settled(az, i, d);
                if (rc == 0 && running(s)) {
                    rc = geoha_arm_call(az->arm, GEOHA_ARM_POST, path,
                                        AZ_API_VERSION, NULL, d, NULL);
                }
            }
            if (rc == 0) {
                geoha_snprintf(done, done_size, "stopped");
            }
        }
    } else { /* firewall */
        char path[GEOHA_ARM_PATH_MAX];
        json_t *rules = NULL;

        rc = geoha_snprintf(path, sizeof(path), "%s/firewallRules", s->path);
        if (rc == 0) {
            rc = geoha_arm_list(az->arm, path, AZ_API_VERSION, 0, d, &rules);
        }
        if (rc == 0 && json_array_size(rules) > 0) {
            char file[PATH_MAX], when[32];
            char *text = json_dumps(rules, JSON_INDENT(2));

            geoha__mysql_iso_time(when, sizeof(when));
            if (text != NULL
                && geoha_snprintf(file, sizeof(file),
                                  "%s/mysql-%s-firewall-%s-%s.json",
                                  geoha_param_str(az->ctx, P_STATE_DIR),
                                  az->base, s->name, when)
                       == 0) {
                rc = geoha_file_replace(file, text, strlen(text), (uid_t)-1,
                                        (gid_t)-1, 0600);
                if (rc == 0) {
                    geoha_notice("Saved the former writer's firewall rules "
                                 "| file='%s'",
                                 file);
                }
            }
            free(text);
        }
        for (size_t k = 0; rc == 0 && k < json_array_size(rules); k++) {
            const char *name =
                geoha_arm_json_str(json_array_get(rules, k), "name");
            char rpath[GEOHA_ARM_PATH_MAX];

            if (name == NULL || !geoha_arm_name_valid(name)
                || geoha_snprintf(rpath, sizeof(rpath), "%s/%s", path, name)
                       != 0) {
                rc = GEOHA_E_PROTOCOL;
                break;
            }
            rc = geoha_arm_call(az->arm, GEOHA_ARM_DELETE, rpath,
                                AZ_API_VERSION, NULL, d, NULL);
            if (rc == GEOHA_E_NOT_FOUND) {
                rc = 0;
            }
        }
        if (rc == 0) {
            geoha_snprintf(done, done_size, "firewall rules removed (%zu)",
                           json_array_size(rules));
        }
        json_decref(rules);
    }
    if (rc != 0) {
        int status = az->arm != NULL ? geoha_arm_last_status(az->arm) : 0;

        /* not done through ARM: is it still taking writes? */
        after = sql_probe(az, i, NULL);
        if (after == SQL_WRITABLE || after == SQL_UNKNOWN) {
            geoha_snprintf(done, done_size,
                           "%s failed (%s) and it still answers (%s)", action,
                           geoha_arm_why(az->arm, rc), sqlstate_text(after));
            return GEOHA_E_UNSAFE;
        }
        geoha_snprintf(done, done_size,
                       "%s not done (%s; HTTP %d); over SQL it %s: left to "
                       "quorum and fencing",
                       action, geoha_arm_why(az->arm, rc), status,
                       sqlstate_text(after));
        geoha_warn("Cannot reach the former writer through ARM | server='%s' "
                   "%s",
                   s->name, done);
        close_pending_set(az, i);
        return 0;
    }
    if (geoha_streq(action, OLD_WRITER_STOP)) {
        /* S1: it must be gone before the new writer takes writes */
        after = sql_probe(az, i, NULL);
        if (after >= SQL_UNKNOWN) {
            geoha_snprintf(done, done_size,
                           "stop reported done, but it still answers (%s)",
                           sqlstate_text(after));
            return after == SQL_READ_ONLY ? 0 : GEOHA_E_UNSAFE;
        }
    } else if (geoha_streq(action, OLD_WRITER_NONE)) {
        after = sql_probe(az, i, NULL);
        if (after == SQL_WRITABLE || after == SQL_UNKNOWN) {
            geoha_snprintf(done, done_size, "it answers (%s) and %s=%s",
                           sqlstate_text(after), P_OLD_WRITER_ACTION,
                           OLD_WRITER_NONE);
            return GEOHA_E_UNSAFE;
        }
    }
    return 0;
}

/*
 * ARM error codes that mean "try again later" (issue 18), whatever the
 * HTTP status that carried them: Azure's own server-side and busy codes,
 * and an operation that another one preempted or canceled.
 */
static const char *const retryable_codes[] = {
    "InternalServerError",
    "ServiceUnavailable",
    "ServerBusy",
    "ServerIsBusy",
    "TooManyRequests",
    "GatewayTimeout",
    "BadGateway",
    "RequestTimeout",
    "OperationTimedOut",
    "OperationTimeout",
    "Timeout",
    "RetryableError",
    "AnotherOperationInProgress",
    "OperationInProgress",
    "ServerNotReady",
    "OperationPreempted",
    "OperationCanceled",
    NULL,
};

/*
 * Whether a failed promotion (rc, with the client's last answer) is worth
 * repeating: no answer, a timeout, throttling or a server error (408, 429,
 * 5xx), an operation that ended Failed with a retryable code or without
 * any, an unreadable operation status, or Azure still showing a replica
 * after a success. Not: refused credentials or rights (401/403), a server
 * that does not exist, or a 4xx (400, 409, ...) or failed operation with a
 * code not in retryable_codes: Azure answered and said no.
 */
static bool
promote_transient(const struct az *az, int rc)
{
    const char *code = geoha_arm_last_code(az->arm);
    int status = geoha_arm_last_status(az->arm);

    switch (rc) {
    case GEOHA_E_STATE:
    case GEOHA_E_PROTOCOL:
    case GEOHA_E_PARSE:
        return true;
    case GEOHA_E_AUTH:
    case GEOHA_E_NOT_FOUND:
    case GEOHA_E_CONFIG:
    case GEOHA_E_INSECURE:
    case -ENOMEM:
        return false;
    default:
        break;
    }
    for (size_t i = 0; code != NULL && retryable_codes[i] != NULL; i++) {
        if (geoha_streq_ci(code, retryable_codes[i])) {
            return true;
        }
    }
    if (rc == GEOHA_E_REMOTE && status >= 200 && status <= 299) {
        /* an operation that ended Failed: retryable when it gave no code */
        return code == NULL || code[0] == '\0';
    }
    if (rc == GEOHA_E_REMOTE && status >= 400 && status <= 499 && status != 408
        && status != 429) {
        return false;
    }
    return geoha_arm_unreachable(az->arm, rc);
}

/* What promote_patch() saw, for the exit reason and the decision line. */
struct promote_try {
    int attempts;       /* PATCHes sent */
    int transient;      /* of them failed for a transient reason */
    bool permanent;     /* Azure refused: retrying would not help */
    bool unsafe;        /* a former writer answers writable again */
    char why[512];      /* the last failure */
    char failures[768]; /* "attempt N: why; ..." (shortened) */
};

static void
promote_try_note(struct promote_try *pt, const struct az *az, int rc,
                 const char *why)
{
    const char *code = geoha_arm_last_code(az->arm);
    size_t len = strlen(pt->failures);

    geoha_strlcpy(pt->why, why, sizeof(pt->why));
    /* short: the ARM code, else the HTTP status, else the error */
    if (len + 8 < sizeof(pt->failures)) {
        char what[96];

        if (rc != GEOHA_E_STATE && code != NULL && code[0] != '\0') {
            geoha_snprintf(what, sizeof(what), "%.80s", code);
        } else if (rc != GEOHA_E_STATE
                   && geoha_arm_last_status(az->arm) >= 300) {
            geoha_snprintf(what, sizeof(what), "HTTP %d",
                           geoha_arm_last_status(az->arm));
        } else {
            geoha_snprintf(what, sizeof(what), "%.80s",
                           rc == GEOHA_E_STATE ? "still a replica"
                                               : geoha_strerror(rc));
        }
        geoha_snprintf(pt->failures + len, sizeof(pt->failures) - len,
                       "%s%d: %s", len > 0 ? "; " : "", pt->attempts, what);
    }
}

/*
 * PATCH replicationRole None, carrying on an operation already running
 * (issue 18): a failure for a transient reason (promote_transient) is
 * tried again after a growing pause, until d leaves no room for another
 * attempt; before each new attempt the server is read again (an operation
 * that ended badly may have promoted it anyway, or may still run) and
 * every former writer in fenced[] is asked again over SQL: one that
 * answers writable stops the promotion (S1). A permanent refusal ends at
 * once (pt->permanent).
 */
static int
promote_patch(struct az *az, const struct geoha_deadline *d, const bool *fenced,
              struct promote_try *pt)
{
    json_t *body =
        json_pack("{s:{s:s}}", "properties", "replicationRole", "None");
    int64_t pause = PROMOTE_RETRY_FIRST_MS;
    int rc;

    if (body == NULL) {
        return -ENOMEM;
    }
    for (;;) {
        bool transient;

        pt->attempts++;
        rc = geoha_arm_call(az->arm, GEOHA_ARM_PATCH, me(az)->path,
                            AZ_API_VERSION, body, d, NULL);
        if (rc == 0) {
            rc = server_get(az, az->me, d);
            if (rc == 0 && !standalone(me(az))) {
                rc = GEOHA_E_STATE;
            }
        }
        if (rc == 0) {
            break;
        }
        transient = promote_transient(az, rc);
        promote_try_note(pt, az, rc,
                         rc == GEOHA_E_STATE
                             ? "the operation succeeded but Azure still "
                               "shows a replica"
                             : geoha_arm_why(az->arm, rc));
        if (!transient) {
            int status = geoha_arm_last_status(az->arm);

            /* 400 may mean "no replica any more" (an earlier try did it),
             * 409 "an operation runs": look once before giving up */
            if (rc == GEOHA_E_REMOTE && (status == 400 || status == 409)
                && server_wait_settled(az, az->me, d) == 0
                && standalone(me(az))) {
                rc = 0;
                break;
            }
            pt->permanent = true;
            break;
        }
        pt->transient++;
        if (geoha_deadline_left_ms(d) < pause + PROMOTE_TRY_MIN_MS) {
            break; /* the budget is spent: rc says how the last one ended */
        }
        geoha_warn("The promotion failed for a transient reason; trying "
                   "again | server='%s' attempt=%d retry_in_ms=%lld "
                   "why='%s'",
                   me(az)->name, pt->attempts, (long long)pause, pt->why);
        geoha_sleep_ms(d, pause);
        pause =
            pause * 2 < PROMOTE_RETRY_MAX_MS ? pause * 2 : PROMOTE_RETRY_MAX_MS;
        if (server_wait_settled(az, az->me, d) == 0 && standalone(me(az))) {
            rc = 0;
            break; /* the failed operation did it after all */
        }
        for (size_t i = 0; i < az->n; i++) {
            if (fenced[i] && sql_probe(az, i, NULL) == SQL_WRITABLE) {
                geoha_snprintf(pt->why, sizeof(pt->why),
                               "the former writer '%s' of node %s answers "
                               "writable again",
                               az->s[i].name, az->s[i].node);
                pt->unsafe = true;
                rc = GEOHA_E_UNSAFE;
                break;
            }
        }
        if (pt->unsafe) {
            break;
        }
    }
    json_decref(body);
    return rc;
}

/* Prove the server takes writes, allowing it time to open up. */
static int
verify_writer(struct az *az, char *why, size_t why_size)
{
    const struct geoha_deadline *d = &az->ctx->deadline;
    int rc;

    for (;;) {
        struct geoha_sql *c = NULL;
        struct geoha_sql_status st = { 0 };
        const char *how = "";

        rc = sql_connect(az, az->me, d, &c, why, why_size);
        if (rc == 0) {
            rc = geoha_sql_status_get(c, &st);
            if (rc == 0 && st.read_only) {
                geoha_sql_close(c);
                c = NULL;
                geoha_sql_status_clear(&st);
                rc = set_read_only(az, az->me, false, true, d, &how);
                if (rc == 0) {
                    geoha_notice("Cleared read_only | how=%s", how);
                    rc = sql_connect(az, az->me, d, &c, why, why_size);
                }
            }
            if (rc == 0) {
                rc = geoha_sql_verify_write(c, az->ctx->node);
                if (rc != 0) {
                    geoha_snprintf(why, why_size, "%s",
                                   rc == GEOHA_E_STATE ? "it is read-only"
                                                       : geoha_sql_error(c));
                }
            }
        }
        geoha_sql_status_clear(&st);
        geoha_sql_close(c);
        if (rc == 0 || geoha_sleep_ms(d, 1000) != 0) {
            return rc;
        }
    }
}

/*
 * A promotion's state, passed from step to step (promote_steps[]). Each
 * step returns OCF_SUCCESS to go on, or the action's result (with its
 * exit reason written); the first that does not succeed ends promote.
 */
struct promotion {
    struct geoha_ctx *ctx;
    struct az az;
    struct marker mk;
    struct geoha_sql *c;        /* this server, until the PATCH */
    struct geoha_sql_status st; /* this server's state */
    struct geoha_sql_replica r; /* its replication */
    struct geoha_gtid_set *t;   /* the position to reach (S3) */
    char *target, *applied;     /* the same as text; what was reached */
    struct geoha_deadline catchup, lro;
    json_t *peers; /* the decision line's old_writers */
    const char *did_promote;
    int64_t t0, lro_ms;
    bool fenced[GEOHA_MAP_ENTRIES]; /* former writers made to stop */
    struct promote_try pt;
    int source; /* index of this replica's source; -1 */
};

/*
 * This server as ARM sees it: not marked diverged-or-stale, no operation
 * of an earlier promote still running, running; and which server it
 * replicates from.
 */
static int
promote_settle(struct promotion *pm)
{
    struct geoha_ctx *ctx = pm->ctx;
    struct az *az = &pm->az;
    int64_t left;
    int rc; /* a library result */

    if (marked(az)) {
        geoha_exit_reason("Refusing to promote: this server is marked "
                          "diverged-or-stale; run the reseed action (see %s)",
                          az->mark_path);
        return OCF_ERR_GENERIC;
    }
    left = geoha_deadline_left_ms(&ctx->deadline);
    rc = server_get(az, az->me, &ctx->deadline);
    if (rc == 0 && geoha_streq_ci(me(az)->state, STATE_UPDATING)) {
        /* an earlier promote's operation may still run: let it finish */
        struct geoha_deadline d =
            geoha_deadline_min(&ctx->deadline, left - left / 10);

        geoha_notice("An operation runs on the server; waiting for it | "
                     "server='%s' role=%s",
                     me(az)->name, me(az)->role);
        rc = server_wait_settled(az, az->me, &d);
        if (rc == GEOHA_E_DEADLINE) {
            geoha_exit_reason("Azure is still working on server '%s' (state "
                              "%s); the next promote carries on",
                              me(az)->name, me(az)->state);
            return OCF_ERR_GENERIC;
        }
    }
    if (rc != 0) {
        geoha_exit_reason("Cannot read server '%s' through ARM: %s",
                          me(az)->name, geoha_arm_why(az->arm, rc));
        return OCF_ERR_GENERIC;
    }
    if (me(az)->gone || !running(me(az))) {
        geoha_exit_reason("Server '%s' is %s", me(az)->name,
                          me(az)->gone ? "gone" : me(az)->state);
        return OCF_ERR_GENERIC;
    }
    others_get(az);
    for (size_t i = 0; i < az->n; i++) {
        if (i != az->me && replica_of(me(az), &az->s[i])) {
            pm->source = (int)i;
        }
    }
    if (!standalone(me(az)) && pm->source < 0) {
        geoha_warn("The replica's source is not one of %s | source='%s'",
                   P_SERVERS, me(az)->source);
    }
    return OCF_SUCCESS;
}

/*
 * What this server received and applied (SQL): the SQL thread must not
 * have stopped on an error; the received GTIDs become the first target.
 */
static int
promote_read_self(struct promotion *pm)
{
    struct geoha_ctx *ctx = pm->ctx;
    struct az *az = &pm->az;
    char why[768] = "";
    int rc; /* a library result */

    rc = sql_connect(az, az->me, &ctx->deadline, &pm->c, why, sizeof(why));
    if (rc == 0) {
        rc = geoha_sql_status_get(pm->c, &pm->st);
        if (rc == 0) {
            rc = geoha_sql_replica_status(pm->c, &pm->r);
        }
        if (rc != 0) {
            geoha_snprintf(why, sizeof(why), "%s", geoha_sql_error(pm->c));
        }
    }
    if (rc != 0) {
        geoha_exit_reason("The server does not answer over SQL: %s", why);
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
    rc = geoha_gtid_set_parse(pm->r.configured ? pm->r.received : "",
                              GEOHA_GTID_ANY, &pm->t);
    if (rc != 0) {
        geoha_exit_reason("Cannot parse the received GTIDs '%s'",
                          str_or(pm->r.received, ""));
        return OCF_ERR_GENERIC;
    }
    return OCF_SUCCESS;
}

/*
 * Every other standalone server, a (former) writer: made read-only when
 * it answers writable (its final position is then known, S3), its
 * position merged into the target, reported when it holds transactions
 * this server lacks (S4); each one goes into the decision line.
 */
static int
promote_survey(struct promotion *pm)
{
    struct geoha_ctx *ctx = pm->ctx;
    struct az *az = &pm->az;
    int rc; /* a library result */

    for (size_t i = 0; i < az->n; i++) {
        struct server *s = &az->s[i];
        struct geoha_sql_status ps = { 0 };
        enum sqlstate ss;
        const char *pos = NULL;
        char *published = NULL;
        const char *how = "";
        bool holds_more = false;

        if (i == az->me || (s->known && !standalone(s))) {
            continue;
        }
        ss = sql_probe(az, i, &ps);
        if (ss == SQL_WRITABLE) {
            struct geoha_deadline d =
                geoha_deadline_min(&ctx->deadline, PEER_SQL_MS);

            if (geoha_streq(geoha_param_str(ctx, P_OLD_WRITER_ACTION),
                            OLD_WRITER_NONE)) {
                geoha_exit_reason("Refusing to promote: server '%s' of node "
                                  "%s answers and is writable, and %s=%s",
                                  s->name, s->node, P_OLD_WRITER_ACTION,
                                  OLD_WRITER_NONE);
                geoha_sql_status_clear(&ps);
                return OCF_ERR_GENERIC;
            }
            /* read-only first: its final position is then known (S3) */
            if (set_read_only(az, i, true, false, &d, &how) == 0) {
                geoha_sql_status_clear(&ps);
                ss = sql_probe(az, i, &ps);
            }
        }
        if (ss == SQL_READ_ONLY || ss == SQL_WRITABLE) {
            pos = ps.gtid_pos;
        } else if ((int)i == pm->source) {
            geoha_attr_get(GEOHA_ATTR_TRANSIENT, s->node, az->attr_final,
                           &ctx->deadline, &published);
            pos = published;
        }
        if (standalone(me(az)) && pos != NULL
            && (ss == SQL_READ_ONLY || ss == SQL_WRITABLE)) {
            bool sub = false;

            /*
             * This server is standalone already: monitor only scores it
             * when it holds all the others hold, so a difference here is
             * a former writer's lost tail, from before this server was
             * promoted. Refusing would not undo it: report it (S4).
             */
            if (geoha_gtid_text_subset(ps.gtid_state, pm->st.gtid_state, &sub)
                    == 0
                && !sub) {
                geoha_err("A former writer holds transactions the writer "
                          "lacks; they stay on it until an admin reseeds it "
                          "| server='%s' here='%s' there='%s'",
                          s->name, pm->st.gtid_state, ps.gtid_state);
                holds_more = true;
            }
        }
        if ((int)i == pm->source && pos != NULL && pos[0] != '\0') {
            struct geoha_gtid_set *p = NULL, *merged = NULL;

            if (geoha_gtid_set_parse(pos, GEOHA_GTID_ANY, &p) == 0
                && geoha_gtid_pos_merge(pm->t, p, &merged) == 0) {
                geoha_gtid_set_free(pm->t);
                pm->t = merged;
                geoha_info("Waiting for the old writer's position | "
                           "server='%s' state=%s gtid='%s'",
                           s->name, sqlstate_text(ss), pos);
            }
            geoha_gtid_set_free(p);
        }
        json_array_append_new(
            pm->peers,
            json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b}", "node", s->node,
                      "server", s->name, "arm_state",
                      s->known ? str_or(s->state, "?")
                               : (s->unreachable ? "unreachable" : "unknown"),
                      "sql", sqlstate_text(ss), "made_read_only", how, "gtid",
                      str_or(pos, ""), "holds_more", holds_more));
        free(published);
        geoha_sql_status_clear(&ps);
    }
    rc = geoha_gtid_set_format(pm->t, &pm->target);
    if (rc != 0) {
        geoha_exit_reason("Cannot format the target position");
        return OCF_ERR_GENERIC;
    }
    return OCF_SUCCESS;
}

/*
 * The time left, shared out: catch-up, then the old writer, then the
 * PATCH, with a reserve for proving the write.
 */
static int
promote_budgets(struct promotion *pm)
{
    struct geoha_ctx *ctx = pm->ctx;
    int64_t left;

    left = geoha_deadline_left_ms(&ctx->deadline);
    {
        int64_t verify = left / 10 < VERIFY_RESERVE_MAX_MS
                             ? left / 10
                             : VERIFY_RESERVE_MAX_MS;
        int64_t lro_ms_max =
            left / 3 < LRO_RESERVE_MAX_MS ? left / 3 : LRO_RESERVE_MAX_MS;
        int64_t fence_ms =
            left / 4 < OLD_WRITER_MAX_MS ? left / 4 : OLD_WRITER_MAX_MS;

        pm->catchup = geoha_deadline_min(&ctx->deadline,
                                         left - verify - lro_ms_max - fence_ms);
        pm->lro = geoha_deadline_min(&ctx->deadline, left - verify);
    }
    return OCF_SUCCESS;
}

/*
 * S3: everything received, and the old writer's final position, applied
 * before anything changes in Azure.
 */
static int
promote_catch_up(struct promotion *pm)
{
    int rc; /* a library result */

    if (pm->r.configured && pm->r.sql == GEOHA_SQL_THREAD_YES) {
        rc = geoha__mysql_wait_applied(pm->c, pm->target, &pm->catchup,
                                       &pm->applied);
    } else {
        struct geoha_gtid_set *p = NULL;
        bool ok = false;

        rc = geoha_gtid_set_parse(pm->st.gtid_pos, GEOHA_GTID_ANY, &p);
        if (rc == 0) {
            rc = geoha_gtid_pos_reached(p, pm->t, &ok);
        }
        geoha_gtid_set_free(p);
        if (rc == 0 && !ok) {
            rc = GEOHA_E_STATE;
        }
        pm->applied = strdup(pm->st.gtid_pos != NULL ? pm->st.gtid_pos : "");
    }
    if (rc != 0) {
        geoha_exit_reason("Refusing to promote: not caught up within the "
                          "time left for it (%s); nothing was changed in "
                          "Azure | applied='%s' needed='%s'",
                          geoha_strerror(rc), str_or(pm->applied, ""),
                          pm->target);
        return OCF_ERR_GENERIC;
    }
    return OCF_SUCCESS;
}

/*
 * S1: every former writer stops taking writes (old_writer_action)
 * before this one starts.
 */
static int
promote_fence_old_writers(struct promotion *pm)
{
    struct az *az = &pm->az;
    int rc; /* a library result */

    for (size_t i = 0; i < az->n; i++) {
        struct server *s = &az->s[i];
        char done_text[768] = "";
        struct geoha_deadline d;

        if (i == az->me || (s->known && (!standalone(s) || s->gone))) {
            continue;
        }
        if (s->known && !running(s) && sql_probe(az, i, NULL) < SQL_UNKNOWN) {
            geoha_snprintf(done_text, sizeof(done_text), "already %s",
                           s->state);
        } else {
            int64_t l = geoha_deadline_left_ms(&pm->lro);
            int64_t f = l / 2 < OLD_WRITER_MAX_MS ? l / 2 : OLD_WRITER_MAX_MS;

            d = geoha_deadline_min(&pm->lro, f);
            rc = old_writer_fence(az, i, &d, done_text, sizeof(done_text));
            if (rc != 0) {
                geoha_exit_reason("Refusing to promote: the former writer "
                                  "'%s' of node %s: %s",
                                  s->name, s->node, done_text);
                return OCF_ERR_GENERIC;
            }
        }
        pm->fenced[i] = true;
        for (size_t k = 0; k < json_array_size(pm->peers); k++) {
            json_t *p = json_array_get(pm->peers, k);

            if (geoha_streq(geoha_arm_json_str(p, "server"), s->name)) {
                json_object_set_new(p, "old_writer_action",
                                    json_string(done_text));
            }
        }
        geoha_notice("The former writer takes no writes | server='%s' "
                     "done='%s'",
                     s->name, done_text);
    }
    return OCF_SUCCESS;
}

/*
 * The promotion itself: replicationRole None, followed to the end,
 * transient failures retried within the timeout.
 */
static int
promote_azure_role(struct promotion *pm)
{
    struct az *az = &pm->az;
    int rc; /* a library result */

    if (!standalone(me(az))) {
        int64_t l0 = geoha_now_ms();

        geoha_notice("Promoting: replicationRole None | server='%s' "
                     "applied='%s'",
                     me(az)->name, str_or(pm->applied, ""));
        geoha_sql_close(pm->c); /* Azure restarts replication on it */
        pm->c = NULL;
        rc = promote_patch(az, &pm->lro, pm->fenced, &pm->pt);
        pm->lro_ms = geoha_now_ms() - l0;
        if (rc != 0 && pm->pt.unsafe) {
            geoha_exit_reason("Refusing to go on with the promotion of '%s' "
                              "after %d attempt(s): %s",
                              me(az)->name, pm->pt.attempts, pm->pt.why);
            return OCF_ERR_GENERIC;
        }
        if (rc != 0 && pm->pt.permanent) {
            geoha_exit_reason(
                "Azure refused the promotion of '%s' (a permanent error, "
                "not retried: %s); the server is still a read-only replica "
                "and the former writer takes no writes: fix the cause "
                "(runbook: \"Azure refuses a promotion\"), then crm resource "
                "cleanup",
                me(az)->name, pm->pt.why);
            return OCF_ERR_GENERIC;
        }
        if (rc != 0) {
            geoha_exit_reason(
                "The promotion of '%s' did not complete in %d attempt(s) "
                "within the promote timeout (%d transient failure(s); last: "
                "%s)%s",
                me(az)->name, pm->pt.attempts, pm->pt.transient, pm->pt.why,
                (rc == GEOHA_E_DEADLINE || rc == GEOHA_E_THROTTLED
                 || rc == GEOHA_E_STATE)
                    ? "; Azure may still be working on it: the next promote "
                      "carries on from there"
                    : "; the next promote tries again");
            return OCF_ERR_GENERIC;
        }
        if (pm->pt.attempts > 1) {
            geoha_notice("Promoted after transient failures | server='%s' "
                         "attempts=%d failures='%s'",
                         me(az)->name, pm->pt.attempts, pm->pt.failures);
        }
        pm->did_promote = "replicationRole None";
    }
    return OCF_SUCCESS;
}

/*
 * This server takes writes (proved by a write), and the state file says
 * it is the writer; when that file cannot be written it is made
 * read-only again (S1).
 */
static int
promote_take_writes(struct promotion *pm)
{
    struct geoha_ctx *ctx = pm->ctx;
    struct az *az = &pm->az;
    char why[768] = "";
    int rc; /* a library result */

    rc = verify_writer(az, why, sizeof(why));
    if (rc != 0) {
        geoha_exit_reason("Server '%s' does not take writes: %s", me(az)->name,
                          why);
        return OCF_ERR_GENERIC;
    }
    rc = marker_write(az, &pm->mk);
    if (rc != 0) {
        const char *how = "";
        int ro;

        /* S1: a writer whose state file does not say so would be taken
         * for an unpromoted one (and a restart forgets it) */
        ro = set_read_only(az, az->me, true, true, &ctx->deadline, &how);
        geoha_exit_reason(
            "Cannot write the state file '%s' (%s), so not taking writes%s%s",
            az->marker_path, geoha_strerror(rc),
            ro == 0 ? "; the server is read-only again"
                    : "; and the server could not be made read-only again: ",
            ro == 0 ? "" : geoha_strerror(ro));
        return OCF_ERR_GENERIC;
    }
    return OCF_SUCCESS;
}

/*
 * What follows a promotion: the final-GTID attribute cleared, every
 * fenced former writer marked for reseed, the decision line written.
 */
static int
promote_record(struct promotion *pm)
{
    struct geoha_ctx *ctx = pm->ctx;
    struct az *az = &pm->az;
    char when[32];

    /* No score here: the promoted monitor that Pacemaker runs right after
     * this sets SCORE_WRITER. A transient attribute changed by the promote
     * aborts the transition it runs in, and the drupal starts that follow
     * the promotion (the end of a switchover's pause) then wait for the
     * scheduler to run again: measured 50 ms of the pause. Until that
     * monitor this node keeps its replica score and the old writer has
     * none (demote removed it), so nothing prefers another node. */
    geoha_attr_update(GEOHA_ATTR_TRANSIENT, ctx->node, az->attr_final, NULL,
                      &ctx->deadline, NULL);
    for (size_t i = 0; i < az->n; i++) {
        if (pm->fenced[i]) {
            geoha_attr_update(GEOHA_ATTR_TRANSIENT, az->s[i].node,
                              az->attr_reseed, MARK_STALE, &ctx->deadline,
                              NULL);
        }
    }
    geoha__mysql_iso_time(when, sizeof(when));
    {
        json_t *j = json_pack(
            "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I, "
            "s:s, s:i, s:s, s:o}",
            "time", when, "action", "promote", "backend", BACKEND_AZURE, "node",
            ctx->node, "resource", az->base, "server", me(az)->name, "received",
            str_or(pm->r.received, ""), "required", pm->target, "applied",
            str_or(pm->applied, ""), "lag_s", (json_int_t)pm->r.lag_s, "lro_ms",
            (json_int_t)pm->lro_ms, "total_ms",
            (json_int_t)(geoha_now_ms() - pm->t0), "promotion", pm->did_promote,
            "attempts", pm->pt.attempts, "transient_failures", pm->pt.failures,
            "old_writers", pm->peers);

        pm->peers = NULL; /* the object owns it now */
        if (j != NULL) {
            record_decision(az, j);
        }
        json_decref(j);
    }
    geoha_notice("Promoted: server '%s' is the writer | applied='%s'",
                 me(az)->name, str_or(pm->applied, ""));
    return OCF_SUCCESS;
}

static int (*const promote_steps[])(struct promotion *) = {
    promote_settle,     promote_read_self,   promote_survey,
    promote_budgets,    promote_catch_up,    promote_fence_old_writers,
    promote_azure_role, promote_take_writes, promote_record,
};

static int
geoha__mysql_azure_promote(struct geoha_ctx *ctx)
{
    struct promotion p = {
        .ctx = ctx,
        .mk = { .role = ROLE_PROMOTED },
        .did_promote = "already standalone",
        .t0 = geoha_now_ms(),
        .source = -1,
    };
    int ocf = OCF_SUCCESS; /* the OCF exit code */

    if (!az_begin(ctx, &p.az, &ocf)) {
        return ocf;
    }
    p.peers = json_array();
    for (size_t i = 0; i < sizeof(promote_steps) / sizeof(promote_steps[0])
                       && ocf == OCF_SUCCESS;
         i++) {
        ocf = promote_steps[i](&p);
    }
    json_decref(p.peers);
    geoha_gtid_set_free(p.t);
    free(p.target);
    free(p.applied);
    geoha_sql_replica_clear(&p.r);
    geoha_sql_status_clear(&p.st);
    geoha_sql_close(p.c);
    az_end(&p.az);
    return ocf;
}

/* ---- reseed (failback) ---- */

static void
write_report(const struct az *az, const char *prefix, json_t *j)
{
    char path[PATH_MAX], when[32];
    char *text = json_dumps(j, JSON_INDENT(2));

    geoha__mysql_iso_time(when, sizeof(when));
    if (text != NULL
        && geoha_snprintf(path, sizeof(path), "%s/mysql-%s-%s-%s.json",
                          geoha_param_str(az->ctx, P_STATE_DIR), az->base,
                          prefix, when)
               == 0) {
        geoha_file_replace(path, text, strlen(text), (uid_t)-1, (gid_t)-1,
                           0600);
        geoha_notice("Report written | file='%s'", path);
    }
    free(text);
}

/* The location of a server that ARM no longer knows (an unfinished reseed). */
static int
pending_location(struct az *az)
{
    char *text = NULL;
    json_t *j;
    int rc = geoha_file_read(az->pending_path, 65536, &text, NULL);

    if (rc != 0) {
        return rc;
    }
    j = json_loads(text, 0, NULL);
    free(text);
    copy_field(me(az)->location, sizeof(me(az)->location), j, "location");
    json_decref(j);
    return me(az)->location[0] != '\0' ? 0 : GEOHA_E_PARSE;
}

static int
geoha__mysql_azure_reseed(struct geoha_ctx *ctx)
{
    struct az az;
    struct geoha_sql_status ws = { 0 }, ls = { 0 };
    struct geoha_gtid_set *sl = NULL, *sw = NULL, *diff = NULL;
    char node[GEOHA_NODE_MAX], when[32];
    char *errant = NULL;
    uint64_t count = 0;
    int64_t t0 = geoha_now_ms();
    int w = -1;
    int rc;

    if (!az_begin(ctx, &az, &rc)) {
        return rc;
    }
    rc = read_me(&az);
    if (rc != OCF_SUCCESS) {
        goto done;
    }
    others_get(&az);
    /* the writer: promoted in the cluster, else the only other standalone */
    if (geoha__mysql_cluster_writer(az.base, &ctx->deadline, node) == 0) {
        for (size_t i = 0; i < az.n; i++) {
            if (strcmp(az.s[i].node, node) == 0) {
                w = (int)i;
            }
        }
    } else {
        for (size_t i = 0; i < az.n; i++) {
            if (i != az.me && standalone(&az.s[i]) && running(&az.s[i])) {
                w = w == -1 ? (int)i : -2;
            }
        }
    }
    if (w < 0 || (size_t)w == az.me || !standalone(&az.s[w])
        || !running(&az.s[w])) {
        geoha_exit_reason("Refusing to reseed '%s': no single other running "
                          "standalone writer is known%s",
                          me(&az)->name,
                          (w >= 0 && (size_t)w == az.me)
                              ? " (this node holds the writer role)"
                              : "");
        rc = OCF_ERR_GENERIC;
        goto done;
    }
    if (replica_of(me(&az), &az.s[w]) && running(me(&az))) {
        geoha_notice("Already a replica of the writer | server='%s' "
                     "writer='%s'",
                     me(&az)->name, az.s[w].name);
        mark_clear(&az);
        unlink(az.pending_path);
        rc = OCF_SUCCESS;
        goto done;
    }
    if (!me(&az)->gone) {
        json_t *rep;
        bool discard = geoha_streq(getenv(ENV_RESEED_DISCARD), "yes");
        enum sqlstate ss;

        if (!standalone(me(&az))) {
            geoha_exit_reason("Refusing to reseed '%s': it is a replica of "
                              "another server ('%s')",
                              me(&az)->name, me(&az)->source);
            rc = OCF_ERR_GENERIC;
            goto done;
        }
        /*
         * S4: what does it hold that the writer lacks? Only a running
         * server can say. A stopped one is not started for that: Azure
         * starts a standalone server writable (S1) unless its read_only
         * parameter is ON, and that cannot be read while it is stopped.
         * It took no write since it was stopped; what it held then is in
         * the promotion's decision record on the writer's node.
         */
        if (!running(me(&az)) && !discard) {
            geoha_exit_reason("Refusing to reseed '%s' without looking: it "
                              "is stopped, and started it would take writes "
                              "beside the writer '%s'. Its last position is "
                              "in the promotion's decision record "
                              "(mysql-%s-decisions.jsonl in state_dir on "
                              "node %s). Set %s=yes to reseed it",
                              me(&az)->name, az.s[w].name, az.base,
                              az.s[w].node, ENV_RESEED_DISCARD);
            rc = OCF_ERR_GENERIC;
            goto done;
        }
        ss = sql_probe(&az, az.me, &ls);
        if (ss == SQL_WRITABLE) {
            struct geoha_deadline rd =
                geoha_deadline_min(&ctx->deadline, PEER_SQL_MS);
            const char *how = "";

            /* a second writer (firewall cut, or started by hand): close it,
             * then read what it holds for good */
            if (set_read_only(&az, az.me, true, false, &rd, &how) == 0) {
                geoha_notice("The stale server was writable; read-only now | "
                             "server='%s'",
                             me(&az)->name);
            }
            geoha_sql_status_clear(&ls);
            ss = sql_probe(&az, az.me, &ls);
        }
        if (ss >= SQL_READ_ONLY
            && sql_probe(&az, (size_t)w, &ws) >= SQL_READ_ONLY
            && geoha_gtid_set_parse(ls.gtid_state, GEOHA_GTID_ANY, &sl) == 0
            && geoha_gtid_set_parse(ws.gtid_state, GEOHA_GTID_ANY, &sw) == 0
            && geoha_gtid_set_difference(sl, sw, &diff) == 0
            && geoha_gtid_set_format(diff, &errant) == 0
            && geoha_gtid_set_count(diff, &count) == 0) {
            rep = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:b}",
                            "server", me(&az)->name, "writer", az.s[w].name,
                            "local_gtid", ls.gtid_state, "writer_gtid",
                            ws.gtid_state, "errant_gtids", errant, "action",
                            "reseed", "errant_count", (json_int_t)count,
                            "discarded", count > 0 && discard);
        } else {
            rep = json_pack("{s:s, s:s, s:s, s:s, s:b}", "server",
                            me(&az)->name, "writer", az.s[w].name, "action",
                            "reseed", "errant_gtids", "unknown: not readable",
                            "discarded", discard);
            if (!discard) {
                json_decref(rep);
                geoha_exit_reason("Refusing to reseed '%s': cannot compare "
                                  "its GTID set with the writer's (set "
                                  "%s=yes to reseed without looking)",
                                  me(&az)->name, ENV_RESEED_DISCARD);
                rc = OCF_ERR_GENERIC;
                goto done;
            }
        }
        if (rep != NULL) {
            geoha__mysql_iso_time(when, sizeof(when));
            json_object_set_new(rep, "time", json_string(when));
            write_report(&az, "reseed", rep);
        }
        json_decref(rep);
        if (count > 0 && !discard) {
            geoha_exit_reason("Refusing to reseed '%s': it holds %llu "
                              "transaction(s) the writer '%s' lacks (%s); "
                              "save them, then run again with %s=yes",
                              me(&az)->name, (unsigned long long)count,
                              az.s[w].name, errant, ENV_RESEED_DISCARD);
            rc = OCF_ERR_GENERIC;
            goto done;
        }
        /* remember where it lived, then drop it (Azure refuses the name) */
        {
            json_t *p = json_pack("{s:s, s:s, s:s}", "server", me(&az)->name,
                                  "location", me(&az)->location, "source",
                                  az.s[w].path);
            char *text = p != NULL ? json_dumps(p, 0) : NULL;

            json_decref(p);
            geoha_dir_ensure(geoha_param_str(ctx, P_STATE_DIR), 0700);
            rc = text != NULL
                     ? geoha_file_replace(az.pending_path, text, strlen(text),
                                          (uid_t)-1, (gid_t)-1, 0600)
                     : -ENOMEM;
            free(text);
            if (rc != 0) {
                geoha_exit_reason("Cannot write '%s': %s", az.pending_path,
                                  geoha_strerror(rc));
                rc = OCF_ERR_GENERIC;
                goto done;
            }
        }
        geoha_notice("Deleting the stale server | server='%s'", me(&az)->name);
        rc = geoha_arm_call(az.arm, GEOHA_ARM_DELETE, me(&az)->path,
                            AZ_API_VERSION, NULL, &ctx->deadline, NULL);
        if (rc != 0 && rc != GEOHA_E_NOT_FOUND) {
            geoha_exit_reason("Cannot delete '%s': %s", me(&az)->name,
                              geoha_arm_why(az.arm, rc));
            rc = OCF_ERR_GENERIC;
            goto done;
        }
    } else if (pending_location(&az) != 0) {
        geoha_exit_reason("Server '%s' does not exist and its location is "
                          "unknown (no '%s')",
                          me(&az)->name, az.pending_path);
        rc = OCF_ERR_GENERIC;
        goto done;
    }
    {
        json_t *body = json_pack(
            "{s:s, s:{s:s, s:s}}", "location", me(&az)->location, "properties",
            "createMode", "Replica", "sourceServerResourceId", az.s[w].path);

        geoha_notice("Creating the replica | server='%s' source='%s'",
                     me(&az)->name, az.s[w].name);
        rc = body != NULL
                 ? geoha_arm_call(az.arm, GEOHA_ARM_PUT, me(&az)->path,
                                  AZ_API_VERSION, body, &ctx->deadline, NULL)
                 : -ENOMEM;
        json_decref(body);
    }
    if (rc == 0) {
        rc = server_get(&az, az.me, &ctx->deadline);
    }
    if (rc != 0 || !replica_of(me(&az), &az.s[w])) {
        geoha_exit_reason(
            "The replica '%s' was not created: %s%s", me(&az)->name,
            rc != 0 ? geoha_arm_why(az.arm, rc) : "Azure shows role ",
            rc != 0 ? "; run reseed again to carry on"
                    : str_or(me(&az)->role, "?"));
        rc = OCF_ERR_GENERIC;
        goto done;
    }
    mark_clear(&az);
    unlink(az.pending_path);
    geoha__mysql_iso_time(when, sizeof(when));
    {
        json_t *j = json_pack(
            "{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I}", "time", when, "action",
            "reseed", "backend", BACKEND_AZURE, "node", ctx->node, "server",
            me(&az)->name, "source", az.s[w].name, "errant_count",
            (json_int_t)count, "total_ms", (json_int_t)(geoha_now_ms() - t0));

        if (j != NULL) {
            record_decision(&az, j);
        }
        json_decref(j);
    }
    geoha_notice("Reseeded: '%s' replicates from '%s'; run crm resource "
                 "cleanup",
                 me(&az)->name, az.s[w].name);
    rc = OCF_SUCCESS;
done:
    geoha_gtid_set_free(sl);
    geoha_gtid_set_free(sw);
    geoha_gtid_set_free(diff);
    free(errant);
    geoha_sql_status_clear(&ls);
    geoha_sql_status_clear(&ws);
    az_end(&az);
    return rc;
}

/* ---- the backend ---- */

const struct geoha_mysql_backend geoha__mysql_azure = {
    .name = BACKEND_AZURE,
    .validate = geoha__mysql_azure_validate,
    .validate_all = NULL,
    .start = geoha__mysql_azure_start,
    .stop = geoha__mysql_azure_stop,
    .monitor = geoha__mysql_azure_monitor,
    .promote = geoha__mysql_azure_promote,
    .demote = geoha__mysql_azure_demote,
    .notify = geoha__mysql_azure_notify,
    .join_writer = NULL,
    .guard_close = geoha__mysql_azure_guard_close,
    .reseed = geoha__mysql_azure_reseed,
};
