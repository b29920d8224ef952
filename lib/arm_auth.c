/*
 * geoha ARM client: tokens. Where they come from (IMDS, Entra ID, a token
 * file) and the per-(identity, resource) cache file that lets a monitor
 * every 10 s reuse one token for its whole lifetime without a round trip.
 *
 * The cache is written with a temporary file and rename(), so concurrent
 * agents on one node only ever see a whole file; two agents fetching at the
 * same moment both write a valid token, and the last rename wins.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "geoha/file.h"

#include "arm_int.h"

#define IMDS_TOKEN_PATH "/metadata/identity/oauth2/token"
#define IMDS_TOKEN_API "2018-02-01"
#define CACHE_VERSION 1
/* Tokens claiming to live longer than this are treated as bogus. */
#define MAX_LIFETIME_S (7LL * 24 * 3600)

void
geoha__arm_token_clear(struct geoha__arm_token *t)
{
    if (t == NULL) {
        return;
    }
    if (t->access_token != NULL) {
        explicit_bzero(t->access_token, strlen(t->access_token));
        free(t->access_token);
    }
    memset(t, 0, sizeof(*t));
}

static void
set_refresh(struct geoha__arm_token *t, int64_t now_s)
{
    int64_t life = t->expires_on - now_s;
    int64_t margin = life / 2;

    if (margin > GEOHA_ARM_TOKEN_MARGIN_S) {
        margin = GEOHA_ARM_TOKEN_MARGIN_S;
    }
    if (margin < 0) {
        margin = 0;
    }
    t->refresh_at = t->expires_on - margin;
}

int
geoha__arm_token_parse(const char *body, size_t len, int64_t now_s,
                       struct geoha__arm_token *out)
{
    struct geoha__arm_token t = { 0 };
    json_t *j = NULL;
    const char *tok, *type;
    long long n;
    int rc;

    rc = geoha__arm_json_parse(body, len, GEOHA__ARM_CACHE_MAX, &j);
    if (rc != 0) {
        return rc;
    }
    if (!json_is_object(j)) {
        rc = GEOHA_E_PROTOCOL;
        goto done;
    }
    tok = geoha_arm_json_str(j, "access_token");
    if (!geoha__arm_token_ok(tok)) {
        rc = GEOHA_E_PROTOCOL;
        goto done;
    }
    type = geoha_arm_json_str(j, "token_type");
    if (geoha_arm_json_at(j, "token_type") != NULL
        && !geoha_streq_ci(type, "Bearer")) {
        rc = GEOHA_E_PROTOCOL;
        goto done;
    }
    if (geoha_arm_json_ll(j, "expires_on", now_s + 1, now_s + MAX_LIFETIME_S,
                          &n)
        == 0) {
        t.expires_on = n;
    } else if (geoha_arm_json_ll(j, "expires_in", 1, MAX_LIFETIME_S, &n) == 0) {
        t.expires_on = now_s + n;
    } else if (geoha_arm_json_at(j, "expires_in") == NULL
               && geoha_arm_json_at(j, "expires_on") == NULL) {
        t.expires_on = now_s + GEOHA__ARM_DEFAULT_LIFETIME_S;
    } else {
        rc = GEOHA_E_PROTOCOL; /* present but nonsense (or expired) */
        goto done;
    }
    t.access_token = strdup(tok);
    if (t.access_token == NULL) {
        rc = -ENOMEM;
        goto done;
    }
    set_refresh(&t, now_s);
    *out = t;
done:
    json_decref(j);
    return rc;
}

/* ---- the cache file ---- */

int
geoha__arm_cache_read(const char *path, const char *key, int64_t now_s,
                      struct geoha__arm_token *out)
{
    struct geoha__arm_token t = { 0 };
    struct stat st;
    char buf[GEOHA__ARM_CACHE_MAX];
    json_t *j = NULL;
    const char *tok;
    long long exp, ref, ver;
    ssize_t n;
    int fd, rc;

    fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        return errno == ELOOP ? GEOHA_E_INSECURE : -errno;
    }
    if (fstat(fd, &st) != 0) {
        rc = -errno;
        goto done;
    }
    /* Someone else's file could hand us a token of their choosing. */
    if (!S_ISREG(st.st_mode) || st.st_uid != geteuid()
        || (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        rc = GEOHA_E_INSECURE;
        goto done;
    }
    if (st.st_size >= (off_t)sizeof(buf)) {
        rc = GEOHA_E_PARSE;
        goto done;
    }
    n = read(fd, buf, sizeof(buf) - 1);
    if (n < 0) {
        rc = -errno;
        goto done;
    }
    rc = geoha__arm_json_parse(buf, (size_t)n, sizeof(buf), &j);
    explicit_bzero(buf, sizeof(buf));
    if (rc != 0) {
        rc = GEOHA_E_PARSE;
        goto done;
    }
    tok = geoha_arm_json_str(j, "access_token");
    if (geoha_arm_json_ll(j, "version", 0, 1000, &ver) != 0
        || ver != CACHE_VERSION
        || !geoha_streq(geoha_arm_json_str(j, "key"), key)
        || !geoha__arm_token_ok(tok)
        || geoha_arm_json_ll(j, "expires_on", 0, INT64_MAX, &exp) != 0
        || geoha_arm_json_ll(j, "refresh_at", 0, exp, &ref) != 0) {
        rc = GEOHA_E_PARSE;
        goto done;
    }
    if (ref <= now_s) {
        rc = -ESTALE;
        goto done;
    }
    t.access_token = strdup(tok);
    if (t.access_token == NULL) {
        rc = -ENOMEM;
        goto done;
    }
    t.expires_on = exp;
    t.refresh_at = ref;
    *out = t;
    rc = 0;
done:
    if (j != NULL) {
        json_t *tv = json_object_get(j, "access_token");

        /* jansson keeps its own copy: do not leave the token in freed
         * memory longer than needed. */
        if (json_is_string(tv)) {
            explicit_bzero((char *)json_string_value(tv),
                           json_string_length(tv));
        }
        json_decref(j);
    }
    close(fd);
    return rc;
}

int
geoha__arm_cache_write(const char *path, const char *key,
                       const struct geoha__arm_token *t)
{
    json_t *j;
    char *text;
    int rc;

    j = json_pack("{s:i, s:s, s:s, s:I, s:I}", "version", CACHE_VERSION, "key",
                  key, "access_token", t->access_token, "expires_on",
                  (json_int_t)t->expires_on, "refresh_at",
                  (json_int_t)t->refresh_at);
    if (j == NULL) {
        return -ENOMEM;
    }
    text = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    if (text == NULL) {
        return -ENOMEM;
    }
    rc = geoha_file_replace(path, text, strlen(text), (uid_t)-1, (gid_t)-1,
                            0600);
    explicit_bzero(text, strlen(text));
    free(text);
    return rc;
}

/* ---- token sources ---- */

static int
read_private(struct geoha_arm_client *c, const char *what, const char *path,
             size_t max, char **out)
{
    char *data = NULL;
    size_t len = 0;
    int rc;

    rc = geoha_file_check_private(path);
    if (rc == GEOHA_E_INSECURE) {
        return geoha__arm_fail(c, rc,
                               "%s '%s' can be read by others or has the "
                               "wrong owner: refusing to use it (it must "
                               "be owned by root, mode 0600 or 0400)",
                               what, path);
    }
    if (rc == 0) {
        rc = geoha_file_read(path, max, &data, &len);
    }
    if (rc != 0) {
        return geoha__arm_fail(c, rc, "%s '%s' cannot be read: %s", what, path,
                               geoha_strerror(rc));
    }
    geoha_strtrim(data);
    if (data[0] == '\0') {
        free(data);
        return geoha__arm_fail(c, GEOHA_E_CONFIG, "%s '%s' is empty", what,
                               path);
    }
    *out = data;
    return 0;
}

static void
wipe_free(char *s)
{
    if (s != NULL) {
        explicit_bzero(s, strlen(s));
        free(s);
    }
}

static int
token_from_file(struct geoha_arm_client *c)
{
    char *tok = NULL;
    int rc;

    rc = read_private(c, GEOHA_ARM_P_TOKEN_FILE, c->token_file,
                      GEOHA__ARM_TOKEN_MAX, &tok);
    if (rc != 0) {
        return rc;
    }
    if (!geoha__arm_token_ok(tok)) {
        wipe_free(tok);
        return geoha__arm_fail(c, GEOHA_E_PARSE,
                               "%s '%s' does not hold a bearer token (one "
                               "line of printable characters)",
                               GEOHA_ARM_P_TOKEN_FILE, c->token_file);
    }
    geoha__arm_token_clear(&c->token);
    c->token.access_token = tok;
    /* The file may be replaced by its owner at any time: re-read it now
     * and then (cheap), and at once after a 401. */
    c->token.expires_on = geoha_wall_ms() / 1000 + 3600;
    c->token.refresh_at = geoha_wall_ms() / 1000 + 60;
    c->token_src = GEOHA__ARM_TOKEN_FRESH;
    return 0;
}

/* Turn a token endpoint's answer into c->token or a failure. */
static int
token_answer(struct geoha_arm_client *c, const char *what,
             struct geoha__arm_resp *r)
{
    struct geoha__arm_token t = { 0 };
    int rc;

    if (r->status != 200) {
        char code[128], msg[512];

        geoha__arm_error_parse(r->body.data, r->body.len, code, sizeof(code),
                               msg, sizeof(msg));
        c->last_status = (int)r->status;
        geoha_strlcpy(c->last_code, code, sizeof(c->last_code));
        rc = (r->status == 400 || r->status == 401 || r->status == 403)
                 ? GEOHA_E_AUTH
                 : GEOHA_E_REMOTE;
        return geoha__arm_fail(c, rc, "%s refused a token: HTTP %ld%s%s%s%s",
                               what, r->status, code[0] ? " " : "", code,
                               msg[0] ? ": " : "", msg);
    }
    rc = geoha__arm_token_parse(r->body.data, r->body.len,
                                geoha_wall_ms() / 1000, &t);
    if (rc != 0) {
        return geoha__arm_fail(c, rc,
                               "%s answered a token response that cannot be "
                               "used (%s)",
                               what, geoha_strerror(rc));
    }
    geoha__arm_token_clear(&c->token);
    c->token = t;
    c->token_src = GEOHA__ARM_TOKEN_FRESH;
    c->token_fetches++;
    return 0;
}

static int
token_from_imds(struct geoha_arm_client *c, const struct geoha_deadline *d)
{
    struct geoha__arm_req rq = { 0 };
    struct geoha__arm_resp r;
    struct geoha_buf url;
    char *res = NULL, *cid = NULL;
    int rc;

    geoha__arm_resp_init(&r);
    geoha_buf_init(&url, GEOHA__ARM_URL_MAX);
    res = curl_easy_escape(NULL, c->resource, 0);
    if (res == NULL) {
        rc = -ENOMEM;
        goto done;
    }
    geoha_buf_printf(&url, "%s%s?api-version=%s&resource=%s", c->imds_endpoint,
                     IMDS_TOKEN_PATH, IMDS_TOKEN_API, res);
    if (c->client_id != NULL) {
        cid = curl_easy_escape(NULL, c->client_id, 0);
        if (cid == NULL) {
            rc = -ENOMEM;
            goto done;
        }
        geoha_buf_printf(&url, "&client_id=%s", cid);
    }
    if (url.error != 0) {
        rc = url.error;
        goto done;
    }
    rq.method = "GET";
    rq.url = url.data;
    rq.metadata = true;
    rq.imds_retry = true;
    rc = geoha__arm_http(c, &rq, d, &r);
    if (rc != 0) {
        goto done;
    }
    if (r.status == 400) {
        /* IMDS says 400 when the VM has no (such) identity. */
        char code[128], msg[512];

        geoha__arm_error_parse(r.body.data, r.body.len, code, sizeof(code), msg,
                               sizeof(msg));
        c->last_status = 400;
        rc = geoha__arm_fail(c, GEOHA_E_AUTH,
                             "IMDS has no managed identity %s%s%s for this "
                             "VM: HTTP 400 %s%s%s",
                             c->client_id ? "with client_id '" : "",
                             c->client_id ? c->client_id : "",
                             c->client_id ? "'" : "", code, msg[0] ? ": " : "",
                             msg);
        goto done;
    }
    rc = token_answer(c, "IMDS", &r);
done:
    curl_free(res);
    curl_free(cid);
    geoha_buf_clear(&url);
    geoha__arm_resp_clear(&r);
    return rc;
}

static int
token_from_secret(struct geoha_arm_client *c, const struct geoha_deadline *d)
{
    struct geoha__arm_req rq = { 0 };
    struct geoha__arm_resp r;
    struct geoha_buf url, form;
    char *secret = NULL, *esc_secret = NULL, *esc_id = NULL, *esc_scope = NULL;
    char scope[512];
    int rc;

    geoha__arm_resp_init(&r);
    geoha_buf_init(&url, GEOHA__ARM_URL_MAX);
    geoha_buf_init(&form, 2 * GEOHA__ARM_SECRET_MAX + 4096);
    rc = read_private(c, GEOHA_ARM_P_SECRET_FILE, c->secret_file,
                      GEOHA__ARM_SECRET_MAX, &secret);
    if (rc != 0) {
        goto done;
    }
    rc = geoha_snprintf(scope, sizeof(scope), "%s.default", c->resource);
    if (rc != 0) {
        goto done;
    }
    esc_secret = curl_easy_escape(NULL, secret, 0);
    esc_id = curl_easy_escape(NULL, c->client_id, 0);
    esc_scope = curl_easy_escape(NULL, scope, 0);
    if (esc_secret == NULL || esc_id == NULL || esc_scope == NULL) {
        rc = -ENOMEM;
        goto done;
    }
    geoha_buf_printf(&url, "%s/%s/oauth2/v2.0/token", c->login_endpoint,
                     c->tenant);
    geoha_buf_printf(&form,
                     "grant_type=client_credentials&client_id=%s"
                     "&client_secret=%s&scope=%s",
                     esc_id, esc_secret, esc_scope);
    if (url.error != 0 || form.error != 0) {
        rc = url.error != 0 ? url.error : form.error;
        goto done;
    }
    rq.method = "POST";
    rq.url = url.data;
    rq.body = form.data;
    rq.body_len = form.len;
    rq.content_type = "application/x-www-form-urlencoded";
    rq.secret_body = true;
    rc = geoha__arm_http(c, &rq, d, &r);
    if (rc == 0) {
        rc = token_answer(c, "Entra ID", &r);
    }
    /* An error description could, in theory, echo what we sent. */
    geoha__arm_redact(c->last_error, secret);
done:
    if (form.data != NULL) {
        explicit_bzero(form.data, form.len);
    }
    geoha_buf_clear(&form);
    geoha_buf_clear(&url);
    wipe_free(secret);
    if (esc_secret != NULL) {
        explicit_bzero(esc_secret, strlen(esc_secret));
    }
    curl_free(esc_secret);
    curl_free(esc_id);
    curl_free(esc_scope);
    geoha__arm_resp_clear(&r);
    return rc;
}

int
geoha__arm_token_get(struct geoha_arm_client *c, const struct geoha_deadline *d,
                     bool force)
{
    int64_t now_s = geoha_wall_ms() / 1000;
    struct geoha__arm_token t = { 0 };
    int rc;

    if (!force && c->token.access_token != NULL
        && now_s < c->token.refresh_at) {
        return 0;
    }
    if (c->auth == GEOHA_ARM_AUTH_TOKEN_FILE) {
        return token_from_file(c);
    }
    if (!force && c->cache_path != NULL) {
        rc = geoha__arm_cache_read(c->cache_path, c->cache_key, now_s, &t);
        if (rc == 0) {
            geoha__arm_token_clear(&c->token);
            c->token = t;
            c->token_src = GEOHA__ARM_TOKEN_CACHED;
            geoha__arm_debug(c, "token: reused from cache %s", c->cache_path);
            return 0;
        }
        if (rc != -ENOENT) {
            geoha__arm_debug(c, "token: cache %s not used: %s", c->cache_path,
                             geoha_strerror(rc));
        }
    }
    rc = c->auth == GEOHA_ARM_AUTH_MSI ? token_from_imds(c, d)
                                       : token_from_secret(c, d);
    if (rc != 0) {
        return rc;
    }
    geoha__arm_debug(c, "token: fetched (%s), valid %lld s",
                     c->auth == GEOHA_ARM_AUTH_MSI ? "IMDS" : "Entra ID",
                     (long long)(c->token.expires_on - now_s));
    if (c->cache_path != NULL) {
        rc = geoha__arm_cache_write(c->cache_path, c->cache_key, &c->token);
        if (rc != 0) {
            /* The token works without the cache; the next run fetches. */
            geoha__arm_debug(c, "token: cache %s not written: %s",
                             c->cache_path, geoha_strerror(rc));
        }
    }
    return 0;
}
