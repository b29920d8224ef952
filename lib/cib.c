/*
 * geoha: what the cluster says, as crm_mon reports it.
 *
 * One reader for every agent: crm_mon --output-as=xml (which honours
 * CIB_file, as every Pacemaker tool does), run with a bounded time and
 * parsed with libxml2. No deprecated scheduler types and no text scraping.
 *
 * libxml2 is loaded on first use (dlopen), like libcurl (curl_dl.c): an
 * agent that never asks the cluster, such as a native mysql monitor, does
 * not pay the 2 ms of CPU its loading costs on every exec.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "geoha/cib.h"
#include "geoha/ocf.h"
#include "geoha/proc.h"
#include "geoha/util.h"

/* crm_mon's report of a whole cluster's nodes and resources fits easily. */
#define CRM_MON_MAX_OUT (1024 * 1024)

/* ---- libxml2, loaded on first use ---- */

static struct {
    bool tried;
    bool ok;
    __typeof__(xmlReadMemory) *read_memory;
    __typeof__(xmlFreeDoc) *free_doc;
} xml;

static bool
xml_load(void)
{
    void *h;

    if (xml.tried) {
        return xml.ok;
    }
    xml.tried = true;
    h = dlopen("libxml2.so.2", RTLD_NOW | RTLD_LOCAL);
    if (h == NULL) {
        return false;
    }
    *(void **)&xml.read_memory = dlsym(h, "xmlReadMemory");
    *(void **)&xml.free_doc = dlsym(h, "xmlFreeDoc");
    xml.ok = xml.read_memory != NULL && xml.free_doc != NULL;
    return xml.ok;
}

/* ---- walking crm_mon's XML ---- */

static bool
is_element(const xmlNode *n, const char *name)
{
    return n != NULL && n->type == XML_ELEMENT_NODE && n->name != NULL
           && strcmp((const char *)n->name, name) == 0;
}

static const xmlNode *
child(const xmlNode *n, const char *name)
{
    for (const xmlNode *c = n->children; c != NULL; c = c->next) {
        if (is_element(c, name)) {
            return c;
        }
    }
    return NULL;
}

/*
 * An attribute's value; NULL when absent or not plain text (the parser
 * has already replaced the predefined entities such as &lt;).
 */
static const char *
prop(const xmlNode *n, const char *name)
{
    for (const xmlAttr *a = n->properties; a != NULL; a = a->next) {
        if (a->name == NULL || strcmp((const char *)a->name, name) != 0) {
            continue;
        }
        if (a->children == NULL) {
            return "";
        }
        if (a->children->type != XML_TEXT_NODE || a->children->next != NULL
            || a->children->content == NULL) {
            return NULL;
        }
        return (const char *)a->children->content;
    }
    return NULL;
}

/* The length of id without a clone instance's ":N" suffix. */
static size_t
base_len(const char *id)
{
    size_t len = strlen(id);
    size_t i = len;

    while (i > 0 && id[i - 1] >= '0' && id[i - 1] <= '9') {
        i--;
    }
    return (i > 0 && i < len && id[i - 1] == ':') ? i - 1 : len;
}

static bool
same_resource(const char *a, const char *b)
{
    size_t n = base_len(a);

    return n == base_len(b) && strncmp(a, b, n) == 0;
}

/*
 * crm_mon's answer as a document: GEOHA_E_PARSE when it is not XML from
 * crm_mon, -ENOTCONN when crm_mon says it could not ask the cluster (its
 * status is not OK, or it has no nodes or resources section: with an
 * unreadable CIB_file it reports an error and exits 0).
 */
static int
doc_parse(const char *text, size_t len, xmlDoc **doc, const xmlNode **nodes,
          const xmlNode **rscs)
{
    const xmlNode *root = NULL;
    const xmlNode *status;
    const char *code;

    *doc = NULL;
    if (!xml_load()) {
        return GEOHA_E_NOT_INSTALLED;
    }
    if (text == NULL || len == 0 || len > CRM_MON_MAX_OUT) {
        return GEOHA_E_PARSE;
    }
    *doc = xml.read_memory(text, (int)len, NULL, NULL,
                           XML_PARSE_NONET | XML_PARSE_NOERROR
                               | XML_PARSE_NOWARNING);
    if (*doc == NULL) {
        return GEOHA_E_PARSE;
    }
    for (const xmlNode *c = (*doc)->children; c != NULL; c = c->next) {
        if (c->type == XML_ELEMENT_NODE) {
            root = c;
            break;
        }
    }
    if (!is_element(root, "pacemaker-result")) {
        return GEOHA_E_PARSE;
    }
    status = child(root, "status");
    code = status != NULL ? prop(status, "code") : NULL;
    *nodes = child(root, "nodes");
    *rscs = child(root, "resources");
    if ((code != NULL && strcmp(code, "0") != 0) || *nodes == NULL
        || *rscs == NULL) {
        return -ENOTCONN;
    }
    return 0;
}

/* The element (clone, group, bundle, primitive) that is resource id. */
static const xmlNode *
find_resource(const xmlNode *n, const char *id)
{
    for (const xmlNode *c = n->children; c != NULL; c = c->next) {
        const char *cid;
        const xmlNode *f;

        if (c->type != XML_ELEMENT_NODE || is_element(c, "node")) {
            continue;
        }
        cid = prop(c, "id");
        if (cid != NULL && same_resource(cid, id)) {
            return c;
        }
        f = find_resource(c, id);
        if (f != NULL) {
            return f;
        }
    }
    return NULL;
}

static void
add_node(const char *name, char nodes[][GEOHA_NODE_MAX], size_t max, size_t *n)
{
    for (size_t i = 0; i < *n && i < max; i++) {
        if (strcmp(nodes[i], name) == 0) {
            return; /* a promoted group: one node, several primitives */
        }
    }
    if (*n < max) {
        geoha_strlcpy(nodes[*n], name, GEOHA_NODE_MAX);
    }
    (*n)++;
}

/* Every node where a primitive under n is promoted. */
static void
collect(const xmlNode *n, char nodes[][GEOHA_NODE_MAX], size_t max, size_t *k)
{
    for (const xmlNode *c = n->children; c != NULL; c = c->next) {
        const char *role;

        if (c->type != XML_ELEMENT_NODE) {
            continue;
        }
        if (!is_element(c, "resource")) {
            collect(c, nodes, max, k);
            continue;
        }
        role = prop(c, "role");
        if (role == NULL
            || (strcmp(role, "Promoted") != 0 && strcmp(role, "Master") != 0)) {
            continue;
        }
        for (const xmlNode *o = c->children; o != NULL; o = o->next) {
            const char *name = is_element(o, "node") ? prop(o, "name") : NULL;

            if (name != NULL && name[0] != '\0') {
                add_node(name, nodes, max, k);
            }
        }
    }
}

int
geoha_cib_parse_promoted(const char *text, size_t len, const char *rsc_id,
                         char nodes[][GEOHA_NODE_MAX], size_t max, size_t *n)
{
    const xmlNode *cnodes = NULL, *rscs = NULL, *rsc;
    xmlDoc *doc = NULL;
    size_t found = 0;
    int rc;

    if (rsc_id == NULL || rsc_id[0] == '\0' || n == NULL
        || (max > 0 && nodes == NULL)) {
        return -EINVAL;
    }
    rc = doc_parse(text, len, &doc, &cnodes, &rscs);
    if (rc == 0) {
        rsc = find_resource(rscs, rsc_id);
        if (rsc == NULL) {
            rc = -ENOENT;
        } else {
            /* a primitive or an instance names its whole clone */
            while (rsc->parent != NULL && rsc->parent != rscs) {
                rsc = rsc->parent;
            }
            collect(rsc, nodes, max, &found);
            *n = found;
        }
    }
    if (doc != NULL) {
        xml.free_doc(doc);
    }
    return rc;
}

int
geoha_cib_parse_nodes(const char *text, size_t len,
                      char nodes[][GEOHA_NODE_MAX], size_t max, size_t *n)
{
    const xmlNode *cnodes = NULL, *rscs = NULL;
    xmlDoc *doc = NULL;
    size_t found = 0;
    int rc;

    if (n == NULL || (max > 0 && nodes == NULL)) {
        return -EINVAL;
    }
    rc = doc_parse(text, len, &doc, &cnodes, &rscs);
    if (rc == 0) {
        for (const xmlNode *c = cnodes->children; c != NULL; c = c->next) {
            const char *name = is_element(c, "node") ? prop(c, "name") : NULL;
            const char *type = name != NULL ? prop(c, "type") : NULL;

            /* remote and guest nodes run no database */
            if (name == NULL || name[0] == '\0' || type == NULL
                || strcmp(type, "member") != 0) {
                continue;
            }
            if (found < max) {
                geoha_strlcpy(nodes[found], name, GEOHA_NODE_MAX);
            }
            found++;
        }
        *n = found;
    }
    if (doc != NULL) {
        xml.free_doc(doc);
    }
    return rc;
}

/* ---- asking crm_mon ---- */

static int
crm_mon(const struct geoha_deadline *d, struct geoha_proc_result *res)
{
    static const char *const argv[] = { "crm_mon",
                                        "--one-shot",
                                        "--output-as=xml",
                                        "--exclude=all",
                                        "--include=nodes,resources",
                                        "--fence-history=0",
                                        NULL };
    struct geoha_deadline bound = geoha_deadline_min(d, GEOHA_CIB_TIMEOUT_MS);
    int rc = geoha_proc_run(argv, NULL, NULL, CRM_MON_MAX_OUT, &bound, res);

    if (rc == -ENOENT) {
        return GEOHA_E_NOT_INSTALLED;
    }
    if (rc != 0) {
        return rc;
    }
    if (res->exit_code != 0) {
        geoha_debug("crm_mon cannot ask the cluster | exit=%d", res->exit_code);
    }
    return 0;
}

/* A parser's answer; whatever crm_mon printed, a failed crm_mon did not
 * ask the cluster. */
static int
verdict(int rc, const struct geoha_proc_result *res)
{
    return res->exit_code != 0 ? -ENOTCONN : rc;
}

int
geoha_cib_promoted_nodes(const char *rsc_id, const struct geoha_deadline *d,
                         char nodes[][GEOHA_NODE_MAX], size_t max, size_t *n)
{
    struct geoha_proc_result res = { 0 };
    int rc;

    if (rsc_id == NULL || rsc_id[0] == '\0' || n == NULL
        || (max > 0 && nodes == NULL)) {
        return -EINVAL;
    }
    rc = crm_mon(d, &res);
    if (rc == 0) {
        rc = verdict(geoha_cib_parse_promoted(res.out, res.out_len, rsc_id,
                                              nodes, max, n),
                     &res);
    }
    geoha_proc_result_clear(&res);
    return rc;
}

int
geoha_cib_promoted_node(const char *rsc_id, const struct geoha_deadline *d,
                        char node[GEOHA_NODE_MAX])
{
    char nodes[2][GEOHA_NODE_MAX];
    size_t n = 0;
    int rc = geoha_cib_promoted_nodes(rsc_id, d, nodes, 2, &n);

    if (rc != 0) {
        return rc;
    }
    if (n != 1) {
        return GEOHA_E_STATE;
    }
    return geoha_strlcpy(node, nodes[0], GEOHA_NODE_MAX);
}

int
geoha_cib_nodes(const struct geoha_deadline *d, char nodes[][GEOHA_NODE_MAX],
                size_t max, size_t *n)
{
    struct geoha_proc_result res = { 0 };
    int rc;

    if (n == NULL || (max > 0 && nodes == NULL)) {
        return -EINVAL;
    }
    rc = crm_mon(d, &res);
    if (rc == 0) {
        rc = verdict(geoha_cib_parse_nodes(res.out, res.out_len, nodes, max, n),
                     &res);
    }
    geoha_proc_result_clear(&res);
    return rc;
}
