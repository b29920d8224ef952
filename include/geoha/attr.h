/*
 * geoha: node attributes and promotion scores.
 *
 * Written through Pacemaker's crm_attribute, run with an argument vector
 * (never a shell), and only when the value changes: the last value written
 * is remembered in a small cache directory (GEOHA_ATTR_CACHE_DIR, private
 * per node under /run). A cached value older than GEOHA_ATTR_REFRESH_S is
 * written again, so a value Pacemaker dropped (for instance when the node
 * left and rejoined) comes back within that time. crm_attribute honours
 * CIB_file, so all of this works outside a running cluster too.
 */
#ifndef GEOHA_ATTR_H
#define GEOHA_ATTR_H

#include <stdbool.h>

#include "geoha/util.h"

#define GEOHA_ATTR_CACHE_DIR "/run/geoha/attrs"
#define GEOHA_ATTR_CACHE_ENV "GEOHA_ATTR_CACHE_DIR"
#define GEOHA_ATTR_REFRESH_S 300

enum geoha_attr_kind {
    GEOHA_ATTR_TRANSIENT, /* node attribute, lifetime reboot */
    GEOHA_ATTR_PROMOTION, /* promotion score of OCF_RESOURCE_INSTANCE */
};

/*
 * Set (value != NULL) or delete (value == NULL) attribute name on node.
 * For GEOHA_ATTR_PROMOTION, name is the resource id (its clone suffix
 * ":N" is dropped). Returns 0 when the value was already current (no
 * process spawned) or was written; *changed (may be NULL) says which.
 */
int geoha_attr_update(enum geoha_attr_kind kind, const char *node,
                      const char *name, const char *value,
                      const struct geoha_deadline *d, bool *changed);

/*
 * Read a transient attribute of node from the cluster (always asks the
 * cluster, never the cache). *value is heap-allocated (caller frees), or
 * NULL when the attribute is not set (still returns 0).
 */
int geoha_attr_get(enum geoha_attr_kind kind, const char *node,
                   const char *name, const struct geoha_deadline *d,
                   char **value);

/* Forget the cache entry (for instance after a failed write). */
void geoha_attr_forget(enum geoha_attr_kind kind, const char *node,
                       const char *name);

#endif /* GEOHA_ATTR_H */
