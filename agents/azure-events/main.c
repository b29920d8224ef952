/*
 * ocf:geoha:azure-events — Azure's planned maintenance without a failover.
 *
 * Azure announces maintenance of a VM minutes before it happens, in the
 * Scheduled Events document of the instance metadata service (IMDS). A
 * clone instance on every node reads it at each monitor
 * (DocumentIncarnation says when it changed) and, for an event on this
 * node's own VM:
 *   - disruptive (Reboot, Redeploy, Preempt, Terminate, or a Freeze
 *     longer than freeze_bound): sets the transient node attribute
 *     `attribute`; geoha.crm's location rule then keeps the promoted role
 *     of the database off this node, so Pacemaker moves the writer away
 *     by the planned path (demote here, then promote the replica: the same
 *     transition as crm_resource --move, no fencing, no lost write). Once
 *     another node holds the writer, the event is approved (StartRequests)
 *     so the maintenance starts, and ends, sooner. When the event is gone
 *     from the document (the VM is back), the attribute goes: the node is
 *     promotable again. The writer does not move back by itself.
 *   - a Freeze within freeze_bound: nothing moves, nothing is approved.
 *   - an unknown type: a log line, nothing else.
 * IMDS unreachable or a document that is not what IMDS documents: a log
 * line, and the attribute stays as it was (never cleared on a guess).
 *
 * The monitor never fails for Azure's sake: this resource only ever adds
 * caution, so a failed monitor (and a restart) would gain nothing.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "geoha/arm.h"
#include "geoha/attr.h"
#include "geoha/cib.h"
#include "geoha/file.h"
#include "geoha/ocf.h"

#include "events.h"

#define AGENT_NAME "azure-events"

#define P_ENABLED "enabled"
#define P_ENABLED_DEFAULT "true"
#define P_PROMOTABLE "promotable"
#define P_PROMOTABLE_DEFAULT "db"
#define P_ATTRIBUTE "attribute"
#define P_ATTRIBUTE_DEFAULT "geoha-maintenance"
#define P_FREEZE_BOUND "freeze_bound"
#define P_FREEZE_BOUND_DEFAULT "5"
#define P_APPROVE "approve"
#define P_APPROVE_DEFAULT "true"
#define P_STATE_DIR "state_dir"
#define P_STATE_DIR_DEFAULT "/run/geoha/azure-events"

#define EVENTS_PATH "/metadata/scheduledevents"
#define EVENTS_API "2020-07-01"
#define COMPUTE_PATH "/metadata/instance/compute"
#define COMPUTE_API "2021-02-01"

#define STATE_MAX 65536
#define NAME_CHARS                                                             \
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-"

/* clang-format off */
static const struct geoha_param params[] = {
    { .name = P_ENABLED, .type = GEOHA_PT_BOOL,
      .default_value = P_ENABLED_DEFAULT,
      .shortdesc = "Act on Scheduled Events",
      .longdesc = "false: the resource runs but never reads Scheduled "
                  "Events, sets no attribute and approves nothing (a site "
                  "that does not want geoha to act on Azure's planned "
                  "maintenance). Switching it off does not clear an "
                  "attribute already set (see attribute)." },
    { .name = P_PROMOTABLE, .type = GEOHA_PT_STRING,
      .default_value = P_PROMOTABLE_DEFAULT,
      .shortdesc = "The database's promotable primitive",
      .longdesc = "Id of the promotable primitive whose promoted instance "
                  "is the writer (geoha.crm: db). Its promotion scores say "
                  "whether another node can take the writer, and the "
                  "node holding its promoted role is where the writer is." },
    { .name = P_ATTRIBUTE, .type = GEOHA_PT_STRING,
      .default_value = P_ATTRIBUTE_DEFAULT,
      .shortdesc = "Node attribute of a VM under maintenance",
      .longdesc = "Transient node attribute set while this node's VM has "
                  "disruptive maintenance pending or running; its value "
                  "is '<EventType>:<EventId>'. geoha.crm's rule "
                  "db-not-under-maintenance keeps the promoted role off a "
                  "node that has it. To clear it by hand: crm_attribute "
                  "--node NODE --name geoha-maintenance --lifetime reboot "
                  "--delete." },
    { .name = P_FREEZE_BOUND, .type = GEOHA_PT_INT,
      .default_value = P_FREEZE_BOUND_DEFAULT, .min = 0, .max = 3600,
      .shortdesc = "Longest Freeze left alone (seconds)",
      .longdesc = "A Freeze event whose DurationInSeconds is at most this "
                  "is left alone: nothing moves. Keep it below corosync's "
                  "token timeout (a pause longer than the token makes the "
                  "node leave the membership and be fenced). A longer "
                  "Freeze, or one of unknown length, is treated like a "
                  "Reboot." },
    { .name = P_APPROVE, .type = GEOHA_PT_BOOL,
      .default_value = P_APPROVE_DEFAULT,
      .shortdesc = "Approve disruptive events early",
      .longdesc = "true: once nothing writes on this node and another node "
                  "holds the writer, approve this VM's disruptive events "
                  "(StartRequests) so the maintenance starts at once "
                  "instead of at its NotBefore. false: Azure starts it at "
                  "NotBefore." },
    { .name = P_STATE_DIR, .type = GEOHA_PT_PATH,
      .default_value = P_STATE_DIR_DEFAULT, .flags = GEOHA_PF_DIR,
      .shortdesc = "State directory",
      .longdesc = "Where the instance keeps what it saw last (created "
                  "0700; a file per resource). Under /run: it goes with "
                  "a reboot, as the node attribute does." },
    { .name = GEOHA_ARM_P_IMDS_ENDPOINT, .type = GEOHA_PT_STRING,
      .default_value = GEOHA_ARM_DEFAULT_IMDS_ENDPOINT,
      .shortdesc = "Instance metadata service",
      .longdesc = "Base URL of the instance metadata service (Azure: "
                  "http://169.254.169.254)." },
};
/* clang-format on */

/* What the instance remembers between monitors (state_dir/<rsc>.json). */
struct ae_state {
    char vm[GEOHA_ARM_NAME_MAX + 1]; /* this VM's name, from IMDS */
    long long incarnation;           /* -1: never read */
    bool hold;                       /* the attribute was set by us */
    char error[256];                 /* the last problem logged */
    json_t *approved;                /* EventIds approved (array) */
};

struct ae {
    char state_path[PATH_MAX];
    struct ae_state st;
    struct geoha_arm_client *imds;
};

/* ---- state ---- */

static void
state_free(struct ae_state *st)
{
    json_decref(st->approved);
    st->approved = NULL;
}

/* Read the state; a missing file is -ENOENT (the resource is stopped). A
 * file that cannot be parsed starts afresh (logged), as if just started. */
static int
state_load(struct ae *ae)
{
    char *text = NULL;
    size_t len = 0;
    json_t *j;
    const char *s;
    int rc;

    memset(&ae->st, 0, sizeof(ae->st));
    ae->st.incarnation = -1;
    ae->st.approved = json_array();
    rc = geoha_file_read(ae->state_path, STATE_MAX, &text, &len);
    if (rc != 0) {
        return rc;
    }
    j = json_loadb(text, len, 0, NULL);
    free(text);
    if (!json_is_object(j)) {
        geoha_warn("State file %s cannot be read; starting afresh",
                   ae->state_path);
        json_decref(j);
        return 0;
    }
    s = json_string_value(json_object_get(j, "vm"));
    if (s != NULL) {
        geoha_strlcpy(ae->st.vm, s, sizeof(ae->st.vm));
    }
    if (json_is_integer(json_object_get(j, "incarnation"))) {
        ae->st.incarnation =
            json_integer_value(json_object_get(j, "incarnation"));
    }
    ae->st.hold = json_is_true(json_object_get(j, "hold"));
    s = json_string_value(json_object_get(j, "error"));
    if (s != NULL) {
        geoha_strlcpy(ae->st.error, s, sizeof(ae->st.error));
    }
    if (json_is_array(json_object_get(j, "approved"))) {
        json_decref(ae->st.approved);
        ae->st.approved = json_incref(json_object_get(j, "approved"));
    }
    json_decref(j);
    return 0;
}

static int
state_save(struct ae *ae)
{
    json_t *j =
        json_pack("{s:s, s:I, s:b, s:s, s:O}", "vm", ae->st.vm, "incarnation",
                  (json_int_t)ae->st.incarnation, "hold", ae->st.hold, "error",
                  ae->st.error, "approved", ae->st.approved);
    char *text;
    int rc;

    if (j == NULL) {
        return -ENOMEM;
    }
    text = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    if (text == NULL) {
        return -ENOMEM;
    }
    rc = geoha_file_replace(ae->state_path, text, strlen(text), geteuid(),
                            getegid(), 0600);
    free(text);
    if (rc != 0) {
        geoha_warn("Cannot write state file %s: %s", ae->state_path,
                   geoha_strerror(rc));
    }
    return rc;
}

/* Log a problem once (until it changes or goes), debug after that. */
static void problem(struct ae *ae, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
problem(struct ae *ae, const char *fmt, ...)
{
    char line[sizeof(ae->st.error)];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (strcmp(line, ae->st.error) != 0) {
        geoha_warn("%s; nothing changed (the node attribute stays as it "
                   "was, nothing approved)",
                   line);
        geoha_strlcpy(ae->st.error, line, sizeof(ae->st.error));
    } else {
        geoha_debug("%s (still)", line);
    }
}

static void
problem_gone(struct ae *ae)
{
    if (ae->st.error[0] != '\0') {
        geoha_notice("Scheduled Events readable again (was: %s)", ae->st.error);
        ae->st.error[0] = '\0';
    }
}

static bool
approved(const struct ae *ae, const char *id)
{
    size_t i;
    const json_t *v;

    json_array_foreach(ae->st.approved, i, v)
    {
        if (json_is_string(v) && strcmp(json_string_value(v), id) == 0) {
            return true;
        }
    }
    return false;
}

/* ---- set-up ---- */

static bool
name_ok(const char *s)
{
    return s != NULL && s[0] != '\0' && strlen(s) < 128
           && strspn(s, NAME_CHARS) == strlen(s);
}

static int
ae_validate(struct geoha_ctx *ctx)
{
    struct geoha_arm_config cfg;
    char err[256] = "";
    int rc;

    if (!name_ok(geoha_param_str(ctx, P_PROMOTABLE))) {
        return geoha_param_invalid(P_PROMOTABLE,
                                   geoha_param_str(ctx, P_PROMOTABLE),
                                   "is not a resource id", OCF_ERR_CONFIGURED);
    }
    if (!name_ok(geoha_param_str(ctx, P_ATTRIBUTE))) {
        return geoha_param_invalid(P_ATTRIBUTE,
                                   geoha_param_str(ctx, P_ATTRIBUTE),
                                   "is not an attribute name (letters, "
                                   "digits, '_', '.', '-')",
                                   OCF_ERR_CONFIGURED);
    }
    geoha_arm_config_init(&cfg);
    cfg.imds_endpoint = geoha_param_str(ctx, GEOHA_ARM_P_IMDS_ENDPOINT);
    cfg.cache_dir = "";
    rc = geoha_arm_config_check(&cfg, false, err, sizeof(err));
    if (rc != 0) {
        geoha_exit_reason("%s", err[0] != '\0' ? err : geoha_strerror(rc));
        return OCF_ERR_CONFIGURED;
    }
    return OCF_SUCCESS;
}

static int
setup(struct geoha_ctx *ctx)
{
    struct ae *ae = calloc(1, sizeof(*ae));

    if (ae == NULL) {
        geoha_exit_reason("Out of memory");
        return OCF_ERR_GENERIC;
    }
    ctx->agent_data = ae;
    ae->st.incarnation = -1;
    if (geoha_snprintf(ae->state_path, sizeof(ae->state_path), "%s/%s.json",
                       geoha_param_str(ctx, P_STATE_DIR), ctx->rsc_base)
        != 0) {
        geoha_exit_reason("Parameter %s: the state file's path is too long",
                          P_STATE_DIR);
        return OCF_ERR_CONFIGURED;
    }
    return ae_validate(ctx);
}

static void
teardown(struct geoha_ctx *ctx)
{
    struct ae *ae = ctx->agent_data;

    if (ae != NULL) {
        geoha_arm_client_free(ae->imds);
        state_free(&ae->st);
        free(ae);
        ctx->agent_data = NULL;
    }
}

static int
imds_open(const struct geoha_ctx *ctx, struct ae *ae)
{
    struct geoha_arm_config cfg;
    char err[256] = "";
    int rc;

    if (ae->imds != NULL) {
        return 0;
    }
    geoha_arm_config_init(&cfg);
    cfg.imds_endpoint = geoha_param_str(ctx, GEOHA_ARM_P_IMDS_ENDPOINT);
    cfg.cache_dir = ""; /* IMDS needs no token */
    cfg.max_attempts = 2;
    rc = geoha_arm_client_new(&cfg, err, sizeof(err), &ae->imds);
    if (rc != 0) {
        problem(ae, "Cannot set up the IMDS client: %s",
                err[0] != '\0' ? err : geoha_strerror(rc));
    }
    return rc;
}

/* ---- the cluster ---- */

/* Where the writer is, and whether another node could take it. */
static int
cluster_facts(struct geoha_ctx *ctx, struct ae_facts *f)
{
    const char *rsc = geoha_param_str(ctx, P_PROMOTABLE);
    char promoted[4][GEOHA_NODE_MAX];
    char nodes[16][GEOHA_NODE_MAX];
    size_t n = 0, m = 0;
    int rc;

    rc = geoha_cib_promoted_nodes(rsc, &ctx->deadline, promoted, 4, &n);
    if (rc != 0) {
        return rc;
    }
    for (size_t i = 0; i < n && i < 4; i++) {
        if (strcmp(promoted[i], ctx->node) == 0) {
            f->here_promoted = true;
        } else {
            f->other_promoted = true;
        }
    }
    rc = geoha_cib_nodes(&ctx->deadline, nodes, 16, &m);
    if (rc != 0) {
        return rc;
    }
    for (size_t i = 0; i < m && i < 16; i++) {
        char *score = NULL;
        char *held = NULL;
        bool positive;
        long long v;

        if (strcmp(nodes[i], ctx->node) == 0) {
            continue;
        }
        rc = geoha_attr_get(GEOHA_ATTR_TRANSIENT, nodes[i],
                            geoha_param_str(ctx, P_ATTRIBUTE), &ctx->deadline,
                            &held);
        if (rc == 0) {
            rc = geoha_attr_get(GEOHA_ATTR_PROMOTION, nodes[i], rsc,
                                &ctx->deadline, &score);
        }
        if (rc != 0) {
            free(held);
            return rc;
        }
        positive = score != NULL
                   && (geoha_parse_ll(score, 1, 1000000000, &v) == 0
                       || strcmp(score, "INFINITY") == 0
                       || strcmp(score, "+INFINITY") == 0);
        if (held == NULL && positive) {
            f->peer_promotable = true;
        }
        if (held != NULL && strcmp(nodes[i], ctx->node) < 0) {
            f->peer_held_first = true;
        }
        for (size_t k = 0; held != NULL && k < n && k < 4; k++) {
            f->writer_held |= strcmp(promoted[k], nodes[i]) == 0;
        }
        free(held);
        free(score);
    }
    return 0;
}

/* Set (or clear) the attribute; the state remembers what we did. */
static int
set_hold(struct geoha_ctx *ctx, struct ae *ae, const struct ae_event *cause)
{
    const char *name = geoha_param_str(ctx, P_ATTRIBUTE);
    char value[AE_TYPE_MAX + AE_ID_MAX + 2] = "";
    bool changed = false;
    int rc;

    if (cause != NULL) {
        geoha_snprintf(value, sizeof(value), "%s:%s", cause->type, cause->id);
    }
    rc = geoha_attr_update(GEOHA_ATTR_TRANSIENT, ctx->node, name,
                           cause != NULL ? value : NULL, &ctx->deadline,
                           &changed);
    if (rc != 0) {
        geoha_attr_forget(GEOHA_ATTR_TRANSIENT, ctx->node, name);
        geoha_warn("Cannot %s node attribute %s: %s",
                   cause != NULL ? "set" : "clear", name, geoha_strerror(rc));
        return rc;
    }
    if (changed && cause != NULL) {
        geoha_notice("%s event %s for this VM (%s): node attribute %s=%s set; "
                     "the writer is kept off this node until it is over",
                     cause->type, cause->id, ae->st.vm, name, value);
    } else if (changed || (cause == NULL && ae->st.hold)) {
        geoha_notice("No disruptive maintenance pending for this VM any "
                     "more: node attribute %s cleared, the node is "
                     "promotable again (the writer does not move back by "
                     "itself)",
                     name);
    }
    ae->st.hold = cause != NULL;
    return 0;
}

/* ---- IMDS ---- */

static int
read_vm_name(struct geoha_ctx *ctx, struct ae *ae)
{
    json_t *j = NULL;
    const char *name;
    int rc;

    if (ae->st.vm[0] != '\0') {
        return 0;
    }
    rc = geoha_arm_imds_get(ae->imds, COMPUTE_PATH, COMPUTE_API, &ctx->deadline,
                            &j);
    if (rc != 0) {
        problem(ae, "Cannot read this VM's name from IMDS: %s",
                geoha_arm_why(ae->imds, rc));
        return rc;
    }
    name = json_string_value(json_object_get(j, "name"));
    if (name == NULL || !geoha_arm_name_valid(name)) {
        problem(ae, "IMDS gave no valid VM name (compute.name)");
        json_decref(j);
        return GEOHA_E_PROTOCOL;
    }
    geoha_strlcpy(ae->st.vm, name, sizeof(ae->st.vm));
    json_decref(j);
    geoha_info("This VM is %s", ae->st.vm);
    return 0;
}

static void
log_events(const struct ae *ae, const struct ae_doc *doc)
{
    static const char *const status[] = { "Scheduled", "Started", "other" };

    if (doc->n == 0) {
        geoha_info("Scheduled Events incarnation %lld: nothing for this VM "
                   "(%s; %zu for other VMs)",
                   doc->incarnation, ae->st.vm, doc->others);
    }
    for (size_t i = 0; i < doc->n; i++) {
        const struct ae_event *ev = &doc->ev[i];
        int prio = ev->kind == AE_UNKNOWN ? LOG_WARNING : LOG_NOTICE;

        geoha_log(prio,
                  "Scheduled Events incarnation %lld: %s %s for this VM (%s): "
                  "%s, NotBefore '%s', duration %lld s: %s",
                  doc->incarnation, ev->type, ev->id, ae->st.vm,
                  status[ev->status], ev->not_before, ev->duration_s,
                  ev->kind == AE_DISRUPTIVE ? "disruptive"
                  : ev->kind == AE_SHORT_FREEZE
                      ? "a short freeze, nothing moves"
                      : "a type geoha does not know, "
                        "left alone");
    }
}

static int
approve(struct geoha_ctx *ctx, struct ae *ae, const struct ae_plan *p)
{
    json_t *reqs = json_array();
    json_t *body;
    size_t n = 0;
    int rc;

    for (size_t i = 0; i < p->n_approve; i++) {
        if (!approved(ae, p->approve[i]->id)) {
            json_array_append_new(
                reqs, json_pack("{s:s}", "EventId", p->approve[i]->id));
            n++;
        }
    }
    if (n == 0) {
        json_decref(reqs);
        return 0;
    }
    body = json_pack("{s:o}", "StartRequests", reqs);
    rc = body == NULL ? -ENOMEM
                      : geoha_arm_imds_post(ae->imds, EVENTS_PATH, EVENTS_API,
                                            body, &ctx->deadline);
    json_decref(body);
    if (rc != 0) {
        geoha_warn("Cannot approve this VM's maintenance (retried at the "
                   "next monitor): %s",
                   geoha_arm_why(ae->imds, rc));
        return rc;
    }
    for (size_t i = 0; i < p->n_approve; i++) {
        if (!approved(ae, p->approve[i]->id)) {
            geoha_notice("Approved %s event %s for this VM (%s): nothing "
                         "writes here, the writer is on another node",
                         p->approve[i]->type, p->approve[i]->id, ae->st.vm);
            json_array_append_new(ae->st.approved,
                                  json_string(p->approve[i]->id));
        }
    }
    return 0;
}

/* Forget approvals of events that left the document. */
static void
prune_approved(struct ae *ae, const struct ae_doc *doc)
{
    json_t *keep = json_array();
    size_t i;
    json_t *v;

    json_array_foreach(ae->st.approved, i, v)
    {
        for (size_t k = 0; k < doc->n; k++) {
            if (json_is_string(v)
                && strcmp(json_string_value(v), doc->ev[k].id) == 0) {
                json_array_append(keep, v);
                break;
            }
        }
    }
    json_decref(ae->st.approved);
    ae->st.approved = keep;
}

/* What one look at the document found. */
enum watched {
    WATCH_UNREAD, /* IMDS or the cluster could not be read: nothing done */
    WATCH_CLEAR,  /* no disruptive event for this VM */
    WATCH_EVENT,  /* a disruptive event for this VM */
};

/* One look at the document, and what follows from it. */
static enum watched
watch(struct geoha_ctx *ctx, struct ae *ae)
{
    struct ae_doc doc;
    struct ae_facts f = { 0 };
    struct ae_plan p;
    char err[200] = "";
    json_t *j = NULL;
    bool any_disruptive = false;
    /* Approve only on a monitor after the one that set the hold: both
     * nodes may decide in the same second (events on both VMs), and the
     * other's hold must have had a monitor interval to show. */
    bool held_before = ae->st.hold;
    int rc;

    if (imds_open(ctx, ae) != 0 || read_vm_name(ctx, ae) != 0) {
        return WATCH_UNREAD;
    }
    rc = geoha_arm_imds_get(ae->imds, EVENTS_PATH, EVENTS_API, &ctx->deadline,
                            &j);
    if (rc != 0) {
        problem(ae, "Cannot read Scheduled Events from IMDS: %s",
                geoha_arm_why(ae->imds, rc));
        return WATCH_UNREAD;
    }
    rc = geoha__ae_parse(j, ae->st.vm, geoha_param_int(ctx, P_FREEZE_BOUND),
                         &doc, err, sizeof(err));
    json_decref(j);
    if (rc != 0) {
        problem(ae, "Scheduled Events document not understood: %s", err);
        return WATCH_UNREAD;
    }
    problem_gone(ae);
    if (doc.incarnation != ae->st.incarnation) {
        log_events(ae, &doc);
        ae->st.incarnation = doc.incarnation;
    }
    prune_approved(ae, &doc);
    for (size_t i = 0; i < doc.n; i++) {
        any_disruptive |= doc.ev[i].kind == AE_DISRUPTIVE;
    }
    if (!any_disruptive) {
        if (ae->st.hold) {
            set_hold(ctx, ae, NULL);
        }
        return WATCH_CLEAR;
    }
    f.approve = geoha_param_bool(ctx, P_APPROVE);
    rc = cluster_facts(ctx, &f);
    if (rc != 0) {
        problem(ae, "Cannot read the cluster's state for %s: %s",
                geoha_param_str(ctx, P_PROMOTABLE), geoha_strerror(rc));
        return WATCH_UNREAD;
    }
    p = geoha__ae_plan(&doc, &f);
    if (!p.hold && ae->st.hold && !f.here_promoted
        && (f.peer_held_first || f.writer_held)) {
        set_hold(ctx, ae, NULL); /* held elsewhere too: this one yields */
    }
    if (p.hold) {
        if (set_hold(ctx, ae, p.cause) != 0) {
            return WATCH_EVENT; /* approve only once it is kept away */
        }
    } else if (p.waiting != NULL) {
        geoha_warn("%s event %s for this VM (%s): %s", p.cause->type,
                   p.cause->id, ae->st.vm, p.waiting);
        return WATCH_EVENT;
    }
    if (p.n_approve > 0 && held_before) {
        approve(ctx, ae, &p);
    } else if (p.n_approve > 0) {
        geoha_info("%s event %s for this VM: approved at the next monitor "
                   "if nothing changes",
                   p.cause->type, p.cause->id);
    } else if (p.waiting != NULL) {
        geoha_info("%s event %s for this VM: not approved yet: %s",
                   p.cause->type, p.cause->id, p.waiting);
    }
    return WATCH_EVENT;
}

/*
 * At start, with no disruptive event for this VM: an attribute left from
 * before (the instance was stopped while an event was pending, and the
 * event ended meanwhile) goes, so the node does not stay out of promotion.
 */
static void
clear_leftover(struct geoha_ctx *ctx, struct ae *ae)
{
    const char *name = geoha_param_str(ctx, P_ATTRIBUTE);
    char *value = NULL;

    if (geoha_attr_get(GEOHA_ATTR_TRANSIENT, ctx->node, name, &ctx->deadline,
                       &value)
            != 0
        || value == NULL) {
        return;
    }
    geoha_notice("Node attribute %s=%s is left from an event that is over",
                 name, value);
    free(value);
    geoha_attr_forget(GEOHA_ATTR_TRANSIENT, ctx->node, name);
    ae->st.hold = true; /* so that set_hold() says it cleared it */
    set_hold(ctx, ae, NULL);
}

/* ---- actions ---- */

static int
action_start(struct geoha_ctx *ctx)
{
    struct ae *ae = ctx->agent_data;
    int rc = geoha_dir_ensure(geoha_param_str(ctx, P_STATE_DIR), 0700);

    if (rc != 0) {
        geoha_exit_reason("Cannot create state directory %s: %s",
                          geoha_param_str(ctx, P_STATE_DIR),
                          geoha_strerror(rc));
        return OCF_ERR_INSTALLED;
    }
    rc = state_load(ae);
    if (rc != 0 && rc != -ENOENT) {
        geoha_exit_reason("Cannot read state file %s: %s", ae->state_path,
                          geoha_strerror(rc));
        return OCF_ERR_GENERIC;
    }
    if (geoha_param_bool(ctx, P_ENABLED)) {
        if (watch(ctx, ae) == WATCH_CLEAR && !ae->st.hold) {
            clear_leftover(ctx, ae);
        }
    } else {
        geoha_info("Scheduled Events are not acted on (enabled=false)");
    }
    if (state_save(ae) != 0) {
        geoha_exit_reason("Cannot write state file %s", ae->state_path);
        return OCF_ERR_GENERIC;
    }
    return OCF_SUCCESS;
}

static int
action_monitor(struct geoha_ctx *ctx)
{
    struct ae *ae = ctx->agent_data;
    int rc = state_load(ae);

    if (rc == -ENOENT) {
        return OCF_NOT_RUNNING;
    }
    if (rc != 0) {
        geoha_exit_reason("Cannot read state file %s: %s", ae->state_path,
                          geoha_strerror(rc));
        return OCF_ERR_GENERIC;
    }
    if (ctx->probe || !geoha_param_bool(ctx, P_ENABLED)) {
        return OCF_SUCCESS;
    }
    watch(ctx, ae);
    state_save(ae);
    return OCF_SUCCESS;
}

/*
 * Stop: the attribute stays while this VM's maintenance is still pending
 * as far as the instance last saw (it goes with the reboot, or when a
 * running instance sees the event gone), so stopping the watcher never
 * makes a node about to be rebooted promotable.
 */
static int
action_stop(struct geoha_ctx *ctx)
{
    struct ae *ae = ctx->agent_data;
    int rc = state_load(ae);

    if (rc == -ENOENT) {
        return OCF_SUCCESS;
    }
    if (rc == 0 && ae->st.hold) {
        geoha_notice("Stopping with this VM's maintenance pending: node "
                     "attribute %s stays set",
                     geoha_param_str(ctx, P_ATTRIBUTE));
    }
    if (unlink(ae->state_path) != 0 && errno != ENOENT) {
        geoha_exit_reason("Cannot remove state file %s: %s", ae->state_path,
                          strerror(errno));
        return OCF_ERR_GENERIC;
    }
    return OCF_SUCCESS;
}

static int
action_validate(struct geoha_ctx *ctx)
{
    (void)ctx;
    return OCF_SUCCESS;
}

static const struct geoha_action actions[] = {
    { "start", action_start, GEOHA_AF_VALIDATE, 30, 0, NULL, -1 },
    { "stop", action_stop, 0, 30, 0, NULL, -1 },
    { "monitor", action_monitor, 0, 30, 10, NULL, -1 },
    { "validate-all", action_validate, GEOHA_AF_VALIDATE, 20, 0, NULL, -1 },
    { "meta-data", NULL, GEOHA_AF_NO_PARAMS, 5, 0, NULL, -1 },
};

/* clang-format off */
static const struct geoha_agent agent = {
    .name = AGENT_NAME,
    .version = GEOHA_VERSION,
    .shortdesc = "Azure planned maintenance without a failover",
    .longdesc =
        "Run as a clone, one instance per node. At each monitor the "
        "instance reads this VM's Scheduled Events from the Azure instance "
        "metadata service (IMDS; DocumentIncarnation tells a change) and "
        "keeps only the events whose Resources name this VM.\n\n"
        "A disruptive event (Reboot, Redeploy, Preempt, Terminate, or a "
        "Freeze longer than freeze_bound or of unknown length) sets the "
        "transient node attribute 'attribute'. A location rule on it "
        "(geoha.crm: db-not-under-maintenance) keeps the database's "
        "promoted role off this node, so when the writer is here Pacemaker "
        "moves it by the planned path: demote here, promote the replica, "
        "the same transition as crm_resource --move, with no fencing and "
        "no lost write. Once nothing writes here and another node holds "
        "the writer, the instance approves the event (StartRequests, "
        "approve=true; at the earliest one monitor after it set the "
        "attribute) so Azure starts the maintenance, and ends it, "
        "sooner. If the writer is here and no other node has a positive "
        "promotion score and no hold of its own, nothing is set: demoting "
        "would only stop writes sooner; a warning says so at each monitor. "
        "Nor is anything set while the writer's node (another one) is "
        "held, or, with no writer anywhere, while a node first by name is "
        "held: events on both VMs go one after the other. When the event has "
        "left the document (the VM is back), the attribute is cleared and "
        "the node is promotable again; the writer does not move back by "
        "itself (an admin's choice, as after any failover).\n\n"
        "A Freeze within freeze_bound changes nothing. An event type geoha "
        "does not know is logged and left alone. When IMDS cannot be read "
        "or answers a document that is not what IMDS documents, a warning "
        "is logged once and nothing changes: the attribute is never "
        "cleared on a guess and nothing is approved.\n\n"
        "start creates the state file (state_dir) and takes a first look; "
        "monitor looks again and always succeeds while the state file is "
        "there (a probe only checks the file); stop removes the state file "
        "and leaves the attribute while this VM's maintenance is still "
        "pending. enabled=false turns the watching off.",
    .params = params,
    .n_params = sizeof(params) / sizeof(params[0]),
    .actions = actions,
    .n_actions = sizeof(actions) / sizeof(actions[0]),
    .validate = NULL,
    .setup = setup,
    .teardown = teardown,
};
/* clang-format on */

int
main(int argc, char **argv)
{
    return geoha_agent_main(&agent, argc, argv);
}
