/*
 * Unit tests of lib/arm_auth.c: token answers of every shape (IMDS numbers
 * as strings, Entra numbers, missing and wrong fields, truncated bodies)
 * and the token cache file (round trip, expired, corrupt, foreign key,
 * wrong mode, symlink, concurrent writers).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "geoha/file.h"

#include "../../lib/arm_int.h"

#define NOW 1700000000LL

static char dir[64];
static char path[128];

static int
setup(void **state)
{
    (void)state;
    geoha_strlcpy(dir, "/tmp/geoha-test-arm-auth-XXXXXX", sizeof(dir));
    if (mkdtemp(dir) == NULL) {
        return -1;
    }
    geoha_snprintf(path, sizeof(path), "%s/token-x.json", dir);
    return 0;
}

static int
teardown(void **state)
{
    char p[160];
    (void)state;

    unlink(path);
    geoha_snprintf(p, sizeof(p), "%s/link", dir);
    unlink(p);
    rmdir(dir);
    return 0;
}

static int
parse(const char *body, struct geoha__arm_token *t)
{
    return geoha__arm_token_parse(body, strlen(body), NOW, t);
}

static void
geoha__arm_token_parse__imds_strings(void **state)
{
    struct geoha__arm_token t = { 0 };
    char body[512];
    (void)state;

    snprintf(body, sizeof(body),
             "{\"access_token\":\"eyJabc.def\",\"client_id\":\"c\","
             "\"expires_in\":\"86399\",\"expires_on\":\"%lld\","
             "\"ext_expires_in\":\"86399\",\"not_before\":\"%lld\","
             "\"resource\":\"https://management.azure.com/\","
             "\"token_type\":\"Bearer\"}",
             NOW + 86399, NOW);
    assert_int_equal(parse(body, &t), 0);
    assert_string_equal(t.access_token, "eyJabc.def");
    assert_int_equal(t.expires_on, NOW + 86399);
    assert_int_equal(t.refresh_at, NOW + 86399 - GEOHA_ARM_TOKEN_MARGIN_S);
    geoha__arm_token_clear(&t);
    assert_null(t.access_token);
}

static void
geoha__arm_token_parse__entra_numbers(void **state)
{
    struct geoha__arm_token t = { 0 };
    (void)state;

    assert_int_equal(parse("{\"token_type\":\"Bearer\",\"expires_in\":3599,"
                           "\"ext_expires_in\":3599,\"access_token\":\"tok\"}",
                           &t),
                     0);
    assert_int_equal(t.expires_on, NOW + 3599);
    assert_int_equal(t.refresh_at, NOW + 3599 - GEOHA_ARM_TOKEN_MARGIN_S);
    geoha__arm_token_clear(&t);
}

static void
geoha__arm_token_parse__short_lifetime_half_margin(void **state)
{
    struct geoha__arm_token t = { 0 };
    (void)state;

    assert_int_equal(
        parse("{\"expires_in\":\"60\",\"access_token\":\"t\"}", &t), 0);
    assert_int_equal(t.expires_on, NOW + 60);
    assert_int_equal(t.refresh_at, NOW + 30);
    geoha__arm_token_clear(&t);
}

static void
geoha__arm_token_parse__expiry_fallbacks(void **state)
{
    struct geoha__arm_token t = { 0 };
    (void)state;

    /* expires_on in the past or unreadable: use expires_in */
    assert_int_equal(parse("{\"expires_on\":\"11/1/2023 10:00:00 PM\","
                           "\"expires_in\":100,\"access_token\":\"t\"}",
                           &t),
                     0);
    assert_int_equal(t.expires_on, NOW + 100);
    geoha__arm_token_clear(&t);
    assert_int_equal(parse("{\"expires_on\":5,\"expires_in\":\"100\","
                           "\"access_token\":\"t\"}",
                           &t),
                     0);
    assert_int_equal(t.expires_on, NOW + 100);
    geoha__arm_token_clear(&t);
    /* neither: a short default lifetime */
    assert_int_equal(parse("{\"access_token\":\"t\"}", &t), 0);
    assert_int_equal(t.expires_on, NOW + GEOHA__ARM_DEFAULT_LIFETIME_S);
    geoha__arm_token_clear(&t);
}

static void
geoha__arm_token_parse__bad_answers(void **state)
{
    struct geoha__arm_token t = { 0 };
    (void)state;

    assert_int_equal(parse("{\"expires_in\":100}", &t), GEOHA_E_PROTOCOL);
    assert_int_equal(parse("{\"access_token\":5,\"expires_in\":1}", &t),
                     GEOHA_E_PROTOCOL);
    assert_int_equal(parse("{\"access_token\":\"\",\"expires_in\":1}", &t),
                     GEOHA_E_PROTOCOL);
    assert_int_equal(parse("{\"access_token\":\"a\\r\\nX: y\"}", &t),
                     GEOHA_E_PROTOCOL);
    assert_int_equal(
        parse("{\"access_token\":\"a\",\"token_type\":\"MAC\"}", &t),
        GEOHA_E_PROTOCOL);
    assert_int_equal(parse("{\"access_token\":\"a\",\"token_type\":7}", &t),
                     GEOHA_E_PROTOCOL);
    assert_int_equal(
        parse("{\"access_token\":\"a\",\"expires_in\":\"-5\"}", &t),
        GEOHA_E_PROTOCOL);
    assert_int_equal(parse("{\"access_token\":\"a\",\"expires_in\":true}", &t),
                     GEOHA_E_PROTOCOL);
    assert_int_equal(parse("{\"access_token\":\"a\",\"expires_in\":"
                           "99999999999}",
                           &t),
                     GEOHA_E_PROTOCOL);
    assert_int_equal(parse("[\"access_token\"]", &t), GEOHA_E_PROTOCOL);
    assert_int_equal(parse("{\"access_token\":\"abc\",\"expi", &t),
                     GEOHA_E_PARSE);
    assert_int_equal(parse("", &t), GEOHA_E_PARSE);
    assert_int_equal(parse("<html>502</html>", &t), GEOHA_E_PARSE);
    assert_null(t.access_token);
}

static void
geoha__arm_token_parse__huge_body(void **state)
{
    struct geoha__arm_token t = { 0 };
    size_t n = GEOHA__ARM_CACHE_MAX + 10;
    char *big = malloc(n + 1);
    (void)state;

    assert_non_null(big);
    memset(big, ' ', n);
    memcpy(big, "{\"access_token\":\"x\"}", 20);
    big[n] = '\0';
    assert_int_equal(geoha__arm_token_parse(big, n, NOW, &t), GEOHA_E_TOOBIG);
    free(big);
}

/* ---- cache ---- */

static struct geoha__arm_token
tok(const char *s, int64_t exp, int64_t ref)
{
    struct geoha__arm_token t = { 0 };

    t.access_token = strdup(s);
    t.expires_on = exp;
    t.refresh_at = ref;
    return t;
}

static void
geoha__arm_cache__round_trip(void **state)
{
    struct geoha__arm_token w = tok("tok-1", NOW + 3600, NOW + 3300);
    struct geoha__arm_token r = { 0 };
    struct stat st;
    (void)state;

    assert_int_equal(geoha__arm_cache_write(path, "key-a", &w), 0);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(geoha__arm_cache_read(path, "key-a", NOW, &r), 0);
    assert_string_equal(r.access_token, "tok-1");
    assert_int_equal(r.expires_on, NOW + 3600);
    assert_int_equal(r.refresh_at, NOW + 3300);
    geoha__arm_token_clear(&r);
    geoha__arm_token_clear(&w);
}

static void
geoha__arm_cache__missing_expired_foreign(void **state)
{
    struct geoha__arm_token w = tok("tok-1", NOW + 3600, NOW + 3300);
    struct geoha__arm_token r = { 0 };
    (void)state;

    unlink(path);
    assert_int_equal(geoha__arm_cache_read(path, "key-a", NOW, &r), -ENOENT);
    assert_int_equal(geoha__arm_cache_write(path, "key-a", &w), 0);
    /* at and past refresh_at: stale */
    assert_int_equal(geoha__arm_cache_read(path, "key-a", NOW + 3300, &r),
                     -ESTALE);
    assert_int_equal(geoha__arm_cache_read(path, "key-a", NOW + 9999, &r),
                     -ESTALE);
    /* another identity's file (hash collision) is not ours */
    assert_int_equal(geoha__arm_cache_read(path, "key-b", NOW, &r),
                     GEOHA_E_PARSE);
    assert_null(r.access_token);
    geoha__arm_token_clear(&w);
}

static void
write_raw(const char *text, mode_t mode)
{
    unlink(path);
    assert_int_equal(geoha_file_replace(path, text, strlen(text), (uid_t)-1,
                                        (gid_t)-1, mode),
                     0);
}

static void
geoha__arm_cache__corrupt(void **state)
{
    struct geoha__arm_token r = { 0 };
    static const char *const bad[] = {
        "",
        "{",
        "garbage",
        "{\"version\":1,\"key\":\"k\",\"access_token\":\"t\","
        "\"expires_on\":1700003600}",
        "{\"version\":2,\"key\":\"k\",\"access_token\":\"t\","
        "\"expires_on\":1700003600,\"refresh_at\":1700003000}",
        "{\"version\":1,\"key\":\"k\",\"access_token\":\"a b\","
        "\"expires_on\":1700003600,\"refresh_at\":1700003000}",
        "{\"version\":1,\"key\":\"k\",\"access_token\":\"t\","
        "\"expires_on\":\"soon\",\"refresh_at\":1700003000}",
        /* refresh after expiry is nonsense */
        "{\"version\":1,\"key\":\"k\",\"access_token\":\"t\","
        "\"expires_on\":1700003600,\"refresh_at\":1700009000}",
        "[1,2,3]",
    };
    (void)state;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        write_raw(bad[i], 0600);
        assert_int_equal(geoha__arm_cache_read(path, "k", NOW, &r),
                         GEOHA_E_PARSE);
        assert_null(r.access_token);
    }
    write_raw("{\"version\":1,\"key\":\"k\",\"access_token\":\"t\","
              "\"expires_on\":1700003600,\"refresh_at\":1700003000}",
              0600);
    assert_int_equal(geoha__arm_cache_read(path, "k", NOW, &r), 0);
    geoha__arm_token_clear(&r);
}

static void
geoha__arm_cache__too_big(void **state)
{
    struct geoha__arm_token r = { 0 };
    char *big = malloc(GEOHA__ARM_CACHE_MAX + 2);
    (void)state;

    assert_non_null(big);
    memset(big, ' ', GEOHA__ARM_CACHE_MAX + 1);
    big[GEOHA__ARM_CACHE_MAX + 1] = '\0';
    write_raw(big, 0600);
    assert_int_equal(geoha__arm_cache_read(path, "k", NOW, &r), GEOHA_E_PARSE);
    free(big);
}

static void
geoha__arm_cache__wrong_mode_or_symlink(void **state)
{
    struct geoha__arm_token w = tok("tok-1", NOW + 3600, NOW + 3300);
    struct geoha__arm_token r = { 0 };
    char link[160];
    (void)state;

    assert_int_equal(geoha__arm_cache_write(path, "k", &w), 0);
    assert_int_equal(chmod(path, 0640), 0);
    assert_int_equal(geoha__arm_cache_read(path, "k", NOW, &r),
                     GEOHA_E_INSECURE);
    assert_int_equal(chmod(path, 0604), 0);
    assert_int_equal(geoha__arm_cache_read(path, "k", NOW, &r),
                     GEOHA_E_INSECURE);
    assert_int_equal(chmod(path, 0400), 0);
    assert_int_equal(geoha__arm_cache_read(path, "k", NOW, &r), 0);
    geoha__arm_token_clear(&r);
    /* rewriting replaces a bad file with a good one */
    assert_int_equal(chmod(path, 0644), 0);
    assert_int_equal(geoha__arm_cache_write(path, "k", &w), 0);
    assert_int_equal(geoha__arm_cache_read(path, "k", NOW, &r), 0);
    geoha__arm_token_clear(&r);
    /* a symlink planted in the cache directory is not followed */
    geoha_snprintf(link, sizeof(link), "%s/link", dir);
    assert_int_equal(symlink(path, link), 0);
    assert_int_equal(geoha__arm_cache_read(link, "k", NOW, &r),
                     GEOHA_E_INSECURE);
    unlink(link);
    /* a directory is not a cache file */
    assert_int_equal(geoha__arm_cache_read(dir, "k", NOW, &r),
                     GEOHA_E_INSECURE);
    geoha__arm_token_clear(&w);
}

static void
geoha__arm_cache__concurrent_writers(void **state)
{
    enum { WRITERS = 4, ROUNDS = 200 };
    pid_t pids[WRITERS];
    int bad = 0;
    (void)state;

    /* Writers and readers at once: a reader sees a whole valid file or
     * none, never a torn one. */
    for (int i = 0; i < WRITERS; i++) {
        pids[i] = fork();
        assert_true(pids[i] >= 0);
        if (pids[i] == 0) {
            char t[32];

            for (int k = 0; k < ROUNDS; k++) {
                struct geoha__arm_token w;

                snprintf(t, sizeof(t), "tok-%d-%d", i, k);
                w = tok(t, NOW + 3600, NOW + 3300);
                if (geoha__arm_cache_write(path, "k", &w) != 0) {
                    _exit(1);
                }
                geoha__arm_token_clear(&w);
            }
            _exit(0);
        }
    }
    for (int k = 0; k < ROUNDS * 2; k++) {
        struct geoha__arm_token r = { 0 };
        int rc = geoha__arm_cache_read(path, "k", NOW, &r);

        if (rc != 0 && rc != -ENOENT) {
            bad++;
        }
        if (rc == 0 && strncmp(r.access_token, "tok-", 4) != 0) {
            bad++;
        }
        geoha__arm_token_clear(&r);
    }
    for (int i = 0; i < WRITERS; i++) {
        int st = 0;

        assert_int_equal(waitpid(pids[i], &st, 0), pids[i]);
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    assert_int_equal(bad, 0);
    /* no temporary files are left behind */
    {
        char cmd_dir[160];
        int n = 0;
        DIR *dp;
        struct dirent *de;

        geoha_strlcpy(cmd_dir, dir, sizeof(cmd_dir));
        dp = opendir(cmd_dir);
        assert_non_null(dp);
        while ((de = readdir(dp)) != NULL) {
            n += de->d_name[0] != '.';
        }
        closedir(dp);
        assert_int_equal(n, 1);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(geoha__arm_token_parse__imds_strings),
        cmocka_unit_test(geoha__arm_token_parse__entra_numbers),
        cmocka_unit_test(geoha__arm_token_parse__short_lifetime_half_margin),
        cmocka_unit_test(geoha__arm_token_parse__expiry_fallbacks),
        cmocka_unit_test(geoha__arm_token_parse__bad_answers),
        cmocka_unit_test(geoha__arm_token_parse__huge_body),
        cmocka_unit_test(geoha__arm_cache__round_trip),
        cmocka_unit_test(geoha__arm_cache__missing_expired_foreign),
        cmocka_unit_test(geoha__arm_cache__corrupt),
        cmocka_unit_test(geoha__arm_cache__too_big),
        cmocka_unit_test(geoha__arm_cache__wrong_mode_or_symlink),
        cmocka_unit_test(geoha__arm_cache__concurrent_writers),
    };

    return cmocka_run_group_tests_name("arm_auth", tests, setup, teardown);
}
