/*
 * geoha: what the cluster says, read from the CIB with Pacemaker's own
 * libraries (libcib + libpe_status), exactly as crm_resource does. Like
 * Pacemaker's tools, CIB_file (a saved CIB) is honoured, so agents can be
 * run and tested outside a running cluster.
 */
#ifndef GEOHA_CIB_H
#define GEOHA_CIB_H

#include <stddef.h>

#include "geoha/map.h"

/*
 * The node(s) where an instance of resource rsc_id (a promotable clone
 * such as "db-clone", or its primitive "db") is promoted. Up to max names
 * are copied into nodes; *n gets the count found (0 when none is
 * promoted). -ENOENT when the resource is not in the configuration,
 * -ENOTCONN when the CIB cannot be read.
 */
int geoha_cib_promoted_nodes(const char *rsc_id, char nodes[][GEOHA_NODE_MAX],
                             size_t max, size_t *n);

/*
 * The one node where rsc_id is promoted. -ENOENT as above, GEOHA_E_STATE
 * when none or more than one is promoted (node is then left untouched).
 */
int geoha_cib_promoted_node(const char *rsc_id, char node[GEOHA_NODE_MAX]);

/*
 * The cluster's member nodes (remote and guest nodes left out), as the
 * CIB's configuration lists them. Up to max names are copied; *n gets the
 * count. -ENOTCONN when the CIB cannot be read.
 */
int geoha_cib_nodes(char nodes[][GEOHA_NODE_MAX], size_t max, size_t *n);

#endif /* GEOHA_CIB_H */
