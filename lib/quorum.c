/* geoha: quorum as corosync sees it, asked once or followed. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

/*
 * Two threads. The worker is the only one that talks to corosync: it holds
 * the tracking connection, dispatches its notifications and asks
 * quorum_getquorate every tick (a missed notification cannot leave the
 * resource open). A call into corosync can block: libqb waits up to 2 s
 * for an answer before it looks whether the server is still there, and
 * as long as the server's socket lives (corosync stopped or stuck) it
 * waits again. So the worker marks every call with the time it began, and
 * the main thread, which never calls corosync, counts a call unanswered
 * for answer_ms as "corosync does not answer": inquorate. The main thread
 * alone asks keep() and calls close().
 */
struct watch_shared {
    pthread_mutex_t mu;
    int wake[2]; /* worker -> main: something changed */
    int halt[2]; /* main -> worker: end now */
    /* written by the worker under mu */
    bool reached;          /* corosync answered at least once */
    bool connected;        /* the tracking connection is up */
    bool quorate;          /* the last answer or notification */
    int64_t busy_since_ms; /* a corosync call in progress since; 0: none */
    int fd;                /* the tracking connection's descriptor, or -1 */
    unsigned gen;          /* counts the connections made */
    /* written by the main thread */
    volatile int stop;
    int64_t tick_ms;
};

/* What the notification tells; reached through the handle's context. */
static void
on_quorum(quorum_handle_t handle, uint32_t quorate, uint64_t ring_seq,
          uint32_t n_nodes, uint32_t *nodes)
{
    const void *p = NULL;

    (void)ring_seq;
    (void)n_nodes;
    (void)nodes;
    if (quorum_context_get(handle, &p) == CS_OK && p != NULL) {
        struct watch_shared *sh = (struct watch_shared *)p;

        pthread_mutex_lock(&sh->mu);
        sh->quorate = quorate != 0;
        pthread_mutex_unlock(&sh->mu);
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

static void
shared_busy(struct watch_shared *sh, bool busy)
{
    pthread_mutex_lock(&sh->mu);
    sh->busy_since_ms = busy ? geoha_now_ms() : 0;
    pthread_mutex_unlock(&sh->mu);
}

static void
shared_wake(struct watch_shared *sh)
{
    char c = 1;

    if (write(sh->wake[1], &c, 1) < 0) {
        /* the pipe is full: the main thread has wake-ups pending anyway */
    }
}

/* Connect and start tracking; 0 with *fd, or -ENOTCONN. */
static int
watch_connect(quorum_handle_t *h, struct watch_shared *sh, int *fd)
{
    quorum_callbacks_t cb;
    uint32_t type = 0;
    int q = 0;
    int rc = 0;

    memset(&cb, 0, sizeof(cb));
    cb.quorum_notify_fn = on_quorum;
    shared_busy(sh, true);
    if (quorum_initialize(h, &cb, &type) != CS_OK) {
        rc = -ENOTCONN;
    } else if (quorum_context_set(*h, sh) != CS_OK
               || quorum_trackstart(*h, CS_TRACK_CHANGES) != CS_OK
               || quorum_fd_get(*h, fd) != CS_OK
               || quorum_getquorate(*h, &q) != CS_OK) {
        quorum_finalize(*h);
        rc = -ENOTCONN;
    }
    pthread_mutex_lock(&sh->mu);
    sh->busy_since_ms = 0;
    if (rc == 0) {
        sh->quorate = q != 0;
        sh->fd = *fd;
        sh->gen++;
        sh->connected = true;
        sh->reached = true;
    }
    pthread_mutex_unlock(&sh->mu);
    return rc;
}

static void
worker_disconnect(quorum_handle_t h, struct watch_shared *sh)
{
    pthread_mutex_lock(&sh->mu);
    sh->connected = false;
    sh->fd = -1;
    pthread_mutex_unlock(&sh->mu);
    quorum_finalize(h);
}

static void *
watch_worker(void *arg)
{
    struct watch_shared *sh = arg;
    quorum_handle_t h = 0;
    bool connected = false;
    int64_t next_tick = 0;
    int fd = -1;

    while (!sh->stop) {
        int64_t now = geoha_now_ms();
        int64_t wait_ms;

        if (now >= next_tick) {
            next_tick = now + sh->tick_ms;
            if (!connected) {
                connected = watch_connect(&h, sh, &fd) == 0;
                if (connected) {
                    shared_wake(sh);
                }
            } else {
                int q = 0;
                cs_error_t err;

                shared_busy(sh, true);
                err = quorum_getquorate(h, &q);
                shared_busy(sh, false);
                if (err != CS_OK) {
                    worker_disconnect(h, sh);
                    connected = false;
                    fd = -1;
                } else {
                    pthread_mutex_lock(&sh->mu);
                    sh->quorate = q != 0;
                    pthread_mutex_unlock(&sh->mu);
                }
                shared_wake(sh);
            }
        }
        wait_ms = next_tick - geoha_now_ms();
        if (wait_ms < 0) {
            wait_ms = 0;
        }
        if (connected) {
            struct pollfd p[2] = { { .fd = fd, .events = POLLIN },
                                   { .fd = sh->halt[0], .events = POLLIN } };
            int n = poll(p, 2, (int)wait_ms);

            if (n > 0 && p[0].revents != 0) {
                bool gone =
                    (p[0].revents & (POLLERR | POLLHUP | POLLNVAL)) != 0;

                if (!gone) {
                    shared_busy(sh, true);
                    gone = quorum_dispatch(h, CS_DISPATCH_ALL) != CS_OK;
                    shared_busy(sh, false);
                }
                if (gone) {
                    worker_disconnect(h, sh);
                    connected = false;
                    fd = -1;
                }
                shared_wake(sh);
            }
        } else {
            struct pollfd p = { .fd = sh->halt[0], .events = POLLIN };

            poll(&p, 1, (int)wait_ms);
        }
    }
    if (connected) {
        quorum_finalize(h);
    }
    return NULL;
}

/* Start the worker with SIGTERM/SIGINT blocked in it: the caller's
 * handlers must interrupt the main thread's wait. */
static int
worker_start(pthread_t *t, struct watch_shared *sh)
{
    sigset_t block, old;
    int rc;

    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    rc = pthread_create(t, NULL, watch_worker, sh);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc == 0 ? 0 : -rc;
}

static struct watch_shared *
shared_new(int64_t tick_ms)
{
    struct watch_shared *sh = calloc(1, sizeof(*sh));

    if (sh == NULL) {
        return NULL;
    }
    if (pipe2(sh->wake, O_CLOEXEC | O_NONBLOCK) != 0) {
        free(sh);
        return NULL;
    }
    if (pipe2(sh->halt, O_CLOEXEC | O_NONBLOCK) != 0) {
        close(sh->wake[0]);
        close(sh->wake[1]);
        free(sh);
        return NULL;
    }
    pthread_mutex_init(&sh->mu, NULL);
    sh->quorate = true;
    sh->fd = -1;
    sh->tick_ms = tick_ms;
    return sh;
}

static void
shared_free(struct watch_shared *sh)
{
    close(sh->wake[0]);
    close(sh->wake[1]);
    close(sh->halt[0]);
    close(sh->halt[1]);
    pthread_mutex_destroy(&sh->mu);
    free(sh);
}

/* End the worker (woken at once through the halt pipe); one stuck in a
 * call to corosync is left behind with the state it uses: the process
 * ends soon after. */
static void
worker_end(pthread_t t, struct watch_shared *sh)
{
    struct timespec ts;
    char c = 1;

    sh->stop = 1;
    if (write(sh->halt[1], &c, 1) < 0) {
        /* full: the worker is woken anyway */
    }
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += 1;
    if (pthread_timedjoin_np(t, NULL, &ts) == 0) {
        shared_free(sh);
    } else {
        pthread_detach(t);
    }
}

int
geoha_quorum_watch(const struct geoha_quorum_watch *w)
{
    struct watch_shared *sh;
    pthread_t worker;
    bool open_state = true; /* nothing closed since the last quorate */
    bool was_connected = false;
    bool was_silent = false;
    unsigned hup_gen = 0; /* the connection whose socket closed */
    int64_t lost_ms = 0;  /* monotonic: when the loss was seen */
    int64_t next_tick = 0;
    int64_t next_close = 0;

    if (w == NULL || w->close == NULL || w->keep == NULL || w->stop == NULL
        || w->tick_ms <= 0 || w->retry_ms <= 0 || w->answer_ms <= 0) {
        return -EINVAL;
    }
    if (*w->stop != 0) {
        return 0;
    }
    sh = shared_new(w->tick_ms);
    if (sh == NULL) {
        return -ENOMEM;
    }
    if (worker_start(&worker, sh) != 0) {
        shared_free(sh);
        return -EAGAIN;
    }
    while (!*w->stop) {
        int64_t now = geoha_now_ms();
        int64_t wait_ms;
        int64_t busy_since;
        bool reached, connected, quorate, silent, inquorate;
        struct pollfd p[2];
        char drain[64];
        int fd;
        unsigned gen;

        if (now >= next_tick) {
            next_tick = now + w->tick_ms;
            if (!w->keep(w->arg)) {
                break;
            }
        }
        pthread_mutex_lock(&sh->mu);
        reached = sh->reached;
        connected = sh->connected;
        quorate = sh->quorate;
        busy_since = sh->busy_since_ms;
        fd = sh->fd;
        gen = sh->gen;
        pthread_mutex_unlock(&sh->mu);
        /* the worker may be blocked in a call while corosync's socket
         * closes: seen here at once (the poll below) */
        connected = connected && hup_gen != gen;
        now = geoha_now_ms();
        silent = busy_since != 0 && now - busy_since >= w->answer_ms;
        if (connected && !was_connected) {
            note(w, GEOHA_QUORUM_EV_REACHED, quorate ? 1 : 0);
        }
        if (reached && was_connected && !connected) {
            note(w, GEOHA_QUORUM_EV_DISCONNECTED, 0);
        }
        if (reached && silent && !was_silent) {
            note(w, GEOHA_QUORUM_EV_SILENT, now - busy_since);
        }
        was_connected = connected;
        was_silent = silent;
        inquorate = reached && (!connected || !quorate || silent);
        if (inquorate && open_state && lost_ms == 0) {
            lost_ms = now;
            if (connected && !silent) {
                note(w, GEOHA_QUORUM_EV_LOST, 0);
            }
            next_close = lost_ms;
        }
        if (!inquorate && lost_ms != 0) {
            lost_ms = 0;
            open_state = true;
            note(w, GEOHA_QUORUM_EV_REGAINED, 0);
        }
        if (inquorate && open_state && geoha_now_ms() >= next_close) {
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
        if (busy_since != 0 && !silent
            && busy_since + w->answer_ms - now < wait_ms) {
            wait_ms = busy_since + w->answer_ms - now;
        }
        if (wait_ms < 0) {
            wait_ms = 0;
        }
        p[0].fd = sh->wake[0];
        p[0].events = POLLIN;
        p[0].revents = 0;
        p[1].fd = connected ? fd : -1; /* hang-up and errors only */
        p[1].events = 0;
        p[1].revents = 0;
        if (poll(p, 2, (int)wait_ms) > 0) {
            while (read(sh->wake[0], drain, sizeof(drain)) > 0) {
            }
            if ((p[1].revents & (POLLHUP | POLLERR)) != 0) {
                hup_gen = gen;
            }
        }
    }
    worker_end(worker, sh);
    return 0;
}
