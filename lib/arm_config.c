/*
 * geoha ARM client: configuration (defaults, key=value setting, checks).
 * The OCF glue (geoha_arm_config_from_ctx) is in arm_ocf.c so that
 * fence_geoha does not pull in the OCF core.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "geoha/file.h"

#include "arm_int.h"

const char *const geoha_arm_auth_choices[] = {
    [GEOHA_ARM_AUTH_MSI] = GEOHA_ARM_AUTH_MSI_S,
    [GEOHA_ARM_AUTH_SECRET] = GEOHA_ARM_AUTH_SECRET_S,
    [GEOHA_ARM_AUTH_TOKEN_FILE] = GEOHA_ARM_AUTH_TOKEN_FILE_S,
    NULL,
};

/*
 * Every ARM parameter, in GEOHA_ARM_PARAMS order, and the field of struct
 * geoha_arm_config it sets: the one list that fence_geoha's options
 * (geoha_arm_config_set) and the agents' parameters
 * (geoha_arm_config_from_ctx, through geoha_arm_param_name) are read by.
 * auth is parsed, not stored as text (no field).
 */
#define NO_FIELD ((size_t)-1)
static const struct {
    const char *name;
    size_t field; /* offset of a const char * in the config, or NO_FIELD */
} params[] = {
    { GEOHA_ARM_P_AUTH, NO_FIELD },
    { GEOHA_ARM_P_TENANT, offsetof(struct geoha_arm_config, tenant) },
    { GEOHA_ARM_P_CLIENT_ID, offsetof(struct geoha_arm_config, client_id) },
    { GEOHA_ARM_P_SECRET_FILE, offsetof(struct geoha_arm_config, secret_file) },
    { GEOHA_ARM_P_TOKEN_FILE, offsetof(struct geoha_arm_config, token_file) },
    { GEOHA_ARM_P_ARM_ENDPOINT,
      offsetof(struct geoha_arm_config, arm_endpoint) },
    { GEOHA_ARM_P_LOGIN_ENDPOINT,
      offsetof(struct geoha_arm_config, login_endpoint) },
    { GEOHA_ARM_P_IMDS_ENDPOINT,
      offsetof(struct geoha_arm_config, imds_endpoint) },
    { GEOHA_ARM_P_CA_FILE, offsetof(struct geoha_arm_config, ca_file) },
};

_Static_assert(sizeof(params) / sizeof(params[0]) == GEOHA_ARM_N_PARAMS,
               "GEOHA_ARM_N_PARAMS is the number of ARM parameters");

const char *
geoha_arm_param_name(size_t i)
{
    return i < sizeof(params) / sizeof(params[0]) ? params[i].name : NULL;
}

void
geoha_arm_config_init(struct geoha_arm_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->auth = GEOHA_ARM_AUTH_MSI;
    cfg->arm_endpoint = GEOHA_ARM_DEFAULT_ARM_ENDPOINT;
    cfg->login_endpoint = GEOHA_ARM_DEFAULT_LOGIN_ENDPOINT;
    cfg->imds_endpoint = GEOHA_ARM_DEFAULT_IMDS_ENDPOINT;
}

static int
auth_parse(const char *value, enum geoha_arm_auth *out)
{
    for (int i = 0; geoha_arm_auth_choices[i] != NULL; i++) {
        if (geoha_streq(value, geoha_arm_auth_choices[i])) {
            *out = (enum geoha_arm_auth)i;
            return 0;
        }
    }
    return GEOHA_E_CONFIG;
}

int
geoha_arm_config_set(struct geoha_arm_config *cfg, const char *name,
                     const char *value)
{
    if (cfg == NULL || name == NULL) {
        return -EINVAL;
    }
    if (strcmp(name, GEOHA_ARM_P_AUTH) == 0) {
        return auth_parse(
            value != NULL && value[0] != '\0' ? value : GEOHA_ARM_DEFAULT_AUTH,
            &cfg->auth);
    }
    for (size_t i = 0; i < sizeof(params) / sizeof(params[0]); i++) {
        if (params[i].field != NO_FIELD && strcmp(name, params[i].name) == 0) {
            *(const char **)((char *)cfg + params[i].field) = value;
            return 0;
        }
    }
    return -ENOENT;
}

static bool
set(const char *s)
{
    return s != NULL && s[0] != '\0';
}

/* Tenant and client ids go into URLs and forms: keep them plain. */
static bool
id_ok(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n > 256) {
        return false;
    }
    for (const char *p = s; *p != '\0'; p++) {
        unsigned char ch = (unsigned char)*p;

        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')
              || (ch >= '0' && ch <= '9') || ch == '-' || ch == '.'
              || ch == '_')) {
            return false;
        }
    }
    return true;
}

static int
check_url(const char *name, const char *url, char *err, size_t errlen)
{
    int rc = geoha_arm_url_check(url);

    /* The URL itself is never echoed when it may carry a password: the
     * message goes to exit reasons, and so to the CIB. */
    if (geoha_arm_url_has_userinfo(url)) {
        geoha_snprintf(err, errlen,
                       "%s has a user name or password in it "
                       "(user:password@host, not shown here): credentials "
                       "never go in a URL, use auth= and its files",
                       name);
        return rc != 0 ? rc : GEOHA_E_INSECURE;
    }
    if (rc == GEOHA_E_INSECURE && url != NULL && strstr(url, "://") != NULL
        && strncasecmp(url, "http://", 7) != 0) {
        geoha_snprintf(err, errlen,
                       "%s has a user name or password in it (not shown "
                       "here): credentials never go in a URL, use auth= "
                       "and its files",
                       name);
    } else if (rc == GEOHA_E_INSECURE) {
        geoha_snprintf(err, errlen,
                       "%s '%s' uses plain http:// to a host that is not "
                       "loopback or the IMDS address; use https://",
                       name, url);
    } else if (rc != 0) {
        geoha_snprintf(err, errlen, "%s '%s' is not an http(s) URL", name, url);
    }
    return rc;
}

static int
check_private(const char *name, const char *path, bool files, char *err,
              size_t errlen)
{
    int rc;

    if (path[0] != '/') {
        geoha_snprintf(err, errlen, "%s '%s' is not an absolute path", name,
                       path);
        return GEOHA_E_CONFIG;
    }
    if (!files) {
        return 0;
    }
    rc = geoha_file_check_private(path);
    if (rc == GEOHA_E_INSECURE) {
        geoha_snprintf(err, errlen,
                       "%s '%s' can be read by others or has the wrong "
                       "owner: it must be owned by root, mode 0600 or 0400",
                       name, path);
    } else if (rc != 0) {
        geoha_snprintf(err, errlen, "%s '%s' cannot be used: %s", name, path,
                       geoha_strerror(rc));
    }
    return rc;
}

int
geoha_arm_config_check(const struct geoha_arm_config *cfg, bool files,
                       char *err, size_t errlen)
{
    char dummy[8];
    int rc;

    if (err == NULL || errlen == 0) {
        err = dummy;
        errlen = sizeof(dummy);
    }
    err[0] = '\0';
    if (cfg == NULL) {
        return -EINVAL;
    }
    rc = check_url(GEOHA_ARM_P_ARM_ENDPOINT,
                   set(cfg->arm_endpoint) ? cfg->arm_endpoint
                                          : GEOHA_ARM_DEFAULT_ARM_ENDPOINT,
                   err, errlen);
    if (rc != 0) {
        return rc;
    }
    /* Every endpoint that is set, whichever auth uses it: none may carry
     * credentials (and each must be a usable URL). */
    if (set(cfg->login_endpoint)) {
        rc = check_url(GEOHA_ARM_P_LOGIN_ENDPOINT, cfg->login_endpoint, err,
                       errlen);
        if (rc != 0) {
            return rc;
        }
    }
    if (set(cfg->imds_endpoint)) {
        rc = check_url(GEOHA_ARM_P_IMDS_ENDPOINT, cfg->imds_endpoint, err,
                       errlen);
        if (rc != 0) {
            return rc;
        }
    }
    if (set(cfg->client_id) && !id_ok(cfg->client_id)) {
        geoha_snprintf(err, errlen,
                       "%s '%s' has characters other than "
                       "letters, digits, '-', '.', '_'",
                       GEOHA_ARM_P_CLIENT_ID, cfg->client_id);
        return GEOHA_E_CONFIG;
    }
    if (set(cfg->ca_file) && files && access(cfg->ca_file, R_OK) != 0) {
        rc = -errno;
        geoha_snprintf(err, errlen, "%s '%s' cannot be read: %s",
                       GEOHA_ARM_P_CA_FILE, cfg->ca_file, strerror(-rc));
        return rc;
    }
    switch (cfg->auth) {
    case GEOHA_ARM_AUTH_MSI:
        return check_url(GEOHA_ARM_P_IMDS_ENDPOINT,
                         set(cfg->imds_endpoint)
                             ? cfg->imds_endpoint
                             : GEOHA_ARM_DEFAULT_IMDS_ENDPOINT,
                         err, errlen);
    case GEOHA_ARM_AUTH_SECRET:
        if (!set(cfg->tenant) || !set(cfg->client_id)
            || !set(cfg->secret_file)) {
            geoha_snprintf(err, errlen, "auth=secret needs %s, %s and %s",
                           GEOHA_ARM_P_TENANT, GEOHA_ARM_P_CLIENT_ID,
                           GEOHA_ARM_P_SECRET_FILE);
            return GEOHA_E_CONFIG;
        }
        if (!id_ok(cfg->tenant)) {
            geoha_snprintf(err, errlen,
                           "%s '%s' has characters other than letters, "
                           "digits, '-', '.', '_'",
                           GEOHA_ARM_P_TENANT, cfg->tenant);
            return GEOHA_E_CONFIG;
        }
        rc = check_url(GEOHA_ARM_P_LOGIN_ENDPOINT,
                       set(cfg->login_endpoint)
                           ? cfg->login_endpoint
                           : GEOHA_ARM_DEFAULT_LOGIN_ENDPOINT,
                       err, errlen);
        if (rc != 0) {
            return rc;
        }
        return check_private(GEOHA_ARM_P_SECRET_FILE, cfg->secret_file, files,
                             err, errlen);
    case GEOHA_ARM_AUTH_TOKEN_FILE:
        if (!set(cfg->token_file)) {
            geoha_snprintf(err, errlen, "auth=token-file needs %s",
                           GEOHA_ARM_P_TOKEN_FILE);
            return GEOHA_E_CONFIG;
        }
        return check_private(GEOHA_ARM_P_TOKEN_FILE, cfg->token_file, files,
                             err, errlen);
    }
    geoha_snprintf(err, errlen, "unknown auth");
    return GEOHA_E_CONFIG;
}
