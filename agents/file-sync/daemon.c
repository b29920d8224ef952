/*
 * ocf:geoha:file-sync — the sync process.
 *
 * One event loop: inotify events under the directory collect the changed
 * paths; the CIB is read every few seconds to learn which node is the
 * writer; at most one rsync runs at a time, as a child whose output is
 * read without blocking the loop, so the status heartbeat that monitor
 * checks keeps coming however long a copy takes.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <qb/qblog.h>

#include "geoha/attr.h"
#include "geoha/cib.h"
#include "geoha/file.h"
#include "geoha/util.h"

#include "file-sync.h"

/* How often the writer is looked up in the CIB. */
#define ROLE_CHECK_MS 3000
/* A batch is pushed once no change came for this long ... */
#define BATCH_QUIET_MS 300
/* ... or once its oldest change waited this long. */
#define BATCH_MAX_MS 2000
/* More changed paths than this: one full pass instead. */
#define PENDING_MAX 20000
/* Retry delays after a failed copy. */
#define BACKOFF_MIN_MS 1000
#define BACKOFF_MAX_MS 30000
/* Attribute updates: bounded, and not more often than this. */
#define ATTR_TIMEOUT_MS 10000
#define ATTR_SYNC_EVERY_MS 60000
#define ATTR_BACKLOG_EVERY_MS 10000
/* A final push without a stop file (SIGTERM from elsewhere). */
#define FINAL_PUSH_DEFAULT_MS 20000
#define CHILD_OUT_MAX (1024 * 1024)
#define CONFLICTS_LOGGED_MAX 50
#define WATCH_DEPTH_MAX 128

#define WATCH_MASK                                                             \
    (IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO      \
     | IN_ATTRIB | IN_ONLYDIR | IN_DONT_FOLLOW | IN_EXCL_UNLINK)

enum role { ROLE_UNKNOWN, ROLE_IDLE, ROLE_RECEIVER, ROLE_WRITER };

static const char *const role_names[] = { "unknown", "idle", "receiver",
                                          "writer" };

/* A set of relative paths (open addressing). */
struct pset {
    char **slot;
    size_t cap;
    size_t n;
};

struct child {
    pid_t pid;
    enum fs_rsync_kind kind;
    int fd[2]; /* stdout, stderr */
    struct geoha_buf buf[2];
    bool cancelled;
};

struct daemon {
    const struct fs_conf *conf;
    int ino;
    int sig;
    char **watch; /* relative path by watch descriptor */
    size_t n_watch;
    bool watch_limit_logged;

    enum role role;
    bool need_pull;
    bool need_full;
    bool stopping;
    struct pset pending;
    struct pset inflight;
    int64_t first_pending_ms;
    int64_t last_event_ms;
    int64_t next_full_ms;
    int64_t retry_ms;
    int64_t backoff_ms;
    int64_t next_role_ms;
    int64_t next_status_ms;
    struct child child;
    unsigned list_seq;
    unsigned logged; /* conflict lines logged for this run */

    int64_t last_sync_wall_ms;
    long long conflicts;
    char last_error[200];

    /* What was last published as node attributes. */
    long long pub_sync_s;
    int64_t pub_sync_at;
    long long pub_backlog;
    int64_t pub_backlog_at;
    long long pub_conflicts;
};

/* ---- path sets ---- */

static uint64_t
hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL;

    for (; *s != '\0'; s++) {
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    }
    return h;
}

static void
pset_clear(struct pset *s)
{
    for (size_t i = 0; i < s->cap; i++) {
        free(s->slot[i]);
    }
    free(s->slot);
    memset(s, 0, sizeof(*s));
}

static int pset_add(struct pset *s, const char *path);

static int
pset_grow(struct pset *s)
{
    struct pset bigger = { 0 };
    int rc = 0;

    bigger.cap = s->cap == 0 ? 64 : s->cap * 2;
    bigger.slot = calloc(bigger.cap, sizeof(*bigger.slot));
    if (bigger.slot == NULL) {
        return -ENOMEM;
    }
    for (size_t i = 0; i < s->cap; i++) {
        if (s->slot[i] != NULL) {
            size_t j = hash_str(s->slot[i]) & (bigger.cap - 1);

            while (bigger.slot[j] != NULL) {
                j = (j + 1) & (bigger.cap - 1);
            }
            bigger.slot[j] = s->slot[i];
            bigger.n++;
        }
    }
    free(s->slot);
    *s = bigger;
    return rc;
}

/* 0, or GEOHA_E_TOOBIG when the set is full, -ENOMEM. */
static int
pset_add(struct pset *s, const char *path)
{
    size_t j;

    if (s->n >= PENDING_MAX) {
        return GEOHA_E_TOOBIG;
    }
    if ((s->n + 1) * 2 > s->cap) {
        int rc = pset_grow(s);

        if (rc != 0) {
            return rc;
        }
    }
    j = hash_str(path) & (s->cap - 1);
    while (s->slot[j] != NULL) {
        if (strcmp(s->slot[j], path) == 0) {
            return 0;
        }
        j = (j + 1) & (s->cap - 1);
    }
    s->slot[j] = strdup(path);
    if (s->slot[j] == NULL) {
        return -ENOMEM;
    }
    s->n++;
    return 0;
}

/* ---- small helpers ---- */

static void
set_error(struct daemon *d, const char *text)
{
    size_t k = 0;

    /* One printable line: it goes into the status file and the log. */
    for (const char *p = text;
         p != NULL && *p != '\0' && k + 1 < sizeof(d->last_error); p++) {
        unsigned char c = (unsigned char)*p;

        if (c == '\n' && p[1] == '\0') {
            break;
        }
        d->last_error[k++] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
    }
    d->last_error[k] = '\0';
}

static bool
excluded(const struct fs_conf *conf, const char *rel, bool is_dir)
{
    const char *base = strrchr(rel, '/');

    base = base != NULL ? base + 1 : rel;
    for (size_t i = 0; i < conf->n_exclude; i++) {
        char pat[256];
        const char *p = conf->exclude[i];
        size_t len;
        bool anchored = p[0] == '/';

        if (anchored) {
            p++;
        }
        if (geoha_strlcpy(pat, p, sizeof(pat)) != 0) {
            continue;
        }
        len = strlen(pat);
        if (len > 0 && pat[len - 1] == '/') {
            if (!is_dir) {
                continue;
            }
            pat[len - 1] = '\0';
        }
        /* Anchored or with a '/': the whole relative path, else the last
         * component (rsync's rules, short of "**"). */
        if (anchored || strchr(pat, '/') != NULL) {
            if (fnmatch(pat, rel, FNM_PATHNAME) == 0) {
                return true;
            }
        } else if (fnmatch(pat, base, 0) == 0) {
            return true;
        }
    }
    return false;
}

static int
join(const char *a, const char *b, char out[PATH_MAX])
{
    if (a[0] == '\0') {
        return geoha_strlcpy(out, b, PATH_MAX);
    }
    return geoha_snprintf(out, PATH_MAX, "%s/%s", a, b);
}

/* ---- inotify watches ---- */

static int
watch_store(struct daemon *d, int wd, const char *rel)
{
    char *copy;

    if ((size_t)wd >= d->n_watch) {
        size_t n = d->n_watch == 0 ? 256 : d->n_watch;
        char **bigger;

        while (n <= (size_t)wd) {
            n *= 2;
        }
        bigger = realloc(d->watch, n * sizeof(*bigger));
        if (bigger == NULL) {
            return -ENOMEM;
        }
        memset(bigger + d->n_watch, 0, (n - d->n_watch) * sizeof(*bigger));
        d->watch = bigger;
        d->n_watch = n;
    }
    copy = strdup(rel);
    if (copy == NULL) {
        return -ENOMEM;
    }
    free(d->watch[wd]);
    d->watch[wd] = copy;
    return 0;
}

static void
watch_tree(struct daemon *d, const char *rel, int depth)
{
    char full[PATH_MAX];
    DIR *dir;
    struct dirent *e;
    int wd;

    if (depth > WATCH_DEPTH_MAX
        || (rel[0] == '\0'
                ? geoha_strlcpy(full, d->conf->directory, sizeof(full))
                : geoha_snprintf(full, sizeof(full), "%s/%s",
                                 d->conf->directory, rel))
               != 0) {
        return;
    }
    wd = inotify_add_watch(d->ino, full, WATCH_MASK);
    if (wd < 0) {
        if (errno == ENOSPC && !d->watch_limit_logged) {
            geoha_warn("inotify watch limit reached: changes below some "
                       "folders wait for the next full pass | "
                       "directory='%s'",
                       d->conf->directory);
            d->watch_limit_logged = true;
        }
        return;
    }
    if (watch_store(d, wd, rel) != 0) {
        return;
    }
    dir = opendir(full);
    if (dir == NULL) {
        return;
    }
    while ((e = readdir(dir)) != NULL) {
        char child[PATH_MAX];
        bool is_dir = e->d_type == DT_DIR;

        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0
            || join(rel, e->d_name, child) != 0) {
            continue;
        }
        if (e->d_type == DT_UNKNOWN) {
            struct stat st;
            char path[PATH_MAX];

            is_dir =
                geoha_snprintf(path, sizeof(path), "%s/%s", full, e->d_name)
                    == 0
                && lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
        }
        if (is_dir && !excluded(d->conf, child, true)) {
            watch_tree(d, child, depth + 1);
        }
    }
    closedir(dir);
}

/* A folder moved away: its watches (and those below) name wrong paths. */
static void
unwatch_tree(struct daemon *d, const char *rel)
{
    size_t len = strlen(rel);

    for (size_t wd = 0; wd < d->n_watch; wd++) {
        const char *p = d->watch[wd];

        if (p != NULL && strncmp(p, rel, len) == 0
            && (p[len] == '\0' || p[len] == '/')) {
            inotify_rm_watch(d->ino, (int)wd);
            free(d->watch[wd]);
            d->watch[wd] = NULL;
        }
    }
}

/* ---- the changed paths ---- */

static void
pend(struct daemon *d, const char *rel)
{
    int rc;

    if (d->role == ROLE_RECEIVER) {
        return; /* not ours to send */
    }
    rc = pset_add(&d->pending, rel);
    if (rc != 0) {
        geoha_info("Many changes at once: a full pass instead | count=%zu",
                   d->pending.n);
        pset_clear(&d->pending);
        d->need_full = true;
        return;
    }
    d->last_event_ms = geoha_now_ms();
    if (d->pending.n == 1) {
        d->first_pending_ms = d->last_event_ms;
    }
}

static void
handle_event(struct daemon *d, const struct inotify_event *ev)
{
    const char *dir;
    char rel[PATH_MAX];
    bool is_dir = (ev->mask & IN_ISDIR) != 0;

    if (ev->mask & IN_Q_OVERFLOW) {
        geoha_info("inotify queue overflowed: a full pass follows");
        pset_clear(&d->pending);
        d->need_full = true;
        return;
    }
    if (ev->wd < 0 || (size_t)ev->wd >= d->n_watch
        || d->watch[ev->wd] == NULL) {
        return;
    }
    dir = d->watch[ev->wd];
    if (ev->mask & IN_IGNORED) {
        free(d->watch[ev->wd]);
        d->watch[ev->wd] = NULL;
        return;
    }
    if (ev->len == 0 || join(dir, ev->name, rel) != 0
        || excluded(d->conf, rel, is_dir)) {
        return;
    }
    if (is_dir) {
        if (ev->mask & (IN_CREATE | IN_MOVED_TO)) {
            watch_tree(d, rel, 1);
            pend(d, rel);
        } else if (ev->mask & IN_MOVED_FROM) {
            unwatch_tree(d, rel);
            pend(d, rel);
        } else if (ev->mask & IN_DELETE) {
            pend(d, rel);
        }
        return; /* IN_ATTRIB on a folder waits for the full pass */
    }
    if (ev->mask & IN_CREATE) {
        char full[PATH_MAX];
        struct stat st;

        /* A new file is sent when it is closed; links and special
         * files never are closed after writing, so they go now. */
        if (geoha_snprintf(full, sizeof(full), "%s/%s", d->conf->directory, rel)
                != 0
            || lstat(full, &st) != 0
            || (S_ISREG(st.st_mode) && st.st_nlink < 2)) {
            return;
        }
    }
    pend(d, rel);
}

static void
read_events(struct daemon *d)
{
    char buf[65536] __attribute__((aligned(__alignof__(struct inotify_event))));

    for (;;) {
        ssize_t n = read(d->ino, buf, sizeof(buf));

        if (n <= 0) {
            return;
        }
        for (char *p = buf; p < buf + n;) {
            const struct inotify_event *ev = (const struct inotify_event *)p;

            handle_event(d, ev);
            p += sizeof(*ev) + ev->len;
        }
    }
}

/* ---- node attributes and status ---- */

static void
publish_one(struct daemon *d, const char *what, long long value)
{
    char name[FS_RSC_MAX + 32];
    char text[32];
    struct geoha_deadline dl;
    int rc;

    geoha_deadline_init(&dl, ATTR_TIMEOUT_MS);
    if (geoha_snprintf(name, sizeof(name), "%s-%s", d->conf->rsc, what) != 0
        || geoha_snprintf(text, sizeof(text), "%lld", value) != 0) {
        return;
    }
    rc = geoha_attr_update(GEOHA_ATTR_TRANSIENT, d->conf->node, name, text, &dl,
                           NULL);
    if (rc != 0) {
        geoha_warn("Cannot set a node attribute | name=%s value=%s "
                   "error='%s'",
                   name, text, geoha_strerror(rc));
    }
}

static long long
backlog(const struct daemon *d)
{
    return (long long)(d->pending.n + d->inflight.n);
}

static void
publish(struct daemon *d, bool force)
{
    int64_t now = geoha_now_ms();
    long long sync_s = d->last_sync_wall_ms / 1000;
    long long bl = backlog(d);

    if (sync_s != 0 && sync_s != d->pub_sync_s
        && (force || d->pub_sync_at == 0
            || now - d->pub_sync_at >= ATTR_SYNC_EVERY_MS)) {
        publish_one(d, "last-sync", sync_s);
        d->pub_sync_s = sync_s;
        d->pub_sync_at = now;
    }
    if (bl != d->pub_backlog
        && (force || d->pub_backlog_at == 0 || bl == 0 || d->pub_backlog == 0
            || now - d->pub_backlog_at >= ATTR_BACKLOG_EVERY_MS)) {
        publish_one(d, "backlog", bl);
        d->pub_backlog = bl;
        d->pub_backlog_at = now;
    }
    if (d->conflicts != d->pub_conflicts) {
        publish_one(d, "conflicts", d->conflicts);
        d->pub_conflicts = d->conflicts;
    }
}

static void
write_status(struct daemon *d)
{
    char path[PATH_MAX];
    struct geoha_buf b;

    geoha_buf_init(&b, 4096);
    geoha_buf_printf(&b,
                     "pid=%d\nrole=%s\nready=1\nheartbeat_ms=%lld\n"
                     "last_sync_ms=%lld\nbacklog=%lld\nconflicts=%lld\n"
                     "need_pull=%d\nneed_full=%d\nlast_error=%s\n",
                     (int)getpid(), role_names[d->role],
                     (long long)geoha_wall_ms(),
                     (long long)d->last_sync_wall_ms, backlog(d), d->conflicts,
                     d->need_pull ? 1 : 0, d->need_full ? 1 : 0, d->last_error);
    if (b.error == 0 && fs_state_path(d->conf, FS_STATUS_FILE, path) == 0) {
        geoha_file_replace(path, b.data, b.len, (uid_t)-1, (gid_t)-1, 0600);
    }
    geoha_buf_clear(&b);
    d->next_status_ms = geoha_now_ms() + FS_HEARTBEAT_MS;
}

static bool
state_exists(const struct daemon *d, const char *name)
{
    char path[PATH_MAX];

    return fs_state_path(d->conf, name, path) == 0 && access(path, F_OK) == 0;
}

static void
state_mark(const struct daemon *d, const char *name, bool on)
{
    char path[PATH_MAX];

    if (fs_state_path(d->conf, name, path) != 0) {
        return;
    }
    if (on) {
        geoha_file_replace(path, "1\n", 2, (uid_t)-1, (gid_t)-1, 0600);
    } else {
        unlink(path);
    }
}

/* ---- rsync children ---- */

static int
child_start(struct daemon *d, enum fs_rsync_kind kind)
{
    static const char *const kind_names[] = { "full", "changes", "pull" };
    struct fs_rsync_cmd *cmd = NULL;
    char stamp[96];
    char list[PATH_MAX];
    int out[2] = { -1, -1 };
    int err[2] = { -1, -1 };
    pid_t pid;
    int rc;

    list[0] = '\0';
    cmd = calloc(1, sizeof(*cmd));
    if (cmd == NULL) {
        return -ENOMEM;
    }
    if (kind == FS_RSYNC_PUSH_LIST) {
        /* The batch, NUL-separated: names may hold any byte but NUL. */
        struct geoha_buf b;
        char name[32];

        geoha_snprintf(name, sizeof(name), "list.%u", d->list_seq++ % 4);
        geoha_buf_init(&b, 64u * 1024u * 1024u);
        for (size_t i = 0; i < d->inflight.cap; i++) {
            if (d->inflight.slot[i] != NULL) {
                geoha_buf_append(&b, d->inflight.slot[i],
                                 strlen(d->inflight.slot[i]) + 1);
            }
        }
        rc = b.error;
        if (rc == 0) {
            rc = fs_state_path(d->conf, name, list);
        }
        if (rc == 0) {
            rc = geoha_file_replace(list, b.data != NULL ? b.data : "", b.len,
                                    (uid_t)-1, (gid_t)-1, 0600);
        }
        geoha_buf_clear(&b);
        if (rc != 0) {
            goto done;
        }
    }
    rc = fs_backup_stamp(kind == FS_RSYNC_PULL ? "-pull" : "", stamp,
                         sizeof(stamp));
    if (rc == 0) {
        rc = fs_rsync_build(d->conf, kind, stamp, list[0] != '\0' ? list : NULL,
                            cmd);
    }
    if (rc != 0) {
        goto done;
    }
    if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
        rc = -errno;
        goto done;
    }
    pid = fork();
    if (pid < 0) {
        rc = -errno;
        goto done;
    }
    if (pid == 0) {
        sigset_t none;
        int null_fd = open("/dev/null", O_RDONLY);

        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGPIPE, SIG_DFL);
        dup2(null_fd, STDIN_FILENO);
        dup2(out[1], STDOUT_FILENO);
        dup2(err[1], STDERR_FILENO);
        /* Same process group as the sync process: stop can kill all. */
        execvp(cmd->argv[0], (char *const *)cmd->argv);
        _exit(127);
    }
    close(out[1]);
    close(err[1]);
    out[1] = err[1] = -1;
    memset(&d->child, 0, sizeof(d->child));
    d->child.pid = pid;
    d->child.kind = kind;
    d->child.fd[0] = out[0];
    d->child.fd[1] = err[0];
    out[0] = err[0] = -1;
    for (int i = 0; i < 2; i++) {
        fcntl(d->child.fd[i], F_SETFL, O_NONBLOCK);
        geoha_buf_init(&d->child.buf[i], CHILD_OUT_MAX + 1);
    }
    geoha_debug("rsync started | kind=%s paths=%zu peer=%s", kind_names[kind],
                d->inflight.n, d->conf->peer);
done:
    for (int i = 0; i < 2; i++) {
        if (out[i] >= 0) {
            close(out[i]);
        }
        if (err[i] >= 0) {
            close(err[i]);
        }
    }
    free(cmd);
    return rc;
}

static void
child_drain(struct child *c)
{
    char chunk[8192];

    for (int i = 0; i < 2; i++) {
        while (c->fd[i] >= 0) {
            ssize_t n = read(c->fd[i], chunk, sizeof(chunk));

            if (n > 0) {
                size_t room = c->buf[i].len < CHILD_OUT_MAX
                                  ? CHILD_OUT_MAX - c->buf[i].len
                                  : 0;

                geoha_buf_append(&c->buf[i], chunk,
                                 (size_t)n < room ? (size_t)n : room);
                continue;
            }
            if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
                break;
            }
            close(c->fd[i]);
            c->fd[i] = -1;
        }
    }
}

static void
child_close(struct child *c)
{
    for (int i = 0; i < 2; i++) {
        if (c->fd[i] >= 0) {
            close(c->fd[i]);
        }
        geoha_buf_clear(&c->buf[i]);
    }
    memset(c, 0, sizeof(*c));
    c->fd[0] = c->fd[1] = -1;
}

static void
log_conflict(const char *name, void *arg)
{
    struct daemon *d = arg;

    if (d->logged++ < CONFLICTS_LOGGED_MAX) {
        geoha_warn("Conflict: the copy on the receiving node is newer and "
                   "was kept, not replaced | path='%s' peer=%s",
                   name, d->conf->peer);
    }
}

static void
log_pull_conflict(const char *name, void *arg)
{
    struct daemon *d = arg;

    if (d->logged++ >= CONFLICTS_LOGGED_MAX) {
        return;
    }
    geoha_warn("Conflict: this node's copy is newer than the old writer's "
               "and was kept | path='%s' peer=%s",
               name, d->conf->peer);
}

/* Put a failed or cancelled batch back in front of the next one. */
static void
requeue(struct daemon *d)
{
    for (size_t i = 0; i < d->inflight.cap; i++) {
        if (d->inflight.slot[i] != NULL) {
            pend(d, d->inflight.slot[i]);
        }
    }
    pset_clear(&d->inflight);
}

static void
child_done(struct daemon *d, int status)
{
    struct child *c = &d->child;
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    const char *out = c->buf[0].data != NULL ? c->buf[0].data : "";
    const char *err = c->buf[1].data != NULL ? c->buf[1].data : "";
    int64_t now = geoha_now_ms();

    d->logged = 0;
    if (c->cancelled) {
        requeue(d);
        goto done;
    }
    if (!fs_rsync_ok(code)) {
        char why[256];

        geoha_snprintf(why, sizeof(why), "rsync exit %d: %s", code, err);
        set_error(d, why);
        geoha_warn("Copy failed, retrying in %lld s | kind=%s peer=%s "
                   "error='%s'",
                   (long long)(d->backoff_ms / 1000),
                   c->kind == FS_RSYNC_PULL ? "pull" : "push", d->conf->peer,
                   d->last_error);
        d->retry_ms = now + d->backoff_ms;
        d->backoff_ms = d->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS
                                                           : d->backoff_ms * 2;
        if (c->kind == FS_RSYNC_PUSH_LIST) {
            requeue(d);
        } else if (c->kind == FS_RSYNC_PUSH_FULL) {
            pset_clear(&d->inflight);
            d->need_full = true;
        }
        goto done;
    }
    d->backoff_ms = BACKOFF_MIN_MS;
    d->retry_ms = 0;
    d->last_error[0] = '\0';
    switch (c->kind) {
    case FS_RSYNC_PULL: {
        size_t n = fs_rsync_conflicts(out, log_pull_conflict, d);

        geoha_notice("Pulled what the old writer had and this node lacked | "
                     "peer=%s conflicts=%zu",
                     d->conf->peer, n);
        d->need_pull = false;
        state_mark(d, FS_WRITER_FILE, true);
        break;
    }
    case FS_RSYNC_PUSH_FULL: {
        d->conflicts = (long long)fs_rsync_conflicts(out, log_conflict, d);
        d->need_full = false;
        d->next_full_ms = now + (int64_t)d->conf->interval_s * 1000;
        d->last_sync_wall_ms = geoha_wall_ms();
        pset_clear(&d->inflight);
        geoha_info("Full pass done | peer=%s conflicts=%lld", d->conf->peer,
                   d->conflicts);
        break;
    }
    case FS_RSYNC_PUSH_LIST:
        d->conflicts += (long long)fs_rsync_conflicts(out, log_conflict, d);
        d->last_sync_wall_ms = geoha_wall_ms();
        geoha_debug("Changes pushed | paths=%zu peer=%s", d->inflight.n,
                    d->conf->peer);
        pset_clear(&d->inflight);
        break;
    }
done:
    child_close(c);
}

/* Reap the child if it has ended; true when no child is left. */
static bool
child_poll(struct daemon *d)
{
    int status;
    pid_t r;

    if (d->child.pid <= 0) {
        return true;
    }
    r = waitpid(d->child.pid, &status, WNOHANG);
    if (r == 0) {
        return false;
    }
    child_drain(&d->child);
    if (r < 0) {
        status = 255 << 8;
    }
    child_done(d, status);
    return true;
}

static void
child_cancel(struct daemon *d)
{
    int64_t until;

    if (d->child.pid <= 0) {
        return;
    }
    d->child.cancelled = true;
    kill(d->child.pid, SIGTERM);
    until = geoha_now_ms() + 2000;
    while (!child_poll(d)) {
        if (geoha_now_ms() >= until) {
            kill(d->child.pid, SIGKILL);
        }
        usleep(20000);
    }
}

/* ---- the writer and the work ---- */

static void
check_role(struct daemon *d)
{
    char promoted[GEOHA_NODE_MAX] = "";
    enum role role = ROLE_IDLE;
    /* no answer within one check's period: idle until the next check */
    struct geoha_deadline dl = geoha_deadline_min(NULL, ROLE_CHECK_MS);
    int rc = geoha_cib_promoted_node(d->conf->db_resource, &dl, promoted);

    d->next_role_ms = geoha_now_ms() + ROLE_CHECK_MS;
    if (rc == 0 && strcmp(promoted, d->conf->node) == 0) {
        role = ROLE_WRITER;
    } else if (rc == 0 && strcmp(promoted, d->conf->peer) == 0) {
        role = ROLE_RECEIVER;
    }
    if (role == d->role) {
        return;
    }
    switch (role) {
    case ROLE_WRITER:
        /* A node that was not the writer may lack files the old writer
         * has: fetch them before sending anything (never push blindly). */
        d->need_pull = !state_exists(d, FS_WRITER_FILE);
        d->need_full = true;
        d->retry_ms = 0;
        d->backoff_ms = BACKOFF_MIN_MS;
        geoha_notice("This node is the writer: sending files to the other "
                     "node | peer=%s pull_first=%s",
                     d->conf->peer, d->need_pull ? "yes" : "no");
        break;
    case ROLE_RECEIVER:
        child_cancel(d);
        pset_clear(&d->pending);
        pset_clear(&d->inflight);
        d->need_full = false;
        d->need_pull = false;
        d->last_error[0] = '\0';
        state_mark(d, FS_WRITER_FILE, false);
        geoha_notice("The other node is the writer: only receiving | "
                     "writer=%s",
                     promoted);
        break;
    default:
        /* Nobody (or something unexpected) is promoted: send nothing
         * until the cluster has decided. */
        child_cancel(d);
        geoha_notice("No writer known: not sending | db_resource=%s "
                     "result='%s'",
                     d->conf->db_resource,
                     rc == 0 ? promoted : geoha_strerror(rc));
        break;
    }
    d->role = role;
    publish(d, true);
}

static bool
directory_ok(const struct daemon *d)
{
    struct stat st;

    return stat(d->conf->directory, &st) == 0 && S_ISDIR(st.st_mode);
}

static void
start_work(struct daemon *d)
{
    int64_t now = geoha_now_ms();
    enum fs_rsync_kind kind;
    int rc;

    if (d->role != ROLE_WRITER || d->child.pid > 0 || now < d->retry_ms) {
        return;
    }
    if (!directory_ok(d)) {
        /* Sending an empty or missing tree would empty the other side. */
        set_error(d, "the directory is missing");
        d->retry_ms = now + BACKOFF_MAX_MS;
        return;
    }
    if (d->need_pull) {
        kind = FS_RSYNC_PULL;
    } else if (d->need_full || now >= d->next_full_ms) {
        kind = FS_RSYNC_PUSH_FULL;
        /* The pass covers every change seen before it starts. */
        pset_clear(&d->inflight);
        d->inflight = d->pending;
        memset(&d->pending, 0, sizeof(d->pending));
    } else if (d->pending.n > 0
               && (now - d->last_event_ms >= BATCH_QUIET_MS
                   || now - d->first_pending_ms >= BATCH_MAX_MS)) {
        kind = FS_RSYNC_PUSH_LIST;
        d->inflight = d->pending;
        memset(&d->pending, 0, sizeof(d->pending));
    } else {
        return;
    }
    rc = child_start(d, kind);
    if (rc != 0) {
        set_error(d, geoha_strerror(rc));
        geoha_warn("Cannot run rsync | error='%s'", geoha_strerror(rc));
        if (kind == FS_RSYNC_PUSH_LIST) {
            requeue(d);
        }
        d->retry_ms = now + d->backoff_ms;
    }
}

/* When the loop must wake up next (ms from now, bounded). */
static int
next_wakeup(const struct daemon *d)
{
    int64_t now = geoha_now_ms();
    int64_t at = d->next_role_ms;

    if (d->next_status_ms < at) {
        at = d->next_status_ms;
    }
    if (d->role == ROLE_WRITER && d->child.pid <= 0) {
        int64_t work = d->next_full_ms;

        if (d->need_pull || d->need_full) {
            work = d->retry_ms;
        } else if (d->pending.n > 0) {
            int64_t batch = d->last_event_ms + BATCH_QUIET_MS;

            if (d->first_pending_ms + BATCH_MAX_MS < batch) {
                batch = d->first_pending_ms + BATCH_MAX_MS;
            }
            work = batch > d->retry_ms ? batch : d->retry_ms;
        }
        if (work < at) {
            at = work;
        }
    }
    if (d->child.pid > 0 && now + 100 < at) {
        at = now + 100; /* reap the child promptly */
    }
    at -= now;
    return at < 0 ? 0 : (at > 1000 ? 1000 : (int)at);
}

/* On SIGTERM: send what is left, within the time stop gave us. */
static void
final_push(struct daemon *d)
{
    char path[PATH_MAX];
    char *text = NULL;
    long long until_wall = 0;
    struct geoha_deadline dl;
    int64_t left = FINAL_PUSH_DEFAULT_MS;

    if (d->child.pid > 0) {
        child_cancel(d);
    }
    read_events(d);
    if (d->role != ROLE_WRITER || d->need_pull
        || (!d->need_full && d->pending.n == 0)) {
        return;
    }
    if (fs_state_path(d->conf, FS_STOP_FILE, path) == 0
        && geoha_file_read(path, 64, &text, NULL) == 0) {
        geoha_strtrim(text);
        if (geoha_parse_ll(text, 0, INT64_MAX / 2, &until_wall) == 0) {
            left = until_wall - geoha_wall_ms();
        }
        free(text);
    }
    if (left <= 0) {
        geoha_warn("No time left for a final push | backlog=%lld", backlog(d));
        return;
    }
    geoha_deadline_init(&dl, left);
    d->retry_ms = 0;
    /* A batch not yet quiet goes now. */
    d->first_pending_ms = 0;
    d->last_event_ms = 0;
    start_work(d);
    while (d->child.pid > 0 && !child_poll(d)) {
        if (geoha_deadline_expired(&dl)) {
            geoha_warn("Final push cut short by the stop timeout | peer=%s",
                       d->conf->peer);
            child_cancel(d);
            break;
        }
        child_drain(&d->child);
        usleep(20000);
    }
    if (d->last_error[0] == '\0' && backlog(d) == 0 && !d->need_full) {
        geoha_info("Final push done | peer=%s", d->conf->peer);
    }
    publish(d, true);
}

static int
lock_state(const struct fs_conf *conf)
{
    char path[PATH_MAX];
    int fd;

    if (fs_state_path(conf, "lock", path) != 0) {
        return -ENAMETOOLONG;
    }
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        return -errno;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        close(fd);
        return -EBUSY;
    }
    return fd; /* held until exit */
}

/*
 * The sync process reads the CIB every few seconds through Pacemaker's
 * libraries, which log at info level on each read: keep their warnings
 * and errors, and geoha's own lines (logged from lib/ocf.c) as before.
 */
static void
quiet_library_logs(void)
{
    const char *trace = getenv(GEOHA_ENV_TRACE);
    int own = (trace != NULL && *trace != '\0' && strcmp(trace, "0") != 0)
                  ? LOG_DEBUG
                  : LOG_INFO;
    const int targets[] = { QB_LOG_SYSLOG, QB_LOG_STDERR };

    for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
        qb_log_filter_ctl(targets[i], QB_LOG_FILTER_CLEAR_ALL,
                          QB_LOG_FILTER_FILE, "*", 0);
        qb_log_filter_ctl(targets[i], QB_LOG_FILTER_ADD, QB_LOG_FILTER_FILE,
                          "*", LOG_WARNING);
        qb_log_filter_ctl(targets[i], QB_LOG_FILTER_ADD, QB_LOG_FILTER_FILE,
                          "lib/ocf.c", own);
    }
}

int
fs_daemon_run(const struct fs_conf *conf)
{
    struct daemon *d = NULL;
    sigset_t mask;
    char path[PATH_MAX];
    char pid_text[32];
    int lock_fd;
    int rc = OCF_ERR_GENERIC;

    quiet_library_logs();
    if (geoha_dir_ensure(conf->state_dir, 0700) != 0) {
        geoha_err("Cannot create the state directory | state_dir='%s'",
                  conf->state_dir);
        return OCF_ERR_GENERIC;
    }
    lock_fd = lock_state(conf);
    if (lock_fd < 0) {
        geoha_err("Another sync process runs for this resource | "
                  "state_dir='%s'",
                  conf->state_dir);
        return OCF_ERR_GENERIC;
    }
    d = calloc(1, sizeof(*d));
    if (d == NULL) {
        goto done;
    }
    d->conf = conf;
    d->ino = -1;
    d->sig = -1;
    d->child.fd[0] = d->child.fd[1] = -1;
    d->backoff_ms = BACKOFF_MIN_MS;
    d->pub_backlog = -1;
    d->pub_conflicts = -1;
    signal(SIGPIPE, SIG_IGN);
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGHUP);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    d->sig = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
    d->ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (d->sig < 0 || d->ino < 0) {
        geoha_err("Cannot set up signals or inotify | error='%s'",
                  strerror(errno));
        goto done;
    }
    watch_tree(d, "", 0);
    if (d->n_watch == 0) {
        geoha_err("Cannot watch the directory | directory='%s'",
                  conf->directory);
        goto done;
    }
    if (fs_state_path(conf, FS_PID_FILE, path) != 0
        || geoha_snprintf(pid_text, sizeof(pid_text), "%d\n", (int)getpid())
               != 0
        || geoha_file_replace(path, pid_text, strlen(pid_text), (uid_t)-1,
                              (gid_t)-1, 0600)
               != 0) {
        geoha_err("Cannot write the pid file | state_dir='%s'",
                  conf->state_dir);
        goto done;
    }
    check_role(d);
    write_status(d);
    geoha_info("Sync process running | directory='%s' peer=%s role=%s",
               conf->directory, conf->peer, role_names[d->role]);

    while (!d->stopping) {
        struct pollfd pfd[4];
        int64_t now = geoha_now_ms();
        int n;

        if (now >= d->next_role_ms) {
            check_role(d);
        }
        child_poll(d);
        start_work(d);
        publish(d, false);
        if (geoha_now_ms() >= d->next_status_ms) {
            write_status(d);
        }
        pfd[0] = (struct pollfd){ .fd = d->ino, .events = POLLIN };
        pfd[1] = (struct pollfd){ .fd = d->sig, .events = POLLIN };
        pfd[2] = (struct pollfd){ .fd = d->child.fd[0], .events = POLLIN };
        pfd[3] = (struct pollfd){ .fd = d->child.fd[1], .events = POLLIN };
        n = poll(pfd, 4, next_wakeup(d));
        if (n < 0 && errno != EINTR) {
            geoha_err("poll failed | error='%s'", strerror(errno));
            goto done;
        }
        if (n <= 0) {
            continue;
        }
        if (pfd[0].revents & POLLIN) {
            read_events(d);
        }
        if (pfd[1].revents & POLLIN) {
            struct signalfd_siginfo si;

            while (read(d->sig, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
                if (si.ssi_signo == SIGHUP) {
                    d->next_role_ms = 0; /* look at the CIB now */
                } else {
                    d->stopping = true;
                }
            }
        }
        if (d->child.pid > 0) {
            child_drain(&d->child);
        }
    }
    final_push(d);
    write_status(d);
    if (fs_state_path(conf, FS_PID_FILE, path) == 0) {
        unlink(path);
    }
    geoha_info("Sync process ends | backlog=%lld", backlog(d));
    rc = OCF_SUCCESS;
done:
    if (d != NULL) {
        if (d->child.pid > 0) {
            child_cancel(d);
        }
        child_close(&d->child);
        pset_clear(&d->pending);
        pset_clear(&d->inflight);
        for (size_t i = 0; i < d->n_watch; i++) {
            free(d->watch[i]);
        }
        free(d->watch);
        if (d->ino >= 0) {
            close(d->ino);
        }
        if (d->sig >= 0) {
            close(d->sig);
        }
        free(d);
    }
    close(lock_fd);
    return rc;
}
