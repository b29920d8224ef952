/*
 * geoha: the OCF core every agent is built on.
 *
 * An agent describes itself once, in a struct geoha_agent: its parameter
 * table (which drives both the parser and the meta-data XML, so the two
 * cannot disagree) and its action table. geoha_agent_main() does the rest:
 * logging set-up, meta-data and usage (no environment, no root needed),
 * parameter parsing and validation, the operation deadline, the context
 * (node, resource id and its base name), the agent's set-up and tear-down
 * hooks around the action, dispatch. Parameters are read back by name
 * (geoha_param_str() & co.), with the table's default when not set.
 */
#ifndef GEOHA_OCF_H
#define GEOHA_OCF_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <crm/common/results.h> /* enum ocf_exitcode: PCMK_OCF_* */

#include "geoha/map.h"
#include "geoha/util.h"

/* OCF exit codes, taken from Pacemaker's own header. */
enum {
    OCF_SUCCESS = PCMK_OCF_OK,
    OCF_ERR_GENERIC = PCMK_OCF_UNKNOWN_ERROR,
    OCF_ERR_ARGS = PCMK_OCF_INVALID_PARAM,
    OCF_ERR_UNIMPLEMENTED = PCMK_OCF_UNIMPLEMENT_FEATURE,
    OCF_ERR_PERM = PCMK_OCF_INSUFFICIENT_PRIV,
    OCF_ERR_INSTALLED = PCMK_OCF_NOT_INSTALLED,
    OCF_ERR_CONFIGURED = PCMK_OCF_NOT_CONFIGURED,
    OCF_NOT_RUNNING = PCMK_OCF_NOT_RUNNING,
    OCF_RUNNING_PROMOTED = PCMK_OCF_RUNNING_PROMOTED,
    OCF_FAILED_PROMOTED = PCMK_OCF_FAILED_PROMOTED,
};

/* Environment variables Pacemaker sets for agents. */
#define GEOHA_ENV_RESKEY_PREFIX "OCF_RESKEY_"
#define GEOHA_ENV_RESOURCE "OCF_RESOURCE_INSTANCE"
#define GEOHA_ENV_TIMEOUT "OCF_RESKEY_CRM_meta_timeout"
#define GEOHA_ENV_INTERVAL "OCF_RESKEY_CRM_meta_interval"
#define GEOHA_ENV_ON_NODE "OCF_RESKEY_CRM_meta_on_node"
#define GEOHA_ENV_CHECK_LEVEL "OCF_CHECK_LEVEL"
#define GEOHA_ENV_TRACE "OCF_TRACE_RA"
#define GEOHA_ENV_NOTIFY_PREFIX "OCF_RESKEY_CRM_meta_notify_"
/* Overrides the local node name (tests; otherwise on_node or uname). */
#define GEOHA_ENV_NODE_NAME "GEOHA_NODE_NAME"

enum geoha_param_type {
    GEOHA_PT_STRING,   /* any text (bounded) */
    GEOHA_PT_INT,      /* integer in [min, max] */
    GEOHA_PT_BOOL,     /* Pacemaker boolean spellings */
    GEOHA_PT_ENUM,     /* one of choices[] */
    GEOHA_PT_PATH,     /* absolute path */
    GEOHA_PT_HOSTPORT, /* host:port */
    GEOHA_PT_MAP,      /* node=value map; map_value says the value type */
};

/* Flags for struct geoha_param. */
#define GEOHA_PF_UNIQUE 0x1u     /* OCF unique="1" */
#define GEOHA_PF_MUST_EXIST 0x2u /* PATH: must exist at validate time */
#define GEOHA_PF_PRIVATE 0x4u    /* PATH: secret; root-only (S6) */
#define GEOHA_PF_DIR 0x8u        /* PATH: must be a directory if it exists */

struct geoha_param {
    const char *name;
    enum geoha_param_type type;
    const char *default_value; /* NULL: none */
    bool required;
    unsigned flags;
    const char *shortdesc;
    const char *longdesc;
    long long min, max;              /* INT */
    const char *const *choices;      /* ENUM: NULL-terminated */
    enum geoha_param_type map_value; /* MAP: STRING or HOSTPORT */
};

/* A parsed parameter. */
struct geoha_value {
    const struct geoha_param *param;
    const char *text; /* the effective text (env or default), or NULL */
    bool from_env;
    long long i;              /* INT, BOOL (0/1), ENUM (index) */
    struct geoha_hostport hp; /* HOSTPORT */
    struct geoha_map map;     /* MAP */
};

struct geoha_ctx;
typedef int (*geoha_action_fn)(struct geoha_ctx *ctx);

/* Flags for struct geoha_action. */
#define GEOHA_AF_NO_PARAMS 0x1u /* meta-data, usage: no env, no root */
#define GEOHA_AF_VALIDATE 0x2u  /* run full validation first */
#define GEOHA_AF_HIDDEN 0x4u    /* not listed in meta-data */

struct geoha_action {
    const char *name;
    geoha_action_fn fn;
    unsigned flags;
    int timeout_s;    /* default timeout advertised in meta-data */
    int interval_s;   /* 0: none advertised */
    const char *role; /* "Promoted", "Unpromoted" or NULL */
    int depth;        /* -1: none advertised */
};

struct geoha_agent {
    const char *name;    /* e.g. "mysql" */
    const char *version; /* the agent's version */
    const char *shortdesc;
    const char *longdesc;
    const struct geoha_param *params;
    unsigned n_params;
    const struct geoha_action *actions;
    unsigned n_actions;
    /* Optional: checks between parameters after the table checks. Returns
     * 0 or a result code, with a reason written via geoha_exit_reason(). */
    int (*validate)(struct geoha_ctx *ctx);
    /* Optional, called by the core around every action of the table (not
     * meta-data or usage): setup runs once the parameters (and validate)
     * passed and returns OCF_SUCCESS or the action's result (the action
     * then does not run); teardown runs after the action, or after a
     * failed setup, validate or parameter check, and frees what the agent
     * keeps in ctx->agent_data (NULL when nothing was made). */
    int (*setup)(struct geoha_ctx *ctx);
    void (*teardown)(struct geoha_ctx *ctx);
};

#define GEOHA_MAX_PARAMS 64
#define GEOHA_RSC_MAX 128 /* bytes of a resource's base name, with its NUL */

struct geoha_ctx {
    const struct geoha_agent *agent;
    const char *action;
    const char *rsc;              /* OCF_RESOURCE_INSTANCE or "(none)" */
    char rsc_base[GEOHA_RSC_MAX]; /* rsc less the clone instance ":N" */
    char node[GEOHA_NODE_MAX];    /* local node name */
    int64_t interval_ms;          /* recurring monitor interval; 0 for probes */
    int64_t timeout_ms;           /* the operation timeout */
    struct geoha_deadline deadline; /* timeout less a safety margin */
    bool probe;                     /* monitor with interval 0 */
    int check_level;                /* OCF_CHECK_LEVEL, 0 when unset */
    struct geoha_value values[GEOHA_MAX_PARAMS];
    void *agent_data; /* for the agent's own use */
};

/* Run the agent: parse, validate, dispatch. Returns the process exit code. */
int geoha_agent_main(const struct geoha_agent *agent, int argc, char **argv);

/* Print the meta-data XML (exposed for tests). Returns 0 or -errno. */
int geoha_agent_metadata(const struct geoha_agent *agent, FILE *out);

/*
 * Load and check every parameter of ctx->agent from the environment into
 * ctx->values. On failure, writes an exit reason naming the parameter and
 * returns the OCF code (OCF_ERR_CONFIGURED, OCF_ERR_INSTALLED, OCF_ERR_PERM).
 * full=false skips file existence checks (for stop and probes, where a
 * missing file must not fail the operation).
 */
int geoha_params_load(struct geoha_ctx *ctx, bool full);

/*
 * Accessors by name. A parameter that is not set gives the table's default
 * (so no caller applies a default again). Asking for a name the agent's
 * table does not declare is a bug in the agent: it fails the action loudly
 * (exit reason, log line, exit code OCF_ERR_GENERIC), and any test that
 * runs that path shows it.
 */
const struct geoha_value *geoha_param(const struct geoha_ctx *ctx,
                                      const char *name);
const char *geoha_param_str(const struct geoha_ctx *ctx, const char *name);
long long geoha_param_int(const struct geoha_ctx *ctx, const char *name);
bool geoha_param_bool(const struct geoha_ctx *ctx, const char *name);
const struct geoha_map *geoha_param_map(const struct geoha_ctx *ctx,
                                        const char *name);

/*
 * A resource id less its clone instance (":N", which may change between
 * starts): "db-clone:1" -> "db-clone". What follows the first ':' goes.
 * Returns 0, or -EINVAL when the result would be empty or not fit in size.
 */
int geoha_rsc_base(const char *rsc, char *out, size_t size);

/* Notify data: OCF_RESKEY_CRM_meta_notify_<key>, or NULL. */
const char *geoha_notify_get(const char *key);

/* Turn a library result into an OCF exit code (0 -> OCF_SUCCESS). */
int geoha_ocf_from_result(int rc);

/* ---- logging (libqb: syslog + stderr, resource id on every line) ---- */

void geoha_log_init(const char *ident, const char *rsc);
void geoha_log_close(void);
/*
 * The log functions take the caller's function and line (for libqb's
 * filters, formats and the blackbox); call them through the macros below.
 */
void geoha_log_at(const char *func, int line, int priority, const char *fmt,
                  ...) __attribute__((format(printf, 4, 5)));
/* Writes "ocf-exit-reason:<text>" to stderr and logs it as an error. */
void geoha_exit_reason_at(const char *func, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The exit reason "Parameter <name>='<text>' <why>"; returns code:
 * OCF_ERR_CONFIGURED when the value itself is wrong (on every node),
 * OCF_ERR_INSTALLED when what it names is missing or unusable on this node
 * (issue 17 item 9). */
int geoha_param_invalid_at(const char *func, int line, const char *name,
                           const char *text, const char *why, int code);

#include <syslog.h>
#define geoha_log(priority, ...)                                               \
    geoha_log_at(__func__, __LINE__, (priority), __VA_ARGS__)
#define geoha_exit_reason(...)                                                 \
    geoha_exit_reason_at(__func__, __LINE__, __VA_ARGS__)
#define geoha_param_invalid(name, text, why, code)                             \
    geoha_param_invalid_at(__func__, __LINE__, (name), (text), (why), (code))
#define geoha_err(...) geoha_log(LOG_ERR, __VA_ARGS__)
#define geoha_warn(...) geoha_log(LOG_WARNING, __VA_ARGS__)
#define geoha_notice(...) geoha_log(LOG_NOTICE, __VA_ARGS__)
#define geoha_info(...) geoha_log(LOG_INFO, __VA_ARGS__)
#define geoha_debug(...) geoha_log(LOG_DEBUG, __VA_ARGS__)

#endif /* GEOHA_OCF_H */
