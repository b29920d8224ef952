/*
 * geoha: what the cluster says, from the CIB, computed by Pacemaker's own
 * scheduler library exactly as crm_resource --locate does.
 */
#include <errno.h>
#include <string.h>

#include <crm/cib.h>
#include <crm/common/xml.h>
#include <crm/pengine/status.h>
#include <crm/pengine/pe_types.h>

#include "geoha/cib.h"
#include "geoha/util.h"

static int
read_cib(xmlNode **out)
{
    cib_t *cib;
    int rc;

    /* Loads the schemas: without it a saved CIB fails validation. */
    crm_xml_init();
    cib = cib_new();
    if (cib == NULL) {
        return -ENOMEM;
    }
    rc = cib->cmds->signon(cib, "geoha", cib_query);
    if (rc == pcmk_ok) {
        rc = cib->cmds->query(cib, NULL, out, cib_scope_local | cib_sync_call);
        cib->cmds->signoff(cib);
    }
    cib_delete(cib);
    return (rc == pcmk_ok && *out != NULL) ? 0 : -ENOTCONN;
}

/* The cluster's status as the scheduler computes it (caller frees). */
static int
status_load(pe_working_set_t **out)
{
    pe_working_set_t *ds = NULL;
    xmlNode *xml = NULL;
    int rc = read_cib(&xml);

    if (rc != 0) {
        return rc;
    }
    ds = pe_new_working_set();
    if (ds == NULL) {
        free_xml(xml);
        return -ENOMEM;
    }
    ds->input = xml; /* the working set owns it now */
    ds->flags |= pe_flag_no_counts | pe_flag_no_compat;
    cluster_status(ds);
    *out = ds;
    return 0;
}

static void
collect(pe_resource_t *rsc, char nodes[][GEOHA_NODE_MAX], size_t max, size_t *n)
{
    if (rsc->children != NULL) {
        for (GList *c = rsc->children; c != NULL; c = c->next) {
            collect(c->data, nodes, max, n);
        }
        return;
    }
    if (rsc->role != RSC_ROLE_PROMOTED) {
        return;
    }
    for (GList *r = rsc->running_on; r != NULL; r = r->next) {
        pe_node_t *node = r->data;

        if (node == NULL || node->details == NULL
            || node->details->uname == NULL) {
            continue;
        }
        if (*n < max) {
            geoha_strlcpy(nodes[*n], node->details->uname, GEOHA_NODE_MAX);
        }
        (*n)++;
    }
}

int
geoha_cib_promoted_nodes(const char *rsc_id, char nodes[][GEOHA_NODE_MAX],
                         size_t max, size_t *n)
{
    pe_working_set_t *ds = NULL;
    pe_resource_t *rsc;
    size_t found = 0;
    int rc;

    if (rsc_id == NULL || n == NULL || (max > 0 && nodes == NULL)) {
        return -EINVAL;
    }
    rc = status_load(&ds);
    if (rc != 0) {
        return rc;
    }
    rsc = pe_find_resource(ds->resources, rsc_id);
    if (rsc == NULL) {
        rc = -ENOENT;
        goto done;
    }
    /* A primitive id names the clone's instances too: go to the top. */
    while (rsc->parent != NULL) {
        rsc = rsc->parent;
    }
    collect(rsc, nodes, max, &found);
    *n = found;
done:
    pe_free_working_set(ds);
    return rc;
}

int
geoha_cib_promoted_node(const char *rsc_id, char node[GEOHA_NODE_MAX])
{
    char nodes[2][GEOHA_NODE_MAX];
    size_t n = 0;
    int rc = geoha_cib_promoted_nodes(rsc_id, nodes, 2, &n);

    if (rc != 0) {
        return rc;
    }
    if (n != 1) {
        return GEOHA_E_STATE;
    }
    return geoha_strlcpy(node, nodes[0], GEOHA_NODE_MAX);
}

int
geoha_cib_nodes(char nodes[][GEOHA_NODE_MAX], size_t max, size_t *n)
{
    pe_working_set_t *ds = NULL;
    size_t found = 0;
    int rc;

    if (n == NULL || (max > 0 && nodes == NULL)) {
        return -EINVAL;
    }
    rc = status_load(&ds);
    if (rc != 0) {
        return rc;
    }
    for (GList *l = ds->nodes; l != NULL; l = l->next) {
        pe_node_t *node = l->data;

        if (node == NULL || node->details == NULL
            || node->details->uname == NULL
            || node->details->type != node_member) {
            continue; /* remote and guest nodes run no database */
        }
        if (found < max) {
            geoha_strlcpy(nodes[found], node->details->uname, GEOHA_NODE_MAX);
        }
        found++;
    }
    *n = found;
    pe_free_working_set(ds);
    return 0;
}
