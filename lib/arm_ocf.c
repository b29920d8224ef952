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
    static const char *const names[] = {
        GEOHA_ARM_P_AUTH,           GEOHA_ARM_P_TENANT,
        GEOHA_ARM_P_CLIENT_ID,      GEOHA_ARM_P_SECRET_FILE,
        GEOHA_ARM_P_TOKEN_FILE,     GEOHA_ARM_P_ARM_ENDPOINT,
        GEOHA_ARM_P_LOGIN_ENDPOINT, GEOHA_ARM_P_IMDS_ENDPOINT,
        GEOHA_ARM_P_CA_FILE,
    };
    struct geoha_arm_config tmp;

    if (err != NULL && errlen > 0) {
        err[0] = '\0';
    }
    if (ctx == NULL || cfg == NULL) {
        return -EINVAL;
    }
    geoha_arm_config_init(&tmp);
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        const char *v = geoha_param_str(ctx, names[i]);

        if (v == NULL || v[0] == '\0') {
            continue; /* keep the default */
        }
        if (geoha_arm_config_set(&tmp, names[i], v) != 0) {
            if (err != NULL) {
                geoha_snprintf(err, errlen, "Parameter %s='%s' is invalid",
                               names[i], v);
            }
            return GEOHA_E_CONFIG;
        }
    }
    *cfg = tmp;
    return 0;
}
