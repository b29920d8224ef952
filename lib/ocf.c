/* geoha: the OCF core: parameters, meta-data, dispatch, logging. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <qb/qblog.h>

#include "geoha/file.h"
#include "geoha/ocf.h"

#define PARAM_TEXT_MAX 4096 /* bytes of any one parameter value */

/* The "file" geoha's own log lines are filed under, for libqb's filters. */
#define LOG_SOURCE "geoha"

/* Safety margin kept between our own deadline and Pacemaker's timeout. */
#define DEADLINE_MARGIN_MAX_MS 2000

static char log_rsc[128] = "(none)";
static bool log_ready;

void
geoha_log_init(const char *ident, const char *rsc)
{
    const char *trace = getenv(GEOHA_ENV_TRACE);
    int level = LOG_INFO;

    if (rsc != NULL) {
        geoha_strlcpy(log_rsc, rsc, sizeof(log_rsc));
    }
    if (trace != NULL && *trace != '\0' && strcmp(trace, "0") != 0) {
        level = LOG_DEBUG;
    }
    qb_log_init(ident, LOG_DAEMON, level);
    qb_log_ctl(QB_LOG_SYSLOG, QB_LOG_CONF_ENABLED, QB_TRUE);
    qb_log_filter_ctl(QB_LOG_SYSLOG, QB_LOG_FILTER_ADD, QB_LOG_FILTER_FILE, "*",
                      level);
    qb_log_ctl(QB_LOG_STDERR, QB_LOG_CONF_ENABLED, QB_TRUE);
    qb_log_filter_ctl(QB_LOG_STDERR, QB_LOG_FILTER_ADD, QB_LOG_FILTER_FILE, "*",
                      level);
    qb_log_format_set(QB_LOG_STDERR, "%N[%P]: %p: %b");
    qb_log_format_set(QB_LOG_SYSLOG, "%p: %b");
    log_ready = true;
}

void
geoha_log_close(void)
{
    if (log_ready) {
        qb_log_fini();
        log_ready = false;
    }
}

static void
vlog(const char *func, int line, int priority, const char *fmt, va_list ap)
{
    char raw[2048];
    char msg[2048];

    vsnprintf(raw, sizeof(raw), fmt, ap);
    /* Parameters and peers' answers end up in these lines: no control
     * character or invalid UTF-8 reaches syslog or stderr (a cut-short
     * result is still logged). */
    geoha_escape_text(msg, sizeof(msg), raw);
    if (!log_ready) {
        fprintf(stderr, "%s: %s\n", log_rsc, msg);
        return;
    }
    /* The caller's function and line: libqb keeps one call site per
     * (function, format, line), so each log line of the agents is its
     * own call site, as with libqb's own qb_log(). */
    qb_log_from_external_source(func, LOG_SOURCE, "%s: %s", priority, line, 0,
                                log_rsc, msg);
}

void
geoha_log_at(const char *func, int line, int priority, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vlog(func, line, priority, fmt, ap);
    va_end(ap);
}

void
geoha_exit_reason_at(const char *func, int line, const char *fmt, ...)
{
    char raw[1024];
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(raw, sizeof(raw), fmt, ap);
    va_end(ap);
    /* One line of text for the operator and the CIB: control characters
     * (a newline too) and invalid UTF-8 become \xNN. */
    geoha_escape_text(msg, sizeof(msg), raw);
    geoha_log_at(func, line, LOG_ERR, "%s", msg);
    fprintf(stderr, "ocf-exit-reason:%s\n", msg);
    fflush(stderr);
}

int
geoha_param_invalid_at(const char *func, int line, const char *name,
                       const char *text, const char *why, int code)
{
    geoha_exit_reason_at(func, line, "Parameter %s='%s' %s", name,
                         text != NULL ? text : "", why);
    return code;
}

int
geoha_ocf_from_result(int rc)
{
    /* OCF_ERR_CONFIGURED makes Pacemaker stop the resource on every node
     * and keep it off them all: only a parameter's own value earns it
     * (GEOHA_E_CONFIG). A secret file others can read is this node's
     * file, so a hard error on this node only (OCF_ERR_INSTALLED); a
     * caller whose GEOHA_E_INSECURE means something else (a TLS peer that
     * could not be verified) maps it itself. */
    switch (rc) {
    case 0:
        return OCF_SUCCESS;
    case GEOHA_E_CONFIG:
        return OCF_ERR_CONFIGURED;
    case GEOHA_E_INSECURE:
    case GEOHA_E_NOT_INSTALLED:
        return OCF_ERR_INSTALLED;
    case GEOHA_E_NOT_RUNNING:
        return OCF_NOT_RUNNING;
    case -EACCES:
    case -EPERM:
        return OCF_ERR_PERM;
    case -EINVAL:
        return OCF_ERR_ARGS;
    default:
        return OCF_ERR_GENERIC;
    }
}

/* ---- meta-data ---- */

static const char *
type_name(const struct geoha_param *p)
{
    switch (p->type) {
    case GEOHA_PT_INT:
        return "integer";
    case GEOHA_PT_BOOL:
        return "boolean";
    default:
        /* Enumerations are advertised as strings with their choices in the
         * description: ocf-tester validates against ra-api-1.dtd, which
         * has no "select" type. */
        return "string";
    }
}

static void
describe_type(struct geoha_buf *b, const struct geoha_param *p)
{
    switch (p->type) {
    case GEOHA_PT_INT:
        geoha_buf_printf(b, " (an integer from %lld to %lld)", p->min, p->max);
        break;
    case GEOHA_PT_BOOL:
        geoha_buf_puts(b, " (true or false)");
        break;
    case GEOHA_PT_ENUM:
        geoha_buf_puts(b, " (one of:");
        for (const char *const *c = p->choices; *c != NULL; c++) {
            geoha_buf_printf(b, " %s", *c);
        }
        geoha_buf_puts(b, ")");
        break;
    case GEOHA_PT_PATH:
        geoha_buf_puts(b, (p->flags & GEOHA_PF_PRIVATE)
                              ? " (an absolute path to a file readable by "
                                "root only)"
                              : " (an absolute path)");
        break;
    case GEOHA_PT_HOSTPORT:
        geoha_buf_puts(b, " (host:port)");
        break;
    case GEOHA_PT_MAP:
        geoha_buf_puts(b, p->map_value == GEOHA_PT_HOSTPORT
                              ? " (node=host:port pairs separated by "
                                "spaces or commas)"
                              : " (node=value pairs separated by spaces or "
                                "commas)");
        break;
    default:
        break;
    }
}

int
geoha_agent_metadata(const struct geoha_agent *agent, FILE *out)
{
    struct geoha_buf b;
    int rc;

    geoha_buf_init(&b, 0);
    /* The DOCTYPE is what ocf-tester validates against (ra-api-1.dtd);
     * metadata.rng ignores it. */
    geoha_buf_puts(&b, "<?xml version=\"1.0\"?>\n"
                       "<!DOCTYPE resource-agent SYSTEM \"ra-api-1.dtd\">\n"
                       "<resource-agent name=\"");
    geoha_buf_xml_escape(&b, agent->name);
    geoha_buf_puts(&b, "\" version=\"");
    geoha_buf_xml_escape(&b, agent->version);
    geoha_buf_puts(&b, "\">\n<version>1.1</version>\n<longdesc lang=\"en\">\n");
    geoha_buf_xml_escape(&b, agent->longdesc);
    geoha_buf_puts(&b, "\n</longdesc>\n<shortdesc lang=\"en\">");
    geoha_buf_xml_escape(&b, agent->shortdesc);
    geoha_buf_puts(&b, "</shortdesc>\n<parameters>\n");
    for (unsigned i = 0; i < agent->n_params; i++) {
        const struct geoha_param *p = &agent->params[i];

        geoha_buf_puts(&b, "<parameter name=\"");
        geoha_buf_xml_escape(&b, p->name);
        geoha_buf_printf(&b, "\" unique=\"%d\" required=\"%d\">\n",
                         (p->flags & GEOHA_PF_UNIQUE) ? 1 : 0,
                         p->required ? 1 : 0);
        geoha_buf_puts(&b, "<longdesc lang=\"en\">\n");
        geoha_buf_xml_escape(&b, p->longdesc ? p->longdesc : p->shortdesc);
        {
            struct geoha_buf t;

            geoha_buf_init(&t, 0);
            describe_type(&t, p);
            if (t.data != NULL) {
                geoha_buf_xml_escape(&b, t.data);
            }
            geoha_buf_clear(&t);
        }
        geoha_buf_puts(&b, "\n</longdesc>\n<shortdesc lang=\"en\">");
        geoha_buf_xml_escape(&b, p->shortdesc);
        geoha_buf_printf(&b, "</shortdesc>\n<content type=\"%s\"",
                         type_name(p));
        if (p->default_value != NULL) {
            geoha_buf_puts(&b, " default=\"");
            geoha_buf_xml_escape(&b, p->default_value);
            geoha_buf_puts(&b, "\"");
        }
        geoha_buf_puts(&b, " />\n");
        geoha_buf_puts(&b, "</parameter>\n");
    }
    geoha_buf_puts(&b, "</parameters>\n<actions>\n");
    for (unsigned i = 0; i < agent->n_actions; i++) {
        const struct geoha_action *a = &agent->actions[i];

        if (a->flags & GEOHA_AF_HIDDEN) {
            continue;
        }
        geoha_buf_puts(&b, "<action name=\"");
        geoha_buf_xml_escape(&b, a->name);
        geoha_buf_printf(&b, "\" timeout=\"%ds\"", a->timeout_s);
        if (a->interval_s > 0) {
            geoha_buf_printf(&b, " interval=\"%ds\"", a->interval_s);
        }
        if (a->depth >= 0) {
            geoha_buf_printf(&b, " depth=\"%d\"", a->depth);
        }
        if (a->role != NULL) {
            geoha_buf_printf(&b, " role=\"%s\"", a->role);
        }
        geoha_buf_puts(&b, " />\n");
    }
    geoha_buf_puts(&b, "</actions>\n</resource-agent>\n");
    rc = b.error;
    if (rc == 0 && fwrite(b.data, 1, b.len, out) != b.len) {
        rc = -EIO;
    }
    geoha_buf_clear(&b);
    return rc;
}

/* ---- parameters ---- */

static int
param_fail(const struct geoha_param *p, const char *text, const char *why,
           int code)
{
    return geoha_param_invalid(p->name, text, why, code);
}

static int
check_path(const struct geoha_param *p, const char *text, bool full)
{
    struct stat st;
    int rc;

    for (const char *c = text; *c != '\0'; c++) {
        if ((unsigned char)*c < 0x20 || (unsigned char)*c == 0x7f) {
            return param_fail(p, text,
                              "contains a control character (a newline, "
                              "tab or other): not a usable path",
                              OCF_ERR_CONFIGURED);
        }
    }
    if (text[0] != '/') {
        return param_fail(p, text, "is not an absolute path",
                          OCF_ERR_CONFIGURED);
    }
    if (!full) {
        return OCF_SUCCESS;
    }
    if (stat(text, &st) != 0) {
        if (p->flags & (GEOHA_PF_MUST_EXIST | GEOHA_PF_PRIVATE)) {
            return param_fail(p, text, "does not exist", OCF_ERR_INSTALLED);
        }
        return OCF_SUCCESS;
    }
    /* From here on the path is well formed and what is wrong is the file
     * on this node (missing, of the wrong type, mode or owner): a hard
     * error on this node (OCF_ERR_INSTALLED), never OCF_ERR_CONFIGURED,
     * which would keep the resource off every node. */
    if ((p->flags & GEOHA_PF_DIR) && !S_ISDIR(st.st_mode)) {
        return param_fail(p, text, "is not a directory on this node",
                          OCF_ERR_INSTALLED);
    }
    if (p->flags & GEOHA_PF_PRIVATE) {
        rc = geoha_file_check_private(text);
        if (rc == GEOHA_E_INSECURE) {
            return param_fail(p, text,
                              "can be read by others or is not owned by "
                              "root: it must be mode 0600 or 0400, owned "
                              "by root",
                              OCF_ERR_INSTALLED);
        }
        if (rc != 0) {
            return param_fail(p, text, geoha_strerror(rc), OCF_ERR_INSTALLED);
        }
    }
    return OCF_SUCCESS;
}

static int load_one_from(const struct geoha_param *p, struct geoha_value *v,
                         bool full, bool use_env);

static int
load_one(const struct geoha_param *p, struct geoha_value *v, bool full)
{
    return load_one_from(p, v, full, true);
}

static int
load_one_from(const struct geoha_param *p, struct geoha_value *v, bool full,
              bool use_env)
{
    char env[256];
    const char *text;
    long long n;
    bool b;
    int rc;

    memset(v, 0, sizeof(*v));
    v->param = p;
    if (geoha_snprintf(env, sizeof(env), GEOHA_ENV_RESKEY_PREFIX "%s", p->name)
        != 0) {
        return param_fail(p, "", "has a name that is too long",
                          OCF_ERR_CONFIGURED);
    }
    text = use_env ? getenv(env) : NULL;
    if (text != NULL && *text != '\0') {
        v->from_env = true;
    } else {
        text = p->default_value;
    }
    if (text == NULL || *text == '\0') {
        if (p->required) {
            geoha_exit_reason("Parameter %s is required but not set", p->name);
            return OCF_ERR_CONFIGURED;
        }
        v->text = NULL;
        return OCF_SUCCESS;
    }
    if (strlen(text) >= PARAM_TEXT_MAX) {
        return param_fail(p, "...", "is too long", OCF_ERR_CONFIGURED);
    }
    v->text = text;
    switch (p->type) {
    case GEOHA_PT_STRING:
        break;
    case GEOHA_PT_INT:
        rc = geoha_parse_ll(text, p->min, p->max, &n);
        if (rc != 0) {
            char why[128];

            geoha_snprintf(why, sizeof(why),
                           "is not an integer from %lld to %lld", p->min,
                           p->max);
            return param_fail(p, text, why, OCF_ERR_CONFIGURED);
        }
        v->i = n;
        break;
    case GEOHA_PT_BOOL:
        if (geoha_parse_bool(text, &b) != 0) {
            return param_fail(p, text, "is not a boolean (true or false)",
                              OCF_ERR_CONFIGURED);
        }
        v->i = b ? 1 : 0;
        break;
    case GEOHA_PT_ENUM:
        v->i = -1;
        for (long long i = 0; p->choices[i] != NULL; i++) {
            if (strcmp(p->choices[i], text) == 0) {
                v->i = i;
            }
        }
        if (v->i < 0) {
            return param_fail(p, text, "is not one of the allowed values",
                              OCF_ERR_CONFIGURED);
        }
        break;
    case GEOHA_PT_PATH:
        return check_path(p, text, full);
    case GEOHA_PT_HOSTPORT:
        if (geoha_hostport_parse(text, 0, &v->hp) != 0) {
            return param_fail(p, text, "is not host:port", OCF_ERR_CONFIGURED);
        }
        break;
    case GEOHA_PT_MAP:
        if (geoha_map_parse(text, &v->map) != 0) {
            return param_fail(p, text, "is not a list of node=value pairs",
                              OCF_ERR_CONFIGURED);
        }
        if (p->map_value == GEOHA_PT_HOSTPORT) {
            for (size_t i = 0; i < v->map.n; i++) {
                struct geoha_hostport hp;

                if (geoha_hostport_parse(v->map.e[i].value, 0, &hp) != 0) {
                    return param_fail(p, text,
                                      "has a value that is not host:port",
                                      OCF_ERR_CONFIGURED);
                }
            }
        }
        break;
    }
    return OCF_SUCCESS;
}

int
geoha_params_load(struct geoha_ctx *ctx, bool full)
{
    const struct geoha_agent *agent = ctx->agent;

    if (agent->n_params > GEOHA_MAX_PARAMS) {
        geoha_exit_reason("Agent %s declares too many parameters", agent->name);
        return OCF_ERR_GENERIC;
    }
    for (unsigned i = 0; i < agent->n_params; i++) {
        int rc = load_one(&agent->params[i], &ctx->values[i], full);

        if (rc != OCF_SUCCESS) {
            return rc;
        }
    }
    return OCF_SUCCESS;
}

/*
 * For stop (issue 17 item 9): a failed stop gets the node fenced, and a
 * value that cannot be read (a typo made while the resource ran) is wrong
 * on every node, so refusing would fence them all. Each parameter that
 * cannot be read falls back to its default (or none); the agent's stop
 * then does what it can with the rest, and fails only when it needs the
 * one that is missing.
 */
static int
params_load_lenient(struct geoha_ctx *ctx)
{
    const struct geoha_agent *agent = ctx->agent;

    for (unsigned i = 0; i < agent->n_params; i++) {
        const struct geoha_param *p = &agent->params[i];
        struct geoha_value *v = &ctx->values[i];

        if (load_one(p, v, false) == OCF_SUCCESS) {
            continue;
        }
        geoha_warn("Parameter %s cannot be read; stop goes on with its "
                   "default | default='%s'",
                   p->name, p->default_value != NULL ? p->default_value : "");
        if (load_one_from(p, v, false, false) != OCF_SUCCESS) {
            memset(v, 0, sizeof(*v));
            v->param = p;
        }
    }
    return OCF_SUCCESS;
}

/* An action that reads no environment still sees the table's defaults. */
static void
params_load_defaults(struct geoha_ctx *ctx)
{
    const struct geoha_agent *agent = ctx->agent;

    for (unsigned i = 0; i < agent->n_params && i < GEOHA_MAX_PARAMS; i++) {
        const struct geoha_param *p = &agent->params[i];
        struct geoha_value *v = &ctx->values[i];

        if (p->default_value == NULL
            || load_one_from(p, v, false, false) != OCF_SUCCESS) {
            memset(v, 0, sizeof(*v));
            v->param = p;
        }
    }
}

const struct geoha_value *
geoha_param(const struct geoha_ctx *ctx, const char *name)
{
    for (unsigned i = 0; i < ctx->agent->n_params; i++) {
        if (strcmp(ctx->agent->params[i].name, name) == 0) {
            return &ctx->values[i];
        }
    }
    /* A name the table does not declare is a bug in the agent (a
     * misspelling): the action fails here, loudly, rather than go on
     * without the value. */
    geoha_exit_reason("Internal error: agent %s asks for parameter '%s', "
                      "which its parameter table does not declare",
                      ctx->agent->name, name);
    exit(OCF_ERR_GENERIC);
}

const char *
geoha_param_str(const struct geoha_ctx *ctx, const char *name)
{
    return geoha_param(ctx, name)->text;
}

long long
geoha_param_int(const struct geoha_ctx *ctx, const char *name)
{
    return geoha_param(ctx, name)->i;
}

bool
geoha_param_bool(const struct geoha_ctx *ctx, const char *name)
{
    return geoha_param(ctx, name)->i != 0;
}

const struct geoha_map *
geoha_param_map(const struct geoha_ctx *ctx, const char *name)
{
    const struct geoha_value *v = geoha_param(ctx, name);

    return (v->text != NULL) ? &v->map : NULL;
}

int
geoha_rsc_base(const char *rsc, char *out, size_t size)
{
    if (geoha_strlcpy(out, rsc, size) != 0) {
        return -EINVAL; /* out is "" (when size > 0) */
    }
    out[strcspn(out, ":")] = '\0';
    return out[0] != '\0' ? 0 : -EINVAL;
}

const char *
geoha_notify_get(const char *key)
{
    char env[256];

    if (geoha_snprintf(env, sizeof(env), GEOHA_ENV_NOTIFY_PREFIX "%s", key)
        != 0) {
        return NULL;
    }
    return getenv(env);
}

/* ---- dispatch ---- */

static void
usage(const struct geoha_agent *agent, FILE *out)
{
    fprintf(out, "usage: %s {", agent->name);
    for (unsigned i = 0; i < agent->n_actions; i++) {
        fprintf(out, "%s%s", i > 0 ? "|" : "", agent->actions[i].name);
    }
    fprintf(out, "}\n");
}

static int
env_ms(const char *name, int64_t fallback, int64_t *out)
{
    const char *s = getenv(name);
    long long v;

    if (s == NULL || *s == '\0') {
        *out = fallback;
        return 0;
    }
    if (geoha_parse_ll(s, 0, INT64_MAX / 2, &v) != 0) {
        return -EINVAL;
    }
    *out = v;
    return 0;
}

static void
local_node(char node[GEOHA_NODE_MAX])
{
    const char *s = getenv(GEOHA_ENV_NODE_NAME);
    struct utsname u;

    if (s == NULL || *s == '\0') {
        s = getenv(GEOHA_ENV_ON_NODE);
    }
    if (s != NULL && *s != '\0'
        && geoha_strlcpy(node, s, GEOHA_NODE_MAX) == 0) {
        return;
    }
    if (uname(&u) == 0) {
        char *dot = strchr(u.nodename, '.');

        if (dot != NULL) {
            *dot = '\0'; /* Pacemaker uses the short name */
        }
        if (geoha_strlcpy(node, u.nodename, GEOHA_NODE_MAX) == 0) {
            return;
        }
    }
    node[0] = '\0';
}

int
geoha_agent_main(const struct geoha_agent *agent, int argc, char **argv)
{
    struct geoha_ctx *ctx = NULL;
    const struct geoha_action *action = NULL;
    const char *name = (argc > 1) ? argv[1] : NULL;
    char ident[64];
    int64_t margin;
    int rc = OCF_ERR_GENERIC;

    if (name == NULL) {
        usage(agent, stderr);
        return OCF_ERR_ARGS;
    }
    for (unsigned i = 0; i < agent->n_actions; i++) {
        if (strcmp(agent->actions[i].name, name) == 0) {
            action = &agent->actions[i];
        }
    }
    if (strcmp(name, "meta-data") == 0) {
        return geoha_agent_metadata(agent, stdout) == 0 ? OCF_SUCCESS
                                                        : OCF_ERR_GENERIC;
    }
    if (strcmp(name, "usage") == 0 || strcmp(name, "help") == 0) {
        usage(agent, stdout);
        return OCF_SUCCESS;
    }
    if (action == NULL) {
        usage(agent, stderr);
        return OCF_ERR_UNIMPLEMENTED;
    }

    ctx = calloc(1, sizeof(*ctx));
    if (ctx == NULL) {
        return OCF_ERR_GENERIC;
    }
    ctx->agent = agent;
    ctx->action = action->name;
    ctx->rsc = getenv(GEOHA_ENV_RESOURCE);
    if (ctx->rsc == NULL || *ctx->rsc == '\0') {
        ctx->rsc = "(none)";
    }
    geoha_rsc_base(ctx->rsc, ctx->rsc_base, sizeof(ctx->rsc_base));
    geoha_snprintf(ident, sizeof(ident), "geoha-%s", agent->name);
    geoha_log_init(ident, ctx->rsc);
    local_node(ctx->node);

    if (env_ms(GEOHA_ENV_TIMEOUT, (int64_t)action->timeout_s * 1000,
               &ctx->timeout_ms)
        != 0) {
        geoha_exit_reason("%s='%s' is not a number of milliseconds",
                          GEOHA_ENV_TIMEOUT, getenv(GEOHA_ENV_TIMEOUT));
        rc = OCF_ERR_ARGS;
        goto done;
    }
    if (env_ms(GEOHA_ENV_INTERVAL, 0, &ctx->interval_ms) != 0) {
        ctx->interval_ms = 0;
    }
    {
        const char *lvl = getenv(GEOHA_ENV_CHECK_LEVEL);
        long long v = 0;

        if (lvl != NULL && geoha_parse_ll(lvl, 0, 100, &v) == 0) {
            ctx->check_level = (int)v;
        }
    }
    ctx->probe =
        (strcmp(action->name, "monitor") == 0 && ctx->interval_ms == 0);
    /* Keep a margin so we answer before Pacemaker gives up on us. */
    margin = ctx->timeout_ms / 10;
    if (margin > DEADLINE_MARGIN_MAX_MS) {
        margin = DEADLINE_MARGIN_MAX_MS;
    }
    geoha_deadline_init(&ctx->deadline, ctx->timeout_ms - margin);

    if (ctx->node[0] == '\0') {
        geoha_exit_reason("Cannot tell the local node name");
        rc = OCF_ERR_GENERIC;
        goto done;
    }
    if (!(action->flags & GEOHA_AF_NO_PARAMS)) {
        bool full = (action->flags & GEOHA_AF_VALIDATE) != 0;

        rc = geoha_params_load(ctx, full);
        if (rc != OCF_SUCCESS && strcmp(action->name, "stop") == 0) {
            rc = params_load_lenient(ctx);
        }
        if (rc != OCF_SUCCESS) {
            goto done;
        }
        if (full && agent->validate != NULL) {
            rc = agent->validate(ctx);
            if (rc != OCF_SUCCESS) {
                goto done;
            }
        }
    } else {
        params_load_defaults(ctx);
    }
    if (agent->setup != NULL) {
        rc = agent->setup(ctx);
        if (rc != OCF_SUCCESS) {
            goto done;
        }
    }
    geoha_debug("%s begins | timeout_ms=%lld interval_ms=%lld node=%s",
                action->name, (long long)ctx->timeout_ms,
                (long long)ctx->interval_ms, ctx->node);
    rc = action->fn(ctx);
    geoha_debug("%s ends | rc=%d", action->name, rc);

done:
    if (agent->teardown != NULL) {
        agent->teardown(ctx);
    }
    geoha_log_close();
    free(ctx);
    return rc;
}
