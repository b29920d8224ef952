/* geoha: Drupal's settings include, active and fail-closed. */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "geoha/drupal.h"
#include "geoha/php.h"

/* Shown to web visitors and drush users: nothing about the cluster. */
#define PUBLIC_MESSAGE                                                         \
    "The site is temporarily unavailable while its database is being "         \
    "switched over. Please try again shortly."
#define HTTP_503_CLASS                                                         \
    "Symfony\\Component\\HttpKernel\\Exception\\ServiceUnavailableHttpExcepti" \
    "on"

/* One comment line made of the strings given, up to a NULL. */
static int
comment(struct geoha_buf *b, ...)
{
    struct geoha_buf line;
    const char *part;
    va_list ap;
    int rc;

    geoha_buf_init(&line, 1024);
    geoha_buf_puts(&line, "");
    va_start(ap, b);
    while ((part = va_arg(ap, const char *)) != NULL) {
        geoha_buf_puts(&line, part);
    }
    va_end(ap);
    rc = line.error;
    if (rc == 0) {
        rc = geoha_php_comment(b, line.data);
    }
    geoha_buf_clear(&line);
    return rc;
}

static int
header(struct geoha_buf *b, const char *rsc, const char *node)
{
    geoha_buf_puts(b, "<?php\n");
    comment(b, "Drupal's database settings on node '", node,
            "', written by the cluster", NULL);
    comment(b, "(agent ocf:geoha:drupal, resource '", rsc, "').", NULL);
    comment(b,
            "Do not edit: the cluster rewrites this file when the "
            "database writer",
            NULL);
    comment(b,
            "moves, and makes it refuse service when it stops the "
            "resource.",
            NULL);
    return b->error;
}

static void
entry(struct geoha_buf *b, const char *indent, const char *key,
      const char *value)
{
    geoha_buf_printf(b, "%s'%s' => ", indent, key);
    if (geoha_php_quote(b, value) == 0) {
        geoha_buf_puts(b, ",\n");
    }
}

static void
connection(struct geoha_buf *b, const char *indent,
           const struct geoha_drupal_settings *s,
           const struct geoha_drupal_conn *c)
{
    char port[16];

    geoha_snprintf(port, sizeof(port), "%d", c->hp.port);
    entry(b, indent, "driver", s->driver);
    entry(b, indent, "database", s->database);
    entry(b, indent, "username", s->username);
    entry(b, indent, "password", s->password);
    entry(b, indent, "host", c->hp.host);
    entry(b, indent, "port", port);
    if (s->prefix != NULL) {
        entry(b, indent, "prefix", s->prefix);
    }
    if (s->collation != NULL) {
        entry(b, indent, "collation", s->collation);
    }
    if (s->ssl_ca != NULL) {
        /* TLS with the server's certificate verified against ssl_ca. */
        geoha_buf_printf(b, "%s'pdo' => [\n", indent);
        geoha_buf_printf(b, "%s  \\PDO::MYSQL_ATTR_SSL_CA => ", indent);
        if (geoha_php_quote(b, s->ssl_ca) == 0) {
            geoha_buf_puts(b, ",\n");
        }
        geoha_buf_printf(b,
                         "%s  \\PDO::MYSQL_ATTR_SSL_VERIFY_SERVER_CERT => "
                         "TRUE,\n",
                         indent);
        geoha_buf_printf(b, "%s],\n", indent);
    }
}

/* The statements that make Drupal refuse service (HTTP 503, exception). */
static void
refuse(struct geoha_buf *out, const char *indent)
{
    geoha_buf_printf(out,
                     "%sif (PHP_SAPI !== 'cli' && !headers_sent()) {\n"
                     "%s  http_response_code(503);\n",
                     indent, indent);
    geoha_buf_printf(out, "%s  header('Retry-After: %d');\n", indent,
                     GEOHA_DRUPAL_RETRY_AFTER_S);
    geoha_buf_printf(out, "%s}\n%sif (class_exists(", indent, indent);
    geoha_php_quote(out, HTTP_503_CLASS);
    geoha_buf_printf(out,
                     ")) {\n"
                     "%s  throw new \\" HTTP_503_CLASS "(%d, ",
                     indent, GEOHA_DRUPAL_RETRY_AFTER_S);
    geoha_php_quote(out, PUBLIC_MESSAGE);
    geoha_buf_printf(out,
                     ");\n"
                     "%s}\n"
                     "%sthrow new \\RuntimeException(",
                     indent, indent);
    geoha_php_quote(out, PUBLIC_MESSAGE);
    geoha_buf_puts(out, ");\n");
}

int
geoha_drupal_render_active(const struct geoha_drupal_settings *s,
                           struct geoha_buf *out)
{
    if (s == NULL || out == NULL || s->rsc == NULL || s->node == NULL
        || s->driver == NULL || s->database == NULL || s->username == NULL
        || s->password == NULL || s->writer.node == NULL
        || (s->has_replica && s->replica.node == NULL)) {
        return -EINVAL;
    }
    header(out, s->rsc, s->node);
    comment(out, "geoha-state: active writer=", s->writer.node,
            s->has_replica ? " replica=" : "",
            s->has_replica ? s->replica.node : "", NULL);
    if (s->live_file != NULL) {
        comment(out,
                "Valid only while the cluster runs the resource here "
                "(the file below",
                NULL);
        comment(out,
                "lives in /run): after a reboot it refuses service until "
                "then.",
                NULL);
        geoha_buf_puts(out, "if (!is_file(");
        geoha_php_quote(out, s->live_file);
        geoha_buf_puts(out, ")) {\n");
        refuse(out, "  ");
        geoha_buf_puts(out, "}\n");
    }
    geoha_buf_puts(out, "$databases['default'] = [\n"
                        "  'default' => [\n");
    connection(out, "    ", s, &s->writer);
    geoha_buf_puts(out, "  ],\n");
    if (s->has_replica) {
        geoha_buf_puts(out, "  'replica' => [\n"
                            "    [\n");
        connection(out, "      ", s, &s->replica);
        geoha_buf_puts(out, "    ],\n"
                            "  ],\n");
    }
    geoha_buf_puts(out, "];\n");
    return out->error;
}

int
geoha_drupal_render_fail_closed(const char *rsc, const char *node,
                                const char *why, struct geoha_buf *out)
{
    if (rsc == NULL || node == NULL || why == NULL || out == NULL) {
        return -EINVAL;
    }
    header(out, rsc, node);
    geoha_php_comment(out, "geoha-state: fail-closed");
    comment(out, "Drupal must not run on this node now: ", why, NULL);
    refuse(out, "");
    return out->error;
}

static bool
node_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

/* " replica=NODE" and nothing else up to the end of the line. */
static bool
replica_ok(const char *p, const char *nl)
{
    static const char key[] = " replica=";
    size_t n = 0;

    if ((size_t)(nl - p) <= strlen(key) || strncmp(p, key, strlen(key)) != 0) {
        return false;
    }
    p += strlen(key);
    while (p + n < nl && node_char(p[n])) {
        n++;
    }
    return n > 0 && p + n == nl;
}

enum geoha_drupal_state
geoha_drupal_state_of(const char *text, char writer[GEOHA_NODE_MAX])
{
    static const char active[] = "active writer=";
    static const char closed[] = "fail-closed";
    const char *line;

    if (text == NULL || strncmp(text, "<?php\n", 6) != 0) {
        return GEOHA_DRUPAL_FOREIGN;
    }
    /* The marker is in the leading block of // comments. */
    for (line = text + 6; strncmp(line, "//", 2) == 0;) {
        const char *nl = strchr(line, '\n');
        const char *m = line + strlen(GEOHA_DRUPAL_MARKER);

        if (nl == NULL) {
            break;
        }
        if (strncmp(line, GEOHA_DRUPAL_MARKER, strlen(GEOHA_DRUPAL_MARKER))
            != 0) {
            line = nl + 1;
            continue;
        }
        if (strncmp(m, closed, strlen(closed)) == 0
            && m + strlen(closed) == nl) {
            return GEOHA_DRUPAL_FAIL_CLOSED;
        }
        if (strncmp(m, active, strlen(active)) == 0) {
            const char *w = m + strlen(active);
            size_t n = 0;

            while (w + n < nl && node_char(w[n])) {
                n++;
            }
            if (n == 0 || n >= GEOHA_NODE_MAX
                || (w + n != nl && !replica_ok(w + n, nl))) {
                return GEOHA_DRUPAL_FOREIGN;
            }
            if (writer != NULL) {
                memcpy(writer, w, n);
                writer[n] = '\0';
            }
            return GEOHA_DRUPAL_ACTIVE;
        }
        return GEOHA_DRUPAL_FOREIGN;
    }
    return GEOHA_DRUPAL_FOREIGN;
}
