/*
 * Unit tests of lib/arm_util.c: backoff and deadline arithmetic,
 * Retry-After, URL and path checks, resource paths, JSON accessors of every
 * response shape, error bodies, redaction.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../lib/arm_int.h"

static json_t *
J(const char *text)
{
    json_error_t e;
    json_t *j = json_loads(text, 0, &e);

    assert_non_null(j);
    return j;
}

/* ---- backoff ---- */

static void
geoha__arm_next_wait_ms__exponential_with_jitter(void **state)
{
    uint64_t seed = 42;
    (void)state;

    for (int attempt = 0; attempt < 12; attempt++) {
        int64_t step = GEOHA_ARM_BACKOFF_BASE_MS;

        for (int i = 0; i < attempt && step < GEOHA_ARM_BACKOFF_MAX_MS; i++) {
            step *= 2;
        }
        if (step > GEOHA_ARM_BACKOFF_MAX_MS) {
            step = GEOHA_ARM_BACKOFF_MAX_MS;
        }
        for (int k = 0; k < 50; k++) {
            int64_t w = geoha__arm_next_wait_ms(attempt, -1, &seed, 1000000);

            assert_true(w >= step / 2);
            assert_true(w <= step);
        }
    }
}

static void
geoha__arm_next_wait_ms__jitter_spreads(void **state)
{
    uint64_t a = 1, b = 2;
    int differ = 0;
    (void)state;

    for (int k = 0; k < 20; k++) {
        differ += geoha__arm_next_wait_ms(3, -1, &a, 100000)
                  != geoha__arm_next_wait_ms(3, -1, &b, 100000);
    }
    assert_true(differ > 10);
}

static void
geoha__arm_next_wait_ms__retry_after_honoured(void **state)
{
    uint64_t seed = 7;
    (void)state;

    assert_int_equal(geoha__arm_next_wait_ms(0, 3, &seed, 10000), 3000);
    assert_int_equal(geoha__arm_next_wait_ms(5, 1, &seed, 10000), 1000);
    /* Retry-After: 0 means "whenever": fall back to the backoff */
    int64_t w = geoha__arm_next_wait_ms(0, 0, &seed, 10000);
    assert_true(w >= GEOHA_ARM_BACKOFF_BASE_MS / 2
                && w <= GEOHA_ARM_BACKOFF_BASE_MS);
}

static void
geoha__arm_next_wait_ms__never_crosses_deadline(void **state)
{
    uint64_t seed = 9;
    (void)state;

    /* exactly fits: wait + minimum try time == left */
    assert_int_equal(
        geoha__arm_next_wait_ms(0, 2, &seed, 2000 + GEOHA__ARM_MIN_TRY_MS),
        2000);
    assert_int_equal(
        geoha__arm_next_wait_ms(0, 2, &seed, 2000 + GEOHA__ARM_MIN_TRY_MS - 1),
        -1);
    assert_int_equal(geoha__arm_next_wait_ms(0, 3600, &seed, 60000), -1);
    assert_int_equal(geoha__arm_next_wait_ms(0, -1, &seed, 0), -1);
    assert_int_equal(geoha__arm_next_wait_ms(0, -1, &seed, -5), -1);
    /* large attempt numbers saturate instead of overflowing */
    assert_true(geoha__arm_next_wait_ms(1000, -1, &seed, 10000000)
                <= GEOHA_ARM_BACKOFF_MAX_MS);
    assert_int_equal(geoha__arm_next_wait_ms(1000, -1, &seed, 1000), -1);
}

static void
geoha__arm_rand__zero_state(void **state)
{
    uint64_t s = 0;
    (void)state;

    assert_true(geoha__arm_rand(&s) != 0);
    assert_true(s != 0);
}

static void
geoha__arm_retry_after_parse__forms(void **state)
{
    (void)state;
    assert_int_equal(geoha__arm_retry_after_parse("5"), 5);
    assert_int_equal(geoha__arm_retry_after_parse(" 12 "), 12);
    assert_int_equal(geoha__arm_retry_after_parse("0"), 0);
    assert_int_equal(geoha__arm_retry_after_parse("99999999"),
                     GEOHA__ARM_RETRY_AFTER_MAX_S);
    assert_int_equal(geoha__arm_retry_after_parse(NULL), -1);
    assert_int_equal(geoha__arm_retry_after_parse(""), -1);
    assert_int_equal(geoha__arm_retry_after_parse("-1"), -1);
    assert_int_equal(geoha__arm_retry_after_parse("+3"), -1);
    assert_int_equal(geoha__arm_retry_after_parse("1.5"), -1);
    assert_int_equal(geoha__arm_retry_after_parse("abc"), -1);
    assert_int_equal(
        geoha__arm_retry_after_parse("Wed, 21 Oct 2015 07:28:00 GMT"), -1);
    assert_int_equal(geoha__arm_retry_after_parse("99999999999999999999999"),
                     -1);
}

/* ---- URLs ---- */

static void
geoha_arm_url_check__https_always(void **state)
{
    (void)state;
    assert_int_equal(geoha_arm_url_check("https://management.azure.com"), 0);
    assert_int_equal(geoha_arm_url_check("https://10.1.2.3:8443/x"), 0);
    assert_int_equal(geoha_arm_url_check("HTTPS://Example.org/"), 0);
}

static void
geoha_arm_url_check__http_only_loopback_and_imds(void **state)
{
    (void)state;
    assert_int_equal(geoha_arm_url_check("http://127.0.0.1:8080"), 0);
    assert_int_equal(geoha_arm_url_check("http://127.9.8.7"), 0);
    assert_int_equal(geoha_arm_url_check("http://localhost:1/x"), 0);
    assert_int_equal(geoha_arm_url_check("http://[::1]:9/"), 0);
    assert_int_equal(geoha_arm_url_check("http://169.254.169.254"), 0);
    assert_int_equal(geoha_arm_url_check("http://management.azure.com"),
                     GEOHA_E_INSECURE);
    assert_int_equal(geoha_arm_url_check("http://128.0.0.1"), GEOHA_E_INSECURE);
    assert_int_equal(geoha_arm_url_check("http://169.254.169.253"),
                     GEOHA_E_INSECURE);
    assert_int_equal(geoha_arm_url_check("http://localhost.evil.com"),
                     GEOHA_E_INSECURE);
    assert_int_equal(geoha_arm_url_check("http://127.0.0.1.evil.com"),
                     GEOHA_E_INSECURE);
    assert_int_equal(geoha_arm_url_check("http://[::2]/"), GEOHA_E_INSECURE);
}

/* issue 17 item 7: user info is refused and flagged as not to be shown. */
static void
geoha_arm_url_check__refuses_userinfo(void **state)
{
    (void)state;
    assert_int_equal(geoha_arm_url_check("https://u:p@management.azure.com"),
                     GEOHA_E_INSECURE);
    assert_int_equal(geoha_arm_url_check("https://u@management.azure.com/"),
                     GEOHA_E_INSECURE);
    assert_int_equal(geoha_arm_url_check("http://u:p@127.0.0.1:8443"),
                     GEOHA_E_INSECURE);
    assert_true(geoha_arm_url_has_userinfo("https://u:p@h"));
    assert_true(geoha_arm_url_has_userinfo("u:p@h/x"));
    assert_false(geoha_arm_url_has_userinfo("https://h/a@b"));
    assert_false(geoha_arm_url_has_userinfo("https://h?x=a@b"));
    assert_false(geoha_arm_url_has_userinfo(NULL));
    assert_int_equal(geoha_arm_url_check("https://h/a@b"), 0);
}

static void
geoha_arm_url_check__not_urls(void **state)
{
    (void)state;
    assert_int_equal(geoha_arm_url_check(NULL), GEOHA_E_CONFIG);
    assert_int_equal(geoha_arm_url_check(""), GEOHA_E_CONFIG);
    assert_int_equal(geoha_arm_url_check("ftp://127.0.0.1"), GEOHA_E_CONFIG);
    assert_int_equal(geoha_arm_url_check("file:///etc/passwd"), GEOHA_E_CONFIG);
    assert_int_equal(geoha_arm_url_check("https://a b"), GEOHA_E_CONFIG);
    assert_int_equal(geoha_arm_url_check("https://x\n"), GEOHA_E_CONFIG);
}

static void
geoha__arm_origin__normalises(void **state)
{
    char o[256];
    (void)state;

    assert_int_equal(
        geoha__arm_origin("https://Management.Azure.com/a?b", o, sizeof(o)), 0);
    assert_string_equal(o, "https://management.azure.com:443");
    assert_int_equal(
        geoha__arm_origin("https://management.azure.com:443", o, sizeof(o)), 0);
    assert_string_equal(o, "https://management.azure.com:443");
    assert_int_equal(geoha__arm_origin("http://127.0.0.1:5000/x", o, sizeof(o)),
                     0);
    assert_string_equal(o, "http://127.0.0.1:5000");
    assert_int_equal(geoha__arm_origin("nonsense", o, sizeof(o)),
                     GEOHA_E_CONFIG);
    assert_int_equal(geoha__arm_origin("https://x", o, 5), GEOHA_E_CONFIG);
}

static void
geoha__arm_path_ok__checks(void **state)
{
    (void)state;
    assert_true(geoha__arm_path_ok("/subscriptions/x/resourceGroups/y"));
    assert_true(geoha__arm_path_ok("/a/powerOff?skipShutdown=true"));
    assert_true(geoha__arm_path_ok("/a?$expand=instanceView"));
    assert_false(geoha__arm_path_ok(NULL));
    assert_false(geoha__arm_path_ok(""));
    assert_false(geoha__arm_path_ok("subscriptions/x"));
    assert_false(geoha__arm_path_ok("/a b"));
    assert_false(geoha__arm_path_ok("/a#b"));
    assert_false(geoha__arm_path_ok("/a/../b"));
    assert_false(geoha__arm_path_ok("/a/.."));
    assert_false(geoha__arm_path_ok("/a/./b"));
    assert_false(geoha__arm_path_ok("/a\r\nX-Evil: 1"));
    assert_false(geoha__arm_path_ok("/a\\b"));
    assert_true(geoha__arm_path_ok("/a/..b/c")); /* a name, not a segment */
}

static void
geoha__arm_api_ok__checks(void **state)
{
    (void)state;
    assert_true(geoha__arm_api_ok("2024-12-30"));
    assert_true(geoha__arm_api_ok("2022-04-01-preview"));
    assert_false(geoha__arm_api_ok(NULL));
    assert_false(geoha__arm_api_ok(""));
    assert_false(geoha__arm_api_ok("2024&x=1"));
    assert_false(geoha__arm_api_ok("a b"));
    assert_false(geoha__arm_api_ok("123456789012345678901234567890123"));
}

static void
geoha__arm_token_ok__checks(void **state)
{
    char big[GEOHA__ARM_TOKEN_MAX + 1];
    (void)state;

    assert_true(geoha__arm_token_ok("eyJ0eXAi.abc-_=="));
    assert_false(geoha__arm_token_ok(NULL));
    assert_false(geoha__arm_token_ok(""));
    assert_false(geoha__arm_token_ok("a b"));
    assert_false(geoha__arm_token_ok("abc\r\nX: y"));
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_false(geoha__arm_token_ok(big));
}

static void
geoha__arm_uuid__format(void **state)
{
    char a[37], b[37];
    (void)state;

    geoha__arm_uuid(a);
    geoha__arm_uuid(b);
    assert_int_equal(strlen(a), 36);
    assert_int_equal(a[8], '-');
    assert_int_equal(a[14], '4');
    assert_true(strchr("89ab", a[19]) != NULL);
    assert_string_not_equal(a, b);
}

/* ---- names and paths ---- */

static void
geoha_arm_name_valid__checks(void **state)
{
    char big[GEOHA_ARM_NAME_MAX + 2];
    (void)state;

    assert_true(geoha_arm_name_valid("db-ci"));
    assert_true(geoha_arm_name_valid("rg_x.y(1)"));
    assert_true(geoha_arm_name_valid("00000000-0000-4000-8000-000000000001"));
    assert_false(geoha_arm_name_valid(NULL));
    assert_false(geoha_arm_name_valid(""));
    assert_false(geoha_arm_name_valid("."));
    assert_false(geoha_arm_name_valid(".."));
    assert_false(geoha_arm_name_valid("a/b"));
    assert_false(geoha_arm_name_valid("a?b"));
    assert_false(geoha_arm_name_valid("a#b"));
    assert_false(geoha_arm_name_valid("a b"));
    assert_false(geoha_arm_name_valid("a%2fb"));
    assert_false(geoha_arm_name_valid("a&b"));
    assert_false(geoha_arm_name_valid("a\nb"));
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_false(geoha_arm_name_valid(big));
    big[GEOHA_ARM_NAME_MAX] = '\0';
    assert_true(geoha_arm_name_valid(big));
}

static void
geoha_arm_path__builds(void **state)
{
    char p[GEOHA_ARM_PATH_MAX];
    (void)state;

    assert_int_equal(geoha_arm_path(p, sizeof(p), "sub", "rg",
                                    "Microsoft.DBforMySQL/flexibleServers",
                                    "db-si", NULL),
                     0);
    assert_string_equal(p, "/subscriptions/sub/resourceGroups/rg/providers/"
                           "Microsoft.DBforMySQL/flexibleServers/db-si");
    assert_int_equal(geoha_arm_path(p, sizeof(p), "s", "g",
                                    "Microsoft.Network/trafficmanagerprofiles",
                                    "tm", "ExternalEndpoints", "ci", NULL),
                     0);
    assert_string_equal(p, "/subscriptions/s/resourceGroups/g/providers/"
                           "Microsoft.Network/trafficmanagerprofiles/tm/"
                           "ExternalEndpoints/ci");
    assert_int_equal(geoha_arm_path(p, sizeof(p), "s", "g",
                                    "Microsoft.Compute/virtualMachines", NULL),
                     0);
    assert_string_equal(p, "/subscriptions/s/resourceGroups/g/providers/"
                           "Microsoft.Compute/virtualMachines");
}

static void
geoha_arm_path__rejects_unsafe(void **state)
{
    char p[GEOHA_ARM_PATH_MAX];
    (void)state;

    geoha_strlcpy(p, "untouched", sizeof(p));
    assert_int_equal(geoha_arm_path(p, sizeof(p), "s/../x", "g", "A/b", NULL),
                     -EINVAL);
    assert_string_equal(p, "untouched");
    assert_int_equal(geoha_arm_path(p, sizeof(p), "s", "g g", "A/b", NULL),
                     -EINVAL);
    assert_int_equal(geoha_arm_path(p, sizeof(p), "s", "g", "A/b/c", NULL),
                     -EINVAL);
    assert_int_equal(geoha_arm_path(p, sizeof(p), "s", "g", "A/b", "x?y", NULL),
                     -EINVAL);
    assert_int_equal(geoha_arm_path(p, sizeof(p), "s", "g", "A/b", "x#", NULL),
                     -EINVAL);
    assert_int_equal(geoha_arm_path(p, sizeof(p), "s", "g", "A/b", "", NULL),
                     -EINVAL);
    assert_int_equal(geoha_arm_path(p, sizeof(p), NULL, "g", "A/b", NULL),
                     -EINVAL);
    assert_int_equal(geoha_arm_path(p, 20, "s", "g", "A/b", "name", NULL),
                     -ENOSPC);
    assert_int_equal(geoha_arm_path(NULL, 0, "s", "g", "A/b", NULL), -EINVAL);
}

/* fuzz (arm_names): a path longer than GEOHA_ARM_PATH_MAX came out of a
 * larger buffer, and geoha_arm_id_check() then refused it */
static void
geoha_arm_path__never_over_path_max(void **state)
{
    char big[2 * GEOHA_ARM_PATH_MAX];
    char seg[GEOHA_ARM_NAME_MAX + 1];
    (void)state;

    memset(seg, 'a', GEOHA_ARM_NAME_MAX);
    seg[GEOHA_ARM_NAME_MAX] = '\0';
    /* ~1090 bytes: room in big, but longer than a path may be */
    assert_int_equal(geoha_arm_path(big, sizeof(big), "s", "g", "A/b", seg, seg,
                                    seg, seg, NULL),
                     -ENOSPC);
    assert_int_equal(
        geoha_arm_path(big, sizeof(big), "s", "g", "A/b", seg, NULL), 0);
    assert_int_equal(geoha_arm_id_check(big), 0);
}

static void
geoha_arm_id_check__checks(void **state)
{
    (void)state;
    assert_int_equal(geoha_arm_id_check("/subscriptions/s/resourceGroups/g/"
                                        "providers/Microsoft.DBforMySQL/"
                                        "flexibleServers/db-ci"),
                     0);
    assert_int_equal(geoha_arm_id_check("/subscriptions/s"), 0);
    assert_int_equal(geoha_arm_id_check(NULL), -EINVAL);
    assert_int_equal(geoha_arm_id_check("subscriptions/s"), -EINVAL);
    assert_int_equal(geoha_arm_id_check("/subscriptions/"), -EINVAL);
    assert_int_equal(geoha_arm_id_check("/subscriptions/s//x"), -EINVAL);
    assert_int_equal(geoha_arm_id_check("/subscriptions/s/"), -EINVAL);
    assert_int_equal(geoha_arm_id_check("/subscriptions/s/x?y=1"), -EINVAL);
    assert_int_equal(geoha_arm_id_check("/subscriptions/s/../x"), -EINVAL);
    assert_int_equal(geoha_arm_id_check("/resourceGroups/g"), -EINVAL);
}

/* ---- JSON ---- */

static void
geoha_arm_json_at__dotted(void **state)
{
    json_t *j = J("{\"properties\":{\"a\":{\"b\":\"x\"},\"n\":null},"
                  "\"list\":[1]}");
    (void)state;

    assert_string_equal(geoha_arm_json_str(j, "properties.a.b"), "x");
    assert_null(geoha_arm_json_str(j, "properties.a"));
    assert_null(geoha_arm_json_at(j, "properties.missing"));
    assert_null(geoha_arm_json_at(j, "list.0"));
    assert_null(geoha_arm_json_at(j, "properties.a.b.c"));
    assert_null(geoha_arm_json_at(j, "properties..a"));
    assert_null(geoha_arm_json_at(j, ""));
    assert_null(geoha_arm_json_at(NULL, "a"));
    assert_null(geoha_arm_json_at(j, NULL));
    assert_true(json_is_null(geoha_arm_json_at(j, "properties.n")));
    json_decref(j);
}

static void
geoha_arm_json_ll__numbers_and_strings(void **state)
{
    json_t *j = J("{\"a\":86399,\"b\":\"86399\",\"c\":\" 12 \",\"d\":3.0,"
                  "\"e\":3.5,\"f\":\"x\",\"g\":true,\"h\":null,\"i\":[],"
                  "\"k\":\"99999999999999999999\",\"l\":\"\",\"m\":-4,"
                  "\"n\":1e300}");
    long long v = 0;
    (void)state;

    assert_int_equal(geoha_arm_json_ll(j, "a", 0, 100000, &v), 0);
    assert_int_equal(v, 86399);
    assert_int_equal(geoha_arm_json_ll(j, "b", 0, 100000, &v), 0);
    assert_int_equal(v, 86399);
    assert_int_equal(geoha_arm_json_ll(j, "c", 0, 100, &v), 0);
    assert_int_equal(v, 12);
    assert_int_equal(geoha_arm_json_ll(j, "d", 0, 100, &v), 0);
    assert_int_equal(v, 3);
    v = 77;
    assert_int_equal(geoha_arm_json_ll(j, "e", 0, 100, &v), -EINVAL);
    assert_int_equal(geoha_arm_json_ll(j, "f", 0, 100, &v), -EINVAL);
    assert_int_equal(geoha_arm_json_ll(j, "g", 0, 100, &v), -EINVAL);
    assert_int_equal(geoha_arm_json_ll(j, "h", 0, 100, &v), -ENOENT);
    assert_int_equal(geoha_arm_json_ll(j, "i", 0, 100, &v), -EINVAL);
    assert_int_equal(geoha_arm_json_ll(j, "zz", 0, 100, &v), -ENOENT);
    assert_int_equal(geoha_arm_json_ll(j, "k", 0, 100, &v), -ERANGE);
    assert_int_equal(geoha_arm_json_ll(j, "l", 0, 100, &v), -EINVAL);
    assert_int_equal(geoha_arm_json_ll(j, "m", 0, 100, &v), -ERANGE);
    assert_int_equal(geoha_arm_json_ll(j, "a", 0, 10, &v), -ERANGE);
    assert_int_equal(geoha_arm_json_ll(j, "n", 0, 100, &v), -EINVAL);
    assert_int_equal(v, 77); /* untouched on failure */
    json_decref(j);
}

static void
geoha_arm_json_bool__forms(void **state)
{
    json_t *j = J("{\"a\":true,\"b\":\"False\",\"c\":\"TRUE\",\"d\":1,"
                  "\"e\":\"yes\"}");
    bool b = false;
    (void)state;

    assert_int_equal(geoha_arm_json_bool(j, "a", &b), 0);
    assert_true(b);
    assert_int_equal(geoha_arm_json_bool(j, "b", &b), 0);
    assert_false(b);
    assert_int_equal(geoha_arm_json_bool(j, "c", &b), 0);
    assert_true(b);
    assert_int_equal(geoha_arm_json_bool(j, "d", &b), -EINVAL);
    assert_int_equal(geoha_arm_json_bool(j, "e", &b), -EINVAL);
    assert_int_equal(geoha_arm_json_bool(j, "z", &b), -ENOENT);
    json_decref(j);
}

static void
geoha__arm_json_parse__bad_bodies(void **state)
{
    json_t *j = NULL;
    const char ok[] = "{\"value\":[]}";
    const char trunc[] = "{\"value\":[{\"name\":\"a\"";
    char *huge;
    size_t n = GEOHA_ARM_MAX_RESPONSE + 16;
    (void)state;

    assert_int_equal(geoha__arm_json_parse(ok, strlen(ok), 100, &j), 0);
    json_decref(j);
    j = NULL;
    assert_int_equal(geoha__arm_json_parse(trunc, strlen(trunc), 100, &j),
                     GEOHA_E_PARSE);
    assert_null(j);
    assert_int_equal(geoha__arm_json_parse("", 0, 100, &j), GEOHA_E_PARSE);
    assert_int_equal(geoha__arm_json_parse("<html>", 6, 100, &j),
                     GEOHA_E_PARSE);
    assert_int_equal(geoha__arm_json_parse("{\"a\":1,\"a\":2}", 13, 100, &j),
                     GEOHA_E_PARSE);
    assert_int_equal(geoha__arm_json_parse(NULL, 0, 100, &j), GEOHA_E_PARSE);
    /* a NUL inside the body is not JSON */
    assert_int_equal(geoha__arm_json_parse("{}\0{}", 5, 100, &j),
                     GEOHA_E_PARSE);
    huge = malloc(n);
    assert_non_null(huge);
    memset(huge, ' ', n);
    huge[0] = '[';
    huge[n - 1] = ']';
    assert_int_equal(geoha__arm_json_parse(huge, n, GEOHA_ARM_MAX_RESPONSE, &j),
                     GEOHA_E_TOOBIG);
    assert_null(j);
    free(huge);
}

/* ---- error bodies ---- */

static void
geoha__arm_error_parse__shapes(void **state)
{
    char code[64], msg[128];
    const char *arm = "{\"error\":{\"code\":\"AnotherOperationInProgress\","
                      "\"message\":\"An operation\\nis running\"}}";
    const char *oauth = "{\"error\":\"invalid_client\",\"error_description\":"
                        "\"AADSTS7000215: Invalid client secret\"}";
    const char *top = "{\"code\":\"Conflict\",\"message\":\"busy\"}";
    const char *wrong = "{\"error\":{\"code\":5,\"message\":[1]}}";
    (void)state;

    geoha__arm_error_parse(arm, strlen(arm), code, sizeof(code), msg,
                           sizeof(msg));
    assert_string_equal(code, "AnotherOperationInProgress");
    assert_string_equal(msg, "An operation is running");
    geoha__arm_error_parse(oauth, strlen(oauth), code, sizeof(code), msg,
                           sizeof(msg));
    assert_string_equal(code, "invalid_client");
    assert_string_equal(msg, "AADSTS7000215: Invalid client secret");
    geoha__arm_error_parse(top, strlen(top), code, sizeof(code), msg,
                           sizeof(msg));
    assert_string_equal(code, "Conflict");
    assert_string_equal(msg, "busy");
    geoha__arm_error_parse(wrong, strlen(wrong), code, sizeof(code), msg,
                           sizeof(msg));
    assert_string_equal(code, "");
    assert_string_equal(msg, "");
    geoha__arm_error_parse("<html>bad gateway</html>", 24, code, sizeof(code),
                           msg, sizeof(msg));
    assert_string_equal(code, "");
    geoha__arm_error_parse(NULL, 0, code, sizeof(code), msg, sizeof(msg));
    assert_string_equal(msg, "");
}

static void
geoha__arm_error_parse__long_message_cut(void **state)
{
    char code[16], msg[32];
    char body[400];
    (void)state;

    snprintf(body, sizeof(body),
             "{\"error\":{\"code\":\"AVeryLongErrorCodeName\",\"message\":"
             "\"%0200d\"}}",
             0);
    geoha__arm_error_parse(body, strlen(body), code, sizeof(code), msg,
                           sizeof(msg));
    assert_int_equal(strlen(msg), sizeof(msg) - 1);
    assert_string_equal(msg + sizeof(msg) - 4, "...");
    assert_true(strlen(code) < sizeof(code));
}

static void
geoha__arm_redact__replaces(void **state)
{
    char s[128] = "token abcdef in abcdef here";
    char t[32] = "x*y";
    (void)state;

    geoha__arm_redact(s, "abcdef");
    assert_string_equal(s, "token *** in *** here");
    geoha__arm_redact(s, "***"); /* must terminate */
    assert_string_equal(s, "token *** in *** here");
    geoha__arm_redact(t, "*");
    assert_string_equal(t, "x*y");
    geoha__arm_redact(s, "");
    geoha__arm_redact(s, NULL);
    geoha__arm_redact(NULL, "x");
}

static void
geoha_arm_unreachable__classifies(void **state)
{
    static const int unreachable[] = { -ECONNREFUSED, -ETIMEDOUT, -EHOSTUNREACH,
                                       GEOHA_E_DEADLINE, GEOHA_E_THROTTLED };
    static const int refused[] = { GEOHA_E_AUTH,   GEOHA_E_NOT_FOUND, -EINVAL,
                                   GEOHA_E_CONFIG, GEOHA_E_INSECURE,  0 };

    (void)state;
    for (size_t i = 0; i < sizeof(unreachable) / sizeof(unreachable[0]); i++) {
        assert_true(geoha_arm_unreachable(NULL, unreachable[i]));
    }
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        assert_false(geoha_arm_unreachable(NULL, refused[i]));
    }
    /* An error answer with no HTTP status at all: nothing answered. */
    assert_true(geoha_arm_unreachable(NULL, GEOHA_E_REMOTE));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(geoha__arm_next_wait_ms__exponential_with_jitter),
        cmocka_unit_test(geoha__arm_next_wait_ms__jitter_spreads),
        cmocka_unit_test(geoha__arm_next_wait_ms__retry_after_honoured),
        cmocka_unit_test(geoha__arm_next_wait_ms__never_crosses_deadline),
        cmocka_unit_test(geoha__arm_rand__zero_state),
        cmocka_unit_test(geoha__arm_retry_after_parse__forms),
        cmocka_unit_test(geoha_arm_url_check__https_always),
        cmocka_unit_test(geoha_arm_url_check__http_only_loopback_and_imds),
        cmocka_unit_test(geoha_arm_url_check__not_urls),
        cmocka_unit_test(geoha_arm_url_check__refuses_userinfo),
        cmocka_unit_test(geoha__arm_origin__normalises),
        cmocka_unit_test(geoha__arm_path_ok__checks),
        cmocka_unit_test(geoha__arm_api_ok__checks),
        cmocka_unit_test(geoha__arm_token_ok__checks),
        cmocka_unit_test(geoha__arm_uuid__format),
        cmocka_unit_test(geoha_arm_name_valid__checks),
        cmocka_unit_test(geoha_arm_path__builds),
        cmocka_unit_test(geoha_arm_path__rejects_unsafe),
        cmocka_unit_test(geoha_arm_path__never_over_path_max),
        cmocka_unit_test(geoha_arm_id_check__checks),
        cmocka_unit_test(geoha_arm_json_at__dotted),
        cmocka_unit_test(geoha_arm_json_ll__numbers_and_strings),
        cmocka_unit_test(geoha_arm_json_bool__forms),
        cmocka_unit_test(geoha__arm_json_parse__bad_bodies),
        cmocka_unit_test(geoha__arm_error_parse__shapes),
        cmocka_unit_test(geoha__arm_error_parse__long_message_cut),
        cmocka_unit_test(geoha__arm_redact__replaces),
        cmocka_unit_test(geoha_arm_unreachable__classifies),
    };

    return cmocka_run_group_tests_name("arm_util", tests, NULL, NULL);
}
