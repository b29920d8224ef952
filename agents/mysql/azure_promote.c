/*
 * ocf:geoha:mysql backend=azure — promote: named steps over one struct
 * promotion (promote_steps[]), the former writer's fencing through ARM
 * (old_writer_action), the PATCH of replicationRole with its retries, the
 * write check, and close-pending: a former writer in a region that did
 * not answer, closed by the writer's monitor once it does (issue 16).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "geoha/arm.h"
#include "geoha/attr.h"
#include "geoha/file.h"
#include "geoha/gtid.h"
#include "geoha/map.h"
#include "geoha/ocf.h"
#include "geoha/sql.h"
#include "geoha/util.h"

#include "azure_base.h"
#include "backend.h"
#include "common.h"

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
void
az_close_pending(struct az *az)
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
        rc = az_set_read_only(az, i, true, false, &d, &how);
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
        if (az_server_get(az, i, &d) != 0) {
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
            int ro = az_arm_read_only(az, i, true, &rd);

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
                rc = az_server_wait_settled(az, i, d);
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
        after = az_sql_probe(az, i, NULL);
        if (after == SQL_WRITABLE || after == SQL_UNKNOWN) {
            geoha_snprintf(done, done_size,
                           "%s failed (%s) and it still answers (%s)", action,
                           geoha_arm_why(az->arm, rc), az_sqlstate_text(after));
            return GEOHA_E_UNSAFE;
        }
        geoha_snprintf(done, done_size,
                       "%s not done (%s; HTTP %d); over SQL it %s: left to "
                       "quorum and fencing",
                       action, geoha_arm_why(az->arm, rc), status,
                       az_sqlstate_text(after));
        geoha_warn("Cannot reach the former writer through ARM | server='%s' "
                   "%s",
                   s->name, done);
        close_pending_set(az, i);
        return 0;
    }
    if (geoha_streq(action, OLD_WRITER_STOP)) {
        /* S1: it must be gone before the new writer takes writes */
        after = az_sql_probe(az, i, NULL);
        if (after >= SQL_UNKNOWN) {
            geoha_snprintf(done, done_size,
                           "stop reported done, but it still answers (%s)",
                           az_sqlstate_text(after));
            return after == SQL_READ_ONLY ? 0 : GEOHA_E_UNSAFE;
        }
    } else if (geoha_streq(action, OLD_WRITER_NONE)) {
        after = az_sql_probe(az, i, NULL);
        if (after == SQL_WRITABLE || after == SQL_UNKNOWN) {
            geoha_snprintf(done, done_size, "it answers (%s) and %s=%s",
                           az_sqlstate_text(after), P_OLD_WRITER_ACTION,
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
            rc = az_server_get(az, az->me, d);
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
                && az_server_wait_settled(az, az->me, d) == 0
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
        if (az_server_wait_settled(az, az->me, d) == 0 && standalone(me(az))) {
            rc = 0;
            break; /* the failed operation did it after all */
        }
        for (size_t i = 0; i < az->n; i++) {
            if (fenced[i] && az_sql_probe(az, i, NULL) == SQL_WRITABLE) {
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

        rc = az_sql_connect(az, az->me, d, &c, why, why_size);
        if (rc == 0) {
            rc = geoha_sql_status_get(c, &st);
            if (rc == 0 && st.read_only) {
                geoha_sql_close(c);
                c = NULL;
                geoha_sql_status_clear(&st);
                rc = az_set_read_only(az, az->me, false, true, d, &how);
                if (rc == 0) {
                    geoha_notice("Cleared read_only | how=%s", how);
                    rc = az_sql_connect(az, az->me, d, &c, why, why_size);
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

    if (az_marked(az)) {
        geoha_exit_reason("Refusing to promote: this server is marked "
                          "diverged-or-stale; run the reseed action (see %s)",
                          az->mark_path);
        return OCF_ERR_GENERIC;
    }
    left = geoha_deadline_left_ms(&ctx->deadline);
    rc = az_server_get(az, az->me, &ctx->deadline);
    if (rc == 0 && geoha_streq_ci(me(az)->state, STATE_UPDATING)) {
        /* an earlier promote's operation may still run: let it finish */
        struct geoha_deadline d =
            geoha_deadline_min(&ctx->deadline, left - left / 10);

        geoha_notice("An operation runs on the server; waiting for it | "
                     "server='%s' role=%s",
                     me(az)->name, me(az)->role);
        rc = az_server_wait_settled(az, az->me, &d);
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
    az_others_get(az);
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

    rc = az_sql_connect(az, az->me, &ctx->deadline, &pm->c, why, sizeof(why));
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
        ss = az_sql_probe(az, i, &ps);
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
            if (az_set_read_only(az, i, true, false, &d, &how) == 0) {
                geoha_sql_status_clear(&ps);
                ss = az_sql_probe(az, i, &ps);
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
                           s->name, az_sqlstate_text(ss), pos);
            }
            geoha_gtid_set_free(p);
        }
        json_array_append_new(
            pm->peers,
            json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b}", "node", s->node,
                      "server", s->name, "arm_state",
                      s->known ? str_or(s->state, "?")
                               : (s->unreachable ? "unreachable" : "unknown"),
                      "sql", az_sqlstate_text(ss), "made_read_only", how,
                      "gtid", str_or(pos, ""), "holds_more", holds_more));
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
        if (s->known && !running(s)
            && az_sql_probe(az, i, NULL) < SQL_UNKNOWN) {
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
    rc = az_marker_write(az, &pm->mk);
    if (rc != 0) {
        const char *how = "";
        int ro;

        /* S1: a writer whose state file does not say so would be taken
         * for an unpromoted one (and a restart forgets it) */
        ro = az_set_read_only(az, az->me, true, true, &ctx->deadline, &how);
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

    geoha__mysql_promoted_attrs(ctx, az->attr_final);
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
            az_record_decision(az, j);
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

int
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
