/*
 * ocf:geoha:drupal — Drupal's database settings follow the writer.
 *
 * The agent owns one PHP include that Drupal's settings.php requires. While
 * the resource runs, the include points $databases['default']['default']
 * at the node where db_resource is promoted (read from the CIB) and,
 * optionally, one read replica at this node's own server. Stopped, the
 * include fails closed: Drupal answers HTTP 503 and touches no database.
 *
 * States, as Pacemaker sees them:
 *   running  = the include is the active one and says exactly what the
 *              cluster and the parameters say;
 *   stopped  = the include is fail-closed (or absent).
 * So monitor (and a probe) reports "not running" for a fail-closed or
 * missing include, success only for the exact active include, and a
 * failure for an active include that is stale (the writer moved, no writer
 * is promoted, the password or a parameter changed, owner or mode drifted)
 * or for a file geoha did not write. Monitor never changes the file.
 *
 * With "order db-clone:promote drupal-clone:start" Pacemaker starts this
 * resource only after a promotion, so start normally finds a writer. If it
 * finds none within WRITER_WAIT_MS it writes the fail-closed include and
 * fails: a start that succeeded would have to be "running" while the file
 * is in the stopped state.
 */
#include <errno.h>
#include <grp.h>
#include <libgen.h>
#include <limits.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "geoha/cib.h"
#include "geoha/drupal.h"
#include "geoha/file.h"
#include "geoha/guard.h"
#include "geoha/mycnf.h"
#include "geoha/ocf.h"
#include "geoha/proc.h"

#define P_SETTINGS_FILE "settings_file"
#define P_DB_RESOURCE "db_resource"
#define P_ENDPOINTS "endpoints"
#define P_DATABASE "database"
#define P_DEFAULTS_FILE "defaults_file"
#define P_PREFIX "prefix"
#define P_COLLATION "collation"
#define P_DRIVER "driver"
#define P_DRIVER_DEFAULT "mysql"
#define P_SSL_CA "ssl_ca"
#define P_LOCAL_REPLICA "local_replica"
#define P_LOCAL_REPLICA_DEFAULT "true"
#define P_OWNER "owner"
#define P_OWNER_DEFAULT "root"
#define P_GROUP "group"
#define P_GROUP_DEFAULT "www-data"
#define P_MODE "mode"
#define P_MODE_DEFAULT "0640"
#define P_ON_CHANGE "on_change"
#define P_LIVE_DIR "live_dir"
#define P_LIVE_DIR_DEFAULT "/run/geoha-drupal"

/* The option-file group holding Drupal's account. */
#define CNF_GROUP "client"

/* How long start waits for a promoted writer to show in the CIB. */
#define WRITER_WAIT_MS 5000
/* How long any action retries a CIB it cannot read. */
#define CIB_RETRY_MS 3000
#define CIB_POLL_MS 250

#define ON_CHANGE_MAX_ARGS 32
#define ON_CHANGE_MAX_OUT 4096

/* Environment given to the on_change program. */
#define ENV_HOOK_FILE "GEOHA_SETTINGS_FILE"
#define ENV_HOOK_STATE "GEOHA_STATE"
#define ENV_HOOK_WRITER "GEOHA_WRITER"

#define NAME_MAX_LEN 64 /* database, prefix, collation (MySQL limits) */
#define USER_MAX_LEN 128

struct cfg {
    const char *settings_file;
    char dir[PATH_MAX];
    const char *db_resource;
    const struct geoha_map *endpoints;
    uid_t uid;
    gid_t gid;
    mode_t mode;
    char *on_change_words; /* on_change split in place */
    const char *on_change[ON_CHANGE_MAX_ARGS + 1];
    char *user;     /* from defaults_file */
    char *password; /* secret: wiped on free */
};

static void
cfg_free(struct cfg *c)
{
    if (c == NULL) {
        return;
    }
    free(c->on_change_words);
    if (c->user != NULL) {
        explicit_bzero(c->user, strlen(c->user));
        free(c->user);
    }
    if (c->password != NULL) {
        explicit_bzero(c->password, strlen(c->password));
        free(c->password);
    }
    free(c);
}

/* ---- parameter checks (each failure names its parameter) ---- */

#define bad_param(name, text, why)                                             \
    geoha_param_invalid((name), (text), (why), OCF_ERR_CONFIGURED)

/*
 * A parameter names something on this node that is missing or unusable
 * here (a user, a group, a file and what is in it): each node has its
 * own, so this is a hard error on this node only (OCF_ERR_INSTALLED).
 * OCF_ERR_CONFIGURED (bad_param) keeps the resource off every node and is
 * for the parameters' own values (issue 17 item 9).
 */
#define bad_here(name, text, why)                                              \
    geoha_param_invalid((name), (text), (why), OCF_ERR_INSTALLED)

/* Every byte in set (a strspn set), 1..max bytes long. */
static bool
word_ok(const char *s, const char *set, size_t max)
{
    size_t n = strlen(s);

    return n > 0 && n <= max && strspn(s, set) == n;
}

#define SET_ALNUM                                                              \
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

static bool
printable(const char *s)
{
    for (const char *p = s; *p != '\0'; p++) {
        if ((unsigned char)*p < 0x20 || *p == 0x7f) {
            return false;
        }
    }
    return true;
}

static int
parse_mode(const char *text, mode_t *out)
{
    mode_t m = 0;
    size_t n = strlen(text);

    if (n == 0 || n > 4 || strspn(text, "01234567") != n) {
        return bad_param(P_MODE, text,
                         "is not an octal file mode such as "
                         "0640");
    }
    for (const char *p = text; *p != '\0'; p++) {
        m = (mode_t)(m * 8 + (mode_t)(*p - '0'));
    }
    if (m > 0777) {
        return bad_param(P_MODE, text, "has bits beyond 0777");
    }
    if ((m & 0007) != 0) {
        return bad_param(P_MODE, text,
                         "gives others access to a file holding the "
                         "database password: others must have none "
                         "(e.g. 0640)");
    }
    *out = m;
    return OCF_SUCCESS;
}

static int
parse_id(const char *text, bool is_user, long long *out)
{
    long long v;

    if (geoha_parse_ll(text, 0, 0x7ffffffe, &v) == 0) {
        *out = v;
        return 0;
    }
    if (is_user) {
        struct passwd *pw = getpwnam(text);

        if (pw == NULL) {
            return -ENOENT;
        }
        *out = pw->pw_uid;
    } else {
        struct group *gr = getgrnam(text);

        if (gr == NULL) {
            return -ENOENT;
        }
        *out = gr->gr_gid;
    }
    return 0;
}

/*
 * on_change is an argument vector in one parameter: words separated by
 * spaces or tabs, taken literally (no quoting, no expansion, no shell).
 */
static int
parse_on_change(struct cfg *c, const char *text)
{
    size_t argc = 0;
    char *p;

    if (!printable(text)) {
        return bad_param(P_ON_CHANGE, text, "holds control characters");
    }
    c->on_change_words = strdup(text);
    if (c->on_change_words == NULL) {
        return OCF_ERR_GENERIC;
    }
    p = c->on_change_words;
    for (;;) {
        p += strspn(p, " \t");
        if (*p == '\0') {
            break;
        }
        if (argc == ON_CHANGE_MAX_ARGS) {
            return bad_param(P_ON_CHANGE, text, "has more than 32 words");
        }
        c->on_change[argc++] = p;
        p += strcspn(p, " \t");
        if (*p != '\0') {
            *p++ = '\0';
        }
    }
    c->on_change[argc] = NULL;
    if (argc > 0 && c->on_change[0][0] != '/') {
        return bad_param(P_ON_CHANGE, text,
                         "must start with the absolute path of a program "
                         "(it is run directly, without a shell)");
    }
    return OCF_SUCCESS;
}

/*
 * Parse and check the parameters into a struct cfg. full adds the checks
 * that look at this node: the settings directory, the on_change program.
 */
static int
cfg_load(struct geoha_ctx *ctx, bool full, struct cfg **out)
{
    struct cfg *c = calloc(1, sizeof(*c));
    const char *t;
    long long id;
    int rc = OCF_SUCCESS;

    if (c == NULL) {
        return OCF_ERR_GENERIC;
    }
    c->settings_file = geoha_param_str(ctx, P_SETTINGS_FILE);
    c->db_resource = geoha_param_str(ctx, P_DB_RESOURCE);
    c->endpoints = geoha_param_map(ctx, P_ENDPOINTS);
    {
        char tmp[PATH_MAX];
        size_t n = strlen(c->settings_file);

        if (geoha_strlcpy(tmp, c->settings_file, sizeof(tmp)) != 0
            || c->settings_file[n - 1] == '/') {
            rc = bad_param(P_SETTINGS_FILE, c->settings_file,
                           "is not the path of a file");
            goto done;
        }
        geoha_strlcpy(c->dir, dirname(tmp), sizeof(c->dir));
    }
    if (!word_ok(c->db_resource, SET_ALNUM "._:-", 128)) {
        rc = bad_param(P_DB_RESOURCE, c->db_resource, "is not a resource id");
        goto done;
    }
    t = geoha_param_str(ctx, P_DATABASE);
    if (strlen(t) > NAME_MAX_LEN || !printable(t)) {
        rc = bad_param(P_DATABASE, t,
                       "is not a database name (at most 64 printable "
                       "characters)");
        goto done;
    }
    t = geoha_param_str(ctx, P_DRIVER);
    if (!word_ok(t, "abcdefghijklmnopqrstuvwxyz0123456789_", 32)) {
        rc = bad_param(P_DRIVER, t,
                       "is not a Drupal database driver name (lower-case "
                       "letters, digits, _)");
        goto done;
    }
    t = geoha_param_str(ctx, P_PREFIX);
    if (t != NULL && !word_ok(t, SET_ALNUM "_", NAME_MAX_LEN)) {
        rc = bad_param(P_PREFIX, t,
                       "is not a table prefix (letters, digits, _)");
        goto done;
    }
    t = geoha_param_str(ctx, P_COLLATION);
    if (t != NULL && !word_ok(t, SET_ALNUM "_", NAME_MAX_LEN)) {
        rc = bad_param(P_COLLATION, t,
                       "is not a collation name (letters, digits, _)");
        goto done;
    }
    t = geoha_param_str(ctx, P_OWNER);
    if (parse_id(t, true, &id) != 0) {
        rc = bad_here(P_OWNER, t, "is not a user on this node");
        goto done;
    }
    c->uid = (uid_t)id;
    t = geoha_param_str(ctx, P_GROUP);
    if (parse_id(t, false, &id) != 0) {
        rc = bad_here(P_GROUP, t, "is not a group on this node");
        goto done;
    }
    c->gid = (gid_t)id;
    rc = parse_mode(geoha_param_str(ctx, P_MODE), &c->mode);
    if (rc != OCF_SUCCESS) {
        goto done;
    }
    t = geoha_param_str(ctx, P_ON_CHANGE);
    if (t != NULL) {
        rc = parse_on_change(c, t);
        if (rc != OCF_SUCCESS) {
            goto done;
        }
    }
    if (full && c->on_change[0] != NULL && access(c->on_change[0], X_OK) != 0) {
        geoha_exit_reason("Parameter %s: program '%s' cannot be run: %s",
                          P_ON_CHANGE, c->on_change[0], strerror(errno));
        rc = OCF_ERR_INSTALLED;
        goto done;
    }
done:
    if (rc != OCF_SUCCESS) {
        cfg_free(c);
        return rc;
    }
    *out = c;
    return OCF_SUCCESS;
}

/* The directory must exist and be writable: nothing is created for it. */
static int
check_dir(const struct cfg *c)
{
    struct stat st;

    if (stat(c->dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        geoha_exit_reason("Parameter %s='%s': directory '%s' does not exist "
                          "(is Drupal installed on this node?)",
                          P_SETTINGS_FILE, c->settings_file, c->dir);
        return OCF_ERR_INSTALLED;
    }
    if (access(c->dir, W_OK) != 0) {
        geoha_exit_reason("Parameter %s='%s': directory '%s' is not "
                          "writable: %s",
                          P_SETTINGS_FILE, c->settings_file, c->dir,
                          strerror(errno));
        return OCF_ERR_PERM;
    }
    if (stat(c->settings_file, &st) == 0 && !S_ISREG(st.st_mode)) {
        geoha_exit_reason("Parameter %s='%s' exists and is not a regular "
                          "file",
                          P_SETTINGS_FILE, c->settings_file);
        return OCF_ERR_INSTALLED; /* this node's file system */
    }
    return OCF_SUCCESS;
}

/*
 * Drupal's account from defaults_file. The password never leaves cfg.
 * Whatever is wrong with the file (missing, readable by others, without
 * the account, unreadable) is wrong with this node's copy of it:
 * OCF_ERR_INSTALLED, never OCF_ERR_CONFIGURED (issue 17 item 9).
 */
static int
load_account(struct geoha_ctx *ctx, struct cfg *c)
{
    const char *path = geoha_param_str(ctx, P_DEFAULTS_FILE);
    size_t line = 0;
    int rc;

    if (c->password != NULL) {
        return OCF_SUCCESS;
    }
    rc = geoha_file_check_private(path);
    if (rc == GEOHA_E_INSECURE) {
        return bad_here(P_DEFAULTS_FILE, path,
                        "can be read by others or is not owned by root: it "
                        "must be mode 0600 or 0400, owned by root");
    }
    if (rc == 0) {
        rc = geoha_mycnf_file_get(path, CNF_GROUP, "user", &c->user, &line);
    }
    if (rc == 0) {
        rc = geoha_mycnf_file_get(path, CNF_GROUP, "password", &c->password,
                                  &line);
    }
    if (rc == -ENOENT && access(path, F_OK) != 0) {
        geoha_exit_reason("Parameter %s='%s' does not exist", P_DEFAULTS_FILE,
                          path);
        return OCF_ERR_INSTALLED;
    }
    if (rc == -ENOENT) {
        return bad_here(P_DEFAULTS_FILE, path,
                        "has no user= and password= in its [client] "
                        "group");
    }
    if (rc == GEOHA_E_PARSE) {
        char why[128];

        geoha_snprintf(why, sizeof(why),
                       "cannot be read as a MySQL option file (line %zu; "
                       "!include is not supported)",
                       line);
        return bad_here(P_DEFAULTS_FILE, path, why);
    }
    if (rc != 0) {
        geoha_exit_reason("Parameter %s='%s' cannot be read: %s",
                          P_DEFAULTS_FILE, path, geoha_strerror(rc));
        return OCF_ERR_INSTALLED;
    }
    if (c->user[0] == '\0' || strlen(c->user) > USER_MAX_LEN
        || !printable(c->user)) {
        return bad_here(P_DEFAULTS_FILE, path,
                        "has an empty or unusable user= in [client]");
    }
    return OCF_SUCCESS;
}

/* ---- the cluster's view ---- */

/*
 * The promoted node(s) of db_resource. *n is 0, 1 or 2 (2 meaning "more
 * than one"). wait_ms > 0: keep asking until exactly one is promoted or
 * the wait ends. A CIB that cannot be read is retried for CIB_RETRY_MS.
 */
static int
find_writer(struct geoha_ctx *ctx, const struct cfg *c, int64_t wait_ms,
            char writer[GEOHA_NODE_MAX], size_t *n)
{
    struct geoha_deadline d = geoha_deadline_min(
        &ctx->deadline, wait_ms > CIB_RETRY_MS ? wait_ms : CIB_RETRY_MS);
    char nodes[2][GEOHA_NODE_MAX];
    size_t found = 0;
    int rc;

    for (;;) {
        /* the wait bounds the retries; each question, the operation */
        rc = geoha_cib_promoted_nodes(c->db_resource, &ctx->deadline, nodes, 2,
                                      &found);
        if (rc == 0 && (found == 1 || wait_ms <= 0)) {
            break;
        }
        if (rc == -ENOENT) {
            geoha_exit_reason("Parameter %s='%s' is not a resource in the "
                              "cluster configuration",
                              P_DB_RESOURCE, c->db_resource);
            return OCF_ERR_CONFIGURED;
        }
        if (geoha_deadline_expired(&d)) {
            break;
        }
        geoha_sleep_ms(&d, CIB_POLL_MS);
    }
    if (rc != 0) {
        geoha_exit_reason("Cannot read the cluster state (CIB) to find where "
                          "%s is promoted: %s",
                          c->db_resource, geoha_strerror(rc));
        return OCF_ERR_GENERIC;
    }
    if (found == 1) {
        geoha_strlcpy(writer, nodes[0], GEOHA_NODE_MAX);
    }
    *n = found > 2 ? 2 : found;
    return OCF_SUCCESS;
}

/* ---- the include ---- */

/* The boot-scoped marker the active include requires (issue 16). */
static int
live_path(const struct geoha_ctx *ctx, char path[PATH_MAX])
{
    /* the clone instance suffix (":0") is not part of the name */
    return geoha_snprintf(path, PATH_MAX, "%s/%s.live",
                          geoha_param_str(ctx, P_LIVE_DIR), ctx->rsc_base);
}

static int
live_set(const struct geoha_ctx *ctx)
{
    char path[PATH_MAX];
    int rc = live_path(ctx, path);

    if (rc == 0) {
        rc = geoha_dir_ensure(geoha_param_str(ctx, P_LIVE_DIR), 0755);
    }
    if (rc == 0) {
        rc = geoha_file_replace(path, "", 0, 0, 0, 0644);
    }
    if (rc != 0) {
        geoha_exit_reason("Cannot write the include's marker in %s='%s': %s",
                          P_LIVE_DIR, geoha_param_str(ctx, P_LIVE_DIR),
                          geoha_strerror(rc));
        return OCF_ERR_GENERIC;
    }
    return OCF_SUCCESS;
}

/* Remove the marker: the active include refuses service from now on. */
static void
live_clear(const struct geoha_ctx *ctx)
{
    char path[PATH_MAX];

    if (live_path(ctx, path) == 0 && unlink(path) != 0 && errno != ENOENT) {
        geoha_warn("Cannot remove the include's marker | file='%s' "
                   "error='%s'",
                   path, geoha_strerror(-errno));
    }
}

static bool
live_present(const struct geoha_ctx *ctx)
{
    char path[PATH_MAX];

    return live_path(ctx, path) == 0 && access(path, F_OK) == 0;
}

static int
render_active(struct geoha_ctx *ctx, const struct cfg *c, const char *writer,
              struct geoha_buf *out)
{
    char live[PATH_MAX];
    struct geoha_drupal_settings s;
    const char *local = NULL;
    const char *wv = geoha_map_get(c->endpoints, writer);

    if (wv == NULL) {
        geoha_exit_reason("Parameter %s has no entry for the writer node "
                          "'%s'",
                          P_ENDPOINTS, writer);
        return OCF_ERR_CONFIGURED;
    }
    memset(&s, 0, sizeof(s));
    s.rsc = ctx->rsc_base;
    s.node = ctx->node;
    s.driver = geoha_param_str(ctx, P_DRIVER);
    s.database = geoha_param_str(ctx, P_DATABASE);
    s.username = c->user;
    s.password = c->password;
    s.prefix = geoha_param_str(ctx, P_PREFIX);
    s.collation = geoha_param_str(ctx, P_COLLATION);
    s.ssl_ca = geoha_param_str(ctx, P_SSL_CA);
    if (live_path(ctx, live) != 0) {
        geoha_exit_reason("Parameter %s='%s' is too long", P_LIVE_DIR,
                          geoha_param_str(ctx, P_LIVE_DIR));
        return OCF_ERR_CONFIGURED;
    }
    s.live_file = live;
    s.writer.node = writer;
    geoha_hostport_parse(wv, 0, &s.writer.hp);
    if (geoha_param_bool(ctx, P_LOCAL_REPLICA)
        && strcmp(writer, ctx->node) != 0) {
        local = geoha_map_get(c->endpoints, ctx->node);
        if (local == NULL) {
            geoha_debug("No read replica: this node is not in %s | "
                        "node='%s'",
                        P_ENDPOINTS, ctx->node);
        }
    }
    if (local != NULL) {
        s.has_replica = true;
        s.replica.node = ctx->node;
        geoha_hostport_parse(local, 0, &s.replica.hp);
    }
    if (geoha_drupal_render_active(&s, out) != 0) {
        geoha_exit_reason("Cannot render the settings include");
        return OCF_ERR_GENERIC;
    }
    return OCF_SUCCESS;
}

static int
render_closed(struct geoha_ctx *ctx, const char *why, struct geoha_buf *out)
{
    if (geoha_drupal_render_fail_closed(ctx->rsc_base, ctx->node, why, out)
        != 0) {
        geoha_exit_reason("Cannot render the fail-closed include");
        return OCF_ERR_GENERIC;
    }
    return OCF_SUCCESS;
}

/* Wipe a buffer that may hold the password, then free it. */
static void
buf_wipe(struct geoha_buf *b)
{
    if (b->data != NULL) {
        explicit_bzero(b->data, b->cap);
    }
    geoha_buf_clear(b);
}

/* What is on disk: the text, its stat, and which form it is. */
struct current {
    char *text;
    size_t len;
    struct stat st;
    enum geoha_drupal_state state;
    char writer[GEOHA_NODE_MAX];
};

static void
current_clear(struct current *cur)
{
    if (cur->text != NULL) {
        explicit_bzero(cur->text, cur->len);
        free(cur->text);
    }
    memset(cur, 0, sizeof(*cur));
}

/* 0, -ENOENT when there is no file, another -errno or GEOHA_E_TOOBIG. */
static int
current_read(const struct cfg *c, struct current *cur)
{
    int rc;

    memset(cur, 0, sizeof(*cur));
    if (lstat(c->settings_file, &cur->st) != 0) {
        return -errno;
    }
    rc = geoha_file_read(c->settings_file, GEOHA_DRUPAL_MAX, &cur->text,
                         &cur->len);
    if (rc != 0) {
        return rc;
    }
    cur->state = geoha_drupal_state_of(cur->text, cur->writer);
    return 0;
}

static bool
current_is(const struct cfg *c, const struct current *cur,
           const struct geoha_buf *want)
{
    return cur->text != NULL && S_ISREG(cur->st.st_mode)
           && cur->len == want->len
           && memcmp(cur->text, want->data, want->len) == 0
           && cur->st.st_uid == c->uid && cur->st.st_gid == c->gid
           && (cur->st.st_mode & 07777) == c->mode;
}

static void
run_on_change(struct geoha_ctx *ctx, const struct cfg *c, const char *state,
              const char *writer, bool must_succeed, int *ocf_rc)
{
    struct geoha_proc_result res;
    char e_file[PATH_MAX + 32];
    char e_state[64];
    char e_writer[GEOHA_NODE_MAX + 32];
    const char *env[4] = { e_file, e_state, e_writer, NULL };
    int rc;

    if (c->on_change[0] == NULL) {
        return;
    }
    geoha_snprintf(e_file, sizeof(e_file), ENV_HOOK_FILE "=%s",
                   c->settings_file);
    geoha_snprintf(e_state, sizeof(e_state), ENV_HOOK_STATE "=%s", state);
    geoha_snprintf(e_writer, sizeof(e_writer), ENV_HOOK_WRITER "=%s",
                   writer != NULL ? writer : "");
    memset(&res, 0, sizeof(res));
    rc = geoha_proc_run(c->on_change, env, NULL, ON_CHANGE_MAX_OUT,
                        &ctx->deadline, &res);
    if (rc == 0 && res.exit_code == 0) {
        geoha_info("on_change program succeeded | program='%s'",
                   c->on_change[0]);
        geoha_proc_result_clear(&res);
        return;
    }
    if (rc == 0) {
        char first[200] = "";

        if (res.err != NULL) {
            size_t n = strcspn(res.err, "\n");

            if (n >= sizeof(first)) {
                n = sizeof(first) - 1;
            }
            memcpy(first, res.err, n);
            first[n] = '\0';
        }
        if (must_succeed) {
            geoha_exit_reason("on_change program '%s' failed with exit code "
                              "%d: %s",
                              c->on_change[0], res.exit_code, first);
        } else {
            geoha_warn("on_change program failed | program='%s' "
                       "exit_code=%d stderr='%s'",
                       c->on_change[0], res.exit_code, first);
        }
    } else if (must_succeed) {
        geoha_exit_reason("on_change program '%s' could not be run: %s",
                          c->on_change[0], geoha_strerror(rc));
    } else {
        geoha_warn("on_change program could not be run | program='%s' "
                   "error='%s'",
                   c->on_change[0], geoha_strerror(rc));
    }
    geoha_proc_result_clear(&res);
    if (must_succeed) {
        *ocf_rc = OCF_ERR_GENERIC;
    }
}

static int
write_include(const struct cfg *c, const struct geoha_buf *b, uid_t uid,
              gid_t gid, mode_t mode)
{
    int rc =
        geoha_file_replace(c->settings_file, b->data, b->len, uid, gid, mode);

    if (rc != 0) {
        geoha_exit_reason("Cannot write '%s': %s", c->settings_file,
                          geoha_strerror(rc));
        return rc == -EACCES || rc == -EPERM || rc == -EROFS ? OCF_ERR_PERM
                                                             : OCF_ERR_GENERIC;
    }
    return OCF_SUCCESS;
}

/* Make the include fail closed unless it already is. *changed says if. */
static int
fail_closed(struct geoha_ctx *ctx, const struct cfg *c, const char *why,
            bool *changed)
{
    struct geoha_buf b;
    struct current cur;
    int rc;

    *changed = false;
    /* the marker first: an active include refuses service at once */
    live_clear(ctx);
    rc = current_read(c, &cur);
    if (rc == 0 && cur.state == GEOHA_DRUPAL_FAIL_CLOSED) {
        current_clear(&cur);
        return OCF_SUCCESS;
    }
    current_clear(&cur);
    geoha_buf_init(&b, GEOHA_DRUPAL_MAX);
    rc = render_closed(ctx, why, &b);
    if (rc == OCF_SUCCESS) {
        rc = write_include(c, &b, c->uid, c->gid, c->mode);
    }
    geoha_buf_clear(&b);
    if (rc == OCF_SUCCESS) {
        *changed = true;
        geoha_notice("Drupal's settings now fail closed | file='%s' "
                     "why='%s'",
                     c->settings_file, why);
    }
    return rc;
}

/* ---- actions ---- */

static struct cfg *
ctx_cfg(struct geoha_ctx *ctx)
{
    return ctx->agent_data;
}

/* Full validation, run before start and validate-all. */
static int
validate(struct geoha_ctx *ctx)
{
    struct cfg *c = NULL;
    int rc = cfg_load(ctx, true, &c);

    if (rc != OCF_SUCCESS) {
        return rc;
    }
    rc = check_dir(c);
    if (rc == OCF_SUCCESS) {
        rc = load_account(ctx, c);
    }
    if (rc != OCF_SUCCESS) {
        cfg_free(c);
        return rc;
    }
    ctx->agent_data = c; /* the action takes it from here */
    return OCF_SUCCESS;
}

static int
get_cfg(struct geoha_ctx *ctx, struct cfg **out)
{
    int rc = OCF_SUCCESS;

    if (ctx->agent_data == NULL) {
        struct cfg *c = NULL;

        rc = cfg_load(ctx, false, &c);
        ctx->agent_data = c;
    }
    *out = ctx_cfg(ctx);
    return rc;
}

/* After every action: the configuration validate or get_cfg() made. */
static void
teardown(struct geoha_ctx *ctx)
{
    cfg_free(ctx_cfg(ctx));
    ctx->agent_data = NULL;
}

static int
action_validate(struct geoha_ctx *ctx)
{
    (void)ctx; /* validate() checked it all */
    return OCF_SUCCESS;
}

static int
action_start(struct geoha_ctx *ctx)
{
    struct cfg *c = ctx_cfg(ctx);
    struct geoha_buf want;
    struct current cur;
    char writer[GEOHA_NODE_MAX] = "";
    size_t n = 0;
    bool changed = false;
    int rc;

    geoha_buf_init(&want, GEOHA_DRUPAL_MAX);
    memset(&cur, 0, sizeof(cur));
    rc = find_writer(ctx, c, WRITER_WAIT_MS, writer, &n);
    if (rc != OCF_SUCCESS) {
        goto done;
    }
    if (n != 1) {
        const char *why = (n == 0) ? "no instance of the database resource is "
                                     "promoted"
                                   : "the database resource is promoted on "
                                     "more than one node";

        rc = fail_closed(ctx, c, why, &changed);
        if (rc != OCF_SUCCESS) {
            goto done;
        }
        if (changed) {
            run_on_change(ctx, c, "fail-closed", NULL, false, &rc);
        }
        geoha_exit_reason("Cannot start: %s (%s); the settings include "
                          "fails closed",
                          n == 0 ? "no instance is promoted"
                                 : "promoted on more than one node",
                          c->db_resource);
        rc = OCF_ERR_GENERIC;
        goto done;
    }
    rc = render_active(ctx, c, writer, &want);
    if (rc != OCF_SUCCESS) {
        goto done;
    }
    rc = current_read(c, &cur);
    if (rc == 0 && current_is(c, &cur, &want)) {
        geoha_info("Drupal's settings already point at the writer | "
                   "writer='%s' file='%s'",
                   writer, c->settings_file);
        rc = live_set(ctx);
        goto done;
    }
    changed = (rc != 0 || cur.len != want.len
               || memcmp(cur.text, want.data, want.len) != 0);
    rc = write_include(c, &want, c->uid, c->gid, c->mode);
    if (rc != OCF_SUCCESS) {
        goto done;
    }
    /* only now: an include left from before (a reboot) never goes live */
    rc = live_set(ctx);
    if (rc != OCF_SUCCESS) {
        goto done;
    }
    geoha_notice("Drupal's settings point at the writer | writer='%s' "
                 "endpoint='%s' file='%s'",
                 writer, geoha_map_get(c->endpoints, writer), c->settings_file);
    if (changed) {
        run_on_change(ctx, c, "active", writer, true, &rc);
    }
done:
    current_clear(&cur);
    buf_wipe(&want);
    return rc;
}

static int
action_stop(struct geoha_ctx *ctx)
{
    struct cfg *c = NULL;
    struct stat st;
    bool changed = false;
    char why[160];
    int rc = get_cfg(ctx, &c);

    if (rc != OCF_SUCCESS) {
        /* owner, group or mode unusable: fail closed all the same, as
         * root:root 0600 (the web server cannot read it, so its require
         * fails, which also refuses service). */
        if (c == NULL) {
            c = calloc(1, sizeof(*c));
            if (c == NULL) {
                return OCF_ERR_GENERIC;
            }
            ctx->agent_data = c;
        }
        c->settings_file = geoha_param_str(ctx, P_SETTINGS_FILE);
        {
            char tmp[PATH_MAX];

            geoha_strlcpy(tmp, c->settings_file, sizeof(tmp));
            geoha_strlcpy(c->dir, dirname(tmp), sizeof(c->dir));
        }
        c->uid = 0;
        c->gid = 0;
        c->mode = 0600;
        c->on_change[0] = NULL;
        geoha_warn("Parameters are unusable; failing closed as root:root "
                   "0600 | file='%s'",
                   c->settings_file);
    }
    if (stat(c->dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        /* No settings directory: no Drupal here to stop. */
        geoha_notice("Settings directory does not exist; nothing to stop | "
                     "dir='%s'",
                     c->dir);
        rc = OCF_SUCCESS;
        goto done;
    }
    geoha_snprintf(why, sizeof(why), "the cluster stopped resource %s",
                   ctx->rsc_base);
    rc = fail_closed(ctx, c, why, &changed);
    if (rc != OCF_SUCCESS) {
        rc = OCF_ERR_GENERIC; /* Pacemaker must know we could not stop */
        goto done;
    }
    if (changed) {
        run_on_change(ctx, c, "fail-closed", NULL, false, &rc);
    }
done:
    return rc;
}

static int
action_monitor(struct geoha_ctx *ctx)
{
    struct cfg *c = NULL;
    struct geoha_buf want;
    struct current cur;
    char writer[GEOHA_NODE_MAX] = "";
    size_t n = 0;
    int rc;

    geoha_buf_init(&want, GEOHA_DRUPAL_MAX);
    memset(&cur, 0, sizeof(cur));
    rc = get_cfg(ctx, &c);
    if (rc != OCF_SUCCESS) {
        goto done;
    }
    rc = current_read(c, &cur);
    if (rc == -ENOENT || rc == -ENOTDIR) {
        rc = OCF_NOT_RUNNING;
        goto done;
    }
    if (rc != 0) {
        geoha_exit_reason("Cannot read '%s': %s", c->settings_file,
                          geoha_strerror(rc));
        rc = OCF_ERR_GENERIC;
        goto done;
    }
    if (cur.state == GEOHA_DRUPAL_FAIL_CLOSED) {
        rc = OCF_NOT_RUNNING;
        goto done;
    }
    if (cur.state == GEOHA_DRUPAL_FOREIGN) {
        geoha_exit_reason("'%s' is not a settings include written by "
                          "ocf:geoha:drupal",
                          c->settings_file);
        rc = OCF_ERR_GENERIC;
        goto done;
    }
    if (!live_present(ctx)) {
        /* after a reboot, or closed by the quorum guard: refuses service */
        geoha_info("The include is active but its marker in %s is gone: "
                   "it refuses service | file='%s'",
                   geoha_param_str(ctx, P_LIVE_DIR), c->settings_file);
        rc = OCF_NOT_RUNNING;
        goto done;
    }
    rc = find_writer(ctx, c, 0, writer, &n);
    if (rc != OCF_SUCCESS) {
        goto done;
    }
    if (n != 1) {
        geoha_exit_reason("Drupal's settings point at '%s' but %s is %s",
                          cur.writer, c->db_resource,
                          n == 0 ? "not promoted anywhere"
                                 : "promoted on more than one node");
        rc = OCF_ERR_GENERIC;
        goto done;
    }
    if (strcmp(writer, cur.writer) != 0) {
        geoha_exit_reason("Drupal's settings point at '%s' but the writer "
                          "(promoted %s) is '%s'",
                          cur.writer, c->db_resource, writer);
        rc = OCF_ERR_GENERIC;
        goto done;
    }
    rc = load_account(ctx, c);
    if (rc == OCF_SUCCESS) {
        rc = render_active(ctx, c, writer, &want);
    }
    if (rc != OCF_SUCCESS) {
        goto done;
    }
    if (cur.len != want.len || memcmp(cur.text, want.data, want.len) != 0) {
        geoha_exit_reason("'%s' differs from what the parameters and the "
                          "cluster give (edited by hand, or a changed "
                          "parameter or %s?)",
                          c->settings_file, P_DEFAULTS_FILE);
        rc = OCF_ERR_GENERIC;
        goto done;
    }
    if (!current_is(c, &cur, &want)) {
        geoha_exit_reason("'%s' has owner %ld:%ld mode %04o, not %ld:%ld "
                          "%04o",
                          c->settings_file, (long)cur.st.st_uid,
                          (long)cur.st.st_gid,
                          (unsigned)(cur.st.st_mode & 07777), (long)c->uid,
                          (long)c->gid, (unsigned)c->mode);
        rc = OCF_ERR_GENERIC;
        goto done;
    }
    rc = OCF_SUCCESS;
done:
    current_clear(&cur);
    buf_wipe(&want);
    /* Pacemaker 2.1 reads OCF_ERR_INSTALLED from a probe as "not running
     * here" (a masked probe failure) and would leave an include that may
     * be active alone: a probe that cannot check it says "failed", so
     * Pacemaker stops it (fails it closed) first. */
    if (ctx->probe && rc == OCF_ERR_INSTALLED) {
        rc = OCF_ERR_GENERIC;
    }
    return rc;
}

/* ---- the quorum guard (S2, lib/guard.c) ---- */

/* The include fails closed the moment this partition loses quorum. */
static int
guard_close(struct geoha_ctx *ctx, const char **how)
{
    struct cfg *c = NULL;
    bool changed = false;
    int rc = get_cfg(ctx, &c);

    if (rc == OCF_SUCCESS) {
        rc = fail_closed(ctx, c,
                         "this node's partition lost quorum (quorum guard)",
                         &changed);
    }
    if (rc == OCF_SUCCESS && changed) {
        run_on_change(ctx, c, "fail-closed", NULL, false, &rc);
    }
    cfg_free(c);
    ctx->agent_data = NULL;
    *how = changed ? "include-fail-closed" : "include-already-closed";
    return rc == OCF_SUCCESS ? 0 : -EIO;
}

static int
action_quorum_guard(struct geoha_ctx *ctx)
{
    const char *file = geoha_param_str(ctx, P_SETTINGS_FILE);
    char tmp[PATH_MAX];

    if (file == NULL || geoha_strlcpy(tmp, file, sizeof(tmp)) != 0) {
        return OCF_ERR_CONFIGURED;
    }
    /* it lives while the settings directory does */
    return geoha_guard_main(ctx, dirname(tmp), guard_close);
}

static int
guarded_start(struct geoha_ctx *ctx)
{
    int rc = action_start(ctx);

    return rc == OCF_SUCCESS ? geoha_guard_ensure(ctx, NULL) : rc;
}

static int
guarded_stop(struct geoha_ctx *ctx)
{
    int rc = action_stop(ctx);

    return rc == OCF_SUCCESS ? geoha_guard_end(ctx) : rc;
}

/* A guard that died is started again (and said so) by the next monitor. */
static int
guarded_monitor(struct geoha_ctx *ctx)
{
    int rc = action_monitor(ctx);
    bool spawned = false;

    if (!ctx->probe && rc == OCF_SUCCESS) {
        rc = geoha_guard_ensure(ctx, &spawned);
        if (spawned) {
            geoha_warn("The quorum guard was not running; started it again");
        }
    }
    return rc;
}

/* ---- tables ---- */

static const struct geoha_param params[] = {
    { .name = P_SETTINGS_FILE,
      .type = GEOHA_PT_PATH,
      .required = true,
      .flags = GEOHA_PF_UNIQUE,
      .shortdesc = "The generated settings include",
      .longdesc = "The PHP file this agent writes and Drupal's settings.php "
                  "requires, e.g. /var/www/drupal/sites/default/"
                  "settings.geoha.php. Its directory must exist." },
    { .name = P_DB_RESOURCE,
      .type = GEOHA_PT_STRING,
      .required = true,
      .shortdesc = "The promotable database resource to follow",
      .longdesc = "The id of the promotable clone (or its primitive) whose "
                  "promoted node is the database writer, e.g. db-clone." },
    { .name = P_ENDPOINTS,
      .type = GEOHA_PT_MAP,
      .map_value = GEOHA_PT_HOSTPORT,
      .required = true,
      .shortdesc = "Each node's database server",
      .longdesc = "Where each node's database server listens, as Drupal "
                  "should reach it: the writer's entry becomes the "
                  "'default' connection, this node's entry the read "
                  "replica. For Azure Database for MySQL, the servers' "
                  "FQDNs." },
    { .name = P_DATABASE,
      .type = GEOHA_PT_STRING,
      .required = true,
      .shortdesc = "Drupal's database name",
      .longdesc = "The name of the database (schema) Drupal's tables are "
                  "in, the same on every server, e.g. drupal (at most 64 "
                  "characters): the 'database' key of every connection in "
                  "the include." },
    { .name = P_DEFAULTS_FILE,
      .type = GEOHA_PT_PATH,
      .required = true,
      .flags = GEOHA_PF_MUST_EXIST | GEOHA_PF_PRIVATE,
      .shortdesc = "Drupal's database account",
      .longdesc = "A MySQL option file with user= and password= in its "
                  "[client] group: Drupal's own account. Read as the mysql "
                  "client reads it (quotes, escapes such as \\n). The "
                  "password is written into the settings include and "
                  "nowhere else." },
    { .name = P_PREFIX,
      .type = GEOHA_PT_STRING,
      .shortdesc = "Table prefix",
      .longdesc = "Drupal's table prefix; unset renders no 'prefix' key." },
    { .name = P_COLLATION,
      .type = GEOHA_PT_STRING,
      .shortdesc = "Connection collation",
      .longdesc = "e.g. utf8mb4_general_ci; unset leaves Drupal's "
                  "default." },
    { .name = P_DRIVER,
      .type = GEOHA_PT_STRING,
      .default_value = P_DRIVER_DEFAULT,
      .shortdesc = "Drupal database driver",
      .longdesc = "The 'driver' of the connection. Drupal derives the "
                  "namespace of its core drivers from it." },
    { .name = P_SSL_CA,
      .type = GEOHA_PT_PATH,
      .flags = GEOHA_PF_MUST_EXIST,
      .shortdesc = "TLS CA certificate (Azure MySQL)",
      .longdesc = "A CA file: when set, the connections use TLS "
                  "(PDO::MYSQL_ATTR_SSL_CA) and verify the server's "
                  "certificate, as Azure Database for MySQL requires." },
    { .name = P_LOCAL_REPLICA,
      .type = GEOHA_PT_BOOL,
      .default_value = P_LOCAL_REPLICA_DEFAULT,
      .shortdesc = "Use this node's server as a read replica",
      .longdesc = "When this node is not the writer and has an entry in "
                  "endpoints, add it as $databases['default']['replica'][]." },
    { .name = P_OWNER,
      .type = GEOHA_PT_STRING,
      .default_value = P_OWNER_DEFAULT,
      .shortdesc = "Owner of the include",
      .longdesc = "User name or number that owns the include." },
    { .name = P_GROUP,
      .type = GEOHA_PT_STRING,
      .default_value = P_GROUP_DEFAULT,
      .shortdesc = "Group of the include",
      .longdesc = "Group name or number of the include: the web server's "
                  "group, so PHP can read it." },
    { .name = P_MODE,
      .type = GEOHA_PT_STRING,
      .default_value = P_MODE_DEFAULT,
      .shortdesc = "Mode of the include",
      .longdesc = "Octal file mode. It holds the database password: others "
                  "may have no access." },
    { .name = P_ON_CHANGE,
      .type = GEOHA_PT_STRING,
      .shortdesc = "Program run after the include changes",
      .longdesc = "An argument vector, run without a shell after the "
                  "include was rewritten (e.g. an opcache reset, or "
                  "'/usr/local/bin/drush --root=/var/www/drupal cr'). "
                  "Words are separated by spaces; there is no quoting and "
                  "no expansion, so no word can contain a space (use a "
                  "wrapper script for that). The first word is the "
                  "program's absolute path. It gets GEOHA_SETTINGS_FILE, "
                  "GEOHA_STATE (active or fail-closed) and GEOHA_WRITER in "
                  "its environment. Its failure fails start; after stop it "
                  "is only logged." },
    { .name = P_LIVE_DIR,
      .type = GEOHA_PT_PATH,
      .default_value = P_LIVE_DIR_DEFAULT,
      .shortdesc = "Where the include's boot-scoped marker lives",
      .longdesc = "A directory on a tmpfs that a reboot empties (under "
                  "/run). While the cluster runs this resource, a file "
                  "RSC.live is kept there, and the active include refuses "
                  "service unless it exists: after a power loss or a "
                  "reboot the include on disk fails closed until the "
                  "cluster has started the resource again. The web "
                  "server's user must be able to see the file (the "
                  "directory is made mode 0755)." },
};

static const struct geoha_action actions[] = {
    { "start", guarded_start, GEOHA_AF_VALIDATE, 60, 0, NULL, -1 },
    { "stop", guarded_stop, 0, 60, 0, NULL, -1 },
    { "monitor", guarded_monitor, 0, 30, 10, NULL, -1 },
    { GEOHA_GUARD_ACTION, action_quorum_guard, GEOHA_AF_HIDDEN, 0, 0, NULL,
      -1 },
    { "validate-all", action_validate, GEOHA_AF_VALIDATE, 20, 0, NULL, -1 },
    { "meta-data", NULL, GEOHA_AF_NO_PARAMS, 5, 0, NULL, -1 },
};

static const struct geoha_agent agent = {
    .name = "drupal",
    .version = GEOHA_VERSION,
    .shortdesc = "Drupal's database settings follow the promoted database",
    .longdesc =
        "Writes the PHP include that Drupal's settings.php requires, so "
        "that $databases['default']['default'] points at the node where the "
        "promotable database resource is promoted (read from the cluster) "
        "and, optionally, $databases['default']['replica'][] at this node's "
        "own server. Writes are atomic, with owner and mode set. Stopped, "
        "the include fails closed: Drupal answers HTTP 503 and uses no "
        "database. Use as a clone, ordered after the database's promotion "
        "(order db-clone:promote drupal-clone:start), not interleaved, so a "
        "moved writer restarts every instance.",
    .params = params,
    .n_params = sizeof(params) / sizeof(params[0]),
    .actions = actions,
    .n_actions = sizeof(actions) / sizeof(actions[0]),
    .validate = validate,
    .teardown = teardown,
};

int
main(int argc, char **argv)
{
    return geoha_agent_main(&agent, argc, argv);
}
