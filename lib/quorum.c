/* geoha: quorum as corosync sees it, asked once or followed. */
#include <errno.h>
#include <poll.h>
#include <time.h>
#include <string.h>

#include <corosync/quorum.h>

#include "geoha/quorum.h"
#include "geoha/util.h"

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

/* ---- the watch ---- */

/* What the notification tells; reached through the handle's context. */
struct watch_state {
    bool quorate;
    bool changed;
};

static void
on_quorum(quorum_handle_t handle, uint32_t quorate, uint64_t ring_seq,
          uint32_t n_nodes, uint32_t *nodes)
{
    const void *p = NULL;

    (void)ring_seq;
    (void)n_nodes;
    (void)nodes;
    if (quorum_context_get(handle, &p) == CS_OK && p != NULL) {
        struct watch_state *st = (struct watch_state *)p;

        st->quorate = quorate != 0;
        st->changed = true;
    }
}

static void
note(const struct geoha_quorum_watch *w, enum geoha_quorum_event ev,
     long long rc)
{
    if (w->note != NULL) {
        w->note(w->arg, ev, rc);
    }
}

/* Connect and start tracking; 0 with *fd, or -ENOTCONN. */
static int
watch_connect(quorum_handle_t *h, struct watch_state *st, int *fd)
{
    quorum_callbacks_t cb;
    uint32_t type = 0;
    int q = 0;

    memset(&cb, 0, sizeof(cb));
    cb.quorum_notify_fn = on_quorum;
    if (quorum_initialize(h, &cb, &type) != CS_OK) {
        return -ENOTCONN;
    }
    if (quorum_context_set(*h, st) != CS_OK
        || quorum_trackstart(*h, CS_TRACK_CHANGES) != CS_OK
        || quorum_fd_get(*h, fd) != CS_OK
        || quorum_getquorate(*h, &q) != CS_OK) {
        quorum_finalize(*h);
        return -ENOTCONN;
    }
    st->quorate = q != 0;
    st->changed = false;
    return 0;
}

int
geoha_quorum_watch(const struct geoha_quorum_watch *w)
{
    struct watch_state st = { .quorate = true };
    quorum_handle_t h = 0;
    bool connected = false;
    bool reached = false;   /* corosync answered at least once */
    bool open_state = true; /* nothing closed since the last quorate */
    int64_t lost_ms = 0;    /* monotonic: when the loss was seen */
    int64_t next_tick = 0;
    int64_t next_close = 0;
    int fd = -1;

    if (w == NULL || w->close == NULL || w->keep == NULL || w->stop == NULL
        || w->tick_ms <= 0 || w->retry_ms <= 0) {
        return -EINVAL;
    }
    while (!*w->stop) {
        int64_t now = geoha_now_ms();
        int64_t wait_ms;
        bool inquorate;

        if (now >= next_tick) {
            next_tick = now + w->tick_ms;
            if (!w->keep(w->arg)) {
                break;
            }
            if (!connected && watch_connect(&h, &st, &fd) == 0) {
                connected = true;
                reached = true;
                note(w, GEOHA_QUORUM_EV_REACHED, st.quorate ? 1 : 0);
            } else if (connected) {
                int q = 0;

                /* a missed notification cannot leave us open */
                if (quorum_getquorate(h, &q) != CS_OK) {
                    quorum_finalize(h);
                    connected = false;
                    fd = -1;
                    note(w, GEOHA_QUORUM_EV_DISCONNECTED, 0);
                } else {
                    st.quorate = q != 0;
                }
            }
        }
        inquorate = reached && (!connected || !st.quorate);
        if (inquorate && open_state && lost_ms == 0) {
            lost_ms = geoha_now_ms();
            if (connected) {
                note(w, GEOHA_QUORUM_EV_LOST, 0);
            }
            next_close = lost_ms;
        }
        if (!inquorate && lost_ms != 0) {
            lost_ms = 0;
            open_state = true;
            note(w, GEOHA_QUORUM_EV_REGAINED, 0);
        }
        now = geoha_now_ms();
        if (inquorate && open_state && now >= next_close) {
            int rc = w->close(w->arg);

            if (rc == 0) {
                open_state = false;
                note(w, GEOHA_QUORUM_EV_CLOSED, geoha_now_ms() - lost_ms);
            } else {
                note(w, GEOHA_QUORUM_EV_CLOSE_FAILED, rc);
                next_close = geoha_now_ms() + w->retry_ms;
            }
        }
        now = geoha_now_ms();
        wait_ms = next_tick - now;
        if (inquorate && open_state && next_close - now < wait_ms) {
            wait_ms = next_close - now;
        }
        if (wait_ms < 0) {
            wait_ms = 0;
        }
        if (connected) {
            struct pollfd p = { .fd = fd, .events = POLLIN };
            int n = poll(&p, 1, (int)wait_ms);

            if (n > 0) {
                if ((p.revents & (POLLERR | POLLHUP | POLLNVAL)) != 0
                    || quorum_dispatch(h, CS_DISPATCH_ALL) != CS_OK) {
                    quorum_finalize(h);
                    connected = false;
                    fd = -1;
                    note(w, GEOHA_QUORUM_EV_DISCONNECTED, 0);
                }
            }
        } else {
            struct timespec ts = { .tv_sec = wait_ms / 1000,
                                   .tv_nsec = (wait_ms % 1000) * 1000000L };

            nanosleep(&ts, NULL);
        }
    }
    if (connected) {
        quorum_finalize(h);
    }
    return 0;
}
