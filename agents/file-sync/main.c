/*
 * ocf:geoha:file-sync — user files follow the writer, and no file is lost.
 *
 * A clone instance on each node. Both run a small sync process (the
 * hidden action sync-daemon of this same program): it watches which node
 * holds the promoted db_resource. On that node (the writer) it pushes the
 * tree to the other node with rsync over ssh: changes seen by inotify
 * within about a second, batched, and a full pass on start and every
 * interval. On the other node it only receives. Whatever a push would
 * overwrite or delete on the receiving side is moved into a dated folder
 * under backup_dir first, and a file that is newer on the receiving side
 * is kept and reported as a conflict (S5, docs/SAFETY.md). A node that becomes
 * the writer first pulls what the old writer has and it lacks.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "geoha/file.h"
#include "geoha/map.h"
#include "geoha/ocf.h"
#include "geoha/proc.h"
#include "geoha/util.h"

#include "file-sync.h"

#define STATUS_MAX 8192
#define START_WAIT_STEP_MS 50
/* Time stop keeps for killing the sync process after its final push. */
#define STOP_KILL_MARGIN_MS 2500

static const struct geoha_param params[] = {
    { .name = P_DIRECTORY,
      .type = GEOHA_PT_PATH,
      .required = true,
      .flags = GEOHA_PF_UNIQUE | GEOHA_PF_MUST_EXIST | GEOHA_PF_DIR,
      .shortdesc = "The file tree to keep in sync",
      .longdesc = "The directory whose contents follow the writer, for "
                  "example /var/www/drupal/sites/default/files. The same "
                  "path on every node. Letters, digits and ._+@%=,/- only "
                  "(no spaces)." },
    { .name = P_DB_RESOURCE,
      .type = GEOHA_PT_STRING,
      .required = true,
      .shortdesc = "The promotable database resource that leads",
      .longdesc = "The id of the promotable clone (or its primitive) whose "
                  "promoted node is the writer: files are copied from that "
                  "node to the other one." },
    { .name = P_PEERS,
      .type = GEOHA_PT_MAP,
      .map_value = GEOHA_PT_STRING,
      .required = true,
      .shortdesc = "How each node is reached over SSH",
      .longdesc = "Both nodes as node=address, for example "
                  "\"ci=10.1.0.4 si=10.2.0.4\"; an address is a host name, "
                  "an IPv4 address, or host:port / [IPv6]:port when SSH "
                  "does not listen on port 22." },
    { .name = P_SSH_USER,
      .type = GEOHA_PT_STRING,
      .default_value = P_SSH_USER_DEFAULT,
      .shortdesc = "The user rsync logs in as on the other node",
      .longdesc = "The remote user. It must be able to write the directory "
                  "and backup_dir on the other node; root keeps owners and "
                  "modes." },
    { .name = P_SSH_KEY,
      .type = GEOHA_PT_PATH,
      .required = true,
      .flags = GEOHA_PF_PRIVATE,
      .shortdesc = "The SSH private key",
      .longdesc = "The private key used to log in to the other node." },
    { .name = P_KNOWN_HOSTS,
      .type = GEOHA_PT_PATH,
      .required = true,
      .flags = GEOHA_PF_MUST_EXIST,
      .shortdesc = "The known_hosts file with the other node's host key",
      .longdesc = "Host keys are checked strictly against this file only: "
                  "an unknown or changed key stops the copy." },
    { .name = P_INTERVAL,
      .type = GEOHA_PT_INT,
      .default_value = P_INTERVAL_DEFAULT,
      .min = P_INTERVAL_MIN,
      .max = P_INTERVAL_MAX,
      .shortdesc = "Seconds between full passes",
      .longdesc = "Changes are pushed as inotify reports them; in addition "
                  "the whole tree is compared on start and every interval "
                  "seconds." },
    { .name = P_BACKUP_DIR,
      .type = GEOHA_PT_PATH,
      .flags = GEOHA_PF_DIR,
      .shortdesc = "Where replaced and deleted files are kept",
      .longdesc = "Files that a copy would overwrite or delete on the "
                  "receiving node are moved here first, into one dated "
                  "folder per run. Default: the directory path followed by "
                  "\"" FS_BACKUP_SUFFIX "\", beside it. Must not be inside "
                  "the directory." },
    { .name = P_EXCLUDE,
      .type = GEOHA_PT_STRING,
      .default_value = P_EXCLUDE_DEFAULT,
      .shortdesc = "Patterns not to copy",
      .longdesc = "rsync exclude patterns separated by spaces; a leading / "
                  "anchors a pattern at the directory, a trailing / matches "
                  "directories only. The default leaves out Drupal's "
                  "generated css/, js/ and php/ caches." },
};

#define N_PARAMS (sizeof(params) / sizeof(params[0]))

/* ---- configuration ---- */

static int
bad(const char *name, const char *text, const char *why)
{
    geoha_exit_reason("Parameter %s='%s' %s", name, text != NULL ? text : "",
                      why);
    return OCF_ERR_CONFIGURED;
}

/*
 * A parameter that is well formed but unusable on this node (what a path
 * resolves to here): a hard error on this node only, never
 * OCF_ERR_CONFIGURED, which keeps the resource off every node.
 */
static int
bad_here(const char *name, const char *text, const char *why)
{
    geoha_exit_reason("Parameter %s='%s' %s", name, text != NULL ? text : "",
                      why);
    return OCF_ERR_INSTALLED;
}

/* Is a equal to b or inside it? Both absolute, clean, no trailing '/'. */
static bool
path_within(const char *a, const char *b)
{
    size_t n = strlen(b);

    if (strcmp(b, "/") == 0) {
        return true; /* everything is inside the root */
    }
    return strncmp(a, b, n) == 0 && (a[n] == '\0' || a[n] == '/');
}

/*
 * The absolute path in, written without "." components, repeated or
 * trailing slashes ("/" stays "/"). A ".." component is refused
 * (-EINVAL): it would make the text name another place than it seems to,
 * and after a symbolic link not even the place a lexical reading gives.
 */
static int
clean_path(const char *in, char *out, size_t size)
{
    size_t k = 0;
    const char *p = in;

    if (in == NULL || in[0] != '/' || size < 2) {
        return -EINVAL;
    }
    while (*p != '\0') {
        size_t len;

        while (*p == '/') {
            p++;
        }
        len = strcspn(p, "/");
        if (len == 0 || (len == 1 && p[0] == '.')) {
            p += len;
            continue;
        }
        if (len == 2 && p[0] == '.' && p[1] == '.') {
            return -EINVAL;
        }
        if (k + 1 + len >= size) {
            return -ENAMETOOLONG;
        }
        out[k++] = '/';
        memcpy(out + k, p, len);
        k += len;
        p += len;
    }
    if (k == 0) {
        out[k++] = '/';
    }
    out[k] = '\0';
    return 0;
}

/*
 * Where the clean absolute path in really is: its longest existing
 * leading part resolved by realpath() (symbolic links followed), the part
 * that does not exist yet appended as it is (it holds no link). The
 * guards compare these, never the text as given.
 */
static int
resolve_path(const char *in, char out[PATH_MAX])
{
    char head[PATH_MAX];
    char real[PATH_MAX];
    size_t cut;

    if (geoha_strlcpy(head, in, sizeof(head)) != 0) {
        return -ENAMETOOLONG;
    }
    cut = strlen(head);
    for (;;) {
        if (realpath(cut == 0 ? "/" : head, real) != NULL) {
            break;
        }
        if (cut == 0) {
            return -errno;
        }
        /* one component less */
        while (cut > 0 && head[cut] != '/') {
            cut--;
        }
        head[cut] = '\0';
    }
    if (geoha_snprintf(out, PATH_MAX, "%s%s",
                       strcmp(real, "/") == 0 && in[cut] != '\0' ? "" : real,
                       in + cut)
        != 0) {
        return -ENAMETOOLONG;
    }
    return 0;
}

/* Clean and resolve a directory parameter; a reason is written on error. */
static int
load_dir_param(const char *name, const char *text, char *clean, size_t size,
               char resolved[PATH_MAX])
{
    int rc = clean_path(text, clean, size);

    if (rc == -EINVAL) {
        return bad(name, text, "must not contain a '..' component");
    }
    if (rc != 0) {
        return bad(name, text, "is too long");
    }
    if (resolve_path(clean, resolved) != 0) {
        return bad(name, text, "cannot be resolved (too long)");
    }
    return OCF_SUCCESS;
}

/* A name safe in a file name and an attribute name. */
static void
safe_name(const char *in, char *out, size_t size)
{
    size_t k = 0;

    for (const char *p = in; *p != '\0' && k + 1 < size; p++) {
        bool ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')
                  || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'
                  || *p == '.';

        out[k++] = ok ? *p : '_';
    }
    out[k] = '\0';
}

static int
load_excludes(struct fs_conf *conf, const char *text)
{
    const char *p = text;

    conf->n_exclude = 0;
    while (p != NULL && *p != '\0') {
        size_t len;

        while (*p == ' ' || *p == '\t' || *p == '\n') {
            p++;
        }
        len = strcspn(p, " \t\n");
        if (len == 0) {
            break;
        }
        if (conf->n_exclude >= FS_EXCLUDE_MAX) {
            return bad(P_EXCLUDE, text, "has too many patterns");
        }
        if (len >= sizeof(conf->exclude[0])) {
            return bad(P_EXCLUDE, text, "has a pattern that is too long");
        }
        for (size_t i = 0; i < len; i++) {
            unsigned char c = (unsigned char)p[i];

            if (c < 0x21 || c > 0x7e) {
                return bad(P_EXCLUDE, text,
                           "has a pattern with a character that is not "
                           "printable ASCII");
            }
        }
        /* "!" would clear the list; "+" and "-" alone are prefixes. */
        if ((len == 1 && (p[0] == '!' || p[0] == '+' || p[0] == '-'))) {
            return bad(P_EXCLUDE, text,
                       "has a pattern that rsync reads as a rule prefix");
        }
        memcpy(conf->exclude[conf->n_exclude], p, len);
        conf->exclude[conf->n_exclude][len] = '\0';
        conf->n_exclude++;
        p += len;
    }
    return OCF_SUCCESS;
}

static int
load_peers(struct geoha_ctx *ctx, struct fs_conf *conf, bool full)
{
    const struct geoha_map *m = geoha_param_map(ctx, P_PEERS);
    const char *text = geoha_param_str(ctx, P_PEERS);
    const struct geoha_map_entry *peer = NULL;
    struct geoha_hostport hp;
    int rc;

    for (size_t i = 0; i < m->n; i++) {
        if (geoha_hostport_parse(m->e[i].value, FS_SSH_PORT_DEFAULT, &hp) != 0
            || !fs_word_ok(hp.host, ".-:")) {
            return bad(P_PEERS, text,
                       "has an address that is not host, host:port or "
                       "[IPv6]:port");
        }
    }
    rc = geoha_map_peer(m, conf->node, &peer);
    if (rc == -ENOENT) {
        if (!full) {
            return OCF_SUCCESS;
        }
        /* this node only, as traffic-manager's endpoints: the other
         * nodes of the map can run it */
        geoha_exit_reason("Parameter %s='%s' does not list this node '%s'",
                          P_PEERS, text, conf->node);
        return OCF_ERR_INSTALLED;
    }
    if (rc != 0) {
        return bad(P_PEERS, text, "must list exactly two nodes");
    }
    geoha_hostport_parse(peer->value, FS_SSH_PORT_DEFAULT, &hp);
    geoha_strlcpy(conf->peer, peer->node, sizeof(conf->peer));
    geoha_strlcpy(conf->peer_host, hp.host, sizeof(conf->peer_host));
    conf->peer_port = hp.port;
    return OCF_SUCCESS;
}

int
fs_state_path(const struct fs_conf *conf, const char *name, char out[PATH_MAX])
{
    return geoha_snprintf(out, PATH_MAX, "%s/%s", conf->state_dir, name);
}

/*
 * What identifies this instance's sync process, from the resource id and
 * the node alone (no parameter): rsc, node and state_dir. Stop uses it
 * even when the parameters are unusable. 0, or -ENAMETOOLONG.
 */
static int
conf_ident(const struct geoha_ctx *ctx, struct fs_conf *conf)
{
    const char *root;
    char node_safe[GEOHA_NODE_MAX];
    char *colon;

    /* The clone instance number ":N" may change between starts. */
    geoha_strlcpy(conf->rsc, ctx->rsc, sizeof(conf->rsc));
    colon = strchr(conf->rsc, ':');
    if (colon != NULL) {
        *colon = '\0';
    }
    if (conf->rsc[0] == '\0' || strcmp(conf->rsc, "(none)") == 0) {
        geoha_strlcpy(conf->rsc, "file-sync", sizeof(conf->rsc));
    }
    safe_name(conf->rsc, conf->rsc, sizeof(conf->rsc));
    geoha_strlcpy(conf->node, ctx->node, sizeof(conf->node));
    root = getenv(FS_STATE_ENV);
    if (root == NULL || root[0] != '/') {
        root = FS_STATE_ROOT;
    }
    safe_name(conf->node, node_safe, sizeof(node_safe));
    if (geoha_snprintf(conf->state_dir, sizeof(conf->state_dir), "%s/%s@%s",
                       root, conf->rsc, node_safe)
        != 0) {
        return -ENAMETOOLONG;
    }
    return 0;
}

int
fs_conf_load(struct geoha_ctx *ctx, struct fs_conf *conf, bool full)
{
    const char *s;
    char dir_real[PATH_MAX];
    char backup_real[PATH_MAX];
    char backup_text[PATH_MAX];
    int rc;

    memset(conf, 0, sizeof(*conf));
    if (conf_ident(ctx, conf) != 0) {
        geoha_exit_reason("The state directory of resource '%s' is too long",
                          conf->rsc);
        return OCF_ERR_CONFIGURED;
    }

    /* Every guard below compares resolved paths ('.' and repeated '/'
     * removed, '..' refused, symbolic links followed), never the text:
     * "/.", "/tmp/.." or a link to / are the root directory. */
    s = geoha_param_str(ctx, P_DIRECTORY);
    if (!fs_path_ok(s)) {
        return bad(P_DIRECTORY, s,
                   "must be an absolute path of letters, digits and "
                   "._+@%=,/- (no spaces, quotes or glob characters)");
    }
    rc = load_dir_param(P_DIRECTORY, s, conf->directory,
                        sizeof(conf->directory) - 64, dir_real);
    if (rc != OCF_SUCCESS) {
        return rc;
    }
    if (strcmp(conf->directory, "/") == 0) {
        return bad(P_DIRECTORY, s, "must not be the root directory");
    }
    if (strcmp(dir_real, "/") == 0) {
        /* a symbolic link on this node: this node's problem */
        return bad_here(P_DIRECTORY, s,
                        "must not be the root directory (on this node it "
                        "resolves to / through a symbolic link)");
    }

    s = geoha_param_str(ctx, P_BACKUP_DIR);
    if (s == NULL) {
        if (geoha_snprintf(backup_text, sizeof(backup_text), "%s%s",
                           conf->directory, FS_BACKUP_SUFFIX)
            != 0) {
            return bad(P_BACKUP_DIR, s, "is too long");
        }
    } else if (!fs_path_ok(s)) {
        return bad(P_BACKUP_DIR, s,
                   "must be an absolute path of letters, digits and "
                   "._+@%=,/- (no spaces, quotes or glob characters)");
    } else if (geoha_strlcpy(backup_text, s, sizeof(backup_text)) != 0) {
        return bad(P_BACKUP_DIR, s, "is too long");
    }
    rc = load_dir_param(P_BACKUP_DIR, backup_text, conf->backup_dir,
                        sizeof(conf->backup_dir) - 64, backup_real);
    if (rc != OCF_SUCCESS) {
        return rc;
    }
    if (path_within(backup_real, dir_real) || path_within(dir_real, backup_real)
        || path_within(conf->backup_dir, conf->directory)
        || path_within(conf->directory, conf->backup_dir)) {
        char why[PATH_MAX + 160];
        /* The texts themselves overlap: wrong on every node. Only the
         * resolved paths do: symbolic links on this node. */
        bool text = path_within(conf->backup_dir, conf->directory)
                    || path_within(conf->directory, conf->backup_dir);

        geoha_snprintf(why, sizeof(why),
                       "must be outside the directory (and not contain "
                       "it): it resolves to '%s', the directory to '%s'",
                       backup_real, dir_real);
        return text ? bad(P_BACKUP_DIR, backup_text, why)
                    : bad_here(P_BACKUP_DIR, backup_text, why);
    }

    s = geoha_param_str(ctx, P_DB_RESOURCE);
    if (!fs_word_ok(s, "._:-")
        || geoha_strlcpy(conf->db_resource, s, sizeof(conf->db_resource))
               != 0) {
        return bad(P_DB_RESOURCE, s, "is not a resource id");
    }

    s = geoha_param_str(ctx, P_SSH_USER);
    if (!fs_word_ok(s, "._-")
        || geoha_strlcpy(conf->ssh_user, s, sizeof(conf->ssh_user)) != 0) {
        return bad(P_SSH_USER, s,
                   "is not a user name (letters, digits and ._-, not "
                   "starting with -)");
    }

    s = geoha_param_str(ctx, P_SSH_KEY);
    if (!fs_path_ok(s)
        || geoha_strlcpy(conf->ssh_key, s, sizeof(conf->ssh_key)) != 0) {
        return bad(P_SSH_KEY, s,
                   "must be an absolute path of letters, digits and "
                   "._+@%=,/- (no spaces or quotes)");
    }
    s = geoha_param_str(ctx, P_KNOWN_HOSTS);
    if (!fs_path_ok(s)
        || geoha_strlcpy(conf->known_hosts, s, sizeof(conf->known_hosts))
               != 0) {
        return bad(P_KNOWN_HOSTS, s,
                   "must be an absolute path of letters, digits and "
                   "._+@%=,/- (no spaces or quotes)");
    }
    conf->interval_s = (int)geoha_param_int(ctx, P_INTERVAL);

    rc = load_excludes(conf, geoha_param_str(ctx, P_EXCLUDE));
    if (rc != OCF_SUCCESS) {
        return rc;
    }
    return load_peers(ctx, conf, full);
}

static int
validate(struct geoha_ctx *ctx)
{
    struct fs_conf *conf = calloc(1, sizeof(*conf));
    int rc;

    if (conf == NULL) {
        return OCF_ERR_GENERIC;
    }
    rc = fs_conf_load(ctx, conf, true);
    if (rc != OCF_SUCCESS) {
        free(conf);
        return rc;
    }
    free(ctx->agent_data);
    ctx->agent_data = conf;
    return OCF_SUCCESS;
}

/* The configuration: from validate when it ran, else syntax checks only. */
static int
conf_get(struct geoha_ctx *ctx, struct fs_conf **out)
{
    int rc;

    if (ctx->agent_data == NULL) {
        struct fs_conf *conf = calloc(1, sizeof(*conf));

        if (conf == NULL) {
            return OCF_ERR_GENERIC;
        }
        rc = fs_conf_load(ctx, conf, false);
        if (rc != OCF_SUCCESS) {
            free(conf);
            return rc;
        }
        ctx->agent_data = conf;
    }
    *out = ctx->agent_data;
    return OCF_SUCCESS;
}

/* ---- the sync process ---- */

static int
read_pid(const struct fs_conf *conf, pid_t *pid)
{
    char path[PATH_MAX];
    int rc = fs_state_path(conf, FS_PID_FILE, path);

    return rc != 0 ? rc : geoha_proc_pid_read(path, pid);
}

/* Is pid our sync process (alive, not a zombie, the right program)? */
static bool
daemon_alive(pid_t pid)
{
    return geoha_proc_self_alive(pid, FS_DAEMON_ACTION);
}

/* The status the sync process writes: "key=value" lines. */
struct fs_status {
    char role[16];
    bool ready;
    int64_t heartbeat_ms;
    int64_t last_sync_ms;
    long long backlog;
    long long conflicts;
    char last_error[256];
};

static int
read_status(const struct fs_conf *conf, struct fs_status *st)
{
    char path[PATH_MAX];
    char *text = NULL;
    char *line;
    char *next;
    int rc;

    memset(st, 0, sizeof(*st));
    rc = fs_state_path(conf, FS_STATUS_FILE, path);
    if (rc == 0) {
        rc = geoha_file_read(path, STATUS_MAX, &text, NULL);
    }
    if (rc != 0) {
        return rc;
    }
    for (line = text; line != NULL && *line != '\0'; line = next) {
        char *eq;
        long long v = 0;

        next = strchr(line, '\n');
        if (next != NULL) {
            *next++ = '\0';
        }
        eq = strchr(line, '=');
        if (eq == NULL) {
            continue;
        }
        *eq++ = '\0';
        if (strcmp(line, "role") == 0) {
            geoha_strlcpy(st->role, eq, sizeof(st->role));
        } else if (strcmp(line, "last_error") == 0) {
            geoha_strlcpy(st->last_error, eq, sizeof(st->last_error));
        } else if (geoha_parse_ll(eq, 0, INT64_MAX / 2, &v) == 0) {
            if (strcmp(line, "ready") == 0) {
                st->ready = v != 0;
            } else if (strcmp(line, "heartbeat_ms") == 0) {
                st->heartbeat_ms = v;
            } else if (strcmp(line, "last_sync_ms") == 0) {
                st->last_sync_ms = v;
            } else if (strcmp(line, "backlog") == 0) {
                st->backlog = v;
            } else if (strcmp(line, "conflicts") == 0) {
                st->conflicts = v;
            }
        }
    }
    free(text);
    return 0;
}

static void
remove_state(const struct fs_conf *conf, const char *name)
{
    char path[PATH_MAX];

    if (fs_state_path(conf, name, path) == 0) {
        unlink(path);
    }
}

/* Start the sync process, detached (double fork, own session). */
static int
spawn_daemon(void)
{
    return geoha_proc_spawn_self("file-sync", FS_DAEMON_ACTION,
                                 getenv(FS_LOG_ENV));
}

/* ---- actions ---- */

static int
action_start(struct geoha_ctx *ctx)
{
    struct fs_conf *conf = NULL;
    struct fs_status st;
    pid_t pid = 0;
    int rc;

    rc = conf_get(ctx, &conf);
    if (rc != OCF_SUCCESS) {
        return rc;
    }
    if (read_pid(conf, &pid) == 0 && daemon_alive(pid)) {
        geoha_info("The sync process is already running | pid=%d", (int)pid);
        return OCF_SUCCESS;
    }
    rc = geoha_dir_ensure(conf->state_dir, 0700);
    if (rc == 0) {
        rc = geoha_dir_ensure(conf->backup_dir, 0700);
    }
    if (rc != 0) {
        geoha_exit_reason("Cannot create the state or backup directory | "
                          "state_dir='%s' backup_dir='%s' error='%s'",
                          conf->state_dir, conf->backup_dir,
                          geoha_strerror(rc));
        return OCF_ERR_GENERIC;
    }
    remove_state(conf, FS_PID_FILE);
    remove_state(conf, FS_STATUS_FILE);
    remove_state(conf, FS_STOP_FILE);
    rc = spawn_daemon();
    if (rc != 0) {
        geoha_exit_reason("Cannot start the sync process | error='%s'",
                          geoha_strerror(rc));
        return OCF_ERR_GENERIC;
    }
    /* Ready once it has its watches: the first pass runs after start. */
    for (;;) {
        if (read_pid(conf, &pid) == 0 && read_status(conf, &st) == 0
            && st.ready) {
            if (daemon_alive(pid)) {
                geoha_info("Sync process started | pid=%d peer=%s", (int)pid,
                           conf->peer);
                return OCF_SUCCESS;
            }
            break;
        }
        if (geoha_sleep_ms(&ctx->deadline, START_WAIT_STEP_MS) != 0) {
            geoha_exit_reason("The sync process did not get ready in time");
            return OCF_ERR_GENERIC;
        }
        if (pid > 0 && !daemon_alive(pid)) {
            break;
        }
    }
    geoha_exit_reason("The sync process exited at start (see the log)");
    return OCF_ERR_GENERIC;
}

static int
action_stop(struct geoha_ctx *ctx)
{
    struct fs_conf *conf = NULL;
    char path[PATH_MAX];
    char text[32];
    pid_t pid = 0;
    int64_t left;
    int rc;

    rc = conf_get(ctx, &conf);
    if (rc != OCF_SUCCESS) {
        /*
         * The sync process is found from the resource id and the node
         * alone, so unusable parameters (changed since start, or never
         * valid) still let stop end it: failing would get this node
         * fenced for a typo, on every node at once.
         */
        conf = calloc(1, sizeof(*conf));
        if (conf == NULL) {
            return OCF_ERR_GENERIC;
        }
        ctx->agent_data = conf;
        if (conf_ident(ctx, conf) != 0) {
            /* no state directory could ever have been made: never ran */
            geoha_warn("Parameters are unusable and the state directory "
                       "name is too long: nothing can be running");
            return OCF_SUCCESS;
        }
        geoha_warn("Parameters are unusable; stopping the sync process "
                   "by its state directory | state_dir='%s'",
                   conf->state_dir);
    }
    if (read_pid(conf, &pid) != 0 || !daemon_alive(pid)) {
        remove_state(conf, FS_PID_FILE);
        remove_state(conf, FS_STATUS_FILE);
        return OCF_SUCCESS;
    }
    /* The sync process makes its final push within this time. */
    left = geoha_deadline_left_ms(&ctx->deadline) - STOP_KILL_MARGIN_MS;
    if (left < 0) {
        left = 0;
    }
    if (fs_state_path(conf, FS_STOP_FILE, path) == 0
        && geoha_snprintf(text, sizeof(text), "%lld",
                          (long long)(geoha_wall_ms() + left))
               == 0) {
        geoha_file_replace(path, text, strlen(text), (uid_t)-1, (gid_t)-1,
                           0600);
    }
    kill(pid, SIGTERM);
    while (daemon_alive(pid)
           && geoha_deadline_left_ms(&ctx->deadline)
                  > STOP_KILL_MARGIN_MS / 2) {
        geoha_sleep_ms(&ctx->deadline, START_WAIT_STEP_MS);
    }
    if (daemon_alive(pid)) {
        geoha_warn("The sync process did not end in time: killing it | "
                   "pid=%d",
                   (int)pid);
        kill(-pid, SIGKILL); /* its own process group: rsync and ssh too */
        kill(pid, SIGKILL);
        while (daemon_alive(pid) && !geoha_deadline_expired(&ctx->deadline)) {
            geoha_sleep_ms(&ctx->deadline, 10);
        }
    }
    if (daemon_alive(pid)) {
        geoha_exit_reason("The sync process (pid %d) does not end", (int)pid);
        return OCF_ERR_GENERIC;
    }
    remove_state(conf, FS_PID_FILE);
    remove_state(conf, FS_STATUS_FILE);
    remove_state(conf, FS_STOP_FILE);
    geoha_info("Sync process stopped | pid=%d", (int)pid);
    return OCF_SUCCESS;
}

static int
action_monitor(struct geoha_ctx *ctx)
{
    struct fs_conf *conf = NULL;
    struct fs_status st;
    struct stat sb;
    pid_t pid = 0;
    int64_t age;
    int rc;

    rc = conf_get(ctx, &conf);
    if (rc != OCF_SUCCESS) {
        return rc;
    }
    rc = read_pid(conf, &pid);
    if (rc == -ENOENT) {
        return OCF_NOT_RUNNING;
    }
    if (rc != 0 || !daemon_alive(pid)) {
        if (ctx->probe) {
            return OCF_NOT_RUNNING;
        }
        geoha_exit_reason("The sync process is gone | pid=%d", (int)pid);
        return OCF_ERR_GENERIC;
    }
    if (read_status(conf, &st) != 0) {
        geoha_exit_reason("The sync process has no status | pid=%d", (int)pid);
        return OCF_ERR_GENERIC;
    }
    age = geoha_wall_ms() - st.heartbeat_ms;
    if (age > FS_HEARTBEAT_STALE_MS) {
        geoha_exit_reason("The sync process is stuck: no progress for %lld s "
                          "| pid=%d",
                          (long long)(age / 1000), (int)pid);
        return OCF_ERR_GENERIC;
    }
    /* Both sides: the tree must be there to send from or receive into. */
    if (stat(conf->directory, &sb) != 0 || !S_ISDIR(sb.st_mode)
        || access(conf->directory, W_OK) != 0) {
        geoha_exit_reason("The directory is missing or not writable | "
                          "directory='%s'",
                          conf->directory);
        return OCF_ERR_GENERIC;
    }
    if (strcmp(st.role, "writer") == 0 && st.last_error[0] != '\0') {
        geoha_warn("The last copy to the other node failed | peer=%s "
                   "backlog=%lld error='%s'",
                   conf->peer, st.backlog, st.last_error);
    }
    return OCF_SUCCESS;
}

static int
action_validate(struct geoha_ctx *ctx)
{
    struct fs_conf *conf = NULL;

    return conf_get(ctx, &conf);
}

static int
action_daemon(struct geoha_ctx *ctx)
{
    struct fs_conf *conf = NULL;
    int rc = conf_get(ctx, &conf);

    if (rc != OCF_SUCCESS) {
        return rc;
    }
    return fs_daemon_run(conf);
}

static const struct geoha_action actions[] = {
    { "start", action_start, GEOHA_AF_VALIDATE, 60, 0, NULL, -1 },
    { "stop", action_stop, 0, 120, 0, NULL, -1 },
    { "monitor", action_monitor, 0, 30, 30, NULL, -1 },
    { "validate-all", action_validate, GEOHA_AF_VALIDATE, 10, 0, NULL, -1 },
    { "meta-data", NULL, GEOHA_AF_NO_PARAMS, 5, 0, NULL, -1 },
    { FS_DAEMON_ACTION, action_daemon, GEOHA_AF_VALIDATE | GEOHA_AF_HIDDEN, 0,
      0, NULL, -1 },
};

static const struct geoha_agent agent = {
    .name = "file-sync",
    .version = GEOHA_VERSION,
    .shortdesc = "Copies user files from the writer's region to the other",
    .longdesc =
        "Keeps a file tree (Drupal's sites/default/files) the same on two "
        "nodes. The node where db_resource is promoted is the writer: its "
        "sync process pushes changes to the other node with rsync over SSH "
        "(inotify, batched, within about a second) and compares the whole "
        "tree on start and every interval. The other node only receives. "
        "When the writer moves, the new writer first pulls what the old "
        "one has and it lacks. Nothing is lost: what a copy would overwrite "
        "or delete is moved to a dated folder under backup_dir, and a file "
        "that is newer on the receiving side is kept and reported as a "
        "conflict. Node attributes <resource>-last-sync (Unix time of the "
        "last successful copy), <resource>-backlog (paths waiting) and "
        "<resource>-conflicts report the state. stop on the writer makes a "
        "final push within its timeout.",
    .params = params,
    .n_params = N_PARAMS,
    .actions = actions,
    .n_actions = sizeof(actions) / sizeof(actions[0]),
    .validate = validate,
};

int
main(int argc, char **argv)
{
    return geoha_agent_main(&agent, argc, argv);
}
