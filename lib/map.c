/* geoha: host:port endpoints and node=value maps. */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "geoha/map.h"
#include "geoha/util.h"

static bool
host_char_ok(char c)
{
    return isalnum((unsigned char)c) || c == '.' || c == '-' || c == '_'
           || c == ':';
}

int
geoha_hostport_parse(const char *s, int default_port,
                     struct geoha_hostport *out)
{
    struct geoha_hostport hp;
    const char *host = s;
    size_t host_len;
    const char *port_text = NULL;
    long long port;

    if (s == NULL || out == NULL || *s == '\0') {
        return -EINVAL;
    }
    memset(&hp, 0, sizeof(hp));
    if (*s == '[') {
        const char *close = strchr(s, ']');

        if (close == NULL || close == s + 1) {
            return -EINVAL;
        }
        host = s + 1;
        host_len = (size_t)(close - host);
        if (close[1] == ':') {
            port_text = close + 2;
        } else if (close[1] != '\0') {
            return -EINVAL;
        }
    } else {
        const char *colon = strrchr(s, ':');

        if (colon != NULL && strchr(s, ':') != colon) {
            return -EINVAL; /* bare IPv6 needs brackets */
        }
        host_len = (colon != NULL) ? (size_t)(colon - s) : strlen(s);
        if (colon != NULL) {
            port_text = colon + 1;
        }
    }
    if (host_len == 0 || host_len >= sizeof(hp.host)) {
        return -EINVAL;
    }
    for (size_t i = 0; i < host_len; i++) {
        if (!host_char_ok(host[i]) || (host[i] == ':' && *s != '[')) {
            return -EINVAL;
        }
    }
    memcpy(hp.host, host, host_len);
    hp.host[host_len] = '\0';
    if (port_text != NULL) {
        if (geoha_parse_ll(port_text, 1, 65535, &port) != 0) {
            return -EINVAL;
        }
        hp.port = (int)port;
    } else if (default_port > 0 && default_port <= 65535) {
        hp.port = default_port;
    } else {
        return -EINVAL;
    }
    *out = hp;
    return 0;
}

static bool
node_char_ok(char c)
{
    return isalnum((unsigned char)c) || c == '.' || c == '-' || c == '_';
}

static bool
is_sep(char c)
{
    return c == ',' || isspace((unsigned char)c);
}

int
geoha_map_parse(const char *s, struct geoha_map *out)
{
    struct geoha_map m;
    const char *p = s;

    if (s == NULL || out == NULL) {
        return -EINVAL;
    }
    memset(&m, 0, sizeof(m));
    for (;;) {
        const char *start;
        const char *eq;
        size_t node_len;
        size_t value_len;

        while (is_sep(*p)) {
            p++;
        }
        if (*p == '\0') {
            break;
        }
        if (m.n == GEOHA_MAP_ENTRIES) {
            return -EINVAL;
        }
        start = p;
        while (*p != '\0' && !is_sep(*p)) {
            p++;
        }
        eq = memchr(start, '=', (size_t)(p - start));
        if (eq == NULL) {
            return -EINVAL;
        }
        node_len = (size_t)(eq - start);
        value_len = (size_t)(p - eq - 1);
        if (node_len == 0 || node_len >= GEOHA_NODE_MAX || value_len == 0
            || value_len >= GEOHA_MAPVAL_MAX) {
            return -EINVAL;
        }
        for (size_t i = 0; i < node_len; i++) {
            if (!node_char_ok(start[i])) {
                return -EINVAL;
            }
        }
        memcpy(m.e[m.n].node, start, node_len);
        m.e[m.n].node[node_len] = '\0';
        memcpy(m.e[m.n].value, eq + 1, value_len);
        m.e[m.n].value[value_len] = '\0';
        for (size_t i = 0; i < m.n; i++) {
            if (strcmp(m.e[i].node, m.e[m.n].node) == 0) {
                return -EINVAL;
            }
        }
        m.n++;
    }
    if (m.n == 0) {
        return -EINVAL;
    }
    *out = m;
    return 0;
}

const char *
geoha_map_get(const struct geoha_map *m, const char *node)
{
    if (m == NULL || node == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < m->n; i++) {
        if (strcmp(m->e[i].node, node) == 0) {
            return m->e[i].value;
        }
    }
    return NULL;
}

int
geoha_map_peer(const struct geoha_map *m, const char *node,
               const struct geoha_map_entry **peer)
{
    if (m == NULL || node == NULL || peer == NULL) {
        return -EINVAL;
    }
    if (geoha_map_get(m, node) == NULL) {
        return -ENOENT;
    }
    if (m->n != 2) {
        return -EINVAL;
    }
    *peer = (strcmp(m->e[0].node, node) == 0) ? &m->e[1] : &m->e[0];
    return 0;
}
