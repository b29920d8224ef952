/*
 * ocf:geoha:mysql — helpers both backends use.
 */
#include <errno.h>
#include <string.h>

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
