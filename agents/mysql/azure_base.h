/*
 * ocf:geoha:mysql backend=azure — what its files share. From the top
 * down: azure.c (who is the writer, monitor, start, stop, demote, notify),
 * azure_promote.c (promote, with the former writer's fencing and its
 * close-pending), azure_reseed.c (the admin's failback), azure_base.c
 * (set-up, each server through ARM and SQL, read_only, marks).
 */
#ifndef GEOHA_AGENT_MYSQL_AZURE_BASE_H
#define GEOHA_AGENT_MYSQL_AZURE_BASE_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "geoha/arm.h"
#include "geoha/ocf.h"
#include "geoha/sql.h"
#include "geoha/util.h"

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

static inline struct server *
me(struct az *az)
{
    return &az->s[az->me];
}

static inline bool
standalone(const struct server *s)
{
    return s->known && !s->gone && !geoha_streq_ci(s->role, ROLE_REPLICA);
}

/* Whether the server runs (may take connections) as far as ARM knows. */
static inline bool
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
static inline bool
replica_of(const struct server *a, const struct server *b)
{
    return a->known && !a->gone && geoha_streq_ci(a->role, ROLE_REPLICA)
           && geoha_streq_ci(a->source, b->path);
}

/* ---- azure_base.c (each documented where it is defined) ---- */

void az_mark_set(struct az *az, const char *kind, const char *writer,
                 const char *why);
int az_marker_read(const struct az *az, struct marker *m);
void az_set_score(const struct az *az, const char *score);
int az_open(struct az *az);
int az_setup(struct geoha_ctx *ctx, struct az *az);
struct geoha_deadline az_sub_deadline(const struct az *az, int64_t max_ms,
                                      int64_t div);
int geoha__mysql_azure_guard_close(struct geoha_ctx *ctx, const char **how);
int geoha__mysql_azure_validate(struct geoha_ctx *ctx);
bool az_begin(struct geoha_ctx *ctx, struct az *az, int *rc_out);
void az_end(struct az *az);
void az_copy_field(char *dst, size_t size, const json_t *j, const char *dotted);
int az_server_get(struct az *az, size_t i, const struct geoha_deadline *d);
void az_others_get(struct az *az);
int az_server_wait_settled(struct az *az, size_t i,
                           const struct geoha_deadline *d);
int az_sql_connect(struct az *az, size_t i, const struct geoha_deadline *d,
                   struct geoha_sql **c, char *why, size_t why_size);
const char *az_sqlstate_text(enum sqlstate s);
enum sqlstate az_sql_probe(struct az *az, size_t i,
                           struct geoha_sql_status *st);
int az_arm_read_only(struct az *az, size_t i, bool on,
                     const struct geoha_deadline *d);
int az_set_read_only(struct az *az, size_t i, bool on, bool arm_too,
                     const struct geoha_deadline *d, const char **how);
int az_marker_write(const struct az *az, const struct marker *m);
bool az_marked(const struct az *az);
void az_mark_clear(struct az *az);
void az_record_decision(const struct az *az, json_t *j);
int az_read_me(struct az *az);

/* ---- azure_promote.c ---- */

/* The writer's monitor: close a former writer still pending (issue 16). */
void az_close_pending(struct az *az);
int geoha__mysql_azure_promote(struct geoha_ctx *ctx);

/* ---- azure_reseed.c ---- */

int geoha__mysql_azure_reseed(struct geoha_ctx *ctx);

#endif /* GEOHA_AGENT_MYSQL_AZURE_BASE_H */
