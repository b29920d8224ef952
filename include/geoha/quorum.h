/*
 * geoha: does this node's partition hold quorum? Asked of corosync itself
 * through its quorum library (one IPC round trip), so an agent can act on
 * a lost quorum before Pacemaker's transition reaches it.
 */
#ifndef GEOHA_QUORUM_H
#define GEOHA_QUORUM_H

#include <stdbool.h>

/*
 * *quorate receives whether the local corosync says this partition is
 * quorate. -ENOTCONN when corosync cannot be reached (not a cluster node,
 * or its corosync is not running); *quorate is then untouched.
 */
int geoha_quorum_get(bool *quorate);

#endif /* GEOHA_QUORUM_H */
