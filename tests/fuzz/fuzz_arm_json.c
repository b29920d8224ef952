/*
 * Fuzz target: the JSON helpers of the ARM client (lib/arm_util.c) on
 * whatever JSON an ARM, IMDS or Entra answer might hold.
 *
 * The input's first line is a dotted path ("properties.provisioningState"),
 * the rest a JSON text loaded with jansson. Checks: geoha_arm_json_at()
 * finds every member reachable by simple keys (the same pointer as
 * jansson's own lookup) and nothing through a non-object; _str/_ll/_bool
 * agree with the value's type and honour their ranges; error bodies give
 * bounded, NUL-terminated one-line (no control characters) code and message
 * buffers.
 */
#include <errno.h>
#include <limits.h>

#include "arm_int.h"

#include "fuzz.h"

static void
check_path(const json_t *root, const char *path)
{
    static const long long ranges[][2] = {
        { LLONG_MIN, LLONG_MAX },
        { 0, 65535 },
        { 1, 604800 },
        { -1, 1 },
    };
    const json_t *v = geoha_arm_json_at(root, path);
    const char *str = geoha_arm_json_str(root, path);
    long long n = 0x5a5a;
    bool b = false;
    int rc;

    if (v == NULL) {
        FUZZ_CHECK(str == NULL);
    } else {
        FUZZ_CHECK(json_is_object(root));
        FUZZ_CHECK(str == json_string_value(v));
    }
    for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
        n = 0x5a5a;
        rc = geoha_arm_json_ll(root, path, ranges[i][0], ranges[i][1], &n);
        if (rc == 0) {
            FUZZ_CHECK(v != NULL);
            FUZZ_CHECK(n >= ranges[i][0] && n <= ranges[i][1]);
            FUZZ_CHECK(json_is_number(v) || json_is_string(v));
            if (json_is_integer(v)) {
                FUZZ_CHECK(n == (long long)json_integer_value(v));
            }
        } else {
            FUZZ_CHECK(n == 0x5a5a);
            FUZZ_CHECK(rc == -ENOENT || rc == -EINVAL || rc == -ERANGE);
            FUZZ_CHECK((rc == -ENOENT) == (v == NULL || json_is_null(v)));
            if (json_is_integer(v)) {
                json_int_t j = json_integer_value(v);

                FUZZ_CHECK(rc == -ERANGE);
                FUZZ_CHECK(j < ranges[i][0] || j > ranges[i][1]);
            }
        }
    }
    rc = geoha_arm_json_bool(root, path, &b);
    if (json_is_boolean(v)) {
        FUZZ_CHECK(rc == 0 && b == json_is_true(v));
    } else if (rc == 0) {
        FUZZ_CHECK(json_is_string(v));
    } else {
        FUZZ_CHECK(rc == -ENOENT || rc == -EINVAL);
    }
}

/* Every key of obj usable in a dotted path is found through one. */
static void
check_members(const json_t *root, const json_t *obj, const char *prefix,
              int depth)
{
    const char *key;
    size_t key_len;
    json_t *value;

    if (!json_is_object(obj) || depth > 3) {
        return;
    }
    json_object_keylen_foreach((json_t *)obj, key, key_len, value)
    {
        char path[512];

        /* a key holding a NUL or a dot cannot be named in a path */
        if (key_len == 0 || strlen(key) != key_len
            || strchr(key, '.') != NULL) {
            continue;
        }
        if (geoha_snprintf(path, sizeof(path), "%s%s%s", prefix,
                           prefix[0] != '\0' ? "." : "", key)
            != 0) {
            continue;
        }
        FUZZ_CHECK(geoha_arm_json_at(root, path) == value);
        check_path(root, path);
        check_members(root, value, path, depth + 1);
    }
}

static void
check_error_body(const char *body, size_t len)
{
    static const size_t sizes[] = { 1, 4, 5, 16, 128 };

    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        /* exact sizes, so that ASan sees any write past them */
        char *code = malloc(sizes[i]);
        char *msg = malloc(sizes[sizes[i] % 5]);

        FUZZ_CHECK(code != NULL && msg != NULL);
        geoha__arm_error_parse(body, len, code, sizes[i], msg,
                               sizes[sizes[i] % 5]);
        FUZZ_CHECK(strlen(code) < sizes[i] && fuzz_one_line(code));
        FUZZ_CHECK(strlen(msg) < sizes[sizes[i] % 5] && fuzz_one_line(msg));
        free(code);
        free(msg);
    }
    geoha__arm_error_parse(body, len, NULL, 0, NULL, 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_str(data, size);
    char *nl = strchr(s, '\n');
    const char *path = s;
    const char *body = nl != NULL ? nl + 1 : "";
    size_t body_len = nl != NULL ? size - (size_t)(nl + 1 - s) : 0;
    json_t *root = NULL;
    int rc;

    if (nl != NULL) {
        *nl = '\0';
    }
    rc = geoha__arm_json_parse(body, body_len, 2048, &root);
    if (rc == 0) {
        FUZZ_CHECK(root != NULL && body_len <= 2048);
    } else {
        FUZZ_CHECK(rc == GEOHA_E_PARSE || rc == GEOHA_E_TOOBIG);
        FUZZ_CHECK((rc == GEOHA_E_TOOBIG) == (body_len > 2048));
        root = json_loadb(body, body_len, JSON_DECODE_ANY, NULL);
    }
    if (root != NULL) {
        check_path(root, path);
        /* every prefix of the path, as the walk passes through it */
        for (char *dot = strrchr(s, '.'); dot != NULL; dot = strrchr(s, '.')) {
            *dot = '\0';
            check_path(root, path);
        }
        check_members(root, root, "", 0);
        json_decref(root);
    }
    FUZZ_CHECK(geoha_arm_json_at(NULL, "a") == NULL);
    check_error_body(body, body_len);
    free(s);
    return 0;
}
