/*
 * geoha: reading a MySQL/MariaDB option file (the one reader for every
 * option file geoha reads itself; issue 17 item 3) ("[client]\nuser=...\n
 * password=...") the way the client library reads it, so that a value
 * geoha passes on (for instance into Drupal's settings) is exactly the
 * value the mysql command-line client would use with the same file.
 *
 * Rules, as in MariaDB's mysys/my_default.c: lines starting with '#' or
 * ';' are comments; '#' outside quotes starts a comment anywhere; names
 * and values are trimmed; '-' and '_' are the same in names; a value
 * wholly inside matching quotes loses them; \n \t \r \b \s \\ \" \' are
 * escapes, any other backslash stays; the last occurrence wins. Group
 * names compare case-insensitively. !include and !includedir are refused
 * (GEOHA_E_PARSE): a secret must not silently come from another file.
 */
#ifndef GEOHA_MYCNF_H
#define GEOHA_MYCNF_H

#include <stddef.h>

#include "geoha/util.h"

#define GEOHA_MYCNF_MAX (64u * 1024u) /* bytes of an option file */
#define GEOHA_MYCNF_VALUE_MAX 4096    /* bytes of one value, with the NUL */

/*
 * Look up key in [group] of the option file text. On success *value is a
 * heap string (caller frees; it may be a secret: wipe it before freeing).
 * -ENOENT when the key is not in the group or has no '=value' part,
 * GEOHA_E_PARSE for a line that cannot be read (*err_line, when not NULL,
 * gets its 1-based number), GEOHA_E_TOOBIG for an over-long value,
 * -EINVAL for NULL arguments.
 */
int geoha_mycnf_get(const char *text, const char *group, const char *key,
                    char **value, size_t *err_line);

/*
 * The same over several groups (a NULL-terminated list), read as the
 * client library reads them: in the file's order, the last occurrence of
 * key in any of them winning.
 */
int geoha_mycnf_get_any(const char *text, const char *const groups[],
                        const char *key, char **value, size_t *err_line);

/*
 * The last line of [groups] (a NULL-terminated list) naming any of names
 * (a NULL-terminated list; '-' and '_' alike), in the file's order: *which
 * gets that name's index, *value its value (heap; wipe it before freeing)
 * or NULL when the line has no '=value' part (a boolean option named
 * alone, which MariaDB's clients read as "on"). -ENOENT when no line names
 * any of them; errors as geoha_mycnf_get().
 */
int geoha_mycnf_find_any(const char *text, const char *const groups[],
                         const char *const names[], size_t *which, char **value,
                         size_t *err_line);

/*
 * geoha_mycnf_get() on a file of at most GEOHA_MYCNF_MAX bytes; -errno
 * when it cannot be read. The file's bytes are wiped from memory after
 * parsing.
 */
int geoha_mycnf_file_get(const char *path, const char *group, const char *key,
                         char **value, size_t *err_line);

#endif /* GEOHA_MYCNF_H */
