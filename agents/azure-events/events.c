/*
 * ocf:geoha:azure-events — reading a Scheduled Events document and
 * planning what to do (see events.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geoha/util.h"

#include "events.h"

static int bad(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
bad(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (err != NULL && errlen > 0) {
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return GEOHA_E_PARSE;
}

/* An integer, or a string of digits (IMDS documents both spellings). */
static bool
int_of(const json_t *v, long long *out)
{
    if (json_is_integer(v)) {
        *out = json_integer_value(v);
        return true;
    }
    if (json_is_string(v)) {
        return geoha_parse_ll(json_string_value(v), -1, 1LL << 40, out) == 0;
    }
    return false;
}

/* Copy a string member made of allowed characters into dst. */
static bool
text_of(const json_t *v, char *dst, size_t size, const char *allowed)
{
    const char *s = json_string_value(v);

    if (s == NULL || s[0] == '\0' || strlen(s) >= size) {
        return false;
    }
    for (const char *p = s; *p != '\0'; p++) {
        if (*p < 0x20 || *p == 0x7f
            || (allowed != NULL && strchr(allowed, *p) == NULL)) {
            return false;
        }
    }
    memcpy(dst, s, strlen(s) + 1);
    return true;
}

#define ID_CHARS                                                               \
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-"
#define TYPE_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

static const char *const disruptive_types[] = { "Reboot", "Redeploy", "Preempt",
                                                "Terminate", NULL };

static enum ae_kind
kind_of(const char *type, long long duration_s, long long freeze_bound_s)
{
    for (size_t i = 0; disruptive_types[i] != NULL; i++) {
        if (strcmp(type, disruptive_types[i]) == 0) {
            return AE_DISRUPTIVE;
        }
    }
    if (strcmp(type, "Freeze") == 0) {
        return duration_s >= 0 && duration_s <= freeze_bound_s ? AE_SHORT_FREEZE
                                                               : AE_DISRUPTIVE;
    }
    return AE_UNKNOWN;
}

static bool
names_vm(const json_t *resources, const char *vm)
{
    size_t i;
    const json_t *r;

    json_array_foreach(resources, i, r)
    {
        if (json_is_string(r) && geoha_streq_ci(json_string_value(r), vm)) {
            return true;
        }
    }
    return false;
}

static int
event_of(const json_t *e, size_t i, long long freeze_bound_s,
         struct ae_event *ev, char *err, size_t errlen)
{
    const json_t *v;
    const char *status;

    memset(ev, 0, sizeof(*ev));
    if (!text_of(json_object_get(e, "EventId"), ev->id, sizeof(ev->id),
                 ID_CHARS)) {
        return bad(err, errlen, "event %zu has no valid EventId", i);
    }
    if (!text_of(json_object_get(e, "EventType"), ev->type, sizeof(ev->type),
                 TYPE_CHARS)) {
        return bad(err, errlen, "event %s has no valid EventType", ev->id);
    }
    status = json_string_value(json_object_get(e, "EventStatus"));
    if (status == NULL) {
        return bad(err, errlen, "event %s has no EventStatus", ev->id);
    }
    ev->status = strcmp(status, "Scheduled") == 0 ? AE_SCHEDULED
                 : strcmp(status, "Started") == 0 ? AE_STARTED
                                                  : AE_OTHER;
    v = json_object_get(e, "NotBefore");
    if (v != NULL && !json_is_null(v)
        && (!json_is_string(v)
            || (json_string_value(v)[0] != '\0'
                && !text_of(v, ev->not_before, sizeof(ev->not_before),
                            NULL)))) {
        return bad(err, errlen, "event %s has an invalid NotBefore", ev->id);
    }
    ev->duration_s = -1;
    v = json_object_get(e, "DurationInSeconds");
    if (v != NULL && !json_is_null(v) && !int_of(v, &ev->duration_s)) {
        return bad(err, errlen, "event %s has an invalid DurationInSeconds",
                   ev->id);
    }
    if (ev->duration_s < 0) {
        ev->duration_s = -1;
    }
    ev->kind = kind_of(ev->type, ev->duration_s, freeze_bound_s);
    return 0;
}

int
geoha__ae_parse(const json_t *doc, const char *vm, long long freeze_bound_s,
                struct ae_doc *out, char *err, size_t errlen)
{
    const json_t *events, *e, *res;
    size_t i;
    int rc;

    if (out == NULL || vm == NULL || vm[0] == '\0') {
        return -EINVAL;
    }
    memset(out, 0, sizeof(*out));
    if (err != NULL && errlen > 0) {
        err[0] = '\0';
    }
    if (!json_is_object(doc)) {
        return bad(err, errlen, "the document is not a JSON object");
    }
    if (!int_of(json_object_get(doc, "DocumentIncarnation"), &out->incarnation)
        || out->incarnation < 0) {
        return bad(err, errlen,
                   "DocumentIncarnation is missing or not a "
                   "non-negative integer");
    }
    events = json_object_get(doc, "Events");
    if (!json_is_array(events)) {
        return bad(err, errlen, "Events is missing or not an array");
    }
    json_array_foreach(events, i, e)
    {
        if (!json_is_object(e)) {
            return bad(err, errlen, "event %zu is not an object", i);
        }
        res = json_object_get(e, "Resources");
        if (!json_is_array(res)) {
            return bad(err, errlen, "event %zu has no Resources list", i);
        }
        if (!names_vm(res, vm)) {
            out->others++;
            continue;
        }
        if (out->n == AE_MAX_EVENTS) {
            return bad(err, errlen, "more than %d events for this VM",
                       AE_MAX_EVENTS);
        }
        rc = event_of(e, i, freeze_bound_s, &out->ev[out->n], err, errlen);
        if (rc != 0) {
            return rc;
        }
        out->n++;
    }
    return 0;
}

struct ae_plan
geoha__ae_plan(const struct ae_doc *doc, const struct ae_facts *f)
{
    struct ae_plan p = { 0 };
    bool pending = false;

    for (size_t i = 0; i < doc->n; i++) {
        const struct ae_event *ev = &doc->ev[i];

        if (ev->kind != AE_DISRUPTIVE) {
            continue;
        }
        if (p.cause == NULL) {
            p.cause = ev;
        }
        if (ev->status == AE_SCHEDULED) {
            pending = true;
        }
    }
    if (p.cause == NULL) {
        return p;
    }
    if (f->here_promoted && !f->peer_promotable) {
        p.waiting = "the writer is here and no other node can be promoted: "
                    "it stays until the maintenance stops it";
        return p;
    }
    if (f->other_promoted && f->writer_held) {
        p.waiting = "the writer's node is under maintenance too and its "
                    "writer moves first: this node stays promotable";
        return p;
    }
    if (!f->here_promoted && !f->other_promoted && f->peer_held_first) {
        p.waiting = "no node holds the writer and another node's "
                    "maintenance goes first: this node stays promotable";
        return p;
    }
    p.hold = true;
    if (!pending) {
        return p;
    }
    if (!f->approve) {
        p.waiting = "approval is off (approve=false): Azure starts the "
                    "maintenance at its NotBefore";
        return p;
    }
    if (f->here_promoted) {
        p.waiting = "the writer is still here: waiting for it to move";
        return p;
    }
    if (!f->other_promoted) {
        p.waiting = "no other node holds the writer yet";
        return p;
    }
    for (size_t i = 0; i < doc->n; i++) {
        const struct ae_event *ev = &doc->ev[i];

        if (ev->kind == AE_DISRUPTIVE && ev->status == AE_SCHEDULED) {
            p.approve[p.n_approve++] = ev;
        }
    }
    return p;
}

const char *
geoha__ae_kind_text(enum ae_kind k)
{
    switch (k) {
    case AE_DISRUPTIVE:
        return "disruptive";
    case AE_SHORT_FREEZE:
        return "short freeze";
    case AE_UNKNOWN:
        return "unknown type";
    }
    return "?";
}
