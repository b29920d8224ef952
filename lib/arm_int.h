/*
 * geoha ARM client internals shared by lib/arm*.c and their unit tests.
 * Not a public header.
 *
 * Calls run one way: lib/arm.c (the client object, ARM requests) uses
 * lib/arm_auth.c (tokens) and lib/arm_http.c (the transport);
 * lib/arm_auth.c uses lib/arm_http.c to fetch tokens; lib/arm_http.c gets
 * the bearer token only through the client's provider (c->token_get),
 * never by calling lib/arm_auth.c. All use lib/arm_util.c.
 */
#ifndef GEOHA_ARM_INT_H
#define GEOHA_ARM_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "curl_dl.h" /* libcurl, loaded on first use */

#include "geoha/arm.h"

/* A retry is pointless with less than this left before the deadline. */
#define GEOHA__ARM_MIN_TRY_MS 100
/* Bytes of a token, of the secret, of a cache file. */
#define GEOHA__ARM_TOKEN_MAX 16384
#define GEOHA__ARM_SECRET_MAX 4096
#define GEOHA__ARM_CACHE_MAX 65536
/* Longest Retry-After we accept as given (larger ones are clamped). */
#define GEOHA__ARM_RETRY_AFTER_MAX_S 3600
/* Lifetime assumed when a token answer carries no expiry. */
#define GEOHA__ARM_DEFAULT_LIFETIME_S 300
#define GEOHA__ARM_ERR_MAX 1024
#define GEOHA__ARM_URL_MAX 4096

/* ---- pure helpers (lib/arm_util.c) ---- */

/*
 * The wait before retry number attempt+1 (attempt counts from 0):
 * Retry-After seconds when retry_after_s > 0, else an exponential backoff
 * GEOHA_ARM_BACKOFF_BASE_MS * 2^attempt capped at GEOHA_ARM_BACKOFF_MAX_MS,
 * jittered into [half, full] with the xorshift state *seed. Returns -1
 * when the wait plus GEOHA__ARM_MIN_TRY_MS would cross left_ms.
 */
int64_t geoha__arm_next_wait_ms(int attempt, int retry_after_s, uint64_t *seed,
                                int64_t left_ms);

/* xorshift64*; *state must not be 0 (0 is replaced by a constant). */
uint64_t geoha__arm_rand(uint64_t *state);

/*
 * Parse a Retry-After value: whole seconds (surrounding blanks allowed),
 * clamped to GEOHA__ARM_RETRY_AFTER_MAX_S. -1 for NULL, an HTTP date or
 * anything else.
 */
int geoha__arm_retry_after_parse(const char *value);

/* Whether host (as in a URL, IPv6 in brackets) is loopback / IMDS. */
bool geoha__arm_host_loopback(const char *host);

/*
 * scheme://host:port of url, lower case, default port made explicit, into
 * dst. Returns 0, GEOHA_E_CONFIG for a URL that cannot be parsed.
 */
int geoha__arm_origin(const char *url, char *dst, size_t size);

/* Whether path is acceptable as a request path ('/' first, no blanks,
 * controls, '#', "..", backslash). */
bool geoha__arm_path_ok(const char *path);

/* Whether api is a plausible api-version ([0-9A-Za-z.-], 1..32). */
bool geoha__arm_api_ok(const char *api);

/* Whether tok is a usable bearer token (printable, no blanks, bounded). */
bool geoha__arm_token_ok(const char *tok);

/* A random version 4 UUID as text (37 bytes with the NUL). */
void geoha__arm_uuid(char out[37]);

/* FNV-1a 64 of s. */
uint64_t geoha__arm_hash(const char *s);

/*
 * One readable line from an error body: ARM {"error":{"code","message"}},
 * OAuth {"error":"…","error_description":"…"} or top-level
 * {"code","message"}. code/msg get "" when absent; msg is made one line
 * and cut to fit. Never fails.
 */
void geoha__arm_error_parse(const char *body, size_t len, char *code,
                            size_t code_size, char *msg, size_t msg_size);

/* Replace every occurrence of secret (if non-empty) in s by "***". */
void geoha__arm_redact(char *s, const char *secret);

/* Parse JSON text bounded by max bytes: GEOHA_E_TOOBIG, GEOHA_E_PARSE. */
int geoha__arm_json_parse(const char *text, size_t len, size_t max,
                          json_t **out);

/* ---- tokens: the record and its files (lib/arm_auth.c) ---- */

struct geoha__arm_token {
    char *access_token; /* heap, wiped on clear */
    int64_t expires_on; /* wall clock, seconds */
    int64_t refresh_at; /* wall clock, seconds: fetch again from here */
};

void geoha__arm_token_clear(struct geoha__arm_token *t);

/*
 * Parse a token answer (IMDS or Entra): access_token (required, valid),
 * token_type (Bearer when present), expires_on (epoch seconds, number or
 * string) else expires_in (seconds, number or string) else
 * GEOHA__ARM_DEFAULT_LIFETIME_S. refresh_at = expires_on less
 * min(GEOHA_ARM_TOKEN_MARGIN_S, lifetime / 2). GEOHA_E_PARSE /
 * GEOHA_E_PROTOCOL on bad answers.
 */
int geoha__arm_token_parse(const char *body, size_t len, int64_t now_s,
                           struct geoha__arm_token *out);

/*
 * Token cache file: read path; the file must be a regular file owned by
 * the effective user, mode without group/other bits, hold key and a token
 * with refresh_at > now_s. -ENOENT when absent, GEOHA_E_INSECURE for a bad
 * owner/mode, GEOHA_E_PARSE for a corrupt or foreign file, -ESTALE when
 * expired.
 */
int geoha__arm_cache_read(const char *path, const char *key, int64_t now_s,
                          struct geoha__arm_token *out);
/* Write the cache file atomically (temporary file + rename), mode 0600. */
int geoha__arm_cache_write(const char *path, const char *key,
                           const struct geoha__arm_token *t);

/* ---- the client object (lib/arm.c makes it) ---- */

enum geoha__arm_token_src {
    GEOHA__ARM_TOKEN_NONE,
    GEOHA__ARM_TOKEN_CACHED, /* from the cache file */
    GEOHA__ARM_TOKEN_FRESH,  /* fetched by this client */
};

struct geoha_arm_client {
    CURL *curl; /* created on first use, reused (keeps connections) */
    enum geoha_arm_auth auth;
    char *tenant, *client_id, *secret_file, *token_file;
    char *arm_endpoint, *login_endpoint, *imds_endpoint; /* no final '/' */
    char *ca_file, *resource, *cache_dir, *user_agent;
    enum geoha__arm_ca {
        GEOHA__ARM_CA_SYSTEM_DIR, /* GEOHA_ARM_SYSTEM_CA_DIR, by hash */
        GEOHA__ARM_CA_LIBCURL,    /* libcurl's own default (bundle) */
        GEOHA__ARM_CA_FILE,       /* ca_file names a PEM file */
        GEOHA__ARM_CA_DIR,        /* ca_file names a hashed directory */
    } ca;
    char arm_origin[512];
    int64_t poll_ms;
    int64_t request_timeout_ms;
    int max_attempts;
    geoha_arm_debug_fn debug_fn;
    void *debug_arg;
    uint64_t seed;

    /* The token the transport sends, and who provides it: token_get
     * makes token usable (force: a new one, the one held was rejected).
     * lib/arm.c sets geoha__arm_token_get. */
    struct geoha__arm_token token;
    enum geoha__arm_token_src token_src;
    int (*token_get)(struct geoha_arm_client *c, const struct geoha_deadline *d,
                     bool force);
    char *cache_key;
    char *cache_path; /* NULL: no cache */
    unsigned token_fetches;

    int last_status;
    char last_code[128];
    char last_request_id[80];
    char last_error[GEOHA__ARM_ERR_MAX];
};

/* ---- the transport (lib/arm_http.c) ---- */

/* Format a debug line (no-op without a hook). */
void geoha__arm_debug(struct geoha_arm_client *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Set the last error line (format) and return rc. */
int geoha__arm_fail(struct geoha_arm_client *c, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* One HTTP request, as lib/arm_http.c sends it. */
struct geoha__arm_req {
    const char *method; /* "GET", "POST", … */
    const char *url;
    const char *body; /* NULL: none */
    size_t body_len;
    const char *content_type; /* for body */
    bool bearer;              /* send the ARM token (ARM origin only) */
    bool metadata;            /* IMDS: Metadata: true, never a proxy */
    bool secret_body;         /* never show the body anywhere */
    bool imds_retry;          /* also retry 404 and 410 (IMDS) */
    /* A Location poll: a 5xx carrying an ARM error object is the
     * operation's own failure, not a transient error to retry. */
    bool final_5xx;
};

struct geoha__arm_resp {
    long status;
    struct geoha_buf body;
    char request_id[80];
    char *location;
    char *async_url;
    int retry_after_s;
    bool too_big;
};

void geoha__arm_resp_init(struct geoha__arm_resp *r);
void geoha__arm_resp_clear(struct geoha__arm_resp *r);

/*
 * Send with retries (see arm.h) until an answer that is not retryable,
 * the attempts run out or the deadline. Returns 0 with *r holding any
 * non-retryable answer (the caller judges the status), or an error with
 * the last error line set. With rq->bearer, the token comes from
 * c->token_get, and a 401 that rejects it gets a new one, once.
 */
int geoha__arm_http(struct geoha_arm_client *c, const struct geoha__arm_req *rq,
                    const struct geoha_deadline *d, struct geoha__arm_resp *r);

/* Set the last error from a non-2xx answer and return the mapped code. */
int geoha__arm_fail_resp(struct geoha_arm_client *c, const char *what,
                         const struct geoha__arm_resp *r);

/* ---- the token provider (lib/arm_auth.c) ---- */

/* Make sure c->token is usable; force skips memory and cache. The client's
 * c->token_get. */
int geoha__arm_token_get(struct geoha_arm_client *c,
                         const struct geoha_deadline *d, bool force);

#endif /* GEOHA_ARM_INT_H */
