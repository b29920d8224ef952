/*
 * geoha ARM client: the transport. One HTTP exchange with libcurl, and
 * retries inside the deadline. It does not know where tokens come from: a
 * request that carries the ARM token asks the client's token provider
 * (c->token_get) for a usable one, and for a new one after a 401 that
 * rejected it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arm_int.h"

static bool curl_ready;

/* ---- diagnostics ---- */

void
geoha__arm_debug(struct geoha_arm_client *c, const char *fmt, ...)
{
    char line[1024];
    va_list ap;

    if (c == NULL || c->debug_fn == NULL) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    c->debug_fn(c->debug_arg, line);
}

int
geoha__arm_fail(struct geoha_arm_client *c, int rc, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(c->last_error, sizeof(c->last_error), fmt, ap);
    va_end(ap);
    if (c->token.access_token != NULL) {
        geoha__arm_redact(c->last_error, c->token.access_token);
    }
    geoha__arm_debug(c, "error: %s", c->last_error);
    return rc;
}

/* ---- one HTTP exchange ---- */

void
geoha__arm_resp_init(struct geoha__arm_resp *r)
{
    memset(r, 0, sizeof(*r));
    geoha_buf_init(&r->body, GEOHA_ARM_MAX_RESPONSE);
    r->retry_after_s = -1;
}

void
geoha__arm_resp_clear(struct geoha__arm_resp *r)
{
    if (r == NULL) {
        return;
    }
    geoha_buf_clear(&r->body);
    free(r->location);
    free(r->async_url);
    r->location = r->async_url = NULL;
}

static void
resp_reset(struct geoha__arm_resp *r)
{
    geoha__arm_resp_clear(r);
    geoha__arm_resp_init(r);
}

static size_t
on_body(char *ptr, size_t size, size_t nmemb, void *arg)
{
    struct geoha__arm_resp *r = arg;
    size_t n = size * nmemb;

    if (geoha_buf_append(&r->body, ptr, n) != 0) {
        r->too_big = true;
        return 0; /* makes curl stop with CURLE_WRITE_ERROR */
    }
    return n;
}

/* Whether the header line starts with name: (any case); *val gets the
 * trimmed value in buf. */
static bool
header_is(const char *line, size_t len, const char *name, char *buf,
          size_t bufsize)
{
    size_t n = strlen(name);
    size_t vlen;
    const char *v;

    if (len <= n || line[n] != ':' || strncasecmp(line, name, n) != 0) {
        return false;
    }
    v = line + n + 1;
    vlen = len - n - 1;
    if (vlen >= bufsize) {
        vlen = bufsize - 1; /* cut; a cut URL is then refused later */
    }
    memcpy(buf, v, vlen);
    buf[vlen] = '\0';
    geoha_strtrim(buf);
    return true;
}

static size_t
on_header(char *ptr, size_t size, size_t nmemb, void *arg)
{
    struct geoha__arm_resp *r = arg;
    size_t n = size * nmemb;
    char val[GEOHA__ARM_URL_MAX];

    if (n >= 5 && strncmp(ptr, "HTTP/", 5) == 0) {
        /* A new response (after 100 Continue): forget earlier headers. */
        free(r->location);
        free(r->async_url);
        r->location = r->async_url = NULL;
        r->retry_after_s = -1;
        r->request_id[0] = '\0';
        return n;
    }
    if (header_is(ptr, n, "Location", val, sizeof(val))) {
        free(r->location);
        r->location = val[0] != '\0' ? strdup(val) : NULL;
    } else if (header_is(ptr, n, "Azure-AsyncOperation", val, sizeof(val))) {
        free(r->async_url);
        r->async_url = val[0] != '\0' ? strdup(val) : NULL;
    } else if (header_is(ptr, n, "Retry-After", val, sizeof(val))) {
        r->retry_after_s = geoha__arm_retry_after_parse(val);
    } else if (header_is(ptr, n, "x-ms-request-id", val, sizeof(val))) {
        geoha_strlcpy(r->request_id, val, sizeof(r->request_id));
        if (r->request_id[0] == '\0') {
            /* too long or empty: keep nothing rather than half */
        }
    }
    return n;
}

static bool
is_noproxy(const char *url, bool metadata)
{
    CURLU *u;
    char *host = NULL;
    bool loop = false;

    if (metadata) {
        return true;
    }
    u = curl_url();
    if (u == NULL) {
        return false;
    }
    if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK
        && curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
        loop = geoha__arm_host_loopback(host);
    }
    curl_free(host);
    curl_url_cleanup(u);
    return loop;
}

static int
curl_to_rc(CURLcode cc, bool *retry)
{
    *retry = false;
    switch (cc) {
    case CURLE_COULDNT_CONNECT:
        *retry = true;
        return -ECONNREFUSED;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        *retry = true;
        return -EHOSTUNREACH;
    case CURLE_OPERATION_TIMEDOUT:
        *retry = true;
        return -ETIMEDOUT;
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        *retry = true;
        return -EIO;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
        return GEOHA_E_INSECURE;
    case CURLE_FILESIZE_EXCEEDED:
        return GEOHA_E_TOOBIG;
    case CURLE_OUT_OF_MEMORY:
        return -ENOMEM;
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
        return GEOHA_E_CONFIG;
    default:
        return -EIO;
    }
}

static void
set_ca(struct geoha_arm_client *c)
{
    switch (c->ca) {
    case GEOHA__ARM_CA_SYSTEM_DIR:
        curl_easy_setopt(c->curl, CURLOPT_CAINFO, NULL);
        curl_easy_setopt(c->curl, CURLOPT_CAPATH, GEOHA_ARM_SYSTEM_CA_DIR);
        break;
    case GEOHA__ARM_CA_DIR:
        curl_easy_setopt(c->curl, CURLOPT_CAINFO, NULL);
        curl_easy_setopt(c->curl, CURLOPT_CAPATH, c->ca_file);
        break;
    case GEOHA__ARM_CA_FILE:
        curl_easy_setopt(c->curl, CURLOPT_CAINFO, c->ca_file);
        curl_easy_setopt(c->curl, CURLOPT_CAPATH, NULL);
        break;
    case GEOHA__ARM_CA_LIBCURL:
        break; /* curl_easy_reset() left libcurl's defaults */
    }
}

/*
 * The system directory could not verify the peer: it may lack the hash
 * links (they come from update-ca-certificates) or a CA added to the
 * bundle only. Before calling the peer untrusted, ask libcurl's own CA
 * settings, the same system store as a bundle; from then on this client
 * uses them. True when there is something to try again with.
 */
static bool
ca_fall_back(struct geoha_arm_client *c, CURLcode cc)
{
    const curl_version_info_data *v;

    if (c->ca != GEOHA__ARM_CA_SYSTEM_DIR
        || (cc != CURLE_PEER_FAILED_VERIFICATION
            && cc != CURLE_SSL_CACERT_BADFILE)) {
        return false;
    }
    c->ca = GEOHA__ARM_CA_LIBCURL;
    v = curl_version_info(CURLVERSION_NOW);
    /* cainfo and capath are there from CURLVERSION_SEVENTH (7.70) on */
    if (v == NULL || v->age < CURLVERSION_SEVENTH
        || (v->cainfo == NULL && v->capath == NULL)) {
        return false;
    }
    geoha__arm_debug(c,
                     "%s did not verify the peer; trying libcurl's CAs "
                     "(%s)",
                     GEOHA_ARM_SYSTEM_CA_DIR,
                     v->cainfo != NULL ? v->cainfo : v->capath);
    curl_easy_setopt(c->curl, CURLOPT_CAINFO, v->cainfo);
    curl_easy_setopt(c->curl, CURLOPT_CAPATH, v->capath);
    return true;
}

/* The URL as shown in messages: without the query (it is not secret, but
 * long and not useful to an operator). */
static void
url_for_msg(const char *url, char *dst, size_t size)
{
    const char *q = strchr(url, '?');
    size_t n = q != NULL ? (size_t)(q - url) : strlen(url);

    if (n >= size) {
        n = size - 1;
    }
    memcpy(dst, url, n);
    dst[n] = '\0';
}

/*
 * Exactly one exchange. 0 when an HTTP answer arrived (any status);
 * otherwise an error code, *retry saying whether trying again may help.
 */
static int
http_once(struct geoha_arm_client *c, const struct geoha__arm_req *rq,
          const struct geoha_deadline *d, struct geoha__arm_resp *r,
          bool *retry)
{
    struct curl_slist *hdrs = NULL;
    char errbuf[CURL_ERROR_SIZE] = "";
    char hbuf[GEOHA__ARM_TOKEN_MAX + 64];
    char rid[37], shown[512];
    int64_t left = geoha_deadline_left_ms(d);
    int64_t timeout, t0;
    CURLcode cc;
    long status = 0;
    int rc = 0;

    *retry = false;
    resp_reset(r);
    url_for_msg(rq->url, shown, sizeof(shown));
    if (left <= 0) {
        return geoha__arm_fail(c, GEOHA_E_DEADLINE,
                               "%s %s: the operation deadline was reached "
                               "before the request could be sent",
                               rq->method, shown);
    }
    if (c->curl == NULL) {
        if (!curl_ready) {
            if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
                return geoha__arm_fail(c, -ENOMEM, "libcurl did not start");
            }
            curl_ready = true;
        }
        c->curl = curl_easy_init();
        if (c->curl == NULL) {
            return geoha__arm_fail(c, -ENOMEM, "libcurl did not start");
        }
    } else {
        /* Keeps the connection cache, so TLS sessions are reused. */
        curl_easy_reset(c->curl);
    }
    timeout = left < c->request_timeout_ms ? left : c->request_timeout_ms;
    geoha__arm_uuid(rid);
    geoha_strlcpy(c->last_request_id, rid, sizeof(c->last_request_id));

#define HDR(...)                                                               \
    do {                                                                       \
        struct curl_slist *h_;                                                 \
        geoha_snprintf(hbuf, sizeof(hbuf), __VA_ARGS__);                       \
        h_ = curl_slist_append(hdrs, hbuf);                                    \
        if (h_ == NULL) {                                                      \
            rc = -ENOMEM;                                                      \
            goto done;                                                         \
        }                                                                      \
        hdrs = h_;                                                             \
    } while (0)

    HDR("x-ms-client-request-id: %s", rid);
    HDR("Accept: application/json");
    HDR("Expect:");
    if (rq->body != NULL) {
        HDR("Content-Type: %s",
            rq->content_type != NULL ? rq->content_type : "application/json");
    }
    if (rq->metadata) {
        HDR("Metadata: true");
    }
    if (rq->bearer) {
        char origin[512];

        /* The token goes to the configured ARM host and nowhere else,
         * whatever a Location or nextLink says. */
        if (geoha__arm_origin(rq->url, origin, sizeof(origin)) != 0
            || strcmp(origin, c->arm_origin) != 0) {
            rc = geoha__arm_fail(c, GEOHA_E_PROTOCOL,
                                 "%s %s: refusing to send the ARM token to "
                                 "a host other than %s",
                                 rq->method, shown, c->arm_endpoint);
            goto done;
        }
        HDR("Authorization: Bearer %s", c->token.access_token);
        explicit_bzero(hbuf, sizeof(hbuf));
    }
#undef HDR

    curl_easy_setopt(c->curl, CURLOPT_URL, rq->url);
    curl_easy_setopt(c->curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c->curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c->curl, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c->curl, CURLOPT_SSL_VERIFYHOST, 2L);
    set_ca(c);
    curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS, (long)timeout);
    curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT_MS,
                     (long)(timeout < GEOHA_ARM_DEFAULT_CONNECT_TIMEOUT_MS
                                ? timeout
                                : GEOHA_ARM_DEFAULT_CONNECT_TIMEOUT_MS));
    curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(c->curl, CURLOPT_USERAGENT, c->user_agent);
    curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(c->curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c->curl, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(c->curl, CURLOPT_MAXFILESIZE_LARGE,
                     (curl_off_t)GEOHA_ARM_MAX_RESPONSE);
    if (is_noproxy(rq->url, rq->metadata)) {
        curl_easy_setopt(c->curl, CURLOPT_NOPROXY, "*");
    }
    if (strcmp(rq->method, "GET") != 0) {
        curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, rq->method);
    }
    if (rq->body != NULL) {
        curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE,
                         (curl_off_t)rq->body_len);
        curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, rq->body);
    } else if (strcmp(rq->method, "POST") == 0) {
        curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)0);
        curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, "");
    }

    t0 = geoha_now_ms();
    cc = curl_easy_perform(c->curl);
    if (ca_fall_back(c, cc)) {
        left = geoha_deadline_left_ms(d);
        if (left > 0) {
            curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS,
                             (long)(left < timeout ? left : timeout));
            resp_reset(r);
            cc = curl_easy_perform(c->curl);
        }
    }
    /* Nothing of the request (token, form) stays referenced by curl. */
    curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, NULL);
    curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, NULL);
    if (r->request_id[0] != '\0') {
        geoha_strlcpy(c->last_request_id, r->request_id,
                      sizeof(c->last_request_id));
    }
    if (cc != CURLE_OK) {
        if (r->too_big || cc == CURLE_FILESIZE_EXCEEDED) {
            rc = geoha__arm_fail(c, GEOHA_E_TOOBIG,
                                 "%s %s: the answer is larger than %u bytes",
                                 rq->method, shown, GEOHA_ARM_MAX_RESPONSE);
            goto done;
        }
        rc = curl_to_rc(cc, retry);
        if (cc == CURLE_OPERATION_TIMEDOUT && geoha_deadline_expired(d)) {
            *retry = false;
            rc = geoha__arm_fail(c, GEOHA_E_DEADLINE,
                                 "%s %s: no answer before the operation "
                                 "deadline (%lld ms)",
                                 rq->method, shown,
                                 (long long)(geoha_now_ms() - t0));
            goto done;
        }
        rc = geoha__arm_fail(c, rc, "%s %s: %s (%s)", rq->method, shown,
                             curl_easy_strerror(cc),
                             errbuf[0] != '\0' ? errbuf : "no detail");
        goto done;
    }
    curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
    r->status = status;
    c->last_status = (int)status;
    geoha__arm_debug(c, "%s %s -> %ld in %lld ms (request id %s)", rq->method,
                     shown, status, (long long)(geoha_now_ms() - t0),
                     c->last_request_id);
done:
    explicit_bzero(hbuf, sizeof(hbuf));
    if (hdrs != NULL) {
        /* wipe the Authorization line before freeing it */
        for (struct curl_slist *h = hdrs; h != NULL; h = h->next) {
            explicit_bzero(h->data, strlen(h->data));
        }
        curl_slist_free_all(hdrs);
    }
    return rc;
}

static bool
status_retryable(long status, bool imds)
{
    switch (status) {
    case 429:
    case 500:
    case 502:
    case 503:
    case 504:
        return true;
    case 404:
    case 410:
        return imds; /* IMDS answers these while it (re)starts */
    default:
        return imds && status >= 500;
    }
}

/* A one-line description of an error answer, into c->last_*. */
static void
describe_resp(struct geoha_arm_client *c, const char *what,
              const struct geoha__arm_resp *r)
{
    char code[128], msg[512];

    geoha__arm_error_parse(r->body.data, r->body.len, code, sizeof(code), msg,
                           sizeof(msg));
    c->last_status = (int)r->status;
    geoha_strlcpy(c->last_code, code, sizeof(c->last_code));
    geoha__arm_fail(c, 0, "%s: HTTP %ld%s%s%s%s (request id %s)", what,
                    r->status, code[0] != '\0' ? " " : "", code,
                    msg[0] != '\0' ? ": " : "", msg, c->last_request_id);
}

int
geoha__arm_fail_resp(struct geoha_arm_client *c, const char *what,
                     const struct geoha__arm_resp *r)
{
    describe_resp(c, what, r);
    switch (r->status) {
    case 401:
    case 403:
        return GEOHA_E_AUTH;
    case 404:
        return GEOHA_E_NOT_FOUND;
    case 429:
        return GEOHA_E_THROTTLED;
    default:
        return GEOHA_E_REMOTE;
    }
}

static bool
has_error_code(const struct geoha__arm_resp *r)
{
    char code[128], msg[8];

    geoha__arm_error_parse(r->body.data, r->body.len, code, sizeof(code), msg,
                           sizeof(msg));
    return code[0] != '\0';
}

static bool
token_rejected(const struct geoha__arm_resp *r, enum geoha__arm_token_src src)
{
    char code[128], msg[8];

    if (r->status != 401) {
        return false;
    }
    if (src == GEOHA__ARM_TOKEN_CACHED) {
        return true; /* a cached token may have been revoked: refetch */
    }
    geoha__arm_error_parse(r->body.data, r->body.len, code, sizeof(code), msg,
                           sizeof(msg));
    return strcmp(code, "ExpiredAuthenticationToken") == 0
           || strcmp(code, "InvalidAuthenticationToken") == 0;
}

int
geoha__arm_http(struct geoha_arm_client *c, const struct geoha__arm_req *rq,
                const struct geoha_deadline *d, struct geoha__arm_resp *r)
{
    bool refreshed = false;
    char shown[512];
    int rc;

    url_for_msg(rq->url, shown, sizeof(shown));
    for (int attempt = 0;; attempt++) {
        bool retry = false;
        int64_t wait;
        bool throttled;

        if (rq->bearer) {
            rc = c->token_get(c, d, false);
            if (rc != 0) {
                return rc;
            }
        }
        rc = http_once(c, rq, d, r, &retry);
        if (rc == 0) {
            if (rq->bearer && !refreshed && token_rejected(r, c->token_src)) {
                geoha__arm_debug(c, "token rejected (HTTP 401): fetching a "
                                    "new one");
                refreshed = true;
                rc = c->token_get(c, d, true);
                if (rc != 0) {
                    return rc;
                }
                attempt--; /* a refresh is not a retry */
                continue;
            }
            if (!status_retryable(r->status, rq->imds_retry)
                || (rq->final_5xx && r->status >= 500 && has_error_code(r))) {
                return 0;
            }
            {
                char what[600];

                geoha_snprintf(what, sizeof(what), "%s %s", rq->method, shown);
                describe_resp(c, what, r);
            }
        } else if (!retry) {
            return rc;
        }
        throttled = rc == 0 && r->status == 429;
        if (attempt + 1 >= c->max_attempts) {
            if (rc == 0) {
                return throttled ? GEOHA_E_THROTTLED : GEOHA_E_REMOTE;
            }
            return rc;
        }
        wait = geoha__arm_next_wait_ms(attempt, rc == 0 ? r->retry_after_s : -1,
                                       &c->seed, geoha_deadline_left_ms(d));
        if (wait < 0) {
            char prev[GEOHA__ARM_ERR_MAX];

            geoha_strlcpy(prev, c->last_error, sizeof(prev));
            return geoha__arm_fail(
                c, throttled ? GEOHA_E_THROTTLED : GEOHA_E_DEADLINE,
                "%s; giving up after %d attempt%s: the next retry%s would "
                "pass the operation deadline (%lld ms left)",
                prev, attempt + 1, attempt == 0 ? "" : "s",
                rc == 0 && r->retry_after_s > 0 ? " (Retry-After)" : "",
                (long long)geoha_deadline_left_ms(d));
        }
        geoha__arm_debug(c, "retry %d in %lld ms", attempt + 1,
                         (long long)wait);
        geoha_sleep_ms(d, wait);
    }
}
