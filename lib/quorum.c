/* geoha: quorum as corosync sees it. */
#include <errno.h>
#include <string.h>

#include <corosync/quorum.h>

#include "geoha/quorum.h"

int
geoha_quorum_get(bool *quorate)
{
    quorum_handle_t handle;
    quorum_callbacks_t callbacks;
    uint32_t type = 0;
    int q = 0;
    cs_error_t err;

    if (quorate == NULL) {
        return -EINVAL;
    }
    memset(&callbacks, 0, sizeof(callbacks));
    if (quorum_initialize(&handle, &callbacks, &type) != CS_OK) {
        return -ENOTCONN;
    }
    err = quorum_getquorate(handle, &q);
    quorum_finalize(handle);
    if (err != CS_OK) {
        return -ENOTCONN;
    }
    *quorate = q != 0;
    return 0;
}
