/* geoha: atomic replacement, bounded reads, root-only secret files. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "geoha/file.h"
#include "geoha/util.h"

static int
write_all(int fd, const void *data, size_t len)
{
    const char *p = data;

    while (len > 0) {
        ssize_t n = write(fd, p, len);

        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -errno;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int
dir_of(const char *path, char dir[PATH_MAX])
{
    char tmp[PATH_MAX];

    if (geoha_strlcpy(tmp, path, sizeof(tmp)) != 0) {
        return -ENAMETOOLONG;
    }
    return geoha_strlcpy(dir, dirname(tmp), PATH_MAX) == 0 ? 0 : -ENAMETOOLONG;
}

static int
fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc = 0;

    if (fd < 0) {
        return -errno;
    }
    if (fsync(fd) != 0) {
        rc = -errno;
    }
    close(fd);
    return rc;
}

int
geoha_file_replace(const char *path, const void *data, size_t len, uid_t uid,
                   gid_t gid, mode_t mode)
{
    char dir[PATH_MAX];
    char tmp[PATH_MAX];
    int fd = -1;
    int rc;

    if (path == NULL || (data == NULL && len > 0)) {
        return -EINVAL;
    }
    rc = dir_of(path, dir);
    if (rc != 0) {
        return rc;
    }
    rc = geoha_snprintf(tmp, sizeof(tmp), "%s.geoha-XXXXXX", path);
    if (rc != 0) {
        return -ENAMETOOLONG;
    }
    fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) {
        return -errno;
    }
    rc = write_all(fd, data, len);
    if (rc == 0 && (uid != (uid_t)-1 || gid != (gid_t)-1)
        && fchown(fd, uid, gid) != 0) {
        rc = -errno;
    }
    if (rc == 0 && fchmod(fd, mode) != 0) {
        rc = -errno;
    }
    if (rc == 0 && fsync(fd) != 0) {
        rc = -errno;
    }
    if (close(fd) != 0 && rc == 0) {
        rc = -errno;
    }
    fd = -1;
    if (rc == 0 && rename(tmp, path) != 0) {
        rc = -errno;
    }
    if (rc != 0) {
        unlink(tmp);
        return rc;
    }
    return fsync_dir(dir);
}

int
geoha_file_read(const char *path, size_t max, char **out, size_t *len)
{
    struct stat st;
    char *buf = NULL;
    size_t used = 0;
    int fd;
    int rc = 0;

    if (path == NULL || out == NULL) {
        return -EINVAL;
    }
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return -errno;
    }
    if (fstat(fd, &st) != 0) {
        rc = -errno;
        goto done;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = -EINVAL;
        goto done;
    }
    buf = malloc(max + 1);
    if (buf == NULL) {
        rc = -ENOMEM;
        goto done;
    }
    for (;;) {
        ssize_t n = read(fd, buf + used, max + 1 - used);

        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            rc = -errno;
            goto done;
        }
        if (n == 0) {
            break;
        }
        used += (size_t)n;
        if (used > max) {
            rc = GEOHA_E_TOOBIG;
            goto done;
        }
    }
    buf[used] = '\0';
    *out = buf;
    buf = NULL;
    if (len != NULL) {
        *len = used;
    }
done:
    free(buf);
    close(fd);
    return rc;
}

int
geoha_file_check_private(const char *path)
{
    struct stat st;

    if (path == NULL) {
        return -EINVAL;
    }
    if (stat(path, &st) != 0) {
        return -errno;
    }
    if (!S_ISREG(st.st_mode)) {
        return -EINVAL;
    }
    if (st.st_uid != 0 && st.st_uid != geteuid()) {
        return GEOHA_E_INSECURE;
    }
    if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        return GEOHA_E_INSECURE;
    }
    return 0;
}

int
geoha_dir_ensure(const char *path, mode_t mode)
{
    char tmp[PATH_MAX];
    struct stat st;

    if (path == NULL || path[0] != '/') {
        return -EINVAL;
    }
    if (geoha_strlcpy(tmp, path, sizeof(tmp)) != 0) {
        return -ENAMETOOLONG;
    }
    for (char *p = tmp + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;

            *p = '\0';
            if (mkdir(tmp, mode) != 0 && errno != EEXIST) {
                return -errno;
            }
            *p = c;
            if (c == '\0') {
                break;
            }
        }
    }
    if (stat(path, &st) != 0) {
        return -errno;
    }
    return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

int
geoha_file_append_line(const char *path, const char *line, mode_t mode)
{
    size_t len;
    char *buf;
    int fd;
    int rc;

    if (path == NULL || line == NULL) {
        return -EINVAL;
    }
    len = strlen(line);
    buf = malloc(len + 1);
    if (buf == NULL) {
        return -ENOMEM;
    }
    memcpy(buf, line, len);
    buf[len] = '\n';
    fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, mode);
    if (fd < 0) {
        free(buf);
        return -errno;
    }
    /* One write call so concurrent appenders never interleave a line. */
    rc = write_all(fd, buf, len + 1);
    if (rc == 0 && fsync(fd) != 0) {
        rc = -errno;
    }
    close(fd);
    free(buf);
    return rc;
}
