/*
 * fence_geoha: the fence agent for Azure virtual machines, with fabric
 * fencing (Traffic Manager endpoint, MySQL flexible server).
 *
 * Options come from options.c, typed and checked once by config.c
 * (struct fence_config); this file sets up the ARM client and runs one
 * action of its action table (fence_actions[]). off and reboot run their fabric
 * steps in child processes beside the power-off (see "fabric fencing" below);
 * the fenced VM's region gets region_timeout to answer at all. Only main()
 * returns fence exit codes; everything below returns library result codes (0 or
 * negative), turned into an exit code by fence_exit().
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>
#include <qb/qblog.h>

#include "geoha/arm.h"
#include "geoha/file.h"
#include "geoha/map.h"
#include "geoha/ocf.h"
#include "geoha/util.h"

#include "fence_geoha.h"

#ifndef GEOHA_VERSION
#define GEOHA_VERSION "0"
#endif

#define AGENT_NAME "fence_geoha"

#define API_COMPUTE "2024-07-01"
#define API_NETWORK "2022-04-01"
#define API_MYSQL "2024-12-30"
#define API_IMDS_INSTANCE "2021-12-13"

#define PROVIDER_VM "Microsoft.Compute/virtualMachines"
#define PROVIDER_TM "Microsoft.Network/trafficmanagerprofiles"
#define PROVIDER_DB "Microsoft.DBforMySQL/flexibleServers"

/* The least time a last look at an operation is given. */
#define LAST_LOOK_MS 2000

#define ERR_MAX 1024

enum power {
    PS_UNKNOWN,
    PS_RUNNING,
    PS_STARTING,
    PS_STOPPING,
    PS_STOPPED,
    PS_DEALLOCATING,
    PS_DEALLOCATED,
};

static const char *const power_names[] = {
    [PS_UNKNOWN] = "unknown",         [PS_RUNNING] = "running",
    [PS_STARTING] = "starting",       [PS_STOPPING] = "stopping",
    [PS_STOPPED] = "stopped",         [PS_DEALLOCATING] = "deallocating",
    [PS_DEALLOCATED] = "deallocated",
};

struct fence {
    const struct fence_config *c; /* what the options say; read only */
    struct geoha_arm_client *arm;
    char *sub;        /* owned */
    char *rg;         /* owned */
    const char *plug; /* the VM at hand (list-status: each in turn) */
    char vm[GEOHA_ARM_PATH_MAX];
    bool off;          /* status: the VM is off */
    char err[ERR_MAX]; /* the last failure, for the operator */
};

/* ---- small helpers ---- */

static bool
power_off(enum power p)
{
    return p == PS_STOPPED || p == PS_DEALLOCATED;
}

/* Remember the ARM client's last error line (or rc's text) in f->err. */
static int
fail(struct fence *f, int rc, const char *what)
{
    geoha_snprintf(f->err, sizeof(f->err), "%s: %s", what,
                   geoha_arm_why(f->arm, rc));
    return rc;
}

static void
debug_hook(void *arg, const char *line)
{
    const struct fence_config *c = arg;

    if (c->verbose) {
        geoha_debug("%s", line);
    }
    if (c->debug_file != NULL) {
        char stamp[512];

        geoha_snprintf(stamp, sizeof(stamp), "%lld %s",
                       (long long)geoha_wall_ms(), line);
        (void)geoha_file_append_line(c->debug_file, stamp, 0600);
    }
}

static int
fence_exit(int rc)
{
    return rc == 0 ? FENCE_EC_OK : FENCE_EC_ERROR;
}

static struct geoha_deadline
deadline_s(long long seconds)
{
    struct geoha_deadline d;

    geoha_deadline_init(&d, (int64_t)seconds * 1000);
    return d;
}

/* ---- set-up ---- */

/* Create the client, find subscription and resource group (IMDS). */

/*
 * The ARM client. A token cache directory the library refuses (a symbolic
 * link, someone else's, a loose mode: issue 17 item 6) costs the agents
 * their start; fencing goes on without the cache (one token fetch per
 * run) and says why, since a fencing that fails is the worse outcome.
 */
static int
arm_client_new(const struct fence *f, char *err, size_t errlen,
               struct geoha_arm_client **out)
{
    int rc = geoha_arm_client_new(&f->c->arm, err, errlen, out);

    if (rc == -EACCES
        && (f->c->arm.cache_dir == NULL || f->c->arm.cache_dir[0])) {
        struct geoha_arm_config cfg = f->c->arm;

        geoha_warn("Fencing goes on without a token cache | reason='%s'", err);
        cfg.cache_dir = "";
        err[0] = '\0';
        rc = geoha_arm_client_new(&cfg, err, errlen, out);
    }
    return rc;
}

static int
connect_arm(struct fence *f, const struct geoha_deadline *d)
{
    char err[ERR_MAX] = "";
    json_t *j = NULL;
    const char *sub = f->c->subscription;
    const char *rg = f->c->resource_group;
    int rc;

    rc = arm_client_new(f, err, sizeof(err), &f->arm);
    if (rc != 0) {
        geoha_snprintf(f->err, sizeof(f->err), "ARM client: %s",
                       err[0] != '\0' ? err : geoha_strerror(rc));
        return rc;
    }
    if (sub == NULL || rg == NULL) {
        /* As fence_azure_arm: the local VM's own subscription/group. */
        rc = geoha_arm_imds_get(f->arm, "/metadata/instance", API_IMDS_INSTANCE,
                                d, &j);
        if (rc != 0) {
            return fail(f, rc,
                        "subscriptionId/resourceGroup not set and the "
                        "instance metadata service did not answer");
        }
        if (sub == NULL) {
            sub = geoha_arm_json_str(j, "compute.subscriptionId");
        }
        if (rg == NULL) {
            rg = geoha_arm_json_str(j, "compute.resourceGroupName");
        }
        if (sub == NULL || rg == NULL || !geoha_arm_name_valid(sub)
            || !geoha_arm_name_valid(rg)) {
            json_decref(j);
            geoha_strlcpy(f->err,
                          "The instance metadata has no usable "
                          "subscriptionId/resourceGroupName; set them",
                          sizeof(f->err));
            return GEOHA_E_PROTOCOL;
        }
        geoha_info("Using the local VM's subscription and resource group "
                   "| subscriptionId='%s' resourceGroup='%s'",
                   sub, rg);
    }
    f->sub = strdup(sub);
    f->rg = strdup(rg);
    json_decref(j);
    if (f->sub == NULL || f->rg == NULL) {
        return -ENOMEM;
    }
    if (f->plug != NULL) {
        rc = geoha_arm_path(f->vm, sizeof(f->vm), f->sub, f->rg, PROVIDER_VM,
                            f->plug, NULL);
        if (rc != 0) {
            geoha_strlcpy(f->err, "Cannot build the VM's resource path",
                          sizeof(f->err));
            return GEOHA_E_CONFIG;
        }
    }
    return 0;
}

/* ---- power ---- */

static enum power
power_parse(const char *code)
{
    const char *s = code + strlen("PowerState/");

    for (int i = PS_RUNNING; i <= PS_DEALLOCATED; i++) {
        if (strcasecmp(s, power_names[i]) == 0) {
            return (enum power)i;
        }
    }
    return PS_UNKNOWN;
}

/* One read of the VM's instance view. */
static int
power_read(struct fence *f, const struct geoha_deadline *d, enum power *out)
{
    char path[GEOHA_ARM_PATH_MAX];
    json_t *j = NULL;
    json_t *statuses;
    size_t i;
    json_t *st;
    int rc;

    rc = geoha_snprintf(path, sizeof(path), "%s/instanceView", f->vm);
    if (rc != 0) {
        return GEOHA_E_CONFIG;
    }
    rc = geoha_arm_get(f->arm, path, API_COMPUTE, d, &j);
    if (rc != 0) {
        return fail(f, rc, "Reading the VM's power state failed");
    }
    statuses = json_object_get(j, "statuses");
    rc = GEOHA_E_PROTOCOL;
    json_array_foreach(statuses, i, st)
    {
        const char *code = json_string_value(json_object_get(st, "code"));

        if (code != NULL && strncasecmp(code, "PowerState/", 11) == 0) {
            *out = power_parse(code);
            rc = 0;
            break;
        }
    }
    json_decref(j);
    if (rc != 0) {
        geoha_strlcpy(f->err, "The VM's instance view has no PowerState status",
                      sizeof(f->err));
    }
    return rc;
}

/* ---- the VM's region ---- */

/*
 * The deadline for a first answer from the fenced VM's region:
 * region_timeout from now, never past outer. A region that is down does
 * not answer at all (its requests hang): waiting for it longer only
 * delays the next fencing level.
 */
static struct geoha_deadline
region_deadline(const struct fence *f, const struct geoha_deadline *outer)
{
    return geoha_deadline_min(outer, f->c->region_timeout_s * 1000);
}

/* Whole seconds, rounded up, from now to d (for messages). */
static long long
seconds_left(const struct geoha_deadline *d)
{
    return (long long)((geoha_deadline_left_ms(d) + 999) / 1000);
}

/*
 * The first read of the VM's power state, within region_timeout (and
 * outer). When the region did not answer, *silent is set and f->err says
 * so: the caller fails now instead of spending power_timeout on it.
 */
static int
power_read_first(struct fence *f, const struct geoha_deadline *outer,
                 enum power *out, bool *silent)
{
    struct geoha_deadline rd = region_deadline(f, outer);
    long long bound_s = seconds_left(&rd);
    int rc = power_read(f, &rd, out);

    *silent = rc != 0 && geoha_arm_unreachable(f->arm, rc);
    if (*silent) {
        geoha_warn("The VM's region did not answer | vm='%s' within_s=%lld "
                   "error='%s'",
                   f->plug, bound_s, geoha_arm_why(f->arm, rc));
        geoha_snprintf(f->err, sizeof(f->err),
                       "the region did not answer within %lld s", bound_s);
    }
    return rc;
}

/* Poll until the power state is (or is not) off, within d. */
static int
power_wait(struct fence *f, bool want_off, const struct geoha_deadline *d,
           enum power *last)
{
    int64_t started = geoha_now_ms();

    for (;;) {
        enum power p = PS_UNKNOWN;
        int rc = power_read(f, d, &p);

        if (rc != 0) {
            return rc;
        }
        *last = p;
        if (want_off ? power_off(p) : p == PS_RUNNING) {
            return 0;
        }
        if (geoha_deadline_left_ms(d) < f->c->poll_ms + 100) {
            geoha_snprintf(f->err, sizeof(f->err),
                           "The VM is still %s after %lld s (waiting for "
                           "%s; power_timeout)",
                           power_names[p],
                           (long long)((geoha_now_ms() - started) / 1000),
                           want_off ? "stopped" : "running");
            return GEOHA_E_DEADLINE;
        }
        geoha_debug("VM is %s; waiting | vm='%s'", power_names[p], f->plug);
        geoha_sleep_ms(d, f->c->poll_ms);
    }
}

/*
 * POST a power action and follow it to the wanted power state. The
 * operation is followed first (it reports failures such as a hook or a
 * platform error at once); the PowerState read after it is what counts.
 */
static int
power_change(struct fence *f, bool off, const struct geoha_deadline *d)
{
    char path[GEOHA_ARM_PATH_MAX];
    struct geoha_arm_op op;
    enum power p = PS_UNKNOWN;
    int rc;

    if (off) {
        rc = geoha_snprintf(path, sizeof(path), "%s/powerOff?skipShutdown=%s",
                            f->vm, f->c->shutdown ? "false" : "true");
    } else {
        rc = geoha_snprintf(path, sizeof(path), "%s/start", f->vm);
    }
    if (rc != 0) {
        return GEOHA_E_CONFIG;
    }
    geoha_arm_op_init(&op);
    rc =
        geoha_arm_send(f->arm, GEOHA_ARM_POST, path, API_COMPUTE, NULL, d, &op);
    if (rc == GEOHA_E_REMOTE && geoha_arm_last_status(f->arm) == 409) {
        /* An earlier attempt's operation is still running: wait for the
         * power state it leads to. */
        geoha_notice("Another operation is running on the VM; waiting for "
                     "its power state | vm='%s' detail='%s'",
                     f->plug, geoha_arm_last_error(f->arm));
        rc = power_wait(f, off, d, &p);
        goto done;
    }
    if (rc != 0) {
        rc = fail(f, rc,
                  off ? "Power-off request failed" : "Power-on request failed");
        goto done;
    }
    geoha_info("%s requested | vm='%s' status=%d",
               off ? "Power-off" : "Power-on", f->plug, op.status);
    rc = geoha_arm_lro_wait(f->arm, &op, d, NULL);
    if (rc != 0) {
        char opmsg[ERR_MAX];
        int oprc = rc;
        struct geoha_deadline last = geoha_deadline_min(d, LAST_LOOK_MS);

        geoha_strlcpy(opmsg, geoha_arm_last_error(f->arm), sizeof(opmsg));
        geoha_warn("The %s operation did not succeed; checking the power "
                   "state | vm='%s' detail='%s'",
                   off ? "power-off" : "power-on", f->plug, opmsg);
        if (oprc == GEOHA_E_REMOTE || oprc == GEOHA_E_DEADLINE) {
            /* Failed, or out of time: one last look. */
            if (geoha_deadline_expired(d)) {
                geoha_deadline_init(&last, LAST_LOOK_MS);
            }
            rc = power_read(f, &last, &p);
            if (rc == 0 && (off ? power_off(p) : p == PS_RUNNING)) {
                goto done;
            }
            geoha_snprintf(f->err, sizeof(f->err),
                           "%s operation: %s (the VM is %s)",
                           off ? "Power-off" : "Power-on",
                           opmsg[0] != '\0' ? opmsg : geoha_strerror(oprc),
                           power_names[p]);
            rc = oprc;
            goto done;
        }
        /* The status could not be read: the power state will tell. */
    }
    rc = power_wait(f, off, d, &p);
done:
    geoha_arm_op_clear(&op);
    return rc;
}

/* ---- fabric fencing ---- */

/*
 * What became of one step of off/reboot: the words of the summary line
 * ("tm_endpoint=disabled db_server=no-answer power_off=no-answer").
 */
enum outcome {
    OC_NOT_CONFIGURED,  /* the step is not configured */
    OC_NO_ANSWER,       /* Azure did not answer within the step's bound */
    OC_FAILED,          /* Azure answered with an error, or no request */
    OC_UNMAPPED,        /* the target is not in the step's map */
    OC_DISABLED,        /* the Traffic Manager endpoint is disabled */
    OC_REPLICA,         /* the database server is a replica: left alone */
    OC_ALREADY_STOPPED, /* the database server is stopped or stopping */
    OC_BUSY,            /* another operation runs on the server */
    OC_STOP_REQUESTED,  /* the stop is sent, not seen to end */
    OC_STOPPED,         /* the database server is stopped */
    OC_CONFIRMED,       /* the VM is off: power-off confirmed */
    OC_ALREADY_OFF,     /* the VM was off already */
    OC_TIMED_OUT,       /* the VM was not off within power_timeout */
    OC_N,
};

static const char *const outcome_names[OC_N] = {
    [OC_NOT_CONFIGURED] = "not-configured",
    [OC_NO_ANSWER] = "no-answer",
    [OC_FAILED] = "failed",
    [OC_UNMAPPED] = "unmapped",
    [OC_DISABLED] = "disabled",
    [OC_REPLICA] = "replica",
    [OC_ALREADY_STOPPED] = "already-stopped",
    [OC_BUSY] = "busy",
    [OC_STOP_REQUESTED] = "stop-requested",
    [OC_STOPPED] = "stopped",
    [OC_CONFIRMED] = "confirmed",
    [OC_ALREADY_OFF] = "already-off",
    [OC_TIMED_OUT] = "timed-out",
};

/* A failed ARM call: no answer (the region or ARM is silent) or a refusal. */
static enum outcome
outcome_of(struct fence *f, int rc)
{
    return geoha_arm_unreachable(f->arm, rc) ? OC_NO_ANSWER : OC_FAILED;
}

/* A step's progress, from the step's process to the agent's. */
struct step_msg {
    int32_t outcome;
    int32_t final; /* 0: the request is sent, the step goes on */
};

/* Tell the agent's process how the step stands; rfd < 0: the step runs
 * in that process itself. */
static void
step_report(int rfd, enum outcome oc, bool final)
{
    struct step_msg m = { .outcome = (int32_t)oc, .final = final ? 1 : 0 };
    ssize_t n;

    if (rfd < 0) {
        return;
    }
    /* One write under PIPE_BUF: atomic, read whole by the agent. */
    do {
        n = write(rfd, &m, sizeof(m));
    } while (n < 0 && errno == EINTR);
}

static const char *
map_target(struct fence *f, const struct geoha_map *m)
{
    const char *v = NULL;

    if (f->c->target != NULL) {
        v = geoha_map_get(m, f->c->target);
    }
    if (v == NULL && f->plug != NULL) {
        v = geoha_map_get(m, f->plug);
    }
    return v;
}

static int
resource_path(char *dst, size_t size, const char *sub, const char *rg,
              const char *provider, const char *name_or_id)
{
    if (name_or_id[0] == '/') {
        return geoha_snprintf(dst, size, "%s", name_or_id);
    }
    return geoha_arm_path(dst, size, sub, rg, provider, name_or_id, NULL);
}

/*
 * Disable the target's Traffic Manager endpoint. Traffic Manager is
 * global: this answers while the fenced region is down, so it is bounded
 * by fabric_timeout, not region_timeout, and waits for nothing else.
 */
static enum outcome
step_tm(struct fence *f, int rfd)
{
    const struct fence_tm *tm = &f->c->tm;
    struct geoha_deadline d = deadline_s(f->c->fabric_timeout_s);
    char base[GEOHA_ARM_PATH_MAX];
    char path[GEOHA_ARM_PATH_MAX];
    const char *profile = tm->profile;
    const char *ep;
    json_t *body = NULL;
    int rc;

    (void)rfd; /* one request: its final report is all there is */
    if (profile == NULL) {
        return OC_NOT_CONFIGURED;
    }
    ep = map_target(f, &tm->endpoints);
    if (ep == NULL) {
        geoha_err("Fabric fencing: no Traffic Manager endpoint for the "
                  "target in tm_endpoints | node='%s' plug='%s'",
                  f->c->target != NULL ? f->c->target : "", f->plug);
        return OC_UNMAPPED;
    }
    rc = resource_path(base, sizeof(base), f->sub,
                       tm->rg != NULL ? tm->rg : f->rg, PROVIDER_TM, profile);
    if (rc == 0) {
        rc = geoha_snprintf(path, sizeof(path), "%s/%s/%s", base, tm->type, ep);
    }
    body = json_pack("{s:{s:s}}", "properties", "endpointStatus", "Disabled");
    if (rc != 0 || body == NULL) {
        geoha_err("Fabric fencing: cannot build the endpoint request | "
                  "endpoint='%s'",
                  ep);
        json_decref(body);
        return OC_FAILED;
    }
    geoha_info("Fabric fencing: disabling the Traffic Manager endpoint | "
               "profile='%s' endpoint='%s'",
               profile, ep);
    rc = geoha_arm_call(f->arm, GEOHA_ARM_PATCH, path, API_NETWORK, body, &d,
                        NULL);
    json_decref(body);
    if (rc != 0) {
        geoha_err("Fabric fencing: disabling the Traffic Manager endpoint "
                  "failed; the power-off goes on | endpoint='%s' error='%s'",
                  ep, geoha_arm_why(f->arm, rc));
        return outcome_of(f, rc);
    }
    geoha_notice("Fabric fencing: Traffic Manager endpoint disabled | "
                 "profile='%s' endpoint='%s'",
                 profile, ep);
    return OC_DISABLED;
}

/*
 * Stop the target's database server when it is a writer, and follow the
 * stop up to fabric_timeout. The server lives in the fenced region: in
 * an outage its read hangs like the VM's, so the first answer is awaited
 * for region_timeout at most. Reports OC_STOP_REQUESTED (not final) once
 * the stop is sent.
 */
static enum outcome
step_db(struct fence *f, int rfd)
{
    const struct fence_db *db = &f->c->db;
    struct geoha_deadline d = deadline_s(f->c->fabric_timeout_s);
    struct geoha_deadline rd = region_deadline(f, &d);
    long long bound_s = seconds_left(&rd);
    struct geoha_arm_op op;
    char path[GEOHA_ARM_PATH_MAX];
    char stop[GEOHA_ARM_PATH_MAX + 8];
    const char *server;
    char role[32] = "";
    char state[32] = "";
    const char *s;
    json_t *j = NULL;
    enum outcome oc;
    int rc;

    if (!db->stop || db->servers.n == 0) {
        return OC_NOT_CONFIGURED;
    }
    server = map_target(f, &db->servers);
    if (server == NULL) {
        geoha_err("Fabric fencing: no database server for the target in "
                  "db_servers | node='%s' plug='%s'",
                  f->c->target != NULL ? f->c->target : "", f->plug);
        return OC_UNMAPPED;
    }
    rc = resource_path(path, sizeof(path), f->sub,
                       db->rg != NULL ? db->rg : f->rg, PROVIDER_DB, server);
    if (rc != 0) {
        geoha_err("Fabric fencing: cannot build the database server's path "
                  "| server='%s'",
                  server);
        return OC_FAILED;
    }
    rc = geoha_arm_get(f->arm, path, API_MYSQL, &rd, &j);
    if (rc != 0) {
        oc = outcome_of(f, rc);
        if (oc == OC_NO_ANSWER) {
            geoha_err("Fabric fencing: the database server's region did not "
                      "answer within %lld s; the power-off goes on | "
                      "server='%s' error='%s'",
                      bound_s, server, geoha_arm_why(f->arm, rc));
        } else {
            geoha_err("Fabric fencing: reading the database server failed; "
                      "the power-off goes on | server='%s' error='%s'",
                      server, geoha_arm_why(f->arm, rc));
        }
        return oc;
    }
    /* Copies: j goes before the stop is sent. */
    s = geoha_arm_json_str(j, "properties.replicationRole");
    geoha_strlcpy(role, s != NULL ? s : "None", sizeof(role));
    s = geoha_arm_json_str(j, "properties.state");
    geoha_strlcpy(state, s != NULL ? s : "", sizeof(state));
    json_decref(j);
    if (strcasecmp(role, "Replica") == 0) {
        geoha_info("Fabric fencing: the database server is a replica; left "
                   "as it is | server='%s'",
                   server);
        return OC_REPLICA;
    }
    if (strcasecmp(state, "Stopped") == 0
        || strcasecmp(state, "Stopping") == 0) {
        geoha_notice("Fabric fencing: the database server is already %s | "
                     "server='%s'",
                     state, server);
        return OC_ALREADY_STOPPED;
    }
    if (geoha_snprintf(stop, sizeof(stop), "%s/stop", path) != 0) {
        return OC_FAILED;
    }
    geoha_info("Fabric fencing: stopping the writer database server | "
               "server='%s' role='%s'",
               server, role);
    geoha_arm_op_init(&op);
    rc = geoha_arm_send(f->arm, GEOHA_ARM_POST, stop, API_MYSQL, NULL, &d, &op);
    if (rc == GEOHA_E_REMOTE && geoha_arm_last_status(f->arm) == 409) {
        geoha_notice("Fabric fencing: another operation is running on the "
                     "database server; not waiting for it | server='%s' "
                     "detail='%s'",
                     server, geoha_arm_last_error(f->arm));
        oc = OC_BUSY;
        goto done;
    }
    if (rc != 0) {
        geoha_err("Fabric fencing: stopping the database server failed; "
                  "the power-off goes on | server='%s' error='%s'",
                  server, geoha_arm_why(f->arm, rc));
        oc = outcome_of(f, rc);
        goto done;
    }
    step_report(rfd, OC_STOP_REQUESTED, false);
    /* The stop runs in Azure while the VM powers off; a last look even
     * when fabric_timeout is (nearly) spent. */
    if (geoha_deadline_left_ms(&d) < LAST_LOOK_MS) {
        geoha_deadline_init(&d, LAST_LOOK_MS);
    }
    rc = geoha_arm_lro_wait(f->arm, &op, &d, NULL);
    if (rc == 0) {
        geoha_notice("Fabric fencing: database server stopped | server='%s'",
                     server);
        oc = OC_STOPPED;
    } else if (rc == GEOHA_E_DEADLINE) {
        geoha_warn("Fabric fencing: the database server stop is still "
                   "running (requested, not waited for beyond "
                   "fabric_timeout) | server='%s'",
                   server);
        oc = OC_STOP_REQUESTED;
    } else {
        geoha_err("Fabric fencing: the database server stop failed | "
                  "server='%s' error='%s'",
                  server, geoha_arm_why(f->arm, rc));
        oc = OC_FAILED;
    }
done:
    geoha_arm_op_clear(&op);
    return oc;
}

/*
 * Fabric steps run in processes of their own, at the same time as the
 * power-off (arm.h: one ARM client per process, and a client waits on
 * one request at a time). So the global Traffic Manager endpoint is
 * disabled at once even while the fenced region's requests hang, and the
 * database server's region_timeout runs beside the VM's instead of after
 * it: a region outage costs region_timeout once.
 */
typedef enum outcome (*step_fn)(struct fence *f, int rfd);

/* Time a worker that reported its end gets to exit, before SIGKILL. */
#define WORKER_EXIT_MS 1000

struct worker {
    const char *what; /* summary key */
    pid_t pid;        /* 0: no process (not started, or ran inline) */
    int fd;           /* read end of its pipe, -1: closed */
    enum outcome oc;
    bool requested; /* its request is sent, or it gave up */
    bool final;     /* its outcome is final */
};

static void
worker_init(struct worker *w, const char *what)
{
    w->what = what;
    w->pid = 0;
    w->fd = -1;
    w->oc = OC_NOT_CONFIGURED;
    w->requested = true;
    w->final = true;
}

static void __attribute__((noreturn))
worker_main(struct fence *f, const char *what, step_fn fn, int rfd)
{
    struct geoha_arm_client *own = NULL;
    char err[ERR_MAX] = "";
    enum outcome oc = OC_FAILED;

    (void)signal(SIGPIPE, SIG_IGN);
    /* A client of its own. The agent's (a copy of its curl handle and
     * connections) is never used nor freed here: that would talk on the
     * agent's sockets. */
    if (arm_client_new(f, err, sizeof(err), &own) == 0) {
        f->arm = own;
        oc = fn(f, rfd);
    } else {
        geoha_err("Fabric fencing: no ARM client for the step | step=%s "
                  "error='%s'",
                  what, err);
    }
    step_report(rfd, oc, true);
    geoha_arm_client_free(own);
    fflush(stderr);
    _exit(0);
}

/* Start fn in a process of its own; if that fails, run it here. */
static void
worker_run(struct fence *f, struct worker *w, step_fn fn)
{
    int p[2];
    pid_t pid;
    int e;

    w->oc = OC_NO_ANSWER; /* what it is if it never reports */
    w->requested = false;
    w->final = false;
    if (pipe2(p, O_CLOEXEC) != 0) {
        e = errno;
        goto here;
    }
    fflush(stdout);
    fflush(stderr);
    pid = fork();
    if (pid == 0) {
        close(p[0]);
        worker_main(f, w->what, fn, p[1]);
    }
    e = errno;
    close(p[1]);
    if (pid < 0) {
        close(p[0]);
        goto here;
    }
    w->pid = pid;
    w->fd = p[0];
    return;
here:
    geoha_warn("Fabric fencing: no process for the step; running it before "
               "the power-off | step=%s error='%s'",
               w->what, strerror(e));
    w->oc = fn(f, -1);
    w->requested = true;
    w->final = true;
}

/* Take one report from w, waiting until d at most. Returns false when d
 * passed or the worker has ended (its pipe is closed). */
static bool
worker_read(struct worker *w, const struct geoha_deadline *d)
{
    struct pollfd pfd = { .fd = w->fd, .events = POLLIN };
    struct step_msg m;
    int64_t left = geoha_deadline_left_ms(d);
    ssize_t n;
    int ready;

    if (w->fd < 0 || left <= 0) {
        return false;
    }
    ready = poll(&pfd, 1, left > INT_MAX ? INT_MAX : (int)left);
    if (ready < 0 && errno == EINTR) {
        return true;
    }
    if (ready <= 0) {
        return false;
    }
    n = read(w->fd, &m, sizeof(m));
    if (n < 0 && errno == EINTR) {
        return true;
    }
    if (n != (ssize_t)sizeof(m)) {
        /* End of file: the worker is gone, with or without a word. */
        if (!w->requested) {
            w->oc = OC_FAILED;
        }
        close(w->fd);
        w->fd = -1;
        return false;
    }
    if (m.outcome >= 0 && m.outcome < OC_N) {
        w->oc = (enum outcome)m.outcome;
    }
    w->requested = true;
    w->final = m.final != 0;
    return true;
}

/* Wait until w's outcome is final (or, !want_final, its request sent). */
static void
worker_wait(struct worker *w, bool want_final, const struct geoha_deadline *d)
{
    while (!(w->final || (w->requested && !want_final)) && worker_read(w, d)) {
    }
}

/* Reap w. One still at work is killed: a request it sent goes on in
 * Azure; its outcome stays what it last reported. */
static void
worker_end(struct worker *w)
{
    struct geoha_deadline d;
    int status;

    if (w->pid <= 0) {
        return;
    }
    geoha_deadline_init(&d, WORKER_EXIT_MS);
    while (w->final && w->fd >= 0 && worker_read(w, &d)) {
    }
    if (w->fd >= 0) {
        (void)kill(w->pid, SIGKILL);
        close(w->fd);
        w->fd = -1;
    }
    while (waitpid(w->pid, &status, 0) < 0 && errno == EINTR) {
    }
    w->pid = 0;
}

/*
 * Before off says anything, every fabric request has been sent or has
 * given up: a success never leaves the database stop unsent. After a
 * confirmed power-off the database stop is followed up to fabric_timeout,
 * so that the log says whether it ended; after a failure it is not: a
 * sent stop goes on in Azure anyway, and failing fast is what lets the
 * next fencing level start.
 */
static void
fabric_join(struct worker *tm, struct worker *db, bool off,
            const struct geoha_deadline *fabric_d)
{
    struct geoha_deadline d;

    /* The steps bound themselves by fabric_timeout (a stop's last look
     * may take LAST_LOOK_MS more); this only guards against a stuck one. */
    geoha_deadline_init(&d, geoha_deadline_left_ms(fabric_d) + LAST_LOOK_MS
                                + WORKER_EXIT_MS);
    worker_wait(tm, true, &d);
    worker_wait(db, off, &d);
    worker_end(tm);
    worker_end(db);
}

static bool
tm_configured(const struct fence *f)
{
    return f->c->tm.profile != NULL;
}

static bool
db_configured(const struct fence *f)
{
    return f->c->db.servers.n > 0 && f->c->db.stop;
}

/* ---- actions ---- */

/*
 * One line that says how each step ended, and, on failure, the same in
 * f->err (the action's error line).
 */
static void
off_summary(struct fence *f, int rc, const struct worker *tm,
            const struct worker *db, enum outcome power)
{
    const char *target = f->c->target;
    const char *who = target != NULL && target[0] != '\0' ? target : f->plug;
    char steps[160];
    char why[ERR_MAX];

    (void)geoha_snprintf(
        steps, sizeof(steps), "tm_endpoint=%s db_server=%s power_off=%s",
        outcome_names[tm->oc], outcome_names[db->oc], outcome_names[power]);
    if (rc == 0) {
        geoha_notice("Fencing of %s succeeded | %s", who, steps);
        return;
    }
    geoha_strlcpy(why, f->err[0] != '\0' ? f->err : geoha_strerror(rc),
                  sizeof(why));
    geoha_err("Fencing of %s failed: %s | %s", who, why, steps);
    (void)geoha_snprintf(f->err, sizeof(f->err), "%s; %s", why, steps);
}

/*
 * The fabric steps start first, each in a process of its own, and the VM
 * is read and powered off meanwhile: nothing waits for the fenced region
 * longer than region_timeout before it has answered, and nothing global
 * (Traffic Manager) waits for the region at all. Success is the power
 * state alone, reported after the fabric steps (fabric_join()).
 */
static int
do_off(struct fence *f, bool *already)
{
    struct worker tm;
    struct worker db;
    struct geoha_deadline fd;
    struct geoha_deadline pd;
    enum power p = PS_UNKNOWN;
    enum outcome power_oc;
    bool silent = false;
    int rc;

    *already = false;
    worker_init(&tm, "tm_endpoint");
    worker_init(&db, "db_server");
    fd = deadline_s(f->c->fabric_timeout_s);
    if (tm_configured(f) || db_configured(f)) {
        struct geoha_deadline ad = deadline_s(f->c->api_timeout_s);

        /* One token for all: the steps' processes find it in the cache
         * (or the token file) instead of each asking for one. */
        (void)geoha_arm_auth_check(f->arm, &ad);
    }
    if (tm_configured(f)) {
        worker_run(f, &tm, step_tm);
    }
    if (db_configured(f)) {
        worker_run(f, &db, step_db);
    }
    pd = deadline_s(f->c->power_timeout_s);
    rc = power_read_first(f, &pd, &p, &silent);
    if (rc != 0) {
        power_oc = silent ? OC_NO_ANSWER : OC_FAILED;
    } else if (power_off(p)) {
        *already = true;
        power_oc = OC_ALREADY_OFF;
        geoha_notice("The VM is already %s | vm='%s'", power_names[p], f->plug);
    } else {
        /* The region has answered: the power-off and its confirmation
         * get power_timeout. */
        geoha_info("Powering off | vm='%s' state=%s shutdown=%s", f->plug,
                   power_names[p], f->c->shutdown ? "graceful" : "skipped");
        rc = power_change(f, true, &pd);
        power_oc = rc == 0                  ? OC_CONFIRMED
                   : rc == GEOHA_E_DEADLINE ? OC_TIMED_OUT
                                            : OC_FAILED;
    }
    fabric_join(&tm, &db, rc == 0, &fd);
    if (rc == 0) {
        geoha_notice("The VM is off | vm='%s'", f->plug);
    }
    off_summary(f, rc, &tm, &db, power_oc);
    return rc;
}

static int
do_on(struct fence *f, bool *already)
{
    long long tries = f->c->retry_on;
    struct geoha_deadline pd = deadline_s(f->c->power_timeout_s);
    enum power p = PS_UNKNOWN;
    bool silent = false;
    int rc;

    *already = false;
    rc = power_read_first(f, &pd, &p, &silent);
    if (rc != 0) {
        return rc;
    }
    if (p == PS_RUNNING) {
        *already = true;
        return 0;
    }
    for (long long i = 0; i < tries; i++) {
        if (i > 0) {
            geoha_warn("Power-on attempt %lld of %lld failed; retrying | "
                       "vm='%s' error='%s'",
                       i, tries, f->plug, f->err);
            pd = deadline_s(f->c->power_timeout_s);
        }
        rc = power_change(f, false, &pd);
        if (rc == 0) {
            geoha_notice("The VM is running | vm='%s'", f->plug);
            break;
        }
    }
    return rc;
}

static void
sleep_s(long long seconds)
{
    struct geoha_deadline d = deadline_s(seconds);

    if (seconds > 0) {
        geoha_sleep_ms(&d, seconds * 1000);
    }
}

static int
action_off(struct fence *f)
{
    bool already = false;
    int rc = do_off(f, &already);

    if (rc == 0) {
        sleep_s(already ? 0 : f->c->power_wait_s);
        printf("Success: %s\n", already ? "Already OFF" : "Powered OFF");
    }
    return rc;
}

static int
action_on(struct fence *f)
{
    bool already = false;
    int rc = do_on(f, &already);

    if (rc == 0) {
        sleep_s(already ? 0 : f->c->power_wait_s);
        printf("Success: %s\n", already ? "Already ON" : "Powered ON");
    }
    return rc;
}

/*
 * The rest of a reboot's power-on, in a process of its own that Pacemaker
 * does not wait for: detached (its own session, its standard streams on
 * /dev/null, so pacemaker-fenced sees the agent's output end with the
 * agent) and with its own ARM client. It follows the VM until it runs or
 * power_timeout passes, and logs which.
 */
static void
follow_power_on(struct fence *f)
{
    struct geoha_deadline pd;
    enum power p = PS_UNKNOWN;
    char err[ERR_MAX] = "";
    pid_t pid;
    int status;
    int fd;

    fflush(stdout);
    fflush(stderr);
    pid = fork();
    if (pid < 0) {
        return;
    }
    if (pid > 0) {
        waitpid(pid, &status, 0);
        return;
    }
    if (fork() != 0) {
        _exit(0);
    }
    setsid();
    fd = open("/dev/null", O_RDWR);
    if (fd >= 0) {
        dup2(fd, STDIN_FILENO);
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
    }
    f->arm = NULL; /* the agent's handle talks on the agent's sockets */
    if (arm_client_new(f, err, sizeof(err), &f->arm) != 0) {
        _exit(0);
    }
    pd = deadline_s(f->c->power_timeout_s);
    if (power_wait(f, false, &pd, &p) == 0) {
        geoha_notice("After the reboot's fencing the VM runs again | vm='%s'",
                     f->plug);
    } else {
        geoha_err("After the reboot's fencing the VM did not come back "
                  "within power_timeout | vm='%s' power=%s",
                  f->plug, power_names[p]);
    }
    _exit(0);
}

/*
 * Off (with fabric fencing), then on. Fencing is done once the VM is off
 * and the fabric steps are done: that is when the cluster may promote.
 * So the power-on is requested, and Azure's acceptance of it (202) is all
 * this action waits for; a detached process follows the VM until it runs
 * (issue 18: a VM's boot, tens of seconds on Azure, no longer holds the
 * promotion). The node comes back still cut off from traffic and its
 * database until the cluster brings them back. As in fence-agents, a
 * failed power-on does not fail the reboot: the node was fenced. An admin
 * who wants no power-on sets pcmk_reboot_action=off (or
 * stonith-action=off); Pacemaker then runs off.
 */
static int
action_reboot(struct fence *f)
{
    bool already = false;
    int rc = do_off(f, &already);
    char path[GEOHA_ARM_PATH_MAX];
    struct geoha_deadline pd;
    struct geoha_arm_op op;

    if (rc != 0) {
        return rc;
    }
    sleep_s(f->c->power_wait_s);
    pd = deadline_s(f->c->api_timeout_s);
    geoha_arm_op_init(&op);
    rc = geoha_snprintf(path, sizeof(path), "%s/start", f->vm);
    if (rc == 0) {
        rc = geoha_arm_send(f->arm, GEOHA_ARM_POST, path, API_COMPUTE, NULL,
                            &pd, &op);
    }
    geoha_arm_op_clear(&op);
    if (rc != 0
        && !(rc == GEOHA_E_REMOTE && geoha_arm_last_status(f->arm) == 409)) {
        geoha_err("The VM is off (fenced) but did not power on again | "
                  "vm='%s' error='%s'",
                  f->plug, geoha_arm_why(f->arm, rc));
    } else {
        geoha_notice("Power-on requested; not waiting for the VM to boot | "
                     "vm='%s'",
                     f->plug);
        follow_power_on(f);
    }
    printf("Success: Rebooted\n");
    return 0;
}

static int
action_status(struct fence *f)
{
    struct geoha_deadline d = deadline_s(f->c->api_timeout_s);
    enum power p = PS_UNKNOWN;
    bool silent = false;
    int rc = power_read_first(f, &d, &p, &silent);

    /* A silent region fails the status: the VM is not known to be off. */
    if (rc != 0) {
        return rc;
    }
    if (p == PS_UNKNOWN) {
        geoha_strlcpy(f->err,
                      "The VM's PowerState is not one fence_geoha "
                      "knows",
                      sizeof(f->err));
        return GEOHA_E_PROTOCOL;
    }
    printf("Status: %s\n", power_off(p) ? "OFF" : "ON");
    geoha_debug("Status | vm='%s' state=%s", f->plug, power_names[p]);
    f->off = power_off(p);
    return 0;
}

static int
action_monitor(struct fence *f)
{
    struct geoha_deadline d = deadline_s(f->c->api_timeout_s);
    struct geoha_deadline rd;
    char path[GEOHA_ARM_PATH_MAX];
    enum power p;
    bool silent = false;
    json_t *j = NULL;
    int rc;

    if (f->plug != NULL) {
        return power_read_first(f, &d, &p, &silent);
    }
    /* One read: the first page of the resource group's VMs. It holds the
     * regions' VMs, and hangs like them when one is down. */
    rc = geoha_arm_path(path, sizeof(path), f->sub, f->rg, PROVIDER_VM, NULL);
    if (rc != 0) {
        return GEOHA_E_CONFIG;
    }
    rd = region_deadline(f, &d);
    rc = geoha_arm_get(f->arm, path, API_COMPUTE, &rd, &j);
    json_decref(j);
    if (rc != 0) {
        return fail(f, rc, "Listing the resource group's VMs failed");
    }
    return 0;
}

/* Regions list-status stops asking once one of their VMs was silent. */
#define SILENT_MAX 8
#define LOCATION_MAX 64

struct silent_regions {
    char loc[SILENT_MAX][LOCATION_MAX];
    size_t n;
};

static bool
region_silent(const struct silent_regions *s, const char *loc)
{
    for (size_t i = 0; loc != NULL && i < s->n; i++) {
        if (strcasecmp(s->loc[i], loc) == 0) {
            return true;
        }
    }
    return false;
}

static void
region_mark_silent(struct silent_regions *s, const char *loc)
{
    if (loc != NULL && s->n < SILENT_MAX && strlen(loc) < LOCATION_MAX) {
        geoha_strlcpy(s->loc[s->n++], loc, LOCATION_MAX);
    }
}

/*
 * list, list-status. Each VM's power read waits region_timeout at most;
 * after one of a region's VMs was silent, the region's others are
 * UNKNOWN without asking, so a region outage costs region_timeout once.
 */
static int
list_vms(struct fence *f, bool with_status)
{
    struct geoha_deadline d = deadline_s(f->c->api_timeout_s);
    const char *sep = f->c->separator;
    char path[GEOHA_ARM_PATH_MAX];
    struct silent_regions silent = { .n = 0 };
    json_t *list = NULL;
    json_t *vm;
    size_t i;
    int rc;

    rc = geoha_arm_path(path, sizeof(path), f->sub, f->rg, PROVIDER_VM, NULL);
    if (rc != 0) {
        return GEOHA_E_CONFIG;
    }
    rc = geoha_arm_list(f->arm, path, API_COMPUTE, 0, &d, &list);
    if (rc != 0) {
        return fail(f, rc, "Listing the resource group's VMs failed");
    }
    json_array_foreach(list, i, vm)
    {
        const char *name = json_string_value(json_object_get(vm, "name"));
        const char *loc = json_string_value(json_object_get(vm, "location"));
        enum power p = PS_UNKNOWN;
        bool no_answer = false;

        if (name == NULL || !geoha_arm_name_valid(name)) {
            continue;
        }
        if (!with_status) {
            printf("%s%s\n", name, sep);
            continue;
        }
        f->plug = name;
        rc = geoha_arm_path(f->vm, sizeof(f->vm), f->sub, f->rg, PROVIDER_VM,
                            name, NULL);
        if (rc == 0 && region_silent(&silent, loc)) {
            rc = GEOHA_E_DEADLINE;
        } else if (rc == 0) {
            rc = power_read_first(f, &d, &p, &no_answer);
        }
        if (no_answer) {
            region_mark_silent(&silent, loc);
        }
        printf("%s%s%s%s\n", name, sep, sep,
               rc != 0 || p == PS_UNKNOWN ? "UNKNOWN"
               : power_off(p)             ? "OFF"
                                          : "ON");
        rc = 0;
    }
    json_decref(list);
    f->plug = NULL;
    return 0;
}

static int
action_list(struct fence *f)
{
    return list_vms(f, false);
}

static int
action_list_status(struct fence *f)
{
    return list_vms(f, true);
}

static int
action_metadata(struct fence *f)
{
    (void)f;
    return fence_metadata(stdout, fence_actions);
}

static int
action_validate(struct fence *f)
{
    (void)f;
    geoha_info("Configuration is valid");
    return 0;
}

/* The actions, in the order the metadata and --help list them. */
const struct fence_action fence_actions[] = {
    { "on", NULL, action_on, FACT_ARM | FACT_PLUG | FACT_MANUAL },
    { "off", NULL, action_off, FACT_ARM | FACT_PLUG | FACT_DELAY },
    { "reboot", NULL, action_reboot, FACT_ARM | FACT_PLUG | FACT_DELAY },
    { "status", NULL, action_status, FACT_ARM | FACT_PLUG },
    { "list", NULL, action_list, FACT_ARM },
    { "list-status", NULL, action_list_status, FACT_ARM },
    { "monitor", NULL, action_monitor, FACT_ARM },
    { "metadata", "meta-data", action_metadata, FACT_BARE },
    { "validate-all", NULL, action_validate, 0 },
    { NULL, NULL, NULL, 0 },
};

static void
log_setup(const struct fence_config *c)
{
    const char *rsc = c->plug != NULL ? c->plug : AGENT_NAME;

    geoha_log_init(AGENT_NAME, rsc);
    if (c->verbose) {
        qb_log_filter_ctl(QB_LOG_STDERR, QB_LOG_FILTER_ADD, QB_LOG_FILTER_FILE,
                          "*", LOG_DEBUG);
        qb_log_filter_ctl(QB_LOG_SYSLOG, QB_LOG_FILTER_ADD, QB_LOG_FILTER_FILE,
                          "*", LOG_DEBUG);
    }
    if (c->quiet) {
        qb_log_ctl(QB_LOG_STDERR, QB_LOG_CONF_ENABLED, QB_FALSE);
    }
}

/* Whether s is a short word that is safe to echo in a message. */
static bool
key_like(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n > 32) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];

        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')
              || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-')) {
            return false;
        }
    }
    return true;
}

/*
 * What needs no valid configuration and logs nothing: --help, --version
 * and the metadata (its parse warnings go to stderr as they are).
 * Returns the exit code, or -1 when the run is none of these.
 */
static int
answer_bare(const struct fence_opts *o, const struct fence_config *c,
            struct fence *f)
{
    if (o->error != NULL) {
        return -1;
    }
    if (c->help) {
        fence_usage(stdout, fence_actions);
        return FENCE_EC_OK;
    }
    if (c->version) {
        printf("%s %s\n", AGENT_NAME, GEOHA_VERSION);
        return FENCE_EC_OK;
    }
    if (c->action == NULL || (c->action->flags & FACT_BARE) == 0) {
        return -1;
    }
    for (unsigned i = 0; i < o->n_warn; i++) {
        fprintf(stderr, "%s: warning: %s\n", AGENT_NAME, o->warn[i]);
    }
    return c->action->run(f) == 0 ? FENCE_EC_OK : FENCE_EC_ERROR;
}

/*
 * Whether the options make a run: logs why not (the parse's error, no
 * options, an unknown action, then what fence_config_fill() found).
 */
static bool
config_usable(const struct fence_opts *o, const struct fence_config *c,
              int fill_rc, const char *fill_err)
{
    const char *given = c->action_given;
    char names[256];

    if (o->error != NULL) {
        geoha_err("%s", o->error);
        return false;
    }
    if (o->given == 0) {
        geoha_err("No options: give them on the command line, or as "
                  "key=value lines on standard input (see --help)");
        return false;
    }
    if (c->action == NULL) {
        /* given may be anything: print it only when it looks like a word */
        fence_action_names(fence_actions, names, sizeof(names));
        geoha_err("Unknown action '%.32s' (%s)",
                  given != NULL && key_like(given) ? given : "?", names);
        return false;
    }
    if (fill_rc != 0) {
        geoha_err("%s", fill_err);
        return false;
    }
    return true;
}

/* Delay, connect, run the action; returns the exit code. */
static int
run_action(struct fence *f)
{
    const struct fence_config *c = f->c;
    const struct fence_action *a = c->action;
    int rc;

    if ((a->flags & FACT_DELAY) != 0 && c->delay_s > 0) {
        geoha_info("Delay %lld second(s) before fencing", c->delay_s);
        sleep_s(c->delay_s);
    }
    if ((a->flags & FACT_ARM) != 0) {
        struct geoha_deadline d = deadline_s(c->api_timeout_s);

        rc = connect_arm(f, &d);
        if (rc != 0) {
            geoha_err("%s", f->err);
            return FENCE_EC_ERROR;
        }
    }
    rc = a->run(f);
    if (rc != 0) {
        geoha_err("Action '%s' failed | vm='%s' error='%s'", a->name,
                  f->plug != NULL ? f->plug : "",
                  f->err[0] != '\0' ? f->err : geoha_strerror(rc));
        return fence_exit(rc);
    }
    return f->off ? FENCE_EC_STATUS_OFF : FENCE_EC_OK;
}

int
main(int argc, char **argv)
{
    struct fence_opts o;
    struct fence_config c;
    struct fence f;
    char err[ERR_MAX] = "";
    int fill_rc;
    int ec;

    fence_opts_init(&o);
    memset(&f, 0, sizeof(f));
    if (argc > 1) {
        (void)fence_opts_parse_argv(&o, argc, argv);
    } else {
        (void)fence_opts_parse_fd(&o, STDIN_FILENO);
    }
    fill_rc = fence_config_fill(&c, &o, fence_actions, true, err, sizeof(err));
    c.arm.debug_fn = debug_hook;
    c.arm.debug_arg = &c;
    f.c = &c;
    f.plug = c.plug;

    ec = answer_bare(&o, &c, &f);
    if (ec >= 0) {
        goto out;
    }
    log_setup(&c);
    for (unsigned i = 0; i < o.n_warn; i++) {
        geoha_warn("%s", o.warn[i]);
    }
    ec = config_usable(&o, &c, fill_rc, err) ? run_action(&f) : FENCE_EC_ERROR;
out:
    fflush(stdout);
    geoha_arm_client_free(f.arm);
    free(f.sub);
    free(f.rg);
    geoha_log_close();
    fence_opts_clear(&o);
    return ec;
}
