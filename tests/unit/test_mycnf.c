/* Unit tests of lib/mycnf.c. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "geoha/mycnf.h"
#include "geoha/util.h"

static void
get_is(const char *text, const char *key, const char *want)
{
    char *v = NULL;

    assert_int_equal(geoha_mycnf_get(text, "client", key, &v, NULL), 0);
    assert_non_null(v);
    assert_string_equal(v, want);
    free(v);
}

static void
geoha_mycnf_get__plain(void **state)
{
    (void)state;
    get_is("[client]\nuser=drupal\npassword=s3cret\n", "user", "drupal");
    get_is("[client]\nuser=drupal\npassword=s3cret\n", "password", "s3cret");
    /* Spaces around names and values, CRLF, other groups, comments. */
    get_is("# c\n; c\n[mysqld]\npassword=no\n\n[ client ]\r\n"
           "  password  =  yes  \r\n[mysql]\npassword=no\n",
           "password", "yes");
    /* The last occurrence wins; group names ignore case. */
    get_is("[client]\npassword=a\n[CLIENT]\npassword=b\n", "password", "b");
    /* '-' and '_' are the same in names. */
    get_is("[client]\nssl-ca=/x\n", "ssl_ca", "/x");
    /* No newline at the end. */
    get_is("[client]\nuser=u", "user", "u");
    /* An empty value is a value. */
    get_is("[client]\npassword=\n", "password", "");
}

static void
geoha_mycnf_get__quotes_escapes(void **state)
{
    (void)state;
    get_is("[client]\npassword=\"a b#c\"\n", "password", "a b#c");
    get_is("[client]\npassword='x'\n", "password", "x");
    get_is("[client]\npassword=abc # comment\n", "password", "abc");
    get_is("[client]\npassword=a\\nb\\tc\\\\d\\se\\\"f\\'g\n", "password",
           "a\nb\tc\\d e\"f'g");
    /* A backslash before anything else stays, as does a trailing one. */
    get_is("[client]\npassword=a\\qb\\\n", "password", "a\\qb\\");
    /* Quotes only come off when they match at both ends. */
    get_is("[client]\npassword=\"ab'\n", "password", "\"ab'");
    get_is("[client]\npassword='\n", "password", "'");
    /* Inside quotes an escaped quote does not end them, '#' is text. */
    get_is("[client]\npassword=\"q\\\"#x\"\n", "password", "q\"#x");
    /* Everything a password can hold, in one value. */
    get_is("[client]\npassword=\"it's a \\\"$x\\\" \\\\ {$y}\\nz#;\"\n",
           "password", "it's a \"$x\" \\ {$y}\nz#;");
}

static void
geoha_mycnf_get__missing(void **state)
{
    char *v = (char *)"untouched";

    (void)state;
    assert_int_equal(geoha_mycnf_get("", "client", "user", &v, NULL), -ENOENT);
    assert_int_equal(
        geoha_mycnf_get("[mysql]\nuser=x\n", "client", "user", &v, NULL),
        -ENOENT);
    /* Outside any group. */
    assert_int_equal(geoha_mycnf_get("user=x\n", "client", "user", &v, NULL),
                     -ENOENT);
    /* A name without '=' asks for a prompt: no value. */
    assert_int_equal(geoha_mycnf_get("[client]\npassword=a\npassword\n",
                                     "client", "password", &v, NULL),
                     -ENOENT);
    /* A prefix is not the name. */
    assert_int_equal(
        geoha_mycnf_get("[client]\npass=x\n", "client", "password", &v, NULL),
        -ENOENT);
    assert_string_equal(v, "untouched");
}

static void
geoha_mycnf_get__rejects(void **state)
{
    char *v = NULL;
    size_t line = 0;

    (void)state;
    assert_int_equal(geoha_mycnf_get("[client]\n!include /etc/x.cnf\n",
                                     "client", "user", &v, &line),
                     GEOHA_E_PARSE);
    assert_int_equal(line, 2);
    assert_int_equal(
        geoha_mycnf_get("[client\nuser=x\n", "client", "user", &v, &line),
        GEOHA_E_PARSE);
    assert_int_equal(line, 1);
    assert_int_equal(
        geoha_mycnf_get("[client]\nuser=x\n =y\n", "client", "user", &v, &line),
        GEOHA_E_PARSE);
    assert_int_equal(line, 3);
    assert_int_equal(geoha_mycnf_get(NULL, "client", "user", &v, NULL),
                     -EINVAL);
    assert_int_equal(geoha_mycnf_get("", NULL, "user", &v, NULL), -EINVAL);
    assert_int_equal(geoha_mycnf_get("", "client", NULL, &v, NULL), -EINVAL);
    assert_int_equal(geoha_mycnf_get("", "client", "user", NULL, NULL),
                     -EINVAL);
    assert_null(v);
}

static void
geoha_mycnf_get__too_long(void **state)
{
    size_t n = GEOHA_MYCNF_VALUE_MAX + 32;
    char *text = calloc(1, n + 32);
    char *v = NULL;

    (void)state;
    assert_non_null(text);
    memcpy(text, "[client]\npassword=", 18);
    memset(text + 18, 'x', n);
    assert_int_equal(geoha_mycnf_get(text, "client", "password", &v, NULL),
                     GEOHA_E_TOOBIG);
    assert_null(v);
    free(text);
}

static void
geoha_mycnf_file_get__file(void **state)
{
    char path[] = "/tmp/geoha-test-mycnf-XXXXXX";
    static const char body[] = "[client]\nuser=drupal\n";
    char *v = NULL;
    int fd;

    (void)state;
    fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, body, sizeof(body) - 1),
                     (ssize_t)(sizeof(body) - 1));
    close(fd);
    assert_int_equal(geoha_mycnf_file_get(path, "client", "user", &v, NULL), 0);
    assert_string_equal(v, "drupal");
    free(v);
    unlink(path);
    assert_int_equal(geoha_mycnf_file_get(path, "client", "user", &v, NULL),
                     -ENOENT);
    assert_int_equal(geoha_mycnf_file_get(NULL, "client", "user", &v, NULL),
                     -EINVAL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(geoha_mycnf_get__plain),
        cmocka_unit_test(geoha_mycnf_get__quotes_escapes),
        cmocka_unit_test(geoha_mycnf_get__missing),
        cmocka_unit_test(geoha_mycnf_get__rejects),
        cmocka_unit_test(geoha_mycnf_get__too_long),
        cmocka_unit_test(geoha_mycnf_file_get__file),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
