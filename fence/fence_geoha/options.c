/*
 * fence_geoha: options, as fence-agents take them.
 *
 * With arguments the command line is parsed (getopt_long, the option
 * names of fence_azure_arm where the meaning is the same); without, the
 * key=value lines on standard input (how pacemaker-fenced runs agents).
 * Both follow fencing.py: blank lines and '#' comments are skipped, a
 * value in double quotes loses them, '-' and '_' in names are the same,
 * unknown options are reported and ignored, and a repeated option keeps
 * its last value (also reported). Unlike fencing.py, an option that
 * would carry a secret (passwd, passwd_script) is refused outright, and
 * input that cannot be trusted as text (NUL bytes, over-long lines or
 * input) is an error, never truncated.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "geoha/arm.h"
#include "geoha/map.h"
#include "geoha/util.h"

#include "fence_geoha.h"

#define AGENT_SHORTDESC                                                        \
    "Fence agent for Azure virtual machines (ARM), with Traffic Manager "      \
    "and database fabric fencing"

#define AGENT_LONGDESC                                                         \
    "fence_geoha powers Azure virtual machines off and on through Azure "      \
    "Resource Manager. 'off' asks for a power-off without graceful "           \
    "shutdown and succeeds only once the VM's PowerState is stopped or "       \
    "deallocated (within power_timeout); throttling (HTTP 429) and "           \
    "transient ARM errors are retried inside that time. 'reboot' is "          \
    "'off' followed by 'on'; as in fence-agents it succeeds once the VM "      \
    "is off, even when the power-on then fails (that is logged).\n"            \
    "Fabric fencing (optional, on 'off' and 'reboot', run at the same "        \
    "time as the power-off, in processes of their own): tm_profile with "      \
    "tm_endpoints disables the fenced node's Traffic Manager endpoint, "       \
    "db_servers stops the fenced node's Azure Database for MySQL flexible "    \
    "server when it is a writer. The maps are keyed by cluster node name: "    \
    "the 'nodename' Pacemaker passes, else the plug (VM name). Every step "    \
    "is logged; a failed step is reported and the power-off is still "         \
    "done; the result of the action is the result of the power operation, "    \
    "reported only once every fabric request was sent or gave up. Fabric "     \
    "fencing is not undone by 'on': the cluster's resource agents "            \
    "re-enable the endpoint and the database when the node rejoins.\n"         \
    "Region outage: when the VM's region does not answer within "              \
    "region_timeout, 'off' and 'reboot' fail (exit 1) after that time, "       \
    "with the Traffic Manager endpoint (a global service) still disabled, "    \
    "so that a fencing topology's next level (watchdog/sbd) takes over "       \
    "instead of Pacemaker retrying this one for the whole stonith-timeout.\n"  \
    "Credentials: the VM's managed identity (msi=1, the default), or a "       \
    "service principal (tenantId, login) whose secret is in a root-only "      \
    "secret_file. Secrets are never taken as options (passwd and "             \
    "passwd_script are refused)."

static const char *const tm_types[] = { "AzureEndpoints", "ExternalEndpoints",
                                        "NestedEndpoints", NULL };
static const char *const db_actions[] = { "stop", "none", NULL };
static const char *const clouds[] = { "public", "china", "usgov", NULL };

/* clang-format off */
const struct fopt fence_opts_table[O_N] = {
    [O_ACTION] = { "action", "action", 'o', FOPT_STRING, FENCE_DEFAULT_ACTION,
        "[action]", 0, O_ACTION, NULL, NULL, "Fencing action" },
    [O_PLUG] = { "plug", "plug", 'n', FOPT_STRING, NULL, "[id]", 0, O_PLUG,
        "port", NULL, "Name of the virtual machine to fence" },
    [O_PORT] = { "port", NULL, 0, FOPT_STRING, NULL, "[id]", FOPT_DEPRECATED,
        O_PLUG, NULL, NULL, "Name of the virtual machine to fence" },
    [O_NODENAME] = { "nodename", "nodename", 0, FOPT_STRING, NULL, "[name]",
        0, O_NODENAME, NULL, NULL,
        "Cluster node name of the target (Pacemaker sets it); the key of "
        "tm_endpoints and db_servers" },
    [O_LOGIN] = { "login", "username", 'l', FOPT_STRING, NULL, "[appid]",
        FOPT_DEPRECATED, O_LOGIN, NULL, NULL,
        "Client id: the service principal's application id, or a "
        "user-assigned managed identity's client id" },
    [O_USERNAME] = { "username", NULL, 0, FOPT_STRING, NULL, "[appid]", 0,
        O_LOGIN, "login", NULL,
        "Client id: the service principal's application id, or a "
        "user-assigned managed identity's client id" },
    [O_CLIENT_ID] = { GEOHA_ARM_P_CLIENT_ID, NULL, 0, FOPT_STRING, NULL,
        "[appid]", FOPT_HIDDEN, O_LOGIN, NULL, NULL,
        "Client id (as geoha's agents)" },
    [O_PASSWD] = { "passwd", "password", 'p', FOPT_STRING, NULL, "[authkey]",
        FOPT_DEPRECATED | FOPT_REFUSED, O_PASSWD, NULL, NULL,
        "Refused: put the client secret in a root-only secret_file" },
    [O_PASSWORD] = { "password", NULL, 0, FOPT_STRING, NULL, "[authkey]",
        FOPT_REFUSED, O_PASSWD, "passwd", NULL,
        "Refused: put the client secret in a root-only secret_file" },
    [O_PASSWD_SCRIPT] = { "passwd_script", "password-script", 'S',
        FOPT_STRING, NULL, "[script]", FOPT_DEPRECATED | FOPT_REFUSED,
        O_PASSWD_SCRIPT, NULL, NULL,
        "Refused: put the client secret in a root-only secret_file" },
    [O_PASSWORD_SCRIPT] = { "password_script", NULL, 0, FOPT_STRING, NULL,
        "[script]", FOPT_REFUSED, O_PASSWD_SCRIPT, "passwd_script", NULL,
        "Refused: put the client secret in a root-only secret_file" },
    [O_TENANT] = { "tenantId", "tenantId", 0, FOPT_STRING, NULL, "[name]", 0,
        O_TENANT, NULL, NULL, "Id of the Entra ID (Azure AD) tenant" },
    [O_TENANT_ALIAS] = { GEOHA_ARM_P_TENANT, NULL, 0, FOPT_STRING, NULL,
        "[name]", FOPT_HIDDEN, O_TENANT, NULL, NULL,
        "Tenant (as geoha's agents)" },
    [O_SUBSCRIPTION] = { "subscriptionId", "subscriptionId", 0, FOPT_STRING,
        NULL, "[name]", 0, O_SUBSCRIPTION, NULL, NULL,
        "Id of the Azure subscription; the instance metadata service is "
        "asked when not set" },
    [O_RG] = { "resourceGroup", "resourceGroup", 0, FOPT_STRING, NULL,
        "[name]", 0, O_RG, NULL, NULL,
        "Resource group of the virtual machines; the instance metadata "
        "service is asked when not set" },
    [O_MSI] = { "msi", "msi", 0, FOPT_BOOL, NULL, NULL, 0, O_MSI, NULL, NULL,
        "Use the VM's managed identity (the default when no secret_file "
        "or token_file is set)" },
    [O_AUTH] = { GEOHA_ARM_P_AUTH, GEOHA_ARM_P_AUTH, 0, FOPT_SELECT, NULL,
        "[method]", 0, O_AUTH, NULL, geoha_arm_auth_choices,
        "Credentials: msi, secret (tenantId, login, secret_file) or "
        "token-file; by default msi, or what secret_file/token_file imply" },
    [O_SECRET_FILE] = { GEOHA_ARM_P_SECRET_FILE, "secret-file", 0,
        FOPT_STRING, NULL, "[path]", 0, O_SECRET_FILE, NULL, NULL,
        "File with the service principal's client secret, readable by its "
        "owner (root) only" },
    [O_TOKEN_FILE] = { GEOHA_ARM_P_TOKEN_FILE, "token-file", 0, FOPT_STRING,
        NULL, "[path]", 0, O_TOKEN_FILE, NULL, NULL,
        "File with an ARM bearer token, readable by its owner (root) only "
        "(tests, break-glass)" },
    [O_CLOUD] = { "cloud", "cloud", 0, FOPT_SELECT, NULL, "[name]", 0,
        O_CLOUD, NULL, clouds,
        "Azure cloud: public, china or usgov (sets arm_endpoint and "
        "login_endpoint)" },
    [O_ARM_ENDPOINT] = { GEOHA_ARM_P_ARM_ENDPOINT, "arm-endpoint", 0,
        FOPT_STRING, GEOHA_ARM_DEFAULT_ARM_ENDPOINT, "[url]", 0,
        O_ARM_ENDPOINT, NULL, NULL, "Azure Resource Manager base URL" },
    [O_LOGIN_ENDPOINT] = { GEOHA_ARM_P_LOGIN_ENDPOINT, "login-endpoint", 0,
        FOPT_STRING, GEOHA_ARM_DEFAULT_LOGIN_ENDPOINT, "[url]", 0,
        O_LOGIN_ENDPOINT, NULL, NULL, "Entra ID token endpoint base URL" },
    [O_IMDS_ENDPOINT] = { GEOHA_ARM_P_IMDS_ENDPOINT, "imds-endpoint", 0,
        FOPT_STRING, GEOHA_ARM_DEFAULT_IMDS_ENDPOINT, "[url]", 0,
        O_IMDS_ENDPOINT, NULL, NULL, "Instance metadata service base URL" },
    [O_CA_FILE] = { GEOHA_ARM_P_CA_FILE, "ca-file", 0, FOPT_STRING, NULL,
        "[path]", 0, O_CA_FILE, NULL, NULL,
        "CAs to trust instead of the system's: a PEM file, or a "
        "directory hashed by openssl rehash (TLS is always verified)" },
    [O_SHUTDOWN] = { "shutdown", "shutdown", 0, FOPT_BOOL, "0", NULL, 0,
        O_SHUTDOWN, NULL, NULL,
        "Let the guest shut down gracefully before the power-off (slower; "
        "off by default)" },
    [O_POWER_TIMEOUT] = { "power_timeout", "power-timeout", 0, FOPT_SECOND,
        FENCE_DEFAULT_POWER_TIMEOUT, "[seconds]", 0, O_POWER_TIMEOUT, NULL,
        NULL,
        "Seconds a power-off or power-on may take, from the request to the "
        "confirmed PowerState, retries included" },
    [O_REGION_TIMEOUT] = { "region_timeout", "region-timeout", 0,
        FOPT_SECOND, FENCE_DEFAULT_REGION_TIMEOUT, "[seconds]", 0,
        O_REGION_TIMEOUT, NULL, NULL,
        "Seconds to wait for the fenced VM's region to answer at all (the "
        "first ARM request on the VM, and the database server's read) "
        "before off, reboot, status and monitor give up and fail, so that "
        "the next fencing level (watchdog) takes over in a region outage; "
        "once the region has answered, power_timeout applies (1-86400)" },
    [O_POWER_WAIT] = { "power_wait", "power-wait", 0, FOPT_SECOND,
        FENCE_DEFAULT_POWER_WAIT, "[seconds]", 0, O_POWER_WAIT, NULL, NULL,
        "Wait X seconds after a confirmed power change" },
    [O_DELAY] = { "delay", "delay", 0, FOPT_SECOND, FENCE_DEFAULT_DELAY,
        "[seconds]", 0, O_DELAY, NULL, NULL,
        "Wait X seconds before fencing is started (off, reboot)" },
    [O_STATUS_SLEEP] = { "stonith_status_sleep", "stonith-status-sleep", 0,
        FOPT_SECOND, FENCE_DEFAULT_STATUS_SLEEP, "[seconds]", 0,
        O_STATUS_SLEEP, NULL, NULL,
        "Sleep X seconds between PowerState reads while waiting" },
    [O_API_TIMEOUT] = { "api_timeout", "api-timeout", 0, FOPT_SECOND,
        FENCE_DEFAULT_API_TIMEOUT, "[seconds]", 0, O_API_TIMEOUT, NULL, NULL,
        "Seconds status, monitor and list may take, retries included" },
    [O_RETRY_ON] = { "retry_on", "retry-on", 0, FOPT_INT,
        FENCE_DEFAULT_RETRY_ON, "[attempts]", 0, O_RETRY_ON, NULL, NULL,
        "Count of attempts to power on" },
    [O_TM_PROFILE] = { "tm_profile", "tm-profile", 0, FOPT_STRING, NULL,
        "[name]", 0, O_TM_PROFILE, NULL, NULL,
        "Traffic Manager profile (name, or full resource id) whose endpoint "
        "of the fenced node is disabled before the power-off" },
    [O_TM_RG] = { "tm_resource_group", "tm-resource-group", 0, FOPT_STRING,
        NULL, "[name]", 0, O_TM_RG, NULL, NULL,
        "Resource group of tm_profile (default: resourceGroup)" },
    [O_TM_ENDPOINTS] = { "tm_endpoints", "tm-endpoints", 0, FOPT_STRING,
        NULL, "[node=endpoint ...]", 0, O_TM_ENDPOINTS, NULL, NULL,
        "Traffic Manager endpoint of each node, as node=endpoint pairs" },
    [O_TM_TYPE] = { "tm_endpoint_type", "tm-endpoint-type", 0, FOPT_SELECT,
        FENCE_DEFAULT_TM_TYPE, "[type]", 0, O_TM_TYPE, NULL, tm_types,
        "Type of the Traffic Manager endpoints" },
    [O_DB_SERVERS] = { "db_servers", "db-servers", 0, FOPT_STRING, NULL,
        "[node=server ...]", 0, O_DB_SERVERS, NULL, NULL,
        "Azure Database for MySQL flexible server (name, or full resource "
        "id) of each node, as node=server pairs" },
    [O_DB_RG] = { "db_resource_group", "db-resource-group", 0, FOPT_STRING,
        NULL, "[name]", 0, O_DB_RG, NULL, NULL,
        "Resource group of db_servers given by name (default: "
        "resourceGroup)" },
    [O_DB_ACTION] = { "db_action", "db-action", 0, FOPT_SELECT,
        FENCE_DEFAULT_DB_ACTION, "[action]", 0, O_DB_ACTION, NULL, db_actions,
        "What to do to the fenced node's database server when it is a "
        "writer: stop, or none" },
    [O_FABRIC_TIMEOUT] = { "fabric_timeout", "fabric-timeout", 0,
        FOPT_SECOND, FENCE_DEFAULT_FABRIC_TIMEOUT, "[seconds]", 0,
        O_FABRIC_TIMEOUT, NULL, NULL,
        "Seconds the fabric fencing steps may take" },
    [O_NETWORK_FENCING] = { "network_fencing", "network-fencing", 0,
        FOPT_BOOL, NULL, NULL, FOPT_HIDDEN, O_NETWORK_FENCING, NULL, NULL,
        "Not supported (use tm_endpoints, db_servers)" },
    [O_SEPARATOR] = { "separator", "separator", 'C', FOPT_STRING,
        FENCE_DEFAULT_SEPARATOR, "[char]", 0, O_SEPARATOR, NULL, NULL,
        "Separator for CSV created by 'list' operation" },
    [O_VERBOSE] = { "verbose", "verbose", 'v', FOPT_BOOL, NULL, NULL, 0,
        O_VERBOSE, NULL, NULL, "Verbose mode: log every ARM exchange" },
    [O_DEBUG_FILE] = { "debug_file", "debug-file", 'D', FOPT_STRING, NULL,
        "[debugfile]", 0, O_DEBUG_FILE, "debug", NULL,
        "Write debug information (ARM exchanges, no secrets) to given "
        "file" },
    [O_DEBUG] = { "debug", NULL, 0, FOPT_STRING, NULL, "[debugfile]",
        FOPT_DEPRECATED, O_DEBUG_FILE, NULL, NULL,
        "Write debug information to given file" },
    [O_QUIET] = { "quiet", "quiet", 'q', FOPT_BOOL, NULL, NULL, 0, O_QUIET,
        NULL, NULL, "Disable logging to stderr (syslog still gets it)" },
    [O_VERSION] = { "version", "version", 'V', FOPT_BOOL, NULL, NULL, 0,
        O_VERSION, NULL, NULL, "Display version information and exit" },
    [O_HELP] = { "help", "help", 'h', FOPT_BOOL, NULL, NULL, 0, O_HELP, NULL,
        NULL, "Display help and exit" },
};
/* clang-format on */

void
fence_opts_init(struct fence_opts *o)
{
    memset(o, 0, sizeof(*o));
}

void
fence_opts_clear(struct fence_opts *o)
{
    if (o == NULL) {
        return;
    }
    for (unsigned i = 0; i < O_N; i++) {
        free(o->val[i]);
    }
    for (unsigned i = 0; i < o->n_warn; i++) {
        free(o->warn[i]);
    }
    free(o->error);
    memset(o, 0, sizeof(*o));
}

static void
add_warn(struct fence_opts *o, const char *fmt, ...)
{
    char msg[256];
    va_list ap;

    if (o->n_warn == FENCE_MSG_MAX) {
        return; /* enough said */
    }
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    o->warn[o->n_warn] = strdup(msg);
    if (o->warn[o->n_warn] != NULL) {
        o->n_warn++;
    }
}

static int
set_error(struct fence_opts *o, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    if (o->error != NULL) {
        return -EINVAL; /* keep the first */
    }
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    o->error = strdup(msg);
    return -EINVAL;
}

static int
refuse(struct fence_opts *o, enum fopt_id id)
{
    const char *name = fence_opts_table[id].name;

    return set_error(o,
                     "Option '%s' is refused: fence_geoha never takes a "
                     "secret as an option (it would show in the CIB, in "
                     "process lists or in logs); put the client secret in a "
                     "file only root can read and set secret_file=PATH, or "
                     "use the managed identity (msi=1)",
                     name);
}

/* Set the slot of id to value (a copy); the last value wins. */
static int
set_value(struct fence_opts *o, enum fopt_id id, const char *value,
          unsigned line)
{
    const struct fopt *f = &fence_opts_table[id];
    enum fopt_id slot = f->canon;
    char *copy;

    if ((f->flags & FOPT_REFUSED) != 0) {
        return refuse(o, id);
    }
    copy = strdup(value);
    if (copy == NULL) {
        return set_error(o, "Out of memory");
    }
    if (o->val[slot] != NULL) {
        if (line > 0) {
            add_warn(o,
                     "Option '%s' given more than once (again on line %u); "
                     "the last value is used",
                     f->name, line);
        } else {
            add_warn(o,
                     "Option '%s' given more than once; the last value is "
                     "used",
                     f->name);
        }
        free(o->val[slot]);
    } else {
        o->given++;
    }
    o->val[slot] = copy;
    return 0;
}

/* Option names compare case-insensitively with '-' the same as '_'. */
static bool
name_eq(const char *a, size_t alen, const char *b)
{
    size_t i;

    for (i = 0; i < alen && b[i] != '\0'; i++) {
        char x = a[i] == '-' ? '_' : a[i];
        char y = b[i] == '-' ? '_' : b[i];

        if (x >= 'A' && x <= 'Z') {
            x = (char)(x - 'A' + 'a');
        }
        if (y >= 'A' && y <= 'Z') {
            y = (char)(y - 'A' + 'a');
        }
        if (x != y) {
            return false;
        }
    }
    return i == alen && b[i] == '\0';
}

static int
lookup(const char *key, size_t len)
{
    for (int i = 0; i < O_N; i++) {
        const struct fopt *f = &fence_opts_table[i];

        if (name_eq(key, len, f->name)
            || (f->longopt != NULL && name_eq(key, len, f->longopt))) {
            return i;
        }
    }
    return -1;
}

static bool
key_chars_ok(const char *key, size_t len)
{
    if (len == 0 || len > FENCE_KEY_MAX) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        char ch = key[i];

        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')
              || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-')) {
            return false;
        }
    }
    return true;
}

/* One stdin line, already trimmed and NUL-terminated; may be modified. */
static int
parse_line(struct fence_opts *o, char *s, unsigned line)
{
    char *eq;
    char *value;
    size_t klen;
    size_t vlen;
    int id;

    if (s[0] == '\0' || s[0] == '#') {
        return 0;
    }
    eq = strchr(s, '=');
    if (eq == NULL) {
        /* The line may be a secret typed on its own: never echo it. */
        add_warn(o, "Ignoring line %u: not key=value", line);
        return 0;
    }
    klen = (size_t)(eq - s);
    while (klen > 0 && (s[klen - 1] == ' ' || s[klen - 1] == '\t')) {
        klen--;
    }
    if (!key_chars_ok(s, klen)) {
        add_warn(o, "Ignoring line %u: not a valid option name", line);
        return 0;
    }
    s[klen] = '\0';
    value = geoha_strtrim(eq + 1);
    vlen = strlen(value);
    if (vlen >= 2 && value[0] == '"' && value[vlen - 1] == '"') {
        value[vlen - 1] = '\0';
        value++;
    }
    for (const char *p = value; *p != '\0'; p++) {
        if ((unsigned char)*p < 0x20 && *p != '\t') {
            return set_error(o,
                             "Line %u: the value of '%s' contains a control "
                             "character",
                             line, s);
        }
    }
    id = lookup(s, klen);
    if (id < 0) {
        add_warn(o, "Ignoring unknown option '%s' (line %u)", s, line);
        return 0;
    }
    return set_value(o, (enum fopt_id)id, value, line);
}

int
fence_opts_parse_text(struct fence_opts *o, const char *text, size_t len)
{
    char buf[FENCE_LINE_MAX + 1];
    size_t pos = 0;
    unsigned line = 0;
    int rc = 0;

    if (len > FENCE_STDIN_MAX) {
        return set_error(o, "Standard input is larger than %u bytes",
                         FENCE_STDIN_MAX);
    }
    if (memchr(text, '\0', len) != NULL) {
        size_t at = (size_t)((const char *)memchr(text, '\0', len) - text);
        unsigned nl = 1;

        for (size_t i = 0; i < at; i++) {
            nl += text[i] == '\n';
        }
        return set_error(o, "Standard input contains a NUL byte (line %u)", nl);
    }
    while (pos < len && rc == 0) {
        const char *end = memchr(text + pos, '\n', len - pos);
        size_t n = end != NULL ? (size_t)(end - (text + pos)) : len - pos;

        line++;
        if (n > FENCE_LINE_MAX) {
            return set_error(o, "Line %u is longer than %u bytes", line,
                             FENCE_LINE_MAX);
        }
        memcpy(buf, text + pos, n);
        buf[n] = '\0';
        rc = parse_line(o, geoha_strtrim(buf), line);
        pos += n + (end != NULL ? 1 : 0);
    }
    return rc;
}

int
fence_opts_parse_fd(struct fence_opts *o, int fd)
{
    char *text = malloc(FENCE_STDIN_MAX + 1);
    size_t len = 0;
    int rc;

    if (text == NULL) {
        return set_error(o, "Out of memory");
    }
    for (;;) {
        ssize_t n = read(fd, text + len, FENCE_STDIN_MAX + 1 - len);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            rc =
                set_error(o, "Cannot read standard input: %s", strerror(errno));
            goto done;
        }
        if (n == 0) {
            break;
        }
        len += (size_t)n;
        if (len > FENCE_STDIN_MAX) {
            rc = set_error(o, "Standard input is larger than %u bytes",
                           FENCE_STDIN_MAX);
            goto done;
        }
    }
    rc = fence_opts_parse_text(o, text, len);
done:
    free(text);
    return rc;
}

int
fence_opts_parse_argv(struct fence_opts *o, int argc, char **argv)
{
    struct option longs[O_N + 1];
    char shorts[3 * O_N + 2];
    size_t ns = 0;
    unsigned nl = 0;
    int rc = 0;

    shorts[ns++] = ':'; /* report a missing argument as ':' */
    for (int i = 0; i < O_N; i++) {
        const struct fopt *f = &fence_opts_table[i];
        int has_arg = f->type == FOPT_BOOL ? no_argument : required_argument;

        if (f->longopt != NULL) {
            longs[nl].name = f->longopt;
            longs[nl].has_arg = has_arg;
            longs[nl].flag = NULL;
            longs[nl].val = 1000 + i;
            nl++;
        }
        if (f->shortopt != 0) {
            shorts[ns++] = (char)f->shortopt;
            if (has_arg == required_argument) {
                shorts[ns++] = ':';
            }
        }
    }
    shorts[ns] = '\0';
    memset(&longs[nl], 0, sizeof(longs[nl]));
    optind = 1;
    opterr = 0;
    while (rc == 0) {
        int idx = -1;
        int ch = getopt_long(argc, argv, shorts, longs, NULL);

        if (ch == -1) {
            break;
        }
        if (ch == '?' || ch == ':') {
            const char *what = argv[optind - 1];

            /* Unknown options are reported like stdin's; a missing
             * argument is fatal. Never echo an argument's value. */
            if (ch == ':') {
                return set_error(o, "Option '%s' needs a value",
                                 what != NULL ? what : "?");
            }
            if (what != NULL && strncmp(what, "--", 2) == 0) {
                const char *eq = strchr(what, '=');
                size_t n = eq != NULL ? (size_t)(eq - what) : strlen(what);

                if (n > FENCE_KEY_MAX) {
                    n = FENCE_KEY_MAX;
                }
                add_warn(o, "Ignoring unknown option '%.*s'", (int)n, what);
            } else if (optopt != 0) {
                add_warn(o, "Ignoring unknown option '-%c'", optopt);
            } else {
                add_warn(o, "Ignoring an unknown option");
            }
            continue;
        }
        if (ch >= 1000) {
            idx = ch - 1000;
        } else {
            for (int i = 0; i < O_N; i++) {
                if (fence_opts_table[i].shortopt == ch) {
                    idx = i;
                    break;
                }
            }
        }
        if (idx < 0) {
            continue;
        }
        rc = set_value(o, (enum fopt_id)idx,
                       fence_opts_table[idx].type == FOPT_BOOL ? "1" : optarg,
                       0);
    }
    if (rc == 0 && optind < argc) {
        add_warn(o, "Ignoring %d argument(s) that are not options",
                 argc - optind);
    }
    return rc;
}

const char *
fence_opt(const struct fence_opts *o, enum fopt_id id)
{
    enum fopt_id slot = fence_opts_table[id].canon;

    if (o->val[slot] != NULL) {
        return o->val[slot];
    }
    return fence_opts_table[slot].def;
}

bool
fence_opt_given(const struct fence_opts *o, enum fopt_id id)
{
    return o->val[fence_opts_table[id].canon] != NULL;
}

bool
fence_opt_bool(const struct fence_opts *o, enum fopt_id id)
{
    const char *v = fence_opt(o, id);
    bool b = false;

    if (v == NULL || v[0] == '\0') {
        return false;
    }
    if (geoha_parse_bool(v, &b) != 0) {
        return false;
    }
    return b;
}

long long
fence_opt_ll(const struct fence_opts *o, enum fopt_id id)
{
    const char *v = fence_opt(o, id);
    long long n = 0;

    if (v == NULL || geoha_parse_ll(v, 0, 1000000, &n) != 0) {
        return 0;
    }
    return n;
}

/* The values a number option takes. region_timeout=0 would give up on
 * the region without asking it: refused, like retry_on=0. */
static void
number_range(enum fopt_id id, long long *min, long long *max)
{
    *min = 0;
    *max = 86400;
    if (id == O_RETRY_ON) {
        *min = 1;
        *max = 100;
    } else if (id == O_REGION_TIMEOUT) {
        *min = 1;
    }
}

int
fence_opts_check(const struct fence_opts *o, char *err, size_t errlen)
{
    for (int i = 0; i < O_N; i++) {
        const struct fopt *f = &fence_opts_table[i];
        const char *v = o->val[i];
        long long n;
        bool b;

        if (v == NULL || f->canon != (enum fopt_id)i) {
            continue;
        }
        switch (f->type) {
        case FOPT_BOOL:
            /* An empty value means "not set", as fencing.py takes it. */
            if (v[0] != '\0' && geoha_parse_bool(v, &b) != 0) {
                geoha_snprintf(err, errlen,
                               "Option '%s' must be a boolean (1/0, yes/no, "
                               "true/false, on/off)",
                               f->name);
                return -EINVAL;
            }
            break;
        case FOPT_SECOND:
        case FOPT_INT: {
            long long min = 0;
            long long max = 0;

            number_range((enum fopt_id)i, &min, &max);
            if (geoha_parse_ll(v, min, max, &n) != 0) {
                geoha_snprintf(err, errlen,
                               "Option '%s' must be a whole number of %s "
                               "(%lld-%lld)",
                               f->name,
                               f->type == FOPT_SECOND ? "seconds" : "attempts",
                               min, max);
                return -EINVAL;
            }
            break;
        }
        case FOPT_SELECT: {
            bool ok = false;

            for (int c = 0; f->choices[c] != NULL; c++) {
                ok = ok || strcmp(v, f->choices[c]) == 0;
            }
            if (!ok) {
                geoha_snprintf(err, errlen,
                               "Option '%s' must be one of the values the "
                               "metadata lists",
                               f->name);
                return -EINVAL;
            }
            break;
        }
        case FOPT_STRING:
            break;
        }
    }
    return 0;
}

/* ---- the action table ---- */

const struct fence_action *
fence_action_find(const struct fence_action *t, const char *name)
{
    if (name == NULL) {
        return NULL;
    }
    for (; t->name != NULL; t++) {
        if (strcasecmp(name, t->name) == 0
            || (t->alias != NULL && strcasecmp(name, t->alias) == 0)) {
            return t;
        }
    }
    return NULL;
}

/* Usage's "Actions:" lines wrap before this column. */
#define USAGE_WRAP 64

/* The names, ", " between them; a line that would pass wrap (0: never)
 * continues on the next, after a tab (8 columns). */
static void
names_text(struct geoha_buf *b, const struct fence_action *t, size_t col,
           size_t wrap)
{
    for (const struct fence_action *a = t; a->name != NULL; a++) {
        size_t n = strlen(a->name);

        if (a == t) {
            geoha_buf_puts(b, a->name);
            col += n;
        } else if (wrap > 0 && col + 2 + n > wrap) {
            geoha_buf_printf(b, ",\n\t%s", a->name);
            col = 8 + n;
        } else {
            geoha_buf_printf(b, ", %s", a->name);
            col += 2 + n;
        }
    }
}

void
fence_action_names(const struct fence_action *actions, char *dst, size_t size)
{
    struct geoha_buf b;

    geoha_buf_init(&b, 256);
    names_text(&b, actions, 0, 0);
    geoha_strlcpy(dst, b.data != NULL && b.error == 0 ? b.data : "", size);
    geoha_buf_clear(&b);
}

/* ---- metadata and usage ---- */

/* "-n, --plug=[id]" as fence-agents print it. */
static void
getopt_text(struct geoha_buf *b, const struct fopt *f)
{
    const struct fopt *g = f->longopt != NULL ? f : &fence_opts_table[f->canon];

    if (g->shortopt != 0) {
        geoha_buf_printf(b, "-%c, ", g->shortopt);
    }
    geoha_buf_printf(b, "--%s", g->longopt);
    if (g->type != FOPT_BOOL) {
        geoha_buf_printf(b, "=%s", g->argname);
    }
}

static const char *
content_type(enum fopt_type t)
{
    switch (t) {
    case FOPT_BOOL:
        return "boolean";
    case FOPT_SECOND:
        return "second";
    case FOPT_INT:
        return "integer";
    case FOPT_SELECT:
        return "select";
    case FOPT_STRING:
        break;
    }
    return "string";
}

int
fence_metadata(FILE *out, const struct fence_action *actions)
{
    struct geoha_buf b;
    int rc;

    geoha_buf_init(&b, 0);
    geoha_buf_puts(&b, "<?xml version=\"1.0\" ?>\n"
                       "<resource-agent name=\"fence_geoha\" shortdesc=\"");
    geoha_buf_xml_escape(&b, AGENT_SHORTDESC);
    geoha_buf_puts(&b, "\" >\n<longdesc>");
    geoha_buf_xml_escape(&b, AGENT_LONGDESC);
    geoha_buf_puts(&b, "</longdesc>\n"
                       "<vendor-url>https://azure.microsoft.com</vendor-url>\n"
                       "<parameters>\n");
    for (int i = 0; i < O_N; i++) {
        const struct fopt *f = &fence_opts_table[i];
        struct geoha_buf g;

        if ((f->flags & FOPT_HIDDEN) != 0) {
            continue;
        }
        geoha_buf_printf(&b,
                         "\t<parameter name=\"%s\" unique=\"0\" "
                         "required=\"0\"",
                         f->name);
        if ((f->flags & FOPT_DEPRECATED) != 0) {
            geoha_buf_puts(&b, " deprecated=\"1\"");
        }
        if (f->obsoletes != NULL) {
            geoha_buf_printf(&b, " obsoletes=\"%s\"", f->obsoletes);
        }
        geoha_buf_puts(&b, ">\n\t\t<getopt mixed=\"");
        geoha_buf_init(&g, 256);
        getopt_text(&g, f);
        geoha_buf_xml_escape(&b, g.data != NULL ? g.data : "");
        geoha_buf_clear(&g);
        geoha_buf_printf(&b, "\" />\n\t\t<content type=\"%s\"",
                         content_type(f->type));
        if (f->def != NULL) {
            geoha_buf_puts(&b, " default=\"");
            geoha_buf_xml_escape(&b, f->def);
            geoha_buf_puts(&b, "\"");
        }
        if (f->type == FOPT_SELECT) {
            geoha_buf_puts(&b, " >\n");
            for (int c = 0; f->choices[c] != NULL; c++) {
                geoha_buf_printf(&b, "\t\t\t<option value=\"%s\" />\n",
                                 f->choices[c]);
            }
            geoha_buf_puts(&b, "\t\t</content>\n");
        } else {
            geoha_buf_puts(&b, " />\n");
        }
        geoha_buf_puts(&b, "\t\t<shortdesc lang=\"en\">");
        geoha_buf_xml_escape(&b, f->shortdesc);
        geoha_buf_puts(&b, "</shortdesc>\n\t</parameter>\n");
    }
    geoha_buf_puts(&b, "</parameters>\n<actions>\n");
    for (const struct fence_action *a = actions; a->name != NULL; a++) {
        geoha_buf_printf(&b, "\t<action name=\"%s\"%s\n", a->name,
                         (a->flags & FACT_MANUAL) != 0 ? " automatic=\"0\"/>"
                                                       : " />");
    }
    geoha_buf_puts(&b, "</actions>\n</resource-agent>\n");
    rc = b.error;
    if (rc == 0 && fputs(b.data, out) == EOF) {
        rc = -EIO;
    }
    geoha_buf_clear(&b);
    return rc;
}

void
fence_usage(FILE *out, const struct fence_action *actions)
{
    struct geoha_buf names;

    fputs("Usage:\n"
          "\tfence_geoha [options]\n"
          "\tfence_geoha < key=value lines (as pacemaker-fenced runs it)\n"
          "Options:\n",
          out);
    for (int i = 0; i < O_N; i++) {
        const struct fopt *f = &fence_opts_table[i];
        struct geoha_buf g;

        if (f->longopt == NULL || (f->flags & FOPT_HIDDEN) != 0) {
            continue;
        }
        geoha_buf_init(&g, 256);
        getopt_text(&g, f);
        fprintf(out, "   %-36s %s", g.data != NULL ? g.data : "", f->shortdesc);
        if (f->def != NULL) {
            fprintf(out, " (default: %s)", f->def);
        }
        fputc('\n', out);
        geoha_buf_clear(&g);
    }
    geoha_buf_init(&names, 256);
    names_text(&names, actions, strlen("Actions: "), USAGE_WRAP);
    fprintf(out, "Actions: %s\n", names.data != NULL ? names.data : "");
    geoha_buf_clear(&names);
    fputs("Exit codes: 0 success (status: on), 1 failure, 2 status: off\n",
          out);
}
