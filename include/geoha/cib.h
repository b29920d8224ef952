/*
 * geoha: what the cluster says, as crm_mon --output-as=xml reports it
 * (run with a bounded time, parsed with libxml2). This is the one reader
 * of the cluster's promoted node and member nodes for every agent. Like
 * every Pacemaker tool, crm_mon honours CIB_file (a saved CIB), so agents
 * can be run and tested outside a running cluster.
 *
 * Every query runs crm_mon until the deadline d (NULL: none of the
 * caller's), and never longer than GEOHA_CIB_TIMEOUT_MS. Errors common to
 * them: -EINVAL (bad arguments), -ENOTCONN (crm_mon could not ask the
 * cluster, or the CIB cannot be read), GEOHA_E_DEADLINE (crm_mon did not
 * answer in time), GEOHA_E_PARSE (its output is not crm_mon's XML),
 * GEOHA_E_NOT_INSTALLED (no crm_mon, or libxml2 cannot be loaded).
 */
#ifndef GEOHA_CIB_H
#define GEOHA_CIB_H

#include <stddef.h>

#include "geoha/map.h"
#include "geoha/util.h"

#define GEOHA_CIB_TIMEOUT_MS 10000

/*
 * The node(s) where an instance of resource rsc_id (a promotable clone
 * such as "db-clone", its primitive "db", or an instance "db:1": each
 * names the whole clone) is promoted. Up to max distinct names are copied
 * into nodes; *n gets the count found (0 when none is promoted; 2 or more
 * is reported as such, never narrowed to one). -ENOENT when the resource
 * is not in the configuration.
 */
int geoha_cib_promoted_nodes(const char *rsc_id, const struct geoha_deadline *d,
                             char nodes[][GEOHA_NODE_MAX], size_t max,
                             size_t *n);

/*
 * The one node where rsc_id is promoted. -ENOENT as above, GEOHA_E_STATE
 * when none or more than one is promoted (node is then left untouched).
 */
int geoha_cib_promoted_node(const char *rsc_id, const struct geoha_deadline *d,
                            char node[GEOHA_NODE_MAX]);

/*
 * The cluster's member nodes (remote and guest nodes left out), as the
 * CIB's configuration lists them. Up to max names are copied; *n gets the
 * count.
 */
int geoha_cib_nodes(const struct geoha_deadline *d,
                    char nodes[][GEOHA_NODE_MAX], size_t max, size_t *n);

/*
 * The parsers behind the queries, for crm_mon's XML output in text (len
 * bytes): the same answers and errors, from a saved report.
 */
int geoha_cib_parse_promoted(const char *text, size_t len, const char *rsc_id,
                             char nodes[][GEOHA_NODE_MAX], size_t max,
                             size_t *n);
int geoha_cib_parse_nodes(const char *text, size_t len,
                          char nodes[][GEOHA_NODE_MAX], size_t max, size_t *n);

#endif /* GEOHA_CIB_H */
