/*
 * geoha: files. Atomic replacement with owner and mode, bounded reads,
 * and the root-only check for secret files (S6).
 */
#ifndef GEOHA_FILE_H
#define GEOHA_FILE_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Replace path with data atomically: a temporary file in the same
 * directory, written, chown/chmod, fsync, rename over path, fsync of the
 * directory. uid/gid of (uid_t)-1 / (gid_t)-1 keep the caller's. On failure
 * nothing is left behind and path is unchanged.
 */
int geoha_file_replace(const char *path, const void *data, size_t len,
                       uid_t uid, gid_t gid, mode_t mode);

/*
 * Read a whole file of at most max bytes into a NUL-terminated heap
 * buffer (caller frees). GEOHA_E_TOOBIG when larger, -errno otherwise.
 */
int geoha_file_read(const char *path, size_t max, char **out, size_t *len);

/*
 * Check that path is a regular file that only its owner can read, owned by
 * root or by the effective user. GEOHA_E_INSECURE when group or others have
 * any access or the owner is wrong; -errno when it cannot be checked.
 */
int geoha_file_check_private(const char *path);

/* mkdir -p with mode for the created components. */
int geoha_dir_ensure(const char *path, mode_t mode);

/* Append one line (a '\n' is added) to path with O_APPEND and fsync. */
int geoha_file_append_line(const char *path, const char *line, mode_t mode);

#endif /* GEOHA_FILE_H */
