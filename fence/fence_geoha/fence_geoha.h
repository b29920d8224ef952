/*
 * fence_geoha: internal interface between the option parser (options.c),
 * the typed configuration (config.c) and the actions (fence_geoha.c).
 * Not installed.
 */
#ifndef FENCE_GEOHA_H
#define FENCE_GEOHA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "geoha/arm.h"
#include "geoha/map.h"

/* Exit codes of the fence agent API (as fence-agents' fencing.py). */
#define FENCE_EC_OK 0
#define FENCE_EC_ERROR 1
#define FENCE_EC_STATUS_OFF 2

/* Bounds on what the agent reads as options. */
#define FENCE_STDIN_MAX (64u * 1024u) /* bytes of standard input */
#define FENCE_LINE_MAX 4096u          /* bytes of one stdin line */
#define FENCE_KEY_MAX 64u             /* bytes of one option name */
#define FENCE_MSG_MAX 32u             /* warnings kept from parsing */

enum fopt_type {
    FOPT_STRING,
    FOPT_BOOL,   /* no argument on the command line */
    FOPT_SECOND, /* whole seconds */
    FOPT_INT,
    FOPT_SELECT, /* one of choices[] */
};

/* Every option the agent knows. Aliases share their canonical slot. */
enum fopt_id {
    O_ACTION,
    O_PLUG,
    O_PORT,
    O_NODENAME,
    O_LOGIN,
    O_USERNAME,
    O_CLIENT_ID,
    O_PASSWD,
    O_PASSWORD,
    O_PASSWD_SCRIPT,
    O_PASSWORD_SCRIPT,
    O_TENANT,
    O_TENANT_ALIAS,
    O_SUBSCRIPTION,
    O_RG,
    O_MSI,
    O_AUTH,
    O_SECRET_FILE,
    O_TOKEN_FILE,
    O_CLOUD,
    O_ARM_ENDPOINT,
    O_LOGIN_ENDPOINT,
    O_IMDS_ENDPOINT,
    O_CA_FILE,
    O_SHUTDOWN,
    O_POWER_TIMEOUT,
    O_REGION_TIMEOUT,
    O_POWER_WAIT,
    O_DELAY,
    O_STATUS_SLEEP,
    O_API_TIMEOUT,
    O_RETRY_ON,
    O_TM_PROFILE,
    O_TM_RG,
    O_TM_ENDPOINTS,
    O_TM_TYPE,
    O_DB_SERVERS,
    O_DB_RG,
    O_DB_ACTION,
    O_FABRIC_TIMEOUT,
    O_NETWORK_FENCING,
    O_SEPARATOR,
    O_VERBOSE,
    O_DEBUG_FILE,
    O_DEBUG,
    O_QUIET,
    O_VERSION,
    O_HELP,
    O_N,
};

/* Flags of struct fopt. */
#define FOPT_DEPRECATED 0x1u /* metadata deprecated="1" */
#define FOPT_REFUSED 0x2u    /* accepted only to be refused (secrets) */
#define FOPT_HIDDEN 0x4u     /* accepted, not in the metadata */

struct fopt {
    const char *name;    /* stdin key and metadata name */
    const char *longopt; /* command line, without "--"; NULL: canon's */
    int shortopt;        /* 0: none */
    enum fopt_type type;
    const char *def;     /* default, or NULL */
    const char *argname; /* "[id]" in the usage and getopt text */
    unsigned flags;
    enum fopt_id canon;    /* the slot this option sets */
    const char *obsoletes; /* metadata obsoletes="…" */
    const char *const *choices;
    const char *shortdesc;
};

extern const struct fopt fence_opts_table[O_N];

/*
 * The actions: one table (fence_geoha.c, fence_actions[], ended by a NULL
 * name) serves the dispatch, the check of action=, the metadata's
 * <actions> and --help. Its order is the order they list the actions in.
 */
struct fence;

#define FACT_ARM 0x1u     /* needs the ARM client, subscription and group */
#define FACT_PLUG 0x2u    /* needs the virtual machine (plug) */
#define FACT_DELAY 0x4u   /* fencing proper: delay applies first */
#define FACT_BARE 0x8u    /* needs no valid configuration, logs nothing */
#define FACT_MANUAL 0x10u /* metadata: automatic="0" */

struct fence_action {
    const char *name;  /* canonical; compared case-insensitively */
    const char *alias; /* also accepted ("meta-data"), or NULL */
    /* 0 or a library error code (the agent's exit code follows). */
    int (*run)(struct fence *f);
    unsigned flags; /* FACT_* */
};

extern const struct fence_action fence_actions[];

/* name (or an alias), case-insensitively, in table t; NULL: unknown. */
const struct fence_action *fence_action_find(const struct fence_action *t,
                                             const char *name);

/* Option defaults that code and metadata share. */
#define FENCE_DEFAULT_ACTION "reboot"
#define FENCE_DEFAULT_POWER_TIMEOUT "150"
/*
 * How long off, reboot and status wait for the fenced VM's region to
 * answer at all before they fail. A healthy region answers an instance
 * view read in well under a second; 20 s still rides out a few throttled
 * or 5xx answers with the ARM client's backoff (0.5, 1, 2, 4, 8 s), yet a
 * region that is down costs 20 s, not power_timeout (150 s) times
 * Pacemaker's retries, before the next fencing level (the watchdog) takes
 * over. Once the region has answered, power_timeout applies.
 */
#define FENCE_DEFAULT_REGION_TIMEOUT "20"
#define FENCE_DEFAULT_POWER_WAIT "0"
#define FENCE_DEFAULT_DELAY "0"
#define FENCE_DEFAULT_STATUS_SLEEP "1"
#define FENCE_DEFAULT_API_TIMEOUT "30"
#define FENCE_DEFAULT_RETRY_ON "1"
#define FENCE_DEFAULT_TM_TYPE "ExternalEndpoints"
#define FENCE_DEFAULT_DB_ACTION "stop"
#define FENCE_DEFAULT_FABRIC_TIMEOUT "30"
#define FENCE_DEFAULT_SEPARATOR ","

/* Overrides stonith_status_sleep in milliseconds (tests). */
#define FENCE_ENV_POLL_MS "GEOHA_ARM_POLL_MS"

/* The options as given, one slot per canonical option. */
struct fence_opts {
    char *val[O_N]; /* owned; NULL: not given */
    unsigned given; /* options set (after aliases) */
    char *warn[FENCE_MSG_MAX];
    unsigned n_warn;
    char *error; /* the first fatal parse error, or NULL */
};

void fence_opts_init(struct fence_opts *o);
void fence_opts_clear(struct fence_opts *o);

/*
 * Parse the command line (getopt_long, fence-agents' option names) or
 * key=value text (standard input). Warnings (unknown options, repeated
 * keys, lines that are not key=value) go to o->warn; a fatal problem
 * (refused secret option, NUL byte, line or input too long, bad command
 * line) sets o->error. Returns 0, or -EINVAL when o->error was set.
 */
int fence_opts_parse_argv(struct fence_opts *o, int argc, char **argv);
int fence_opts_parse_text(struct fence_opts *o, const char *text, size_t len);
/* Read fd (at most FENCE_STDIN_MAX bytes) and parse it as text. */
int fence_opts_parse_fd(struct fence_opts *o, int fd);

/*
 * Check every given value against its type (numbers, booleans, choices).
 * Returns 0, or -EINVAL with the reason in err.
 */
int fence_opts_check(const struct fence_opts *o, char *err, size_t errlen);

/* The value given for id (via any alias), else its default, else NULL. */
const char *fence_opt(const struct fence_opts *o, enum fopt_id id);
/* Whether id (or an alias) was given. */
bool fence_opt_given(const struct fence_opts *o, enum fopt_id id);
/* Typed accessors, for fence_config_fill() (each option is read once);
 * only valid after fence_opts_check() passed. */
bool fence_opt_bool(const struct fence_opts *o, enum fopt_id id);
long long fence_opt_ll(const struct fence_opts *o, enum fopt_id id);

/*
 * The typed configuration: every option the actions use, filled once
 * from the option table by fence_config_fill(). Strings are borrowed
 * from the struct fence_opts it was filled from.
 */
struct fence_tm {
    const char *profile; /* name or resource id; NULL: not configured */
    const char *rg;      /* tm_resource_group; NULL: resourceGroup's */
    const char *type;    /* tm_endpoint_type */
    struct geoha_map endpoints;
};

struct fence_db {
    struct geoha_map servers; /* n == 0: not configured */
    const char *rg;           /* db_resource_group; NULL: resourceGroup's */
    bool stop;                /* db_action=stop */
};

struct fence_config {
    const struct fence_action *action; /* NULL: not a known action */
    const char *action_given;          /* as given: may be anything */
    const char *plug;                  /* the VM; NULL: not set, or empty */
    const char *target;                /* nodename as given, or NULL */
    bool help;
    bool version;
    bool verbose;
    bool quiet;
    const char *debug_file;
    struct geoha_arm_config arm; /* debug_fn/debug_arg: the caller's */
    const char *subscription;    /* NULL: the instance metadata's */
    const char *resource_group;  /* NULL: the instance metadata's */
    bool shutdown;
    long long power_timeout_s;
    long long region_timeout_s;
    long long power_wait_s;
    long long delay_s;
    long long api_timeout_s;
    long long fabric_timeout_s;
    long long retry_on;
    int64_t poll_ms; /* stonith_status_sleep, or $GEOHA_ARM_POLL_MS */
    const char *separator;
    struct fence_tm tm;
    struct fence_db db;
};

/*
 * Fill c from o: the run's own options (action, plug, nodename, help,
 * version, verbose, quiet, debug_file) first, whatever else is wrong;
 * then every value is checked (types, credentials, endpoints, names, the
 * fabric maps, a plug for an action that needs one; with files=true the
 * secret, token and CA files) and converted. actions is the action
 * table. Returns 0, or an error code with the first bad value's reason
 * in err (never empty).
 */
int fence_config_fill(struct fence_config *c, const struct fence_opts *o,
                      const struct fence_action *actions, bool files, char *err,
                      size_t errlen);

/* The fence-agents metadata XML and the --help text; actions: the table. */
int fence_metadata(FILE *out, const struct fence_action *actions);
void fence_usage(FILE *out, const struct fence_action *actions);
/* The action names, ", " between them, into dst (for messages). */
void fence_action_names(const struct fence_action *actions, char *dst,
                        size_t size);

#endif /* FENCE_GEOHA_H */
