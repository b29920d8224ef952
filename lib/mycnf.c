/* geoha: MySQL/MariaDB option files, read as the client library reads them. */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "geoha/file.h"
#include "geoha/mycnf.h"

static bool
is_space(char c)
{
    return isspace((unsigned char)c) != 0;
}

/* Names compare with '-' and '_' as the same character, as my_getopt does. */
static bool
name_equal(const char *a, size_t len, const char *b)
{
    size_t i;

    for (i = 0; i < len && b[i] != '\0'; i++) {
        char x = (a[i] == '-') ? '_' : a[i];
        char y = (b[i] == '-') ? '_' : b[i];

        if (x != y) {
            return false;
        }
    }
    return i == len && b[i] == '\0';
}

/*
 * Where an end-of-line '#' comment starts (or e): '#' counts outside
 * quotes only, and inside quotes a backslash protects the next character.
 */
static const char *
end_comment(const char *s, const char *e)
{
    char quote = 0;
    bool escape = false;

    for (const char *p = s; p < e; p++) {
        if ((*p == '\'' || *p == '"') && !escape) {
            if (quote == 0) {
                quote = *p;
            } else if (quote == *p) {
                quote = 0;
            }
        }
        if (quote == 0 && *p == '#') {
            return p;
        }
        escape = (quote != 0 && *p == '\\' && !escape);
    }
    return e;
}

/* Unquote and unescape [v, e) into a new heap string. */
static int
unescape(const char *v, const char *e, char **out)
{
    char *buf;
    size_t n = 0;

    if ((size_t)(e - v) >= GEOHA_MYCNF_VALUE_MAX) {
        return GEOHA_E_TOOBIG;
    }
    if (e - v > 1 && (*v == '"' || *v == '\'') && e[-1] == *v) {
        v++;
        e--;
    }
    buf = calloc(1, (size_t)(e - v) + 1);
    if (buf == NULL) {
        return -ENOMEM;
    }
    for (const char *p = v; p < e; p++) {
        if (*p != '\\' || p + 1 == e) {
            buf[n++] = *p;
            continue;
        }
        p++;
        switch (*p) {
        case 'n':
            buf[n++] = '\n';
            break;
        case 't':
            buf[n++] = '\t';
            break;
        case 'r':
            buf[n++] = '\r';
            break;
        case 'b':
            buf[n++] = '\b';
            break;
        case 's':
            buf[n++] = ' ';
            break;
        case '"':
        case '\'':
        case '\\':
            buf[n++] = *p;
            break;
        default: /* not an escape: the backslash stays */
            buf[n++] = '\\';
            buf[n++] = *p;
            break;
        }
    }
    buf[n] = '\0';
    *out = buf;
    return 0;
}

static void
wipe_free(char *s)
{
    if (s != NULL) {
        explicit_bzero(s, strlen(s));
        free(s);
    }
}

static bool
group_listed(const char *const groups[], const char *g, size_t len)
{
    for (size_t i = 0; groups[i] != NULL; i++) {
        if (strlen(groups[i]) == len && strncasecmp(g, groups[i], len) == 0) {
            return true;
        }
    }
    return false;
}

int
geoha_mycnf_get(const char *text, const char *group, const char *key,
                char **value, size_t *err_line)
{
    const char *const groups[] = { group, NULL };

    if (group == NULL) {
        return -EINVAL;
    }
    return geoha_mycnf_get_any(text, groups, key, value, err_line);
}

int
geoha_mycnf_get_any(const char *text, const char *const groups[],
                    const char *key, char **value, size_t *err_line)
{
    const char *const names[] = { key, NULL };
    char *found = NULL;
    size_t which = 0;
    int rc;

    if (key == NULL || value == NULL) {
        return -EINVAL;
    }
    rc = geoha_mycnf_find_any(text, groups, names, &which, &found, err_line);
    if (rc != 0) {
        return rc;
    }
    if (found == NULL) {
        return -ENOENT; /* named without '=value' */
    }
    *value = found;
    return 0;
}

int
geoha_mycnf_file_get(const char *path, const char *group, const char *key,
                     char **value, size_t *err_line)
{
    char *text = NULL;
    size_t len = 0;
    int rc;

    if (path == NULL) {
        return -EINVAL;
    }
    /* issue 17 item 5: a secret file is checked wherever it is read */
    rc = geoha_file_check_private(path);
    if (rc == 0) {
        rc = geoha_file_read(path, GEOHA_MYCNF_MAX, &text, &len);
    }
    if (rc != 0) {
        return rc;
    }
    rc = geoha_mycnf_get(text, group, key, value, err_line);
    explicit_bzero(text, len);
    free(text);
    return rc;
}

static size_t
name_index(const char *const names[], const char *s, size_t len)
{
    size_t i;

    for (i = 0; names[i] != NULL; i++) {
        if (name_equal(s, len, names[i])) {
            break;
        }
    }
    return i;
}

/*
 * issue 17 item 1: which of several spellings of an option the file
 * names last, and whether that line has a value ("ssl-verify-server-cert"
 * alone is a boolean option turned on, as MariaDB's clients read it).
 */
int
geoha_mycnf_find_any(const char *text, const char *const groups[],
                     const char *const names[], size_t *which, char **value,
                     size_t *err_line)
{
    const char *line = text;
    bool in_group = false;
    char *found = NULL;
    size_t lineno = 0;
    size_t hit = SIZE_MAX;
    int rc = 0;

    if (text == NULL || groups == NULL || groups[0] == NULL || names == NULL
        || names[0] == NULL || which == NULL || value == NULL) {
        return -EINVAL;
    }
    while (*line != '\0' && rc == 0) {
        const char *nl = strchr(line, '\n');
        const char *e = (nl != NULL) ? nl : line + strlen(line);
        const char *s = line;
        const char *eq;
        const char *ne;
        size_t k;

        lineno++;
        line = (nl != NULL) ? nl + 1 : e;
        while (s < e && is_space(*s)) {
            s++;
        }
        while (e > s && is_space(e[-1])) {
            e--;
        }
        if (s == e || *s == '#' || *s == ';') {
            continue;
        }
        if (*s == '!') {
            rc = GEOHA_E_PARSE; /* !include, !includedir */
            break;
        }
        if (*s == '[') {
            const char *close = memchr(s, ']', (size_t)(e - s));
            const char *g = s + 1;

            if (close == NULL) {
                rc = GEOHA_E_PARSE;
                break;
            }
            while (g < close && is_space(*g)) {
                g++;
            }
            while (close > g && is_space(close[-1])) {
                close--;
            }
            in_group = group_listed(groups, g, (size_t)(close - g));
            continue;
        }
        if (!in_group) {
            continue;
        }
        e = end_comment(s, e);
        eq = (e > s) ? memchr(s, '=', (size_t)(e - s)) : NULL;
        ne = (eq != NULL) ? eq : e;
        while (ne > s && is_space(ne[-1])) {
            ne--;
        }
        if (ne == s) {
            rc = GEOHA_E_PARSE; /* "=value" without a name */
            break;
        }
        k = name_index(names, s, (size_t)(ne - s));
        if (names[k] == NULL) {
            continue;
        }
        wipe_free(found); /* the last occurrence wins */
        found = NULL;
        hit = k;
        if (eq != NULL) {
            const char *v = eq + 1;

            while (v < e && is_space(*v)) {
                v++;
            }
            while (e > v && is_space(e[-1])) {
                e--;
            }
            rc = unescape(v, e, &found);
        }
    }
    if (rc == GEOHA_E_PARSE && err_line != NULL) {
        *err_line = lineno;
    }
    if (rc == 0 && hit == SIZE_MAX) {
        rc = -ENOENT;
    }
    if (rc != 0) {
        wipe_free(found);
        return rc;
    }
    *which = hit;
    *value = found;
    return 0;
}
