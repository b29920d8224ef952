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

/* After every action: the configuration validate or conf_get() made. */
static void
teardown(struct geoha_ctx *ctx)
{
    free(ctx->agent_data);
    ctx->agent_data = NULL;
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
        if (fs_conf_ident(ctx, conf) != 0) {
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
    .teardown = teardown,
};

int
main(int argc, char **argv)
{
    return geoha_agent_main(&agent, argc, argv);
}
