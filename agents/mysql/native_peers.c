/*
 * ocf:geoha:mysql backend=native — asking the other nodes' servers: how
 * long to wait, what "unreachable" means (S1), whether a replica's IO
 * thread still hears its writer, the survey a replica's monitor makes,
 * the peer-login check, and promote's last look before taking writes.
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
#include "geoha/sql.h"
#include "geoha/util.h"

#include "backend.h"
#include "common.h"
#include "native_base.h"
#include "semisync.h"

/* A short deadline for another node's server, inside the operation's. */
struct geoha_deadline
native_peer_deadline(const struct agent *a, int64_t max_ms)
{
    int64_t left = geoha_deadline_left_ms(&a->ctx->deadline);
    int64_t ms = left / 3;

    if (ms > max_ms) {
        ms = max_ms;
    }
    return geoha_deadline_min(&a->ctx->deadline, ms);
}

int
native_connect_node(const struct agent *a, const char *node,
                    const struct geoha_deadline *d, struct geoha_sql **c,
                    char *why, size_t why_size)
{
    const char *ep = geoha_map_get(geoha_param_map(a->ctx, P_ENDPOINTS), node);
    struct geoha_hostport hp;
    struct geoha_sql_target t = { 0 };

    if (ep == NULL || geoha_hostport_parse(ep, 0, &hp) != 0) {
        return -ENOENT;
    }
    t.defaults_file = geoha_param_str(a->ctx, P_DEFAULTS_FILE);
    t.host = hp.host;
    t.port = hp.port;
    return geoha_sql_connect(&t, d, why, why_size, c);
}

/* The node whose endpoint is host:port, or NULL. */
const char *
native_node_of_endpoint(const struct agent *a, const char *host, int port)
{
    const struct geoha_map *m = geoha_param_map(a->ctx, P_ENDPOINTS);

    for (size_t i = 0; m != NULL && i < m->n; i++) {
        struct geoha_hostport hp;

        if (geoha_hostport_parse(m->e[i].value, 0, &hp) == 0 && hp.port == port
            && strcmp(hp.host, host) == 0) {
            return m->e[i].node;
        }
    }
    return NULL;
}

const char *
native_peer_state_text(enum peer_state s)
{
    switch (s) {
    case PEER_READ_ONLY:
        return "read-only";
    case PEER_WRITABLE:
        return "writable";
    case PEER_UNREACHABLE:
        return "unreachable";
    default:
        return "unknown";
    }
}

/*
 * review-1: only "nothing answers" makes a server unreachable: connection
 * refused, no route to its host (or its name does not resolve), or no
 * answer to the TCP connection in time. A server that answers but refuses
 * our login, has too many connections, or breaks off the handshake is
 * alive and may be writable.
 */
static bool
unreachable_result(int rc)
{
    return rc == GEOHA_E_NOT_RUNNING || rc == -EHOSTUNREACH || rc == -ETIMEDOUT;
}

/*
 * Ask node's server, waiting at most max_ms; *ps (may be NULL) gets its
 * status when it answers.
 */
static enum peer_state
ask_peer_within(const struct agent *a, const char *node,
                struct geoha_sql_status *ps, char *why, size_t why_size,
                int64_t max_ms)
{
    struct geoha_deadline pd = native_peer_deadline(a, max_ms);
    struct geoha_sql *p = NULL;
    struct geoha_sql_status st = { 0 };
    enum peer_state r;
    int rc;

    rc = native_connect_node(a, node, &pd, &p, why, why_size);
    if (rc != 0) {
        return unreachable_result(rc) ? PEER_UNREACHABLE : PEER_UNKNOWN;
    }
    rc = geoha_sql_status_get(p, &st);
    if (rc != 0) {
        geoha_snprintf(why, why_size, "cannot read its state: %s",
                       geoha_sql_error(p));
        geoha_sql_close(p);
        return PEER_UNKNOWN;
    }
    geoha_sql_close(p);
    r = st.read_only ? PEER_READ_ONLY : PEER_WRITABLE;
    if (ps != NULL) {
        *ps = st;
    } else {
        geoha_sql_status_clear(&st);
    }
    return r;
}

enum peer_state
native_ask_peer(const struct agent *a, const char *node,
                struct geoha_sql_status *ps, char *why, size_t why_size)
{
    return ask_peer_within(a, node, ps, why, why_size, PEER_TIMEOUT_MS);
}

/*
 * Whether this replica's IO thread still hears from its source: it says
 * Yes, and within IO_ALIVE_WINDOW_MS it read more of the source's binary
 * log or got a heartbeat (the agent sets HEARTBEAT_S). A Yes alone is not
 * enough: after its source was powered off (fencing) the IO thread says
 * Yes until slave_net_timeout (60 s by default).
 */
bool
native_io_thread_alive(const struct agent *a, struct geoha_sql *c,
                       const struct geoha_sql_replica *r0)
{
    struct geoha_deadline w =
        geoha_deadline_min(&a->ctx->deadline, IO_ALIVE_WINDOW_MS);
    unsigned long long hb0 = 0, hb = 0;
    bool have_hb = geoha_sql_replica_heartbeats(c, &hb0) == 0;

    if (r0->io != GEOHA_SQL_THREAD_YES) {
        return false;
    }
    for (;;) {
        struct geoha_sql_replica r = { 0 };
        bool moved;

        if (geoha_sleep_ms(&w, 250) != 0) {
            return false;
        }
        if (geoha_sql_replica_status(c, &r) != 0) {
            return true; /* cannot tell: assume it does */
        }
        moved = r.io == GEOHA_SQL_THREAD_YES
                && (r.read_pos != r0->read_pos
                    || strcmp(r.read_file, r0->read_file) != 0
                    || (have_hb && geoha_sql_replica_heartbeats(c, &hb) == 0
                        && hb != hb0));
        if (r.io != GEOHA_SQL_THREAD_YES) {
            geoha_sql_replica_clear(&r);
            return false;
        }
        geoha_sql_replica_clear(&r);
        if (moved) {
            return true;
        }
    }
}

/* review-1: say so early, not only when a promotion is refused. */
static void
warn_unaskable(const struct agent *a, const char *node, const char *why)
{
    geoha_warn("The server of node %s answers but cannot be asked whether "
               "it is writable, so promote would refuse: fix the account of "
               "%s on it | node=%s reason='%s'",
               node, P_DEFAULTS_FILE, node, why);
    (void)a;
}

/* Warn about every other server that answers but cannot be asked. */
void
native_check_peer_logins(const struct agent *a)
{
    const struct geoha_map *m = geoha_param_map(a->ctx, P_ENDPOINTS);

    for (size_t i = 0; m != NULL && i < m->n; i++) {
        char why[256] = "";

        if (strcmp(m->e[i].node, a->ctx->node) != 0
            && native_ask_peer(a, m->e[i].node, NULL, why, sizeof(why))
                   == PEER_UNKNOWN) {
            warn_unaskable(a, m->e[i].node, why);
        }
    }
}

/*
 * Whether a replica's monitor should try the peer logins again: at most
 * every PEER_CHECK_S (a login per peer costs about 2 ms of CPU, a quarter
 * of a whole monitor). The stamp file's mtime says when it last did.
 */
bool
native_peer_check_due(const struct agent *a)
{
    struct stat sb;
    int fd;

    if (stat(a->peercheck_path, &sb) == 0
        && time(NULL) - sb.st_mtime < PEER_CHECK_S
        && sb.st_mtime <= time(NULL)) {
        return false;
    }
    fd = open(a->peercheck_path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd >= 0) {
        futimens(fd, NULL);
        close(fd);
    }
    return true;
}

/*
 * With no replication configured: is there exactly one writable peer (its
 * node in *writer), and does this server hold everything every peer holds
 * (for the score when nobody writes)?
 */
void
native_survey_peers(const struct agent *a, const struct geoha_sql_status *mine,
                    char writer[GEOHA_NODE_MAX], bool *holds_all)
{
    const struct geoha_map *m = geoha_param_map(a->ctx, P_ENDPOINTS);
    unsigned writers = 0;

    writer[0] = '\0';
    *holds_all = true;
    for (size_t i = 0; m != NULL && i < m->n; i++) {
        struct geoha_deadline pd = native_peer_deadline(a, PEER_TIMEOUT_MS);
        struct geoha_sql *p = NULL;
        struct geoha_sql_status ps = { 0 };
        char why[256];
        bool sub = false;
        int rc;

        if (strcmp(m->e[i].node, a->ctx->node) == 0) {
            continue;
        }
        rc = native_connect_node(a, m->e[i].node, &pd, &p, why, sizeof(why));
        if (rc != 0 && !unreachable_result(rc)) {
            warn_unaskable(a, m->e[i].node, why);
        }
        if (rc != 0 || geoha_sql_status_get(p, &ps) != 0) {
            *holds_all = false; /* cannot tell what it holds */
            geoha_sql_close(p);
            continue;
        }
        if (!ps.read_only) {
            writers++;
            geoha_strlcpy(writer, m->e[i].node, GEOHA_NODE_MAX);
        }
        if (geoha_gtid_text_subset(ps.gtid_state, mine->gtid_state, &sub) != 0
            || !sub) {
            *holds_all = false;
        }
        geoha_sql_status_clear(&ps);
        geoha_sql_close(p);
    }
    if (writers != 1) {
        writer[0] = '\0';
    }
}

/*
 * review-6: the last look at every other server, right before this one
 * takes writes (the first look may be the whole catch-up wait old).
 */
int
native_peers_still_safe(const struct agent *a, char *why, size_t why_size)
{
    const struct geoha_map *m = geoha_param_map(a->ctx, P_ENDPOINTS);

    if (!geoha_param_bool(a->ctx, P_FENCE_PEER_CHECK)) {
        return 0;
    }
    for (size_t i = 0; m != NULL && i < m->n; i++) {
        const char *node = m->e[i].node;
        char pwhy[256] = "";
        enum peer_state state;

        bool was_unreachable =
            i < 8 * sizeof(unsigned) && (a->unreachable_peers & (1u << i)) != 0;

        if (strcmp(node, a->ctx->node) == 0) {
            continue;
        }
        state = ask_peer_within(a, node, NULL, pwhy, sizeof(pwhy),
                                was_unreachable ? PEER_REASK_TIMEOUT_MS
                                                : PEER_TIMEOUT_MS);
        if (state == PEER_WRITABLE) {
            geoha_snprintf(why, why_size,
                           "the server of node %s became writable while "
                           "this one caught up: demote or fence it first",
                           node);
            return GEOHA_E_UNSAFE;
        }
        if (state == PEER_UNKNOWN) {
            geoha_snprintf(why, why_size,
                           "the server of node %s is alive but cannot be "
                           "asked whether it is writable (%s): make the "
                           "account of %s work on it, or fence it first",
                           node, pwhy, P_DEFAULTS_FILE);
            return GEOHA_E_UNSAFE;
        }
    }
    return 0;
}
