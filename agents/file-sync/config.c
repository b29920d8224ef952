/*
 * ocf:geoha:file-sync — the configuration: the parameters read, checked
 * and turned into a struct fs_conf, which the agent's actions (main.c)
 * and the sync process (daemon.c) both use, and the checks for text that
 * goes into the ssh command and the rsync argv (rsync.c builds those from
 * a checked struct fs_conf only).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "geoha/map.h"
#include "geoha/ocf.h"
#include "geoha/util.h"

#include "file-sync.h"

bool
fs_word_ok(const char *s, const char *extra)
{
    if (s == NULL || *s == '\0' || *s == '-' || strlen(s) >= PATH_MAX) {
        return false;
    }
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')
            || (*p >= '0' && *p <= '9')) {
            continue;
        }
        if (extra == NULL || strchr(extra, *p) == NULL) {
            return false;
        }
    }
    return true;
}

bool
fs_path_ok(const char *s)
{
    /* No white space, quotes, backslashes, glob characters or ':': the
     * path may end up in the -e string (keys) or be globbed by the remote
     * rsync (directories). */
    return s != NULL && s[0] == '/' && fs_word_ok(s + 1, "._+@%=,/-")
           && strstr(s, "/../") == NULL;
}

#define bad(name, text, why)                                                   \
    geoha_param_invalid((name), (text), (why), OCF_ERR_CONFIGURED)

/*
 * A parameter that is well formed but unusable on this node (what a path
 * resolves to here): a hard error on this node only, never
 * OCF_ERR_CONFIGURED, which keeps the resource off every node.
 */
#define bad_here(name, text, why)                                              \
    geoha_param_invalid((name), (text), (why), OCF_ERR_INSTALLED)

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

/* A file that goes into the ssh command (ssh_key, known_hosts). */
static int
load_file_param(struct geoha_ctx *ctx, const char *name, char *out, size_t size)
{
    const char *s = geoha_param_str(ctx, name);

    if (!fs_path_ok(s) || geoha_strlcpy(out, s, size) != 0) {
        return bad(name, s,
                   "must be an absolute path of letters, digits and "
                   "._+@%=,/- (no spaces or quotes)");
    }
    return OCF_SUCCESS;
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

int
fs_conf_ident(const struct geoha_ctx *ctx, struct fs_conf *conf)
{
    const char *root;
    char node_safe[GEOHA_NODE_MAX];

    /* The clone instance number ":N" may change between starts. */
    geoha_strlcpy(conf->rsc, ctx->rsc_base, sizeof(conf->rsc));
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
    if (fs_conf_ident(ctx, conf) != 0) {
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

    rc = load_file_param(ctx, P_SSH_KEY, conf->ssh_key, sizeof(conf->ssh_key));
    if (rc == OCF_SUCCESS) {
        rc = load_file_param(ctx, P_KNOWN_HOSTS, conf->known_hosts,
                             sizeof(conf->known_hosts));
    }
    if (rc != OCF_SUCCESS) {
        return rc;
    }
    conf->interval_s = (int)geoha_param_int(ctx, P_INTERVAL);

    rc = load_excludes(conf, geoha_param_str(ctx, P_EXCLUDE));
    if (rc != OCF_SUCCESS) {
        return rc;
    }
    return load_peers(ctx, conf, full);
}
