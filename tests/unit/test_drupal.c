/* Unit tests of lib/drupal.c. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "geoha/drupal.h"
#include "geoha/util.h"

static void
settings(struct geoha_drupal_settings *s)
{
    memset(s, 0, sizeof(*s));
    s->rsc = "drupal-clone";
    s->node = "si";
    s->driver = "mysql";
    s->database = "drupal";
    s->username = "drupal";
    s->password = "pw";
    s->writer.node = "ci";
    geoha_hostport_parse("10.1.0.5:3306", 0, &s->writer.hp);
}

static char *
render(const struct geoha_drupal_settings *s)
{
    struct geoha_buf b;

    geoha_buf_init(&b, 0);
    assert_int_equal(geoha_drupal_render_active(s, &b), 0);
    return geoha_buf_steal(&b);
}

static void
geoha_drupal_render_active__writer_only(void **state)
{
    struct geoha_drupal_settings s;
    char writer[GEOHA_NODE_MAX] = "";
    char *text;

    (void)state;
    settings(&s);
    text = render(&s);
    assert_true(strncmp(text, "<?php\n", 6) == 0);
    assert_non_null(strstr(text, "\n// geoha-state: active writer=ci\n"));
    assert_non_null(strstr(text, "$databases['default'] = [\n"
                                 "  'default' => [\n"
                                 "    'driver' => 'mysql',\n"
                                 "    'database' => 'drupal',\n"
                                 "    'username' => 'drupal',\n"
                                 "    'password' => 'pw',\n"
                                 "    'host' => '10.1.0.5',\n"
                                 "    'port' => '3306',\n"
                                 "  ],\n"
                                 "];\n"));
    assert_null(strstr(text, "replica"));
    assert_null(strstr(text, "prefix"));
    assert_null(strstr(text, "PDO"));
    assert_int_equal(geoha_drupal_state_of(text, writer), GEOHA_DRUPAL_ACTIVE);
    assert_string_equal(writer, "ci");
    free(text);
}

static void
geoha_drupal_render_active__everything(void **state)
{
    struct geoha_drupal_settings s;
    char writer[GEOHA_NODE_MAX] = "";
    char *text;

    (void)state;
    settings(&s);
    s.prefix = "d_";
    s.collation = "utf8mb4_general_ci";
    s.ssl_ca = "/etc/ssl/it's.pem";
    s.has_replica = true;
    s.replica.node = "si";
    geoha_hostport_parse("db-si.example.net:3307", 0, &s.replica.hp);
    text = render(&s);
    assert_non_null(
        strstr(text, "\n// geoha-state: active writer=ci replica=si\n"));
    assert_non_null(strstr(text, "    'prefix' => 'd_',\n"
                                 "    'collation' => 'utf8mb4_general_ci',\n"
                                 "    'pdo' => [\n"
                                 "      \\PDO::MYSQL_ATTR_SSL_CA => "
                                 "'/etc/ssl/it\\'s.pem',\n"
                                 "      \\PDO::MYSQL_ATTR_SSL_VERIFY_SERVER_"
                                 "CERT => TRUE,\n"
                                 "    ],\n"));
    assert_non_null(strstr(text, "  'replica' => [\n"
                                 "    [\n"
                                 "      'driver' => 'mysql',\n"));
    assert_non_null(strstr(text, "      'host' => 'db-si.example.net',\n"
                                 "      'port' => '3307',\n"));
    assert_int_equal(geoha_drupal_state_of(text, writer), GEOHA_DRUPAL_ACTIVE);
    assert_string_equal(writer, "ci");
    free(text);
}

static void
geoha_drupal_render_active__quoting(void **state)
{
    struct geoha_drupal_settings s;
    char *text;

    (void)state;
    settings(&s);
    s.password = "it's \"$x\" {$y} \\ ?>\nend\\";
    s.username = "o'neil";
    s.database = "db\\name";
    text = render(&s);
    assert_non_null(
        strstr(text, "'password' => 'it\\'s \"$x\" {$y} \\\\ ?>\nend\\\\',\n"));
    assert_non_null(strstr(text, "'username' => 'o\\'neil',\n"));
    assert_non_null(strstr(text, "'database' => 'db\\\\name',\n"));
    free(text);
}

static void
geoha_drupal_render_active__deterministic(void **state)
{
    struct geoha_drupal_settings s;
    char *a;
    char *b;

    (void)state;
    settings(&s);
    a = render(&s);
    b = render(&s);
    assert_string_equal(a, b);
    free(b);
    s.writer.node = "si";
    b = render(&s);
    assert_string_not_equal(a, b);
    free(a);
    free(b);
}

static void
geoha_drupal_render_active__header_sanitised(void **state)
{
    struct geoha_drupal_settings s;
    char *text;

    (void)state;
    settings(&s);
    s.rsc = "evil?>\n<?php echo 1;";
    text = render(&s);
    assert_null(strstr(text, "?>"));
    assert_null(strstr(text, "echo 1;\n"));
    free(text);
}

static void
geoha_drupal_render_active__rejects(void **state)
{
    struct geoha_drupal_settings s;
    struct geoha_buf b;

    (void)state;
    geoha_buf_init(&b, 0);
    assert_int_equal(geoha_drupal_render_active(NULL, &b), -EINVAL);
    settings(&s);
    assert_int_equal(geoha_drupal_render_active(&s, NULL), -EINVAL);
    s.password = NULL;
    assert_int_equal(geoha_drupal_render_active(&s, &b), -EINVAL);
    settings(&s);
    s.writer.node = NULL;
    assert_int_equal(geoha_drupal_render_active(&s, &b), -EINVAL);
    settings(&s);
    s.has_replica = true;
    assert_int_equal(geoha_drupal_render_active(&s, &b), -EINVAL);
    assert_int_equal(b.len, 0);
    geoha_buf_clear(&b);
}

static void
geoha_drupal_render_fail_closed__refuses(void **state)
{
    struct geoha_buf b;
    char writer[GEOHA_NODE_MAX] = "kept";

    (void)state;
    geoha_buf_init(&b, 0);
    assert_int_equal(geoha_drupal_render_fail_closed("drupal-clone", "ci",
                                                     "stopped\n?>", &b),
                     0);
    assert_true(strncmp(b.data, "<?php\n", 6) == 0);
    assert_non_null(strstr(b.data, "\n// geoha-state: fail-closed\n"));
    assert_non_null(strstr(b.data, "http_response_code(503);"));
    assert_non_null(strstr(b.data, "header('Retry-After: 30');"));
    assert_non_null(strstr(b.data, "throw new \\RuntimeException("));
    assert_non_null(strstr(b.data, "ServiceUnavailableHttpException(30, "));
    assert_null(strstr(b.data, "$databases"));
    assert_null(strstr(b.data, "?>"));
    assert_int_equal(geoha_drupal_state_of(b.data, writer),
                     GEOHA_DRUPAL_FAIL_CLOSED);
    assert_string_equal(writer, "kept");
    assert_int_equal(geoha_drupal_render_fail_closed(NULL, "ci", "x", &b),
                     -EINVAL);
    assert_int_equal(geoha_drupal_render_fail_closed("r", "ci", NULL, &b),
                     -EINVAL);
    geoha_buf_clear(&b);
}

static void
geoha_drupal_state_of__foreign(void **state)
{
    static const char *const foreign[] = {
        "",
        "<?php\n$databases = [];\n",
        "<?php\n// geoha-state: active writer=\n",
        "<?php\n// geoha-state: active writer=c i\n",
        "<?php\n// geoha-state: active writer=c/i\n",
        "<?php\n// geoha-state: active writer=ci replica=\n",
        "<?php\n// geoha-state: active writer=ci replica=s i\n",
        "<?php\n// geoha-state: fail-closed-ish\n",
        "<?php\n// geoha-state: something\n",
        "<?php\n// geoha-state: fail-closed",
        "<?php\n$x = 1;\n// geoha-state: fail-closed\n",
        " <?php\n// geoha-state: fail-closed\n",
        "// geoha-state: fail-closed\n",
    };
    char writer[GEOHA_NODE_MAX] = "kept";

    (void)state;
    for (size_t i = 0; i < sizeof(foreign) / sizeof(foreign[0]); i++) {
        assert_int_equal(geoha_drupal_state_of(foreign[i], writer),
                         GEOHA_DRUPAL_FOREIGN);
    }
    assert_int_equal(geoha_drupal_state_of(NULL, writer), GEOHA_DRUPAL_FOREIGN);
    assert_string_equal(writer, "kept");
}

static void
geoha_drupal_state_of__forms(void **state)
{
    char writer[GEOHA_NODE_MAX] = "";

    (void)state;
    assert_int_equal(geoha_drupal_state_of(
                         "<?php\n// x\n// geoha-state: fail-closed\n", writer),
                     GEOHA_DRUPAL_FAIL_CLOSED);
    assert_int_equal(geoha_drupal_state_of("<?php\n// geoha-state: active "
                                           "writer=node-1.b_c replica=x\n",
                                           writer),
                     GEOHA_DRUPAL_ACTIVE);
    assert_string_equal(writer, "node-1.b_c");
    assert_int_equal(geoha_drupal_state_of(
                         "<?php\n// geoha-state: active writer=si\n", NULL),
                     GEOHA_DRUPAL_ACTIVE);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(geoha_drupal_render_active__writer_only),
        cmocka_unit_test(geoha_drupal_render_active__everything),
        cmocka_unit_test(geoha_drupal_render_active__quoting),
        cmocka_unit_test(geoha_drupal_render_active__deterministic),
        cmocka_unit_test(geoha_drupal_render_active__header_sanitised),
        cmocka_unit_test(geoha_drupal_render_active__rejects),
        cmocka_unit_test(geoha_drupal_render_fail_closed__refuses),
        cmocka_unit_test(geoha_drupal_state_of__foreign),
        cmocka_unit_test(geoha_drupal_state_of__forms),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
