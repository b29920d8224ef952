/*
 * ocf:geoha:file-sync — shared declarations of the agent (main.c), its
 * configuration (config.c), the rsync command builder (rsync.c) and the
 * sync process (daemon.c). Calls run one way: main.c uses config.c and
 * daemon.c; daemon.c uses config.c and rsync.c; config.c and rsync.c use
 * only the library.
 */
#ifndef GEOHA_FILE_SYNC_H
#define GEOHA_FILE_SYNC_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "geoha/map.h"
#include "geoha/ocf.h"

/* Parameter names and defaults (the meta-data shows these same values). */
#define P_DIRECTORY "directory"
#define P_DB_RESOURCE "db_resource"
#define P_PEERS "peers"
#define P_SSH_USER "ssh_user"
#define P_SSH_USER_DEFAULT "root"
#define P_SSH_KEY "ssh_key"
#define P_KNOWN_HOSTS "known_hosts"
#define P_INTERVAL "interval"
#define P_INTERVAL_DEFAULT "300"
#define P_INTERVAL_MIN 10
#define P_INTERVAL_MAX 86400
#define P_BACKUP_DIR "backup_dir"
#define P_EXCLUDE "exclude"
#define P_EXCLUDE_DEFAULT "/css/ /js/ /php/"

/* backup_dir defaults to directory with this suffix, beside it. */
#define FS_BACKUP_SUFFIX ".geoha-backup"
/* The port used for a peer written without ":port". */
#define FS_SSH_PORT_DEFAULT 22

/* Where each instance keeps its pid file and status (per node). */
#define FS_STATE_ROOT "/run/geoha/file-sync"
/* Overrides FS_STATE_ROOT (tests run two "nodes" on one machine). */
#define FS_STATE_ENV "GEOHA_FILE_SYNC_STATE_DIR"
/* When set, the sync process writes its log lines (stderr) to this file
 * instead of discarding them; syslog gets them either way. */
#define FS_LOG_ENV "GEOHA_FILE_SYNC_LOG"

/* The hidden action that runs the sync process. */
#define FS_DAEMON_ACTION "sync-daemon"

#define FS_PID_FILE "pid"
#define FS_STATUS_FILE "status"
#define FS_WRITER_FILE "writer"
#define FS_STOP_FILE "stop"

#define FS_EXCLUDE_MAX 32
#define FS_RSC_MAX 128

/* The sync process rewrites its status at least this often ... */
#define FS_HEARTBEAT_MS 2000
/* ... and monitor fails it when the status is older than this. */
#define FS_HEARTBEAT_STALE_MS 60000

/* Everything the agent and the sync process need, checked. */
struct fs_conf {
    char rsc[FS_RSC_MAX];      /* resource id without ":N" */
    char node[GEOHA_NODE_MAX]; /* this node */
    char peer[GEOHA_NODE_MAX]; /* the other node ("" when not known) */
    char peer_host[GEOHA_HOST_MAX];
    int peer_port;
    char directory[PATH_MAX];  /* no trailing slash */
    char backup_dir[PATH_MAX]; /* no trailing slash */
    char db_resource[FS_RSC_MAX];
    char ssh_user[64];
    char ssh_key[PATH_MAX];
    char known_hosts[PATH_MAX];
    int interval_s;
    size_t n_exclude;
    char exclude[FS_EXCLUDE_MAX][256];
    char state_dir[PATH_MAX];
};

/* ---- config.c ---- */

/*
 * Fill conf from the loaded parameters. full: also the checks that need
 * the local node in peers. Writes an exit reason naming the parameter and
 * returns an OCF code on failure.
 */
int fs_conf_load(struct geoha_ctx *ctx, struct fs_conf *conf, bool full);

/*
 * What identifies this instance's sync process, from the resource id and
 * the node alone (no parameter): rsc, node and state_dir. Stop uses it
 * even when the parameters are unusable. 0, or -ENAMETOOLONG.
 */
int fs_conf_ident(const struct geoha_ctx *ctx, struct fs_conf *conf);

/* Path of a file in the state directory. */
int fs_state_path(const struct fs_conf *conf, const char *name,
                  char out[PATH_MAX]);

/* Checks for text that goes into the ssh command and the rsync argv. */
bool fs_word_ok(const char *s, const char *extra);
bool fs_path_ok(const char *s);

/* ---- rsync.c ---- */

enum fs_rsync_kind {
    FS_RSYNC_PUSH_FULL, /* whole tree to the peer, deletes kept in backup */
    FS_RSYNC_PUSH_LIST, /* the paths in a NUL-separated list file */
    FS_RSYNC_PULL,      /* what the peer has and we lack (no deletes) */
};

#define FS_ARGV_MAX (40 + FS_EXCLUDE_MAX)

/* Storage for one rsync command line. */
struct fs_rsync_cmd {
    const char *argv[FS_ARGV_MAX];
    char ssh[2 * PATH_MAX + 512]; /* the -e string: validated words only */
    char backup_opt[PATH_MAX + 64];
    char list_opt[PATH_MAX + 64];
    char remote[GEOHA_HOST_MAX + PATH_MAX + 8];
    char local[PATH_MAX + 2];
    char exclude_opt[FS_EXCLUDE_MAX][300];
};

/*
 * Build the rsync command of kind. stamp names the dated backup folder;
 * list is the list file for FS_RSYNC_PUSH_LIST (else NULL).
 */
int fs_rsync_build(const struct fs_conf *conf, enum fs_rsync_kind kind,
                   const char *stamp, const char *list,
                   struct fs_rsync_cmd *cmd);

/* A dated folder name for the backups of one run (UTC, ms). */
int fs_backup_stamp(const char *suffix, char *out, size_t size);

/*
 * Call fn for each path rsync reported as newer on the receiving side
 * (--info=skip1 "<name> is newer" lines). The name is given as rsync
 * prints it: unprintable bytes escaped as \#ooo, so it is safe to log.
 * Returns the count.
 */
size_t fs_rsync_conflicts(const char *out, void (*fn)(const char *, void *),
                          void *arg);

/* rsync exit codes that still mean "the tree was copied". */
bool fs_rsync_ok(int exit_code);

/* ---- daemon.c ---- */

/* Run the sync process until SIGTERM; returns the process exit code. */
int fs_daemon_run(const struct fs_conf *conf);

#endif /* GEOHA_FILE_SYNC_H */
