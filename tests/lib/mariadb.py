#!/usr/bin/env python3
"""Real MariaDB servers for geoha's tests (Python 3 standard library only).

Each server lives in its own directory DIR (data, socket, pid, logs, option
files) and listens on 127.0.0.1 (or --bind) on a free port (or --port). Only
the pid that this fixture started is ever signalled.

CLI (for shell tests):
  mariadb.py start DIR [--server-id N] [--writable] [--semisync]
                       [--bind ADDR] [--port N]
        create (if new) and start a server; prints DIR/info.json's content.
        Servers start read-only (read_only=ON), as geoha's shipped
        configuration does, unless --writable.
  mariadb.py stop DIR [--kill]     stop it (SIGTERM, or SIGKILL = crash)
  mariadb.py replicate REPLICA_DIR SOURCE_DIR
        point REPLICA at SOURCE with GTID (slave_pos) and start replication
  mariadb.py sql DIR SQL           run SQL as the admin account, print rows
                                   (tab separated, no headers)
  mariadb.py info DIR              print info.json
  mariadb.py tls-cert DIR good|wrong
        (a server started with --tls) present the certificate for its
        address, or the one issued for another name (FLUSH SSL, no restart)

TLS mode (opt-in; start(..., tls=CA_DIR), --tls CA_DIR): CA_DIR gets (once,
with openssl) a test CA and, per address, a server certificate naming it
(IP or DNS subjectAltName and CN) and one for the WRONG name
wrong.geoha.invalid, all from the same CA. The server is configured with
ssl-ca/ssl-cert/ssl-key (the certificate naming tls_name, default the
bind address, unless
tls_cert="wrong"), and every option file it writes gets ssl-ca=CA_DIR/ca.pem.
info.json then also has "tls_ca" and "tls_dir". Servers started without
tls are exactly as before.

info.json: {"port", "socket", "pid", "server_id", "dir",
            "admin_cnf", "repl_cnf", "app_cnf", "host"}
  admin_cnf: [client] option file of the administrative account geoha
             (all privileges) — what an agent's defaults_file points at.
  repl_cnf:  [client] option file of the replication account repl.
  app_cnf:   [client] option file of the application account drupal
             (DML on database drupal), for PHP writers.
All option files are mode 0600. Passwords are random per server directory
set, fixed by --password-seed for servers that must share accounts
(replication needs the same repl password on both sides): the default seed
is the parent directory, so servers created side by side share accounts.
"""
import argparse
import hashlib
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time

MARIADBD = "/usr/sbin/mariadbd"
INSTALL_DB = "/usr/bin/mariadb-install-db"
CLIENT = "/usr/bin/mariadb"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _password(seed, user):
    return hashlib.sha256(f"{seed}:{user}:geoha-test".encode()).hexdigest()[:24]


WRONG_NAME = "wrong.geoha.invalid"


def _openssl(*args):
    r = subprocess.run(["openssl", *args], capture_output=True, text=True,
                       timeout=60)
    if r.returncode != 0:
        raise RuntimeError("openssl " + args[0] + " failed: " + r.stderr)


def tls_files(ca_dir, name):
    """Create (once) the test CA in ca_dir and, for name (an IP address or
    a DNS name), a certificate naming it ("good") and one naming only
    WRONG_NAME ("wrong"). Returns {"ca", "good": (cert, key),
    "wrong": (cert, key)}. Keys are readable by the mysql user only."""
    import ipaddress
    os.makedirs(ca_dir, exist_ok=True)
    os.chmod(ca_dir, 0o755)
    mysql = pwd.getpwnam("mysql")
    ca, ca_key = os.path.join(ca_dir, "ca.pem"), os.path.join(ca_dir,
                                                               "ca.key")
    if not os.path.exists(ca):
        _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                 ca_key, "-out", ca, "-days", "30", "-subj",
                 "/CN=geoha test CA",
                 "-addext", "basicConstraints=critical,CA:TRUE",
                 "-addext", "keyUsage=critical,keyCertSign,cRLSign")
        os.chmod(ca, 0o644)
        os.chmod(ca_key, 0o600)
    out = {"ca": ca}
    try:
        ipaddress.ip_address(name)
        san = f"IP:{name}"
    except ValueError:
        san = f"DNS:{name}"
    for which, cn, alt in (("good", name, san),
                           ("wrong", WRONG_NAME, f"DNS:{WRONG_NAME}")):
        tag = name if which == "good" else "wrong"
        cert = os.path.join(ca_dir, f"server-{tag}.pem")
        key = os.path.join(ca_dir, f"server-{tag}.key")
        if not os.path.exists(cert):
            csr = os.path.join(ca_dir, f"server-{tag}.csr")
            ext = os.path.join(ca_dir, f"server-{tag}.ext")
            _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                     "-out", csr, "-subj", f"/CN={cn}")
            with open(ext, "w") as f:
                f.write(f"subjectAltName={alt}\nbasicConstraints=CA:FALSE\n"
                        "extendedKeyUsage=serverAuth\n")
            _openssl("x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key,
                     "-CAcreateserial", "-out", cert, "-days", "30",
                     "-extfile", ext)
            os.chmod(cert, 0o644)
            os.chown(key, mysql.pw_uid, mysql.pw_gid)
            os.chmod(key, 0o600)
        out[which] = (cert, key)
    return out


def _server_cert_paths(d):
    return os.path.join(d, "tls-cert.pem"), os.path.join(d, "tls-key.pem")


def _present(d, files, which):
    """Copy the chosen certificate where the server's ssl-cert/ssl-key
    point (readable by the mysql user)."""
    mysql = pwd.getpwnam("mysql")
    for src, dst in zip(files[which], _server_cert_paths(d)):
        shutil.copyfile(src, dst + ".new")
        os.chown(dst + ".new", mysql.pw_uid, mysql.pw_gid)
        os.chmod(dst + ".new", 0o600)
        os.replace(dst + ".new", dst)


def tls_cert(d, which):
    """A server started with tls presents its "good" or "wrong"
    certificate from now on (FLUSH SSL: no restart)."""
    inf = info(d)
    if not inf.get("tls_dir"):
        raise RuntimeError(f"{d} was not started with tls")
    _present(d, tls_files(inf["tls_dir"], inf.get("tls_name", inf["host"])),
             which)
    r = subprocess.run([CLIENT, "-uroot", f"--socket={inf['socket']}",
                        "--skip-ssl", "-e", "FLUSH SSL"],
                       capture_output=True, text=True, timeout=20)
    if r.returncode != 0:
        raise RuntimeError("FLUSH SSL failed: " + r.stderr)


def _write_cnf(path, user, password, sock=None, host=None, port=None,
               ssl_ca=None):
    lines = ["[client]", f"user={user}", f"password={password}"]
    if ssl_ca:
        lines.append(f"ssl-ca={ssl_ca}")
    if sock:
        lines.append(f"socket={sock}")
    if host:
        lines.append(f"host={host}")
    if port:
        lines.append(f"port={port}")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write("\n".join(lines) + "\n")
    os.chmod(path, 0o600)


def info(d):
    with open(os.path.join(d, "info.json")) as f:
        return json.load(f)


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie child of ours is not alive
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def sql(d, query, timeout=20, cnf=None):
    inf = info(d)
    argv = [CLIENT, f"--defaults-file={cnf or inf['admin_cnf']}",
            f"--socket={inf['socket']}", "-N", "-B",
            "--connect-timeout=5", "-e", query]
    r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    if r.returncode != 0:
        raise RuntimeError(f"sql failed on {d}: {r.stderr.strip()}")
    return r.stdout


def start(d, server_id=None, writable=False, semisync=False, seed=None,
          bind="127.0.0.1", port=None, tls=None, tls_cert="good",
          tls_name=None):
    d = os.path.abspath(d)
    os.makedirs(d, exist_ok=True)
    seed = seed or os.path.dirname(d)
    data = os.path.join(d, "data")
    sock = os.path.join(d, "mysqld.sock")
    mysql = pwd.getpwnam("mysql")
    fresh = not os.path.isdir(os.path.join(data, "mysql"))
    if os.path.exists(os.path.join(d, "info.json")):
        inf = info(d)
        port = inf["port"]
        server_id = inf["server_id"]
        bind = inf.get("host", bind)
    else:
        port = port or free_port()
        if server_id is None:
            server_id = port
    os.chown(d, mysql.pw_uid, mysql.pw_gid)
    tls_conf = ""
    if tls:
        tls = os.path.abspath(tls)
        files = tls_files(tls, tls_name or bind)
        _present(d, files, tls_cert)
        cert, key = _server_cert_paths(d)
        tls_conf = f"ssl-ca={files['ca']}\nssl-cert={cert}\nssl-key={key}\n"
    cnf = os.path.join(d, "my.cnf")
    with open(cnf, "w") as f:
        f.write(f"""[mariadbd]
datadir={data}
socket={sock}
pid-file={d}/mysqld.pid
port={port}
bind-address={bind}
server-id={server_id}
log-bin={d}/data/binlog
log-slave-updates=ON
gtid-strict-mode=ON
binlog-format=ROW
skip-name-resolve
innodb-buffer-pool-size=32M
innodb-log-file-size=16M
performance-schema=OFF
log-error={d}/error.log
read-only={'OFF' if writable else 'ON'}
skip-slave-start
relay-log={d}/data/relay
""" + ("rpl_semi_sync_master_enabled=ON\nrpl_semi_sync_slave_enabled=ON\n"
       if semisync else "") + tls_conf)
    if fresh:
        os.makedirs(data, exist_ok=True)
        os.chown(data, mysql.pw_uid, mysql.pw_gid)
        r = subprocess.run([INSTALL_DB, f"--defaults-file={cnf}",
                            "--user=mysql", "--auth-root-authentication-method=socket",
                            "--skip-test-db"],
                           capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            raise RuntimeError("mariadb-install-db failed: " + r.stderr[-2000:])
    log = open(os.path.join(d, "stdout.log"), "a")
    p = subprocess.Popen([MARIADBD, f"--defaults-file={cnf}", "--user=mysql"],
                         stdout=log, stderr=log, stdin=subprocess.DEVNULL,
                         start_new_session=True)
    pid = p.pid
    with open(os.path.join(d, "fixture.pid"), "w") as f:
        f.write(str(pid))
    deadline = time.time() + 60
    while time.time() < deadline:
        if p.poll() is not None:
            raise RuntimeError("mariadbd exited: see " + d + "/error.log")
        r = subprocess.run([CLIENT, "-uroot", f"--socket={sock}", "-N", "-e",
                            "SELECT 1"], capture_output=True, timeout=10)
        if r.returncode == 0:
            break
        time.sleep(0.1)
    else:
        os.kill(pid, signal.SIGKILL)
        raise RuntimeError("mariadbd did not answer within 60 s")
    admin = os.path.join(d, "admin.cnf")
    repl = os.path.join(d, "repl.cnf")
    app = os.path.join(d, "app.cnf")
    pw = {u: _password(seed, u) for u in ("geoha", "repl", "drupal")}
    if fresh:
        # Accounts are created without binary logging: any statement in a
        # replica's binlog would be an errant transaction under
        # gtid_strict_mode.
        stmts = ["SET sql_log_bin=0",
                 "DELETE FROM mysql.global_priv WHERE User=''",
                 "FLUSH PRIVILEGES"]
        for host in ("127.0.0.1", "localhost", "%"):
            stmts += [
                f"CREATE USER 'geoha'@'{host}' IDENTIFIED BY '{pw['geoha']}'",
                f"GRANT ALL ON *.* TO 'geoha'@'{host}' WITH GRANT OPTION",
                f"CREATE USER 'repl'@'{host}' IDENTIFIED BY '{pw['repl']}'",
                f"GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO 'repl'@'{host}'",
                f"CREATE USER 'drupal'@'{host}' IDENTIFIED BY '{pw['drupal']}'",
                f"GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, INDEX, ALTER ON drupal.* TO 'drupal'@'{host}'",
            ]
        stmts += ["CREATE DATABASE IF NOT EXISTS drupal", "SET sql_log_bin=1"]
        r = subprocess.run([CLIENT, "-uroot", f"--socket={sock}", "-e",
                            ";\n".join(stmts)], capture_output=True,
                           text=True, timeout=30)
        if r.returncode != 0:
            raise RuntimeError("account set-up failed: " + r.stderr)
    ca = os.path.join(tls, "ca.pem") if tls else None
    _write_cnf(admin, "geoha", pw["geoha"], sock=sock, ssl_ca=ca)
    _write_cnf(repl, "repl", pw["repl"], host=bind, port=port, ssl_ca=ca)
    _write_cnf(app, "drupal", pw["drupal"], host=bind, port=port, ssl_ca=ca)
    inf = {"port": port, "socket": sock, "pid": pid, "server_id": server_id,
           "dir": d, "host": bind, "admin_cnf": admin,
           "repl_cnf": repl, "app_cnf": app}
    if tls:
        inf.update({"tls_ca": ca, "tls_dir": tls,
                    "tls_name": tls_name or bind})
    with open(os.path.join(d, "info.json"), "w") as f:
        json.dump(inf, f)
    return inf


def stop(d, kill=False, timeout=30):
    try:
        inf = info(d)
        pid = inf["pid"]
    except (OSError, ValueError, KeyError):
        return
    if not _alive(pid):
        return
    os.kill(pid, signal.SIGKILL if kill else signal.SIGTERM)
    deadline = time.time() + timeout
    while time.time() < deadline and _alive(pid):
        time.sleep(0.05)
    if _alive(pid):
        os.kill(pid, signal.SIGKILL)
        while _alive(pid):
            time.sleep(0.05)


def replicate(replica_dir, source_dir):
    src = info(source_dir)
    rcnf = {}
    with open(info(replica_dir)["repl_cnf"]) as f:
        for line in f:
            if "=" in line:
                k, v = line.strip().split("=", 1)
                rcnf[k] = v
    sql(replica_dir,
        "STOP SLAVE; SET GLOBAL gtid_slave_pos=@@gtid_binlog_pos; "
        f"CHANGE MASTER TO MASTER_HOST='{src['host']}', "
        f"MASTER_PORT={src['port']}, "
        f"MASTER_USER='{rcnf['user']}', MASTER_PASSWORD='{rcnf['password']}', "
        "MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1; START SLAVE")


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("start")
    s.add_argument("dir")
    s.add_argument("--server-id", type=int)
    s.add_argument("--writable", action="store_true")
    s.add_argument("--semisync", action="store_true")
    s.add_argument("--password-seed")
    s.add_argument("--bind", default="127.0.0.1",
                   help="listen on this address (default 127.0.0.1)")
    s.add_argument("--port", type=int, help="this port (default: a free one)")
    s.add_argument("--tls", metavar="CA_DIR",
                   help="TLS with the test CA in CA_DIR (created if new)")
    s.add_argument("--tls-cert", choices=("good", "wrong"), default="good")
    s.add_argument("--tls-name", help="the name the right certificate "
                   "carries (default: the --bind address)")
    s = sub.add_parser("tls-cert")
    s.add_argument("dir")
    s.add_argument("which", choices=("good", "wrong"))
    s = sub.add_parser("stop")
    s.add_argument("dir")
    s.add_argument("--kill", action="store_true")
    s = sub.add_parser("replicate")
    s.add_argument("replica")
    s.add_argument("source")
    s = sub.add_parser("sql")
    s.add_argument("dir")
    s.add_argument("query")
    s = sub.add_parser("info")
    s.add_argument("dir")
    a = ap.parse_args()
    if a.cmd == "start":
        print(json.dumps(start(a.dir, a.server_id, a.writable, a.semisync,
                               a.password_seed, a.bind, a.port, a.tls,
                               a.tls_cert, a.tls_name)))
    elif a.cmd == "tls-cert":
        tls_cert(a.dir, a.which)
    elif a.cmd == "stop":
        stop(a.dir, a.kill)
    elif a.cmd == "replicate":
        replicate(a.replica, a.source)
    elif a.cmd == "sql":
        sys.stdout.write(sql(a.dir, a.query))
    elif a.cmd == "info":
        print(json.dumps(info(a.dir)))


if __name__ == "__main__":
    main()
