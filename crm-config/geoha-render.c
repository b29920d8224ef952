/*
 * geoha-render: fill the @NAME@ placeholders of a geoha configuration file
 * (corosync.conf, geoha.crm) with a site's values.
 *
 *   geoha-render [--profile production|test] [--params FILE]
 *                [NAME=VALUE ...] TEMPLATE
 *   geoha-render --help [--params FILE | TEMPLATE]
 *
 * Values come from one column of the params file (default: geoha.params
 * beside TEMPLATE), overridden by NAME=VALUE arguments. The result goes to
 * standard output. Nothing is printed, and the exit code is 1, when the
 * template uses a placeholder without a value or whose value is "-" (the
 * site must give it; each such name is listed once), when a NAME is not
 * in the params file (a typo would otherwise be ignored), or when a value
 * holds a character that would change the syntax of the rendered file:
 * quotes, backslashes and control characters anywhere, and also white
 * space, '#', '{' and '}' where the placeholder is not inside double
 * quotes. In the params file "" stands for the empty value, and a
 * comment after a name's values says what it means (--help lists them).
 * geoha's cluster harness renders the shipped files with this same program
 * and the "test" column, so what is tested is what ships.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "geoha/file.h"
#include "geoha/util.h"

#define FILE_MAX (1024 * 1024)
#define NAME_MAX_LEN 64
#define VALUE_MAX_LEN 1024
#define VALUES_MAX 256
#define HELP_MAX 512

static const char *const profiles[] = { "production", "test" };

struct value {
    char name[NAME_MAX_LEN];
    char text[VALUE_MAX_LEN];
    char production[VALUE_MAX_LEN]; /* the production column (--help) */
    char help[HELP_MAX];            /* the comment after the values */
    bool reported;                  /* listed as missing already */
};

struct values {
    size_t n;
    struct value v[VALUES_MAX];
};

static void
usage(FILE *out)
{
    fprintf(out, "usage: geoha-render [--profile production|test] "
                 "[--params FILE] [NAME=VALUE ...] TEMPLATE\n"
                 "       geoha-render --help [--params FILE | TEMPLATE]\n");
}

/*
 * Why text must not be pasted into a configuration file, or NULL when it
 * may. quoted: the placeholder sits inside double quotes.
 */
static const char *
value_problem(const char *text, size_t len, bool quoted)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];

        if (c == '"') {
            return "a double quote (\")";
        }
        if (c == '\'') {
            return "a single quote (')";
        }
        if (c == '\\') {
            return "a backslash (\\)";
        }
        if (c == '\n' || c == '\r') {
            return "a line break";
        }
        if (c < 0x20 || c == 0x7f) {
            return "a control character";
        }
        if (!quoted && (c == ' ' || c == '#' || c == '{' || c == '}')) {
            return c == ' '   ? "a space (outside quotes in the template)"
                   : c == '#' ? "a '#' (outside quotes in the template)"
                              : "a brace (outside quotes in the template)";
        }
    }
    return NULL;
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
        || value_problem(text, text_len, true) != NULL) {
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

static struct value *
values_find(struct values *vals, const char *name, size_t len)
{
    for (size_t i = 0; i < vals->n; i++) {
        if (strlen(vals->v[i].name) == len
            && memcmp(vals->v[i].name, name, len) == 0) {
            return &vals->v[i];
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
        char *comment;
        char *p;
        struct value *v;

        next = strchr(line, '\n');
        if (next != NULL) {
            *next++ = '\0';
        }
        lineno++;
        comment = strchr(line, '#');
        if (comment != NULL) {
            *comment++ = '\0';
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
            const char *why = value_problem(value, value_len, true);

            fprintf(stderr, "geoha-render: %s:%d: bad value for %.*s%s%s\n",
                    path, lineno, (int)len[0], field[0],
                    why != NULL ? ": it has " : "", why != NULL ? why : "");
            break;
        }
        v = values_find(vals, field[0], len[0]);
        if (v != NULL) {
            if (len[1] < sizeof(v->production)) {
                memcpy(v->production, field[1], len[1]);
                v->production[len[1]] = '\0';
            }
            geoha_strlcpy(v->help,
                          comment != NULL ? geoha_strtrim(comment) : "",
                          sizeof(v->help));
        }
    }
    free(text);
    return rc;
}

/* Renders template into out; lists missing names on stderr. */
/* Whether pos (in text) is inside double quotes on its line. */
static bool
in_quotes(const char *text, const char *pos)
{
    const char *line = pos;
    bool quoted = false;

    while (line > text && line[-1] != '\n') {
        line--;
    }
    for (const char *q = line; q < pos; q++) {
        if (*q == '"') {
            quoted = !quoted;
        }
    }
    return quoted;
}

static int
render(const char *template_path, const char *text, struct values *vals,
       struct geoha_buf *out)
{
    const char *p = text;
    int missing = 0;
    int bad = 0;

    while (*p != '\0') {
        const char *at = strchr(p, '@');
        const char *end;
        const char *value;
        const char *why;
        struct value *v;

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
        v = values_find(vals, at + 1, (size_t)(end - at - 1));
        value = v != NULL ? v->text : NULL;
        if (value == NULL || strcmp(value, "-") == 0) {
            /* each missing name once, however often it is used */
            if (v == NULL || !v->reported) {
                fprintf(stderr, "geoha-render: %s: no value for %.*s\n",
                        template_path, (int)(end - at - 1), at + 1);
            }
            if (v != NULL) {
                v->reported = true;
            }
            missing++;
        } else if ((why = value_problem(value, strlen(value),
                                        in_quotes(text, at)))
                   != NULL) {
            fprintf(stderr,
                    "geoha-render: %s: the value of %s has %s, which would "
                    "change the syntax of the rendered file: refused\n",
                    template_path, v->name, why);
            bad++;
        } else {
            geoha_buf_puts(out, value);
        }
        p = end + 1;
    }
    if (missing > 0 || bad > 0) {
        return -EINVAL;
    }
    return out->error;
}

/* --help: every name of the params file, its production value and
 * meaning. */
static void
help(FILE *out, const char *params, const struct values *vals)
{
    usage(out);
    fprintf(out,
            "\nFills the @NAME@ placeholders of a geoha template "
            "(geoha.crm, corosync.conf)\nwith one column of the params "
            "file, overridden by NAME=VALUE arguments.\nA value of \"-\" "
            "must be given by the site. Values may not hold quotes,\n"
            "backslashes or control characters (nor spaces, '#' or braces "
            "where the\ntemplate does not quote them).\n\n"
            "Names (from %s; production value in brackets):\n",
            params);
    for (size_t i = 0; i < vals->n; i++) {
        const struct value *v = &vals->v[i];

        fprintf(out, "  %-28s [%s] %s\n", v->name,
                v->production[0] != '\0' ? v->production : "\"\"",
                v->help[0] != '\0' ? v->help : "(no description)");
    }
}

/* The params file --help reads when neither --params nor a template is
 * given: the one installed beside the templates (PREFIX/share/geoha), or
 * the source tree's. */
static int
default_help_params(char *out, size_t size)
{
    static const char *const rel[] = {
        "../share/geoha/geoha.params",
        "../crm-config/geoha.params",
    };
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    char *slash;

    if (n <= 0) {
        return -ENOENT;
    }
    exe[n] = '\0';
    slash = strrchr(exe, '/');
    if (slash == NULL) {
        return -ENOENT;
    }
    *slash = '\0';
    for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
        if (geoha_snprintf(out, size, "%s/%s", exe, rel[i]) == 0
            && access(out, R_OK) == 0) {
            return 0;
        }
    }
    return -ENOENT;
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
    bool want_help = false;
    int rc;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *eq = strchr(a, '=');

        if (strcmp(a, "--profile") == 0 && i + 1 < argc) {
            profile = argv[++i];
        } else if (strcmp(a, "--params") == 0 && i + 1 < argc) {
            params = argv[++i];
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            want_help = true;
        } else if (eq != NULL && name_ok(a, (size_t)(eq - a))) {
            if (values_set(&overrides, a, (size_t)(eq - a), eq + 1,
                           strlen(eq + 1))
                != 0) {
                const char *why = value_problem(eq + 1, strlen(eq + 1), true);

                fprintf(stderr, "geoha-render: bad value for %.*s%s%s%s\n",
                        (int)(eq - a), a, why != NULL ? ": it has " : "",
                        why != NULL ? why : "",
                        why != NULL ? ", which would change the syntax of "
                                      "the rendered file"
                                    : "");
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
    if (column == SIZE_MAX) {
        usage(stderr);
        return 1;
    }
    if (want_help && params == NULL && template_path == NULL) {
        if (default_help_params(default_params, sizeof(default_params)) != 0) {
            usage(stdout);
            printf("\n(no geoha.params found: give --params FILE to list "
                   "the names)\n");
            return 0;
        }
        params = default_params;
    }
    if (!want_help && template_path == NULL) {
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
    if (want_help) {
        help(stdout, params, &vals);
        return fflush(stdout) == 0 ? 0 : 1;
    }
    rc = 0;
    for (size_t i = 0; i < overrides.n; i++) {
        struct value *v = values_find(&vals, overrides.v[i].name,
                                      strlen(overrides.v[i].name));

        /* A name the params file does not know is a typo: refused. */
        if (v == NULL) {
            fprintf(stderr,
                    "geoha-render: unknown name %s (not in %s; "
                    "geoha-render --help lists the names)\n",
                    overrides.v[i].name, params);
            rc = -ENOENT;
            continue;
        }
        geoha_strlcpy(v->text, overrides.v[i].text, sizeof(v->text));
    }
    if (rc != 0) {
        return 1;
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
