/*
 * Fuzz target: names, ids, URLs and small header values of the ARM client
 * (lib/arm_util.c): geoha_arm_name_valid(), geoha_arm_path(),
 * geoha_arm_id_check(), geoha_arm_url_check() and the internal origin,
 * path, api-version, token, Retry-After, redaction and backoff helpers.
 *
 * The input is split at newlines into fields: the first is fed to every
 * checker, the first eight build a resource path, the second is a secret
 * to redact from the first. Checks: each accepted value has the shape
 * the header promises; a path built from valid names is a valid id and
 * request path; an accepted URL has an origin in lower case; a redacted
 * line no longer holds the secret; waits stay inside the deadline.
 */
#include <ctype.h>
#include <errno.h>

#include "arm_int.h"

#include "fuzz.h"

static void
check_name(const char *s)
{
    size_t n = strlen(s);
    char path[GEOHA_ARM_PATH_MAX];

    if (!geoha_arm_name_valid(s)) {
        return;
    }
    FUZZ_CHECK(n >= 1 && n <= GEOHA_ARM_NAME_MAX);
    FUZZ_CHECK(strcmp(s, ".") != 0 && strcmp(s, "..") != 0);
    for (const char *p = s; *p != '\0'; p++) {
        FUZZ_CHECK(isalnum((unsigned char)*p) || strchr("._()-", *p) != NULL);
    }
    FUZZ_CHECK(geoha_arm_path(path, sizeof(path), s, s,
                              "Microsoft.Compute/virtualMachines", s, NULL)
               == 0);
    FUZZ_CHECK(geoha_arm_id_check(path) == 0);
    FUZZ_CHECK(geoha__arm_path_ok(path));
}

static void
check_path(char **f, size_t n, size_t size)
{
    const char *seg[6] = { NULL };
    char *dst = malloc(size); /* exact, for ASan */
    int rc;

    FUZZ_CHECK(dst != NULL);
    for (size_t i = 3; i < n && i < 8; i++) {
        seg[i - 3] = f[i];
    }
    rc = geoha_arm_path(dst, size, f[0], n > 1 ? f[1] : "rg",
                        n > 2 ? f[2]
                              : "Microsoft.Network/trafficManagerProfiles",
                        seg[0], seg[1], seg[2], seg[3], seg[4], NULL);
    if (rc == 0) {
        FUZZ_CHECK(strlen(dst) < size);
        FUZZ_CHECK(strncmp(dst, "/subscriptions/", 15) == 0);
        FUZZ_CHECK(geoha_arm_id_check(dst) == 0);
        FUZZ_CHECK(geoha__arm_path_ok(dst));
        FUZZ_CHECK(strchr(dst, '?') == NULL && strchr(dst, '%') == NULL);
    } else {
        FUZZ_CHECK(rc == -EINVAL || rc == -ENOSPC);
        if (rc == -ENOSPC) {
            FUZZ_CHECK(size < GEOHA_ARM_PATH_MAX * 2);
        }
    }
    free(dst);
}

static void
check_url(const char *s)
{
    char origin[512];
    int rc = geoha_arm_url_check(s);
    int rc2 = geoha__arm_origin(s, origin, sizeof(origin));

    FUZZ_CHECK(rc == 0 || rc == GEOHA_E_INSECURE || rc == GEOHA_E_CONFIG);
    FUZZ_CHECK(rc2 == 0 || rc2 == GEOHA_E_CONFIG);
    if (rc2 == 0) {
        const char *sep = strstr(origin, "://");

        FUZZ_CHECK(sep != NULL && strchr(sep + 3, ':') != NULL);
        for (const char *p = origin; *p != '\0'; p++) {
            FUZZ_CHECK(!isupper((unsigned char)*p));
        }
    }
    if (rc == 0) {
        FUZZ_CHECK(strncasecmp(s, "http", 4) == 0);
    }
}

static void
check_redact(const char *line, const char *secret)
{
    char *copy = strdup(line);

    FUZZ_CHECK(copy != NULL);
    geoha__arm_redact(copy, secret);
    FUZZ_CHECK(strlen(copy) <= strlen(line));
    /* "***" cannot form a secret that holds no '*' */
    if (secret[0] != '\0' && strchr(secret, '*') == NULL) {
        FUZZ_CHECK(strstr(copy, secret) == NULL);
    }
    if (secret[0] == '\0' || strstr(line, secret) == NULL) {
        FUZZ_CHECK(strcmp(copy, line) == 0);
    }
    free(copy);
}

static void
check_small(const char *s, const uint8_t *data, size_t size)
{
    int ra = geoha__arm_retry_after_parse(s);
    uint64_t seed = 0;
    int64_t left, wait;
    int attempt;

    FUZZ_CHECK(ra >= -1 && ra <= GEOHA__ARM_RETRY_AFTER_MAX_S);
    if (geoha__arm_api_ok(s)) {
        FUZZ_CHECK(strlen(s) >= 1 && strlen(s) <= 32);
    }
    if (geoha__arm_token_ok(s)) {
        FUZZ_CHECK(fuzz_printable(s) && strchr(s, ' ') == NULL);
    }
    if (geoha__arm_path_ok(s)) {
        FUZZ_CHECK(s[0] == '/' && fuzz_printable(s) && strchr(s, '#') == NULL);
    }
    (void)geoha__arm_host_loopback(s);
    if (geoha_arm_id_check(s) == 0) {
        FUZZ_CHECK(geoha__arm_path_ok(s) && strchr(s, '?') == NULL);
    }

    /* backoff with numbers taken from the input */
    for (size_t i = 0; i < size && i < 8; i++) {
        seed = seed << 8 | data[i];
    }
    attempt = size > 0 ? (int)(int8_t)data[0] : 0;
    left = (int64_t)(seed % 100000);
    wait = geoha__arm_next_wait_ms(attempt, ra, &seed, left);
    if (wait >= 0) {
        FUZZ_CHECK(wait + GEOHA__ARM_MIN_TRY_MS <= left);
        if (ra > 0) {
            FUZZ_CHECK(wait == (int64_t)ra * 1000);
        } else {
            FUZZ_CHECK(wait <= GEOHA_ARM_BACKOFF_MAX_MS);
        }
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_str(data, size);
    char *whole = fuzz_str(data, size);
    char *f[FUZZ_MAX_FIELDS];
    size_t n = fuzz_split(s, '\n', f, 8);

    check_name(f[0]);
    check_small(f[0], data, size);
    check_url(f[0]);
    check_path(f, n, 1 + (size * 7) % (GEOHA_ARM_PATH_MAX + 64));
    check_path(f, n, GEOHA_ARM_PATH_MAX);
    if (n > 1) {
        check_redact(f[0], f[1]);
    }
    check_small(whole, data, size);
    free(whole);
    free(s);
    return 0;
}
