/*
 * Fuzz target: tokens of the ARM client (lib/arm_auth.c): token answers
 * from IMDS / Entra ID and the token cache file.
 *
 * The input is parsed as a token answer, and written as a cache file
 * (mode 0600, in $GEOHA_FUZZ_TMP, else /dev/shm or /tmp) that is read
 * back. Checks: results within the contract; an accepted token is a
 * usable bearer token that expires after "now" and is refreshed before
 * it expires; a cache file is accepted only with the right key and a
 * refresh time in the future; a parsed token written to the cache reads
 * back unchanged.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "arm_int.h"

#include "fuzz.h"

#define NOW_S 1700000000LL
#define KEY "fuzz-key"

static char cache_path[512];
static char dir_path[480];

static void
cleanup(void)
{
    char tmp[520];

    unlink(cache_path);
    /* geoha_file_replace()'s temporary, should a write have failed */
    if (geoha_snprintf(tmp, sizeof(tmp), "%s.tmp", cache_path) == 0) {
        unlink(tmp);
    }
    rmdir(dir_path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *base = getenv("GEOHA_FUZZ_TMP");

    (void)argc;
    (void)argv;
    if (base == NULL) {
        base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    }
    if (geoha_snprintf(dir_path, sizeof(dir_path), "%s/geoha-fuzz-XXXXXX", base)
            != 0
        || mkdtemp(dir_path) == NULL
        || geoha_snprintf(cache_path, sizeof(cache_path), "%s/token", dir_path)
               != 0) {
        perror("fuzz_arm_token: temporary directory");
        abort();
    }
    atexit(cleanup);
    return 0;
}

static void
check_token(const struct geoha__arm_token *t)
{
    FUZZ_CHECK(geoha__arm_token_ok(t->access_token));
    FUZZ_CHECK(t->refresh_at <= t->expires_on);
}

static void
write_file(const uint8_t *data, size_t size)
{
    int fd = open(cache_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

    FUZZ_CHECK(fd >= 0);
    FUZZ_CHECK(size == 0 || write(fd, data, size) == (ssize_t)size);
    close(fd);
}

static void
check_cache_read(const char *key)
{
    struct geoha__arm_token t = { 0 };
    int rc = geoha__arm_cache_read(cache_path, key, NOW_S, &t);

    if (rc == 0) {
        check_token(&t);
        FUZZ_CHECK(t.refresh_at > NOW_S);
        geoha__arm_token_clear(&t);
    } else {
        FUZZ_CHECK(t.access_token == NULL);
        FUZZ_CHECK(rc == GEOHA_E_PARSE || rc == -ESTALE);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct geoha__arm_token t = { 0 }, back = { 0 };
    int rc;

    rc = geoha__arm_token_parse((const char *)data, size, NOW_S, &t);
    if (rc == 0) {
        check_token(&t);
        FUZZ_CHECK(t.expires_on > NOW_S);
        FUZZ_CHECK(t.refresh_at > NOW_S);
        /* written to the cache, it reads back as it was */
        FUZZ_CHECK(geoha__arm_cache_write(cache_path, KEY, &t) == 0);
        FUZZ_CHECK(geoha__arm_cache_read(cache_path, KEY, NOW_S, &back) == 0);
        FUZZ_CHECK(strcmp(back.access_token, t.access_token) == 0);
        FUZZ_CHECK(back.expires_on == t.expires_on
                   && back.refresh_at == t.refresh_at);
        geoha__arm_token_clear(&back);
        /* another identity's cache entry is not ours */
        FUZZ_CHECK(geoha__arm_cache_read(cache_path, "other", NOW_S, &back)
                   == GEOHA_E_PARSE);
        FUZZ_CHECK(back.access_token == NULL);
        geoha__arm_token_clear(&t);
    } else {
        FUZZ_CHECK(t.access_token == NULL);
        FUZZ_CHECK(rc == GEOHA_E_PARSE || rc == GEOHA_E_PROTOCOL
                   || rc == GEOHA_E_TOOBIG);
        FUZZ_CHECK((rc == GEOHA_E_TOOBIG) == (size > GEOHA__ARM_CACHE_MAX));
    }

    /* the input as a cache file */
    write_file(data, size);
    check_cache_read(KEY);
    check_cache_read("");
    return 0;
}
