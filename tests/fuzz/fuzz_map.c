/*
 * Fuzz target: geoha_map_parse() and geoha_hostport_parse() (lib/map.c),
 * the parsers of parameters such as endpoints="ci=10.1.0.5:3306 ...".
 *
 * Checks: results are -EINVAL or success; a parsed map has 1..16 entries
 * with valid, unique node names and non-empty values without separators;
 * geoha_map_get()/geoha_map_peer() agree with the entries; printing a map
 * or an endpoint back and parsing it again gives the same result.
 */
#include <ctype.h>
#include <errno.h>

#include "geoha/map.h"
#include "geoha/util.h"

#include "fuzz.h"

static int
node_ok(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n >= GEOHA_NODE_MAX) {
        return 0;
    }
    for (; *s != '\0'; s++) {
        if (!isalnum((unsigned char)*s) && strchr("._-", *s) == NULL) {
            return 0;
        }
    }
    return 1;
}

static int
value_ok(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n >= GEOHA_MAPVAL_MAX) {
        return 0;
    }
    for (; *s != '\0'; s++) {
        if (*s == ',' || isspace((unsigned char)*s)) {
            return 0;
        }
    }
    return 1;
}

static void
check_hostport(const char *s, int default_port)
{
    struct geoha_hostport hp, again;
    char text[GEOHA_HOST_MAX + 16];
    int rc;

    memset(&hp, 0xa5, sizeof(hp));
    rc = geoha_hostport_parse(s, default_port, &hp);
    if (rc != 0) {
        FUZZ_CHECK(rc == -EINVAL);
        return;
    }
    FUZZ_CHECK(hp.host[0] != '\0' && strlen(hp.host) < GEOHA_HOST_MAX);
    FUZZ_CHECK(hp.port >= 1 && hp.port <= 65535);
    for (const char *p = hp.host; *p != '\0'; p++) {
        FUZZ_CHECK(isalnum((unsigned char)*p) || strchr(".-_:", *p) != NULL);
    }
    if (strchr(hp.host, ':') != NULL) {
        FUZZ_CHECK(s[0] == '[');
        rc = geoha_snprintf(text, sizeof(text), "[%s]:%d", hp.host, hp.port);
    } else {
        rc = geoha_snprintf(text, sizeof(text), "%s:%d", hp.host, hp.port);
    }
    FUZZ_CHECK(rc == 0);
    FUZZ_CHECK(geoha_hostport_parse(text, 0, &again) == 0);
    FUZZ_CHECK(strcmp(again.host, hp.host) == 0 && again.port == hp.port);
    if (default_port <= 0 || default_port > 65535) {
        /* a port must have come from the text */
        FUZZ_CHECK(strchr(s, ':') != NULL);
    }
}

static void
check_map(const struct geoha_map *m)
{
    struct geoha_map again;
    struct geoha_buf b;

    FUZZ_CHECK(m->n >= 1 && m->n <= GEOHA_MAP_ENTRIES);
    geoha_buf_init(&b, 0);
    for (size_t i = 0; i < m->n; i++) {
        const struct geoha_map_entry *e = &m->e[i];
        const struct geoha_map_entry *peer = NULL;
        int rc;

        FUZZ_CHECK(node_ok(e->node));
        FUZZ_CHECK(value_ok(e->value));
        /* nodes are unique, so the lookup finds this very entry */
        FUZZ_CHECK(geoha_map_get(m, e->node) == e->value);
        rc = geoha_map_peer(m, e->node, &peer);
        if (m->n == 2) {
            FUZZ_CHECK(rc == 0 && peer == &m->e[1 - i]);
        } else {
            FUZZ_CHECK(rc == -EINVAL && peer == NULL);
        }
        check_hostport(e->value, 3306);
        geoha_buf_printf(&b, "%s%s=%s", i == 0 ? "" : (i % 2 ? " , " : "\t"),
                         e->node, e->value);
    }
    FUZZ_CHECK(b.error == 0);
    FUZZ_CHECK(geoha_map_parse(b.data, &again) == 0);
    FUZZ_CHECK(again.n == m->n);
    for (size_t i = 0; i < m->n; i++) {
        FUZZ_CHECK(strcmp(again.e[i].node, m->e[i].node) == 0);
        FUZZ_CHECK(strcmp(again.e[i].value, m->e[i].value) == 0);
    }
    geoha_buf_clear(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_str(data, size);
    struct geoha_map m;
    const struct geoha_map_entry *peer = NULL;
    int rc;

    rc = geoha_map_parse(s, &m);
    if (rc == 0) {
        check_map(&m);
        /* a node that cannot be in any map */
        FUZZ_CHECK(geoha_map_get(&m, "no such node") == NULL);
        FUZZ_CHECK(geoha_map_peer(&m, "no such node", &peer) == -ENOENT);
    } else {
        FUZZ_CHECK(rc == -EINVAL);
    }
    check_hostport(s, 0);
    check_hostport(s, 3306);
    check_hostport(s, 70000);
    free(s);
    return 0;
}
