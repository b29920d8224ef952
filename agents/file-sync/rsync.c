/*
 * ocf:geoha:file-sync — the rsync command lines.
 *
 * rsync runs with an argument vector; the one string it splits itself is
 * the -e remote shell command, so every word that goes into it (key and
 * known_hosts paths, user, port) has been checked to hold no white space,
 * quote, backslash or leading '-' (fs_word_ok, fs_path_ok in config.c),
 * and the host cannot start with '-' either. -s (--secluded-args) sends
 * the paths over the rsync protocol, so the remote shell never parses
 * them.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "file-sync.h"

/* I/O inactivity after which rsync gives up (seconds). */
#define RSYNC_IO_TIMEOUT "--timeout=120"
/* rsync: "partial transfer due to vanished source files". */
#define RSYNC_EXIT_VANISHED 24

int
fs_backup_stamp(const char *suffix, char *out, size_t size)
{
    struct timeval tv;
    struct tm tm;
    char when[32];

    gettimeofday(&tv, NULL);
    if (gmtime_r(&tv.tv_sec, &tm) == NULL
        || strftime(when, sizeof(when), "%Y-%m-%dT%H%M%S", &tm) == 0) {
        return -EINVAL;
    }
    return geoha_snprintf(out, size, "%s.%03ldZ%s", when,
                          (long)(tv.tv_usec / 1000), suffix);
}

static int
build_ssh(const struct fs_conf *conf, char *out, size_t size)
{
    return geoha_snprintf(out, size,
                          "ssh -o BatchMode=yes -o StrictHostKeyChecking=yes"
                          " -o UserKnownHostsFile=%s"
                          " -o GlobalKnownHostsFile=/dev/null"
                          " -o UpdateHostKeys=no -o IdentitiesOnly=yes"
                          " -o IdentityFile=%s -o PasswordAuthentication=no"
                          " -o ConnectTimeout=10 -o ServerAliveInterval=15"
                          " -o ServerAliveCountMax=3 -o LogLevel=ERROR"
                          " -p %d -l %s",
                          conf->known_hosts, conf->ssh_key, conf->peer_port,
                          conf->ssh_user);
}

int
fs_rsync_build(const struct fs_conf *conf, enum fs_rsync_kind kind,
               const char *stamp, const char *list, struct fs_rsync_cmd *cmd)
{
    bool v6;
    size_t k = 0;
    int rc;

    if (conf->peer[0] == '\0' || conf->peer_host[0] == '\0'
        || conf->peer_host[0] == '-' || stamp == NULL
        || (kind == FS_RSYNC_PUSH_LIST && list == NULL)) {
        return -EINVAL;
    }
    memset(cmd, 0, sizeof(*cmd));
    rc = build_ssh(conf, cmd->ssh, sizeof(cmd->ssh));
    if (rc != 0) {
        return rc;
    }
    /* An IPv6 address needs brackets before the ':path'. */
    v6 = strchr(conf->peer_host, ':') != NULL;
    rc = geoha_snprintf(cmd->remote, sizeof(cmd->remote), "%s%s%s:%s/",
                        v6 ? "[" : "", conf->peer_host, v6 ? "]" : "",
                        conf->directory);
    if (rc == 0) {
        rc = geoha_snprintf(cmd->local, sizeof(cmd->local), "%s/",
                            conf->directory);
    }
    if (rc == 0) {
        rc = geoha_snprintf(cmd->backup_opt, sizeof(cmd->backup_opt),
                            "--backup-dir=%s/%s", conf->backup_dir, stamp);
    }
    if (rc != 0) {
        return rc;
    }
    cmd->argv[k++] = "rsync";
    cmd->argv[k++] = "--archive";
    cmd->argv[k++] = "--secluded-args";
    cmd->argv[k++] = RSYNC_IO_TIMEOUT;
    cmd->argv[k++] = "--rsh";
    cmd->argv[k++] = cmd->ssh;
    /* Nothing newer on the receiving side is replaced (conflicts), and
     * whatever is replaced or deleted goes to the dated backup folder. */
    cmd->argv[k++] = "--update";
    cmd->argv[k++] = "--backup";
    cmd->argv[k++] = cmd->backup_opt;
    cmd->argv[k++] = "--info=skip1";
    switch (kind) {
    case FS_RSYNC_PUSH_FULL:
        cmd->argv[k++] = "--delete";
        break;
    case FS_RSYNC_PUSH_LIST:
        rc = geoha_snprintf(cmd->list_opt, sizeof(cmd->list_opt),
                            "--files-from=%s", list);
        if (rc != 0) {
            return rc;
        }
        cmd->argv[k++] = "--recursive";
        cmd->argv[k++] = "--from0";
        cmd->argv[k++] = cmd->list_opt;
        /* A path that is gone here is deleted there (into the backup),
         * directories included. */
        cmd->argv[k++] = "--delete-missing-args";
        cmd->argv[k++] = "--force";
        break;
    case FS_RSYNC_PULL:
        break;
    }
    for (size_t i = 0; i < conf->n_exclude; i++) {
        rc = geoha_snprintf(cmd->exclude_opt[i], sizeof(cmd->exclude_opt[i]),
                            "--exclude=%s", conf->exclude[i]);
        if (rc != 0) {
            return rc;
        }
        cmd->argv[k++] = cmd->exclude_opt[i];
    }
    if (kind == FS_RSYNC_PULL) {
        cmd->argv[k++] = cmd->remote;
        cmd->argv[k++] = cmd->local;
    } else {
        cmd->argv[k++] = cmd->local;
        cmd->argv[k++] = cmd->remote;
    }
    cmd->argv[k] = NULL;
    return 0;
}

bool
fs_rsync_ok(int exit_code)
{
    return exit_code == 0 || exit_code == RSYNC_EXIT_VANISHED;
}

size_t
fs_rsync_conflicts(const char *out, void (*fn)(const char *, void *), void *arg)
{
    static const char tail[] = " is newer";
    size_t n = 0;

    if (out == NULL) {
        return 0;
    }
    while (*out != '\0') {
        const char *eol = strchr(out, '\n');
        size_t len = eol != NULL ? (size_t)(eol - out) : strlen(out);

        /* rsync escapes '\n' in names as \#012, so a line is one name. */
        if (len > sizeof(tail) - 1 && len < PATH_MAX + sizeof(tail)
            && memcmp(out + len - (sizeof(tail) - 1), tail, sizeof(tail) - 1)
                   == 0) {
            char name[PATH_MAX + sizeof(tail)];

            memcpy(name, out, len - (sizeof(tail) - 1));
            name[len - (sizeof(tail) - 1)] = '\0';
            if (fn != NULL) {
                fn(name, arg);
            }
            n++;
        }
        if (eol == NULL) {
            break;
        }
        out = eol + 1;
    }
    return n;
}
