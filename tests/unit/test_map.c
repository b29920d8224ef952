/* Unit tests of lib/map.c. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "geoha/map.h"
#include "geoha/util.h"

static void
geoha_hostport_parse__forms(void **state)
{
    struct geoha_hostport hp;

    (void)state;
    assert_int_equal(geoha_hostport_parse("10.1.0.5:3306", 0, &hp), 0);
    assert_string_equal(hp.host, "10.1.0.5");
    assert_int_equal(hp.port, 3306);
    assert_int_equal(geoha_hostport_parse("db.example.net", 3306, &hp), 0);
    assert_string_equal(hp.host, "db.example.net");
    assert_int_equal(hp.port, 3306);
    assert_int_equal(geoha_hostport_parse("[fd00::5]:33060", 0, &hp), 0);
    assert_string_equal(hp.host, "fd00::5");
    assert_int_equal(hp.port, 33060);
    assert_int_equal(geoha_hostport_parse("[::1]", 22, &hp), 0);
    assert_int_equal(hp.port, 22);
}

static void
geoha_hostport_parse__rejects(void **state)
{
    static const char *const bad[] = {
        "",         ":3306",   "host:",     "host:0",  "host:65536",
        "host:12x", "fd00::5", "[fd00::5",  "[]:1",    "[::1]x",
        "ho st:1",  "h'ost:1", "host;rm:1", "host:-1",
    };
    struct geoha_hostport hp;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(geoha_hostport_parse(bad[i], 0, &hp), -EINVAL);
    }
    assert_int_equal(geoha_hostport_parse("host", 0, &hp), -EINVAL);
    assert_int_equal(geoha_hostport_parse(NULL, 1, &hp), -EINVAL);
}

static void
geoha_map_parse__pairs(void **state)
{
    struct geoha_map m;
    const struct geoha_map_entry *peer = NULL;

    (void)state;
    assert_int_equal(
        geoha_map_parse("  ci=10.1.0.5:3306 \n si=10.2.0.5:3306,", &m), 0);
    assert_int_equal(m.n, 2);
    assert_string_equal(geoha_map_get(&m, "ci"), "10.1.0.5:3306");
    assert_string_equal(geoha_map_get(&m, "si"), "10.2.0.5:3306");
    assert_null(geoha_map_get(&m, "xx"));
    assert_int_equal(geoha_map_peer(&m, "ci", &peer), 0);
    assert_string_equal(peer->node, "si");
    assert_int_equal(geoha_map_peer(&m, "si", &peer), 0);
    assert_string_equal(peer->node, "ci");
    assert_int_equal(geoha_map_peer(&m, "xx", &peer), -ENOENT);
    /* '=' inside a value is kept. */
    assert_int_equal(geoha_map_parse("a=b=c", &m), 0);
    assert_string_equal(geoha_map_get(&m, "a"), "b=c");
    assert_int_equal(geoha_map_peer(&m, "a", &peer), -EINVAL);
}

static void
geoha_map_parse__rejects(void **state)
{
    static const char *const bad[] = {
        "", "   ", "ci", "=x", "ci=", "ci=1 ci=2", "c i=1", "c/i=1", "c'i=1",
    };
    struct geoha_map m;
    struct geoha_buf many;
    char name[GEOHA_NODE_MAX + 8];

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(geoha_map_parse(bad[i], &m), -EINVAL);
    }
    geoha_buf_init(&many, 0);
    for (int i = 0; i <= GEOHA_MAP_ENTRIES; i++) {
        geoha_buf_printf(&many, "n%d=v ", i);
    }
    assert_int_equal(geoha_map_parse(many.data, &m), -EINVAL);
    geoha_buf_clear(&many);
    memset(name, 'n', sizeof(name) - 3);
    name[sizeof(name) - 3] = '=';
    name[sizeof(name) - 2] = 'v';
    name[sizeof(name) - 1] = '\0';
    assert_int_equal(geoha_map_parse(name, &m), -EINVAL);
    assert_int_equal(geoha_map_parse(NULL, &m), -EINVAL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(geoha_hostport_parse__forms),
        cmocka_unit_test(geoha_hostport_parse__rejects),
        cmocka_unit_test(geoha_map_parse__pairs),
        cmocka_unit_test(geoha_map_parse__rejects),
    };

    return cmocka_run_group_tests_name("map", tests, NULL, NULL);
}
