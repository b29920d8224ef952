/*
 * geoha: the Azure Resource Manager (ARM) client every Azure-facing agent
 * shares (mysql's azure backend, traffic-manager, fence_geoha).
 *
 * What it does for its callers:
 *  - credentials: managed identity through IMDS (auth=msi, user-assigned
 *    with client_id), a service principal whose secret is in a root-only
 *    file (auth=secret), or a bearer token in a root-only file
 *    (auth=token-file);
 *  - a token cache per (identity, resource) in a root-only file under
 *    /run/geoha (GEOHA_ARM_ENV_CACHE_DIR overrides the directory), reused
 *    until shortly before expiry, so a monitor every 10 s costs no network
 *    round trip for the token;
 *  - requests with an x-ms-client-request-id, timeouts and retries (429,
 *    500, 502, 503, 504, connection errors) with jittered exponential
 *    backoff that honours Retry-After, all inside the caller's deadline:
 *    when the next wait would cross the deadline the call stops and says
 *    so (GEOHA_E_DEADLINE, or GEOHA_E_THROTTLED when the last answer was a
 *    429);
 *  - long-running operations followed through Azure-AsyncOperation, else
 *    Location, else the resource's provisioningState;
 *  - paged lists (nextLink), bounded response sizes (GEOHA_E_TOOBIG);
 *  - one readable error line per failure (HTTP status, ARM code, message,
 *    request id), never containing a secret or a token.
 *
 * TLS is always verified (ca_file adds a private CA). Plain http:// is
 * accepted only for loopback hosts (127.0.0.0/8, ::1, localhost) and the
 * IMDS address 169.254.169.254. The bearer token is only ever sent to the
 * configured ARM endpoint's scheme://host:port; an operation or nextLink
 * URL pointing elsewhere is refused (GEOHA_E_PROTOCOL).
 *
 * The library does not log. A debug hook (struct geoha_arm_config) receives
 * one line per HTTP exchange and per retry decision, without secrets.
 *
 * A client is not thread-safe; one client per process is the intended use.
 * All functions return 0 or a negative errno / GEOHA_E_* code; output
 * parameters are written only on success.
 */
#ifndef GEOHA_ARM_H
#define GEOHA_ARM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "geoha/util.h"

struct geoha_ctx;        /* geoha/ocf.h */
struct geoha_arm_client; /* below */

/* ---- parameters (shared by every Azure-facing agent) ---- */

/* Parameter names, as agents and fence_geoha accept them. */
#define GEOHA_ARM_P_AUTH "auth"
#define GEOHA_ARM_P_TENANT "tenant"
#define GEOHA_ARM_P_CLIENT_ID "client_id"
#define GEOHA_ARM_P_SECRET_FILE "secret_file"
#define GEOHA_ARM_P_TOKEN_FILE "token_file"
#define GEOHA_ARM_P_ARM_ENDPOINT "arm_endpoint"
#define GEOHA_ARM_P_LOGIN_ENDPOINT "login_endpoint"
#define GEOHA_ARM_P_IMDS_ENDPOINT "imds_endpoint"
#define GEOHA_ARM_P_CA_FILE "ca_file"

/* auth values */
#define GEOHA_ARM_AUTH_MSI_S "msi"
#define GEOHA_ARM_AUTH_SECRET_S "secret"
#define GEOHA_ARM_AUTH_TOKEN_FILE_S "token-file"

/* Public-cloud defaults. */
#define GEOHA_ARM_DEFAULT_AUTH GEOHA_ARM_AUTH_MSI_S
#define GEOHA_ARM_DEFAULT_ARM_ENDPOINT "https://management.azure.com"
#define GEOHA_ARM_DEFAULT_LOGIN_ENDPOINT "https://login.microsoftonline.com"
#define GEOHA_ARM_DEFAULT_IMDS_ENDPOINT "http://169.254.169.254"

/*
 * The system's CAs as a hashed directory. TLS looks an issuer up there by
 * its subject hash and reads that one file; reading the system bundle
 * instead parses all ~145 certificates, 25-40 ms of CPU in every process
 * (tests/bench/fence.py), more than everything else a fence action does.
 */
#define GEOHA_ARM_SYSTEM_CA_DIR "/etc/ssl/certs"

/* Token cache. */
#define GEOHA_ARM_DEFAULT_CACHE_DIR "/run/geoha"
#define GEOHA_ARM_ENV_CACHE_DIR "GEOHA_TOKEN_CACHE_DIR"
/* A cached token is reused until this long before its expiry (or until
 * half its lifetime is left, for short-lived tokens). */
#define GEOHA_ARM_TOKEN_MARGIN_S 300

/* Request defaults. */
#define GEOHA_ARM_DEFAULT_POLL_MS 1000 /* LRO poll without Retry-After */
#define GEOHA_ARM_ENV_POLL_MS "GEOHA_ARM_POLL_MS"  /* overrides it (tests) */
#define GEOHA_ARM_DEFAULT_REQUEST_TIMEOUT_MS 30000 /* one HTTP exchange */
#define GEOHA_ARM_DEFAULT_CONNECT_TIMEOUT_MS 10000
#define GEOHA_ARM_DEFAULT_MAX_ATTEMPTS 10 /* per request, with retries */
#define GEOHA_ARM_BACKOFF_BASE_MS 500     /* first retry wait (jittered) */
#define GEOHA_ARM_BACKOFF_MAX_MS 30000    /* cap of one backoff wait */
#define GEOHA_ARM_MAX_RESPONSE (4u * 1024u * 1024u) /* bytes of one body */
#define GEOHA_ARM_DEFAULT_MAX_PAGES 100 /* nextLink pages of one list */

/* NULL-terminated choices of the auth parameter. */
extern const char *const geoha_arm_auth_choices[];

/*
 * The ARM parameters as struct geoha_param initializers (geoha/ocf.h), for
 * an agent's parameter table:
 *
 *     static const struct geoha_param params[] = {
 *         { .name = "profile", ... },
 *         GEOHA_ARM_PARAMS,
 *     };
 *
 * geoha_arm_config_from_ctx() reads them back.
 */
/* clang-format off */
#define GEOHA_ARM_PARAMS_NOTE(sn, ln)                                         \
    { .name = GEOHA_ARM_P_AUTH,                                               \
      .type = GEOHA_PT_ENUM,                                                  \
      .default_value = GEOHA_ARM_DEFAULT_AUTH,                                \
      .choices = geoha_arm_auth_choices,                                      \
      .shortdesc = "Azure credentials" sn,                                    \
      .longdesc = "How to authenticate to Azure Resource Manager: 'msi' "     \
                  "(the VM's managed identity; a user-assigned one when "     \
                  "client_id is set), 'secret' (service principal: tenant, "  \
                  "client_id and secret_file), 'token-file' (a bearer token " \
                  "in token_file; tests and break-glass)." ln },              \
    { .name = GEOHA_ARM_P_TENANT,                                             \
      .type = GEOHA_PT_STRING,                                                \
      .shortdesc = "Entra ID tenant" sn,                                      \
      .longdesc = "Tenant id or domain of the service principal "             \
                  "(auth=secret)." ln },                                      \
    { .name = GEOHA_ARM_P_CLIENT_ID,                                          \
      .type = GEOHA_PT_STRING,                                                \
      .shortdesc = "Client id" sn,                                            \
      .longdesc = "Application (client) id of the service principal "         \
                  "(auth=secret), or of a user-assigned managed identity "    \
                  "(auth=msi; empty means the system-assigned "             \
                  "identity)." ln },                                          \
    { .name = GEOHA_ARM_P_SECRET_FILE,                                        \
      .type = GEOHA_PT_PATH,                                                  \
      .flags = GEOHA_PF_PRIVATE,                                              \
      .shortdesc = "Client secret file" sn,                                   \
      .longdesc = "File holding the service principal's client secret "       \
                  "(auth=secret). It must be readable by its owner (root) "   \
                  "only." ln },                                               \
    { .name = GEOHA_ARM_P_TOKEN_FILE,                                         \
      .type = GEOHA_PT_PATH,                                                  \
      .flags = GEOHA_PF_PRIVATE,                                              \
      .shortdesc = "Bearer token file" sn,                                    \
      .longdesc = "File holding an ARM bearer token (auth=token-file). It "   \
                  "must be readable by its owner (root) only." ln },          \
    { .name = GEOHA_ARM_P_ARM_ENDPOINT,                                       \
      .type = GEOHA_PT_STRING,                                                \
      .default_value = GEOHA_ARM_DEFAULT_ARM_ENDPOINT,                        \
      .shortdesc = "ARM endpoint" sn,                                         \
      .longdesc = "Azure Resource Manager base URL (sovereign clouds: "       \
                  "https://management.chinacloudapi.cn, "                     \
                  "https://management.usgovcloudapi.net). A user name or "    \
                  "password in the URL is refused." ln },                     \
    { .name = GEOHA_ARM_P_LOGIN_ENDPOINT,                                     \
      .type = GEOHA_PT_STRING,                                                \
      .default_value = GEOHA_ARM_DEFAULT_LOGIN_ENDPOINT,                      \
      .shortdesc = "Entra ID endpoint" sn,                                    \
      .longdesc = "Base URL of the Entra ID token endpoint (auth=secret). "   \
                  "A user name or password in the URL is refused." ln },      \
    { .name = GEOHA_ARM_P_IMDS_ENDPOINT,                                      \
      .type = GEOHA_PT_STRING,                                                \
      .default_value = GEOHA_ARM_DEFAULT_IMDS_ENDPOINT,                       \
      .shortdesc = "Instance metadata endpoint" sn,                           \
      .longdesc = "Base URL of the instance metadata service (auth=msi). "    \
                  "A user name or password in the URL is refused." ln },      \
    { .name = GEOHA_ARM_P_CA_FILE,                                            \
      .type = GEOHA_PT_PATH,                                                  \
      .flags = GEOHA_PF_MUST_EXIST,                                           \
      .shortdesc = "CA certificates" sn,                                      \
      .longdesc = "CA certificates to trust for the ARM and login "           \
                  "endpoints instead of the system's: a PEM file, or a "      \
                  "directory hashed by 'openssl rehash'. TLS is always "      \
                  "verified." ln }
/* clang-format on */

/* The entries as they are, for agents that always use ARM. An agent that
 * uses ARM only in some set-ups says which with GEOHA_ARM_PARAMS_NOTE(sn,
 * ln): string literals appended to every shortdesc (sn) and longdesc (ln),
 * e.g. ocf:geoha:mysql's " (backend=azure)". */
#define GEOHA_ARM_PARAMS GEOHA_ARM_PARAMS_NOTE("", "")

/* Number of entries GEOHA_ARM_PARAMS expands to. */
#define GEOHA_ARM_N_PARAMS 9

/*
 * The name of ARM parameter i (0 <= i < GEOHA_ARM_N_PARAMS, in
 * GEOHA_ARM_PARAMS order), NULL past the last: the names
 * geoha_arm_config_set() and geoha_arm_config_from_ctx() know
 * (lib/arm_config.c lists them once, with the field each sets).
 */
const char *geoha_arm_param_name(size_t i);

/* ---- configuration ---- */

enum geoha_arm_auth {
    GEOHA_ARM_AUTH_MSI = 0, /* index into geoha_arm_auth_choices */
    GEOHA_ARM_AUTH_SECRET = 1,
    GEOHA_ARM_AUTH_TOKEN_FILE = 2,
};

/* Receives one line without secrets; arg is the config's debug_arg. */
typedef void (*geoha_arm_debug_fn)(void *arg, const char *line);

/*
 * Client configuration. Strings are borrowed: they must stay valid until
 * geoha_arm_client_new() returns (the client copies them). NULL or ""
 * means "not set".
 */
struct geoha_arm_config {
    enum geoha_arm_auth auth;
    const char *tenant;
    const char *client_id;
    const char *secret_file;
    const char *token_file;
    const char *arm_endpoint;   /* NULL: the public-cloud default */
    const char *login_endpoint; /* NULL: the public-cloud default */
    const char *imds_endpoint;  /* NULL: the public-cloud default */
    const char *ca_file;
    /* Token audience; NULL: arm_endpoint with a trailing '/', except for
     * a loopback arm_endpoint (a test double or local forwarder standing
     * in for the public cloud): "https://management.azure.com/". */
    const char *resource;
    /* Token cache directory; NULL: $GEOHA_TOKEN_CACHE_DIR or /run/geoha.
     * "" disables the cache. It must be a directory owned by the effective
     * user, mode 0700, not a symbolic link (geoha_arm_client_new). */
    const char *cache_dir;
    const char *user_agent;      /* NULL: "geoha/<version>" */
    int64_t poll_ms;             /* 0: $GEOHA_ARM_POLL_MS or the default */
    int64_t request_timeout_ms;  /* 0: the default */
    int max_attempts;            /* 0: the default; 1 means no retries */
    geoha_arm_debug_fn debug_fn; /* optional */
    void *debug_arg;
};

/* Defaults: auth=msi, public-cloud endpoints, everything else unset. */
void geoha_arm_config_init(struct geoha_arm_config *cfg);

/*
 * Set one field by its parameter name (GEOHA_ARM_P_*), for callers that
 * read plain key=value strings (fence_geoha). value is borrowed. Returns
 * -ENOENT when name is not an ARM parameter (so the caller can try its
 * own keys), GEOHA_E_CONFIG for a bad auth value, 0 otherwise.
 */
int geoha_arm_config_set(struct geoha_arm_config *cfg, const char *name,
                         const char *value);

/*
 * Fill cfg from an agent's parsed GEOHA_ARM_PARAMS (the strings stay owned
 * by ctx). Calls geoha_arm_config_init() first. Returns 0, or
 * GEOHA_E_CONFIG with the reason in err.
 */
int geoha_arm_config_from_ctx(const struct geoha_ctx *ctx,
                              struct geoha_arm_config *cfg, char *err,
                              size_t errlen);

/*
 * For OCF agents (lib/arm_ocf.c), both returning an OCF exit code and
 * setting the exit reason on failure: check the GEOHA_ARM_PARAMS (with
 * files=true also the secret, token and CA files), and create the client
 * from them, its debug lines going to the agent's log ("arm: ...").
 */
int geoha_arm_ocf_check(const struct geoha_ctx *ctx, bool files);
int geoha_arm_ocf_open(const struct geoha_ctx *ctx,
                       struct geoha_arm_client **out);

/*
 * Check a configuration: auth has what it needs (tenant, client_id,
 * secret_file for secret; token_file for token-file), endpoint URLs are
 * https:// (or http:// to a loopback host / the IMDS address), names have
 * no unsafe characters. With files=true, also that secret_file/token_file
 * are root-only (GEOHA_E_INSECURE) and ca_file exists. Returns 0, or
 * GEOHA_E_CONFIG / GEOHA_E_INSECURE / -errno with one sentence in err
 * (err may be NULL).
 */
int geoha_arm_config_check(const struct geoha_arm_config *cfg, bool files,
                           char *err, size_t errlen);

/*
 * Whether url may be used: https://, or http:// only to 127.0.0.0/8, ::1,
 * localhost or 169.254.169.254, and never with a user name or password in
 * it (user:password@host). Returns 0, GEOHA_E_INSECURE for plain http
 * elsewhere or for user info, GEOHA_E_CONFIG for anything that is not an
 * http(s) URL.
 */
int geoha_arm_url_check(const char *url);

/*
 * Whether url has, or may have, user info (an '@' before the path): such
 * a URL may carry a password and must never be echoed in a message.
 */
bool geoha_arm_url_has_userinfo(const char *url);

/* ---- the client ---- */

struct geoha_arm_client;

/*
 * Create a client (checks cfg with files=false; the secret/token files are
 * read when a token is needed). No network I/O happens here. The token
 * cache directory is created 0700 when missing; an existing one that is a
 * symbolic link, not owned by the effective user or not mode 0700 is
 * refused with -EACCES (a node-local problem, not a configuration one).
 * On failure returns GEOHA_E_CONFIG / GEOHA_E_INSECURE / -EACCES / -ENOMEM
 * with the reason in err (may be NULL).
 */
int geoha_arm_client_new(const struct geoha_arm_config *cfg, char *err,
                         size_t errlen, struct geoha_arm_client **out);
void geoha_arm_client_free(struct geoha_arm_client *c);

/*
 * The last failure of this client as one line, e.g.
 *   "HTTP 409 AnotherOperationInProgress: An operation is in progress
 *    (request id 6f1c...)"
 * "" when the last call succeeded. Valid until the next call on c.
 */
const char *geoha_arm_last_error(const struct geoha_arm_client *c);
/* The last error line when there is one, else rc's generic text (c may be
 * NULL): what a log line or an exit reason says after a failed call. */
const char *geoha_arm_why(const struct geoha_arm_client *c, int rc);
/* HTTP status of the last answer (0: none, e.g. connection failure). */
int geoha_arm_last_status(const struct geoha_arm_client *c);
/*
 * Whether rc, the result of a call on c, means Azure could not be asked
 * (no connection, no answer, throttled or server errors until the
 * deadline) rather than that Azure answered and refused. Agents use it to
 * tell "retry later / leave it to fencing" from "the request is wrong".
 */
bool geoha_arm_unreachable(const struct geoha_arm_client *c, int rc);

/* ARM error code of the last failure ("" when none). */
const char *geoha_arm_last_code(const struct geoha_arm_client *c);
/* x-ms-request-id (else our x-ms-client-request-id) of the last answer. */
const char *geoha_arm_last_request_id(const struct geoha_arm_client *c);

/*
 * Make sure a usable token is at hand (from memory, the cache file or the
 * token source). For validate-all and admin tools; never exposes it.
 */
int geoha_arm_auth_check(struct geoha_arm_client *c,
                         const struct geoha_deadline *d);

/* Number of tokens fetched from IMDS / Entra (not the cache) by c. */
unsigned geoha_arm_token_fetches(const struct geoha_arm_client *c);

/* ---- requests ---- */

enum geoha_arm_method {
    GEOHA_ARM_GET,
    GEOHA_ARM_PUT,
    GEOHA_ARM_PATCH,
    GEOHA_ARM_POST,
    GEOHA_ARM_DELETE,
};

/*
 * Paths: an ARM path beginning with '/' (build it with geoha_arm_path()),
 * optionally with a query ("…/powerOff?skipShutdown=true"); api-version is
 * appended. Results: 404 -> GEOHA_E_NOT_FOUND, 401/403 -> GEOHA_E_AUTH,
 * other 4xx and exhausted 5xx -> GEOHA_E_REMOTE, 429 past the deadline ->
 * GEOHA_E_THROTTLED, deadline -> GEOHA_E_DEADLINE, unparsable body ->
 * GEOHA_E_PARSE, body over GEOHA_ARM_MAX_RESPONSE -> GEOHA_E_TOOBIG,
 * refused URL -> GEOHA_E_INSECURE / GEOHA_E_PROTOCOL, connection failures
 * after the last attempt -> -ECONNREFUSED / -ETIMEDOUT / -EHOSTUNREACH /
 * -EIO. geoha_arm_last_error() then has the line.
 */

/* GET path; *out receives the JSON body (caller json_decref()s). */
int geoha_arm_get(struct geoha_arm_client *c, const char *path,
                  const char *api_version, const struct geoha_deadline *d,
                  json_t **out);

/*
 * GET a paged list and follow nextLink (at most max_pages pages, 0 means
 * GEOHA_ARM_DEFAULT_MAX_PAGES; more -> GEOHA_E_TOOBIG). *out receives one
 * JSON array of every page's "value" items.
 */
int geoha_arm_list(struct geoha_arm_client *c, const char *path,
                   const char *api_version, unsigned max_pages,
                   const struct geoha_deadline *d, json_t **out);

/*
 * A started (possibly long-running) operation, as geoha_arm_send() leaves
 * it. Embedded: geoha_arm_op_init() / geoha_arm_op_clear().
 */
struct geoha_arm_op {
    enum geoha_arm_method method;
    int status;         /* HTTP status of the first answer */
    json_t *body;       /* its JSON body, or NULL (empty / 202 / 204) */
    char *async_url;    /* Azure-AsyncOperation, or NULL */
    char *location_url; /* Location, or NULL */
    char *path;         /* the request path (without api-version) */
    char *api_version;
    int retry_after_s; /* Retry-After of the first answer, -1: none */
    bool done;         /* nothing left to wait for */
};

void geoha_arm_op_init(struct geoha_arm_op *op);
void geoha_arm_op_clear(struct geoha_arm_op *op);

/*
 * Send method path with an optional JSON body (not taken over; NULL sends
 * no body) and fill *op from the answer (2xx only; an error answer is
 * returned as an error and op stays cleared). Retries as described above;
 * a request that may have reached ARM is retried too, which is safe for
 * the idempotent PUT/PATCH/DELETE and the VM/server actions geoha uses.
 */
int geoha_arm_send(struct geoha_arm_client *c, enum geoha_arm_method method,
                   const char *path, const char *api_version,
                   const json_t *body, const struct geoha_deadline *d,
                   struct geoha_arm_op *op);

/*
 * Wait for op to finish: poll Azure-AsyncOperation when present (status
 * InProgress/…/Succeeded/Failed/Canceled), else Location (202 while
 * running, then 200/201/204), else, for PUT/PATCH, GET path until
 * properties.provisioningState is terminal (absent means Succeeded).
 * Polls every Retry-After seconds, else poll_ms. An error answer from
 * Location is the operation's own result (a 5xx carrying an ARM error
 * object is not retried). Failed/Canceled ->
 * GEOHA_E_REMOTE with the operation's error in the last error line; a
 * 4xx/5xx from the status URL is a failure to read the status
 * (GEOHA_E_REMOTE / GEOHA_E_PROTOCOL, the line says "reading operation
 * status"); still running at the deadline -> GEOHA_E_DEADLINE.
 * out (may be NULL) receives the final resource: PUT/PATCH -> the
 * resource as GET returns it, POST/DELETE -> the final Location body or
 * NULL when there is none.
 */
int geoha_arm_lro_wait(struct geoha_arm_client *c, struct geoha_arm_op *op,
                       const struct geoha_deadline *d, json_t **out);

/* geoha_arm_send() then geoha_arm_lro_wait(); out may be NULL. */
int geoha_arm_call(struct geoha_arm_client *c, enum geoha_arm_method method,
                   const char *path, const char *api_version,
                   const json_t *body, const struct geoha_deadline *d,
                   json_t **out);

/*
 * GET {imds_endpoint}{path}?api-version=… with "Metadata: true", never
 * through a proxy (e.g. "/metadata/instance", "2021-12-13"). *out receives
 * the JSON body.
 */
int geoha_arm_imds_get(struct geoha_arm_client *c, const char *path,
                       const char *api_version, const struct geoha_deadline *d,
                       json_t **out);

/*
 * POST a JSON body to {imds_endpoint}{path}?api-version=… the same way
 * (e.g. Scheduled Events' StartRequests); success is a 200 answer, whose
 * body (empty from IMDS) is not read.
 */
int geoha_arm_imds_post(struct geoha_arm_client *c, const char *path,
                        const char *api_version, const json_t *body,
                        const struct geoha_deadline *d);

/* ---- resource paths ---- */

#define GEOHA_ARM_PATH_MAX 1024 /* bytes of a path, with the NUL */
#define GEOHA_ARM_NAME_MAX 260  /* bytes of one name, without the NUL */

/*
 * Whether s is a safe resource name / id segment: 1..GEOHA_ARM_NAME_MAX
 * bytes of [A-Za-z0-9._()-] (so no '/', '?', '#', '%', spaces or control
 * characters), not "." or "..".
 */
bool geoha_arm_name_valid(const char *s);

/*
 * Build "/subscriptions/{sub}/resourceGroups/{rg}/providers/{provider}"
 * followed by "/{seg}" for each further argument up to a NULL, e.g.
 *   geoha_arm_path(p, sizeof p, sub, rg,
 *                  "Microsoft.Network/trafficmanagerprofiles", profile,
 *                  "ExternalEndpoints", endpoint, NULL);
 * provider is "Namespace/type" (validated like names, one '/' allowed);
 * sub, rg and every segment must pass geoha_arm_name_valid(). Returns 0,
 * -EINVAL for a bad name, -ENOSPC when it does not fit in size or is
 * GEOHA_ARM_PATH_MAX bytes or longer (what geoha_arm_id_check() takes).
 */
int geoha_arm_path(char *dst, size_t size, const char *sub, const char *rg,
                   const char *provider, ...) __attribute__((sentinel));

/*
 * Check a full resource id given by an admin ("/subscriptions/…", segments
 * valid names, no query). Returns 0 or -EINVAL.
 */
int geoha_arm_id_check(const char *id);

/* ---- JSON helpers for ARM bodies ---- */

/*
 * The member at a dotted path ("properties.endpointStatus"), or NULL when
 * any step is missing or not an object. Borrowed reference.
 */
json_t *geoha_arm_json_at(const json_t *root, const char *dotted);
/* The string at a dotted path, or NULL when missing or not a string. */
const char *geoha_arm_json_str(const json_t *root, const char *dotted);
/*
 * The integer at a dotted path: a JSON integer, an integral real, or a
 * string holding a decimal integer ("86399"), in [min, max]. -ENOENT when
 * missing/null, -EINVAL for another type, -ERANGE out of range.
 */
int geoha_arm_json_ll(const json_t *root, const char *dotted, long long min,
                      long long max, long long *out);
/* A boolean, or the strings "true"/"false" (any case). Like _ll. */
int geoha_arm_json_bool(const json_t *root, const char *dotted, bool *out);

#endif /* GEOHA_ARM_H */
