/*
 * geoha ARM client: pure helpers (backoff arithmetic, Retry-After, URL and
 * path checks, resource paths, JSON accessors, error bodies). No I/O here
 * except the random bytes of a request id, so all of it is unit-tested
 * directly.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "arm_int.h"

/* ---- backoff ---- */

uint64_t
geoha__arm_rand(uint64_t *state)
{
    uint64_t x = *state;

    if (x == 0) {
        x = 0x9e3779b97f4a7c15ULL;
    }
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545f4914f6cdd1dULL;
}

int64_t
geoha__arm_next_wait_ms(int attempt, int retry_after_s, uint64_t *seed,
                        int64_t left_ms)
{
    int64_t wait;

    if (retry_after_s > 0) {
        /* The server said when: honour it exactly, no jitter needed. */
        wait = (int64_t)retry_after_s * 1000;
    } else {
        int64_t base = GEOHA_ARM_BACKOFF_BASE_MS;
        int64_t half;

        if (attempt < 0) {
            attempt = 0;
        }
        for (int i = 0; i < attempt && base < GEOHA_ARM_BACKOFF_MAX_MS; i++) {
            base *= 2;
        }
        if (base > GEOHA_ARM_BACKOFF_MAX_MS) {
            base = GEOHA_ARM_BACKOFF_MAX_MS;
        }
        /* "Equal jitter": at least half the step, so retries still back
         * off, spread over the other half so agents do not march in step. */
        half = base / 2;
        wait = half + (int64_t)(geoha__arm_rand(seed) % (uint64_t)(half + 1));
    }
    if (wait + GEOHA__ARM_MIN_TRY_MS > left_ms) {
        return -1;
    }
    return wait;
}

int
geoha__arm_retry_after_parse(const char *value)
{
    long long n;
    char buf[32];

    if (value == NULL) {
        return -1;
    }
    if (geoha_strlcpy(buf, value, sizeof(buf)) != 0) {
        return -1;
    }
    geoha_strtrim(buf);
    if (buf[0] == '\0' || buf[0] == '-' || buf[0] == '+') {
        return -1;
    }
    if (geoha_parse_ll(buf, 0, 1000000000LL, &n) != 0) {
        return -1; /* HTTP dates and garbage: treat as absent */
    }
    if (n > GEOHA__ARM_RETRY_AFTER_MAX_S) {
        n = GEOHA__ARM_RETRY_AFTER_MAX_S;
    }
    return (int)n;
}

/* ---- URLs ---- */

bool
geoha__arm_host_loopback(const char *host)
{
    struct in_addr a4;

    if (host == NULL) {
        return false;
    }
    if (geoha_streq_ci(host, "localhost") || strcmp(host, "[::1]") == 0
        || strcmp(host, "::1") == 0 || strcmp(host, "169.254.169.254") == 0) {
        return true;
    }
    if (inet_pton(AF_INET, host, &a4) == 1) {
        return (ntohl(a4.s_addr) >> 24) == 127;
    }
    return false;
}

static int
url_parts(const char *url, char **scheme, char **host, char **port)
{
    CURLU *u;
    int rc = GEOHA_E_CONFIG;

    *scheme = *host = *port = NULL;
    if (url == NULL || url[0] == '\0' || strlen(url) >= GEOHA__ARM_URL_MAX) {
        return GEOHA_E_CONFIG;
    }
    for (const char *p = url; *p != '\0'; p++) {
        if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f) {
            return GEOHA_E_CONFIG;
        }
    }
    u = curl_url();
    if (u == NULL) {
        return -ENOMEM;
    }
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK) {
        goto done;
    }
    if (curl_url_get(u, CURLUPART_SCHEME, scheme, 0) != CURLUE_OK
        || curl_url_get(u, CURLUPART_HOST, host, 0) != CURLUE_OK
        || curl_url_get(u, CURLUPART_PORT, port, CURLU_DEFAULT_PORT)
               != CURLUE_OK) {
        goto done;
    }
    rc = 0;
done:
    if (rc != 0) {
        curl_free(*scheme);
        curl_free(*host);
        curl_free(*port);
        *scheme = *host = *port = NULL;
    }
    curl_url_cleanup(u);
    return rc;
}

bool
geoha_arm_url_has_userinfo(const char *url)
{
    const char *auth;
    size_t len;

    if (url == NULL) {
        return false;
    }
    auth = strstr(url, "://");
    auth = (auth != NULL) ? auth + 3 : url;
    len = strcspn(auth, "/?#");
    /* Without "://" anything before the first '/' may be taken for an
     * authority by some parser: an '@' there is treated the same. */
    return memchr(auth, '@', len) != NULL;
}

/* Whether curl finds a user, password or login options in url. */
static bool
curl_userinfo(const char *url)
{
    static const CURLUPart parts[] = { CURLUPART_USER, CURLUPART_PASSWORD,
                                       CURLUPART_OPTIONS };
    CURLU *u = curl_url();
    bool found = false;

    if (u == NULL) {
        return true; /* cannot tell: refuse */
    }
    if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK) {
        for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
            char *v = NULL;

            if (curl_url_get(u, parts[i], &v, 0) == CURLUE_OK) {
                found = true;
            }
            curl_free(v);
        }
    }
    curl_url_cleanup(u);
    return found;
}

int
geoha_arm_url_check(const char *url)
{
    char *scheme, *host, *port;
    int rc = url_parts(url, &scheme, &host, &port);

    if (rc != 0) {
        return rc;
    }
    if (geoha_arm_url_has_userinfo(url) || curl_userinfo(url)) {
        curl_free(scheme);
        curl_free(host);
        curl_free(port);
        return GEOHA_E_INSECURE;
    }
    if (geoha_streq_ci(scheme, "https")) {
        rc = 0;
    } else if (geoha_streq_ci(scheme, "http")) {
        rc = geoha__arm_host_loopback(host) ? 0 : GEOHA_E_INSECURE;
    } else {
        rc = GEOHA_E_CONFIG;
    }
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    return rc;
}

int
geoha__arm_origin(const char *url, char *dst, size_t size)
{
    char *scheme, *host, *port;
    int rc = url_parts(url, &scheme, &host, &port);

    if (rc != 0) {
        return rc;
    }
    rc = geoha_snprintf(dst, size, "%s://%s:%s", scheme, host, port);
    if (rc == 0) {
        for (char *p = dst; *p != '\0'; p++) {
            *p = (char)tolower((unsigned char)*p);
        }
    } else {
        rc = GEOHA_E_CONFIG;
    }
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    return rc;
}

bool
geoha__arm_path_ok(const char *path)
{
    size_t n;

    if (path == NULL || path[0] != '/') {
        return false;
    }
    n = strlen(path);
    if (n >= GEOHA_ARM_PATH_MAX) {
        return false;
    }
    for (const char *p = path; *p != '\0'; p++) {
        unsigned char ch = (unsigned char)*p;

        if (ch <= ' ' || ch >= 0x7f || strchr("#\\\"<>^`{|}", ch) != NULL) {
            return false;
        }
    }
    /* no dot segments before the query */
    for (const char *p = path; *p != '\0' && *p != '?'; p++) {
        if (p[0] == '/' && p[1] == '.'
            && (p[2] == '/' || p[2] == '?' || p[2] == '\0'
                || (p[2] == '.'
                    && (p[3] == '/' || p[3] == '?' || p[3] == '\0')))) {
            return false;
        }
    }
    return true;
}

bool
geoha__arm_api_ok(const char *api)
{
    size_t n;

    if (api == NULL) {
        return false;
    }
    n = strlen(api);
    if (n == 0 || n > 32) {
        return false;
    }
    for (const char *p = api; *p != '\0'; p++) {
        if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.') {
            return false;
        }
    }
    return true;
}

bool
geoha__arm_token_ok(const char *tok)
{
    size_t n;

    if (tok == NULL) {
        return false;
    }
    n = strlen(tok);
    if (n == 0 || n >= GEOHA__ARM_TOKEN_MAX) {
        return false;
    }
    for (const char *p = tok; *p != '\0'; p++) {
        if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f) {
            return false;
        }
    }
    return true;
}

void
geoha__arm_uuid(char out[37])
{
    unsigned char b[16];
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;

    if (getrandom(b, sizeof(b), GRND_NONBLOCK) != (ssize_t)sizeof(b)) {
        /* Only a tracing id: a weak fallback is acceptable. */
        uint64_t s = (uint64_t)geoha_wall_ms() ^ ((uint64_t)getpid() << 32);

        for (size_t i = 0; i < sizeof(b); i++) {
            b[i] = (unsigned char)geoha__arm_rand(&s);
        }
    }
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    for (size_t i = 0; i < sizeof(b); i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            out[o++] = '-';
        }
        out[o++] = hex[b[i] >> 4];
        out[o++] = hex[b[i] & 0x0f];
    }
    out[o] = '\0';
}

uint64_t
geoha__arm_hash(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL;

    for (; *s != '\0'; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ULL;
    }
    return h;
}

/* ---- resource paths ---- */

bool
geoha_arm_name_valid(const char *s)
{
    size_t n;

    if (s == NULL) {
        return false;
    }
    n = strlen(s);
    if (n == 0 || n > GEOHA_ARM_NAME_MAX || strcmp(s, ".") == 0
        || strcmp(s, "..") == 0) {
        return false;
    }
    for (const char *p = s; *p != '\0'; p++) {
        if (!isalnum((unsigned char)*p) && strchr("._()-", *p) == NULL) {
            return false;
        }
    }
    return true;
}

static bool
provider_valid(const char *s)
{
    const char *slash;
    char ns[GEOHA_ARM_NAME_MAX + 1];
    size_t n;

    if (s == NULL) {
        return false;
    }
    slash = strchr(s, '/');
    if (slash == NULL) {
        return geoha_arm_name_valid(s);
    }
    n = (size_t)(slash - s);
    if (n > GEOHA_ARM_NAME_MAX) {
        return false;
    }
    memcpy(ns, s, n);
    ns[n] = '\0';
    return geoha_arm_name_valid(ns) && geoha_arm_name_valid(slash + 1);
}

int
geoha_arm_path(char *dst, size_t size, const char *sub, const char *rg,
               const char *provider, ...)
{
    struct geoha_buf b;
    va_list ap;
    const char *seg;
    int rc = 0;

    if (dst == NULL || size == 0) {
        return -EINVAL;
    }
    if (!geoha_arm_name_valid(sub) || !geoha_arm_name_valid(rg)
        || !provider_valid(provider)) {
        return -EINVAL;
    }
    geoha_buf_init(&b, size);
    geoha_buf_printf(&b, "/subscriptions/%s/resourceGroups/%s/providers/%s",
                     sub, rg, provider);
    va_start(ap, provider);
    while ((seg = va_arg(ap, const char *)) != NULL) {
        if (!geoha_arm_name_valid(seg)) {
            rc = -EINVAL;
            break;
        }
        geoha_buf_printf(&b, "/%s", seg);
    }
    va_end(ap);
    if (rc == 0 && b.error != 0) {
        rc = -ENOSPC;
    }
    /* never longer than a path may be (geoha_arm_id_check()), whatever
     * room dst has */
    if (rc == 0 && b.len >= GEOHA_ARM_PATH_MAX) {
        rc = -ENOSPC;
    }
    if (rc == 0) {
        rc = geoha_strlcpy(dst, b.data, size);
    }
    geoha_buf_clear(&b);
    return rc;
}

int
geoha_arm_id_check(const char *id)
{
    char seg[GEOHA_ARM_NAME_MAX + 1];
    const char *p;
    int n = 0;

    if (id == NULL || strncmp(id, "/subscriptions/", 15) != 0
        || strlen(id) >= GEOHA_ARM_PATH_MAX) {
        return -EINVAL;
    }
    for (p = id; *p == '/'; n++) {
        const char *end = strchr(p + 1, '/');
        size_t len = end != NULL ? (size_t)(end - p - 1) : strlen(p + 1);

        if (len == 0 || len > GEOHA_ARM_NAME_MAX) {
            return -EINVAL;
        }
        memcpy(seg, p + 1, len);
        seg[len] = '\0';
        if (!geoha_arm_name_valid(seg)) {
            return -EINVAL;
        }
        p += len + 1;
    }
    return n >= 2 ? 0 : -EINVAL;
}

/* ---- JSON ---- */

json_t *
geoha_arm_json_at(const json_t *root, const char *dotted)
{
    const json_t *cur = root;
    const char *p = dotted;

    if (root == NULL || dotted == NULL || dotted[0] == '\0') {
        return NULL;
    }
    while (*p != '\0') {
        const char *dot = strchr(p, '.');
        size_t n = dot != NULL ? (size_t)(dot - p) : strlen(p);

        if (!json_is_object(cur) || n == 0) {
            return NULL;
        }
        cur = json_object_getn(cur, p, n);
        if (cur == NULL) {
            return NULL;
        }
        p += n;
        if (*p == '.') {
            p++;
        }
    }
    return (json_t *)cur;
}

const char *
geoha_arm_json_str(const json_t *root, const char *dotted)
{
    return json_string_value(geoha_arm_json_at(root, dotted));
}

int
geoha_arm_json_ll(const json_t *root, const char *dotted, long long min,
                  long long max, long long *out)
{
    const json_t *v = geoha_arm_json_at(root, dotted);
    long long n;

    if (v == NULL || json_is_null(v)) {
        return -ENOENT;
    }
    if (json_is_integer(v)) {
        n = (long long)json_integer_value(v);
    } else if (json_is_real(v)) {
        double r = json_real_value(v);

        if (!(r >= -9.0e18 && r <= 9.0e18) || r != (double)(long long)r) {
            return -EINVAL;
        }
        n = (long long)r;
    } else if (json_is_string(v)) {
        char buf[32];
        int rc;

        if (geoha_strlcpy(buf, json_string_value(v), sizeof(buf)) != 0) {
            return -EINVAL;
        }
        rc = geoha_parse_ll(geoha_strtrim(buf), LLONG_MIN, LLONG_MAX, &n);
        if (rc != 0) {
            return rc == -ERANGE ? -ERANGE : -EINVAL;
        }
    } else {
        return -EINVAL;
    }
    if (n < min || n > max) {
        return -ERANGE;
    }
    *out = n;
    return 0;
}

int
geoha_arm_json_bool(const json_t *root, const char *dotted, bool *out)
{
    const json_t *v = geoha_arm_json_at(root, dotted);

    if (v == NULL || json_is_null(v)) {
        return -ENOENT;
    }
    if (json_is_boolean(v)) {
        *out = json_is_true(v);
        return 0;
    }
    if (json_is_string(v)) {
        if (geoha_streq_ci(json_string_value(v), "true")) {
            *out = true;
            return 0;
        }
        if (geoha_streq_ci(json_string_value(v), "false")) {
            *out = false;
            return 0;
        }
    }
    return -EINVAL;
}

int
geoha__arm_json_parse(const char *text, size_t len, size_t max, json_t **out)
{
    json_error_t jerr;
    json_t *j;

    if (text == NULL) {
        return GEOHA_E_PARSE;
    }
    if (len > max) {
        return GEOHA_E_TOOBIG;
    }
    j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (j == NULL) {
        return GEOHA_E_PARSE;
    }
    *out = j;
    return 0;
}

/* ---- error bodies ---- */

/* Copy src into dst as one printable line, cut with "..." when long. */
static void
one_line(char *dst, size_t size, const char *src)
{
    size_t o = 0;

    if (size == 0) {
        return;
    }
    for (const char *p = src; p != NULL && *p != '\0'; p++) {
        unsigned char ch = (unsigned char)*p;

        if (o + 1 >= size) {
            if (size > 4) {
                memcpy(dst + size - 4, "...", 3);
                o = size - 1;
            }
            break;
        }
        dst[o++] = (ch < ' ' || ch == 0x7f) ? ' ' : (char)ch;
    }
    dst[o] = '\0';
    geoha_strtrim(dst);
}

void
geoha__arm_error_parse(const char *body, size_t len, char *code,
                       size_t code_size, char *msg, size_t msg_size)
{
    json_t *j = NULL;
    const json_t *e;
    const char *c = NULL, *m = NULL;

    if (code_size > 0) {
        code[0] = '\0';
    }
    if (msg_size > 0) {
        msg[0] = '\0';
    }
    if (body == NULL || len == 0
        || geoha__arm_json_parse(body, len, GEOHA_ARM_MAX_RESPONSE, &j) != 0) {
        return;
    }
    e = json_object_get(j, "error");
    if (json_is_object(e)) { /* ARM */
        c = json_string_value(json_object_get(e, "code"));
        m = json_string_value(json_object_get(e, "message"));
    } else if (json_is_string(e)) { /* OAuth / IMDS */
        c = json_string_value(e);
        m = json_string_value(json_object_get(j, "error_description"));
    } else { /* some providers answer the error object at top level */
        c = json_string_value(json_object_get(j, "code"));
        m = json_string_value(json_object_get(j, "message"));
    }
    if (c != NULL) {
        one_line(code, code_size, c);
    }
    if (m != NULL) {
        one_line(msg, msg_size, m);
    }
    json_decref(j);
}

void
geoha__arm_redact(char *s, const char *secret)
{
    size_t n;
    char *p;

    if (s == NULL || secret == NULL || secret[0] == '\0') {
        return;
    }
    n = strlen(secret);
    p = s;
    while ((p = strstr(p, secret)) != NULL) {
        if (n >= 3) {
            memcpy(p, "***", 3);
            memmove(p + 3, p + n, strlen(p + n) + 1);
            p += 3;
        } else {
            memset(p, '*', n);
            p += n;
        }
    }
}
