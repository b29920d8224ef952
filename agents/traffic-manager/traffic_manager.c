/*
 * ocf:geoha:traffic-manager: this region's Azure Traffic Manager endpoint
 * as a cluster resource (used as a clone, one instance per region node).
 *
 * mode=enable:   start enables the endpoint, stop disables it.
 * mode=priority: start gives it priority_active (and enables it), stop
 *                gives it priority_standby.
 *
 * Every action touches only the local node's endpoint, reads the result
 * back, and is idempotent. The long descriptions below are the contract
 * (when stop fails, what monitor answers, the last-endpoint guard).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "geoha/arm.h"
#include "geoha/attr.h"
#include "geoha/map.h"
#include "geoha/ocf.h"
#include "geoha/util.h"

#define AGENT_NAME "traffic-manager"

/* Parameters and their defaults (the metadata shows these constants). */
#define P_SUBSCRIPTION "subscription"
#define P_RESOURCE_GROUP "resource_group"
#define P_PROFILE "profile"
#define P_ENDPOINTS "endpoints"
#define P_ENDPOINT_TYPE "endpoint_type"
#define P_MODE "mode"
#define P_PRIORITY_ACTIVE "priority_active"
#define P_PRIORITY_STANDBY "priority_standby"
#define P_ALLOW_ALL_DISABLED "allow_all_disabled"

#define TYPE_EXTERNAL "ExternalEndpoints"
#define TYPE_AZURE "AzureEndpoints"
#define P_ENDPOINT_TYPE_DEFAULT TYPE_EXTERNAL
#define MODE_ENABLE "enable"
#define MODE_PRIORITY "priority"
#define P_MODE_DEFAULT MODE_ENABLE
#define PRIORITY_MIN 1
#define PRIORITY_MAX 1000
#define P_PRIORITY_ACTIVE_DEFAULT "1"
#define P_PRIORITY_STANDBY_DEFAULT "1000"
#define P_ALLOW_ALL_DISABLED_DEFAULT "false"

/* Traffic Manager over ARM. */
#define TM_API_VERSION "2022-04-01"
#define TM_PROVIDER "Microsoft.Network/trafficmanagerprofiles"
#define TM_ROUTING_PRIORITY "Priority"
#define ST_ENABLED "Enabled"
#define ST_DISABLED "Disabled"
#define J_STATUS "properties.endpointStatus"
#define J_MONITOR "properties.endpointMonitorStatus"
#define J_PRIORITY "properties.priority"
#define J_ENDPOINTS "properties.endpoints"
#define J_ROUTING "properties.trafficRoutingMethod"
#define J_PROFILE_STATUS "properties.profileStatus"

/* The node attribute with Azure's probe view: "<resource>-endpoint-status"
 * (the clone suffix ":N" dropped), e.g. "tm-endpoint-status". */
#define ATTR_SUFFIX "-endpoint-status"
#define ATTR_UNKNOWN "Unknown"
#define ATTR_NAME_MAX 256

static const char *const type_choices[] = { TYPE_EXTERNAL, TYPE_AZURE, NULL };
static const char *const mode_choices[] = { MODE_ENABLE, MODE_PRIORITY, NULL };
enum { MODE_I_ENABLE = 0, MODE_I_PRIORITY = 1 };

/* clang-format off */
static const struct geoha_param params[] = {
    { .name = P_SUBSCRIPTION, .type = GEOHA_PT_STRING, .required = true,
      .shortdesc = "Subscription id",
      .longdesc = "Azure subscription id of the Traffic Manager profile." },
    { .name = P_RESOURCE_GROUP, .type = GEOHA_PT_STRING, .required = true,
      .shortdesc = "Resource group",
      .longdesc = "Resource group of the Traffic Manager profile." },
    { .name = P_PROFILE, .type = GEOHA_PT_STRING, .required = true,
      .flags = GEOHA_PF_UNIQUE,
      .shortdesc = "Traffic Manager profile",
      .longdesc = "Name of the Traffic Manager profile." },
    { .name = P_ENDPOINTS, .type = GEOHA_PT_MAP,
      .map_value = GEOHA_PT_STRING, .required = true,
      .shortdesc = "Endpoint of each node",
      .longdesc = "The endpoint each cluster node owns, as node=endpoint "
                  "pairs, e.g. 'ci=drupal-ci si=drupal-si'. An instance "
                  "changes only its own node's endpoint. In priority mode "
                  "the order matters (see priority_active)." },
    { .name = P_ENDPOINT_TYPE, .type = GEOHA_PT_ENUM,
      .default_value = P_ENDPOINT_TYPE_DEFAULT, .choices = type_choices,
      .shortdesc = "Endpoint type",
      .longdesc = "Type of the endpoints: ExternalEndpoints (a host name "
                  "or address) or AzureEndpoints (a public IP or App "
                  "Service)." },
    { .name = P_MODE, .type = GEOHA_PT_ENUM,
      .default_value = P_MODE_DEFAULT, .choices = mode_choices,
      .shortdesc = "What start and stop change",
      .longdesc = "enable: start enables the endpoint, stop disables it "
                  "(a disabled endpoint never gets traffic). priority: "
                  "start enables the endpoint and gives it the active "
                  "priority, stop gives it the standby priority and "
                  "leaves it enabled, so with Priority routing Traffic "
                  "Manager still falls back to it when every active "
                  "region fails its probes." },
    { .name = P_PRIORITY_ACTIVE, .type = GEOHA_PT_INT,
      .default_value = P_PRIORITY_ACTIVE_DEFAULT,
      .min = PRIORITY_MIN, .max = PRIORITY_MAX,
      .shortdesc = "Priority of a started endpoint (mode=priority)",
      .longdesc = "Priority (1-1000, lower wins) a started endpoint gets "
                  "in priority mode. Azure requires every endpoint of a "
                  "profile to have a different priority, and both regions "
                  "can be started at the same time, so the node at "
                  "position i in endpoints (0 for the first) gets "
                  "priority_active + i: with the defaults and "
                  "endpoints='ci=... si=...', ci gets 1 and si gets 2 "
                  "(when both are started, the first listed wins). "
                  "priority_active + (n - 1) must stay below "
                  "priority_standby - (n - 1), n being the number of "
                  "entries in endpoints, and no endpoint outside "
                  "endpoints may hold any of these priorities." },
    { .name = P_PRIORITY_STANDBY, .type = GEOHA_PT_INT,
      .default_value = P_PRIORITY_STANDBY_DEFAULT,
      .min = PRIORITY_MIN, .max = PRIORITY_MAX,
      .shortdesc = "Priority of a stopped endpoint (mode=priority)",
      .longdesc = "Priority a stopped endpoint gets in priority mode. The "
                  "node at position i in endpoints gets "
                  "priority_standby - i (with the defaults: ci 1000, si "
                  "999), for the same uniqueness reason." },
    { .name = P_ALLOW_ALL_DISABLED, .type = GEOHA_PT_BOOL,
      .default_value = P_ALLOW_ALL_DISABLED_DEFAULT,
      .shortdesc = "Allow disabling the last enabled endpoint",
      .longdesc = "In enable mode, stop never disables the last enabled "
                  "endpoint of the profile (counting every endpoint of "
                  "the profile, managed by the cluster or not) unless "
                  "this is true: a profile without an enabled endpoint "
                  "answers no one. The endpoint is then left enabled, a "
                  "warning is logged and stop succeeds. When both regions "
                  "stop at the same moment, each reads the profile again "
                  "after its change and enables its own endpoint again if "
                  "it finds every endpoint disabled, so at least one (and "
                  "possibly both) stays enabled." },
    GEOHA_ARM_PARAMS,
};
/* clang-format on */

/* Everything an action needs, worked out once from the parameters. */
struct tm {
    const char *endpoint; /* this node's endpoint; NULL: node not mapped */
    const struct geoha_map *map;
    const char *type;
    bool priority_mode;
    bool allow_all_disabled;
    long long prio_active;  /* this node's effective priorities */
    long long prio_standby; /* (priority mode) */
    char profile_path[GEOHA_ARM_PATH_MAX];
    char endpoint_path[GEOHA_ARM_PATH_MAX];
    char attr_name[ATTR_NAME_MAX];
    struct geoha_arm_client *arm;
};

/* ---- parameters ---- */

#define bad_name(param, value)                                                 \
    geoha_param_invalid((param), (value),                                      \
                        "is not a valid Azure resource name (letters, "        \
                        "digits, '.', '_', '-', '(', ')')",                    \
                        OCF_ERR_CONFIGURED)

/* "<resource id without :N>-endpoint-status". */
static void
attr_name_init(const struct geoha_ctx *ctx, struct tm *tm)
{
    const char *rsc = ctx->rsc_base;

    if (strcmp(rsc, "(none)") == 0) {
        rsc = AGENT_NAME;
    }
    if (rsc[0] == '\0' /* too long */
        || geoha_snprintf(tm->attr_name, sizeof(tm->attr_name), "%s%s", rsc,
                          ATTR_SUFFIX)
               != 0) {
        geoha_snprintf(tm->attr_name, sizeof(tm->attr_name), "%s%s", AGENT_NAME,
                       ATTR_SUFFIX);
    }
}

/*
 * Checks between parameters and the paths they make. Works on syntax only
 * (no files, no network), so stop and probes can use it too. A node that
 * is not in endpoints is not an error here: tm->endpoint stays NULL and
 * each action decides.
 */
static int
tm_setup(struct geoha_ctx *ctx, struct tm *tm)
{
    const char *sub = geoha_param_str(ctx, P_SUBSCRIPTION);
    const char *rg = geoha_param_str(ctx, P_RESOURCE_GROUP);
    const char *profile = geoha_param_str(ctx, P_PROFILE);
    size_t n, index = 0;

    memset(tm, 0, sizeof(*tm));
    tm->map = geoha_param_map(ctx, P_ENDPOINTS);
    tm->type = geoha_param_str(ctx, P_ENDPOINT_TYPE);
    tm->priority_mode = geoha_param_int(ctx, P_MODE) == MODE_I_PRIORITY;
    tm->allow_all_disabled = geoha_param_bool(ctx, P_ALLOW_ALL_DISABLED);
    attr_name_init(ctx, tm);

    if (!geoha_arm_name_valid(sub)) {
        return bad_name(P_SUBSCRIPTION, sub);
    }
    if (!geoha_arm_name_valid(rg)) {
        return bad_name(P_RESOURCE_GROUP, rg);
    }
    if (!geoha_arm_name_valid(profile)) {
        return bad_name(P_PROFILE, profile);
    }
    n = tm->map->n;
    for (size_t i = 0; i < n; i++) {
        const char *ep = tm->map->e[i].value;

        if (!geoha_arm_name_valid(ep)) {
            geoha_exit_reason("Parameter %s has an endpoint name '%s' for "
                              "node '%s' that is not a valid Azure resource "
                              "name",
                              P_ENDPOINTS, ep, tm->map->e[i].node);
            return OCF_ERR_CONFIGURED;
        }
        for (size_t j = 0; j < i; j++) {
            if (geoha_streq_ci(ep, tm->map->e[j].value)) {
                geoha_exit_reason("Parameter %s gives endpoint '%s' to both "
                                  "'%s' and '%s'; each node needs its own",
                                  P_ENDPOINTS, ep, tm->map->e[j].node,
                                  tm->map->e[i].node);
                return OCF_ERR_CONFIGURED;
            }
        }
        if (strcmp(tm->map->e[i].node, ctx->node) == 0) {
            tm->endpoint = ep;
            index = i;
        }
    }
    if (tm->priority_mode) {
        long long act = geoha_param_int(ctx, P_PRIORITY_ACTIVE);
        long long stb = geoha_param_int(ctx, P_PRIORITY_STANDBY);
        long long span = (long long)n - 1;

        if (act + span >= stb - span) {
            geoha_exit_reason("Parameters %s=%lld and %s=%lld leave no room "
                              "for %zu endpoints: %s + %lld must be below "
                              "%s - %lld",
                              P_PRIORITY_ACTIVE, act, P_PRIORITY_STANDBY, stb,
                              n, P_PRIORITY_ACTIVE, span, P_PRIORITY_STANDBY,
                              span);
            return OCF_ERR_CONFIGURED;
        }
        tm->prio_active = act + (long long)index;
        tm->prio_standby = stb - (long long)index;
    }
    if (geoha_arm_path(tm->profile_path, sizeof(tm->profile_path), sub, rg,
                       TM_PROVIDER, profile, NULL)
        != 0) {
        geoha_exit_reason("Parameters %s, %s and %s make a resource path "
                          "that is too long",
                          P_SUBSCRIPTION, P_RESOURCE_GROUP, P_PROFILE);
        return OCF_ERR_CONFIGURED;
    }
    if (tm->endpoint != NULL
        && geoha_arm_path(tm->endpoint_path, sizeof(tm->endpoint_path), sub, rg,
                          TM_PROVIDER, profile, tm->type, tm->endpoint, NULL)
               != 0) {
        geoha_exit_reason("Parameter %s: the path of endpoint '%s' is too "
                          "long",
                          P_ENDPOINTS, tm->endpoint);
        return OCF_ERR_CONFIGURED;
    }
    return OCF_SUCCESS;
}

/* Before every action: the parameters read into a struct tm. */
static int
setup(struct geoha_ctx *ctx)
{
    struct tm *tm = calloc(1, sizeof(*tm));

    if (tm == NULL) {
        geoha_exit_reason("Out of memory");
        return OCF_ERR_GENERIC;
    }
    ctx->agent_data = tm;
    return tm_setup(ctx, tm);
}

/* After every action: the ARM client an action opened. */
static void
teardown(struct geoha_ctx *ctx)
{
    struct tm *tm = ctx->agent_data;

    if (tm != NULL) {
        geoha_arm_client_free(tm->arm);
        free(tm);
        ctx->agent_data = NULL;
    }
}

/* Full validation (start, validate-all): after the table checks. */
static int
tm_validate(struct geoha_ctx *ctx)
{
    struct tm tm;
    int rc = tm_setup(ctx, &tm);

    if (rc != OCF_SUCCESS) {
        return rc;
    }
    if (tm.endpoint == NULL) {
        geoha_exit_reason("Parameter %s has no endpoint for this node '%s'",
                          P_ENDPOINTS, ctx->node);
        return OCF_ERR_INSTALLED; /* this node only, not cluster-wide */
    }
    return geoha_arm_ocf_check(ctx, true);
}

/* ---- talking to Azure ---- */

static int
arm_open(const struct geoha_ctx *ctx, struct tm *tm)
{
    return geoha_arm_ocf_open(ctx, &tm->arm);
}

static int
get_json(struct geoha_ctx *ctx, struct tm *tm, const char *path, json_t **out)
{
    return geoha_arm_get(tm->arm, path, TM_API_VERSION, &ctx->deadline, out);
}

/*
 * The exit code for an ARM call that failed with rc (a 404 aside: each
 * action decides what a missing endpoint means). Never
 * OCF_ERR_CONFIGURED: the parameters passed tm_setup() and the client
 * took them, so what failed is this node's or Azure's, and
 * OCF_ERR_CONFIGURED would keep the resource off every node (issue 17
 * item 9):
 *  - this node's secret, token or CA file is missing, unreadable or
 *    readable by others (the client read it for a token): a hard error
 *    on this node, OCF_ERR_INSTALLED;
 *  - anything else, a TLS certificate that cannot be verified included
 *    (GEOHA_E_INSECURE: this node's CA store or clock, or a middlebox in
 *    its path): OCF_ERR_GENERIC.
 */
static int
arm_fail_rc(const struct geoha_ctx *ctx, int rc)
{
    struct geoha_arm_config cfg;

    if (rc != GEOHA_E_INSECURE && rc != -ENOENT && rc != -EACCES
        && rc != -EPERM) {
        return OCF_ERR_GENERIC;
    }
    if (geoha_arm_config_from_ctx(ctx, &cfg, NULL, 0) == 0
        && geoha_arm_config_check(&cfg, true, NULL, 0) != 0) {
        return OCF_ERR_INSTALLED;
    }
    return OCF_ERR_GENERIC;
}

/* What a failed call says in an exit reason, TLS spelled out. */
static const char *
arm_fail_hint(int rc)
{
    return rc == GEOHA_E_INSECURE
               ? " (the connection to Azure could not be verified: this "
                 "node's CA certificates or clock, or a proxy in the path; "
                 "see ca_file)"
               : "";
}

static int
patch_endpoint(struct geoha_ctx *ctx, struct tm *tm, const char *status,
               long long priority)
{
    json_t *body = NULL;
    json_t *props = NULL;
    int rc = -ENOMEM;

    body = json_object();
    props = json_object();
    if (body == NULL || props == NULL) {
        json_decref(props);
        goto done;
    }
    if (json_object_set_new(body, "properties", props) != 0) {
        goto done;
    }
    if (status != NULL
        && json_object_set_new(props, "endpointStatus", json_string(status))
               != 0) {
        goto done;
    }
    if (priority > 0
        && json_object_set_new(props, "priority", json_integer(priority))
               != 0) {
        goto done;
    }
    rc = geoha_arm_call(tm->arm, GEOHA_ARM_PATCH, tm->endpoint_path,
                        TM_API_VERSION, body, &ctx->deadline, NULL);
done:
    json_decref(body);
    return rc;
}

/* The trailing segment of an endpoint's type ("…/externalEndpoints"). */
static const char *
type_tail(const json_t *ep)
{
    const char *t = geoha_arm_json_str(ep, "type");
    const char *slash;

    if (t == NULL) {
        return NULL;
    }
    slash = strrchr(t, '/');
    return slash != NULL ? slash + 1 : t;
}

/* Our endpoint in a profile (borrowed), or NULL. */
static json_t *
profile_find(const struct tm *tm, const json_t *profile)
{
    json_t *eps = geoha_arm_json_at(profile, J_ENDPOINTS);
    json_t *ep;
    size_t i;

    if (!json_is_array(eps)) {
        return NULL;
    }
    json_array_foreach(eps, i, ep)
    {
        const char *tail = type_tail(ep);

        if (geoha_streq_ci(geoha_arm_json_str(ep, "name"), tm->endpoint)
            && (tail == NULL || geoha_streq_ci(tail, tm->type))) {
            return ep;
        }
    }
    return NULL;
}

static bool
ep_is(const json_t *ep, const char *status)
{
    return geoha_streq_ci(geoha_arm_json_str(ep, J_STATUS), status);
}

static long long
ep_priority(const json_t *ep)
{
    long long p;

    return geoha_arm_json_ll(ep, J_PRIORITY, PRIORITY_MIN, PRIORITY_MAX, &p)
                   == 0
               ? p
               : -1;
}

static const char *
ep_monitor(const json_t *ep)
{
    const char *s = geoha_arm_json_str(ep, J_MONITOR);

    return (s != NULL && *s != '\0') ? s : ATTR_UNKNOWN;
}

/* Endpoints of the profile other than ours that are enabled. */
static size_t
others_enabled(const json_t *profile, const json_t *own)
{
    json_t *eps = geoha_arm_json_at(profile, J_ENDPOINTS);
    json_t *ep;
    size_t i, n = 0;

    json_array_foreach(eps, i, ep)
    {
        if (ep != own && ep_is(ep, ST_ENABLED)) {
            n++;
        }
    }
    return n;
}

/* The other endpoint holding priority prio, or NULL (borrowed). */
static json_t *
priority_holder(const json_t *profile, const json_t *own, long long prio)
{
    json_t *eps = geoha_arm_json_at(profile, J_ENDPOINTS);
    json_t *ep;
    size_t i;

    json_array_foreach(eps, i, ep)
    {
        if (ep != own && ep_priority(ep) == prio) {
            return ep;
        }
    }
    return NULL;
}

/* Whether endpoint name is one of the cluster's (in endpoints). */
static bool
managed(const struct tm *tm, const char *name)
{
    for (size_t i = 0; i < tm->map->n; i++) {
        if (geoha_streq_ci(tm->map->e[i].value, name)) {
            return true;
        }
    }
    return false;
}

/* Publish Azure's probe view; never fails the action. */
static void
publish(struct geoha_ctx *ctx, const struct tm *tm, const char *value)
{
    bool changed = false;
    int rc;

    if (ctx->probe) {
        return; /* a probe changes nothing */
    }
    rc = geoha_attr_update(GEOHA_ATTR_TRANSIENT, ctx->node, tm->attr_name,
                           value, &ctx->deadline, &changed);
    if (rc != 0) {
        geoha_warn("Cannot set node attribute | attribute=%s value='%s' "
                   "error='%s'",
                   tm->attr_name, value, geoha_strerror(rc));
    } else if (changed) {
        geoha_info("Azure's probe status of the endpoint changed | "
                   "endpoint='%s' attribute=%s value='%s'",
                   tm->endpoint, tm->attr_name, value);
    }
}

/* ---- the wanted states ---- */

enum ep_state {
    EP_STARTED, /* as start leaves it */
    EP_STOPPED, /* as stop leaves it, or disabled */
    EP_OTHER,   /* neither: changed outside the cluster */
};

static enum ep_state
ep_state(const struct tm *tm, const json_t *ep)
{
    bool enabled = ep_is(ep, ST_ENABLED);
    bool disabled = ep_is(ep, ST_DISABLED);
    long long prio;

    if (!enabled && !disabled) {
        return EP_OTHER;
    }
    if (!tm->priority_mode) {
        return enabled ? EP_STARTED : EP_STOPPED;
    }
    prio = ep_priority(ep);
    if (enabled && prio == tm->prio_active) {
        return EP_STARTED;
    }
    if (disabled || prio == tm->prio_standby) {
        return EP_STOPPED;
    }
    return EP_OTHER;
}

/* For log lines: "status=Enabled priority=3 probe=Online". */
static void
ep_describe(const json_t *ep, char *buf, size_t size)
{
    const char *st = geoha_arm_json_str(ep, J_STATUS);

    geoha_snprintf(buf, size, "status=%s priority=%lld probe=%s",
                   st != NULL ? st : "(none)", ep_priority(ep), ep_monitor(ep));
}

/* ---- actions ---- */

static int
start_verify(struct geoha_ctx *ctx, struct tm *tm)
{
    json_t *ep = NULL;
    char desc[160];
    int rc;

    rc = get_json(ctx, tm, tm->endpoint_path, &ep);
    if (rc != 0) {
        geoha_exit_reason("Changed endpoint '%s' but cannot read it back: %s",
                          tm->endpoint, geoha_arm_why(tm->arm, rc));
        return OCF_ERR_GENERIC;
    }
    ep_describe(ep, desc, sizeof(desc));
    if (ep_state(tm, ep) != EP_STARTED) {
        geoha_exit_reason("Azure accepted the change but endpoint '%s' still "
                          "is not started | %s",
                          tm->endpoint, desc);
        json_decref(ep);
        return OCF_ERR_GENERIC;
    }
    geoha_info("Endpoint started | endpoint='%s' %s", tm->endpoint, desc);
    publish(ctx, tm, ep_monitor(ep));
    json_decref(ep);
    return OCF_SUCCESS;
}

/* What a failed read or write in start means. */
static int
start_failed(const struct geoha_ctx *ctx, const struct tm *tm, int rc,
             const char *what)
{
    if (rc == GEOHA_E_NOT_FOUND) {
        /* This node's endpoint (or the profile) is not in Azure: it cannot
         * start here; the other region's endpoint may well exist, so a
         * hard error on this node, not a cluster-wide ban. */
        geoha_exit_reason("Endpoint '%s' (%s) of the Traffic Manager "
                          "profile was not found while %s: %s",
                          tm->endpoint, tm->type, what,
                          geoha_arm_why(tm->arm, rc));
        return OCF_ERR_INSTALLED;
    }
    geoha_exit_reason("Cannot start endpoint '%s' while %s: %s%s", tm->endpoint,
                      what, geoha_arm_why(tm->arm, rc), arm_fail_hint(rc));
    return arm_fail_rc(ctx, rc);
}

/*
 * Priority mode: refuse when another endpoint holds the priority we need
 * (Azure would refuse the PATCH anyway; this says who holds it).
 */
static int
priority_conflicts(const struct tm *tm, const json_t *profile,
                   const json_t *own)
{
    const long long want[2] = { tm->prio_active, tm->prio_standby };

    for (int k = 0; k < 2; k++) {
        const json_t *h = priority_holder(profile, own, want[k]);
        const char *name;

        if (h == NULL) {
            continue;
        }
        name = geoha_arm_json_str(h, "name");
        if (!managed(tm, name)) {
            geoha_exit_reason("Endpoint '%s' outside %s holds priority %lld "
                              "that endpoint '%s' needs; priorities must be "
                              "unique in the profile (change %s/%s)",
                              name != NULL ? name : "?", P_ENDPOINTS, want[k],
                              tm->endpoint, P_PRIORITY_ACTIVE,
                              P_PRIORITY_STANDBY);
            /* Azure's state, which changes without the cluster, and it
             * concerns this node's priorities only: not a ban everywhere */
            return OCF_ERR_GENERIC;
        }
        if (k == 0) {
            geoha_exit_reason("Endpoint '%s' holds priority %lld that "
                              "endpoint '%s' needs (set outside the "
                              "cluster?)",
                              name != NULL ? name : "?", want[k], tm->endpoint);
            return OCF_ERR_GENERIC;
        }
    }
    return OCF_SUCCESS;
}

static int
action_start(struct geoha_ctx *ctx)
{
    struct tm *tm = ctx->agent_data; /* from setup() */
    json_t *profile = NULL;
    json_t *ep = NULL;
    const json_t *own;
    char desc[160];
    int rc;

    if (tm->endpoint == NULL) { /* tm_validate() refused it already */
        return OCF_ERR_INSTALLED;
    }
    rc = arm_open(ctx, tm);
    if (rc != OCF_SUCCESS) {
        goto done;
    }
    if (!tm->priority_mode) {
        /* One read tells whether anything needs doing. */
        rc = get_json(ctx, tm, tm->endpoint_path, &ep);
        if (rc != 0) {
            rc = start_failed(ctx, tm, rc, "reading it");
            goto done;
        }
        own = ep;
    } else {
        /* The whole profile: priorities are unique across it. */
        const char *routing;

        rc = get_json(ctx, tm, tm->profile_path, &profile);
        if (rc != 0) {
            rc = start_failed(ctx, tm, rc, "reading the profile");
            goto done;
        }
        own = profile_find(tm, profile);
        if (own == NULL) {
            rc =
                start_failed(ctx, tm, GEOHA_E_NOT_FOUND, "reading the profile");
            goto done;
        }
        routing = geoha_arm_json_str(profile, J_ROUTING);
        if (routing != NULL && !geoha_streq_ci(routing, TM_ROUTING_PRIORITY)) {
            geoha_warn("mode=priority but the profile routes by '%s': "
                       "priorities change nothing until it uses Priority "
                       "routing | profile=%s",
                       routing, tm->profile_path);
        }
        rc = priority_conflicts(tm, profile, own);
        if (rc != OCF_SUCCESS) {
            goto done;
        }
    }
    if (profile != NULL
        && geoha_streq_ci(geoha_arm_json_str(profile, J_PROFILE_STATUS),
                          ST_DISABLED)) {
        geoha_warn("The Traffic Manager profile itself is disabled | "
                   "endpoint='%s'",
                   tm->endpoint);
    }
    ep_describe(own, desc, sizeof(desc));
    if (ep_state(tm, own) == EP_STARTED) {
        geoha_info("Endpoint already started | endpoint='%s' %s", tm->endpoint,
                   desc);
        publish(ctx, tm, ep_monitor(own));
        rc = OCF_SUCCESS;
        goto done;
    }
    geoha_info("Starting endpoint | endpoint='%s' %s want_priority=%lld",
               tm->endpoint, desc, tm->priority_mode ? tm->prio_active : -1);
    rc = patch_endpoint(ctx, tm, ST_ENABLED,
                        tm->priority_mode ? tm->prio_active : 0);
    if (rc != 0) {
        rc = start_failed(ctx, tm, rc, "changing it");
        goto done;
    }
    rc = start_verify(ctx, tm);
done:
    json_decref(profile);
    json_decref(ep);
    return rc;
}

/*
 * What a failed read or write in stop means. Stop fails only when Azure
 * answered and refused; when it could not be asked, the endpoint is left
 * as it is and stop succeeds (see the agent's description).
 */
static int
stop_failed(const struct geoha_ctx *ctx, const struct tm *tm, int rc,
            const char *what)
{
    if (rc == GEOHA_E_NOT_FOUND) {
        geoha_warn("Endpoint or profile not found while %s: nothing to "
                   "stop | endpoint='%s' error='%s'",
                   what, tm->endpoint, geoha_arm_why(tm->arm, rc));
        return OCF_SUCCESS;
    }
    if (geoha_arm_unreachable(tm->arm, rc)) {
        geoha_warn("Cannot reach Azure while %s; leaving the endpoint as it "
                   "is and reporting stopped: if this node is cut off, "
                   "fencing it disables the endpoint | endpoint='%s' "
                   "error='%s'",
                   what, tm->endpoint, geoha_arm_why(tm->arm, rc));
        return OCF_SUCCESS;
    }
    /*
     * Azure refused, or this node cannot talk to it in a way it can trust
     * (a TLS certificate it cannot verify) or authenticate (its secret or
     * token file): the endpoint may still be enabled, and this node, which
     * keeps quorum, is not going to be fenced by anyone else. The stop
     * fails so that Pacemaker fences this node (fencing takes the region
     * out of Traffic Manager). Not OCF_ERR_CONFIGURED: nothing here is
     * wrong on every node.
     */
    geoha_exit_reason("Cannot stop endpoint '%s' while %s: %s%s; it may "
                      "still be enabled",
                      tm->endpoint, what, geoha_arm_why(tm->arm, rc),
                      arm_fail_hint(rc));
    return arm_fail_rc(ctx, rc);
}

/* Enable mode: disable our endpoint unless it is the last enabled one. */
static int
stop_disable(struct geoha_ctx *ctx, struct tm *tm)
{
    json_t *profile = NULL;
    const json_t *own;
    char desc[160];
    int rc;

    rc = get_json(ctx, tm, tm->profile_path, &profile);
    if (rc != 0) {
        rc = stop_failed(ctx, tm, rc, "reading the profile");
        goto done;
    }
    own = profile_find(tm, profile);
    if (own == NULL) {
        rc = stop_failed(ctx, tm, GEOHA_E_NOT_FOUND, "reading the profile");
        goto done;
    }
    ep_describe(own, desc, sizeof(desc));
    if (ep_is(own, ST_DISABLED)) {
        geoha_info("Endpoint already disabled | endpoint='%s' %s", tm->endpoint,
                   desc);
        publish(ctx, tm, ep_monitor(own));
        rc = OCF_SUCCESS;
        goto done;
    }
    if (!tm->allow_all_disabled && others_enabled(profile, own) == 0) {
        geoha_warn("Not disabling endpoint: it is the last enabled one of "
                   "the profile and %s is false; it stays enabled | "
                   "endpoint='%s' %s",
                   P_ALLOW_ALL_DISABLED, tm->endpoint, desc);
        rc = OCF_SUCCESS;
        goto done;
    }
    geoha_info("Disabling endpoint | endpoint='%s' %s", tm->endpoint, desc);
    json_decref(profile);
    profile = NULL;
    rc = patch_endpoint(ctx, tm, ST_DISABLED, 0);
    if (rc != 0) {
        rc = stop_failed(ctx, tm, rc, "disabling it");
        goto done;
    }
    /*
     * Read back the whole profile: it verifies our change and catches the
     * peer disabling its endpoint at the same moment (both saw the other
     * enabled). Of two concurrent stops the later reader sees both
     * disabled and re-enables its own, so one endpoint always stays.
     */
    rc = get_json(ctx, tm, tm->profile_path, &profile);
    if (rc != 0) {
        if (geoha_arm_unreachable(tm->arm, rc)) {
            geoha_warn("Disabled endpoint but cannot read it back: Azure "
                       "accepted the change | endpoint='%s' error='%s'",
                       tm->endpoint, geoha_arm_why(tm->arm, rc));
            rc = OCF_SUCCESS;
        } else {
            rc = stop_failed(ctx, tm, rc, "reading it back");
        }
        goto done;
    }
    own = profile_find(tm, profile);
    if (own == NULL) {
        rc = stop_failed(ctx, tm, GEOHA_E_NOT_FOUND, "reading it back");
        goto done;
    }
    ep_describe(own, desc, sizeof(desc));
    if (!ep_is(own, ST_DISABLED)) {
        geoha_exit_reason("Azure accepted disabling endpoint '%s' but it "
                          "still is not disabled | %s",
                          tm->endpoint, desc);
        rc = OCF_ERR_GENERIC;
        goto done;
    }
    if (!tm->allow_all_disabled && others_enabled(profile, own) == 0) {
        geoha_warn("Every endpoint of the profile is disabled now (another "
                   "stop ran at the same time); enabling this one again | "
                   "endpoint='%s'",
                   tm->endpoint);
        rc = patch_endpoint(ctx, tm, ST_ENABLED, 0);
        if (rc != 0) {
            geoha_err("Cannot enable the endpoint again | endpoint='%s' "
                      "error='%s'",
                      tm->endpoint, geoha_arm_why(tm->arm, rc));
        }
        rc = OCF_SUCCESS;
        goto done;
    }
    geoha_info("Endpoint disabled | endpoint='%s' %s", tm->endpoint, desc);
    publish(ctx, tm, ep_monitor(own));
    rc = OCF_SUCCESS;
done:
    json_decref(profile);
    return rc;
}

/* Priority mode: give our endpoint the standby priority. */
static int
stop_standby(struct geoha_ctx *ctx, struct tm *tm)
{
    json_t *profile = NULL;
    json_t *ep = NULL;
    const json_t *own;
    const json_t *h;
    char desc[160];
    int rc;

    rc = get_json(ctx, tm, tm->profile_path, &profile);
    if (rc != 0) {
        rc = stop_failed(ctx, tm, rc, "reading the profile");
        goto done;
    }
    own = profile_find(tm, profile);
    if (own == NULL) {
        rc = stop_failed(ctx, tm, GEOHA_E_NOT_FOUND, "reading the profile");
        goto done;
    }
    ep_describe(own, desc, sizeof(desc));
    if (ep_priority(own) == tm->prio_standby) {
        geoha_info("Endpoint already on standby priority | endpoint='%s' %s",
                   tm->endpoint, desc);
        publish(ctx, tm, ep_monitor(own));
        rc = OCF_SUCCESS;
        goto done;
    }
    h = priority_holder(profile, own, tm->prio_standby);
    if (h != NULL) {
        const char *name = geoha_arm_json_str(h, "name");

        geoha_exit_reason("Cannot put endpoint '%s' on standby: endpoint "
                          "'%s' holds priority %lld",
                          tm->endpoint, name != NULL ? name : "?",
                          tm->prio_standby);
        rc = OCF_ERR_GENERIC;
        goto done;
    }
    geoha_info("Putting endpoint on standby | endpoint='%s' %s "
               "want_priority=%lld",
               tm->endpoint, desc, tm->prio_standby);
    rc = patch_endpoint(ctx, tm, NULL, tm->prio_standby);
    if (rc != 0) {
        rc = stop_failed(ctx, tm, rc, "changing its priority");
        goto done;
    }
    rc = get_json(ctx, tm, tm->endpoint_path, &ep);
    if (rc != 0) {
        if (geoha_arm_unreachable(tm->arm, rc)) {
            geoha_warn("Changed the priority but cannot read it back: Azure "
                       "accepted the change | endpoint='%s' error='%s'",
                       tm->endpoint, geoha_arm_why(tm->arm, rc));
            rc = OCF_SUCCESS;
        } else {
            rc = stop_failed(ctx, tm, rc, "reading it back");
        }
        goto done;
    }
    ep_describe(ep, desc, sizeof(desc));
    if (ep_priority(ep) != tm->prio_standby) {
        geoha_exit_reason("Azure accepted the standby priority for endpoint "
                          "'%s' but it does not show it | %s",
                          tm->endpoint, desc);
        rc = OCF_ERR_GENERIC;
        goto done;
    }
    geoha_info("Endpoint on standby | endpoint='%s' %s", tm->endpoint, desc);
    publish(ctx, tm, ep_monitor(ep));
    rc = OCF_SUCCESS;
done:
    json_decref(profile);
    json_decref(ep);
    return rc;
}

static int
action_stop(struct geoha_ctx *ctx)
{
    struct tm *tm = ctx->agent_data; /* from setup() */
    int rc;

    if (tm->endpoint == NULL) {
        geoha_info("No endpoint for this node in %s: nothing to stop",
                   P_ENDPOINTS);
        return OCF_SUCCESS;
    }
    rc = arm_open(ctx, tm);
    if (rc == OCF_SUCCESS) {
        rc = tm->priority_mode ? stop_standby(ctx, tm) : stop_disable(ctx, tm);
    }
    return rc;
}

static int
action_monitor(struct geoha_ctx *ctx)
{
    struct tm *tm = ctx->agent_data; /* from setup() */
    json_t *ep = NULL;
    char desc[160];
    int rc;

    if (tm->endpoint == NULL) {
        if (ctx->probe) {
            return OCF_NOT_RUNNING; /* cannot run here at all */
        }
        geoha_exit_reason("Parameter %s has no endpoint for this node '%s'",
                          P_ENDPOINTS, ctx->node);
        return OCF_ERR_INSTALLED;
    }
    rc = arm_open(ctx, tm);
    if (rc != OCF_SUCCESS) {
        goto done;
    }
    /* One GET: the token comes from the cache. */
    rc = get_json(ctx, tm, tm->endpoint_path, &ep);
    if (rc == GEOHA_E_NOT_FOUND && ctx->probe) {
        geoha_warn("Endpoint not found: reporting not running | "
                   "endpoint='%s' type=%s error='%s'",
                   tm->endpoint, tm->type, geoha_arm_why(tm->arm, rc));
        rc = OCF_NOT_RUNNING;
        goto done;
    }
    if (rc != 0) {
        geoha_exit_reason("Cannot read endpoint '%s': %s%s", tm->endpoint,
                          geoha_arm_why(tm->arm, rc), arm_fail_hint(rc));
        publish(ctx, tm, ATTR_UNKNOWN);
        rc = arm_fail_rc(ctx, rc);
        goto done;
    }
    publish(ctx, tm, ep_monitor(ep));
    ep_describe(ep, desc, sizeof(desc));
    switch (ep_state(tm, ep)) {
    case EP_STARTED:
        geoha_debug("Endpoint started | endpoint='%s' %s", tm->endpoint, desc);
        rc = OCF_SUCCESS;
        break;
    case EP_STOPPED:
        if (ctx->probe) {
            geoha_info("Endpoint is stopped | endpoint='%s' %s", tm->endpoint,
                       desc);
        } else {
            geoha_exit_reason("Endpoint '%s' was stopped outside the cluster "
                              "| %s",
                              tm->endpoint, desc);
        }
        rc = OCF_NOT_RUNNING;
        break;
    default:
        geoha_exit_reason("Endpoint '%s' is neither started nor stopped "
                          "(changed outside the cluster?) | %s",
                          tm->endpoint, desc);
        rc = OCF_ERR_GENERIC;
        break;
    }
done:
    json_decref(ep);
    /* Pacemaker 2.1 reads OCF_ERR_INSTALLED from a probe as "not running
     * here" (a masked probe failure): the endpoint, which may be enabled,
     * would be left unmanaged. A probe that could not read it says
     * "failed" instead, so Pacemaker stops it first. */
    if (ctx->probe && rc == OCF_ERR_INSTALLED) {
        rc = OCF_ERR_GENERIC;
    }
    return rc;
}

static int
action_validate(struct geoha_ctx *ctx)
{
    /* geoha_agent_main() already ran tm_validate() (GEOHA_AF_VALIDATE). */
    (void)ctx;
    return OCF_SUCCESS;
}

/* clang-format off */
static const struct geoha_action actions[] = {
    { "start", action_start, GEOHA_AF_VALIDATE, 60, 0, NULL, -1 },
    { "stop", action_stop, 0, 60, 0, NULL, -1 },
    { "monitor", action_monitor, 0, 30, 10, NULL, -1 },
    { "validate-all", action_validate, GEOHA_AF_VALIDATE, 20, 0, NULL, -1 },
    { "meta-data", NULL, GEOHA_AF_NO_PARAMS, 5, 0, NULL, -1 },
};

static const struct geoha_agent agent = {
    .name = AGENT_NAME,
    .version = GEOHA_VERSION,
    .shortdesc = "This region's Azure Traffic Manager endpoint",
    .longdesc =
        "Manages one region's endpoint of an Azure Traffic Manager profile "
        "through Azure Resource Manager, so that the cluster, not Traffic "
        "Manager's slow probes, decides at once which regions take "
        "traffic. Use it as a clone, one instance per region node; each "
        "instance changes only its own node's endpoint (parameter "
        "endpoints). Works with Performance, Weighted and Priority "
        "routing (mode=priority needs Priority routing).\n\n"
        "start: enables the endpoint (mode=priority: also sets "
        "priority_active), reads it back and succeeds only when Azure shows "
        "the change; it changes nothing when the endpoint already is so.\n\n"
        "stop: disables the endpoint (mode=priority: sets "
        "priority_standby) and reads it back; already disabled is success. "
        "In enable mode the last enabled endpoint of the profile is never "
        "disabled unless allow_all_disabled=true (stop then succeeds and "
        "leaves it enabled). Stop FAILS only when Azure answered and "
        "refused (an error answer such as 400, 401, 403 or 409, or a read "
        "back that contradicts an accepted change), when this node cannot "
        "verify Azure's TLS certificate or use its own secret or token "
        "file (exit code 1, or 5 for the file: the endpoint may still be "
        "enabled), or the parameters are unusable (6): Pacemaker then "
        "fences this node, and fencing takes "
        "the region out of Traffic Manager (fence_geoha disables the "
        "endpoint of the node it fences when configured to; a VM that is "
        "powered off also fails Azure's probes). Stop SUCCEEDS, with a "
        "warning and the endpoint left as it is, when Azure cannot be "
        "asked before the operation timeout (no connection, time-out, "
        "throttling or server errors 5xx until the deadline): a node cut "
        "off from Azure is normally the one that loses quorum and is fenced "
        "by the other region (which then disables its endpoint), and "
        "failing the stop could not change Azure either. A missing "
        "endpoint or profile (404) is also a successful stop.\n\n"
        "monitor: one ARM read of the endpoint per call (the token comes "
        "from the cache; a 10 s monitor costs 360 reads per hour and "
        "node, far below ARM's 12000 reads per hour). Running when the "
        "endpoint is enabled (mode=priority: enabled with "
        "priority_active). A recurring monitor answers not running "
        "(7) when the endpoint was disabled (mode=priority: put on "
        "standby or disabled) outside the cluster, so Pacemaker restores "
        "it; an endpoint in neither state (an unknown status, a priority "
        "set by hand) is a failure (1). Azure's own probe view "
        "(endpointMonitorStatus: Online, Degraded, CheckingEndpoint, "
        "Disabled, ...) is published as the transient node attribute "
        "'<resource>" ATTR_SUFFIX "' (e.g. tm" ATTR_SUFFIX "), only when "
        "it changes; 'Unknown' when Azure cannot be read. When Azure cannot "
        "be read the monitor fails within its timeout (1, a TLS "
        "certificate it cannot verify included; 5 when this node's secret "
        "or token file is missing or readable by others); give the clone a "
        "failure-timeout so it recovers once Azure answers again. Only "
        "parameters that are wrong on every node give 6. A probe "
        "changes nothing (no attribute either) and reports Azure's state: "
        "started (0), stopped (7), or neither (1); a missing endpoint "
        "or a node without an entry in endpoints is not running (7); a "
        "probe that cannot read the endpoint answers 1, never 5.",
    .params = params,
    .n_params = sizeof(params) / sizeof(params[0]),
    .actions = actions,
    .n_actions = sizeof(actions) / sizeof(actions[0]),
    .validate = tm_validate,
    .setup = setup,
    .teardown = teardown,
};
/* clang-format on */

int
main(int argc, char **argv)
{
    return geoha_agent_main(&agent, argc, argv);
}
