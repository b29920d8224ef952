/* TEST-ONLY: an LD_PRELOAD library that gives a program (sbd) a watchdog
 * device on a machine that has none. Never install it.
 *
 * The program is pointed at a device path that does not exist
 * (GEOHA_WD_DEV, default /dev/watchdog-geoha). Opening that path connects
 * a unix socket to the emulator (tests/watchdog/wdemu, one per node,
 * listening on GEOHA_WD_SOCKET) and returns the socket as the device's
 * file descriptor; what the program then does with it becomes one line per
 * operation on that socket:
 *
 *   open PID          (answered "ok" or "busy": one opener, like the kernel)
 *   timeout N         WDIOC_SETTIMEOUT (also a keepalive, as in Linux)
 *   keepalive         WDIOC_KEEPALIVE
 *   write V|-         write(2) of anything (a keepalive); V: the data held
 *                     the magic close character, so a close now disarms
 *   disable / enable  WDIOC_SETOPTIONS WDIOS_DISABLECARD / ENABLECARD
 *   (end of stream)   close(2), or the process died
 *
 * What would reset the machine at once never reaches the kernel:
 * reboot(2) (RB_AUTOBOOT, RB_POWER_OFF, RB_HALT_SYSTEM, RB_KEXEC) and a
 * write of b/o/c to /proc/sysrq-trigger become "reset reboot|sysrq-X" to
 * the emulator, which powers the node off now; the caller then waits
 * forever, as a reset machine would never return (an opened
 * /proc/sysrq-trigger is a socket that starts with "sysrq PID"; the bytes
 * written after it are read by the emulator). /proc/sys/kernel/sysrq
 * reads "1" and swallows writes. stat/lstat/fstat of the device describe a
 * character device 10:130 (misc, watchdog). With GEOHA_WD_SYSLOG set,
 * syslog(3) lines go to that datagram socket instead of /dev/log (the
 * emulator keeps the program's lines next to its own; the nodes have no
 * syslog daemon).
 *
 * Only file descriptors this library made are handled; every other call
 * goes straight to libc.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/reboot.h>
#include <linux/watchdog.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_DEV "/dev/watchdog-geoha"
#define SYSRQ_TRIGGER "/proc/sysrq-trigger"
#define SYSRQ_ENABLE "/proc/sys/kernel/sysrq"
#define MAX_FD 4096
#define DEFAULT_TIMEOUT 60 /* softdog's default */

enum kind { K_NONE, K_WATCHDOG, K_SYSRQ };

static unsigned char kinds[MAX_FD];
static int wd_timeout = DEFAULT_TIMEOUT;
static struct timespec wd_fed;

#define REAL(name) real_##name
#define BIND(name)                                                             \
    do {                                                                       \
        if (!REAL(name))                                                       \
            *(void **)&REAL(name) = dlsym(RTLD_NEXT, #name);                   \
    } while (0)

static int (*REAL(open))(const char *, int, ...);
static int (*REAL(open64))(const char *, int, ...);
static int (*REAL(openat))(int, const char *, int, ...);
static int (*REAL(openat64))(int, const char *, int, ...);
static FILE *(*REAL(fopen))(const char *, const char *);
static FILE *(*REAL(fopen64))(const char *, const char *);
static int (*REAL(close))(int);
static ssize_t (*REAL(write))(int, const void *, size_t);
static int (*REAL(ioctl))(int, unsigned long, ...);
static int (*REAL(stat))(const char *, struct stat *);
static int (*REAL(lstat))(const char *, struct stat *);
static int (*REAL(fstat))(int, struct stat *);

static const char *
dev_path(void)
{
    const char *p = getenv("GEOHA_WD_DEV");
    return p && *p ? p : DEFAULT_DEV;
}

static enum kind
kind_of(int fd)
{
    return fd >= 0 && fd < MAX_FD ? (enum kind)kinds[fd] : K_NONE;
}

static void
send_line(int fd, const char *fmt, ...)
{
    char buf[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf - 1, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if (n > (int)sizeof buf - 2)
        n = (int)sizeof buf - 2;
    buf[n++] = '\n';
    /* never SIGPIPE: an emulator that went away is the emulator's story */
    (void)send(fd, buf, (size_t)n, MSG_NOSIGNAL);
}

/* A connected stream socket to the emulator, or -1 (errno set). */
static int
emu_connect(int cloexec)
{
    const char *path = getenv("GEOHA_WD_SOCKET");
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    size_t len = path ? strlen(path) : 0;
    if (len == 0 || len >= sizeof a.sun_path) {
        errno = ENODEV;
        return -1;
    }
    memcpy(a.sun_path, path, len + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | (cloexec ? SOCK_CLOEXEC : 0), 0);
    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        int e = errno;
        BIND(close);
        REAL(close)(fd);
        errno = e == ENOENT || e == ECONNREFUSED ? ENODEV : e;
        return -1;
    }
    return fd;
}

static int
open_watchdog(int flags)
{
    int fd = emu_connect(flags & O_CLOEXEC);
    if (fd < 0)
        return -1;
    if (fd >= MAX_FD) {
        REAL(close)(fd);
        errno = EMFILE;
        return -1;
    }
    send_line(fd, "open %ld", (long)getpid());
    /* the answer: "ok" or "busy" */
    char ans[16] = "";
    struct pollfd p = { .fd = fd, .events = POLLIN };
    ssize_t n = 0;
    if (poll(&p, 1, 5000) == 1)
        n = recv(fd, ans, sizeof ans - 1, 0);
    if (n <= 0 || strncmp(ans, "ok", 2) != 0) {
        REAL(close)(fd);
        errno = n > 0 && strncmp(ans, "busy", 4) == 0 ? EBUSY : EIO;
        return -1;
    }
    kinds[fd] = K_WATCHDOG;
    clock_gettime(CLOCK_MONOTONIC, &wd_fed);
    return fd;
}

/* /proc/sysrq-trigger: a socket to the emulator when it answers, else
 * /dev/null; either way nothing reaches the kernel. */
static int
open_sysrq(int flags)
{
    int fd = emu_connect(flags & O_CLOEXEC);
    if (fd < 0)
        return REAL(open)("/dev/null", O_WRONLY | (flags & O_CLOEXEC));
    /* from here on the emulator reads the raw bytes, whichever way they
     * are written (write, fprintf, fwrite) */
    send_line(fd, "sysrq %ld", (long)getpid());
    if (fd < MAX_FD)
        kinds[fd] = K_SYSRQ;
    return fd;
}

/* /proc/sys/kernel/sysrq: reads "1", writes vanish. */
static int
open_sysrq_enable(int flags)
{
    if ((flags & O_ACCMODE) != O_RDONLY)
        return REAL(open)("/dev/null", O_WRONLY | (flags & O_CLOEXEC));
    int fd = memfd_create("geoha-sysrq", flags & O_CLOEXEC ? MFD_CLOEXEC : 0);
    if (fd < 0)
        return -1;
    BIND(write);
    if (REAL(write)(fd, "1\n", 2) != 2 || lseek(fd, 0, SEEK_SET) != 0) {
        REAL(close)(fd);
        errno = EIO;
        return -1;
    }
    return fd;
}

/* The paths this library owns; -2 when PATH is someone else's. */
static int
maybe_open(const char *path, int flags)
{
    BIND(open);
    BIND(close);
    if (!path)
        return -2;
    if (strcmp(path, dev_path()) == 0)
        return open_watchdog(flags);
    if (strcmp(path, SYSRQ_TRIGGER) == 0)
        return open_sysrq(flags);
    if (strcmp(path, SYSRQ_ENABLE) == 0)
        return open_sysrq_enable(flags);
    return -2;
}

static mode_t
mode_arg(int flags, va_list ap)
{
    return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE
               ? (mode_t)va_arg(ap, int)
               : 0;
}

int
open(const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    mode_t mode = mode_arg(flags, ap);
    va_end(ap);
    int fd = maybe_open(path, flags);
    return fd != -2 ? fd : REAL(open)(path, flags, mode);
}

int
open64(const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    mode_t mode = mode_arg(flags, ap);
    va_end(ap);
    int fd = maybe_open(path, flags);
    BIND(open64);
    return fd != -2 ? fd : REAL(open64)(path, flags, mode);
}

int
openat(int dirfd, const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    mode_t mode = mode_arg(flags, ap);
    va_end(ap);
    int fd = path[0] == '/' ? maybe_open(path, flags) : -2;
    BIND(openat);
    return fd != -2 ? fd : REAL(openat)(dirfd, path, flags, mode);
}

int
openat64(int dirfd, const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    mode_t mode = mode_arg(flags, ap);
    va_end(ap);
    int fd = path[0] == '/' ? maybe_open(path, flags) : -2;
    BIND(openat64);
    return fd != -2 ? fd : REAL(openat64)(dirfd, path, flags, mode);
}

/* _FORTIFY_SOURCE builds call these */
int
__open_2(const char *path, int flags)
{
    return open(path, flags);
}

int
__open64_2(const char *path, int flags)
{
    return open(path, flags);
}

static int
fopen_flags(const char *mode)
{
    int f = strchr(mode, '+') ? O_RDWR : mode[0] == 'r' ? O_RDONLY : O_WRONLY;
    if (strchr(mode, 'e'))
        f |= O_CLOEXEC;
    return f;
}

static FILE *
maybe_fopen(const char *path, const char *mode, int *mine)
{
    *mine = 0;
    if (!path || !mode)
        return NULL;
    int fd = maybe_open(path, fopen_flags(mode));
    if (fd == -2)
        return NULL;
    *mine = 1;
    if (fd < 0)
        return NULL;
    FILE *f = fdopen(fd, mode[0] == 'a' ? "a" : mode);
    if (!f) {
        int e = errno;
        kinds[fd] = K_NONE;
        REAL(close)(fd);
        errno = e;
    }
    return f;
}

FILE *
fopen(const char *path, const char *mode)
{
    int mine;
    FILE *f = maybe_fopen(path, mode, &mine);
    BIND(fopen);
    return mine ? f : REAL(fopen)(path, mode);
}

FILE *
fopen64(const char *path, const char *mode)
{
    int mine;
    FILE *f = maybe_fopen(path, mode, &mine);
    BIND(fopen64);
    return mine ? f : REAL(fopen64)(path, mode);
}

int
close(int fd)
{
    BIND(close);
    if (kind_of(fd) != K_NONE)
        kinds[fd] = K_NONE; /* end of stream tells the emulator */
    return REAL(close)(fd);
}

/* glibc's fclose does not call close() through the PLT */
int
fclose(FILE *f)
{
    static int (*real_fclose)(FILE *);
    if (!real_fclose)
        *(void **)&real_fclose = dlsym(RTLD_NEXT, "fclose");
    if (f) {
        int fd = fileno(f);
        if (kind_of(fd) != K_NONE)
            kinds[fd] = K_NONE;
    }
    return real_fclose(f);
}

static void
feed(void)
{
    clock_gettime(CLOCK_MONOTONIC, &wd_fed);
}

ssize_t
write(int fd, const void *buf, size_t len)
{
    BIND(write);
    switch (kind_of(fd)) {
    case K_WATCHDOG:
        /* like the kernel: any write feeds; a 'V' in it expects close */
        send_line(fd, "write %c", len && memchr(buf, 'V', len) ? 'V' : '-');
        feed();
        return (ssize_t)len;
    default:
        return REAL(write)(fd, buf, len);
    }
}

int
ioctl(int fd, unsigned long req, ...)
{
    va_list ap;
    va_start(ap, req);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    BIND(ioctl);
    if (kind_of(fd) != K_WATCHDOG)
        return REAL(ioctl)(fd, req, arg);
    int *iarg = arg;
    switch (req) {
    case WDIOC_GETSUPPORT: {
        struct watchdog_info info = {
            .options =
                WDIOF_SETTIMEOUT | WDIOF_MAGICCLOSE | WDIOF_KEEPALIVEPING,
            .firmware_version = 0,
        };
        snprintf((char *)info.identity, sizeof info.identity,
                 "geoha test watchdog");
        if (!arg)
            goto efault;
        memcpy(arg, &info, sizeof info);
        return 0;
    }
    case WDIOC_GETSTATUS:
    case WDIOC_GETBOOTSTATUS:
        if (!iarg)
            goto efault;
        *iarg = 0;
        return 0;
    case WDIOC_SETOPTIONS:
        if (!iarg)
            goto efault;
        if (*iarg & WDIOS_DISABLECARD)
            send_line(fd, "disable");
        if (*iarg & WDIOS_ENABLECARD) {
            send_line(fd, "enable");
            feed();
        }
        return 0;
    case WDIOC_KEEPALIVE:
        send_line(fd, "keepalive");
        feed();
        return 0;
    case WDIOC_SETTIMEOUT:
        if (!iarg)
            goto efault;
        if (*iarg < 1 || *iarg > 3600) {
            errno = EINVAL;
            return -1;
        }
        wd_timeout = *iarg;
        send_line(fd, "timeout %d", wd_timeout);
        feed();
        return 0;
    case WDIOC_GETTIMEOUT:
        if (!iarg)
            goto efault;
        *iarg = wd_timeout;
        return 0;
    case WDIOC_GETTIMELEFT: {
        struct timespec t;
        if (!iarg)
            goto efault;
        clock_gettime(CLOCK_MONOTONIC, &t);
        long left = wd_timeout - (long)(t.tv_sec - wd_fed.tv_sec);
        *iarg = left > 0 ? (int)left : 0;
        return 0;
    }
    default:
        /* pretimeout, temperature: what a simple driver lacks */
        errno = EOPNOTSUPP;
        return -1;
    }
efault:
    errno = EFAULT;
    return -1;
}

static void
fake_chr(struct stat *st)
{
    memset(st, 0, sizeof *st);
    st->st_mode = S_IFCHR | 0600;
    st->st_rdev = makedev(10, 130);
    st->st_nlink = 1;
    st->st_blksize = 4096;
}

int
stat(const char *path, struct stat *st)
{
    BIND(stat);
    if (strcmp(path, dev_path()) == 0) {
        fake_chr(st);
        return 0;
    }
    return REAL(stat)(path, st);
}

int
lstat(const char *path, struct stat *st)
{
    BIND(lstat);
    if (strcmp(path, dev_path()) == 0) {
        fake_chr(st);
        return 0;
    }
    return REAL(lstat)(path, st);
}

int
fstat(int fd, struct stat *st)
{
    BIND(fstat);
    if (kind_of(fd) == K_WATCHDOG) {
        fake_chr(st);
        return 0;
    }
    return REAL(fstat)(fd, st);
}

/* syslog(3): glibc's own socket calls bypass the PLT, but libqb (sbd's
 * logging) calls syslog() across libraries, so the lines are caught here. */
static void
to_log(int pri, const char *fmt, va_list ap)
{
    static int fd = -1;
    const char *to = getenv("GEOHA_WD_SYSLOG");
    char msg[1024];
    int n = snprintf(msg, sizeof msg, "<%d>%s[%ld]: ", pri,
                     program_invocation_short_name, (long)getpid());
    if (n < 0 || n >= (int)sizeof msg)
        return;
    vsnprintf(msg + n, sizeof msg - (size_t)n, fmt, ap);
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    size_t len = strlen(to);
    if (len >= sizeof a.sun_path)
        return;
    memcpy(a.sun_path, to, len + 1);
    if (fd < 0)
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd >= 0)
        (void)sendto(fd, msg, strlen(msg), MSG_NOSIGNAL | MSG_DONTWAIT,
                     (struct sockaddr *)&a, sizeof a);
}

static int
log_redirected(void)
{
    const char *to = getenv("GEOHA_WD_SYSLOG");
    return to && *to;
}

void
vsyslog(int pri, const char *fmt, va_list ap)
{
    static void (*real_vsyslog)(int, const char *, va_list);
    if (log_redirected()) {
        to_log(pri, fmt, ap);
        return;
    }
    if (!real_vsyslog)
        *(void **)&real_vsyslog = dlsym(RTLD_NEXT, "vsyslog");
    real_vsyslog(pri, fmt, ap);
}

void
syslog(int pri, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsyslog(pri, fmt, ap);
    va_end(ap);
}

void
__syslog_chk(int pri, int flag, const char *fmt, ...)
{
    (void)flag;
    va_list ap;
    va_start(ap, fmt);
    vsyslog(pri, fmt, ap);
    va_end(ap);
}

void
__vsyslog_chk(int pri, int flag, const char *fmt, va_list ap)
{
    (void)flag;
    vsyslog(pri, fmt, ap);
}

int
reboot(int cmd)
{
    const char *what = (unsigned)cmd == (unsigned)RB_AUTOBOOT      ? "autoboot"
                       : (unsigned)cmd == (unsigned)RB_POWER_OFF   ? "power-off"
                       : (unsigned)cmd == (unsigned)RB_HALT_SYSTEM ? "halt"
                       : (unsigned)cmd == (unsigned)LINUX_REBOOT_CMD_KEXEC
                           ? "kexec"
                           : NULL;
    if (!what)
        return 0; /* Ctrl-Alt-Del settings: nothing to do here */
    int fd = emu_connect(1);
    if (fd >= 0)
        send_line(fd, "reset reboot-%s", what);
    else
        fprintf(stderr, "wdshim: reboot(2) not passed on, no emulator\n");
    for (;;)
        pause(); /* never the real reboot(2): it would reset the host */
}
