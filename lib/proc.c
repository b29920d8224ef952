/* geoha: run a helper program with an argument vector, bounded. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "geoha/file.h"
#include "geoha/proc.h"

extern char **environ;

#define KILL_GRACE_MS 1000

struct sink {
    int fd;
    struct geoha_buf buf;
    size_t max;
};

static void
drain(struct sink *s)
{
    char chunk[4096];
    ssize_t n = read(s->fd, chunk, sizeof(chunk));

    if (n > 0) {
        size_t room = (s->buf.len < s->max) ? s->max - s->buf.len : 0;
        size_t take = ((size_t)n < room) ? (size_t)n : room;

        if (take > 0) {
            geoha_buf_append(&s->buf, chunk, take);
        }
    } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
        close(s->fd);
        s->fd = -1;
    }
}

static char **
build_env(const char *const extra[])
{
    size_t n_env = 0;
    size_t n_extra = 0;
    size_t k = 0;
    char **env;

    while (environ[n_env] != NULL) {
        n_env++;
    }
    while (extra != NULL && extra[n_extra] != NULL) {
        n_extra++;
    }
    env = calloc(n_env + n_extra + 1, sizeof(*env));
    if (env == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < n_env; i++) {
        bool overridden = false;
        const char *eq = strchr(environ[i], '=');
        size_t name_len = eq ? (size_t)(eq - environ[i]) : strlen(environ[i]);

        for (size_t j = 0; j < n_extra; j++) {
            if (strncmp(extra[j], environ[i], name_len) == 0
                && extra[j][name_len] == '=') {
                overridden = true;
            }
        }
        if (!overridden) {
            env[k++] = environ[i];
        }
    }
    for (size_t j = 0; j < n_extra; j++) {
        env[k++] = (char *)extra[j];
    }
    return env;
}

int
geoha_proc_run(const char *const argv[], const char *const extra_env[],
               const char *in, size_t max_out, const struct geoha_deadline *d,
               struct geoha_proc_result *res)
{
    int out_pipe[2] = { -1, -1 };
    int err_pipe[2] = { -1, -1 };
    int in_pipe[2] = { -1, -1 };
    int exec_pipe[2] = { -1, -1 };
    struct sink sinks[2];
    char **env = NULL;
    pid_t pid = -1;
    int status = 0;
    int exec_errno = 0;
    bool timed_out = false;
    int rc = 0;

    if (argv == NULL || argv[0] == NULL || res == NULL || d == NULL) {
        return -EINVAL;
    }
    memset(sinks, 0, sizeof(sinks));
    sinks[0].fd = sinks[1].fd = -1;
    env = build_env(extra_env);
    if (env == NULL) {
        return -ENOMEM;
    }
    if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0
        || pipe2(in_pipe, O_CLOEXEC) != 0 || pipe2(exec_pipe, O_CLOEXEC) != 0) {
        rc = -errno;
        goto done;
    }
    pid = fork();
    if (pid < 0) {
        rc = -errno;
        goto done;
    }
    if (pid == 0) {
        int e;

        dup2(in_pipe[0], STDIN_FILENO);
        dup2(out_pipe[1], STDOUT_FILENO);
        dup2(err_pipe[1], STDERR_FILENO);
        setpgid(0, 0);
        if (strchr(argv[0], '/') != NULL) {
            execve(argv[0], (char *const *)argv, env);
        } else {
            environ = env;
            execvp(argv[0], (char *const *)argv);
        }
        e = errno;
        (void)!write(exec_pipe[1], &e, sizeof(e));
        _exit(127);
    }
    close(in_pipe[0]);
    in_pipe[0] = -1;
    close(out_pipe[1]);
    out_pipe[1] = -1;
    close(err_pipe[1]);
    err_pipe[1] = -1;
    close(exec_pipe[1]);
    exec_pipe[1] = -1;
    if (read(exec_pipe[0], &exec_errno, sizeof(exec_errno))
        == (ssize_t)sizeof(exec_errno)) {
        waitpid(pid, &status, 0);
        pid = -1;
        rc = -exec_errno;
        goto done;
    }
    if (in != NULL) {
        /* Small inputs only (key=value lines): fits in the pipe buffer. */
        size_t len = strlen(in);
        const char *p = in;

        signal(SIGPIPE, SIG_IGN);
        while (len > 0) {
            ssize_t n = write(in_pipe[1], p, len);

            if (n <= 0) {
                break;
            }
            p += n;
            len -= (size_t)n;
        }
    }
    close(in_pipe[1]);
    in_pipe[1] = -1;

    sinks[0].fd = out_pipe[0];
    sinks[1].fd = err_pipe[0];
    out_pipe[0] = err_pipe[0] = -1;
    for (int i = 0; i < 2; i++) {
        geoha_buf_init(&sinks[i].buf, max_out + 1);
        sinks[i].max = max_out;
    }
    while (sinks[0].fd >= 0 || sinks[1].fd >= 0) {
        struct pollfd pfd[2];
        int64_t left = geoha_deadline_left_ms(d);
        int n;

        if (left == 0) {
            timed_out = true;
            break;
        }
        for (int i = 0; i < 2; i++) {
            pfd[i].fd = sinks[i].fd;
            pfd[i].events = POLLIN;
            pfd[i].revents = 0;
        }
        n = poll(pfd, 2, left > 1000 ? 1000 : (int)left);
        if (n < 0 && errno != EINTR) {
            rc = -errno;
            break;
        }
        for (int i = 0; i < 2; i++) {
            if (sinks[i].fd >= 0 && (pfd[i].revents & (POLLIN | POLLHUP))) {
                drain(&sinks[i]);
            }
        }
    }
    if (timed_out) {
        int64_t until;

        kill(-pid, SIGTERM);
        kill(pid, SIGTERM);
        until = geoha_now_ms() + KILL_GRACE_MS;
        while (waitpid(pid, &status, WNOHANG) == 0) {
            if (geoha_now_ms() >= until) {
                kill(-pid, SIGKILL);
                kill(pid, SIGKILL);
                waitpid(pid, &status, 0);
                break;
            }
            usleep(10000);
        }
        pid = -1;
        rc = GEOHA_E_DEADLINE;
        goto done;
    }
    /* Output closed: the program is ending; wait for it within the
     * deadline too (it may have closed its output and kept running). */
    while (waitpid(pid, &status, WNOHANG) == 0) {
        if (geoha_deadline_expired(d)) {
            kill(-pid, SIGKILL);
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            pid = -1;
            rc = GEOHA_E_DEADLINE;
            goto done;
        }
        usleep(2000);
    }
    pid = -1;
    if (rc != 0) {
        goto done;
    }
    memset(res, 0, sizeof(*res));
    res->exit_code =
        WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    res->out_len = sinks[0].buf.len;
    res->out = geoha_buf_steal(&sinks[0].buf);
    res->err_len = sinks[1].buf.len;
    res->err = geoha_buf_steal(&sinks[1].buf);

done:
    for (int i = 0; i < 2; i++) {
        if (sinks[i].fd >= 0) {
            close(sinks[i].fd);
        }
        geoha_buf_clear(&sinks[i].buf);
    }
    int *fds[] = { out_pipe, err_pipe, in_pipe, exec_pipe };
    for (size_t i = 0; i < 4; i++) {
        for (int j = 0; j < 2; j++) {
            if (fds[i][j] >= 0) {
                close(fds[i][j]);
            }
        }
    }
    if (pid > 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
    }
    free(env);
    return rc;
}

void
geoha_proc_result_clear(struct geoha_proc_result *res)
{
    if (res == NULL) {
        return;
    }
    free(res->out);
    free(res->err);
    memset(res, 0, sizeof(*res));
}

/* ---- resident helpers ---- */

int
geoha_proc_spawn_self(const char *argv0, const char *action,
                      const char *log_path)
{
    char exe[PATH_MAX];
    ssize_t n;
    pid_t pid;
    int status;

    n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0) {
        return -errno;
    }
    exe[n] = '\0';
    pid = fork();
    if (pid < 0) {
        return -errno;
    }
    if (pid == 0) {
        char *const argv[] = { (char *)argv0, (char *)action, NULL };
        int null_fd;
        int log_fd = -1;

        if (fork() != 0) {
            _exit(0);
        }
        setsid();
        null_fd = open("/dev/null", O_RDWR);
        if (log_path != NULL && log_path[0] == '/') {
            log_fd =
                open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
        }
        if (log_fd < 0) {
            log_fd = null_fd;
        }
        dup2(null_fd, STDIN_FILENO);
        dup2(log_fd, STDOUT_FILENO);
        dup2(log_fd, STDERR_FILENO);
        /* Pacemaker's descriptors are not ours to keep open. */
        for (int fd = 3; fd < 1024; fd++) {
            close(fd);
        }
        umask(077);
        if (chdir("/") != 0) {
            _exit(127);
        }
        execv(exe, argv);
        _exit(127);
    }
    if (waitpid(pid, &status, 0) < 0) {
        return -errno;
    }
    return 0;
}

bool
geoha_proc_self_alive(pid_t pid, const char *action)
{
    char path[64];
    char *text = NULL;
    size_t len = 0;
    bool ok = false;

    if (pid <= 1 || action == NULL || kill(pid, 0) != 0) {
        return false;
    }
    if (geoha_snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid) == 0
        && geoha_file_read(path, 4096, &text, &len) == 0) {
        const char *close_paren = strrchr(text, ')');

        ok = close_paren != NULL && close_paren[1] == ' '
             && close_paren[2] != 'Z' && close_paren[2] != 'X';
        free(text);
        text = NULL;
    }
    if (ok
        && geoha_snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid) == 0
        && geoha_file_read(path, 8192, &text, &len) == 0) {
        size_t first = strnlen(text, len);

        ok = first + 1 < len && strcmp(text + first + 1, action) == 0;
        free(text);
    }
    return ok;
}

int
geoha_proc_pid_read(const char *path, pid_t *pid)
{
    char *text = NULL;
    long long v;
    int rc;

    rc = geoha_file_read(path, 64, &text, NULL);
    if (rc != 0) {
        return rc;
    }
    geoha_strtrim(text);
    rc = geoha_parse_ll(text, 2, INT32_MAX, &v);
    free(text);
    if (rc != 0) {
        return GEOHA_E_PARSE;
    }
    *pid = (pid_t)v;
    return 0;
}

int
geoha_proc_pid_write(const char *path)
{
    char text[32];
    int rc;

    rc = geoha_snprintf(text, sizeof(text), "%d\n", (int)getpid());
    if (rc != 0) {
        return rc;
    }
    return geoha_file_replace(path, text, strlen(text), (uid_t)-1, (gid_t)-1,
                              0600);
}
