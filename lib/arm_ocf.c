/*
 * geoha ARM client: the configuration from an OCF agent's parameters
 * (GEOHA_ARM_PARAMS). Kept apart so that non-OCF users of the client
 * (fence_geoha) do not link the OCF core.
 */
#include <errno.h>
#include <string.h>

#include "geoha/ocf.h"

#include "arm_int.h"

int
geoha_arm_config_from_ctx(const struct geoha_ctx *ctx,
                          struct geoha_arm_config *cfg, char *err,
                          size_t errlen)
{
    struct geoha_arm_config tmp;
    const char *name;

    if (err != NULL && errlen > 0) {
        err[0] = '\0';
    }
    if (ctx == NULL || cfg == NULL) {
        return -EINVAL;
    }
    geoha_arm_config_init(&tmp);
    for (size_t i = 0; (name = geoha_arm_param_name(i)) != NULL; i++) {
        const char *v = geoha_param_str(ctx, name);

        if (v == NULL || v[0] == '\0') {
            continue; /* keep the default */
        }
        if (geoha_arm_config_set(&tmp, name, v) != 0) {
            if (err != NULL) {
                geoha_snprintf(err, errlen, "Parameter %s='%s' is invalid",
                               name, v);
            }
            return GEOHA_E_CONFIG;
        }
    }
    *cfg = tmp;
    return 0;
}

/*
 * Exit codes (issue 17 item 9): OCF_ERR_CONFIGURED keeps the resource off
 * every node, so it is only for the parameters' own values (an endpoint
 * that is not a URL or uses plain http, credentials in a URL, an auth
 * without what it needs). The secret, token and CA files are this node's
 * files: missing, unreadable or readable by others is a hard error on this
 * node only, OCF_ERR_INSTALLED. The two are told apart by checking without
 * the files first.
 */
int
geoha_arm_ocf_check(const struct geoha_ctx *ctx, bool files)
{
    struct geoha_arm_config cfg;
    char err[512] = "";
    int rc;

    rc = geoha_arm_config_from_ctx(ctx, &cfg, err, sizeof(err));
    if (rc == 0) {
        rc = geoha_arm_config_check(&cfg, false, err, sizeof(err));
    }
    if (rc != 0) {
        geoha_exit_reason("%s", err[0] != '\0' ? err : geoha_strerror(rc));
        return (rc == GEOHA_E_CONFIG || rc == GEOHA_E_INSECURE)
                   ? OCF_ERR_CONFIGURED
                   : geoha_ocf_from_result(rc);
    }
    if (!files) {
        return OCF_SUCCESS;
    }
    rc = geoha_arm_config_check(&cfg, true, err, sizeof(err));
    if (rc != 0) {
        geoha_exit_reason("%s", err[0] != '\0' ? err : geoha_strerror(rc));
        return OCF_ERR_INSTALLED;
    }
    return OCF_SUCCESS;
}

static void
debug_to_log(void *arg, const char *line)
{
    (void)arg;
    geoha_debug("arm: %s", line);
}

int
geoha_arm_ocf_open(const struct geoha_ctx *ctx, struct geoha_arm_client **out)
{
    struct geoha_arm_config cfg;
    char err[512] = "";
    int rc;

    rc = geoha_arm_config_from_ctx(ctx, &cfg, err, sizeof(err));
    if (rc == 0) {
        cfg.debug_fn = debug_to_log;
        rc = geoha_arm_client_new(&cfg, err, sizeof(err), out);
    }
    if (rc != 0) {
        geoha_exit_reason("Cannot set up the Azure client: %s",
                          err[0] != '\0' ? err : geoha_strerror(rc));
        /* The client checks the parameters' values (not the files):
         * those are wrong everywhere. A token cache directory with the
         * wrong owner, mode or a symbolic link (-EACCES) is this node's. */
        if (rc == GEOHA_E_CONFIG || rc == GEOHA_E_INSECURE) {
            return OCF_ERR_CONFIGURED;
        }
        return rc == -EACCES ? OCF_ERR_INSTALLED : OCF_ERR_GENERIC;
    }
    return OCF_SUCCESS;
}
