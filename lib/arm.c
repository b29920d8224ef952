/*
 * geoha ARM client: the client object, ARM requests, long-running
 * operations and paged lists. The HTTP exchanges are lib/arm_http.c's;
 * the client gives them lib/arm_auth.c's tokens (c->token_get).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "geoha/file.h"

#include "arm_int.h"

#define PUBLIC_RESOURCE "https://management.azure.com/"
#ifndef GEOHA_VERSION
#define GEOHA_VERSION "unknown" /* the Makefile defines it */
#endif

/* ---- diagnostics ---- */

static void
last_reset(struct geoha_arm_client *c)
{
    c->last_status = 0;
    c->last_code[0] = '\0';
    c->last_request_id[0] = '\0';
    c->last_error[0] = '\0';
}

const char *
geoha_arm_last_error(const struct geoha_arm_client *c)
{
    return c != NULL ? c->last_error : "";
}

const char *
geoha_arm_why(const struct geoha_arm_client *c, int rc)
{
    const char *s = geoha_arm_last_error(c);

    return s[0] != '\0' ? s : geoha_strerror(rc);
}

int
geoha_arm_last_status(const struct geoha_arm_client *c)
{
    return c != NULL ? c->last_status : 0;
}

bool
geoha_arm_unreachable(const struct geoha_arm_client *c, int rc)
{
    switch (rc) {
    case -ECONNREFUSED:
    case -ECONNRESET:
    case -ECONNABORTED:
    case -ETIMEDOUT:
    case -EHOSTUNREACH:
    case -ENETUNREACH:
    case -ENETDOWN:
    case -EIO:
    case -EPIPE:
    case -EAGAIN:
    case GEOHA_E_DEADLINE:
    case GEOHA_E_THROTTLED:
        return true;
    case GEOHA_E_REMOTE: {
        int status = geoha_arm_last_status(c);

        return status == 0 || status == 408 || status == 429 || status >= 500;
    }
    default:
        return false;
    }
}

const char *
geoha_arm_last_code(const struct geoha_arm_client *c)
{
    return c != NULL ? c->last_code : "";
}

const char *
geoha_arm_last_request_id(const struct geoha_arm_client *c)
{
    return c != NULL ? c->last_request_id : "";
}

unsigned
geoha_arm_token_fetches(const struct geoha_arm_client *c)
{
    return c != NULL ? c->token_fetches : 0;
}

/* ---- the client ---- */

/* Where the CAs come from: ca_file (a file or a hashed directory), else
 * the system's hashed directory when there is one, else libcurl's own. */
static enum geoha__arm_ca
choose_ca(const char *ca_file)
{
    struct stat st;

    if (ca_file != NULL) {
        return stat(ca_file, &st) == 0 && S_ISDIR(st.st_mode)
                   ? GEOHA__ARM_CA_DIR
                   : GEOHA__ARM_CA_FILE;
    }
    if (stat(GEOHA_ARM_SYSTEM_CA_DIR, &st) == 0 && S_ISDIR(st.st_mode)) {
        return GEOHA__ARM_CA_SYSTEM_DIR;
    }
    return GEOHA__ARM_CA_LIBCURL;
}

static int
dup_opt(const char *s, char **out)
{
    *out = NULL;
    if (s == NULL || s[0] == '\0') {
        return 0;
    }
    *out = strdup(s);
    return *out == NULL ? -ENOMEM : 0;
}

/* A copy of an endpoint URL without trailing slashes. */
static int
dup_endpoint(const char *s, const char *def, char **out)
{
    size_t n;
    int rc = dup_opt(s != NULL && s[0] != '\0' ? s : def, out);

    if (rc != 0) {
        return rc;
    }
    n = strlen(*out);
    while (n > 0 && (*out)[n - 1] == '/') {
        (*out)[--n] = '\0';
    }
    return 0;
}

/*
 * The token audience: the ARM endpoint itself for real clouds (public and
 * sovereign), the public cloud's for a loopback endpoint (a test double or
 * a local forwarder stands in for management.azure.com).
 */
static int
default_resource(struct geoha_arm_client *c)
{
    CURLU *u = curl_url();
    char *host = NULL;
    bool loop = false;
    struct geoha_buf b;

    if (u == NULL) {
        return -ENOMEM;
    }
    if (curl_url_set(u, CURLUPART_URL, c->arm_endpoint, 0) == CURLUE_OK
        && curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
        loop = geoha__arm_host_loopback(host);
    }
    curl_free(host);
    curl_url_cleanup(u);
    if (loop) {
        return dup_opt(PUBLIC_RESOURCE, &c->resource);
    }
    geoha_buf_init(&b, GEOHA__ARM_URL_MAX);
    geoha_buf_printf(&b, "%s/", c->arm_endpoint);
    if (b.error != 0) {
        geoha_buf_clear(&b);
        return -ENOMEM;
    }
    c->resource = geoha_buf_steal(&b);
    return 0;
}

/*
 * The token cache directory must be ours alone: a real directory (not a
 * symbolic link), owned by the user we run as (root), mode 0700. Anything
 * else could let another user read the token or swap the directory, so it
 * is refused (-EACCES, with the reason in err). A missing one is created
 * 0700; one that cannot be created only costs a token fetch per run (*use
 * is then false).
 */
static int
cache_dir_check(const char *dir_in, bool *use, char *err, size_t errlen)
{
    struct stat st;
    const char *why = NULL;
    char dir[PATH_MAX];
    char what[96];
    size_t len;

    *use = false;
    if (geoha_strlcpy(dir, dir_in, sizeof(dir)) != 0) {
        return 0;
    }
    /* lstat("link/") would follow the link: check the name itself. */
    len = strlen(dir);
    while (len > 1 && dir[len - 1] == '/') {
        dir[--len] = '\0';
    }
    if (lstat(dir, &st) != 0) {
        if (errno != ENOENT || geoha_dir_ensure(dir, 0700) != 0
            || lstat(dir, &st) != 0) {
            return 0;
        }
        /* Just created: the mode must not depend on the umask. */
        if (S_ISDIR(st.st_mode) && chmod(dir, 0700) == 0) {
            st.st_mode = (st.st_mode & ~(mode_t)07777) | 0700;
        }
    }
    if (S_ISLNK(st.st_mode)) {
        why = "is a symbolic link";
    } else if (!S_ISDIR(st.st_mode)) {
        why = "is not a directory";
    } else if (st.st_uid != geteuid()) {
        geoha_snprintf(what, sizeof(what), "is owned by uid %u, not %u",
                       (unsigned)st.st_uid, (unsigned)geteuid());
        why = what;
    } else if ((st.st_mode & 07777) != 0700) {
        geoha_snprintf(what, sizeof(what), "has mode %04o",
                       (unsigned)(st.st_mode & 07777));
        why = what;
    }
    if (why != NULL) {
        if (err != NULL && errlen > 0) {
            geoha_snprintf(err, errlen,
                           "token cache directory '%s' %s: refusing to keep "
                           "the Azure token there (it must be a directory, "
                           "not a symbolic link, owned by the user the agent "
                           "runs as (root), mode 0700)",
                           dir, why);
        }
        return -EACCES;
    }
    *use = true;
    return 0;
}

static int
setup_cache(struct geoha_arm_client *c, const char *cfg_dir, char *err,
            size_t errlen)
{
    const char *dir = cfg_dir;
    struct geoha_buf key, path;
    bool use = false;
    int rc = 0;

    if (c->auth == GEOHA_ARM_AUTH_TOKEN_FILE) {
        return 0; /* the file is the cache */
    }
    if (dir == NULL) {
        dir = getenv(GEOHA_ARM_ENV_CACHE_DIR);
        if (dir == NULL || dir[0] == '\0') {
            dir = GEOHA_ARM_DEFAULT_CACHE_DIR;
        }
    }
    if (dir[0] == '\0') {
        return 0; /* disabled */
    }
    geoha_buf_init(&key, 4096);
    geoha_buf_init(&path, 4096);
    if (c->auth == GEOHA_ARM_AUTH_MSI) {
        geoha_buf_printf(&key, "msi|%s|%s", c->imds_endpoint,
                         c->client_id != NULL ? c->client_id : "system");
    } else {
        geoha_buf_printf(&key, "sp|%s|%s|%s", c->login_endpoint, c->tenant,
                         c->client_id);
    }
    geoha_buf_printf(&key, "|%s", c->resource);
    if (key.error != 0) {
        rc = key.error;
        goto done;
    }
    geoha_buf_printf(&path, "%s/token-%016llx.json", dir,
                     (unsigned long long)geoha__arm_hash(key.data));
    if (path.error != 0) {
        rc = path.error;
        goto done;
    }
    c->cache_key = geoha_buf_steal(&key);
    rc = cache_dir_check(dir, &use, err, errlen);
    if (rc == 0 && use) {
        c->cache_path = geoha_buf_steal(&path);
    }
done:
    geoha_buf_clear(&key);
    geoha_buf_clear(&path);
    return rc;
}

int
geoha_arm_client_new(const struct geoha_arm_config *cfg, char *err,
                     size_t errlen, struct geoha_arm_client **out)
{
    struct geoha_arm_client *c = NULL;
    const char *env;
    long long n;
    int rc;

    if (cfg == NULL || out == NULL) {
        return -EINVAL;
    }
    rc = geoha_arm_config_check(cfg, false, err, errlen);
    if (rc != 0) {
        return rc;
    }
    c = calloc(1, sizeof(*c));
    if (c == NULL) {
        return -ENOMEM;
    }
    c->auth = cfg->auth;
    if ((rc = dup_opt(cfg->tenant, &c->tenant)) != 0
        || (rc = dup_opt(cfg->client_id, &c->client_id)) != 0
        || (rc = dup_opt(cfg->secret_file, &c->secret_file)) != 0
        || (rc = dup_opt(cfg->token_file, &c->token_file)) != 0
        || (rc = dup_opt(cfg->ca_file, &c->ca_file)) != 0
        || (rc = dup_endpoint(cfg->arm_endpoint, GEOHA_ARM_DEFAULT_ARM_ENDPOINT,
                              &c->arm_endpoint))
               != 0
        || (rc = dup_endpoint(cfg->login_endpoint,
                              GEOHA_ARM_DEFAULT_LOGIN_ENDPOINT,
                              &c->login_endpoint))
               != 0
        || (rc = dup_endpoint(cfg->imds_endpoint,
                              GEOHA_ARM_DEFAULT_IMDS_ENDPOINT,
                              &c->imds_endpoint))
               != 0
        || (rc = dup_opt(cfg->user_agent != NULL ? cfg->user_agent
                                                 : "geoha/" GEOHA_VERSION,
                         &c->user_agent))
               != 0) {
        goto done;
    }
    if (cfg->resource != NULL && cfg->resource[0] != '\0') {
        rc = dup_opt(cfg->resource, &c->resource);
    } else {
        rc = default_resource(c);
    }
    if (rc != 0) {
        goto done;
    }
    rc = geoha__arm_origin(c->arm_endpoint, c->arm_origin,
                           sizeof(c->arm_origin));
    if (rc != 0) {
        if (err != NULL) {
            geoha_snprintf(err, errlen, "%s '%s' is not a usable URL",
                           GEOHA_ARM_P_ARM_ENDPOINT, c->arm_endpoint);
        }
        goto done;
    }
    c->ca = choose_ca(c->ca_file);
    c->poll_ms = cfg->poll_ms;
    env = getenv(GEOHA_ARM_ENV_POLL_MS);
    if (c->poll_ms <= 0 && env != NULL
        && geoha_parse_ll(env, 1, 600000, &n) == 0) {
        c->poll_ms = n;
    }
    if (c->poll_ms <= 0) {
        c->poll_ms = GEOHA_ARM_DEFAULT_POLL_MS;
    }
    c->request_timeout_ms = cfg->request_timeout_ms > 0
                                ? cfg->request_timeout_ms
                                : GEOHA_ARM_DEFAULT_REQUEST_TIMEOUT_MS;
    c->max_attempts = cfg->max_attempts > 0 ? cfg->max_attempts
                                            : GEOHA_ARM_DEFAULT_MAX_ATTEMPTS;
    c->debug_fn = cfg->debug_fn;
    c->debug_arg = cfg->debug_arg;
    c->token_get = geoha__arm_token_get;
    c->seed = (uint64_t)geoha_now_ms() ^ ((uint64_t)getpid() << 20)
              ^ (uint64_t)(uintptr_t)c;
    rc = setup_cache(c, cfg->cache_dir, err, errlen);
    if (rc != 0) {
        goto done;
    }
    *out = c;
    c = NULL;
done:
    if (rc == -ENOMEM && err != NULL) {
        geoha_snprintf(err, errlen, "out of memory");
    }
    geoha_arm_client_free(c);
    return rc;
}

void
geoha_arm_client_free(struct geoha_arm_client *c)
{
    if (c == NULL) {
        return;
    }
    if (c->curl != NULL) {
        curl_easy_cleanup(c->curl);
    }
    geoha__arm_token_clear(&c->token);
    free(c->tenant);
    free(c->client_id);
    free(c->secret_file);
    free(c->token_file);
    free(c->arm_endpoint);
    free(c->login_endpoint);
    free(c->imds_endpoint);
    free(c->ca_file);
    free(c->resource);
    free(c->cache_dir);
    free(c->user_agent);
    free(c->cache_key);
    free(c->cache_path);
    free(c);
}

/* ---- ARM requests ---- */

static const char *
method_name(enum geoha_arm_method m)
{
    switch (m) {
    case GEOHA_ARM_GET:
        return "GET";
    case GEOHA_ARM_PUT:
        return "PUT";
    case GEOHA_ARM_PATCH:
        return "PATCH";
    case GEOHA_ARM_POST:
        return "POST";
    case GEOHA_ARM_DELETE:
        return "DELETE";
    }
    return "GET";
}

/* base + path + ?|& api-version=api into b. */
static int
build_url(struct geoha_arm_client *c, const char *base, const char *path,
          const char *api, struct geoha_buf *b)
{
    if (!geoha__arm_path_ok(path)) {
        return geoha__arm_fail(c, -EINVAL,
                               "refusing the request path '%s': it must "
                               "start with '/' and have no blanks, '#', "
                               "'..' or control characters",
                               path != NULL ? path : "(null)");
    }
    if (!geoha__arm_api_ok(api)) {
        return geoha__arm_fail(c, -EINVAL, "refusing api-version '%s'",
                               api != NULL ? api : "(null)");
    }
    geoha_buf_init(b, GEOHA__ARM_URL_MAX);
    geoha_buf_printf(b, "%s%s%capi-version=%s", base, path,
                     strchr(path, '?') != NULL ? '&' : '?', api);
    if (b->error != 0) {
        geoha_buf_clear(b);
        return geoha__arm_fail(c, -ENAMETOOLONG,
                               "the request URL is too "
                               "long");
    }
    return 0;
}

/* GET an absolute URL on the ARM host (operation URLs, nextLink). */
static int
get_url(struct geoha_arm_client *c, const char *url,
        const struct geoha_deadline *d, struct geoha__arm_resp *r)
{
    struct geoha__arm_req rq = { 0 };

    rq.method = "GET";
    rq.url = url;
    rq.bearer = true;
    return geoha__arm_http(c, &rq, d, r);
}

/* GET a Location URL: its error answers are the operation's result. */
static int
get_location(struct geoha_arm_client *c, const char *url,
             const struct geoha_deadline *d, struct geoha__arm_resp *r)
{
    struct geoha__arm_req rq = { 0 };

    rq.method = "GET";
    rq.url = url;
    rq.bearer = true;
    rq.final_5xx = true;
    return geoha__arm_http(c, &rq, d, r);
}

/* Parse a 2xx body (empty -> NULL). */
static int
body_json(struct geoha_arm_client *c, const char *what,
          const struct geoha__arm_resp *r, json_t **out)
{
    int rc;

    *out = NULL;
    if (r->body.len == 0) {
        return 0;
    }
    rc = geoha__arm_json_parse(r->body.data, r->body.len,
                               GEOHA_ARM_MAX_RESPONSE, out);
    if (rc != 0) {
        return geoha__arm_fail(c, rc,
                               "%s: HTTP %ld with a body that is not JSON "
                               "(request id %s)",
                               what, r->status, c->last_request_id);
    }
    return 0;
}

int
geoha_arm_get(struct geoha_arm_client *c, const char *path,
              const char *api_version, const struct geoha_deadline *d,
              json_t **out)
{
    struct geoha__arm_resp r;
    struct geoha_buf url;
    char what[GEOHA_ARM_PATH_MAX + 16];
    json_t *j = NULL;
    int rc;

    if (c == NULL || d == NULL || out == NULL) {
        return -EINVAL;
    }
    last_reset(c);
    geoha__arm_resp_init(&r);
    rc = build_url(c, c->arm_endpoint, path, api_version, &url);
    if (rc != 0) {
        goto done_nourl;
    }
    geoha_snprintf(what, sizeof(what), "GET %s", path);
    rc = get_url(c, url.data, d, &r);
    if (rc != 0) {
        goto done;
    }
    if (r.status < 200 || r.status > 299) {
        rc = geoha__arm_fail_resp(c, what, &r);
        goto done;
    }
    rc = body_json(c, what, &r, &j);
    if (rc == 0 && j == NULL) {
        rc = geoha__arm_fail(c, GEOHA_E_PROTOCOL,
                             "%s: HTTP %ld without a "
                             "body",
                             what, r.status);
    }
    if (rc == 0) {
        *out = j;
        last_reset(c);
        c->last_status = (int)r.status;
    }
done:
    geoha_buf_clear(&url);
done_nourl:
    geoha__arm_resp_clear(&r);
    return rc;
}

int
geoha_arm_list(struct geoha_arm_client *c, const char *path,
               const char *api_version, unsigned max_pages,
               const struct geoha_deadline *d, json_t **out)
{
    struct geoha__arm_resp r;
    struct geoha_buf url;
    char what[GEOHA_ARM_PATH_MAX + 16];
    json_t *all = NULL, *page = NULL;
    char *next = NULL;
    unsigned pages = 0;
    int rc;

    if (c == NULL || d == NULL || out == NULL) {
        return -EINVAL;
    }
    if (max_pages == 0) {
        max_pages = GEOHA_ARM_DEFAULT_MAX_PAGES;
    }
    last_reset(c);
    geoha__arm_resp_init(&r);
    rc = build_url(c, c->arm_endpoint, path, api_version, &url);
    if (rc != 0) {
        geoha__arm_resp_clear(&r);
        return rc;
    }
    geoha_snprintf(what, sizeof(what), "GET %s", path);
    all = json_array();
    if (all == NULL) {
        rc = -ENOMEM;
        goto done;
    }
    next = geoha_buf_steal(&url);
    while (next != NULL) {
        const json_t *value, *nl;

        if (++pages > max_pages) {
            rc = geoha__arm_fail(c, GEOHA_E_TOOBIG, "%s: more than %u pages",
                                 what, max_pages);
            goto done;
        }
        rc = get_url(c, next, d, &r);
        if (rc != 0) {
            goto done;
        }
        if (r.status < 200 || r.status > 299) {
            rc = geoha__arm_fail_resp(c, what, &r);
            goto done;
        }
        json_decref(page);
        page = NULL;
        rc = body_json(c, what, &r, &page);
        if (rc != 0) {
            goto done;
        }
        value = json_object_get(page, "value");
        if (!json_is_array(value)) {
            rc = geoha__arm_fail(c, GEOHA_E_PROTOCOL,
                                 "%s: page %u has no \"value\" list", what,
                                 pages);
            goto done;
        }
        if (json_array_extend(all, (json_t *)value) != 0) {
            rc = -ENOMEM;
            goto done;
        }
        free(next);
        next = NULL;
        nl = json_object_get(page, "nextLink");
        if (json_is_string(nl) && json_string_length(nl) > 0) {
            next = strdup(json_string_value(nl));
            if (next == NULL) {
                rc = -ENOMEM;
                goto done;
            }
        } else if (nl != NULL && !json_is_null(nl) && !json_is_string(nl)) {
            rc = geoha__arm_fail(c, GEOHA_E_PROTOCOL,
                                 "%s: nextLink is not a string", what);
            goto done;
        }
    }
    *out = all;
    all = NULL;
    last_reset(c);
    c->last_status = (int)r.status;
done:
    free(next);
    json_decref(page);
    json_decref(all);
    geoha_buf_clear(&url);
    geoha__arm_resp_clear(&r);
    return rc;
}

/* ---- operations ---- */

void
geoha_arm_op_init(struct geoha_arm_op *op)
{
    memset(op, 0, sizeof(*op));
    op->retry_after_s = -1;
}

void
geoha_arm_op_clear(struct geoha_arm_op *op)
{
    if (op == NULL) {
        return;
    }
    json_decref(op->body);
    free(op->async_url);
    free(op->location_url);
    free(op->path);
    free(op->api_version);
    geoha_arm_op_init(op);
}

static bool
state_terminal(const char *s)
{
    return s == NULL || geoha_streq_ci(s, "Succeeded")
           || geoha_streq_ci(s, "Failed") || geoha_streq_ci(s, "Canceled")
           || geoha_streq_ci(s, "Cancelled");
}

int
geoha_arm_send(struct geoha_arm_client *c, enum geoha_arm_method method,
               const char *path, const char *api_version, const json_t *body,
               const struct geoha_deadline *d, struct geoha_arm_op *op)
{
    struct geoha__arm_req rq = { 0 };
    struct geoha__arm_resp r;
    struct geoha_arm_op o;
    struct geoha_buf url;
    char what[GEOHA_ARM_PATH_MAX + 16];
    char *text = NULL;
    int rc;

    if (c == NULL || d == NULL || op == NULL) {
        return -EINVAL;
    }
    last_reset(c);
    geoha_arm_op_init(&o);
    geoha__arm_resp_init(&r);
    rc = build_url(c, c->arm_endpoint, path, api_version, &url);
    if (rc != 0) {
        geoha__arm_resp_clear(&r);
        return rc;
    }
    geoha_snprintf(what, sizeof(what), "%s %s", method_name(method), path);
    if (body != NULL) {
        text = json_dumps(body, JSON_COMPACT);
        if (text == NULL) {
            rc = geoha__arm_fail(c, -EINVAL,
                                 "%s: the body cannot be "
                                 "encoded",
                                 what);
            goto done;
        }
    }
    rq.method = method_name(method);
    rq.url = url.data;
    rq.body = text;
    rq.body_len = text != NULL ? strlen(text) : 0;
    rq.content_type = "application/json";
    rq.bearer = true;
    rc = geoha__arm_http(c, &rq, d, &r);
    if (rc != 0) {
        goto done;
    }
    if (r.status < 200 || r.status > 299) {
        rc = geoha__arm_fail_resp(c, what, &r);
        goto done;
    }
    rc = body_json(c, what, &r, &o.body);
    if (rc != 0) {
        goto done;
    }
    o.method = method;
    o.status = (int)r.status;
    o.retry_after_s = r.retry_after_s;
    o.path = strdup(path);
    o.api_version = strdup(api_version);
    if (o.path == NULL || o.api_version == NULL) {
        rc = -ENOMEM;
        goto done;
    }
    o.async_url = r.async_url;
    o.location_url = r.location;
    r.async_url = r.location = NULL;
    if (o.async_url == NULL && o.location_url == NULL) {
        const char *ps =
            geoha_arm_json_str(o.body, "properties.provisioningState");

        if (r.status == 202) {
            /* Accepted without a way to follow it: PUT/PATCH/DELETE can
             * be followed on the resource; a POST action cannot. */
            o.done = method == GEOHA_ARM_POST;
        } else {
            o.done = !(method == GEOHA_ARM_PUT || method == GEOHA_ARM_PATCH)
                     || state_terminal(ps);
        }
    }
    *op = o;
    geoha_arm_op_init(&o);
    last_reset(c);
    c->last_status = (int)r.status;
done:
    geoha_arm_op_clear(&o);
    free(text);
    geoha_buf_clear(&url);
    geoha__arm_resp_clear(&r);
    return rc;
}

/* Wait before the next poll, or fail when it would cross the deadline. */
static int
poll_wait(struct geoha_arm_client *c, const char *what, const char *state,
          int retry_after_s, int64_t started, const struct geoha_deadline *d)
{
    int64_t wait =
        retry_after_s > 0 ? (int64_t)retry_after_s * 1000 : c->poll_ms;
    int64_t left = geoha_deadline_left_ms(d);

    if (wait + GEOHA__ARM_MIN_TRY_MS > left) {
        return geoha__arm_fail(c, GEOHA_E_DEADLINE,
                               "%s: still %s after %lld ms; the next poll "
                               "(in %lld ms) would pass the operation "
                               "deadline (%lld ms left)",
                               what, state,
                               (long long)(geoha_now_ms() - started),
                               (long long)wait, (long long)left);
    }
    geoha_sleep_ms(d, wait);
    return 0;
}

/* The error of a failed operation (status body or resource) as the line. */
static int
op_failed(struct geoha_arm_client *c, const char *what, const char *status,
          const json_t *j)
{
    const char *code = geoha_arm_json_str(j, "error.code");
    const char *msg = geoha_arm_json_str(j, "error.message");
    char m[512] = "";

    if (code == NULL) {
        code = geoha_arm_json_str(j, "properties.error.code");
        msg = geoha_arm_json_str(j, "properties.error.message");
    }
    geoha_strlcpy(c->last_code, code != NULL ? code : "", sizeof(c->last_code));
    if (msg != NULL) {
        geoha_strlcpy(m, msg, sizeof(m));
        for (char *p = m; *p != '\0'; p++) {
            if ((unsigned char)*p < ' ') {
                *p = ' ';
            }
        }
    }
    return geoha__arm_fail(c, GEOHA_E_REMOTE,
                           "%s: the operation ended %s%s%s%s%s (request id "
                           "%s)",
                           what, status, code != NULL ? ": " : "",
                           code != NULL ? code : "", m[0] != '\0' ? ": " : "",
                           m, c->last_request_id);
}

/* Final resource after an operation succeeded. */
static int
op_result(struct geoha_arm_client *c, struct geoha_arm_op *op, const char *what,
          const struct geoha_deadline *d, json_t **out)
{
    struct geoha__arm_resp r;
    json_t *j = NULL;
    int rc = 0;

    if (out == NULL) {
        return 0;
    }
    geoha__arm_resp_init(&r);
    if (op->method == GEOHA_ARM_PUT || op->method == GEOHA_ARM_PATCH) {
        rc = geoha_arm_get(c, op->path, op->api_version, d, &j);
    } else if (op->location_url != NULL) {
        rc = get_url(c, op->location_url, d, &r);
        if (rc == 0 && (r.status == 200 || r.status == 201)) {
            rc = body_json(c, what, &r, &j);
        } else if (rc == 0 && r.status != 202 && r.status != 204) {
            rc = geoha__arm_fail_resp(c, what, &r);
        }
    }
    geoha__arm_resp_clear(&r);
    if (rc == 0) {
        *out = j;
    }
    return rc;
}

static int
wait_async(struct geoha_arm_client *c, struct geoha_arm_op *op,
           const char *what, const struct geoha_deadline *d, int64_t started)
{
    struct geoha__arm_resp r;
    int retry_after = op->retry_after_s;
    char state[64] = "InProgress";
    int rc;

    geoha__arm_resp_init(&r);
    for (;;) {
        json_t *j = NULL;
        const char *st;

        rc = poll_wait(c, what, state, retry_after, started, d);
        if (rc != 0) {
            break;
        }
        rc = get_url(c, op->async_url, d, &r);
        if (rc != 0) {
            char prev[GEOHA__ARM_ERR_MAX];

            geoha_strlcpy(prev, c->last_error, sizeof(prev));
            geoha__arm_fail(c, rc, "%s: reading the operation status: %s", what,
                            prev);
            break;
        }
        if (r.status != 200) {
            /* Reading the status failed; the operation may be fine. */
            char prev[GEOHA__ARM_ERR_MAX];

            rc = geoha__arm_fail_resp(c, "reading the operation status", &r);
            geoha_strlcpy(prev, c->last_error, sizeof(prev));
            geoha__arm_fail(c, 0, "%s: %s", what, prev);
            rc = rc == GEOHA_E_AUTH ? rc : GEOHA_E_PROTOCOL;
            break;
        }
        rc = body_json(c, what, &r, &j);
        if (rc != 0) {
            break;
        }
        st = geoha_arm_json_str(j, "status");
        if (geoha_streq_ci(st, "Succeeded")) {
            json_decref(j);
            rc = 0;
            break;
        }
        if (geoha_streq_ci(st, "Failed") || geoha_streq_ci(st, "Canceled")
            || geoha_streq_ci(st, "Cancelled")) {
            rc = op_failed(c, what, st, j);
            json_decref(j);
            break;
        }
        geoha_strlcpy(state, st != NULL ? st : "running", sizeof(state));
        json_decref(j);
        retry_after = r.retry_after_s;
    }
    geoha__arm_resp_clear(&r);
    return rc;
}

static int
wait_location(struct geoha_arm_client *c, struct geoha_arm_op *op,
              const char *what, const struct geoha_deadline *d, int64_t started,
              json_t **out)
{
    struct geoha__arm_resp r;
    int retry_after = op->retry_after_s;
    int rc;

    geoha__arm_resp_init(&r);
    for (;;) {
        rc = poll_wait(c, what, "running", retry_after, started, d);
        if (rc != 0) {
            break;
        }
        rc = get_location(c, op->location_url, d, &r);
        if (rc != 0) {
            break;
        }
        if (r.status == 202) {
            retry_after = r.retry_after_s;
            continue;
        }
        if (r.status >= 200 && r.status <= 299) {
            json_t *j = NULL;

            rc = body_json(c, what, &r, &j);
            if (rc == 0 && out != NULL) {
                if (j == NULL
                    && (op->method == GEOHA_ARM_PUT
                        || op->method == GEOHA_ARM_PATCH)) {
                    rc = geoha_arm_get(c, op->path, op->api_version, d, &j);
                }
                if (rc == 0) {
                    *out = j;
                    j = NULL;
                }
            }
            json_decref(j);
            break;
        }
        /* Location answers the operation's own failure. */
        rc = geoha__arm_fail_resp(c, what, &r);
        if (rc != GEOHA_E_AUTH) {
            char prev[GEOHA__ARM_ERR_MAX];

            geoha_strlcpy(prev, c->last_error, sizeof(prev));
            geoha__arm_fail(c, 0, "the operation failed: %s", prev);
            rc = GEOHA_E_REMOTE;
        }
        break;
    }
    geoha__arm_resp_clear(&r);
    return rc;
}

static int
wait_resource(struct geoha_arm_client *c, struct geoha_arm_op *op,
              const char *what, const struct geoha_deadline *d, int64_t started,
              json_t **out)
{
    char state[64] = "running";
    int rc;

    for (;;) {
        json_t *j = NULL;
        const char *ps;

        rc = poll_wait(c, what, state, op->retry_after_s, started, d);
        if (rc != 0) {
            return rc;
        }
        rc = geoha_arm_get(c, op->path, op->api_version, d, &j);
        if (rc == GEOHA_E_NOT_FOUND && op->method == GEOHA_ARM_DELETE) {
            last_reset(c);
            return 0;
        }
        if (rc != 0) {
            return rc;
        }
        if (op->method == GEOHA_ARM_DELETE) {
            json_decref(j);
            continue;
        }
        ps = geoha_arm_json_str(j, "properties.provisioningState");
        if (ps == NULL || geoha_streq_ci(ps, "Succeeded")) {
            if (out != NULL) {
                *out = j;
            } else {
                json_decref(j);
            }
            return 0;
        }
        if (state_terminal(ps)) {
            rc = op_failed(c, what, ps, j);
            json_decref(j);
            return rc;
        }
        geoha_strlcpy(state, ps, sizeof(state));
        json_decref(j);
    }
}

int
geoha_arm_lro_wait(struct geoha_arm_client *c, struct geoha_arm_op *op,
                   const struct geoha_deadline *d, json_t **out)
{
    char what[GEOHA_ARM_PATH_MAX + 16];
    int64_t started = geoha_now_ms();
    json_t *j = NULL;
    int rc;

    if (c == NULL || op == NULL || d == NULL || op->path == NULL) {
        return -EINVAL;
    }
    last_reset(c);
    geoha_snprintf(what, sizeof(what), "%s %s", method_name(op->method),
                   op->path);
    if (op->done) {
        if (out != NULL) {
            *out = op->body != NULL ? json_incref(op->body) : NULL;
        }
        return 0;
    }
    if (op->async_url != NULL) {
        rc = wait_async(c, op, what, d, started);
        if (rc == 0) {
            rc = op_result(c, op, what, d, out != NULL ? &j : NULL);
        }
    } else if (op->location_url != NULL) {
        rc = wait_location(c, op, what, d, started, out != NULL ? &j : NULL);
    } else {
        rc = wait_resource(c, op, what, d, started, out != NULL ? &j : NULL);
    }
    if (rc == 0) {
        op->done = true;
        geoha__arm_debug(c, "%s: done in %lld ms", what,
                         (long long)(geoha_now_ms() - started));
        last_reset(c);
        if (out != NULL) {
            *out = j;
        }
    }
    return rc;
}

int
geoha_arm_call(struct geoha_arm_client *c, enum geoha_arm_method method,
               const char *path, const char *api_version, const json_t *body,
               const struct geoha_deadline *d, json_t **out)
{
    struct geoha_arm_op op;
    int rc;

    geoha_arm_op_init(&op);
    rc = geoha_arm_send(c, method, path, api_version, body, d, &op);
    if (rc == 0) {
        rc = geoha_arm_lro_wait(c, &op, d, out);
    }
    geoha_arm_op_clear(&op);
    return rc;
}

/* ---- misc ---- */

int
geoha_arm_auth_check(struct geoha_arm_client *c, const struct geoha_deadline *d)
{
    if (c == NULL || d == NULL) {
        return -EINVAL;
    }
    last_reset(c);
    return geoha__arm_token_get(c, d, false);
}

/*
 * One IMDS request: GET (body NULL) or POST of a JSON body. A 200 answer
 * with a JSON body fills *out (when out is not NULL); without out the
 * answer's body (IMDS answers a POST with an empty one) is not read.
 */
static int
imds_request(struct geoha_arm_client *c, const char *method, const char *path,
             const char *api_version, const json_t *body,
             const struct geoha_deadline *d, json_t **out)
{
    struct geoha__arm_req rq = { 0 };
    struct geoha__arm_resp r;
    struct geoha_buf url;
    char what[GEOHA_ARM_PATH_MAX + 16];
    char *text = NULL;
    json_t *j = NULL;
    int rc;

    last_reset(c);
    geoha__arm_resp_init(&r);
    rc = build_url(c, c->imds_endpoint, path, api_version, &url);
    if (rc != 0) {
        geoha__arm_resp_clear(&r);
        return rc;
    }
    geoha_snprintf(what, sizeof(what), "IMDS %s %s", method, path);
    if (body != NULL) {
        text = json_dumps(body, JSON_COMPACT);
        if (text == NULL) {
            geoha_buf_clear(&url);
            geoha__arm_resp_clear(&r);
            return -ENOMEM;
        }
        rq.body = text;
        rq.body_len = strlen(text);
        rq.content_type = "application/json";
    }
    rq.method = method;
    rq.url = url.data;
    rq.metadata = true;
    rq.imds_retry = true;
    rc = geoha__arm_http(c, &rq, d, &r);
    if (rc == 0 && r.status != 200) {
        rc = geoha__arm_fail_resp(c, what, &r);
    }
    if (rc == 0 && out != NULL) {
        rc = body_json(c, what, &r, &j);
    }
    if (rc == 0 && out != NULL && j == NULL) {
        rc = geoha__arm_fail(c, GEOHA_E_PROTOCOL, "%s: empty answer", what);
    }
    if (rc == 0) {
        if (out != NULL) {
            *out = j;
            j = NULL;
        }
        last_reset(c);
        c->last_status = 200;
    }
    json_decref(j);
    free(text);
    geoha_buf_clear(&url);
    geoha__arm_resp_clear(&r);
    return rc;
}

int
geoha_arm_imds_get(struct geoha_arm_client *c, const char *path,
                   const char *api_version, const struct geoha_deadline *d,
                   json_t **out)
{
    if (c == NULL || d == NULL || out == NULL) {
        return -EINVAL;
    }
    return imds_request(c, "GET", path, api_version, NULL, d, out);
}

int
geoha_arm_imds_post(struct geoha_arm_client *c, const char *path,
                    const char *api_version, const json_t *body,
                    const struct geoha_deadline *d)
{
    if (c == NULL || d == NULL || body == NULL) {
        return -EINVAL;
    }
    return imds_request(c, "POST", path, api_version, body, d, NULL);
}
