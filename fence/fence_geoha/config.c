/*
 * fence_geoha: the typed configuration.
 *
 * fence_config_fill() reads the option table's values once, after the
 * parse, and turns them into struct fence_config: numbers, booleans, the
 * ARM client's configuration, the fabric maps. Every bad value is found
 * here, with the message the operator sees; the actions read the struct
 * only. No I/O but the file checks of the ARM configuration, no logging.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "geoha/arm.h"
#include "geoha/map.h"
#include "geoha/util.h"

#include "fence_geoha.h"

#ifndef GEOHA_VERSION
#define GEOHA_VERSION "0"
#endif

#define CLOUD_CHINA_ARM "https://management.chinacloudapi.cn"
#define CLOUD_CHINA_LOGIN "https://login.chinacloudapi.cn"
#define CLOUD_USGOV_ARM "https://management.usgovcloudapi.net"
#define CLOUD_USGOV_LOGIN "https://login.microsoftonline.us"

/* An option's value, NULL when it is not given or empty ("key=", which a
 * rendered configuration may hold for an unused option). */
static const char *
opt_set(const struct fence_opts *o, enum fopt_id id)
{
    const char *s = fence_opt(o, id);

    return s != NULL && s[0] != '\0' ? s : NULL;
}

/* An option and the field of struct fence_config it fills. */
struct field {
    enum fopt_id id;
    size_t at; /* offsetof */
};

#define AT(member) offsetof(struct fence_config, member)

/* bool fields; a value that is not a boolean reads false (and is
 * reported by fence_opts_check()). */
static const struct field bools[] = {
    { O_HELP, AT(help) },         { O_VERSION, AT(version) },
    { O_VERBOSE, AT(verbose) },   { O_QUIET, AT(quiet) },
    { O_SHUTDOWN, AT(shutdown) },
};

/* long long fields, filled once the values passed fence_opts_check(). */
static const struct field numbers[] = {
    { O_POWER_TIMEOUT, AT(power_timeout_s) },
    { O_REGION_TIMEOUT, AT(region_timeout_s) },
    { O_POWER_WAIT, AT(power_wait_s) },
    { O_DELAY, AT(delay_s) },
    { O_API_TIMEOUT, AT(api_timeout_s) },
    { O_FABRIC_TIMEOUT, AT(fabric_timeout_s) },
    { O_RETRY_ON, AT(retry_on) },
};

/* What the run itself needs, read whatever else is wrong: help, version
 * and metadata answer, and the log is set up, from these alone. */
static void
fill_run(struct fence_config *c, const struct fence_opts *o,
         const struct fence_action *actions)
{
    c->action_given = fence_opt(o, O_ACTION);
    c->action = fence_action_find(actions, c->action_given);
    c->plug = opt_set(o, O_PLUG);
    c->target = fence_opt(o, O_NODENAME);
    c->debug_file = fence_opt(o, O_DEBUG_FILE);
    for (size_t i = 0; i < sizeof(bools) / sizeof(bools[0]); i++) {
        *(bool *)((char *)c + bools[i].at) = fence_opt_bool(o, bools[i].id);
    }
}

static int64_t
poll_interval_ms(long long status_sleep_s)
{
    const char *env = getenv(FENCE_ENV_POLL_MS);
    long long ms;

    if (env != NULL && geoha_parse_ll(env, 10, 600000, &ms) == 0) {
        return ms;
    }
    ms = status_sleep_s * 1000;
    return ms > 0 ? ms : 100;
}

/* Numbers; their text passed fence_opts_check(). */
static void
fill_values(struct fence_config *c, const struct fence_opts *o)
{
    for (size_t i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++) {
        *(long long *)((char *)c + numbers[i].at) =
            fence_opt_ll(o, numbers[i].id);
    }
    c->poll_ms = poll_interval_ms(fence_opt_ll(o, O_STATUS_SLEEP));
    c->separator = fence_opt(o, O_SEPARATOR);
}

/* Choose the credentials from msi / auth / secret_file / token_file. */
static int
fill_auth(struct fence_config *c, const struct fence_opts *o, char *err,
          size_t errlen)
{
    bool msi = fence_opt_bool(o, O_MSI);
    const char *auth = fence_opt(o, O_AUTH);
    bool has_secret = fence_opt_given(o, O_SECRET_FILE);
    bool has_token = fence_opt_given(o, O_TOKEN_FILE);

    if (msi && (has_secret || has_token)) {
        geoha_snprintf(err, errlen,
                       "msi=1 cannot be combined with secret_file or "
                       "token_file");
        return GEOHA_E_CONFIG;
    }
    if (msi && auth != NULL && strcmp(auth, GEOHA_ARM_AUTH_MSI_S) != 0) {
        geoha_snprintf(err, errlen, "msi=1 contradicts auth='%s'", auth);
        return GEOHA_E_CONFIG;
    }
    if (auth == NULL) {
        auth = has_secret  ? GEOHA_ARM_AUTH_SECRET_S
               : has_token ? GEOHA_ARM_AUTH_TOKEN_FILE_S
                           : GEOHA_ARM_AUTH_MSI_S;
    }
    if (geoha_arm_config_set(&c->arm, GEOHA_ARM_P_AUTH, auth) != 0) {
        geoha_snprintf(err, errlen, "auth='%s' is not a credential method",
                       auth);
        return GEOHA_E_CONFIG;
    }
    return 0;
}

/* The ARM client's configuration; files: check the files it names. */
static int
fill_arm(struct fence_config *c, const struct fence_opts *o, bool files,
         char *err, size_t errlen)
{
    const char *cloud = fence_opt(o, O_CLOUD);
    int rc;

    geoha_arm_config_init(&c->arm);
    rc = fill_auth(c, o, err, errlen);
    if (rc != 0) {
        return rc;
    }
    if (cloud != NULL && strcmp(cloud, "china") == 0) {
        c->arm.arm_endpoint = CLOUD_CHINA_ARM;
        c->arm.login_endpoint = CLOUD_CHINA_LOGIN;
    } else if (cloud != NULL && strcmp(cloud, "usgov") == 0) {
        c->arm.arm_endpoint = CLOUD_USGOV_ARM;
        c->arm.login_endpoint = CLOUD_USGOV_LOGIN;
    }
    /* Explicit endpoints win over the cloud's. */
    if (fence_opt_given(o, O_ARM_ENDPOINT)) {
        c->arm.arm_endpoint = fence_opt(o, O_ARM_ENDPOINT);
    }
    if (fence_opt_given(o, O_LOGIN_ENDPOINT)) {
        c->arm.login_endpoint = fence_opt(o, O_LOGIN_ENDPOINT);
    }
    if (fence_opt_given(o, O_IMDS_ENDPOINT)) {
        c->arm.imds_endpoint = fence_opt(o, O_IMDS_ENDPOINT);
    }
    c->arm.tenant = fence_opt(o, O_TENANT);
    c->arm.client_id = fence_opt(o, O_LOGIN);
    c->arm.secret_file = fence_opt(o, O_SECRET_FILE);
    c->arm.token_file = fence_opt(o, O_TOKEN_FILE);
    c->arm.ca_file = fence_opt(o, O_CA_FILE);
    c->arm.user_agent = "fence_geoha/" GEOHA_VERSION;
    return geoha_arm_config_check(&c->arm, files, err, errlen);
}

/* The names ARM paths are built from. */
static int
fill_names(struct fence_config *c, const struct fence_opts *o, char *err,
           size_t errlen)
{
    const char *s;

    if (fence_opt_bool(o, O_NETWORK_FENCING)) {
        geoha_snprintf(err, errlen,
                       "network_fencing is not supported by fence_geoha; "
                       "use tm_profile/tm_endpoints and db_servers");
        return GEOHA_E_CONFIG;
    }
    s = fence_opt(o, O_SUBSCRIPTION);
    if (s != NULL && !geoha_arm_name_valid(s)) {
        geoha_snprintf(err, errlen, "subscriptionId='%s' is not valid", s);
        return GEOHA_E_CONFIG;
    }
    c->subscription = s;
    s = fence_opt(o, O_RG);
    if (s != NULL && !geoha_arm_name_valid(s)) {
        geoha_snprintf(err, errlen, "resourceGroup='%s' is not valid", s);
        return GEOHA_E_CONFIG;
    }
    c->resource_group = s;
    if (c->plug != NULL && !geoha_arm_name_valid(c->plug)) {
        geoha_snprintf(err, errlen,
                       "plug='%s' is not a virtual machine name (one name; "
                       "letters, digits, '.', '_', '-', '(', ')')",
                       c->plug);
        return GEOHA_E_CONFIG;
    }
    return 0;
}

/* A resource name, or a full resource id. */
static bool
name_or_id_valid(const char *s)
{
    return s[0] == '/' ? geoha_arm_id_check(s) == 0 : geoha_arm_name_valid(s);
}

/* A fabric map option: parsed, or absent (m->n == 0). */
static int
fill_map(const struct fence_opts *o, enum fopt_id id, struct geoha_map *m,
         char *err, size_t errlen)
{
    const char *s = opt_set(o, id);

    memset(m, 0, sizeof(*m));
    if (s == NULL) {
        return 0;
    }
    if (geoha_map_parse(s, m) != 0) {
        geoha_snprintf(err, errlen,
                       "%s='%s' is not a list of node=value pairs (unique "
                       "nodes, at most %d)",
                       fence_opts_table[id].name, s, GEOHA_MAP_ENTRIES);
        return GEOHA_E_CONFIG;
    }
    for (size_t i = 0; i < m->n; i++) {
        if (!name_or_id_valid(m->e[i].value)) {
            geoha_snprintf(err, errlen,
                           "%s: '%s' is neither a resource name nor a "
                           "resource id",
                           fence_opts_table[id].name, m->e[i].value);
            return GEOHA_E_CONFIG;
        }
    }
    return 0;
}

/* A resource group option: NULL when not set; else a valid name. */
static int
fill_rg(const struct fence_opts *o, enum fopt_id id, const char **out,
        char *err, size_t errlen)
{
    const char *s = opt_set(o, id);

    if (s != NULL && !geoha_arm_name_valid(s)) {
        geoha_snprintf(err, errlen, "%s='%s' is not valid",
                       fence_opts_table[id].name, s);
        return GEOHA_E_CONFIG;
    }
    *out = s;
    return 0;
}

/* The fabric options, checked against each other. */
static int
fill_fabric(struct fence_config *c, const struct fence_opts *o, char *err,
            size_t errlen)
{
    const char *profile = opt_set(o, O_TM_PROFILE);
    int rc;

    rc = fill_map(o, O_TM_ENDPOINTS, &c->tm.endpoints, err, errlen);
    if (rc == 0) {
        rc = fill_map(o, O_DB_SERVERS, &c->db.servers, err, errlen);
    }
    if (rc != 0) {
        return rc;
    }
    if ((profile != NULL) != (c->tm.endpoints.n > 0)) {
        geoha_snprintf(err, errlen,
                       "tm_profile and tm_endpoints must be set together");
        return GEOHA_E_CONFIG;
    }
    if (profile != NULL && !name_or_id_valid(profile)) {
        geoha_snprintf(err, errlen,
                       "tm_profile='%s' is neither a profile name nor a "
                       "resource id",
                       profile);
        return GEOHA_E_CONFIG;
    }
    for (size_t i = 0; i < c->tm.endpoints.n; i++) {
        if (!geoha_arm_name_valid(c->tm.endpoints.e[i].value)) {
            geoha_snprintf(err, errlen,
                           "tm_endpoints: '%s' is not an endpoint name",
                           c->tm.endpoints.e[i].value);
            return GEOHA_E_CONFIG;
        }
    }
    c->tm.profile = profile;
    c->tm.type = fence_opt(o, O_TM_TYPE);
    c->db.stop = strcmp(fence_opt(o, O_DB_ACTION), "none") != 0;
    rc = fill_rg(o, O_TM_RG, &c->tm.rg, err, errlen);
    if (rc == 0) {
        rc = fill_rg(o, O_DB_RG, &c->db.rg, err, errlen);
    }
    return rc;
}

int
fence_config_fill(struct fence_config *c, const struct fence_opts *o,
                  const struct fence_action *actions, bool files, char *err,
                  size_t errlen)
{
    int rc;

    memset(c, 0, sizeof(*c));
    err[0] = '\0';
    fill_run(c, o, actions);
    rc = fence_opts_check(o, err, errlen);
    if (rc == 0) {
        fill_values(c, o);
        rc = fill_arm(c, o, files, err, errlen);
    }
    if (rc == 0) {
        rc = fill_names(c, o, err, errlen);
    }
    if (rc == 0) {
        rc = fill_fabric(c, o, err, errlen);
    }
    if (rc == 0 && c->action != NULL && (c->action->flags & FACT_PLUG) != 0
        && c->plug == NULL) {
        geoha_snprintf(err, errlen,
                       "Action '%s' needs the virtual machine: set plug "
                       "(or port)",
                       c->action->name);
        rc = GEOHA_E_CONFIG;
    }
    if (rc != 0 && err[0] == '\0') {
        geoha_strlcpy(err, geoha_strerror(rc), errlen);
    }
    return rc;
}
