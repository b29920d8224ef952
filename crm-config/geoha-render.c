/*
 * geoha-render: fill the @NAME@ placeholders of a geoha configuration file
 * (corosync.conf, geoha.crm) with a site's values.
 *
 *   geoha-render [--profile production|test] [--params FILE]
 *                [NAME=VALUE ...] TEMPLATE
 *
 * Values come from one column of the params file (default: geoha.params
 * beside TEMPLATE), overridden by NAME=VALUE arguments. The result goes to
 * standard output. Nothing is printed, and the exit code is 1, when the
 * template uses a placeholder without a value or whose value is "-" (the
 * site must give it). In the params file "" stands for the empty value. geoha's
 * cluster harness renders the shipped files with this same program and the
 * "test" column, so what is tested is what ships.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geoha/file.h"
#include "geoha/util.h"

#define FILE_MAX (1024 * 1024)
#define NAME_MAX_LEN 64
#define VALUE_MAX_LEN 1024
#define VALUES_MAX 256

static const char *const profiles[] = { "production", "test" };

struct value {
    char name[NAME_MAX_LEN];
    char text[VALUE_MAX_LEN];
};

struct values {
    size_t n;
    struct value v[VALUES_MAX];
};

static void
usage(FILE *out)
{
    fprintf(out, "usage: geoha-render [--profile production|test] "
                 "[--params FILE] [NAME=VALUE ...] TEMPLATE\n");
}

static bool
name_ok(const char *s, size_t len)
{
    if (len == 0 || len >= NAME_MAX_LEN || !isupper((unsigned char)s[0])) {
        return false;
    }
    for (size_t i = 1; i < len; i++) {
        if (!isupper((unsigned char)s[i]) && !isdigit((unsigned char)s[i])
            && s[i] != '_') {
            return false;
        }
    }
    return true;
}

/* Set (or replace) name's value. */
static int
values_set(struct values *vals, const char *name, size_t name_len,
           const char *text, size_t text_len)
{
    struct value *slot = NULL;

    if (!name_ok(name, name_len) || text_len >= VALUE_MAX_LEN
        || memchr(text, '\n', text_len) != NULL) {
        return -EINVAL;
    }
    for (size_t i = 0; i < vals->n; i++) {
        if (strlen(vals->v[i].name) == name_len
            && memcmp(vals->v[i].name, name, name_len) == 0) {
            slot = &vals->v[i];
        }
    }
    if (slot == NULL) {
        if (vals->n == VALUES_MAX) {
            return GEOHA_E_TOOBIG;
        }
        slot = &vals->v[vals->n++];
        memcpy(slot->name, name, name_len);
        slot->name[name_len] = '\0';
    }
    memcpy(slot->text, text, text_len);
    slot->text[text_len] = '\0';
    return 0;
}

static const char *
values_get(const struct values *vals, const char *name, size_t len)
{
    for (size_t i = 0; i < vals->n; i++) {
        if (strlen(vals->v[i].name) == len
            && memcmp(vals->v[i].name, name, len) == 0) {
            return vals->v[i].text;
        }
    }
    return NULL;
}

/* Lines "NAME PRODUCTION TEST", '#' comments. */
static int
load_params(const char *path, size_t column, struct values *vals)
{
    char *text = NULL;
    char *line;
    char *next;
    int lineno = 0;
    int rc;

    rc = geoha_file_read(path, FILE_MAX, &text, NULL);
    if (rc != 0) {
        fprintf(stderr, "geoha-render: %s: %s\n", path, geoha_strerror(rc));
        return rc;
    }
    for (line = text; line != NULL && rc == 0; line = next) {
        const char *field[4];
        const char *value;
        size_t len[4], value_len;
        size_t n = 0;
        char *p;

        next = strchr(line, '\n');
        if (next != NULL) {
            *next++ = '\0';
        }
        lineno++;
        p = strchr(line, '#');
        if (p != NULL) {
            *p = '\0';
        }
        p = line;
        while (n < 4) {
            while (isspace((unsigned char)*p)) {
                p++;
            }
            if (*p == '\0') {
                break;
            }
            field[n] = p;
            while (*p != '\0' && !isspace((unsigned char)*p)) {
                p++;
            }
            len[n] = (size_t)(p - field[n]);
            n++;
        }
        if (n == 0) {
            continue;
        }
        if (n != 3 || !name_ok(field[0], len[0])) {
            fprintf(stderr,
                    "geoha-render: %s:%d: expected NAME PRODUCTION TEST\n",
                    path, lineno);
            rc = -EINVAL;
            break;
        }
        value = field[1 + column];
        value_len = len[1 + column];
        if (value_len == 2 && value[0] == '"' && value[1] == '"') {
            value_len = 0; /* "" is the empty value */
        }
        rc = values_set(vals, field[0], len[0], value, value_len);
        if (rc != 0) {
            fprintf(stderr, "geoha-render: %s:%d: bad value\n", path, lineno);
        }
    }
    free(text);
    return rc;
}

/* Renders template into out; lists missing names on stderr. */
static int
render(const char *template_path, const char *text, const struct values *vals,
       struct geoha_buf *out)
{
    const char *p = text;
    int missing = 0;

    while (*p != '\0') {
        const char *at = strchr(p, '@');
        const char *end;
        const char *value;

        if (at == NULL) {
            geoha_buf_puts(out, p);
            break;
        }
        geoha_buf_append(out, p, (size_t)(at - p));
        end = at + 1;
        while (isupper((unsigned char)*end) || isdigit((unsigned char)*end)
               || *end == '_') {
            end++;
        }
        if (*end != '@' || !name_ok(at + 1, (size_t)(end - at - 1))) {
            geoha_buf_append(out, at, 1); /* a lone '@' is text */
            p = at + 1;
            continue;
        }
        value = values_get(vals, at + 1, (size_t)(end - at - 1));
        if (value == NULL || strcmp(value, "-") == 0) {
            fprintf(stderr, "geoha-render: %s: no value for %.*s\n",
                    template_path, (int)(end - at - 1), at + 1);
            missing++;
        } else {
            geoha_buf_puts(out, value);
        }
        p = end + 1;
    }
    if (missing > 0) {
        return -EINVAL;
    }
    return out->error;
}

int
main(int argc, char **argv)
{
    static struct values vals;
    static struct values overrides;
    const char *profile = profiles[0];
    const char *params = NULL;
    const char *template_path = NULL;
    char default_params[PATH_MAX];
    char *text = NULL;
    struct geoha_buf out;
    size_t column = SIZE_MAX;
    int rc;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *eq = strchr(a, '=');

        if (strcmp(a, "--profile") == 0 && i + 1 < argc) {
            profile = argv[++i];
        } else if (strcmp(a, "--params") == 0 && i + 1 < argc) {
            params = argv[++i];
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (eq != NULL && name_ok(a, (size_t)(eq - a))) {
            if (values_set(&overrides, a, (size_t)(eq - a), eq + 1,
                           strlen(eq + 1))
                != 0) {
                fprintf(stderr, "geoha-render: bad value for %.*s\n",
                        (int)(eq - a), a);
                return 1;
            }
        } else if (template_path == NULL && a[0] != '-') {
            template_path = a;
        } else {
            fprintf(stderr, "geoha-render: unexpected argument '%s'\n", a);
            usage(stderr);
            return 1;
        }
    }
    for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++) {
        if (strcmp(profile, profiles[i]) == 0) {
            column = i;
        }
    }
    if (template_path == NULL || column == SIZE_MAX) {
        usage(stderr);
        return 1;
    }
    if (params == NULL) {
        const char *slash = strrchr(template_path, '/');
        int dir_len = slash != NULL ? (int)(slash - template_path) : 1;

        if (geoha_snprintf(default_params, sizeof(default_params),
                           "%.*s/geoha.params", dir_len,
                           slash != NULL ? template_path : ".")
            != 0) {
            fprintf(stderr, "geoha-render: path too long\n");
            return 1;
        }
        params = default_params;
    }
    if (load_params(params, column, &vals) != 0) {
        return 1;
    }
    for (size_t i = 0; i < overrides.n; i++) {
        values_set(&vals, overrides.v[i].name, strlen(overrides.v[i].name),
                   overrides.v[i].text, strlen(overrides.v[i].text));
    }
    rc = geoha_file_read(template_path, FILE_MAX, &text, NULL);
    if (rc != 0) {
        fprintf(stderr, "geoha-render: %s: %s\n", template_path,
                geoha_strerror(rc));
        return 1;
    }
    geoha_buf_init(&out, FILE_MAX * 2);
    rc = render(template_path, text, &vals, &out);
    free(text);
    if (rc == 0 && out.len > 0
        && fwrite(out.data, 1, out.len, stdout) != out.len) {
        rc = -EIO;
    }
    geoha_buf_clear(&out);
    if (rc == 0 && fflush(stdout) != 0) {
        rc = -EIO;
    }
    return rc == 0 ? 0 : 1;
}
