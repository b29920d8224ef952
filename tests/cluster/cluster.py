#!/usr/bin/env python3
"""geoha's real two-region cluster on one machine (Python 3 stdlib only).

Topology (every name carries PREFIX, "gh-" by default, so nothing else on the
machine is touched; GEOHA_CLUSTER_PREFIX changes it):

    netns PREFIXsw: bridge br0
      port PREFIXci      <-> netns PREFIXci      eth0 10.99.0.1  node ci
      port PREFIXsi      <-> netns PREFIXsi      eth0 10.99.0.2  node si
      port PREFIXwitness <-> netns PREFIXwitness eth0 10.99.0.3  corosync-qnetd
      port PREFIXazure   <-> netns PREFIXazure   eth0 10.99.0.4  mock Azure

ci, si and witness also get their own mount + UTS namespace (bound to files
under STATE/ns), with private /run and /dev/shm and the node's persistent
folders (STATE/nodes/HOST/...) bound over /etc/corosync, /var/lib/corosync,
/var/lib/pacemaker, /var/log, /etc/hosts, /var/lib/mysql and /srv. Every
command for a node runs through nsenter into all three namespaces.

Processes: only those this module starts are tracked; a node is "killed" by
SIGKILLing exactly the processes whose network namespace is the node's
(compared by namespace inode), never by process name.

STATE is /var/tmp/geoha-cluster/PREFIX (fixed so that leftovers of a crashed
run are found and removed by the next one); a lock file serialises runs that
use the same prefix.
"""
import fcntl
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.environ.get("GEOHA_TOP") or os.path.dirname(os.path.dirname(HERE))
BUILD = os.environ.get("GEOHA_BUILD") or os.path.join(TOP, "build")
CRM_CONFIG = os.path.join(TOP, "crm-config")
# The shipped renderer (crm-config/geoha-render.c), built by make.
RENDER = os.path.join(BUILD, "geoha-render")

NODES = ("ci", "si")
ADDR = {"ci": "10.99.0.1", "si": "10.99.0.2", "witness": "10.99.0.3",
        "azure": "10.99.0.4"}
NODEID = {"ci": 1, "si": 2}
HOSTS = ("ci", "si", "witness", "azure")
MOUNT_HOSTS = ("ci", "si", "witness")   # hosts with their own mount ns
CLUSTER_NAME = "geoha-test"
AZURE_PORT = 8080          # the mock Azure's port (own namespace: free)
PATH = "/usr/sbin:/usr/bin:/sbin:/bin"
# issue 18: how long a node takes from a power-on request (fencing's
# reboot, a watchdog reset, the mock's VM start) until its stack starts.
# No Azure VM boots in less (the ARM start alone takes tens of seconds);
# with the 1 s this used to be, a fenced node could join again before the
# survivor had announced the fencing result, and its controller then stops
# for good ("We were allegedly just fenced"). GEOHA_BOOT_S overrides it;
# tests/cluster/README.md explains the value.
BOOT_S_DEFAULT = 10.0


def built(rel):
    """The built program REL under build/ (BUILD/REL, or BUILD/REL/NAME when
    REL is also the folder of its objects), or None."""
    for p in (os.path.join(BUILD, rel),
              os.path.join(BUILD, rel, os.path.basename(rel))):
        if os.path.isfile(p) and os.access(p, os.X_OK):
            return p
    return None


def wdshim():
    """TEST-ONLY: the watchdog emulation's LD_PRELOAD shim for sbd
    (tests/watchdog), BUILD/tests/watchdog/wdshim.so; built here when make
    has not (make check-build does). None when it cannot be built."""
    so = os.path.join(BUILD, "tests", "watchdog", "wdshim.so")
    if os.path.isfile(so):
        return so
    os.makedirs(os.path.dirname(so), exist_ok=True)
    r = subprocess.run([os.environ.get("CC", "cc"), "-std=gnu11", "-Wall",
                        "-D_GNU_SOURCE", "-O2", "-shared", "-fPIC", "-o", so,
                        os.path.join(TOP, "tests", "watchdog", "wdshim.c"),
                        "-ldl"], capture_output=True)
    return so if r.returncode == 0 and os.path.isfile(so) else None


def fence_profile():
    """("fence_geoha", crm file, overlay) when fence_geoha is built and the
    mock Azure exists (GEOHA_FENCE=testonly forces the test-only agent),
    else the test-only profile."""
    fg = built("fence_geoha")
    mock = os.path.join(TOP, "tests", "mock-azure", "mock_azure.py")
    if fg and os.path.exists(mock) and \
            os.environ.get("GEOHA_FENCE", "") != "testonly":
        return ("fence_geoha", os.path.join(HERE, "stateful-fence_geoha.crm"),
                {"sbin/fence_geoha": fg})
    return ("testonly", os.path.join(HERE, "stateful.crm"), {})


def now():
    return time.monotonic()


# corosync's votequorum lines about this node's quorum (timestamp: hires)
COROSYNC_QUORUM_RE = re.compile(
    r"^(\w{3} +\d+ \d\d:\d\d:\d\d)\.(\d{3}) \[\d+\] \S+ corosync "
    r"\w+ +\[QUORUM\] (.*)$")
QUORUM_LOST = "This node is within the non-primary component"
QUORUM_OK = "This node is within the primary component"
QUORUM_START = "Using quorum provider"


QUIET = False   # the demo prints its own timeline


def log(msg):
    if QUIET:
        return
    sys.stderr.write(f"# {time.strftime('%H:%M:%S')} {msg}\n")
    sys.stderr.flush()


class HarnessError(Exception):
    pass


def run(argv, timeout=30, check=True, input=None, env=None):
    """Run a program (argv, never a shell string); returns CompletedProcess."""
    try:
        r = subprocess.run(argv, capture_output=True, text=True,
                           timeout=timeout, input=input, env=env,
                           stdin=None if input is not None else
                           subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise HarnessError(f"timed out after {timeout}s: {' '.join(argv)}")
    if check and r.returncode != 0:
        raise HarnessError(f"{' '.join(argv)} exited {r.returncode}: "
                           f"{(r.stderr or r.stdout).strip()[-600:]}")
    return r


def wait_for(pred, timeout, interval=0.2, what="condition"):
    """Polls pred() until it returns a true value; raises after timeout."""
    deadline = now() + timeout
    while True:
        v = pred()
        if v:
            return v
        if now() >= deadline:
            raise HarnessError(f"timed out after {timeout}s waiting for "
                               f"{what}")
        time.sleep(interval)


def netns_inode(name):
    return os.stat(f"/run/netns/{name}").st_ino


def pids_in_netns(inode):
    want = f"net:[{inode}]"
    out = []
    me = os.getpid()
    for d in os.listdir("/proc"):
        if not d.isdigit() or int(d) == me:
            continue
        try:
            if os.readlink(f"/proc/{d}/ns/net") == want:
                out.append(int(d))
        except OSError:
            continue
    return out


def is_mountpoint(path):
    with open("/proc/self/mountinfo") as f:
        for line in f:
            if line.split()[4] == path:
                return True
    return False


def umount_quiet(path):
    if os.path.lexists(path):
        subprocess.run(["umount", "-l", path], capture_output=True,
                       timeout=10)


class Cluster:
    """One harness cluster. Typical use:

        c = Cluster(logdir=...)
        c.create()            # cleanup leftovers, network, nodes, stack
        c.wait_promoted("ci")
        c.kill("ci") ...
        c.teardown()
    """

    def __init__(self, logdir=None, prefix=None, crm=None, tls=True,
                 values=None, reboot_delay=None, overlay_extra=None,
                 azure=False, watchdog=None):
        self.prefix = prefix or os.environ.get("GEOHA_CLUSTER_PREFIX", "gh-")
        if not self.prefix.replace("-", "").isalnum() or \
                len(self.prefix) > 4:
            raise HarnessError("prefix must be short and alphanumeric")
        self.state = f"/var/tmp/geoha-cluster/{self.prefix.rstrip('-')}"
        self.logdir = logdir or os.path.join(BUILD, "test-logs", "cluster",
                                             "adhoc")
        self.crm = crm or os.path.join(HERE, "stateful.crm")
        self.tls = tls
        self.values = dict(values or {})
        # the boot time after a power-on request (BOOT_S_DEFAULT)
        self.reboot_delay = float(
            reboot_delay if reboot_delay is not None else
            os.environ.get("GEOHA_BOOT_S", BOOT_S_DEFAULT))
        self.overlay_extra = overlay_extra or {}
        # the renderer and the shipped templates (geoha.params, corosync.conf,
        # sbd.default, ...): the build tree's; GeohaCluster(package=True)
        # points them into the unpacked .deb
        self.render_bin = RENDER
        self.crm_config = CRM_CONFIG
        self.azure = azure
        # issue 16: real sbd on every node under the emulated watchdog
        # (tests/watchdog); None = when the CIB uses watchdog fencing
        # (geoha.crm) and GEOHA_WATCHDOG is not 0
        self.watchdog = watchdog
        self.wdemu = {}            # host -> the node's wdemu (host side)
        self.procs = {h: [] for h in HOSTS}
        self.inodes = {}
        self.lock_fd = None
        self.mu = threading.RLock()
        self.events = []           # (t, text) timeline of harness actions
        self.wevents = []          # the same with wall-clock times
        self.power_off = set()     # hosts the harness considers off
        self.witness_down = False
        self._watch_stop = threading.Event()
        self._watcher = None
        self.t_zero = now()

    # ---------------------------------------------------------- naming
    def ns(self, host):
        return f"{self.prefix}{host}"

    @property
    def sw(self):
        return f"{self.prefix}sw"

    def port(self, host):
        return f"{self.prefix}{host}"

    def node_dir(self, host):
        return os.path.join(self.state, "nodes", host)

    def mnt_file(self, host):
        return os.path.join(self.state, "ns", f"mnt-{host}")

    def uts_file(self, host):
        return os.path.join(self.state, "ns", f"uts-{host}")

    def event(self, text):
        t = now()
        self.events.append((t, text))
        self.wevents.append((time.time(), text))
        log(text)
        return t

    # ---------------------------------------------------------- exec
    def nsargv(self, host):
        argv = ["nsenter", f"--net=/run/netns/{self.ns(host)}"]
        if host in MOUNT_HOSTS:
            argv += [f"--mount={self.mnt_file(host)}",
                     f"--uts={self.uts_file(host)}"]
        return argv + ["--"]

    def env(self, extra=None):
        e = {"PATH": PATH, "LANG": "C.UTF-8", "HOME": "/root",
             "PCMK_logfile": "/var/log/pacemaker/pacemaker.log",
             "PCMK_logfacility": "none",
             # the agents' quorum guards (no syslog inside a node)
             "GEOHA_GUARD_LOG": "/var/log/geoha-guard.log"}
        if extra:
            e.update(extra)
        return e

    def exec(self, host, argv, timeout=30, check=True, input=None,
             env=None):
        return run(self.nsargv(host) + list(argv), timeout=timeout,
                   check=check, input=input, env=self.env(env))

    def spawn(self, host, name, argv, env=None):
        """Starts a long-running program in HOST (nsenter execs it, so the
        pid recorded is the program's own)."""
        logf = os.path.join(self.node_dir(host) if host in MOUNT_HOSTS
                            else self.state, f"harness-{host}-{name}.out")
        if host in MOUNT_HOSTS:
            logf = os.path.join(self.node_dir(host), "var-log",
                                f"harness-{name}.out")
        with open(logf, "ab") as out:
            p = subprocess.Popen(self.nsargv(host) + list(argv),
                                 stdin=subprocess.DEVNULL, stdout=out,
                                 stderr=subprocess.STDOUT,
                                 env=self.env(env), start_new_session=True)
        with self.mu:
            self.procs[host].append((name, p))
        self._save_pids()
        return p

    def _save_pids(self):
        d = {h: [(n, p.pid) for n, p in ps] for h, ps in self.procs.items()}
        try:
            with open(os.path.join(self.state, "pids.json"), "w") as f:
                json.dump(d, f)
        except OSError:
            pass

    def reap(self):
        with self.mu:
            for h in HOSTS:
                self.procs[h] = [(n, p) for n, p in self.procs[h]
                                 if p.poll() is None]

    def pids(self, host):
        return pids_in_netns(self.inodes[host]) if host in self.inodes \
            else []

    def alive(self, host, name):
        with self.mu:
            return any(n == name and p.poll() is None
                       for n, p in self.procs[host])

    # ---------------------------------------------------------- cleanup
    def acquire_lock(self, timeout=120):
        os.makedirs("/var/tmp/geoha-cluster", exist_ok=True)
        path = f"/var/tmp/geoha-cluster/{self.prefix.rstrip('-')}.lock"
        self.lock_fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = now() + timeout
        while True:
            try:
                fcntl.flock(self.lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if now() > deadline:
                    raise HarnessError(f"another harness run holds {path}")
                time.sleep(0.5)

    def release_lock(self):
        if self.lock_fd is not None:
            os.close(self.lock_fd)
            self.lock_fd = None

    def cleanup_leftovers(self):
        """Removes everything a previous (possibly crashed) run with this
        prefix left: processes in its namespaces, mounts, namespaces,
        state."""
        r = run(["ip", "netns", "list"], check=False)
        names = [l.split()[0] for l in r.stdout.splitlines() if l.strip()]
        mine = [n for n in names if n.startswith(self.prefix)
                and n[len(self.prefix):] in HOSTS + ("sw",)]
        found = False
        for n in mine:
            try:
                ino = netns_inode(n)
            except OSError:
                continue
            deadline = now() + 10
            while True:
                pids = pids_in_netns(ino)
                if not pids or now() > deadline:
                    break
                found = True
                for p in pids:
                    try:
                        os.kill(p, signal.SIGKILL)
                    except OSError:
                        pass
                time.sleep(0.05)
        # the emulated watchdogs run on the host side: a crashed run's are
        # found by their pid files (and checked to be wdemu of this state)
        for h in NODES:
            pid = self._wdemu_pid(h)
            if pid:
                try:
                    os.kill(pid, signal.SIGKILL)
                    found = True
                except OSError:
                    pass
        if os.path.isdir(os.path.join(self.state, "ns")):
            for f in sorted(os.listdir(os.path.join(self.state, "ns"))):
                umount_quiet(os.path.join(self.state, "ns", f))
            umount_quiet(os.path.join(self.state, "ns"))
            found = True
        for n in mine:
            run(["ip", "netns", "del", n], check=False)
            found = True
        if os.path.isdir(self.state):
            shutil.rmtree(self.state, ignore_errors=True)
        if found:
            log(f"removed leftovers of an earlier run (prefix {self.prefix})")

    # ---------------------------------------------------------- network
    def create_network(self):
        run(["ip", "netns", "add", self.sw])
        run(["ip", "-n", self.sw, "link", "set", "lo", "up"])
        run(["ip", "-n", self.sw, "link", "add", "br0", "type", "bridge",
             "stp_state", "0"])
        run(["ip", "-n", self.sw, "link", "set", "br0", "up"])
        for h in HOSTS:
            ns = self.ns(h)
            run(["ip", "netns", "add", ns])
            self.inodes[h] = netns_inode(ns)
            run(["ip", "-n", self.sw, "link", "add", self.port(h), "type",
                 "veth", "peer", "name", "eth0", "netns", ns])
            run(["ip", "-n", ns, "link", "set", "lo", "up"])
            run(["ip", "-n", ns, "addr", "add", f"{ADDR[h]}/24", "dev",
                 "eth0"])
            run(["ip", "-n", ns, "link", "set", "eth0", "up"])
            run(["ip", "-n", self.sw, "link", "set", self.port(h), "master",
                 "br0", "up"])
        with open(os.path.join(self.state, "netns.json"), "w") as f:
            json.dump({h: self.inodes[h] for h in HOSTS}, f)

    # ---------------------------------------------------------- files
    def render(self, template, extra=None):
        vals = {"HARNESS_STATE": self.state,
                "ARM_ENDPOINT": f"http://127.0.0.1:{AZURE_PORT}",
                "IMDS_ENDPOINT": f"http://127.0.0.1:{AZURE_PORT}"}
        if not self.watchdog_on():
            # no sbd in the nodes (GEOHA_WATCHDOG=0): no watchdog fencing
            vals["STONITH_WATCHDOG_TIMEOUT"] = "0"
        vals.update(self.values)
        if extra:
            vals.update(extra)
        argv = [self.render_bin, "--profile", "test", "--params",
                os.path.join(self.crm_config, "geoha.params")]
        argv += [f"{k}={v}" for k, v in sorted(vals.items())]
        return run(argv + [template]).stdout

    def value(self, name):
        if name in self.values:
            return self.values[name]
        with open(os.path.join(self.crm_config, "geoha.params")) as f:
            for line in f:
                fl = line.split("#", 1)[0].split()
                if len(fl) == 3 and fl[0] == name:
                    return fl[2]
        raise HarnessError(f"no test value for {name}")

    def prepare_dirs(self):
        os.makedirs(self.state, mode=0o755)
        os.chmod(self.state, 0o755)
        os.makedirs(os.path.join(self.state, "ns"))
        run(["mount", "--bind", os.path.join(self.state, "ns"),
             os.path.join(self.state, "ns")])
        run(["mount", "--make-private", os.path.join(self.state, "ns")])
        os.makedirs(os.path.join(self.state, "power"))
        os.makedirs(os.path.join(self.state, "watchdog"))
        hosts = "127.0.0.1 localhost\n" + "".join(
            f"{ADDR[h]} {h}\n" for h in HOSTS)
        for h in MOUNT_HOSTS:
            d = self.node_dir(h)
            for sub in ("etc-corosync", "var-lib-corosync", "var-log",
                        "var-lib-mysql", "srv", "var-lib-pacemaker"):
                os.makedirs(os.path.join(d, sub))
            shutil.chown(os.path.join(d, "var-lib-mysql"), "mysql", "mysql")
            os.chmod(os.path.join(d, "var-lib-mysql"), 0o755)
            for sub in ("cib", "pengine", "blackbox", "cores"):
                p = os.path.join(d, "var-lib-pacemaker", sub)
                os.makedirs(p)
                shutil.chown(p, "hacluster", "haclient")
                os.chmod(p, 0o750)
            for sub in ("pacemaker", "corosync", "mysql"):
                os.makedirs(os.path.join(d, "var-log", sub))
            p = os.path.join(d, "var-log", "pacemaker")
            shutil.chown(p, "hacluster", "haclient")
            os.chmod(p, 0o770)
            shutil.chown(os.path.join(d, "var-log", "mysql"), "mysql",
                         "mysql")
            with open(os.path.join(d, "etc-hosts"), "w") as f:
                f.write(hosts)
        self.before_overlay()
        # read-only overlays: fence agents into /usr/sbin, OCF agents into
        # /usr/lib/ocf/resource.d (inside the node mount namespaces only)
        ov = os.path.join(self.state, "overlay")
        os.makedirs(os.path.join(ov, "sbin"))
        os.makedirs(os.path.join(ov, "ocf", "geoha"))
        shutil.copy2(os.path.join(HERE, "fence_testonly_kill"),
                     os.path.join(ov, "sbin", "fence_testonly_kill"))
        for name, src in self.overlay_extra.items():
            dst = os.path.join(ov, name)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copy2(src, dst)
            os.chmod(dst, 0o755)

    def write_corosync_conf(self):
        conf = self.render(os.path.join(self.crm_config, "corosync.conf"),
                           {"QDEVICE_TLS": "on" if self.tls else "off"})
        key = os.path.join(self.state, "authkey")
        run(["corosync-keygen", "-k", key])
        for h in NODES:
            d = os.path.join(self.node_dir(h), "etc-corosync")
            with open(os.path.join(d, "corosync.conf"), "w") as f:
                f.write(conf)
            shutil.copy2(key, os.path.join(d, "authkey"))
            os.chmod(os.path.join(d, "authkey"), 0o400)

    def crm_text(self):
        """The CIB configuration to load (crm shell syntax)."""
        return self.render(self.crm)

    def build_cib(self):
        """Renders the crm file and loads it with the crm shell into an empty
        CIB file, exactly as an admin's `crm configure load update` would;
        the result pre-seeds each node's cib.xml."""
        crm_text = self.crm_text()
        work = os.path.join(self.state, "cib-build")
        os.makedirs(work)
        crm_file = os.path.join(work, "config.crm")
        with open(crm_file, "w") as f:
            f.write(crm_text)
        cib = os.path.join(work, "cib.xml")
        r = run(["cibadmin", "--empty"])
        with open(cib, "w") as f:
            f.write(r.stdout)
        ov = os.path.join(self.state, "overlay")
        # crmsh checks every agent's metadata, so it runs where the agents
        # are visible: a private mount namespace with the same overlays.
        script = ('mount -t overlay gh-sbin -o "lowerdir=$1/sbin:/usr/sbin" '
                  '/usr/sbin && mount -t overlay gh-ocf -o '
                  '"lowerdir=$1/ocf:/usr/lib/ocf/resource.d" '
                  '/usr/lib/ocf/resource.d && '
                  'crm -F configure load update "$2"')
        r = run(["unshare", "--mount", "--propagation", "private", "sh",
                 "-c", script, "sh", ov, crm_file],
                env={"PATH": PATH, "CIB_file": cib, "HOME": "/root",
                     "LANG": "C.UTF-8"}, check=False, timeout=60)
        if r.returncode != 0 or "ERROR" in r.stderr:
            raise HarnessError(f"crm configure load update failed: "
                               f"{r.stderr.strip()[-1500:]}")
        for h in NODES:
            dst = os.path.join(self.node_dir(h), "var-lib-pacemaker", "cib",
                               "cib.xml")
            shutil.copy2(cib, dst)
            shutil.chown(dst, "hacluster", "haclient")
            os.chmod(dst, 0o600)

    # ---------------------------------------------------------- TLS
    _cert_cache = {}

    def setup_tls(self):
        """qnetd CA + server certificate on the witness, the cluster
        certificate on the nodes, as crm-config/witness.md describes.
        Generated once per process and copied into later clusters."""
        cache = Cluster._cert_cache.get(self.prefix)
        wdir = os.path.join(self.node_dir("witness"), "etc-corosync")
        if cache is None:
            t = now()
            cache = os.path.join(self.state, "..",
                                 f"{self.prefix.rstrip('-')}-certs")
            cache = os.path.abspath(cache)
            shutil.rmtree(cache, ignore_errors=True)
            self.exec("witness", ["corosync-qnetd-certutil", "-i"])
            ca = os.path.join(wdir, "qnetd", "nssdb", "qnetd-cacert.crt")
            tmp = os.path.join(self.state, "tls")
            os.makedirs(tmp)
            shutil.copy2(ca, os.path.join(tmp, "qnetd-cacert.crt"))
            n1 = NODES[0]
            n1dir = os.path.join(self.node_dir(n1), "etc-corosync")
            self.exec(n1, ["corosync-qdevice-net-certutil", "-i", "-c",
                           os.path.join(tmp, "qnetd-cacert.crt")])
            self.exec(n1, ["corosync-qdevice-net-certutil", "-r", "-n",
                           CLUSTER_NAME])
            crq = os.path.join(n1dir, "qdevice", "net", "nssdb",
                               "qdevice-net-node.crq")
            shutil.copy2(crq, os.path.join(tmp, "node.crq"))
            # the witness signs; the certificate lands in its nssdb folder
            self.exec("witness", ["corosync-qnetd-certutil", "-s", "-c",
                                  os.path.join(tmp, "node.crq"), "-n",
                                  CLUSTER_NAME])
            crt = os.path.join(tmp, f"cluster-{CLUSTER_NAME}.crt")
            shutil.copy2(os.path.join(wdir, "qnetd", "nssdb",
                                      f"cluster-{CLUSTER_NAME}.crt"), crt)
            self.exec(n1, ["corosync-qdevice-net-certutil", "-M", "-c", crt])
            p12 = os.path.join(n1dir, "qdevice", "net", "nssdb",
                               "qdevice-net-node.p12")
            for h in NODES[1:]:
                self.exec(h, ["corosync-qdevice-net-certutil", "-i", "-c",
                              os.path.join(tmp, "qnetd-cacert.crt")])
                self.exec(h, ["corosync-qdevice-net-certutil", "-m", "-c",
                              p12])
            os.makedirs(cache)
            shutil.copytree(os.path.join(wdir, "qnetd"),
                            os.path.join(cache, "witness", "qnetd"),
                            symlinks=True)
            for h in NODES:
                shutil.copytree(os.path.join(self.node_dir(h),
                                             "etc-corosync", "qdevice"),
                                os.path.join(cache, h, "qdevice"),
                                symlinks=True)
            Cluster._cert_cache[self.prefix] = cache
            self.tls_setup_s = now() - t
        else:
            # copytree keeps modes; ownership of the qnetd db matters
            shutil.copytree(os.path.join(cache, "witness", "qnetd"),
                            os.path.join(wdir, "qnetd"), symlinks=True)
            for h in NODES:
                shutil.copytree(os.path.join(cache, h, "qdevice"),
                                os.path.join(self.node_dir(h),
                                             "etc-corosync", "qdevice"),
                                symlinks=True)
            self.tls_setup_s = 0.0
        run(["chown", "-R", "root:coroqnetd", os.path.join(wdir, "qnetd")])

    # ---------------------------------------------------------- hosts
    def make_mount_ns(self, host):
        mf, uf = self.mnt_file(host), self.uts_file(host)
        for f in (mf, uf):
            umount_quiet(f)
            with open(f, "w"):
                pass
        overlay = os.path.join(self.state, "overlay") if host in NODES \
            else "-"
        run(["unshare", f"--mount={mf}", f"--uts={uf}", "--propagation",
             "private", "sh", os.path.join(HERE, "node-mounts.sh"), host,
             self.node_dir(host), overlay])

    def drop_mount_ns(self, host):
        umount_quiet(self.mnt_file(host))
        umount_quiet(self.uts_file(host))

    def start_witness(self):
        with self.mu:
            if self.alive("witness", "qnetd"):
                return
            args = ["corosync-qnetd", "-f", "-l", ADDR["witness"], "-p",
                    "5403"]
            if not self.tls:
                args[2:2] = ["-s", "off"]
            self.spawn("witness", "qnetd", args)
            self.witness_down = False
        wait_for(lambda: self.exec("witness", ["corosync-qnetd-tool", "-s"],
                                   check=False, timeout=5).returncode == 0,
                 15, 0.1, "corosync-qnetd to answer")

    def start_azure(self):
        """The mock Azure (tests/mock-azure) in the azure namespace, with
        the harness's VMs vm-ci and vm-si whose power hooks kill / boot /
        freeze the nodes; the mock executes started scheduled events."""
        hook = os.path.join(HERE, "power-hook")
        seed = {
            "subscription": self.value("SUBSCRIPTION_ID"),
            "config": {"op_delays_s": {"vm.powerOff": 0.2, "vm.start": 0.2,
                                       "vm.restart": 0.2},
                       # Azure executes started scheduled events: a
                       # Reboot powers the node off and on, a Freeze
                       # pauses it (power-hook freeze)
                       "scheduled_events": {"run": True, "reboot_s": 1.0,
                                            "grace_s": 2.0}},
            "virtualMachines": [
                {"resourceGroup": self.value("RESOURCE_GROUP"),
                 "name": f"vm-{h}", "location": "centralindia"
                 if h == "ci" else "southindia", "powerState": "running",
                 "identity": {"system": True, "userAssigned": []},
                 "addresses": [ADDR[h]],
                 "hooks": {"off": [sys.executable, hook, self.state, "off"],
                           "on": [sys.executable, hook, self.state, "on"],
                           "freeze": [sys.executable, hook, self.state,
                                      "freeze"]}}
                for h in NODES],
            # the Traffic Manager profile fence_geoha and
            # ocf:geoha:traffic-manager manage (TM_* test values)
            "trafficManagerProfiles": [
                {"resourceGroup": self.value("TM_RESOURCE_GROUP"),
                 "name": self.value("TM_PROFILE"),
                 "trafficRoutingMethod": "Priority",
                 "endpoints": [
                     {"name": h, "type": "ExternalEndpoints",
                      "target": f"{h}.drupal.example.net",
                      "endpointStatus": "Enabled", "priority": i + 1,
                      "endpointLocation": "centralindia" if h == "ci"
                      else "southindia"}
                     for i, h in enumerate(NODES)]}],
        }
        d = os.path.join(self.state, "azure")
        os.makedirs(d, exist_ok=True)
        self.azure_seed(seed)
        with open(os.path.join(d, "seed.json"), "w") as f:
            json.dump(seed, f, indent=1)
        portf = os.path.join(d, "port")
        self.spawn("azure", "mock-azure", [
            sys.executable, os.path.join(TOP, "tests", "mock-azure",
                                         "mock_azure.py"),
            "--seed", os.path.join(d, "seed.json"), "--port",
            str(AZURE_PORT), "--port-file", portf, "--bind", ADDR["azure"],
            "--log", os.path.join(d, "mock.log")])
        wait_for(lambda: os.path.exists(portf), 20, 0.1, "mock Azure up")

    # ---------------------------------------------------------- watchdog
    def watchdog_on(self):
        """Whether the nodes run sbd under the emulated watchdog: decided
        once, before the CIB is built (stonith-watchdog-timeout=0 without
        it)."""
        if self.watchdog is None:
            self.watchdog = (
                os.environ.get("GEOHA_WATCHDOG", "1") != "0"
                and "@STONITH_WATCHDOG_TIMEOUT@" in open(self.crm).read()
                and shutil.which("sbd", path=PATH) is not None
                and wdshim() is not None)
        return self.watchdog

    def sbd_env(self):
        """sbd's environment: crm-config/sbd.default rendered with the test
        column (what /etc/default/sbd holds on a real node), plus the
        harness's part (tests/watchdog/README.md): the shim, the emulator's
        sockets, no cgroup move, the cluster type (sbd starts before
        corosync)."""
        env = {}
        for line in self.render(os.path.join(self.crm_config,
                                             "sbd.default")).splitlines():
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                k, v = line.split("=", 1)
                if v:
                    env[k] = v
        env["SBD_MOVE_TO_ROOT_CGROUP"] = "no"
        env["PCMK_cluster_type"] = "corosync"
        return env

    def wd_socket(self, host):
        return os.path.join(self.state, "watchdog", f"{host}.sock")

    def start_wdemu(self, host):
        """HOST's emulated watchdog, on the host side (a node's power-off
        kills everything inside it). Its expiry, or sbd's reset request,
        does what a watchdog reset does: power-hook off (SIGKILL of every
        process of the node), then power-hook on (the harness boots it)."""
        p = self.wdemu.get(host)
        if p is not None and p.poll() is None:
            return
        sock = self.wd_socket(host)
        flag = os.path.join(os.path.dirname(sock), f"{host}.poweroff")
        for f in (sock, sock + ".log", flag):
            try:
                os.unlink(f)
            except OSError:
                pass
        hook = os.path.join(HERE, "power-hook")
        cmd = ('"$1" "$2" "$3" off "vm-$4"; '
               '"$1" "$2" "$3" on "vm-$4"')
        logf = os.path.join(self.node_dir(host), "var-log", "wdemu.log")
        with open(os.path.join(self.node_dir(host), "var-log",
                               "harness-wdemu.out"), "ab") as out:
            p = subprocess.Popen(
                [sys.executable, os.path.join(TOP, "tests", "watchdog",
                                              "wdemu"),
                 "--socket", sock, "--syslog", sock + ".log", "--log", logf,
                 "--name", host, "--power-flag", flag, "--",
                 "sh", "-c", cmd, "sh", sys.executable, hook, self.state,
                 host],
                stdin=subprocess.DEVNULL, stdout=out,
                stderr=subprocess.STDOUT, start_new_session=True)
        self.wdemu[host] = p
        with open(sock + ".pid", "w") as f:
            f.write(f"{p.pid}\n")
        wait_for(lambda: os.path.exists(sock) or p.poll() is not None, 10,
                 0.05, f"wdemu of {host}")
        if p.poll() is not None:
            raise HarnessError(f"wdemu of {host} exited {p.returncode}")

    def stop_wdemu(self, host):
        """A power loss takes the watchdog with it (the harness's own kill):
        ends exactly the emulator this harness started for HOST."""
        p = self.wdemu.pop(host, None)
        if p is not None and p.poll() is None:
            p.terminate()
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(5)
        elif p is None:
            # started by another process of this harness (ctl up): found
            # by its pid file, checked to be this node's wdemu
            pid = self._wdemu_pid(host)
            if pid:
                try:
                    os.kill(pid, signal.SIGTERM)
                except OSError:
                    pass

    def _wdemu_pid(self, host):
        sock = self.wd_socket(host)
        try:
            with open(sock + ".pid") as pf:
                pid = int(pf.read())
            with open(f"/proc/{pid}/cmdline", "rb") as cf:
                cmd = cf.read().split(b"\0")
        except (OSError, ValueError):
            return None
        if any(a.endswith(b"wdemu") for a in cmd) and sock.encode() in cmd:
            return pid
        return None

    def start_sbd(self, host):
        """sbd -v -p /run/sbd.pid watch in HOST, watchdog-only, under the
        emulated watchdog; returns its first process (it exits 0 once the
        watchdog is armed and its cluster watcher reached corosync)."""
        env = self.sbd_env()
        sock = self.wd_socket(host)
        env.update({"LD_PRELOAD": wdshim(),
                    "GEOHA_WD_DEV": env["SBD_WATCHDOG_DEV"],
                    "GEOHA_WD_SOCKET": sock,
                    "GEOHA_WD_SYSLOG": sock + ".log"})
        return self.spawn(host, "sbd", ["sbd", "-v", "-p", "/run/sbd.pid",
                                        "watch"], env=env)

    def start_node(self, host):
        """Boots HOST: fresh mount namespace (fresh /run, /dev/shm), then
        (watchdog: wdemu, sbd) -> corosync -> (sbd started) ->
        corosync-qdevice -> pacemakerd."""
        sbd = None
        with self.mu:
            self.make_mount_ns(host)
            self.before_stack(host)
            if self.watchdog_on():
                self.start_wdemu(host)
                sbd = self.start_sbd(host)
            self.spawn(host, "corosync", ["corosync", "-f"])
        wait_for(lambda: self.exec(host, ["corosync-cfgtool", "-s"],
                                   check=False, timeout=5).returncode == 0,
                 20, 0.1, f"corosync on {host}")
        penv = None
        if sbd is not None:
            try:
                sbd.wait(30)
            except subprocess.TimeoutExpired:
                raise HarnessError(f"sbd on {host} did not start in 30 s")
            if sbd.returncode != 0:
                raise HarnessError(f"sbd on {host} exited {sbd.returncode} "
                                   "(no watchdog: see its wdemu.log)")
            e = self.sbd_env()
            penv = {k: e[k] for k in ("SBD_WATCHDOG_TIMEOUT",
                                      "SBD_SYNC_RESOURCE_STARTUP")}
        with self.mu:
            if self.azure:
                self.spawn(host, "azure-forward", [
                    sys.executable, os.path.join(HERE, "tcp-forward"),
                    "127.0.0.1", str(AZURE_PORT), ADDR["azure"],
                    str(AZURE_PORT)])
            self.spawn(host, "qdevice", ["corosync-qdevice", "-f"])
            self.spawn(host, "pacemakerd", ["pacemakerd"], env=penv)
            self.power_off.discard(host)
            self.after_stack(host)

    def azure_seed(self, seed):
        """Hook: adds to the mock Azure's seed (its database servers) before
        the mock starts; runs with the namespaces up."""

    def before_stack(self, host):
        """Hook: what boots on HOST before the cluster stack (its
        database server)."""

    def after_stack(self, host):
        """Hook: what boots on HOST after the cluster stack (its Drupal)."""

    def before_overlay(self):
        """Hook: runs once STATE exists, before the programs of
        overlay_extra are copied into the nodes' overlays (GeohaCluster
        unpacks its .deb here)."""

    # ---------------------------------------------------------- lifecycle
    def create(self, start=True):
        t0 = now()
        self.acquire_lock()
        self.cleanup_leftovers()
        os.makedirs(self.logdir, exist_ok=True)
        self.prepare_dirs()
        self.create_network()
        self.write_corosync_conf()
        self.build_cib()
        self.make_mount_ns("witness")
        for h in NODES:
            self.make_mount_ns(h)
        if self.tls:
            self.setup_tls()
        self.start_witness()
        if self.azure:
            self.start_azure()
        with open(os.path.join(self.state, "config.json"), "w") as f:
            json.dump({"tls": self.tls, "crm": self.crm,
                       "values": self.values, "azure": self.azure}, f)
        self.t_setup = now() - t0
        if start:
            for h in NODES:
                self.start_node(h)
        self._watcher = threading.Thread(target=self._watch, daemon=True)
        self._watcher.start()
        self.t_created = now() - t0
        return self

    @classmethod
    def attach(cls, prefix=None, logdir=None):
        """A Cluster object for a cluster another process created (the
        ctl commands): namespaces and settings are read from STATE."""
        c = cls(logdir=logdir, prefix=prefix)
        try:
            with open(os.path.join(c.state, "netns.json")) as f:
                c.inodes = {h: int(v) for h, v in json.load(f).items()}
            with open(os.path.join(c.state, "config.json")) as f:
                cfg = json.load(f)
        except (OSError, ValueError):
            raise HarnessError(f"no cluster with prefix {c.prefix} is up")
        c.tls, c.crm, c.values = cfg["tls"], cfg["crm"], cfg["values"]
        c.azure = cfg.get("azure", False)
        for h in MOUNT_HOSTS:
            if not c.pids(h):
                c.power_off.add(h)
        c.witness_down = "witness" in c.power_off
        return c

    def watch_forever(self):
        """Serves power-on requests until the cluster is torn down."""
        self._watch_stop.clear()
        t = threading.Thread(target=self._watch, daemon=True)
        t.start()
        while os.path.isdir(self.state):
            time.sleep(0.5)
        self._watch_stop.set()

    def _watch(self):
        """Reaps our children and carries out power-on requests (written
        by the fence agent or the mock Azure into STATE/power/NODE)."""
        pdir = os.path.join(self.state, "power")
        while not self._watch_stop.wait(0.1):
            self.reap()
            try:
                reqs = [f for f in os.listdir(pdir) if f in NODES]
            except OSError:
                continue
            for h in reqs:
                try:
                    os.unlink(os.path.join(pdir, h))
                except OSError:
                    continue
                self.event(f"power-on request for {h}")
                # the VM was off: its watchdog lost power with it (else the
                # emulator, left counting by the power-off, would reset the
                # node once more while it boots)
                self.stop_wdemu(h)
                # the VM boots: nothing of it runs for reboot_delay s
                if self._watch_stop.wait(self.reboot_delay):
                    return
                try:
                    self.reboot(h)
                except HarnessError as e:
                    log(f"power-on of {h} failed: {e}")

    def teardown(self, keep_logs=True):
        t0 = now()
        self._watch_stop.set()
        if self._watcher:
            self._watcher.join(timeout=20)
        for h in HOSTS:
            if h in self.inodes:
                self._kill_netns(h)
            self.stop_wdemu(h)
        self.reap()
        if keep_logs:
            self.collect_logs()
        for h in MOUNT_HOSTS:
            self.drop_mount_ns(h)
        umount_quiet(os.path.join(self.state, "ns"))
        for h in HOSTS + ("sw",):
            run(["ip", "netns", "del", self.ns(h)], check=False)
        shutil.rmtree(self.state, ignore_errors=True)
        self.release_lock()
        self.t_teardown = now() - t0
        return self.t_teardown

    def collect_logs(self):
        os.makedirs(self.logdir, exist_ok=True)
        for h in MOUNT_HOSTS:
            src = os.path.join(self.node_dir(h), "var-log")
            dst = os.path.join(self.logdir, h)
            shutil.rmtree(dst, ignore_errors=True)
            if os.path.isdir(src):
                shutil.copytree(src, dst, symlinks=True,
                                ignore_dangling_symlinks=True)
        if self.azure and os.path.isdir(os.path.join(self.state, "azure")):
            dst = os.path.join(self.logdir, "azure")
            shutil.rmtree(dst, ignore_errors=True)
            shutil.copytree(os.path.join(self.state, "azure"), dst)
        for f in os.listdir(self.state) if os.path.isdir(self.state) else []:
            if f.startswith("harness-") and f.endswith(".out"):
                shutil.copy2(os.path.join(self.state, f), self.logdir)
        with open(os.path.join(self.logdir, "events.txt"), "w") as f:
            for t, text in self.events:
                f.write(f"{t - self.t_zero:9.3f} {text}\n")

    # ---------------------------------------------------------- faults
    def _kill_netns(self, host, timeout=10):
        deadline = now() + timeout
        while True:
            pids = self.pids(host)
            if not pids:
                break
            if now() > deadline:
                raise HarnessError(f"processes of {host} survive: {pids}")
            for p in pids:
                try:
                    os.kill(p, signal.SIGKILL)
                except OSError:
                    pass
            time.sleep(0.05)
        self.reap()

    def kill(self, host):
        """Power a node off: SIGKILL every process in its network namespace,
        then drop its mount namespace (its /run and /dev/shm are gone)."""
        with self.mu:
            self._kill_netns(host)
            self.stop_wdemu(host)
            if host in MOUNT_HOSTS:
                self.drop_mount_ns(host)
            self.power_off.add(host)
            if host == "witness":
                self.witness_down = True

    def reboot(self, host):
        with self.mu:
            self.kill(host)
            if host == "witness":
                self.make_mount_ns("witness")
                self.start_witness()
            else:
                self.start_node(host)
        self.event(f"{host} booted")

    def stop_witness(self):
        self.kill("witness")

    def cut(self):
        """Cut only the ci-si link: both node ports isolated (they still
        reach the witness and azure ports)."""
        for h in NODES:
            run(["ip", "-n", self.sw, "link", "set", self.port(h), "type",
                 "bridge_slave", "isolated", "on"])

    def isolate(self, host):
        run(["ip", "-n", self.sw, "link", "set", self.port(host),
             "nomaster"])

    def uncut(self):
        """Undo cut() only (the witness stays as it is)."""
        for h in NODES:
            run(["ip", "-n", self.sw, "link", "set", self.port(h), "type",
                 "bridge_slave", "isolated", "off"])

    def arm_down(self):
        """Azure's API unreachable from the nodes: the azure namespace's
        bridge port is detached (the mock Azure, and behind it the VMs'
        power and Traffic Manager, answer nobody; the harness still reaches
        it inside its namespace). Reversed by arm_up() or heal()."""
        run(["ip", "-n", self.sw, "link", "set", self.port("azure"),
             "nomaster"])

    def arm_up(self):
        run(["ip", "-n", self.sw, "link", "set", self.port("azure"),
             "master", "br0"])

    def heal(self):
        for h in HOSTS:
            run(["ip", "-n", self.sw, "link", "set", self.port(h), "master",
                 "br0"])
            run(["ip", "-n", self.sw, "link", "set", self.port(h), "type",
                 "bridge_slave", "isolated", "off"])
        if self.witness_down:
            self.make_mount_ns("witness")
            self.start_witness()

    # ---------------------------------------------------------- status
    def quorum_events(self, host):
        """[(wall time, what)] from HOST's corosync log, what being "lost"
        (votequorum's "[QUORUM] This node is within the non-primary
        component and will NOT provide any services."), "quorate" ("...
        within the primary component and will provide service.") or
        "start" (a corosync process started: "[QUORUM] Using quorum
        provider"; a node boots inquorate without a "lost" line).
        corosync's hires timestamps ("Dec 03 17:59:28.711") are the node's
        local time without a year; the nodes share the host's clock and
        /etc/localtime and run without TZ, so time.mktime() on the host
        converts them (to the millisecond)."""
        p = os.path.join(self.node_dir(host), "var-log", "corosync",
                         "corosync.log")
        out = []
        year = time.localtime().tm_year
        try:
            f = open(p, errors="replace")
        except OSError:
            return out
        with f:
            for line in f:
                m = COROSYNC_QUORUM_RE.match(line)
                if not m:
                    continue
                what = m.group(3)
                kind = ("lost" if what.startswith(QUORUM_LOST) else
                        "quorate" if what.startswith(QUORUM_OK) else
                        "start" if what.startswith(QUORUM_START) else None)
                if kind is None:
                    continue
                t = None
                for y in (year, year - 1):
                    tm = time.strptime(f"{y} {m.group(1)}",
                                       "%Y %b %d %H:%M:%S")
                    t = time.mktime(tm) + int(m.group(2)) / 1000.0
                    if t <= time.time() + 86400:
                        break
                out.append((t, kind))
        return out

    def crm_mon(self, host, timeout=8):
        """Parsed `crm_mon --output-as=xml` as seen from HOST, or None."""
        if host in self.power_off:
            return None
        try:
            r = self.exec(host, ["crm_mon", "--output-as=xml", "-1"],
                          check=False, timeout=timeout)
        except HarnessError:
            return None
        if r.returncode != 0 or "<pacemaker-result" not in r.stdout:
            return None
        try:
            root = ET.fromstring(r.stdout)
        except ET.ParseError:
            return None
        st = {"quorum": False, "dc": None, "online": [], "roles": {},
              "fenced": []}
        s = root.find("summary/current_dc")
        if s is not None:
            st["quorum"] = s.get("with_quorum") == "true"
            st["dc"] = s.get("name")
        for n in root.findall("nodes/node"):
            if n.get("online") == "true":
                st["online"].append(n.get("name"))
        for r_ in root.iter("resource"):
            node = r_.find("node")
            if node is None or r_.get("active") != "true":
                continue
            rid = r_.get("id")
            st["roles"].setdefault(rid, {})[node.get("name")] = r_.get("role")
        for f in root.findall("fence_history/fence_event"):
            st["fenced"].append((f.get("target"), f.get("status"),
                                 f.get("action")))
        return st

    def promoted(self, host, rsc="db"):
        """Nodes where HOST's crm_mon shows RSC promoted."""
        st = self.crm_mon(host)
        if not st:
            return []
        return sorted(n for n, role in st["roles"].get(rsc, {}).items()
                      if role in ("Promoted", "Master"))

    def wait_promoted(self, host, timeout=60, rsc="db", both_online=True):
        """Waits until HOST's view has RSC promoted on HOST (and, if
        both_online, the other node online and unpromoted)."""
        def ok():
            st = self.crm_mon(host)
            if not st or not st["quorum"]:
                return False
            roles = st["roles"].get(rsc, {})
            if roles.get(host) not in ("Promoted", "Master"):
                return False
            if both_online:
                other = [n for n in NODES if n != host][0]
                return other in st["online"] and \
                    roles.get(other) in ("Unpromoted", "Slave")
            return True
        return wait_for(ok, timeout, 0.25, f"{rsc} promoted on {host}")

    def stateful_role(self, host):
        """Ground truth for phase 1: the Stateful agent's state file in the
        node's private /run, read through one of the node's processes."""
        for pid in self.pids(host):
            try:
                with open(f"/proc/{pid}/root/run/Stateful-db.state") as f:
                    return f.read().strip()
            except OSError:
                continue
        return None


class Sampler:
    """Every interval_s, records probe(host) for each node: a list of
    (t, {host: value}). Used for the S1 checks (ground truth read from the
    nodes themselves, not from Pacemaker's view)."""

    def __init__(self, cluster, probe, interval_s=0.1, hosts=NODES):
        self.c = cluster
        self.probe = probe
        self.interval_s = interval_s
        self.hosts = hosts
        self.samples = []
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._loop, daemon=True)

    def start(self):
        self._t.start()
        return self

    def stop(self):
        self._stop.set()
        self._t.join(timeout=10)
        return self.samples

    def _loop(self):
        nxt = now()
        while not self._stop.is_set():
            t = now()
            vals = {}
            for h in self.hosts:
                try:
                    vals[h] = self.probe(h)
                except Exception as e:   # a probe failure is a sample too
                    vals[h] = f"error: {e}"
            self.samples.append((t, vals))
            nxt += self.interval_s
            delay = nxt - now()
            if delay < 0:
                nxt = now()
                delay = 0
            self._stop.wait(delay)

    def first(self, pred, after=0.0):
        """Time of the first sample at or after `after` with pred(vals)."""
        for t, vals in self.samples:
            if t >= after and pred(vals):
                return t
        return None

    def overlaps(self, is_writer):
        """Samples where more than one host is a writer."""
        return [(t, vals) for t, vals in self.samples
                if sum(1 for h in self.hosts if is_writer(vals.get(h))) > 1]
