/*
 * geoha: host:port endpoints and node=value maps, as admins write them in
 * parameters such as endpoints="ci=10.1.0.5:3306 si=10.2.0.5:3306".
 */
#ifndef GEOHA_MAP_H
#define GEOHA_MAP_H

#include <stddef.h>

#define GEOHA_NODE_MAX 64    /* bytes of a node name, with the NUL */
#define GEOHA_HOST_MAX 256   /* bytes of a host name, with the NUL */
#define GEOHA_MAPVAL_MAX 512 /* bytes of one map value, with the NUL */
#define GEOHA_MAP_ENTRIES 16 /* nodes in one map */

struct geoha_hostport {
    char host[GEOHA_HOST_MAX]; /* without brackets for IPv6 */
    int port;
};

/*
 * Parse "host:port", "[v6addr]:port", or "host" (then default_port, which
 * must be 1-65535 or 0 meaning "a port is required"). -EINVAL on bad input.
 */
int geoha_hostport_parse(const char *s, int default_port,
                         struct geoha_hostport *out);

struct geoha_map_entry {
    char node[GEOHA_NODE_MAX];
    char value[GEOHA_MAPVAL_MAX];
};

struct geoha_map {
    size_t n;
    struct geoha_map_entry e[GEOHA_MAP_ENTRIES];
};

/*
 * Parse white-space or comma separated node=value pairs. Node names are
 * [A-Za-z0-9._-], values non-empty without white space. Duplicate nodes,
 * empty maps and more than GEOHA_MAP_ENTRIES entries are -EINVAL.
 */
int geoha_map_parse(const char *s, struct geoha_map *out);

/* The value for node, or NULL. */
const char *geoha_map_get(const struct geoha_map *m, const char *node);

/*
 * The one other node of a two-entry map: *peer points into m. -ENOENT
 * when node is not in the map, -EINVAL when the map has not exactly two
 * entries.
 */
int geoha_map_peer(const struct geoha_map *m, const char *node,
                   const struct geoha_map_entry **peer);

#endif /* GEOHA_MAP_H */
