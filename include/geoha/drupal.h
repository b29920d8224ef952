/*
 * geoha: the PHP include that Drupal's settings.php loads
 * (sites/default/settings.geoha.php), written by ocf:geoha:drupal.
 *
 * It comes in two forms, told apart by a marker comment line near the top:
 *   "// geoha-state: active writer=NODE[ replica=NODE]"
 *       sets $databases['default'] (the 'default' target at the writer,
 *       optionally one 'replica' target);
 *   "// geoha-state: fail-closed"
 *       makes Drupal refuse to run: HTTP 503 with Retry-After and an
 *       exception (Symfony's ServiceUnavailableHttpException when Drupal's
 *       autoloader knows it, so Drupal answers 503 itself; otherwise a
 *       RuntimeException, and the 503 status set before it stays).
 * Rendering is deterministic: the same input gives the same bytes, so a
 * monitor can compare the file with what it would write.
 */
#ifndef GEOHA_DRUPAL_H
#define GEOHA_DRUPAL_H

#include <stdbool.h>

#include "geoha/map.h"
#include "geoha/util.h"

#define GEOHA_DRUPAL_MARKER "// geoha-state: "
#define GEOHA_DRUPAL_RETRY_AFTER_S 30
#define GEOHA_DRUPAL_MAX (64u * 1024u) /* bytes of an include we read */

enum geoha_drupal_state {
    GEOHA_DRUPAL_FOREIGN,     /* not a geoha include (or damaged) */
    GEOHA_DRUPAL_ACTIVE,      /* points at a writer */
    GEOHA_DRUPAL_FAIL_CLOSED, /* refuses service */
};

/* One database connection: which node's server and where it listens. */
struct geoha_drupal_conn {
    const char *node;
    struct geoha_hostport hp;
};

struct geoha_drupal_settings {
    const char *rsc;    /* for the header comment */
    const char *node;   /* local node, for the header comment */
    const char *driver; /* e.g. "mysql" */
    const char *database;
    const char *username;
    const char *password;  /* secret: only ever written into the PHP */
    const char *prefix;    /* NULL: not rendered */
    const char *collation; /* NULL: not rendered */
    const char *ssl_ca;    /* NULL: no TLS options */
    /*
     * NULL: none. Else the active include refuses service (as the
     * fail-closed one does) unless this file exists. The agent keeps it
     * on a tmpfs (/run) while the include is meant to be active, so after
     * a power loss or reboot the include on disk fails closed until the
     * cluster has started the resource again, and removing the file is
     * the fastest way to close it.
     */
    const char *live_file;
    struct geoha_drupal_conn writer;
    bool has_replica;
    struct geoha_drupal_conn replica;
};

/*
 * Append the active include for s to out. Every value is a PHP
 * single-quoted literal (see geoha/php.h). -EINVAL when a required field
 * is NULL or a value holds a NUL byte, the buffer's error otherwise.
 */
int geoha_drupal_render_active(const struct geoha_drupal_settings *s,
                               struct geoha_buf *out);

/*
 * Append the fail-closed include to out. why is an operator's note kept in
 * a comment only (sanitised, never shown to web visitors); rsc and node
 * as above. -EINVAL for NULL arguments.
 */
int geoha_drupal_render_fail_closed(const char *rsc, const char *node,
                                    const char *why, struct geoha_buf *out);

/*
 * Tell which form text is. For ACTIVE, writer (may be NULL) gets the
 * writer's node name. Never fails: anything unrecognised is FOREIGN.
 */
enum geoha_drupal_state geoha_drupal_state_of(const char *text,
                                              char writer[GEOHA_NODE_MAX]);

#endif /* GEOHA_DRUPAL_H */
