/*
 * geoha: does this node's partition hold quorum? Asked of corosync itself
 * through its quorum library, so an agent can act on a lost quorum before
 * Pacemaker's transition reaches it.
 */
#ifndef GEOHA_QUORUM_H
#define GEOHA_QUORUM_H

#include <stdbool.h>
#include <stdint.h>

/*
 * *quorate receives whether the local corosync says this partition is
 * quorate. -ENOTCONN when corosync cannot be reached (not a cluster node,
 * or its corosync is not running); *quorate is then untouched.
 */
int geoha_quorum_get(bool *quorate);

/*
 * ---- the quorum guard's loop ----
 *
 * geoha_quorum_watch() follows corosync's quorum notifications (one IPC
 * connection, woken by corosync the moment the partition's quorum
 * changes) and calls close() as soon as this partition is inquorate, or
 * corosync is gone after it had been reached: a node that cannot ask
 * corosync cannot know it still holds quorum. close() is called again
 * every retry_ms until it returns 0; once it has, it is called again only
 * after quorum came back and was lost anew. Nothing here depends on
 * Pacemaker: no transition, order or other resource's operation can delay
 * it.
 *
 * Until corosync has been reached once (an agent run outside a cluster,
 * or started before corosync) nothing is closed; the loop keeps asking
 * every tick_ms.
 *
 * A call into corosync that has not returned after answer_ms (corosync
 * stopped, stuck, or dying) counts as inquorate too: the calls are made by
 * a thread of their own, so a blocked call never holds up close().
 *
 * keep() is asked every tick_ms; the loop ends (returns 0) when it says
 * false (the resource was stopped) or when *stop becomes non-zero (a
 * signal handler's flag; the wait is interrupted by the signal).
 */
enum geoha_quorum_event {
    GEOHA_QUORUM_EV_REACHED,      /* corosync reached; rc: 1 quorate, 0 not */
    GEOHA_QUORUM_EV_LOST,         /* the partition is inquorate */
    GEOHA_QUORUM_EV_DISCONNECTED, /* corosync gone after it was reached */
    GEOHA_QUORUM_EV_CLOSED,       /* close() succeeded; rc: ms since loss */
    GEOHA_QUORUM_EV_CLOSE_FAILED, /* close() failed; rc: its result */
    GEOHA_QUORUM_EV_REGAINED,     /* quorate again after a loss */
    GEOHA_QUORUM_EV_SILENT,       /* a call unanswered; rc: ms so far */
};

struct geoha_quorum_watch {
    /* Make the resource stop taking writes. 0 when done. */
    int (*close)(void *arg);
    /* Whether the watch goes on (false: the resource is gone). */
    bool (*keep)(void *arg);
    /* What happened, for the caller's log; may be NULL. */
    void (*note)(void *arg, enum geoha_quorum_event ev, long long rc);
    void *arg;
    int64_t tick_ms;   /* housekeeping period, e.g. 1000 */
    int64_t retry_ms;  /* close() retry period, e.g. 250 */
    int64_t answer_ms; /* a call to corosync unanswered this long: inquorate */
    volatile int *stop;
};

/* Runs until keep() is false or *stop is set. 0, or -EINVAL. */
int geoha_quorum_watch(const struct geoha_quorum_watch *w);

#endif /* GEOHA_QUORUM_H */
