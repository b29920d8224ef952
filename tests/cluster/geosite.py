#!/usr/bin/env python3
"""The geoha site in the harness cluster: MariaDB per region, the real
agents, Drupal's include, a PHP writer per region and the ground-truth
sampler (Python 3 stdlib + Debian's php-cli/php-mysql).

GeohaCluster (a cluster.Cluster) adds, per node ci/si:
  - a MariaDB server (mariadbd started by the harness as part of the node's
    "boot", before corosync, with crm-config/mariadb-geoha.cnf: read-only at
    boot); datadir /var/lib/mysql (per-node folder), socket and pid under
    the private /run/mysqld, bind-address the node's address, server-id 1/2;
    both start from one seeded data directory (accounts created without
    binary logging, then RESET MASTER), so their data is identical and
    their GTID history empty;
  - the option files the agents use (root-only) under /srv/geoha/etc, the
    mysql agent's state_dir /srv/geoha/state (geoha.params test column);
  - Drupal's settings.php in /srv/drupal, ending with the `require` line of
    agents/drupal/README.md; ocf:geoha:drupal writes settings.geoha.php next
    to it;
  - the CIB is crm-config/geoha.crm rendered with the test column, loaded
    with `crm configure load update`; a harness-only constraint keeps the
    first promotion on ci and is deleted once ci is promoted;
  - with file_sync=True, ocf:geoha:file-sync too: Drupal's files folder
    /srv/drupal/files and an sshd per node (started at the node's boot, on
    its address, port 22, root by key only; host keys, the client key and
    known_hosts under /srv/geoha/etc/ssh); without it file-sync is left out
    of the CIB;
  - writers (writer.php) in each node once started: one region's Drupal,
    restarted when the node boots again; the sampler (sampler.php) on the
    host, reaching each server through its socket inside the node.
"""
import fcntl
import hashlib
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET

import cluster
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "lib"))
import mariadb as fixture  # noqa: E402  tests/lib/mariadb.py
from cluster import (ADDR, HERE, NODES, TOP, CRM_CONFIG, HarnessError, log,
                     now, run, wait_for)

SERVER_ID = {"ci": 1, "si": 2}
# backend="azure": each region's Azure Database for MySQL Flexible Server,
# a real MariaDB in the azure namespace that the mock Azure drives
AZ_SERVER = {"ci": "db-ci", "si": "db-si"}
AZ_PORT = {"ci": 3306, "si": 3307}
AZ_LOCATION = {"ci": "centralindia", "si": "southindia"}
FIXTURE = os.path.join(TOP, "tests", "lib", "mariadb.py")
MARIADBD = "/usr/sbin/mariadbd"
CLIENT = "/usr/bin/mariadb"
FILE_SYNC_RESOURCES = ("file-sync", "file-sync-clone")
AGENTS = ("mysql", "drupal", "traffic-manager", "file-sync", "azure-events")
SSHD = "/usr/sbin/sshd"
INITIAL_WRITER_RULE = "harness-initial-writer"
SEED_ROWS = 100
# the writers' and the sampler's tables, and the seed rows (in drupal)
DRUPAL_SCHEMA = [
    "CREATE TABLE drupal.writes (id VARCHAR(48) PRIMARY KEY, "
    "region VARCHAR(16) NOT NULL, seq INT NOT NULL, "
    "server_id INT NOT NULL, ts DOUBLE NOT NULL) ENGINE=InnoDB",
    "CREATE TABLE drupal.probe (id BIGINT PRIMARY KEY, "
    "ts DOUBLE NOT NULL) ENGINE=InnoDB",
    "INSERT INTO drupal.writes SELECT CONCAT('seed:', seq), "
    "'seed', seq, 0, 0 FROM seq_1_to_" + str(SEED_ROWS)]


def agents_built():
    """{overlay path: built program} for the real agents, or None when one
    is missing."""
    out = {}
    for a in AGENTS:
        p = cluster.built(os.path.join("agents", a))
        if not p:
            return None
        out[f"ocf/geoha/{a}"] = p
    fg = cluster.built("fence_geoha")
    if not fg or not os.path.exists(os.path.join(
            TOP, "tests", "mock-azure", "mock_azure.py")):
        return None
    out["sbin/fence_geoha"] = fg
    return out


# ------------------------------------------------------------ the package
# What a package run takes from the unpacked .deb (GeohaCluster(package=
# True)): overlay path -> path in the package, and the templates.
PKG_PROGRAMS = {f"ocf/geoha/{a}": f"usr/lib/ocf/resource.d/geoha/{a}"
                for a in AGENTS}
PKG_PROGRAMS["sbin/fence_geoha"] = "usr/sbin/fence_geoha"
PKG_RENDER = "usr/sbin/geoha-render"
PKG_DATADIR = "usr/share/geoha"
PKG_TEMPLATES = ("geoha.crm", "geoha.params", "corosync.conf",
                 "sbd.default", "mariadb-geoha.cnf")


def package_deb():
    """BUILD/deb/geoha_VERSION_ARCH.deb, the package of this tree that
    tests/deb/run (run before the cluster suite) and `make deb` leave
    there; built there with tools/mkdeb.sh when missing. A package older
    than a file of the tree is used as it is, with a warning."""
    version = run(["dpkg-parsechangelog", "-l",
                   os.path.join(TOP, "debian", "changelog"), "-S",
                   "Version"]).stdout.strip()
    arch = run(["dpkg", "--print-architecture"]).stdout.strip()
    d = os.path.join(cluster.BUILD, "deb")
    deb = os.path.join(d, f"geoha_{version}_{arch}.deb")
    os.makedirs(d, exist_ok=True)
    # one build at a time per build folder (runs with other prefixes)
    with open(os.path.join(d, ".harness.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not os.path.isfile(deb):
            log(f"no {deb}: building it with "
                f"tools/mkdeb.sh (a few minutes)")
            t0 = now()
            tmp = tempfile.mkdtemp(prefix=".mkdeb.", dir=d)
            try:
                r = run([os.path.join(TOP, "tools", "mkdeb.sh"), tmp],
                        timeout=1800, check=False)
                made = os.path.join(tmp, os.path.basename(deb))
                if r.returncode != 0 or not os.path.isfile(made):
                    raise HarnessError(
                        f"tools/mkdeb.sh {tmp} failed (exit "
                        f"{r.returncode}): {r.stderr.strip()[-1500:]}")
                os.replace(made, deb)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
            log(f"built {deb} in {now() - t0:.0f} s")
    newer = newer_than(deb)
    if newer:
        log(f"warning: {deb} is older than "
            f"{len(newer)} file(s) of the tree ({', '.join(newer[:3])}"
            f"{', ...' if len(newer) > 3 else ''}); it runs as it is "
            f"(`make BUILD={cluster.BUILD} deb` or tests/deb/run makes it "
            "again)")
    return deb


def newer_than(path):
    """Files of the tree (what tools/mkdeb.sh copies, tests/ left out)
    changed after PATH."""
    t = os.stat(path).st_mtime
    r = subprocess.run(["git", "-C", TOP, "ls-files", "-z", "-co",
                        "--exclude-standard"], capture_output=True)
    if r.returncode != 0:
        return []
    out = []
    for rel in r.stdout.decode(errors="replace").split("\0"):
        if not rel or rel.startswith("tests/"):
            continue
        try:
            if os.stat(os.path.join(TOP, rel)).st_mtime > t:
                out.append(rel)
        except OSError:
            pass
    return sorted(out)


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def php_ok():
    r = subprocess.run(["php", "-m"], capture_output=True, text=True)
    return r.returncode == 0 and "pdo_mysql" in r.stdout


def drop_statements(crm, ids):
    """crm shell text without the statements that name one of IDS (a
    statement is a line that does not start with blank or '#', plus its
    backslash continuations)."""
    out, stmt = [], []

    def flush():
        text = "".join(stmt)
        words = set(re.findall(r"[A-Za-z0-9_.-]+", text))
        if not (words & set(ids)):
            out.extend(stmt)
        stmt.clear()
    for line in crm.splitlines(keepends=True):
        if stmt:
            stmt.append(line)
            if not line.rstrip("\n").endswith("\\"):
                flush()
            continue
        if line.strip() and not line.startswith(("#", " ", "\t")):
            stmt.append(line)
            if not line.rstrip("\n").endswith("\\"):
                flush()
            continue
        out.append(line)
    if stmt:
        flush()
    return "".join(out)


def cnf(path, user, password):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(f"[client]\nuser={user}\npassword={password}\n")
    os.chmod(path, 0o600)


# ------------------------------------------------------------ data template
_template = {}


def db_template(prefix):
    """A seeded MariaDB data directory (built once per process): accounts,
    the drupal database with its tables and SEED_ROWS rows, no binary log
    history. Returns {"data": DIR, "pw": {user: password}}.

    One build at a time on this machine (a lock file): two clusters set up
    at once (no-flap runs beside the others) once had one of two
    simultaneous mariadb-install-db runs exit 1, which failed every check
    of the first scenario."""
    if prefix in _template and os.path.isdir(_template[prefix]["data"]):
        return _template[prefix]
    os.makedirs("/var/tmp/geoha-cluster", exist_ok=True)
    with open("/var/tmp/geoha-cluster/dbtemplate.lock", "w") as lk:
        fcntl.flock(lk, fcntl.LOCK_EX)
        try:
            return _db_template(prefix)
        finally:
            fcntl.flock(lk, fcntl.LOCK_UN)


def _db_template(prefix):
    t0 = now()
    d = f"/var/tmp/geoha-cluster/{prefix.rstrip('-')}-dbtemplate"
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(os.path.join(d, "data"))
    shutil.chown(d, "mysql", "mysql")
    shutil.chown(os.path.join(d, "data"), "mysql", "mysql")
    os.chmod(d, 0o755)
    mycnf = os.path.join(d, "my.cnf")
    with open(mycnf, "w") as f:
        f.write(f"!include {os.path.join(CRM_CONFIG, 'mariadb-geoha.cnf')}\n"
                "[mariadbd]\n"
                f"datadir={d}/data\nsocket={d}/mysqld.sock\n"
                f"pid-file={d}/mysqld.pid\nskip-networking\nserver-id=99\n"
                "innodb-buffer-pool-size=32M\ninnodb-log-file-size=16M\n"
                "performance-schema=OFF\n"
                f"log-error={d}/error.log\n")
    install = ["mariadb-install-db", f"--defaults-file={mycnf}",
               "--user=mysql", "--auth-root-authentication-method=socket",
               "--skip-test-db"]
    try:
        run(install, timeout=120)
    except HarnessError as e:
        # harness set-up, not the system under test: one more try on an
        # empty data directory, the first failure kept in the log
        log(f"database template: {str(e)[:300]}; trying once more")
        shutil.rmtree(os.path.join(d, "data"), ignore_errors=True)
        os.makedirs(os.path.join(d, "data"))
        shutil.chown(os.path.join(d, "data"), "mysql", "mysql")
        run(install, timeout=120)
    p = subprocess.Popen([MARIADBD, f"--defaults-file={mycnf}",
                          "--user=mysql"], stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True)
    try:
        wait_for(lambda: subprocess.run(
            [CLIENT, "-uroot", f"--socket={d}/mysqld.sock", "-e",
             "SELECT 1"], capture_output=True).returncode == 0 or
            p.poll() is not None, 60, 0.1, "template mariadbd")
        if p.poll() is not None:
            raise HarnessError(f"template mariadbd exited; see {d}/error.log")
        pw = {u: secrets.token_hex(12) for u in ("geoha", "repl", "drupal")}
        # Without binary logging: the servers start with no GTID history.
        st = ["SET sql_log_bin=0",
              "DELETE FROM mysql.global_priv WHERE User=''"]
        for host in ("%", "localhost"):
            st += [f"CREATE USER 'geoha'@'{host}' IDENTIFIED BY "
                   f"'{pw['geoha']}'",
                   f"GRANT ALL ON *.* TO 'geoha'@'{host}' WITH GRANT OPTION",
                   f"CREATE USER 'repl'@'{host}' IDENTIFIED BY "
                   f"'{pw['repl']}'",
                   f"GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO "
                   f"'repl'@'{host}'",
                   f"CREATE USER 'drupal'@'{host}' IDENTIFIED BY "
                   f"'{pw['drupal']}'",
                   "GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, "
                   f"INDEX, ALTER ON drupal.* TO 'drupal'@'{host}'"]
        st += ["CREATE DATABASE drupal", "USE drupal"] + DRUPAL_SCHEMA + \
            ["FLUSH PRIVILEGES", "RESET MASTER"]
        # on stdin: passwords never in a process's arguments
        run([CLIENT, "-uroot", f"--socket={d}/mysqld.sock"],
            input=";\n".join(st) + ";\n", timeout=60)
    finally:
        if p.poll() is None:
            p.terminate()
        try:
            p.wait(timeout=60)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    _template[prefix] = {"data": os.path.join(d, "data"), "pw": pw}
    log(f"database template built in {now() - t0:.1f} s")
    return _template[prefix]


def drop_template(prefix):
    """Removes the data template of this process (it holds the accounts'
    password hashes); the next run builds a new one."""
    t = _template.pop(prefix, None)
    if t:
        shutil.rmtree(os.path.dirname(t["data"]), ignore_errors=True)


# ------------------------------------------------------------ cluster
class GeohaCluster(cluster.Cluster):
    """The harness cluster with the geoha site (see the module doc)."""

    def __init__(self, drop=(), semi_sync=False, file_sync=False,
                 backend="native", package=False, **kw):
        ov = dict(agents_built() or {})
        # package=True: the nodes run what the .deb installs (package_deb()
        # unpacked into STATE/package): the agents, fence_geoha, geoha-render
        # and the templates of /usr/share/geoha, not the build tree's
        self.package = package
        self.deb = None            # found (or built) by create()
        crm_given = "crm" in kw
        # backend="azure": ocf:geoha:mysql drives two flexible servers of
        # the mock Azure (real MariaDB servers in the azure namespace, one
        # port each) instead of a MariaDB on each node
        self.backend = backend
        if backend == "azure":
            a = ADDR["azure"]
            servers = ",".join(f"{h}={AZ_SERVER[h]}" for h in NODES)
            kw["values"] = dict(
                kw.get("values") or {}, DB_BACKEND="azure",
                DB_SERVERS=servers, FENCE_DB_SERVERS=servers,
                DB_ENDPOINTS=",".join(f"{h}={a}:{AZ_PORT[h]}"
                                      for h in NODES))
        # semi-synchronous replication: the agent's semi_sync=true (through
        # the DB_SEMI_SYNC placeholder of geoha.crm) and the server options
        # agents/mysql/README.md asks for with it
        self.semi_sync = semi_sync
        if semi_sync:
            kw["values"] = dict(kw.get("values") or {}, DB_SEMI_SYNC="true")
        kw.setdefault("overlay_extra", ov)
        kw.setdefault("azure", True)
        kw.setdefault("crm", os.path.join(CRM_CONFIG, "geoha.crm"))
        super().__init__(**kw)
        if package:
            self.use_package(os.path.join(self.state, "package"),
                             crm=not crm_given)
        elif backend == "azure":
            # (package=True: once unpacked, before_overlay())
            self.values.setdefault("DB_RESOURCE_GROUP",
                                   self.value("RESOURCE_GROUP"))
        self.file_sync = file_sync
        self.drop = tuple(drop) + (() if file_sync else FILE_SYNC_RESOURCES)
        self.writers_on = False
        self.sampler_proc = None
        self.tpl = None
        self.mysqld = {}           # host -> Popen of its mariadbd
        self.restart_s = 1.0       # like systemd's RestartSec

    # ---- files
    def crm_text(self):
        # without sbd (watchdog=False) no watchdog level either: a level
        # whose device does not exist ends a failed fencing with "No fence
        # device" and the controller gives up until the next recheck
        text = drop_statements(self.render(self.crm), self.drop + (
            () if self.watchdog_on() else ("watchdog",)))
        # harness only: the first promotion goes to ci (both servers start
        # equal); deleted once ci is promoted (bootstrap()).
        return text + (f"\nlocation {INITIAL_WRITER_RULE} db-clone \\\n"
                       f"    rule role=Promoted -inf: #uname ne "
                       f"{NODES[0]}\n")

    # ---- the package (package=True)
    def use_package(self, root, crm=True):
        """Programs and templates from the package unpacked in ROOT."""
        self.pkg_root = root
        self.overlay_extra = {ov: os.path.join(root, p)
                              for ov, p in PKG_PROGRAMS.items()}
        self.render_bin = os.path.join(root, PKG_RENDER)
        self.crm_config = os.path.join(root, PKG_DATADIR)
        if crm:
            self.crm = os.path.join(self.crm_config, "geoha.crm")

    def before_overlay(self):
        if not self.package:
            return
        self.deb = package_deb()
        run(["dpkg-deb", "-x", self.deb, self.pkg_root], timeout=120)
        want = list(self.overlay_extra.values()) + [self.render_bin] + [
            os.path.join(self.crm_config, t) for t in PKG_TEMPLATES]
        missing = [os.path.relpath(p, self.pkg_root) for p in want
                   if not os.path.isfile(p)]
        if missing:
            raise HarnessError(f"{self.deb} does not ship "
                               f"{', '.join(missing)}")
        log(f"the nodes run the package {self.deb} "
            f"(unpacked in {self.pkg_root})")
        if self.backend == "azure":
            self.values.setdefault("DB_RESOURCE_GROUP",
                                   self.value("RESOURCE_GROUP"))

    def package_proof(self):
        """(ok, detail): each node's /usr/lib/ocf/resource.d/geoha/* and
        /usr/sbin/fence_geoha, read inside the node (what pacemaker-execd
        and pacemaker-fenced run), are the package's files; the renderer
        and the templates were the package's."""
        want = {}
        for ov, src in self.overlay_extra.items():
            inner = ("/usr/sbin/" if ov.startswith("sbin/") else
                     "/usr/lib/ocf/resource.d/") + ov.split("/", 1)[1]
            want[inner] = sha256(src)
        bad = []
        for h in NODES:
            r = self.exec(h, ["sha256sum"] + sorted(want), check=False)
            got = dict(reversed(ln.split(None, 1))
                       for ln in r.stdout.splitlines() if ln.strip())
            bad += [f"{h}:{p}" for p in want if got.get(p) != want[p]]
        tree = agents_built() or {}
        differ = sum(1 for ov, src in self.overlay_extra.items()
                     if ov in tree and sha256(tree[ov]) != sha256(src))
        ours = [self.render_bin, self.crm] + [
            os.path.join(self.crm_config, t) for t in PKG_TEMPLATES]
        outside = [p for p in ours
                   if not p.startswith(self.pkg_root + os.sep)]
        ok = not bad and not outside
        detail = (f"{os.path.basename(self.deb)}: in {' and '.join(NODES)} "
                  f"the {len(want)} programs are the package's (sha256; "
                  f"{differ} differ from {cluster.BUILD}'s); geoha-render "
                  f"and {', '.join(PKG_TEMPLATES)} from it")
        if bad:
            detail += f"; not the package's: {', '.join(bad)}"
        if outside:
            detail += f"; not from the package: {', '.join(outside)}"
        return ok, detail

    def az_dir(self, h=None):
        """The flexible servers' fixture folders (backend=azure)."""
        d = os.path.join(self.state, "azure-db")
        return d if h is None else os.path.join(d, AZ_SERVER[h])

    def prepare_dirs(self):
        super().prepare_dirs()
        if self.backend == "azure":
            # the fixture's accounts: passwords from its seed (the folder)
            self.tpl = {"pw": {u: fixture._password(self.az_dir(), u)
                               for u in ("geoha", "repl", "drupal")}}
        else:
            self.tpl = db_template(self.prefix)
        pw = self.tpl["pw"]
        for h in NODES:
            srv = os.path.join(self.node_dir(h), "srv")
            for sub in ("geoha/etc", "geoha/state", "drupal", "mysql"):
                os.makedirs(os.path.join(srv, sub))
            os.chmod(os.path.join(srv, "geoha"), 0o700)
            etc = os.path.join(srv, "geoha", "etc")
            cnf(os.path.join(etc, "mysql-admin.cnf"), "geoha", pw["geoha"])
            cnf(os.path.join(etc, "mysql-replication.cnf"), "repl",
                pw["repl"])
            cnf(os.path.join(etc, "drupal-db.cnf"), "drupal", pw["drupal"])
            with open(os.path.join(srv, "mysql", "my.cnf"), "w") as f:
                f.write(
                    "# the shipped server settings (read-only at boot)\n"
                    "!include "
                    f"{os.path.join(self.crm_config, 'mariadb-geoha.cnf')}"
                    "\n# this node\n[mariadbd]\n"
                    "datadir=/var/lib/mysql\n"
                    "socket=/run/mysqld/mysqld.sock\n"
                    "pid-file=/run/mysqld/mysqld.pid\n"
                    f"bind-address={ADDR[h]}\nport=3306\n"
                    f"server-id={SERVER_ID[h]}\nskip-name-resolve\n"
                    "innodb-buffer-pool-size=32M\n"
                    "innodb-log-file-size=16M\nperformance-schema=OFF\n"
                    "log-error=/var/log/mysql/error.log\n")
                if self.semi_sync:
                    # a server fenced while commits wait for the replica
                    # rolls them back at recovery instead of keeping them
                    f.write("# semi_sync=true (agents/mysql/README.md)\n"
                            "init-rpl-role=SLAVE\n"
                            "rpl-semi-sync-slave-enabled=ON\n")
            # Drupal's settings.php, reduced to what the harness needs; the
            # last line is agents/drupal/README.md's.
            with open(os.path.join(srv, "drupal", "settings.php"), "w") as f:
                f.write("<?php\n$databases = [];\n"
                        "// The cluster (ocf:geoha:drupal) keeps the "
                        "database settings in this file.\n"
                        "require $app_root . '/' . $site_path . "
                        "'/settings.geoha.php';\n")
            if self.backend == "azure":
                continue
            data = os.path.join(self.node_dir(h), "var-lib-mysql")
            os.rmdir(data)
            run(["cp", "-a", self.tpl["data"], data], timeout=60)
        if self.file_sync:
            self.prepare_ssh()

    def prepare_ssh(self):
        """Per node: Drupal's files folder, an sshd configuration and host
        key; one client key (root's on both nodes, like the runbook's) and
        a known_hosts naming both nodes' host keys."""
        known = []
        for h in NODES:
            srv = os.path.join(self.node_dir(h), "srv")
            os.makedirs(os.path.join(srv, "drupal", "files"))
            ssh = os.path.join(srv, "geoha", "etc", "ssh")
            os.makedirs(ssh, mode=0o700)
            run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C",
                 f"geoha-harness-{h}", "-f", os.path.join(ssh, "host")],
                timeout=30)
            with open(os.path.join(ssh, "host.pub")) as f:
                typ, key = f.read().split()[:2]
            known.append(f"{ADDR[h]} {typ} {key}\n")
            with open(os.path.join(ssh, "sshd_config"), "w") as f:
                f.write(f"ListenAddress {ADDR[h]}\nPort 22\n"
                        "HostKey /srv/geoha/etc/ssh/host\nPidFile none\n"
                        "AuthorizedKeysFile /srv/geoha/etc/ssh/"
                        "authorized_keys\n"
                        "PermitRootLogin prohibit-password\n"
                        "PasswordAuthentication no\n"
                        "KbdInteractiveAuthentication no\nUsePAM no\n"
                        "LogLevel ERROR\nMaxStartups 50\n")
        first = os.path.join(self.node_dir(NODES[0]), "srv", "geoha", "etc",
                             "ssh")
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C",
             "geoha-file-sync", "-f", os.path.join(first, "id")], timeout=30)
        for h in NODES:
            ssh = os.path.join(self.node_dir(h), "srv", "geoha", "etc", "ssh")
            if ssh != first:
                for n in ("id", "id.pub"):
                    shutil.copy2(os.path.join(first, n), os.path.join(ssh, n))
            shutil.copy2(os.path.join(first, "id.pub"),
                         os.path.join(ssh, "authorized_keys"))
            with open(os.path.join(ssh, "known_hosts"), "w") as f:
                f.writelines(known)

    def files_dir(self, h):
        """Drupal's user files folder of node h, as the host sees it."""
        return os.path.join(self.node_dir(h), "srv", "drupal", "files")

    def start_sshd(self, host):
        # sh execs sshd: the pid recorded is sshd's. /run is the node's
        # fresh tmpfs, so its privilege-separation folder is made here.
        self.spawn(host, "sshd", [
            "sh", "-c", f"mkdir -p -m 0755 /run/sshd && exec {SSHD} -D -e "
            "-f /srv/geoha/etc/ssh/sshd_config"])

    def include_path(self, h):
        return os.path.join(self.node_dir(h), "srv", "drupal",
                            "settings.geoha.php")

    def admin_cnf(self, h):
        return os.path.join(self.node_dir(h), "srv", "geoha", "etc",
                            "mysql-admin.cnf")

    def state_dir(self, h):
        return os.path.join(self.node_dir(h), "srv", "geoha", "state")

    def pidfile(self, h):
        return os.path.join(self.node_dir(h), "mysqld.hostpid")

    def writer_log(self, h):
        return os.path.join(self.node_dir(h), "var-log", "geoha-writer.jsonl")

    # ---- backend=azure: the flexible servers
    def azure_seed(self, seed):
        if self.backend != "azure":
            return
        os.makedirs(self.az_dir(), mode=0o755)
        os.chmod(self.az_dir(), 0o755)
        for h in NODES:
            # in the azure namespace: that is where they listen; the mock
            # restarts them there with the same address and port
            self.exec("azure", [
                sys.executable, FIXTURE, "start", self.az_dir(h),
                "--server-id", str(SERVER_ID[h]), "--bind", ADDR["azure"],
                "--port", str(AZ_PORT[h]), "--password-seed", self.az_dir()]
                + (["--writable"] if h == NODES[0] else []), timeout=120)
        # Drupal's tables and seed rows on the writer, in its binary log:
        # the replica gets them once the mock points it at the writer
        self.az_sql(NODES[0],
                    ";\n".join(["USE drupal"] + DRUPAL_SCHEMA) + ";\n")
        rg = self.value("DB_RESOURCE_GROUP")
        seed["mysqlServers"] = [
            dict({"resourceGroup": rg, "name": AZ_SERVER[h],
                  "location": AZ_LOCATION[h],
                  "mariadb": {"dir": self.az_dir(h)}},
                 **({"replicationRole": "Source"} if h == NODES[0] else
                    {"replicationRole": "Replica",
                     "source": AZ_SERVER[NODES[0]]}))
            for h in NODES]
        seed["mariadb_setup"] = True
        # Azure takes minutes; the demo and the suite take seconds
        seed["config"]["op_delays_s"].update({
            "mysql.promote": 2, "mysql.update": 0.5, "mysql.stop": 0.5,
            "mysql.start": 0.5, "mysql.restart": 0.5, "mysql.replica": 2,
            "mysql.delete": 0.5, "mysql.configuration": 0.3,
            "mysql.firewall": 0.3})

    def reseed(self, h, discard=False, timeout_s=300):
        """backend=azure, the admin's failback (crm-config/runbook.md): the
        agent's reseed action on node h with the db resource's parameters
        from the CIB, then crm_resource --cleanup. discard: accept dropping
        transactions the stale server holds that the writer lacks. Returns
        (ok, the agent's output)."""
        r = self.exec(h, ["cibadmin", "--query", "--xpath",
                          "//primitive[@id='db']/instance_attributes"])
        env = {"OCF_ROOT": "/usr/lib/ocf", "OCF_RESOURCE_INSTANCE": "db",
               "OCF_RESKEY_CRM_meta_timeout": str(timeout_s * 1000)}
        for nv in ET.fromstring(r.stdout).iter("nvpair"):
            env["OCF_RESKEY_" + nv.get("name")] = nv.get("value", "")
        if discard:
            env["GEOHA_RESEED_DISCARD_ERRANT"] = "yes"
        r = self.exec(h, ["/usr/lib/ocf/resource.d/geoha/mysql", "reseed"],
                      env=env, timeout=timeout_s + 30, check=False)
        out = (r.stdout + r.stderr).strip()
        if r.returncode != 0:
            return False, out
        self.exec(h, ["crm_resource", "--cleanup", "-r", "db-clone"],
                  timeout=30)
        return True, out

    def az_sql(self, h, text, check=True):
        """SQL (on stdin) on h's flexible server, as the admin account,
        through the fixture's socket; stdout, or None."""
        inf = fixture.info(self.az_dir(h))
        r = run([CLIENT, f"--defaults-file={inf['admin_cnf']}",
                 f"--socket={inf['socket']}", "-N", "-B"], input=text,
                timeout=30, check=check)
        return r.stdout if r.returncode == 0 else None

    # ---- the node's boot
    def before_stack(self, host):
        if self.backend == "native":
            self.start_mysqld(host)
        if self.file_sync:
            self.start_sshd(host)

    def create(self, start=True):
        super().create(start)
        with open(os.path.join(self.state, "site.json"), "w") as f:
            json.dump({"site": "geoha", "file_sync": self.file_sync,
                       "backend": self.backend,
                       "package": self.deb if self.package else None}, f)
        self._sup = threading.Thread(target=self._supervise, daemon=True)
        self._sup.start()
        return self

    def _supervise(self):
        """What systemd's Restart= does for mariadb.service on a VM: a
        server that died while its node runs is started again after
        RESTART_S (read-only, as every boot). Azure restarts its own
        servers: nothing to do with backend=azure."""
        if self.backend != "native":
            return
        died = {}
        while not self._watch_stop.wait(0.1):
            for h in NODES:
                with self.mu:
                    if h in self.power_off or self.socket(h) is not None:
                        died.pop(h, None)
                        continue
                    if h not in died:
                        died[h] = now()
                        self.event(f"mariadbd of {h} exited")
                        continue
                    if now() - died[h] < self.restart_s:
                        continue
                    if not self._comm_running(h, "corosync"):
                        # the whole node went down (fenced: the mock
                        # Azure's power-off); its boot starts mariadbd
                        continue
                    died.pop(h, None)
                    try:
                        self.start_mysqld(h)
                        self.event(f"mariadbd of {h} restarted")
                    except HarnessError as e:
                        log(f"restart of mariadbd on {h} failed: {e}")

    def _comm_running(self, host, comm):
        for pid in self.pids(host):
            try:
                with open(f"/proc/{pid}/comm") as f:
                    if f.read().strip() == comm:
                        return True
            except OSError:
                pass
        return False

    def watch_forever(self):
        self._watch_stop.clear()
        threading.Thread(target=self._supervise, daemon=True).start()
        super().watch_forever()

    def arm_down(self):
        """Azure's API unreachable (cluster.Cluster.arm_down). Native
        backend only: with backend=azure the database servers live in the
        azure namespace too, and would be cut off with it."""
        if self.backend == "azure":
            raise HarnessError("arm_down detaches the azure namespace, "
                               "which holds backend=azure's servers")
        super().arm_down()

    # ---- a whole region fails (issue 16)
    def mock_call(self, method, path, body=None):
        """A call to the mock Azure (its control API, /_mock/...)."""
        argv = ["curl", "-sS", "--max-time", "30", "-X", method,
                f"http://{ADDR['azure']}:{cluster.AZURE_PORT}{path}"]
        if body is not None:
            argv += ["-H", "Content-Type: application/json",
                     "--data-binary", json.dumps(body)]
        r = self.exec("azure", argv, timeout=40)
        return json.loads(r.stdout) if r.stdout.strip() else None

    def arm_region(self, loc, down, servers=False):
        """The mock's region fault: every ARM request on LOC's resources
        hangs (Traffic Manager, a global service, still answers), or is
        answered again. SERVERS: the region's flexible servers
        (backend=azure) lose power with it and come back with it, as
        Azure brings them back (a standalone server writable)."""
        self.mock_call("POST", "/_mock/region",
                       {"location": loc, "down": down, "servers": servers})

    def region_down(self, h, dead=True):
        """HOST's whole region fails: its node unreachable (dead: every
        process killed, its watchdog with it; or alive but cut off from
        the other node, the witness and Azure), its database server
        unreachable, and every ARM request on the region's resources
        hangs, while Traffic Manager and the other region answer."""
        if dead:
            self.kill(h)
        else:
            self.isolate(h)
        # a dead region takes its flexible server with it; a region cut
        # off keeps it running (the harness's isolate() cuts the node from
        # the azure namespace, where the servers live, as well)
        self.arm_region(AZ_LOCATION[h], True,
                        servers=self.backend == "azure" and dead)
        self.event(f"region {AZ_LOCATION[h]} down ({h} "
                   f"{'dead' if dead else 'cut off'})")

    def region_up(self, h):
        """HOST's region returns: ARM answers for it again (its servers
        come back), the network is back, and its VM boots if it is off."""
        self.arm_region(AZ_LOCATION[h], False,
                        servers=self.backend == "azure")
        self.heal()
        if h in self.power_off:
            self.reboot(h)
        self.event(f"region {AZ_LOCATION[h]} up")

    def crash_mysqld(self, host):
        """SIGKILL the node's mariadbd only (a crash); the supervisor
        starts it again after restart_s."""
        with self.mu:
            p = self.mysqld[host]
            p.kill()
            p.wait()

    def after_stack(self, host):
        if self.writers_on:
            self.start_writer(host)

    def start_mysqld(self, host):
        p = self.spawn(host, "mariadbd", [
            MARIADBD, "--defaults-file=/srv/mysql/my.cnf", "--user=mysql"])
        self.mysqld[host] = p
        tmp = self.pidfile(host) + ".tmp"
        with open(tmp, "w") as f:
            f.write(f"{p.pid}\n")
        os.rename(tmp, self.pidfile(host))

        def up():
            if p.poll() is not None:
                raise HarnessError(f"mariadbd of {host} exited; see "
                                   f"{self.node_dir(host)}/var-log/mysql")
            return self.sql(host, "SELECT 1", check=False) is not None
        wait_for(up, 60, 0.05, f"mariadbd on {host}")

    def socket(self, host):
        if self.backend == "azure":
            try:
                inf = fixture.info(self.az_dir(host))
            except (OSError, ValueError):
                return None
            return inf["socket"] if fixture._alive(inf["pid"]) else None
        p = self.mysqld.get(host)
        if p is not None:
            if p.poll() is not None:
                return None
            pid = p.pid
            if not os.path.exists(f"/proc/{pid}"):
                return None
        else:
            # a cluster another process started (ctl): the pid file
            try:
                with open(self.pidfile(host)) as f:
                    pid = int(f.read().strip())
            except (OSError, ValueError):
                return None
            if host in self.inodes and pid not in self.pids(host):
                return None
        return f"/proc/{pid}/root/run/mysqld/mysqld.sock"

    def _flag(self):
        return os.path.join(self.state, "writers-on")

    @classmethod
    def attach(cls, prefix=None, logdir=None):
        c = super().attach(prefix, logdir)
        c.writers_on = os.path.exists(c._flag())
        try:
            with open(os.path.join(c.state, "site.json")) as f:
                site = json.load(f)
        except (OSError, ValueError):
            site = {}
        c.file_sync = bool(site.get("file_sync"))
        c.backend = site.get("backend", "native")
        if site.get("package"):
            c.package, c.deb = True, site["package"]
            c.use_package(os.path.join(c.state, "package"), crm=False)
        return c

    def sql(self, host, query, check=True, timeout=20):
        """Runs QUERY on HOST's server as the admin account, through its
        socket inside the node; rows as lists of strings (None when the
        server cannot be reached and check is false)."""
        sock = self.socket(host)
        if sock is None:
            if check:
                raise HarnessError(f"no mariadbd on {host}")
            return None
        r = run([CLIENT, f"--defaults-file={self.admin_cnf(host)}",
                 f"--socket={sock}", "-N", "-B", "--connect-timeout=3",
                 "-e", query], timeout=timeout, check=False)
        if r.returncode != 0:
            if check:
                raise HarnessError(f"SQL on {host} failed: "
                                   f"{r.stderr.strip()[-300:]}")
            return None
        return [line.split("\t") for line in r.stdout.splitlines()]

    # ---- bootstrap
    def bootstrap(self, timeout=90):
        """Waits for ci promoted, si replicating and both includes active,
        then removes the harness-only first-writer rule."""
        self.wait_promoted(NODES[0], timeout=timeout)
        self.exec(NODES[0], ["cibadmin", "--delete", "--xml-text",
                             f'<rsc_location id="{INITIAL_WRITER_RULE}"/>'])
        self.wait_site(NODES[0], timeout)

    def site_state(self):
        """{host: {"ro", "io", "sql", "inc"}} read directly (None per host
        when down)."""
        out = {}
        for h in NODES:
            row = self.sql(h, "SELECT @@read_only", check=False)
            if row is None:
                out[h] = None
                continue
            rs = self.slave_status(h) or {}
            out[h] = {"ro": row[0][0] == "1",
                      "io": rs.get("Slave_IO_Running"),
                      "sql": rs.get("Slave_SQL_Running"),
                      "src": rs.get("Master_Host"),
                      "inc": include_state(self.include_path(h))}
        return out

    def slave_status(self, h):
        sock = self.socket(h)
        if sock is None:
            return None
        r = run([CLIENT, f"--defaults-file={self.admin_cnf(h)}",
                 f"--socket={sock}", "-E", "--connect-timeout=3", "-e",
                 "SHOW SLAVE STATUS"], timeout=20, check=False)
        if r.returncode != 0:
            return None
        st = {}
        for line in r.stdout.splitlines():
            if ":" in line and not line.startswith("*"):
                k, v = line.split(":", 1)
                st[k.strip()] = v.strip()
        return st

    def site_ok(self, writer):
        """The site is in its normal shape with WRITER the writer: writer
        writable, every other server read-only and replicating from it
        (both threads), every include active on the writer, Pacemaker
        agreeing."""
        st = self.site_state()
        for h in NODES:
            s = st.get(h)
            want_inc = f"active writer={writer}"
            if not include_state(self.include_path(h)).startswith(want_inc):
                return False
            if h == writer:
                if s is None or s["ro"]:
                    return False
            elif self.former_azure_writer(h, s):
                continue
            elif s is None or not s["ro"] or s["io"] != "Yes" or \
                    s["sql"] != "Yes" or s["src"] != self.source_addr(writer):
                return False
        return True

    def reseed_marked(self, h):
        """ocf:geoha:mysql (azure) marked h's server diverged-or-stale."""
        return os.path.exists(os.path.join(self.state_dir(h),
                                           "mysql-db.reseed"))

    def former_azure_writer(self, h, s):
        """backend=azure: h's server was a writer and promotion is one-way:
        it is stopped or read-only, and marked for reseed."""
        return self.backend == "azure" and self.reseed_marked(h) and \
            (s is None or s["ro"])

    def source_addr(self, writer):
        """The address a replica of WRITER's server replicates from."""
        return ADDR["azure"] if self.backend == "azure" else ADDR[writer]

    def wait_site(self, writer, timeout):
        def ok():
            if not self.site_ok(writer):
                return False
            for h in NODES:
                st = self.crm_mon(h)
                if not st or not st["quorum"] or \
                        sorted(st["online"]) != sorted(NODES):
                    return False
                roles = st["roles"].get("db", {})
                if roles.get(writer) != "Promoted" or any(
                        roles.get(o) != "Unpromoted"
                        for o in NODES if o != writer):
                    return False
            return True
        return wait_for(ok, timeout, 0.5, f"site converged on {writer}")

    # ---- writers and sampler
    def start_writer(self, host):
        with self.mu:
            if self.alive(host, "writer"):
                return
            self.spawn(host, "writer", [
                "php", os.path.join(HERE, "writer.php"), host,
                "/srv/drupal/settings.php", "/var/log/geoha-writer.jsonl"])

    def start_writers(self):
        self.writers_on = True
        with open(self._flag(), "w"):
            pass
        for h in NODES:
            if h not in self.power_off:
                self.start_writer(h)

    def stop_writers(self):
        self.writers_on = False
        try:
            os.unlink(self._flag())
        except OSError:
            pass
        with self.mu:
            for h in NODES:
                for n, p in self.procs[h]:
                    if n == "writer" and p.poll() is None:
                        p.kill()
                        p.wait()

    def start_sampler(self, out):
        cfg = {"out": out, "probe_ms": 50, "sample_ms": 100,
               "probe_base": int(time.time() * 10) * 1000,
               "admin": ["geoha", self.tpl["pw"]["geoha"]],
               "app": ["drupal", self.tpl["pw"]["drupal"]],
               "nodes": {h: {"pidfile": self.pidfile(h),
                             "include": self.include_path(h)}
                         for h in NODES}}
        if self.backend == "azure":
            for h in NODES:
                cfg["nodes"][h]["socket"] = fixture.info(
                    self.az_dir(h))["socket"]
        cf = os.path.join(self.state, "sampler.json")
        fd = os.open(cf, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(cfg, f)
        errf = open(os.path.join(self.state, "sampler.err"), "ab")
        self.sampler_proc = subprocess.Popen(
            ["php", os.path.join(HERE, "sampler.php"), cf],
            stdin=subprocess.DEVNULL, stdout=errf, stderr=errf,
            start_new_session=True)
        errf.close()
        return Samples(out, self.sampler_proc)

    def stop_sampler(self):
        p = self.sampler_proc
        if p is not None and p.poll() is None:
            p.kill()
            p.wait()
        self.sampler_proc = None

    def teardown(self, keep_logs=True):
        self.stop_sampler()
        self.writers_on = False
        if keep_logs:
            os.makedirs(self.logdir, exist_ok=True)
            for h in NODES:
                sd = self.state_dir(h)
                if os.path.isdir(sd):
                    dst = os.path.join(self.logdir, f"{h}-geoha-state")
                    shutil.rmtree(dst, ignore_errors=True)
                    shutil.copytree(sd, dst)
        return super().teardown(keep_logs)

    def agent_log(self, host, pattern):
        """Lines of HOST's pacemaker log matching the regex PATTERN."""
        p = os.path.join(self.node_dir(host), "var-log", "pacemaker",
                         "pacemaker.log")
        try:
            with open(p, errors="replace") as f:
                return [l for l in f if re.search(pattern, l)]
        except OSError:
            return []


def attach(prefix):
    """The cluster with PREFIX that another process started: a GeohaCluster
    when it runs the geoha site, else a plain harness cluster."""
    state = f"/var/tmp/geoha-cluster/{prefix.rstrip('-')}"
    if os.path.exists(os.path.join(state, "site.json")):
        return GeohaCluster.attach(prefix)
    return cluster.Cluster.attach(prefix)


def include_state(path):
    try:
        with open(path, errors="replace") as f:
            head = f.read(512)
    except OSError:
        return "missing"
    m = re.search(r"geoha-state: ([^\n]*)", head)
    return m.group(1).strip() if m else "unknown"


class Samples:
    """The sampler's output file, read as it grows."""

    def __init__(self, path, proc):
        self.path = path
        self.proc = proc
        self.recs = []
        self._off = 0
        self._partial = ""
        self.mu = threading.Lock()

    def refresh(self):
        with self.mu:
            try:
                with open(self.path, errors="replace") as f:
                    f.seek(self._off)
                    data = f.read()
                    self._off = f.tell()
            except OSError:
                return self.recs
            data = self._partial + data
            lines = data.split("\n")
            self._partial = lines.pop()
            for line in lines:
                try:
                    self.recs.append(json.loads(line))
                except ValueError:
                    pass
            return self.recs

    def status(self):
        """Sample ticks only (those with server status)."""
        return [r for r in self.refresh() if "s" in r]

    def writable(self, rec):
        return sorted(h for h, v in rec["s"].items()
                      if v.get("up") and not v.get("ro"))

    def dual(self):
        """(status samples with two writable servers, probe rows accepted
        by two servers)"""
        recs = self.refresh()
        two = [r for r in recs if "s" in r and len(self.writable(r)) > 1]
        twice = [r for r in recs if len(r.get("acc", [])) > 1]
        return two, twice

    def open_window(self, host, after):
        """(first sample at or after AFTER with HOST's server writable,
        first later sample with it closed: read-only or down); either is
        None when not seen."""
        opened = None
        for r in self.status():
            if r["t"] < after:
                continue
            v = r["s"].get(host, {})
            if v.get("up") and not v.get("ro"):
                opened = opened or r["t"]
            elif opened is not None:
                return opened, r["t"]
        return opened, None

    def dual_outside(self, host, t0, t1):
        """dual() without what HOST's server did from T0 to T1 (a window
        reported on its own)."""
        two, twice = self.dual()

        def inside(r):
            return t0 <= r["t"] <= t1 and host in (
                self.writable(r) if "s" in r else r.get("acc", []))
        return ([r for r in two if not inside(r)],
                [r for r in twice if not inside(r)])

    def first(self, pred, after=0.0):
        for r in self.status():
            if r["t"] >= after and pred(r):
                return r["t"]
        return None

    def last_before(self, t):
        out = None
        for r in self.status():
            if r["t"] >= t:
                break
            out = r
        return out


# Pacemaker's log lines: "Dec 03 21:27:08.628 si pacemaker-..."
PCMK_TS_RE = re.compile(r"^(\w{3} +\d+ \d\d:\d\d:\d\d)\.(\d{3}) ")


def pcmk_lines(c, h, after):
    """[(wall time, line)] of HOST's pacemaker.log at or after AFTER."""
    p = os.path.join(c.node_dir(h), "var-log", "pacemaker", "pacemaker.log")
    out = []
    year = time.localtime().tm_year
    try:
        f = open(p, errors="replace")
    except OSError:
        return out
    with f:
        for line in f:
            m = PCMK_TS_RE.match(line)
            if not m:
                continue
            t = time.mktime(time.strptime(f"{year} {m.group(1)}",
                                          "%Y %b %d %H:%M:%S")) + \
                int(m.group(2)) / 1000.0
            if t >= after - 0.5:
                out.append((t, line.rstrip("\n")))
    return out


def fencing_record(c, target, after):
    """How TARGET's fencing after AFTER went, from the fencer's (the other
    node's) pacemaker-fenced lines: requested, level 1 (fence_geoha)
    failed and how long it took, and how it was confirmed ("fence_geoha"
    or "watchdog"), with the times relative to AFTER."""
    fencer = [h for h in NODES if h != target][0]
    rec = {}
    for t, line in pcmk_lines(c, fencer, after):
        if "pacemaker-fenced" not in line:
            continue
        if "requested" not in rec and "wants to fence" in line and \
                f" {target} " in line:
            rec["requested"] = t
        if "l1_start" not in rec and re.search(
                rf"perform '\w+' action targeting {target} using "
                rf"fence-{target}", line):
            rec["l1_start"] = t
        if "l1_failed" not in rec and re.search(
                rf"fence_geoha\[\d+\]: \w+: vm-{target}: Fencing of "
                rf"{target} failed", line):
            rec["l1_failed"] = t
            rec["l1_line"] = line.split("]: ", 1)[-1][:300]
        if "wd_wait" not in rec and re.search(
                rf"(?i)waiting \d+s for {target} to self-fence", line):
            rec["wd_wait"] = t
        if "done" not in rec and re.search(
                rf"Operation '\w+' targeting {target} by .*: OK", line):
            rec["done"] = t
            rec["done_line"] = line.split(") \t", 1)[-1][:300]
    if "done" in rec:
        rec["method"] = ("watchdog" if "wd_wait" in rec
                         and rec["wd_wait"] <= rec["done"] else "fence_geoha")
    return rec


def read_writes(path):
    """A writer's records (JSON lines; a torn last line is skipped)."""
    out = []
    try:
        with open(path, errors="replace") as f:
            for line in f:
                try:
                    out.append(json.loads(line))
                except ValueError:
                    pass
    except OSError:
        pass
    return out


def gtid_seq(gtid, domain="0"):
    """The sequence number of domain DOMAIN in a MariaDB GTID position
    ("0-1-17,1-2-3"), or -1."""
    for g in (gtid or "").split(","):
        p = g.strip().split("-")
        if len(p) == 3 and p[0] == domain:
            try:
                return int(p[2])
            except ValueError:
                return -1
    return -1


def binlog_state(text):
    """{(domain, server_id): seq} from @@gtid_binlog_state."""
    out = {}
    for g in (text or "").split(","):
        p = g.strip().split("-")
        if len(p) == 3:
            try:
                out[(p[0], p[1])] = int(p[2])
            except ValueError:
                pass
    return out


def errant(former, writer):
    """Transactions in FORMER's binlog state that WRITER's lacks (per
    domain and server id): {(domain, server): (former seq, writer seq)}."""
    a, b = binlog_state(former), binlog_state(writer)
    return {k: (v, b.get(k, 0)) for k, v in a.items() if v > b.get(k, 0)}
