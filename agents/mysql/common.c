/*
 * ocf:geoha:mysql — helpers both backends use.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "geoha/file.h"
#include "geoha/proc.h"

#include "mysql.h"

/*
 * crm_resource --locate (which honours CIB_file). Pacemaker's libraries
 * are not linked into the agent on purpose: loading them costs about 7 ms
 * of CPU on every exec, more than a whole native monitor.
 */
int
geoha__mysql_cluster_writer(const char *rsc, const struct geoha_deadline *d,
                            char writer[GEOHA_NODE_MAX])
{
    const char *argv[] = { "crm_resource",    "--locate", "--resource", rsc,
                           "--output-as=xml", NULL };
    const char *mark = "state=\"promoted\">";
    struct geoha_proc_result res = { 0 };
    const char *p;
    size_t n;
    int rc;

    rc = geoha_proc_run(argv, NULL, NULL, 65536, d, &res);
    if (rc != 0) {
        return rc;
    }
    rc = -ENOENT;
    p = res.out != NULL ? strstr(res.out, mark) : NULL;
    if (res.exit_code == 0 && p != NULL) {
        p += strlen(mark);
        n = strcspn(p, "<");
        if (n > 0 && n < GEOHA_NODE_MAX && p[n] == '<') {
            memcpy(writer, p, n);
            writer[n] = '\0';
            rc = 0;
        } else {
            rc = GEOHA_E_PROTOCOL;
        }
    }
    geoha_proc_result_clear(&res);
    return rc;
}

int
geoha__mysql_marker_read(const char *path, struct marker *m)
{
    char *text = NULL;
    int rc;

    memset(m, 0, sizeof(*m));
    rc = geoha_file_read(path, 4096, &text, NULL);
    if (rc == -ENOENT) {
        m->role = ROLE_NONE;
        return 0;
    }
    if (rc != 0) {
        return rc;
    }
    m->role =
        strstr(text, "role=promoted") != NULL ? ROLE_PROMOTED : ROLE_UNPROMOTED;
    {
        const char *p = strstr(text, "io_lost_ms=");

        if (p != NULL) {
            char num[32];
            size_t n = strcspn(p + 11, "\n");

            if (n < sizeof(num)) {
                memcpy(num, p + 11, n);
                num[n] = '\0';
                if (geoha_parse_ll(num, 0, INT64_MAX, &m->io_lost_ms) != 0) {
                    m->io_lost_ms = 0;
                }
            }
        }
    }
    free(text);
    return 0;
}

int
geoha__mysql_marker_write(const char *path, const struct marker *m)
{
    char text[128];
    char dir[PATH_MAX];
    char *slash;
    int rc;

    geoha_strlcpy(dir, path, sizeof(dir));
    slash = strrchr(dir, '/');
    if (slash != NULL && slash != dir) {
        *slash = '\0';
        rc = geoha_dir_ensure(dir, 0700);
        if (rc != 0) {
            return rc;
        }
    }
    rc = geoha_snprintf(text, sizeof(text), "role=%s\nio_lost_ms=%lld\n",
                        m->role == ROLE_PROMOTED ? "promoted" : "unpromoted",
                        m->io_lost_ms);
    if (rc != 0) {
        return rc;
    }
    return geoha_file_replace(path, text, strlen(text), (uid_t)-1, (gid_t)-1,
                              0600);
}
