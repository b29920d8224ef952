/*
 * Fuzz target: Drupal's generated settings include (lib/drupal.c). The
 * agent reads the file back (it may have been edited or damaged) to tell
 * which writer it names, and renders it from parameters.
 *
 * The input is read as an include; then its lines are used as resource,
 * node, writer, replica, database, user, password and host:port to render
 * both forms. Checks: a file read as active names a valid node; an active
 * include rendered for valid node names reads back as active with that
 * writer; a fail-closed include reads back as fail-closed whatever its
 * resource, node and reason hold (no text can forge or hide the marker).
 */
#include <errno.h>

#include "geoha/drupal.h"
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
        char c = *s;

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-')) {
            return 0;
        }
    }
    return 1;
}

static void
check_read(const char *text)
{
    char writer[GEOHA_NODE_MAX];
    enum geoha_drupal_state st;

    memset(writer, 0x5a, sizeof(writer));
    st = geoha_drupal_state_of(text, writer);
    FUZZ_CHECK(st == GEOHA_DRUPAL_FOREIGN || st == GEOHA_DRUPAL_ACTIVE
               || st == GEOHA_DRUPAL_FAIL_CLOSED);
    if (st == GEOHA_DRUPAL_ACTIVE) {
        FUZZ_CHECK(memchr(writer, '\0', sizeof(writer)) != NULL);
        FUZZ_CHECK(node_ok(writer));
        FUZZ_CHECK(strncmp(text, "<?php\n", 6) == 0);
    }
    FUZZ_CHECK(geoha_drupal_state_of(text, NULL) == st);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_str(data, size);
    char *s = fuzz_str(data, size);
    char *f[FUZZ_MAX_FIELDS];
    size_t n = fuzz_split(s, '\n', f, 9);
    const char *field[9];
    struct geoha_drupal_settings set;
    struct geoha_buf b;
    char writer[GEOHA_NODE_MAX];
    int rc;

    check_read(text);
    for (size_t i = 0; i < 9; i++) {
        field[i] = i < n ? f[i] : "";
    }
    memset(&set, 0, sizeof(set));
    set.rsc = field[0];
    set.node = field[1];
    set.writer.node = field[2];
    set.replica.node = field[3];
    set.has_replica = field[3][0] != '\0';
    set.driver = "mysql";
    set.database = field[4];
    set.username = field[5];
    set.password = field[6];
    set.prefix = field[7][0] != '\0' ? field[7] : NULL;
    if (geoha_hostport_parse(field[8], 3306, &set.writer.hp) != 0) {
        FUZZ_CHECK(geoha_hostport_parse("127.0.0.1", 3306, &set.writer.hp)
                   == 0);
    }
    set.replica.hp = set.writer.hp;

    geoha_buf_init(&b, 0);
    rc = geoha_drupal_render_active(&set, &b);
    FUZZ_CHECK(rc == 0 && b.data != NULL);
    check_read(b.data);
    if (node_ok(set.writer.node)
        && (!set.has_replica || node_ok(set.replica.node))) {
        FUZZ_CHECK(geoha_drupal_state_of(b.data, writer)
                   == GEOHA_DRUPAL_ACTIVE);
        FUZZ_CHECK(strcmp(writer, set.writer.node) == 0);
    } else {
        FUZZ_CHECK(geoha_drupal_state_of(b.data, NULL)
                   != GEOHA_DRUPAL_FAIL_CLOSED);
    }
    geoha_buf_clear(&b);

    rc = geoha_drupal_render_fail_closed(field[0], field[1], text, &b);
    FUZZ_CHECK(rc == 0 && b.data != NULL);
    FUZZ_CHECK(geoha_drupal_state_of(b.data, NULL) == GEOHA_DRUPAL_FAIL_CLOSED);
    geoha_buf_clear(&b);
    free(s);
    free(text);
    return 0;
}
