/*
 * ocf:geoha:azure-events — what a Scheduled Events document means for this
 * VM, and what to do about it, from facts alone.
 *
 * The agent reads the document from the instance metadata service and the
 * cluster's state, then hands both to the two pure functions here: the
 * parser keeps this VM's events and sorts them (disruptive, a short
 * freeze, a type geoha does not know), the planner says whether to keep
 * this node out of promotion and which events to approve. Nothing here
 * touches the network, a file or the cluster: tests/unit/
 * test_azure_events.c pins every branch.
 */
#ifndef GEOHA_AGENT_AZURE_EVENTS_H
#define GEOHA_AGENT_AZURE_EVENTS_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "geoha/util.h"

#define AE_MAX_EVENTS 32 /* of this VM's events; more is a malformed doc */
#define AE_ID_MAX 65     /* bytes of an EventId, with the NUL */
#define AE_TYPE_MAX 33   /* bytes of an EventType, with the NUL */
#define AE_WHEN_MAX 64   /* bytes of a NotBefore, with the NUL */

enum ae_kind {
    AE_DISRUPTIVE,   /* Reboot, Redeploy, Preempt, Terminate, a long Freeze */
    AE_SHORT_FREEZE, /* a Freeze within the bound: nothing moves */
    AE_UNKNOWN,      /* a type geoha does not know: logged, left alone */
};

enum ae_status {
    AE_SCHEDULED, /* may still be approved */
    AE_STARTED,   /* running (approved, or NotBefore passed) */
    AE_OTHER,     /* a status geoha does not know: never approved */
};

struct ae_event {
    char id[AE_ID_MAX];
    char type[AE_TYPE_MAX];
    char not_before[AE_WHEN_MAX]; /* "" once started */
    enum ae_status status;
    enum ae_kind kind;
    long long duration_s; /* DurationInSeconds; -1 when unknown */
};

struct ae_doc {
    long long incarnation; /* DocumentIncarnation */
    size_t n;              /* this VM's events */
    struct ae_event ev[AE_MAX_EVENTS];
    size_t others; /* events for other VMs only (ignored) */
};

/*
 * Read a Scheduled Events document: the events whose Resources name vm
 * (case-insensitive), each sorted with freeze_bound_s (a Freeze of up to
 * that many seconds is short; one of unknown length is not). Returns 0,
 * or GEOHA_E_PARSE with the reason in err (errlen bytes) for a document
 * that is not what IMDS documents: then *out says nothing and the caller
 * must not act on it.
 */
int geoha__ae_parse(const json_t *doc, const char *vm, long long freeze_bound_s,
                    struct ae_doc *out, char *err, size_t errlen);

/* What the cluster says, as the agent read it. */
struct ae_facts {
    bool here_promoted;  /* this node holds the promoted role */
    bool other_promoted; /* another node holds it */
    /* Another node has a positive promotion score and is not held out of
     * promotion by its own maintenance. */
    bool peer_promotable;
    /* Another node is held out of promotion, and its name sorts before
     * this node's: when no node holds the writer and both are held, that
     * one keeps its hold and this one gives way. */
    bool peer_held_first;
    /* The node holding the writer (another one) is held: the writer is
     * about to move, and this node may be where it goes. */
    bool writer_held;
    bool approve; /* the approve parameter */
};

struct ae_plan {
    /* Keep this node out of promotion (the node attribute is set). */
    bool hold;
    /* The disruptive event the hold is for (NULL: none). */
    const struct ae_event *cause;
    /* Events to approve now (StartRequests). */
    size_t n_approve;
    const struct ae_event *approve[AE_MAX_EVENTS];
    /* Why nothing is approved although an event is pending (static text,
     * NULL when not waiting). */
    const char *waiting;
};

/*
 * The plan for this node:
 *  - a disruptive event holds the node out of promotion, except while the
 *    writer is here and no other node can take it (demoting it then would
 *    only stop writes sooner: the writer stays until the maintenance), and
 *    except while no node holds the writer and another node, first by
 *    name, is held too, and except while the writer's own node is held
 *    (maintenance on both VMs at once: one goes first, so the cluster
 *    always keeps a promotable node);
 *  - a scheduled disruptive event is approved once nothing writes here
 *    and another node holds the writer (the approve parameter allowing);
 *  - short freezes and unknown types change nothing.
 */
struct ae_plan geoha__ae_plan(const struct ae_doc *doc,
                              const struct ae_facts *f);

/* "disruptive", "short freeze", "unknown type". */
const char *geoha__ae_kind_text(enum ae_kind k);

#endif /* GEOHA_AGENT_AZURE_EVENTS_H */
