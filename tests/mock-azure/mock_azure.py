#!/usr/bin/env python3
"""Mock Azure for geoha's tests: ARM, IMDS and Entra ID on one loopback port.

Python 3 standard library only. See README.md next to this file for the
seed format, the answers, the control API and the faults.

    mock_azure.py --seed SEED.json --port 0 --port-file FILE [--log FILE]
"""
import argparse
import copy
import datetime
import email.utils
import http.server
import json
import math
import os
import re
import secrets
import select
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "lib"))
import mariadb as fixture  # noqa: E402  tests/lib/mariadb.py

CLIENT = "/usr/bin/mariadb"
DUMP = "/usr/bin/mariadb-dump"
SYSTEM_DBS = ("mysql", "information_schema", "performance_schema", "sys")

NS_NETWORK = "microsoft.network"
NS_MYSQL = "microsoft.dbformysql"
NS_COMPUTE = "microsoft.compute"
PROVIDER_NAMES = {NS_NETWORK: "Microsoft.Network", NS_MYSQL:
                  "Microsoft.DBforMySQL", NS_COMPUTE: "Microsoft.Compute"}
EP_TYPES = {"azureendpoints": "azureEndpoints",
            "externalendpoints": "externalEndpoints",
            "nestedendpoints": "nestedEndpoints"}
EP_TYPE_NAMES = {"azureendpoints": "AzureEndpoints",
                 "externalendpoints": "ExternalEndpoints",
                 "nestedendpoints": "NestedEndpoints"}

DEFAULT_CONFIG = {
    "token_lifetime_s": 3600,
    "page_size": 100,
    "op_delays_s": {
        "mysql.promote": 3, "mysql.replica": 3, "mysql.update": 1,
        "mysql.stop": 1, "mysql.start": 1, "mysql.restart": 1,
        "mysql.delete": 1, "mysql.configuration": 0.5,
        "mysql.firewall": 0.5, "vm.powerOff": 1, "vm.start": 1,
        "vm.restart": 1, "vm.deallocate": 1,
    },
    "op_styles": {},
    "retry_after_s": 1,
    "imds_numbers_as_strings": True,
    "imds_default_vm": None,
    "hooks": {"off": None, "on": None},
    "hook_timeout_s": 60,
    # Azure's own execution of scheduled events (off: the document only
    # changes through StartRequests and the control API)
    "scheduled_events": {"run": False, "reboot_s": 2.0, "grace_s": 1.0},
    "ratelimit": {"reads": 12000, "writes": 1200, "window_s": 3600},
    "tm_checking_s": 0,
    "api_versions": {"Microsoft.Network": ["2022-04-01"],
                     "Microsoft.DBforMySQL": ["2024-12-30"],
                     "Microsoft.Compute": ["2024-07-01"]},
    "client_timeout_s": 3600,
    "arm_resource": "https://management.azure.com",
}
OP_STYLES = ("both", "location", "async", "provisioning", "sync")

ARM_CODES = {400: "BadRequest", 401: "InvalidAuthenticationToken",
             403: "AuthorizationFailed", 404: "ResourceNotFound",
             405: "UnsupportedHttpVerb", 409: "Conflict",
             429: "TooManyRequests", 500: "InternalServerError",
             502: "BadGateway", 503: "ServiceUnavailable",
             504: "GatewayTimeout"}
OAUTH_ERRORS = {400: "invalid_request", 401: "invalid_client",
                429: "temporarily_unavailable",
                500: "server_error", 502: "server_error",
                503: "temporarily_unavailable", 504: "server_error"}
POWER_DISPLAY = {"running": "VM running", "stopped": "VM stopped",
                 "deallocated": "VM deallocated", "starting": "VM starting",
                 "stopping": "VM stopping",
                 "deallocating": "VM deallocating"}
MONITOR_STATES = ("CheckingEndpoint", "Online", "Degraded", "Disabled",
                  "Inactive", "Stopped", "Unmonitored")
API_VERSION_RE = re.compile(r"^\d{4}-\d{2}-\d{2}(-preview)?$")

LOGF = None
LOG_LOCK = threading.Lock()


def diag(msg):
    if LOGF is None:
        return
    with LOG_LOCK:
        LOGF.write(f"{time.strftime('%H:%M:%S')} {msg}\n")
        LOGF.flush()


def iso(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc) \
        .isoformat().replace("+00:00", "Z")


def deep_merge(dst, src):
    for k, v in src.items():
        if isinstance(v, dict) and isinstance(dst.get(k), dict):
            deep_merge(dst[k], v)
        else:
            dst[k] = copy.deepcopy(v)
    return dst


def norm_resource(r):
    r = (r or "").strip()
    if r.endswith("/.default"):
        r = r[: -len("/.default")]
    return r.rstrip("/").lower()


class ArmError(Exception):
    def __init__(self, status, code, message, headers=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


class OAuthError(Exception):
    def __init__(self, status, error, description, codes=None):
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description
        self.codes = codes or []


class OpFailed(Exception):
    def __init__(self, code, message, http_status=500):
        super().__init__(message)
        self.code = code
        self.message = message
        self.http_status = http_status


def bad_content(msg):
    return ArmError(400, "InvalidRequestContent",
                    "The request content was invalid and could not be "
                    "deserialized: " + msg)


def not_found(rtype, name, rg):
    return ArmError(404, "ResourceNotFound",
                    f"The Resource '{rtype}/{name}' under resource group "
                    f"'{rg}' was not found. For more details please go to "
                    "https://aka.ms/ARMResourceNotFoundFix")


# ---------------------------------------------------------------- MariaDB


def bk_alive(d):
    """Whether the MariaDB of fixture folder D runs."""
    try:
        return fixture._alive(fixture.info(d)["pid"])
    except (OSError, ValueError, KeyError):
        return False


class Backing:
    """A real MariaDB server behind a flexible server."""

    def __init__(self, spec):
        self.spec = spec or {}

    def info(self):
        if self.spec.get("dir"):
            return fixture.info(self.spec["dir"])
        return self.spec

    def _client_argv(self, inf, timeout_s=5, names=False):
        argv = [CLIENT, f"--defaults-file={inf['admin_cnf']}"]
        if inf.get("socket"):
            argv.append(f"--socket={inf['socket']}")
        elif inf.get("host"):
            argv += [f"--host={inf['host']}", f"--port={inf['port']}"]
        return argv + ([] if names else ["-N"]) + [
            "-B", f"--connect-timeout={timeout_s}"]

    def sql(self, query, timeout=30, names=False):
        """Runs SQL (given on stdin, never in argv) as the admin account."""
        inf = self.info()
        try:
            r = subprocess.run(self._client_argv(inf, names=names),
                               input=query,
                               capture_output=True, text=True,
                               timeout=timeout)
        except subprocess.TimeoutExpired:
            raise OpFailed("InternalServerError",
                           "MariaDB did not answer in time")
        if r.returncode != 0:
            raise OpFailed("InternalServerError",
                           "MariaDB: " + r.stderr.strip()[-400:])
        return r.stdout

    def slave_status(self):
        """SHOW SLAVE STATUS as a dict ({} when not a replica)."""
        out = self.sql("SHOW SLAVE STATUS", names=True).split("\n")
        if len(out) < 2 or not out[1]:
            return {}
        return dict(zip(out[0].split("\t"), out[1].split("\t")))

    def reachable(self):
        try:
            self.sql("SELECT 1", timeout=10)
            return True
        except (OpFailed, OSError, ValueError, KeyError):
            return False

    def stop(self):
        if self.spec.get("dir"):
            fixture.stop(self.spec["dir"])
        elif self.spec.get("stop"):
            run_argv(self.spec["stop"], 60, "mariadb stop")
        else:
            raise OpFailed("InternalServerError",
                           "mock: this server's backing has no stop")

    def start(self):
        if self.spec.get("dir"):
            d = self.spec["dir"]
            inf = fixture.info(d)
            # fixture.start() rewrites the option files from its password
            # seed; keep the ones the test made.
            saved = {}
            for k in ("admin_cnf", "repl_cnf", "app_cnf"):
                p = inf.get(k)
                if p and os.path.exists(p):
                    with open(p) as f:
                        saved[p] = f.read()
            try:
                fixture.start(d)
            except RuntimeError as e:
                raise OpFailed("InternalServerError", str(e)[-400:])
            for p, text in saved.items():
                fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                with os.fdopen(fd, "w") as f:
                    f.write(text)
        elif self.spec.get("start"):
            run_argv(self.spec["start"], 120, "mariadb start")
        else:
            raise OpFailed("InternalServerError",
                           "mock: this server's backing has no start")

    def repl_account(self):
        inf = self.info()
        path = inf.get("repl_cnf")
        if not path:
            raise OpFailed("InternalServerError", "mock: no repl_cnf")
        acc = {}
        with open(path) as f:
            for line in f:
                if "=" in line:
                    k, v = line.strip().split("=", 1)
                    acc[k.strip()] = v.strip()
        return acc["user"], acc["password"]

    def address(self):
        inf = self.info()
        return inf.get("host") or "127.0.0.1", int(inf["port"])


def sql_str(s):
    return "'" + str(s).replace("\\", "\\\\").replace("'", "\\'") + "'"


def point_replica(tgt, src, pos=None):
    """CHANGE MASTER on tgt to src with GTID; read_only=ON."""
    user, pw = tgt.repl_account()
    host, port = src.address()
    q = "STOP SLAVE;\n"
    if pos is not None:
        q += f"SET GLOBAL gtid_slave_pos={sql_str(pos)};\n"
    q += (f"CHANGE MASTER TO MASTER_HOST={sql_str(host)}, "
          f"MASTER_PORT={port}, MASTER_USER={sql_str(user)}, "
          f"MASTER_PASSWORD={sql_str(pw)}, MASTER_USE_GTID=slave_pos, "
          "MASTER_CONNECT_RETRY=1;\nSTART SLAVE;\n"
          "SET GLOBAL read_only=ON;\n")
    tgt.sql(q)


def reseed_replica(tgt, src):
    """Re-creates tgt as a GTID replica of src with a copy of its data."""
    if not tgt.reachable():
        tgt.start()
    tgt.sql("STOP SLAVE;\nRESET SLAVE ALL;\n")
    listq = ("SELECT schema_name FROM information_schema.schemata WHERE "
             "schema_name NOT IN (" + ",".join(sql_str(d) for d in
                                               SYSTEM_DBS) + ")")
    old = [x for x in tgt.sql(listq).split("\n") if x]
    drops = "SET sql_log_bin=0;\n" + "".join(
        f"DROP DATABASE `{d.replace('`', '``')}`;\n" for d in old)
    tgt.sql(drops)
    dbs = [x for x in src.sql(listq).split("\n") if x]
    pos = None
    if dbs:
        inf = src.info()
        argv = [DUMP, f"--defaults-file={inf['admin_cnf']}"]
        if inf.get("socket"):
            argv.append(f"--socket={inf['socket']}")
        else:
            argv += [f"--host={inf['host']}", f"--port={inf['port']}"]
        argv += ["--single-transaction", "--gtid", "--master-data=2",
                 "--routines", "--triggers", "--events", "--databases"] + dbs
        r = subprocess.run(argv, capture_output=True, timeout=300)
        if r.returncode != 0:
            raise OpFailed("InternalServerError", "mariadb-dump: " +
                           r.stderr.decode(errors="replace")[-400:])
        m = re.search(rb"^-- SET GLOBAL gtid_slave_pos='([^']*)'", r.stdout,
                      re.M)
        if not m:
            raise OpFailed("InternalServerError",
                           "mock: no GTID position in the dump")
        pos = m.group(1).decode()
        tinf = tgt.info()
        load = subprocess.run(tgt._client_argv(tinf),
                              input=b"SET sql_log_bin=0;\n" + r.stdout,
                              capture_output=True, timeout=300)
        if load.returncode != 0:
            raise OpFailed("InternalServerError", "loading the copy: " +
                           load.stderr.decode(errors="replace")[-400:])
    else:
        pos = src.sql("SELECT @@GLOBAL.gtid_binlog_pos").strip()
    tgt.sql("RESET MASTER;\n")
    point_replica(tgt, src, pos)


def run_argv(argv, timeout, what, env_extra=None):
    if not isinstance(argv, list) or not argv or \
            not all(isinstance(a, str) for a in argv):
        raise OpFailed("InternalServerError", f"mock: bad {what} argv")
    env = dict(os.environ)
    env.update(env_extra or {})
    try:
        r = subprocess.run(argv, capture_output=True, text=True,
                           timeout=timeout, stdin=subprocess.DEVNULL,
                           env=env)
    except subprocess.TimeoutExpired:
        raise OpFailed("VMHookFailed", f"{what} timed out after {timeout} s")
    except OSError as e:
        raise OpFailed("VMHookFailed", f"{what}: {e}")
    diag(f"{what} {argv!r} -> {r.returncode} {r.stdout[-200:]!r} "
         f"{r.stderr[-200:]!r}")
    if r.returncode != 0:
        raise OpFailed("VMHookFailed",
                       f"{what} exited {r.returncode}: {r.stderr[-200:]}")


# ---------------------------------------------------------------- operations


class Op:
    def __init__(self, kind, res, provider, delay, method, final):
        self.id = str(uuid.uuid4())
        self.kind = kind
        self.res = res
        self.res_id = res["id"]
        self.sub = res["subscription"]
        self.loc = res["location"]
        self.provider = provider
        self.method = method
        self.final = final  # "resource", "empty200", "empty204", callable
        self.status = "InProgress"
        self.started = time.time()
        self.ended = None
        self.due = self.started + delay
        self.hold_until = 0.0
        self.result = "Succeeded"
        self.error = None
        self.http_status = 500
        self.force = None
        self.wake = threading.Event()
        self.done = threading.Event()
        self.work = None
        self.commit = None
        self.rollback = None

    def view(self):
        return {"id": self.id, "kind": self.kind, "resource": self.res_id,
                "status": self.status, "started": self.started,
                "ended": self.ended, "error": self.error}


# ---------------------------------------------------------------- the mock


class Mock:
    def __init__(self, seed):
        self.lock = threading.RLock()
        self.tokens = {}
        self.log = []
        self.seq = 0
        self.load(seed)
        threading.Thread(target=self.se_loop, name="scheduled-events",
                         daemon=True).start()

    # ---- state

    def load(self, seed):
        with self.lock:
            for op in getattr(self, "ops", {}).values():
                op.force = "Canceled"  # their resources are replaced
                op.wake.set()
            self.seed = copy.deepcopy(seed)
            self.config = deep_merge(copy.deepcopy(DEFAULT_CONFIG),
                                     seed.get("config") or {})
            self.default_sub = seed.get(
                "subscription", "00000000-0000-4000-8000-000000000001")
            self.tenants = {}
            for t, tv in (seed.get("tenants") or {}).items():
                self.tenants[t.lower()] = {
                    "name": t, "clients": {c.lower(): s for c, s in
                                           (tv.get("clients") or {}).items()}}
            self.subs = {}   # lower sub -> name
            self.rgs = {}    # "sub/rg" lower -> {"name", "location"}
            self.res = {}    # lower id -> resource
            self.ops = {}
            self.faults = []
            self.fault_seq = 0
            self.regions = {}
            self.ratelimit = {}
            ev = seed.get("scheduledEvents") or {}
            # the scheduled-events runner: executions in flight belong to
            # the state they started in (epoch); an EventId runs once
            self.se_epoch = getattr(self, "se_epoch", 0) + 1
            self.se_claimed = set()
            self.se_log = []
            self.events = {"DocumentIncarnation":
                           ev.get("DocumentIncarnation", 0),
                           "Events": [self._event(e) for e in
                                      ev.get("Events", [])]}
            for p in seed.get("trafficManagerProfiles") or []:
                self._add_profile(p)
            for s in seed.get("mysqlServers") or []:
                self._add_server(s)
            for s in seed.get("mysqlServers") or []:
                self._link_source(s)
            for v in seed.get("virtualMachines") or []:
                self._add_vm(v)
            self.log = []

    def _rg(self, spec, location):
        sub = spec.get("subscription") or self.default_sub
        rg = spec["resourceGroup"]
        self.subs[sub.lower()] = sub
        key = f"{sub}/{rg}".lower()
        if key not in self.rgs:
            self.rgs[key] = {"name": rg, "location": location}
        return sub, rg, f"/subscriptions/{sub}/resourceGroups/{rg}"

    def _add_profile(self, p):
        sub, rg, base = self._rg(p, "global")
        pid = f"{base}/providers/Microsoft.Network/trafficManagerProfiles/" \
              f"{p['name']}"
        props = {"profileStatus": p.get("profileStatus", "Enabled"),
                 "trafficRoutingMethod": p.get("trafficRoutingMethod",
                                               "Priority"),
                 "dnsConfig": {"relativeName": p["name"], "ttl": 30},
                 "monitorConfig": {"protocol": "HTTPS", "port": 443,
                                   "path": "/", "intervalInSeconds": 30,
                                   "timeoutInSeconds": 10,
                                   "toleratedNumberOfFailures": 3},
                 "trafficViewEnrollmentStatus": "Disabled"}
        deep_merge(props["dnsConfig"], p.get("dnsConfig") or {})
        deep_merge(props["monitorConfig"], p.get("monitorConfig") or {})
        props["dnsConfig"]["fqdn"] = \
            props["dnsConfig"]["relativeName"] + ".trafficmanager.net"
        self.res[pid.lower()] = {
            "kind": "tmprofile", "id": pid, "name": p["name"],
            "subscription": sub, "resourceGroup": rg, "location": "global",
            "tags": p.get("tags", {}), "properties": props, "busy": None}
        for e in p.get("endpoints") or []:
            self._add_endpoint(pid, sub, rg, e)

    def _add_endpoint(self, pid, sub, rg, e):
        etl = e.get("type", "ExternalEndpoints").lower()
        if etl not in EP_TYPES:
            raise ValueError(f"bad endpoint type {e.get('type')}")
        eid = f"{pid}/{EP_TYPES[etl]}/{e['name']}"
        props = {"endpointStatus": e.get("endpointStatus", "Enabled"),
                 "target": e.get("target", e["name"] + ".example.net"),
                 "weight": e.get("weight", 1),
                 "priority": e.get("priority", 1),
                 "endpointLocation": e.get("endpointLocation"),
                 "alwaysServe": "Disabled", "customHeaders": [],
                 "subnets": []}
        if e.get("targetResourceId"):
            props["targetResourceId"] = e["targetResourceId"]
        self.res[eid.lower()] = {
            "kind": "tmendpoint", "id": eid, "name": e["name"],
            "profile": pid.lower(), "etype": etl, "subscription": sub,
            "resourceGroup": rg, "location": "global",
            "properties": props, "probe": e.get("probe", "Online"),
            "enabledAt": 0.0, "busy": None}

    def _add_server(self, s):
        loc = s.get("location", "centralindia")
        sub, rg, base = self._rg(s, loc)
        sid = f"{base}/providers/Microsoft.DBforMySQL/flexibleServers/" \
              f"{s['name']}"
        props = {"administratorLogin": "geoha",
                 "version": s.get("version", "8.0.21"),
                 "state": s.get("state", "Ready"),
                 "fullyQualifiedDomainName":
                     s["name"] + ".mysql.database.azure.com",
                 "storage": {"storageSizeGB": 20, "iops": 360,
                             "autoGrow": "Enabled"},
                 "backup": {"backupRetentionDays": 7,
                            "geoRedundantBackup": "Disabled"},
                 "highAvailability": {"mode": "Disabled",
                                      "state": "NotEnabled"},
                 "network": {"publicNetworkAccess": "Enabled"},
                 "replicationRole": s.get("replicationRole", "None"),
                 "replicaCapacity": 10,
                 "availabilityZone": "1"}
        self.res[sid.lower()] = {
            "kind": "mysql", "id": sid, "name": s["name"],
            "subscription": sub, "resourceGroup": rg, "location": loc,
            "tags": s.get("tags", {}),
            "sku": {"name": "Standard_D2ds_v4", "tier": "GeneralPurpose"},
            "properties": props, "exists": s.get("exists", True),
            "mariadb": s.get("mariadb"),
            "configurationsReadOnly": [c.lower() for c in
                                       s.get("configurationsReadOnly", [])],
            "configOverrides": {}, "configs": {"read_only": "OFF"},
            "firewallRules": {}, "busy": None}

    def _link_source(self, s):
        srv = self.find_name("mysql", s["name"])
        if srv["properties"]["replicationRole"] == "Replica":
            src = s.get("source")
            if not src:
                raise ValueError(f"replica {s['name']} has no source")
            sres = self.res.get(src.lower()) or self.find_name("mysql", src)
            srv["properties"]["sourceServerResourceId"] = sres["id"]
            srv["configs"]["read_only"] = "ON"

    def _add_vm(self, v):
        loc = v.get("location", "centralindia")
        sub, rg, base = self._rg(v, loc)
        vid = f"{base}/providers/Microsoft.Compute/virtualMachines/" \
              f"{v['name']}"
        ident = v.get("identity") or {}
        self.res[vid.lower()] = {
            "kind": "vm", "id": vid, "name": v["name"],
            "subscription": sub, "resourceGroup": rg, "location": loc,
            "tags": v.get("tags", {}),
            "vmId": str(uuid.uuid5(uuid.NAMESPACE_URL, vid.lower())),
            "vmSize": v.get("vmSize", "Standard_D2s_v5"),
            "powerState": v.get("powerState", "running"),
            "provisioningState": "Succeeded",
            "identity": {"system": ident.get("system", True),
                         "userAssigned": [c.lower() for c in
                                          ident.get("userAssigned", [])]},
            "addresses": v.get("addresses", []),
            "hooks": v.get("hooks") or {}, "busy": None}

    def _event(self, e):
        ev = {"EventId": str(uuid.uuid4()), "EventStatus": "Scheduled",
              "EventType": "Reboot", "ResourceType": "VirtualMachine",
              "Resources": [], "NotBefore": email.utils.formatdate(
                  time.time() + 900, usegmt=True),
              "Description": "", "EventSource": "Platform",
              "DurationInSeconds": -1}
        ev.update(e)
        return ev

    def find_name(self, kind, name):
        for r in self.res.values():
            if r["kind"] == kind and r["name"].lower() == name.lower():
                return r
        raise KeyError(name)

    def resolve_key(self, key):
        """Full id or short name -> resource (control API)."""
        r = self.res.get(key.lower())
        if r:
            return r
        hits = []
        for r in self.res.values():
            if r["kind"] == "tmendpoint":
                short = self.res[r["profile"]]["name"] + "/" + r["name"]
            else:
                short = r["name"]
            if short.lower() == key.lower():
                hits.append(r)
        if len(hits) != 1:
            raise KeyError(key)
        return hits[0]

    def snapshot(self):
        with self.lock:
            res = {}
            for r in self.res.values():
                res[r["id"]] = {k: v for k, v in r.items()}
            return json.loads(json.dumps({
                "config": self.config, "resources": res,
                "operations": [o.view() for o in self.ops.values()],
                "faults": self.faults, "regions": self.regions,
                "scheduledEvents": self.events,
                "tokens": {"count": len(self.tokens)}}, default=str))

    # ---- scheduled events: what Azure does with them

    def se_note(self, ev, what, **extra):
        """A timeline entry (GET /_mock/scheduledevents/log); lock held."""
        e = {"t": time.time(), "EventId": ev.get("EventId"),
             "EventType": ev.get("EventType"), "what": what}
        e.update(extra)
        self.se_log.append(e)
        if len(self.se_log) > 10000:
            del self.se_log[:2000]
        diag(f"scheduled event {e['EventId']} {e['EventType']}: {what} "
             f"{extra or ''}")

    def se_loop(self):
        while True:
            time.sleep(0.1)
            try:
                self.se_tick()
            except Exception:  # a bug in the mock: say so, keep running
                import traceback
                diag("mock bug: " + traceback.format_exc())
                sys.stderr.write(traceback.format_exc())

    def se_tick(self):
        """Starts the due events (NotBefore passed) and executes every
        started one not executed yet, when config.scheduled_events.run."""
        with self.lock:
            if not (self.config.get("scheduled_events") or {}).get("run"):
                return
            now = time.time()
            bumped = False
            for ev in self.events["Events"]:
                if ev.get("EventStatus") != "Scheduled":
                    continue
                try:
                    nb = email.utils.parsedate_to_datetime(
                        ev.get("NotBefore") or "").timestamp()
                except (TypeError, ValueError, IndexError):
                    continue  # no (valid) NotBefore: waits for approval
                if nb <= now:
                    ev["EventStatus"] = "Started"
                    ev["NotBefore"] = ""
                    self.se_note(ev, "started", by="NotBefore")
                    bumped = True
            if bumped:
                self.events["DocumentIncarnation"] += 1
            for ev in self.events["Events"]:
                eid = ev.get("EventId")
                if ev.get("EventStatus") != "Started" or \
                        eid in self.se_claimed:
                    continue
                self.se_claimed.add(eid)
                threading.Thread(target=self.se_execute,
                                 args=(copy.deepcopy(ev), self.se_epoch),
                                 name=f"event-{eid}", daemon=True).start()

    def se_execute(self, ev, epoch):
        """Executes one started event on each VM it names, then drops it
        from the document after config.scheduled_events.grace_s. When the
        state was reloaded meanwhile (reset, PUT /_mock/state), the hooks
        still run to the end (the guests must come back) but neither the
        new state nor the new timeline changes."""
        with self.lock:
            if self.se_epoch != epoch:
                return
            names = {str(n).lower() for n in ev.get("Resources") or []}
            vms = [r for r in self.res.values()
                   if r["kind"] == "vm" and r["name"].lower() in names]
            self.se_note(ev, "executing", vms=[v["name"] for v in vms])
        threads = [threading.Thread(target=self.se_vm, args=(ev, vm, epoch),
                                    daemon=True) for vm in vms]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        with self.lock:
            if self.se_epoch != epoch:
                return
            self.se_note(ev, "done")
            grace = float((self.config.get("scheduled_events") or {})
                          .get("grace_s", 1.0))
        time.sleep(max(0.0, grace))
        with self.lock:
            if self.se_epoch != epoch:
                return
            evs = self.events["Events"]
            keep = [e for e in evs
                    if e.get("EventId") != ev.get("EventId")]
            if len(keep) != len(evs):
                self.events["Events"] = keep
                self.events["DocumentIncarnation"] += 1
                self.se_note(ev, "removed")

    def se_vm(self, ev, vm, epoch):
        etype = str(ev.get("EventType"))

        def power(state):
            with self.lock:
                if self.se_epoch == epoch:
                    vm["powerState"] = state

        def hook(which, env=None, min_timeout=0):
            try:
                self.run_hook(vm, which, env, min_timeout)
            except OpFailed as e:
                diag(f"scheduled event {ev.get('EventId')} {etype} on "
                     f"{vm['name']}: {e.message}")
        if etype in ("Reboot", "Redeploy"):
            power("stopping")
            hook("off")
            power("stopped")
            with self.lock:
                pause = float((self.config.get("scheduled_events") or {})
                              .get("reboot_s", 2.0))
            time.sleep(max(0.0, pause))
            power("starting")
            hook("on")
            power("running")
        elif etype in ("Preempt", "Terminate"):
            power("deallocating")
            hook("off")
            power("deallocated")
        elif etype == "Freeze":
            try:
                dur = float(ev.get("DurationInSeconds"))
            except (TypeError, ValueError):
                dur = -1
            if dur <= 0:
                dur = 5
            # a freeze hook killed by its timeout would leave the guest
            # paused: give it the duration and some
            hook("freeze", {"MOCK_DURATION_S": f"{dur:g}"}, dur + 30)
        else:
            diag(f"scheduled event {ev.get('EventId')}: no execution for "
                 f"EventType {etype!r}")

    def run_hook(self, vm, which, env=None, min_timeout=0):
        """Runs VM's WHICH hook (its own, else config.hooks) as ARGV + [vm
        name] with MOCK_VM, MOCK_ACTION and ENV, for config.hook_timeout_s
        (at least MIN_TIMEOUT); a missing hook is logged and skipped.
        Raises OpFailed when it fails."""
        with self.lock:
            argv = (vm["hooks"] or {}).get(which) or \
                (self.config.get("hooks") or {}).get(which)
            timeout = max(float(self.config.get("hook_timeout_s", 60)),
                          float(min_timeout))
        if not argv:
            diag(f"vm {vm['name']}: no {which} hook")
            return
        extra = {"MOCK_VM": vm["name"], "MOCK_ACTION": which}
        extra.update(env or {})
        run_argv(list(argv) + [vm["name"]], timeout, f"{which} hook", extra)

    # ---- tokens

    def issue_token(self, resource, principal, kind, lifetime=None):
        with self.lock:
            if lifetime is None:
                lifetime = self.config["token_lifetime_s"]
            tok = "mock." + secrets.token_urlsafe(32)
            now = time.time()
            self.tokens[tok] = {"exp": now + lifetime, "issued": now,
                                "resource": resource,
                                "principal": principal, "kind": kind}
            return tok, int(lifetime), int(now + lifetime)

    # ---- log

    def log_start(self, entry):
        with self.lock:
            self.seq += 1
            entry["seq"] = self.seq
            self.log.append(entry)
            if len(self.log) > 20000:
                del self.log[:5000]

    # ---- faults

    def add_fault(self, f):
        if not isinstance(f, dict):
            raise ValueError("a fault is a JSON object")
        kind = f.get("kind", "status")
        if kind not in ("status", "delay", "hang", "drop", "lro", "token"):
            raise ValueError(f"unknown fault kind {kind!r}")
        if kind == "status" and not isinstance(f.get("status"), int):
            raise ValueError("status fault needs an integer status")
        for k in ("method", "path"):
            if f.get(k) is not None:
                re.compile(f[k])
        with self.lock:
            self.fault_seq += 1
            fault = dict(f)
            fault["kind"] = kind
            fault["id"] = self.fault_seq
            fault["hits"] = 0
            cnt = f.get("count", 1)
            fault["remaining"] = None if cnt in (0, None) else int(cnt)
            fault["skip"] = int(f.get("skip", 0))
            self.faults.append(fault)
            return fault["id"]

    def _fault_matches(self, f, method, target):
        if f["remaining"] is not None and f["remaining"] <= 0:
            return False
        if f.get("method") and not re.fullmatch(f["method"], method, re.I):
            return False
        if f.get("path") and not (
                re.search(f["path"], target.split("?", 1)[0], re.I) or
                re.search(f["path"], target, re.I)):
            return False
        return True

    def _hit(self, f):
        if f["skip"] > 0:
            f["skip"] -= 1
            return False
        f["hits"] += 1
        if f["remaining"] is not None:
            f["remaining"] -= 1
        return True

    def match_faults(self, method, target):
        """(delay fault or None, other fault or None) for a request."""
        delay = main = None
        with self.lock:
            for f in self.faults:
                if f["kind"] == "lro" or not self._fault_matches(
                        f, method, target):
                    continue
                if f["kind"] == "delay":
                    if delay is None and self._hit(f):
                        delay = f
                    continue
                if main is None and self._hit(f):
                    main = f
                if main is not None:
                    break
        return delay, main

    def match_lro_fault(self, method, target):
        with self.lock:
            for f in self.faults:
                if f["kind"] == "lro" and self._fault_matches(
                        f, method, target) and self._hit(f):
                    return f
        return None

    # ---- operations

    def start_op(self, ctx, kind, res, provider, final, work, commit,
                 rollback):
        """Creates and runs an operation; returns the HTTP answer."""
        with self.lock:
            style = self.config["op_styles"].get(kind, "both")
            if style not in OP_STYLES:
                style = "both"
            delay = float(self.config["op_delays_s"].get(kind, 1))
            op = Op(kind, res, provider, delay, ctx.method, final)
            op.work, op.commit, op.rollback = work, commit, rollback
            f = self.match_lro_fault(ctx.method, ctx.target)
            if f:
                op.hold_until = op.started + float(f.get("hold_s", 0))
                op.result = f.get("result", "Succeeded")
                if op.result not in ("Succeeded", "Failed", "Canceled"):
                    op.result = "Failed"
                if f.get("error"):
                    op.error = dict(f["error"])
                op.http_status = int(f.get("http_status", 500))
                ctx.entry["fault"] = f["id"]
            prev = res.get("busy")
            if prev and prev in self.ops and \
                    self.ops[prev].status == "InProgress":
                # Compute: a new action preempts the running one.
                old = self.ops[prev]
                old.force = "Canceled"
                old.error = {"code": "OperationPreempted",
                             "message": "Operation execution has been "
                             "preempted by a more recent operation."}
                old.wake.set()
            res["busy"] = op.id
            if style == "provisioning" and res["kind"] == "mysql":
                res["properties"]["provisioningState"] = "Updating"
            op.style = style
            self.ops[op.id] = op
            diag(f"op {op.id} {kind} {res['name']} style={style} "
                 f"delay={delay}")
        t = threading.Thread(target=self.run_op, args=(op,), daemon=True)
        t.start()
        if style == "sync":
            op.done.wait()
            st, body, hdrs = self.op_final(ctx, op)
            if st == 204 and ctx.method == "POST":
                st = 200  # a synchronous action answers 200 (API spec)
            return st, body, hdrs
        if style == "provisioning":
            if ctx.method in ("PUT", "PATCH"):
                return 200, self.view(res, ctx), {}
            return 202, None, {}
        hdrs = {}
        base = ctx.base
        if style in ("both", "location"):
            hdrs["Location"] = base + self.op_path(op, location=True)
        if style in ("both", "async"):
            hdrs["Azure-AsyncOperation"] = base + self.op_path(op, False)
        ra = self.config.get("retry_after_s")
        if ra is not None:
            hdrs["Retry-After"] = str(ra)
        # A 202 carries no body: clients must follow the operation.
        return 202, None, hdrs

    def op_path(self, op, location):
        v = self.config["api_versions"][op.provider][0]
        if op.provider == "Microsoft.DBforMySQL":
            what = "operationResults" if location else "azureAsyncOperation"
            return (f"/subscriptions/{op.sub}/providers/Microsoft.DBforMySQL"
                    f"/locations/{op.loc}/{what}/{op.id}?api-version={v}")
        mon = "monitor=true&" if location else ""
        return (f"/subscriptions/{op.sub}/providers/Microsoft.Compute/"
                f"locations/{op.loc}/operations/{op.id}?{mon}api-version={v}")

    def run_op(self, op):
        while True:
            with self.lock:
                if op.force:
                    break
                until = max(op.due, op.hold_until)
            rem = until - time.time()
            if rem <= 0:
                break
            op.wake.wait(min(rem, 0.25))
            op.wake.clear()
        with self.lock:
            result = op.force or op.result
        if result == "Succeeded" and op.work:
            try:
                op.work(op)
            except OpFailed as e:
                result = "Failed"
                op.error = {"code": e.code, "message": e.message}
                op.http_status = e.http_status
            except Exception as e:  # a bug in the mock: make it visible
                result = "Failed"
                op.error = {"code": "InternalServerError",
                            "message": f"mock: {type(e).__name__}: {e}"}
        with self.lock:
            mine = op.res.get("busy") == op.id
            if mine:
                if result == "Succeeded":
                    if op.commit:
                        op.commit(op)
                elif op.rollback:
                    op.rollback(op)
                op.res["busy"] = None
                if "provisioningState" in op.res.get("properties", {}) and \
                        op.res["kind"] == "mysql":
                    op.res["properties"]["provisioningState"] = \
                        "Succeeded" if result == "Succeeded" else "Failed"
            if result == "Failed" and not op.error:
                op.error = {"code": "InternalServerError",
                            "message": "An unexpected error occured while "
                            "processing the request."}
            if result == "Canceled" and not op.error:
                op.error = {"code": "OperationCanceled",
                            "message": "The operation was canceled."}
            if result == "Canceled" and op.http_status == 500:
                op.http_status = 409
            op.status = result
            op.ended = time.time()
            diag(f"op {op.id} {op.kind} {op.res['name']} -> {result} "
                 f"{op.error or ''}")
        op.done.set()

    def op_final(self, ctx, op):
        with self.lock:
            if op.status in ("Failed", "Canceled"):
                return op.http_status, {"error": op.error}, {}
            if op.final == "resource":
                return 200, self.view(op.res, ctx), {}
            if op.final == "empty204":
                return 204, None, {}
            if op.final == "empty200":
                return 200, None, {}
        return 200, op.final(), {}  # may ask MariaDB: not under the lock

    # ---- views

    def view(self, r, ctx=None, expand=False):
        k = r["kind"]
        if k == "vm":
            props = {"vmId": r["vmId"],
                     "hardwareProfile": {"vmSize": r["vmSize"]},
                     "osProfile": {"computerName": r["name"],
                                   "adminUsername": "azureuser"},
                     "storageProfile": {"osDisk": {"osType": "Linux"}},
                     "provisioningState": r["provisioningState"]}
            if expand:
                props["instanceView"] = self.instance_view(r)
            out = {"id": r["id"], "name": r["name"],
                   "type": "Microsoft.Compute/virtualMachines",
                   "location": r["location"], "tags": r["tags"],
                   "properties": props}
            ident = r["identity"]
            if ident["system"] or ident["userAssigned"]:
                t = []
                if ident["system"]:
                    t.append("SystemAssigned")
                if ident["userAssigned"]:
                    t.append("UserAssigned")
                out["identity"] = {"type": ", ".join(t)}
            return out
        if k == "mysql":
            return {"id": r["id"], "name": r["name"],
                    "type": "Microsoft.DBforMySQL/flexibleServers",
                    "location": r["location"], "tags": r["tags"],
                    "sku": r["sku"],
                    "properties": copy.deepcopy(r["properties"])}
        if k == "tmendpoint":
            props = copy.deepcopy(r["properties"])
            props["endpointMonitorStatus"] = self.monitor_status(r)
            return {"id": r["id"], "name": r["name"],
                    "type": "Microsoft.Network/trafficManagerProfiles/" +
                    EP_TYPES[r["etype"]], "properties": props}
        if k == "tmprofile":
            props = copy.deepcopy(r["properties"])
            eps = [self.view(e) for e in self.res.values()
                   if e["kind"] == "tmendpoint" and
                   e["profile"] == r["id"].lower()]
            props["endpoints"] = eps
            props["monitorConfig"]["profileMonitorStatus"] = \
                self.profile_status(r, eps)
            return {"id": r["id"], "name": r["name"],
                    "type": "Microsoft.Network/trafficManagerProfiles",
                    "location": "global", "tags": r["tags"],
                    "properties": props}
        raise AssertionError(k)

    def monitor_status(self, e):
        prof = self.res.get(e["profile"])
        if prof and prof["properties"].get("profileStatus") == "Disabled":
            return "Disabled"
        if e["properties"].get("endpointStatus") == "Disabled":
            return "Disabled"
        if time.time() - e.get("enabledAt", 0) < \
                float(self.config.get("tm_checking_s", 0)):
            return "CheckingEndpoint"
        return e.get("probe", "Online")

    def profile_status(self, prof, eps):
        if prof["properties"].get("profileStatus") == "Disabled":
            return "Disabled"
        st = [e["properties"]["endpointMonitorStatus"] for e in eps
              if e["properties"].get("endpointStatus") == "Enabled"]
        if not st:
            return "Inactive"
        if "Degraded" in st:
            return "Degraded"
        if "Online" in st:
            return "Online"
        if "CheckingEndpoint" in st:
            return "CheckingEndpoints"
        return "Degraded"

    def instance_view(self, r):
        now = iso(time.time())
        ps = r["provisioningState"]
        return {"computerName": r["name"], "osName": "debian",
                "osVersion": "12",
                "statuses": [
                    {"code": "ProvisioningState/" + ps.lower(),
                     "level": "Info",
                     "displayStatus": "Provisioning " + ps.lower(),
                     "time": now},
                    {"code": "PowerState/" + r["powerState"],
                     "level": "Info",
                     "displayStatus": POWER_DISPLAY.get(
                         r["powerState"], r["powerState"])}]}


# ---------------------------------------------------------------- requests


class Ctx:
    pass


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "mock-azure/1"
    mock = None  # set by main

    def log_message(self, fmt, *args):
        pass

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = \
        lambda self: self.dispatch()

    # ---- plumbing

    def read_body(self):
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            out = b""
            while True:
                line = self.rfile.readline(100)
                n = int(line.split(b";")[0].strip() or b"0", 16)
                if n == 0:
                    while self.rfile.readline(1000) not in (b"\r\n", b"\n",
                                                            b""):
                        pass
                    return out
                out += self.rfile.read(n)
                self.rfile.readline(10)
                if len(out) > 10 * 1024 * 1024:
                    raise ValueError("body too large")
        n = int(self.headers.get("Content-Length") or 0)
        if n > 10 * 1024 * 1024:
            raise ValueError("body too large")
        return self.rfile.read(n) if n > 0 else b""

    def send(self, status, body=None, headers=None, ctype=None):
        ctx = getattr(self, "ctx", None)
        if isinstance(body, (dict, list)):
            data = json.dumps(body).encode()
            ctype = ctype or "application/json; charset=utf-8"
        elif isinstance(body, str):
            data = body.encode()
            ctype = ctype or "text/plain; charset=utf-8"
        elif body is None:
            data = b""
        else:
            data = body
        self.send_response(status)
        if data or ctype:
            self.send_header("Content-Type", ctype or "application/json")
        self.send_header("Content-Length", str(len(data)))
        if ctx is not None and ctx.kind in ("arm", "op"):
            self.send_header("x-ms-request-id", ctx.request_id)
            self.send_header("x-ms-correlation-request-id", ctx.request_id)
            if ctx.client_request_id:
                self.send_header("x-ms-client-request-id",
                                 ctx.client_request_id)
            if ctx.ratelimit_header:
                self.send_header(*ctx.ratelimit_header)
        elif ctx is not None and ctx.kind in ("entra",):
            self.send_header("x-ms-request-id", ctx.request_id)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        if ctx is not None and ctx.entry is not None:
            with self.mock.lock:
                ctx.entry["status"] = status
                ctx.entry["ms"] = int((time.time() - ctx.t0) * 1000)

    def client_gone(self):
        try:
            r, _, _ = select.select([self.connection], [], [], 0)
            if r:
                return self.connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True
        return False

    def hang(self, seconds, until=None):
        """Waits without answering. True if the request should go on."""
        end = time.time() + seconds
        while time.time() < end:
            if until is not None and until():
                return True
            if self.client_gone():
                return False
            time.sleep(0.1)
        return False

    def drop(self, note):
        self.close_connection = True
        if self.ctx.entry is not None:
            with self.mock.lock:
                self.ctx.entry["status"] = 0
                self.ctx.entry["note"] = note
                self.ctx.entry["ms"] = int((time.time() - self.ctx.t0) * 1000)
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    # ---- dispatch

    def dispatch(self):
        m = self.mock
        self.ctx = None
        try:
            body = self.read_body()
        except ValueError as e:
            self.close_connection = True
            self.send(400, {"error": {"code": "InvalidRequestContent",
                                      "message": str(e)}})
            return
        u = urllib.parse.urlsplit(self.path)
        path = urllib.parse.unquote(u.path)
        if path == "/_mock" or path.startswith("/_mock/"):
            return self.control(path, u.query, body)
        ctx = self.ctx = Ctx()
        ctx.t0 = time.time()
        ctx.method = self.command
        ctx.query = u.query
        ctx.qs = {k.lower(): v[-1] for k, v in urllib.parse.parse_qs(
            u.query, keep_blank_values=True).items()}
        ctx.body = body
        ctx.vm_hint = None
        mm = re.match(r"^/_vm/([^/]+)(/.*)$", path)
        if mm:
            ctx.vm_hint, path = mm.group(1), mm.group(2)
        ctx.path = path
        ctx.target = path + ("?" + u.query if u.query else "")
        ctx.request_id = str(uuid.uuid4())
        ctx.client_request_id = self.headers.get("x-ms-client-request-id")
        ctx.ratelimit_header = None
        scheme = ("https://" if isinstance(self.connection, ssl.SSLSocket)
                  else "http://")
        ctx.base = scheme + (self.headers.get("Host") or "%s:%d" %
                             self.connection.getsockname()[:2])
        pl = path.lower()
        if pl.startswith("/metadata/"):
            ctx.kind = "imds"
        elif re.match(r"^/[^/]+/oauth2/", pl):
            ctx.kind = "entra"
        elif re.match(r"^/subscriptions/[^/]+/providers/[^/]+/locations/",
                      pl):
            ctx.kind = "op"
        elif pl.startswith("/subscriptions/"):
            ctx.kind = "arm"
        else:
            ctx.kind = "other"
        ctx.entry = {"time": ctx.t0, "method": ctx.method, "path": path,
                     "query": u.query, "status": None, "ms": None,
                     "kind": ctx.kind, "request_id": ctx.request_id,
                     "client_request_id": ctx.client_request_id,
                     "client": self.client_address[0], "vm": None,
                     "principal": None, "fault": None}
        m.log_start(ctx.entry)
        try:
            delay, fault = m.match_faults(ctx.method, ctx.target)
            if delay:
                ctx.entry["fault"] = delay["id"]
                if not self.hang(float(delay.get("delay_ms", 0)) / 1000.0,
                                 until=lambda: False) and self.client_gone():
                    return self.drop("client gone during delay")
            if fault:
                ctx.entry["fault"] = fault["id"]
                if self.apply_fault(fault):
                    return
            if ctx.kind in ("arm", "op"):
                self.arm()
            elif ctx.kind == "imds":
                self.imds()
            elif ctx.kind == "entra":
                self.entra()
            else:
                raise ArmError(404, "NotFound", "mock: no such path")
        except ArmError as e:
            self.send_error_answer(e.status, e.code, e.message, e.headers)
        except OAuthError as e:
            self.send_oauth(e)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception as e:  # a bug in the mock: answer 500, say why
            import traceback
            diag("mock bug: " + traceback.format_exc())
            sys.stderr.write(traceback.format_exc())
            try:
                self.send(500, {"error": {"code": "MockBug",
                                          "message": f"{type(e).__name__}:"
                                          f" {e}"}})
            except OSError:
                pass

    def send_error_answer(self, status, code, message, headers=None):
        if self.ctx.kind in ("imds", "entra"):
            self.send_oauth(OAuthError(
                status, OAUTH_ERRORS.get(status, "server_error"), message))
        else:
            self.send(status, {"error": {"code": code, "message": message}},
                      headers)

    def send_oauth(self, e):
        body = {"error": e.error, "error_description": e.description}
        if self.ctx.kind == "entra":
            body.update({"error_codes": e.codes,
                         "timestamp": datetime.datetime.now(
                             datetime.timezone.utc).strftime(
                             "%Y-%m-%d %H:%M:%SZ"),
                         "trace_id": str(uuid.uuid4()),
                         "correlation_id": str(uuid.uuid4())})
        self.send(e.status, body)

    def apply_fault(self, f):
        """True when the fault answered (or dropped) the request."""
        k = f["kind"]
        if k == "drop":
            self.drop("fault drop")
            return True
        if k == "hang":
            self.hang(float(f.get("hang_s",
                                  self.mock.config["client_timeout_s"])))
            self.drop("fault hang")
            return True
        if k == "token":
            code = f.get("code", "ExpiredAuthenticationToken")
            raise ArmError(401, code, f.get("message", "mock: token fault"),
                           {"WWW-Authenticate": 'Bearer error="invalid_token"'
                            ', error_description="mock fault"'})
        if k == "status":
            st = int(f["status"])
            hdrs = {}
            if f.get("retry_after") is not None:
                hdrs["Retry-After"] = str(f["retry_after"])
            if f.get("body") is not None:
                self.send(st, f["body"].encode(), hdrs,
                          f.get("content_type", "text/html"))
                return True
            code = f.get("code") or ARM_CODES.get(st, "Error%d" % st)
            msg = f.get("message") or f"mock: injected {st}"
            if self.ctx.kind in ("imds", "entra"):
                self.send_oauth(OAuthError(st, f.get("code") or
                                           OAUTH_ERRORS.get(st, "server_error"),
                                           msg))
            else:
                self.send(st, {"error": {"code": code, "message": msg}},
                          hdrs)
            return True
        return False

    # ---- ARM

    def arm(self):
        m = self.mock
        ctx = self.ctx
        principal = self.check_token()
        ctx.entry["principal"] = principal
        segs = [s for s in ctx.path.split("/") if s]
        low = [s.lower() for s in segs]
        ns = None
        if "providers" in low:
            i = low.index("providers")
            if i + 1 < len(low):
                ns = low[i + 1]
        av = ctx.qs.get("api-version")
        if av is None:
            raise ArmError(400, "MissingApiVersionParameter",
                           "The api-version query parameter (?api-version=) "
                           "is required for all requests.")
        if not API_VERSION_RE.match(av):
            raise ArmError(400, "InvalidApiVersionParameter",
                           f"The api-version '{av}' is invalid. The "
                           "supported versions are "
                           "'2024-07-01,2022-04-01,2024-12-30'.")
        if ns is not None:
            pname = PROVIDER_NAMES.get(ns)
            if pname is None:
                raise ArmError(400, "InvalidResourceNamespace",
                               f"The resource namespace '{segs[low.index('providers') + 1]}' is invalid.")
            ok = m.config["api_versions"].get(pname, [])
            if av not in ok:
                raise ArmError(400, "NoRegisteredProviderFound",
                               f"No registered resource provider found for "
                               f"API version '{av}' and namespace "
                               f"'{pname}'. The supported api-versions are "
                               f"'{', '.join(ok)}'.")
        with m.lock:
            fn, locs = self.route(segs, low)
        down = self.region_down(locs)
        if down:
            hang_s = down.get("hang_s") or m.config["client_timeout_s"]
            diag(f"region {down['location']} down: hanging {ctx.target}")
            go_on = self.hang(float(hang_s), until=lambda: not
                              self.region_down(locs))
            if not go_on:
                self.drop("region down")
                return
        self.ratelimit(principal)
        status, body, hdrs = fn()
        self.send(status, body, hdrs)

    def region_down(self, locs):
        with self.mock.lock:
            for loc in locs or ():
                r = self.mock.regions.get((loc or "").lower())
                if r and r.get("down"):
                    return r
        return None

    def ratelimit(self, principal):
        m = self.mock
        ctx = self.ctx
        with m.lock:
            cfg = m.config["ratelimit"]
            now = time.time()
            rl = m.ratelimit.get(principal)
            if rl is None or now - rl["start"] >= cfg["window_s"]:
                rl = m.ratelimit[principal] = {
                    "start": now, "reads": cfg["reads"],
                    "writes": cfg["writes"]}
            which = "reads" if ctx.method in ("GET", "HEAD") else "writes"
            hname = f"x-ms-ratelimit-remaining-subscription-{which}"
            if rl[which] <= 0:
                ctx.ratelimit_header = (hname, "0")
                wait = max(1, math.ceil(rl["start"] + cfg["window_s"] - now))
                raise ArmError(429, "TooManyRequests",
                               f"Number of {which} requests for subscription"
                               " exceeded the limit.",
                               {"Retry-After": str(wait)})
            rl[which] -= 1
            ctx.ratelimit_header = (hname, str(rl[which]))

    def check_token(self):
        m = self.mock
        h = self.headers.get("Authorization")
        wa = {"WWW-Authenticate": 'Bearer authorization_uri="https://login.'
              'microsoftonline.com/common", error="invalid_token", '
              'error_description="The authentication failed because of '
              'missing \'Authorization\' header."'}
        if not h:
            raise ArmError(401, "AuthenticationFailed",
                           "Authentication failed. The 'Authorization' "
                           "header is missing.", wa)
        parts = h.split(None, 1)
        if len(parts) != 2 or parts[0].lower() != "bearer":
            raise ArmError(401, "AuthenticationFailed",
                           "Authentication failed. The 'Authorization' "
                           "header is provided in an invalid format.", wa)
        tok = parts[1].strip()
        wa = {"WWW-Authenticate": 'Bearer authorization_uri="https://login.'
              'microsoftonline.com/common", error="invalid_token", '
              'error_description="The access token is invalid."'}
        with m.lock:
            t = m.tokens.get(tok)
            if t is None:
                raise ArmError(401, "InvalidAuthenticationToken",
                               "The access token is invalid.", wa)
            now = time.time()
            if t["exp"] <= now:
                fmt = "%m/%d/%Y %I:%M:%S %p"
                e = datetime.datetime.fromtimestamp(
                    t["exp"], datetime.timezone.utc).strftime(fmt)
                n = datetime.datetime.fromtimestamp(
                    now, datetime.timezone.utc).strftime(fmt)
                raise ArmError(401, "ExpiredAuthenticationToken",
                               f"The access token expiry UTC time '{e}' is "
                               f"earlier than current UTC time '{n}'.", wa)
            if norm_resource(t["resource"]) != \
                    norm_resource(m.config["arm_resource"]):
                raise ArmError(401, "InvalidAuthenticationTokenAudience",
                               "The access token has been obtained for "
                               "wrong audience or resource "
                               f"'{t['resource']}'.", wa)
            return t["principal"]

    def json_body(self):
        b = self.ctx.body
        if not b:
            raise bad_content("the request body is empty.")
        try:
            d = json.loads(b.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            raise bad_content(str(e))
        if not isinstance(d, dict):
            raise bad_content("the request body must be a JSON object.")
        if "properties" in d and not isinstance(d["properties"], dict):
            raise bad_content("'properties' must be an object.")
        return d

    def route(self, segs, low):
        """-> (callable returning (status, body, headers), [locations])."""
        m = self.mock
        n = len(low)
        if n < 2 or low[0] != "subscriptions":
            raise ArmError(404, "NotFound", "mock: no such path")
        sub = segs[1]
        if sub.lower() not in m.subs:
            raise ArmError(404, "SubscriptionNotFound",
                           f"The subscription '{sub}' could not be found.")
        if n >= 3 and low[2] == "providers":
            return self.route_op(segs, low)
        if n < 4 or low[2] != "resourcegroups":
            raise ArmError(404, "NotFound", "mock: no such path")
        rgname = segs[3]
        rg = m.rgs.get(f"{sub}/{rgname}".lower())
        if rg is None:
            raise ArmError(404, "ResourceGroupNotFound",
                           f"Resource group '{rgname}' could not be found.")
        base = f"/subscriptions/{sub}/resourcegroups/{rgname}".lower()
        if n == 4:
            if self.ctx.method != "GET":
                raise self.verb()
            return (lambda: (200, {"id": f"/subscriptions/{m.subs[sub.lower()]}"
                                   f"/resourceGroups/{rg['name']}",
                                   "name": rg["name"],
                                   "location": rg["location"],
                                   "properties": {"provisioningState":
                                                  "Succeeded"}}, {}), [])
        if n < 7 or low[4] != "providers":
            raise ArmError(404, "NotFound", "mock: no such path")
        ns, rtype = low[5], low[6]
        rest = segs[7:]
        rl = low[7:]
        if ns == NS_NETWORK and rtype == "trafficmanagerprofiles":
            return self.route_tm(base, rgname, rest, rl)
        if ns == NS_MYSQL and rtype == "flexibleservers":
            return self.route_mysql(base, rgname, rest, rl)
        if ns == NS_COMPUTE and rtype == "virtualmachines":
            return self.route_vm(base, rgname, rest, rl)
        raise ArmError(400, "InvalidResourceType",
                       f"The resource type '{segs[6]}' could not be found "
                       f"in the namespace '{segs[5]}'.")

    def verb(self):
        return ArmError(405, "UnsupportedHttpVerb",
                        f"The requested resource does not support http "
                        f"method '{self.ctx.method}'.")

    # ---- operation URLs

    def route_op(self, segs, low):
        m = self.mock
        ctx = self.ctx
        # /subscriptions/S/providers/NS/locations/L/KIND/ID
        if len(low) != 8 or low[4] != "locations":
            raise ArmError(404, "NotFound", "mock: no such path")
        ns, loc, what, opid = low[3], segs[5], low[6], segs[7]
        if ctx.method != "GET":
            raise self.verb()
        op = m.ops.get(opid)
        if op is None or op.provider.lower() != ns or \
                op.loc.lower() != loc.lower():
            raise ArmError(404, "NotFound",
                           f"The operation '{opid}' was not found.")
        if ns == NS_MYSQL and what == "azureasyncoperation":
            location = False
        elif ns == NS_MYSQL and what == "operationresults":
            location = True
        elif ns == NS_COMPUTE and what == "operations":
            location = ctx.qs.get("monitor", "").lower() == "true"
        else:
            raise ArmError(404, "NotFound", "mock: no such path")

        def answer():
            with m.lock:
                status = op.status
                ra = m.config.get("retry_after_s")
            hdrs = {}
            if status == "InProgress" and ra is not None:
                hdrs["Retry-After"] = str(ra)
            if not location:
                body = {"id": ctx.path, "name": op.id, "status": status,
                        "startTime": iso(op.started)}
                if op.ended:
                    body["endTime"] = iso(op.ended)
                if status in ("Failed", "Canceled"):
                    body["error"] = op.error
                return 200, body, hdrs
            if status == "InProgress":
                hdrs["Location"] = ctx.base + m.op_path(op, True)
                return 202, None, hdrs
            return m.op_final(ctx, op)
        return answer, [loc]

    # ---- Traffic Manager

    def route_tm(self, base, rgname, rest, rl):
        m = self.mock
        ctx = self.ctx
        if not rest:
            raise self.verb()
        pid = f"{base}/providers/microsoft.network/trafficmanagerprofiles/" \
              f"{rl[0]}"
        prof = m.res.get(pid)
        if prof is None:
            raise not_found("Microsoft.Network/trafficManagerProfiles",
                            rest[0], rgname)
        if len(rest) == 1:
            if ctx.method != "GET":
                raise self.verb()
            return (lambda: (200, m.view(prof, ctx), {})), ["global"]
        if len(rest) != 3 or rl[1] not in EP_TYPES:
            raise ArmError(404, "NotFound", "mock: no such path")
        etl = rl[1]
        eid = f"{pid}/{etl}/{rl[2]}"
        ep = m.res.get(eid)
        name = rest[2]
        if ctx.method == "GET":
            if ep is None:
                raise not_found("Microsoft.Network/trafficManagerProfiles/"
                                + EP_TYPES[etl], f"{prof['name']}/{name}",
                                rgname)
            return (lambda: (200, m.view(ep, ctx), {})), ["global"]
        if ctx.method == "DELETE":
            if ep is None:
                return (lambda: (204, None, {})), ["global"]

            def delete():
                with m.lock:
                    m.res.pop(eid, None)
                return 200, None, {}
            return delete, ["global"]
        if ctx.method not in ("PATCH", "PUT"):
            raise self.verb()
        d = self.json_body()
        props = d.get("properties") or {}
        if ctx.method == "PATCH" and ep is None:
            raise not_found("Microsoft.Network/trafficManagerProfiles/" +
                            EP_TYPES[etl], f"{prof['name']}/{name}", rgname)
        newp = self.check_tm_props(props, prof, eid)
        if ctx.method == "PUT" and etl == "externalendpoints" and \
                not newp.get("target"):
            raise ArmError(400, "BadRequest",
                           "The 'target' property is required for "
                           "external endpoints.")

        def update():
            with m.lock:
                created = False
                cur = m.res.get(eid)
                if cur is None or ctx.method == "PUT":
                    created = cur is None
                    spec = {"name": name, "type": EP_TYPE_NAMES[etl]}
                    old_probe = cur["probe"] if cur else "Online"
                    m._add_endpoint(prof["id"], prof["subscription"],
                                    prof["resourceGroup"], spec)
                    new = m.res[eid]
                    new["probe"] = old_probe
                    new["properties"]["target"] = None
                    new["properties"]["endpointLocation"] = None
                    if "priority" not in newp:
                        used = {e["properties"]["priority"]
                                for e in m.res.values()
                                if e["kind"] == "tmendpoint" and
                                e["profile"] == prof["id"].lower() and
                                e["id"].lower() != eid}
                        p = 1
                        while p in used:
                            p += 1
                        newp["priority"] = p
                    cur = new
                was = cur["properties"].get("endpointStatus")
                cur["properties"].update(newp)
                if was != "Enabled" and \
                        cur["properties"]["endpointStatus"] == "Enabled":
                    cur["enabledAt"] = time.time()
                return (201 if created else 200), m.view(cur, ctx), {}
        return update, ["global"]

    def check_tm_props(self, props, prof, eid):
        m = self.mock
        out = {}
        ints = ("priority", "weight", "minChildEndpoints")
        strs = ("target", "targetResourceId", "endpointLocation",
                "endpointStatus", "alwaysServe")
        for k, v in props.items():
            if k in ints:
                if not isinstance(v, int) or isinstance(v, bool):
                    raise bad_content(f"Could not convert '{k}' to an "
                                      "integer.")
                if k in ("priority", "weight") and not 1 <= v <= 1000:
                    raise ArmError(400, "BadRequest",
                                   f"The endpoint {k} must be between 1 "
                                   "and 1000.")
                out[k] = v
            elif k in strs:
                if not isinstance(v, str):
                    raise bad_content(f"Could not convert '{k}' to a "
                                      "string.")
                out[k] = v
            elif k in ("customHeaders", "subnets", "geoMapping"):
                if not isinstance(v, list):
                    raise bad_content(f"'{k}' must be an array.")
                out[k] = v
            # endpointMonitorStatus and unknown names: ignored, as Azure
            # sets the monitor status itself.
        if "endpointStatus" in out:
            val = {"enabled": "Enabled", "disabled": "Disabled"}.get(
                out["endpointStatus"].lower())
            if val is None:
                raise ArmError(400, "BadRequest",
                               "The endpoint status must be 'Enabled' or "
                               "'Disabled'.")
            out["endpointStatus"] = val
        if "alwaysServe" in out and out["alwaysServe"] not in ("Enabled",
                                                               "Disabled"):
            raise ArmError(400, "BadRequest", "Invalid alwaysServe value.")
        if "priority" in out and \
                prof["properties"]["trafficRoutingMethod"] == "Priority":
            for e in m.res.values():
                if e["kind"] == "tmendpoint" and \
                        e["profile"] == prof["id"].lower() and \
                        e["id"].lower() != eid and \
                        e["properties"].get("priority") == out["priority"]:
                    raise ArmError(400, "BadRequest",
                                   "Endpoint priorities must be unique "
                                   "within a profile; priority "
                                   f"{out['priority']} is used by "
                                   f"'{e['name']}'.")
        return out

    # ---- MySQL Flexible Server

    def route_mysql(self, base, rgname, rest, rl):
        m = self.mock
        ctx = self.ctx
        rtype = "Microsoft.DBforMySQL/flexibleServers"
        if not rest:
            if ctx.method != "GET":
                raise self.verb()
            items = [r for r in m.res.values() if r["kind"] == "mysql" and
                     r["exists"] and r["id"].lower().startswith(base + "/")]
            return self.paged(items), [r["location"] for r in items]
        sid = f"{base}/providers/microsoft.dbformysql/flexibleservers/" \
              f"{rl[0]}"
        srv = m.res.get(sid)
        if srv is None or (not srv["exists"] and not (
                len(rest) == 1 and ctx.method == "PUT")):
            raise not_found(rtype, rest[0], rgname)
        locs = [srv["location"]]
        if len(rest) == 1:
            if ctx.method == "GET":
                return (lambda: (200, m.view(srv, ctx), {})), locs
            if ctx.method == "PATCH":
                return self.mysql_patch(srv), locs
            if ctx.method == "PUT":
                return self.mysql_put(srv), locs
            if ctx.method == "DELETE":
                return self.mysql_delete(srv), locs
            raise self.verb()
        sub = rl[1]
        if len(rest) == 2 and sub == "replicas":
            if ctx.method != "GET":
                raise self.verb()

            def replicas():
                with m.lock:
                    v = [m.view(r, ctx) for r in m.res.values()
                         if r["kind"] == "mysql" and r["exists"] and
                         (r["properties"].get("sourceServerResourceId") or
                          "").lower() == srv["id"].lower()]
                return 200, {"value": v}, {}
            return replicas, locs
        if len(rest) == 2 and sub in ("stop", "start", "restart"):
            if ctx.method != "POST":
                raise self.verb()
            return self.mysql_action(srv, sub), locs
        if sub == "configurations" and len(rest) in (2, 3):
            return self.mysql_config(srv, rest[2] if len(rest) == 3
                                     else None), locs
        if sub == "firewallrules" and len(rest) in (2, 3):
            return self.mysql_firewall(srv, rest[2] if len(rest) == 3
                                       else None), locs
        raise ArmError(404, "NotFound", "mock: no such path")

    def busy_check(self, res):
        m = self.mock
        b = res.get("busy")
        if b and b in m.ops and m.ops[b].status == "InProgress":
            raise ArmError(409, "AnotherOperationInProgress",
                           f"Another operation ({m.ops[b].kind}) is in "
                           f"progress on '{res['name']}'. Please retry "
                           "later.")

    def apply_role(self, srv, bk):
        """read_only and replication of a (re)started server, from its role;
        a standalone server keeps a read_only parameter set through ARM
        (server parameters outlive a restart in Azure)."""
        if srv["properties"]["replicationRole"] == "Replica":
            bk.sql("SET GLOBAL read_only=ON;\nSTART SLAVE;\n")
        else:
            ro = str(srv["configOverrides"].get("read_only", "OFF")).upper()
            bk.sql(f"SET GLOBAL read_only={'ON' if ro == 'ON' else 'OFF'};\n")

    def mysql_patch(self, srv):
        m = self.mock
        ctx = self.ctx
        d = self.json_body()
        props = d.get("properties") or {}
        if "tags" in d and not isinstance(d["tags"], dict):
            raise bad_content("'tags' must be an object.")
        role = props.get("replicationRole")
        promote = False
        if "replicationRole" in props:
            if not isinstance(role, str):
                raise bad_content("'replicationRole' must be a string.")
            if role not in ("None", "Source", "Replica"):
                raise ArmError(400, "BadRequest",
                               f"Invalid replicationRole '{role}'.")
            if role != "None":
                raise ArmError(400, "BadRequest",
                               "Only 'None' can be set as replicationRole "
                               "(stop replication).")
            if srv["properties"]["replicationRole"] != "Replica":
                raise ArmError(400, "BadRequest",
                               f"Server '{srv['name']}' is not a replica; "
                               "replication cannot be stopped.")
            promote = True
        for k in ("state", "fullyQualifiedDomainName",
                  "sourceServerResourceId", "replicaCapacity"):
            if k in props:
                raise ArmError(400, "BadRequest",
                               f"The property '{k}' cannot be updated.")
        other = {k: v for k, v in props.items() if k != "replicationRole"
                 and k != "administratorLoginPassword"}

        def run():
            with m.lock:
                self.busy_check(srv)
                if srv["properties"]["state"] not in ("Ready",):
                    raise ArmError(409, "ServerNotReady",
                                   f"Server '{srv['name']}' is in state "
                                   f"'{srv['properties']['state']}'.")
                prev = srv["properties"]["state"]
                srv["properties"]["state"] = "Updating"
                bk = Backing(srv["mariadb"]) if srv["mariadb"] else None

            def work(op):
                if promote and bk:
                    bk.sql("STOP SLAVE;\nRESET SLAVE ALL;\n"
                           "SET GLOBAL read_only=OFF;\n")

            def commit(op):
                p = srv["properties"]
                deep_merge(p, other)
                if isinstance(d.get("tags"), dict):
                    srv["tags"].update(d["tags"])
                if promote:
                    src_id = (p.pop("sourceServerResourceId", None) or
                              "").lower()
                    p["replicationRole"] = "None"
                    srv["configs"]["read_only"] = "OFF"
                    srv["configOverrides"].pop("read_only", None)
                    src = m.res.get(src_id)
                    if src is not None and not any(
                            (r["properties"].get("sourceServerResourceId")
                             or "").lower() == src_id
                            for r in m.res.values() if r["kind"] == "mysql"):
                        src["properties"]["replicationRole"] = "None"
                p["state"] = "Ready"

            def rollback(op):
                srv["properties"]["state"] = prev
            return m.start_op(ctx, "mysql.promote" if promote
                              else "mysql.update", srv,
                              "Microsoft.DBforMySQL", "resource", work,
                              commit, rollback)
        return run

    def mysql_put(self, srv):
        m = self.mock
        ctx = self.ctx
        d = self.json_body()
        props = d.get("properties")
        if not isinstance(d.get("location"), str):
            raise ArmError(400, "LocationRequired",
                           "The location property is required for this "
                           "definition.")
        if not isinstance(props, dict):
            raise bad_content("'properties' is required.")
        cm = props.get("createMode")
        if not isinstance(cm, str):
            raise bad_content("'createMode' must be a string.")
        if cm.lower() != "replica":
            raise ArmError(400, "BadRequest",
                           f"mock: createMode '{cm}' is not supported; only "
                           "'Replica' is.")
        ssid = props.get("sourceServerResourceId")
        if not isinstance(ssid, str):
            raise ArmError(400, "BadRequest",
                           "sourceServerResourceId is required for "
                           "createMode Replica.")
        src = m.res.get(ssid.rstrip("/").lower())
        if src is None or src["kind"] != "mysql" or not src["exists"]:
            raise ArmError(400, "BadRequest",
                           f"Source server '{ssid}' was not found.")
        if src["id"].lower() == srv["id"].lower():
            raise ArmError(400, "BadRequest",
                           "A server cannot replicate from itself.")
        if src["properties"]["replicationRole"] == "Replica":
            raise ArmError(400, "BadRequest",
                           "Creating a replica of a replica is not "
                           "supported.")
        if d["location"].replace(" ", "").lower() != srv["location"].lower():
            raise ArmError(400, "BadRequest",
                           f"mock: server '{srv['name']}' is seeded in "
                           f"'{srv['location']}', not '{d['location']}'.")

        def run():
            with m.lock:
                self.busy_check(srv)
                if src["properties"]["state"] != "Ready":
                    raise ArmError(409, "ServerNotReady",
                                   f"Source server '{src['name']}' is not "
                                   "ready.")
                prev = (srv["exists"], srv["properties"]["state"])
                srv["exists"] = True
                srv["properties"]["state"] = "Updating"
                tgt_bk = Backing(srv["mariadb"]) if srv["mariadb"] else None
                src_bk = Backing(src["mariadb"]) if src["mariadb"] else None
            if (tgt_bk is None) != (src_bk is None):
                with m.lock:
                    srv["exists"], srv["properties"]["state"] = prev
                raise ArmError(400, "BadRequest",
                               "mock: both servers need a MariaDB backing "
                               "(or neither).")

            def work(op):
                if tgt_bk:
                    reseed_replica(tgt_bk, src_bk)

            def commit(op):
                p = srv["properties"]
                p["replicationRole"] = "Replica"
                p["sourceServerResourceId"] = src["id"]
                p["state"] = "Ready"
                srv["configs"]["read_only"] = "ON"
                src["properties"]["replicationRole"] = "Source"

            def rollback(op):
                srv["exists"], srv["properties"]["state"] = prev
            return m.start_op(ctx, "mysql.replica", srv,
                              "Microsoft.DBforMySQL", "resource", work,
                              commit, rollback)
        return run

    def mysql_delete(self, srv):
        m = self.mock
        ctx = self.ctx

        def run():
            with m.lock:
                self.busy_check(srv)
                prev = srv["properties"]["state"]
                srv["properties"]["state"] = "Dropping"
                bk = Backing(srv["mariadb"]) if srv["mariadb"] else None

            def work(op):
                if bk:
                    bk.stop()

            def commit(op):
                srv["exists"] = False
                p = srv["properties"]
                p["state"] = "Stopped"
                p["replicationRole"] = "None"
                p.pop("sourceServerResourceId", None)

            def rollback(op):
                srv["properties"]["state"] = prev
            return m.start_op(ctx, "mysql.delete", srv,
                              "Microsoft.DBforMySQL", "empty204", work,
                              commit, rollback)
        return run

    def mysql_action(self, srv, action):
        m = self.mock
        ctx = self.ctx

        def run():
            with m.lock:
                self.busy_check(srv)
                prev = srv["properties"]["state"]
                if action == "restart" and prev != "Ready":
                    raise ArmError(409, "ServerNotReady",
                                   f"Server '{srv['name']}' is not ready.")
                srv["properties"]["state"] = {
                    "stop": "Stopping", "start": "Starting",
                    "restart": "Updating"}[action]
                bk = Backing(srv["mariadb"]) if srv["mariadb"] else None

            def work(op):
                if bk is None:
                    return
                if action in ("stop", "restart") and prev != "Stopped":
                    bk.stop()
                if action in ("start", "restart"):
                    if not bk.reachable():
                        bk.start()
                    self.apply_role(srv, bk)

            def commit(op):
                srv["properties"]["state"] = \
                    "Stopped" if action == "stop" else "Ready"

            def rollback(op):
                srv["properties"]["state"] = prev
            return m.start_op(ctx, "mysql." + action, srv,
                              "Microsoft.DBforMySQL", "empty204", work,
                              commit, rollback)
        return run

    def config_view(self, srv, name, value):
        ro = name.lower() in srv["configurationsReadOnly"]
        user = name.lower() in srv["configOverrides"]
        return {"id": f"{srv['id']}/configurations/{name}", "name": name,
                "type": "Microsoft.DBforMySQL/flexibleServers/"
                        "configurations",
                "properties": {"value": value, "description": "",
                               "defaultValue": "", "dataType": "String",
                               "allowedValues": "",
                               "source": "user-override" if user
                               else "system-default",
                               "isReadOnly": "True" if ro else "False",
                               "isConfigPendingRestart": "False",
                               "isDynamicConfig": "True"}}

    def read_configs(self, srv, names):
        """{name: value} from MariaDB (or the mock's own values)."""
        if not srv["mariadb"]:
            return {n: srv["configs"][n] for n in names
                    if n in srv["configs"]}
        bk = Backing(srv["mariadb"])
        q = ("SELECT LOWER(VARIABLE_NAME), VARIABLE_VALUE FROM "
             "information_schema.GLOBAL_VARIABLES WHERE VARIABLE_NAME IN (" +
             ",".join(sql_str(n.upper()) for n in names) + ")")
        try:
            out = bk.sql(q, timeout=15)
        except (OpFailed, OSError, ValueError, KeyError):
            raise ArmError(409, "ServerNotReady",
                           f"Server '{srv['name']}' is not reachable.")
        vals = {}
        for line in out.split("\n"):
            if "\t" in line:
                k, v = line.split("\t", 1)
                vals[k] = v
        return vals

    def mysql_config(self, srv, name):
        m = self.mock
        ctx = self.ctx
        listed = ["read_only", "gtid_strict_mode", "binlog_format",
                  "max_connections", "sql_mode", "innodb_buffer_pool_size"]
        if name is None:
            if ctx.method != "GET":
                raise self.verb()

            def lst():
                vals = self.read_configs(srv, listed)
                return 200, {"value": [self.config_view(srv, n, vals[n])
                                       for n in listed if n in vals]}, {}
            return lst
        if not re.fullmatch(r"[A-Za-z0-9_]{1,64}", name):
            raise ArmError(404, "ResourceNotFound",
                           f"The configuration '{name}' does not exist.")
        lname = name.lower()
        if ctx.method == "GET":
            def get():
                vals = self.read_configs(srv, [lname])
                if lname not in vals:
                    raise ArmError(404, "ResourceNotFound",
                                   f"The configuration '{name}' does not "
                                   "exist.")
                return 200, self.config_view(srv, lname, vals[lname]), {}
            return get
        if ctx.method not in ("PATCH", "PUT"):
            raise self.verb()
        d = self.json_body()
        props = d.get("properties") or {}
        val = props.get("value")
        if not isinstance(val, str):
            raise bad_content("'properties.value' must be a string.")
        if "source" in props and not isinstance(props["source"], str):
            raise bad_content("'properties.source' must be a string.")
        if not re.fullmatch(r"[A-Za-z0-9_.,:/+-]{0,512}", val):
            raise ArmError(400, "BadRequest",
                           f"The value '{val}' is not valid for "
                           f"'{name}'.")
        if lname in srv["configurationsReadOnly"]:
            raise ArmError(400, "BadRequest",
                           f"The configuration '{name}' is read-only.")

        def run():
            vals = self.read_configs(srv, [lname])
            if lname not in vals and srv["mariadb"]:
                raise ArmError(404, "ResourceNotFound",
                               f"The configuration '{name}' does not "
                               "exist.")
            with m.lock:
                self.busy_check(srv)
                bk = Backing(srv["mariadb"]) if srv["mariadb"] else None

            def work(op):
                if bk:
                    v = val if re.fullmatch(r"-?\d+", val) else sql_str(val)
                    try:
                        bk.sql(f"SET GLOBAL {lname} = {v};\n")
                    except OpFailed as e:
                        raise OpFailed("InvalidParameterValue", e.message,
                                       400)

            def commit(op):
                srv["configOverrides"][lname] = val
                srv["configs"][lname] = val

            def final():
                try:
                    v = self.read_configs(srv, [lname]).get(lname, val)
                except ArmError:
                    v = val
                return self.config_view(srv, lname, v)
            return m.start_op(ctx, "mysql.configuration", srv,
                              "Microsoft.DBforMySQL", final, work, commit,
                              None)
        return run

    def mysql_firewall(self, srv, rule):
        m = self.mock
        ctx = self.ctx

        def view(name, r):
            return {"id": f"{srv['id']}/firewallRules/{name}", "name": name,
                    "type": "Microsoft.DBforMySQL/flexibleServers/"
                            "firewallRules",
                    "properties": dict(r)}
        if rule is None:
            if ctx.method != "GET":
                raise self.verb()
            return lambda: (200, {"value": [
                view(k, v) for k, v in srv["firewallRules"].items()]}, {})
        key = rule.lower()
        if ctx.method == "GET":
            if key not in srv["firewallRules"]:
                raise ArmError(404, "ResourceNotFound",
                               f"The firewall rule '{rule}' was not found.")
            return lambda: (200, view(rule, srv["firewallRules"][key]), {})
        if ctx.method == "DELETE":
            if key not in srv["firewallRules"]:
                return lambda: (204, None, {})

            def commit_del(op):
                srv["firewallRules"].pop(key, None)
            return lambda: m.start_op(ctx, "mysql.firewall", srv,
                                      "Microsoft.DBforMySQL", "empty204",
                                      None, commit_del, None)
        if ctx.method != "PUT":
            raise self.verb()
        d = self.json_body()
        props = d.get("properties")
        if not isinstance(props, dict):
            raise bad_content("'properties' is required.")
        for k in ("startIpAddress", "endIpAddress"):
            v = props.get(k)
            if not isinstance(v, str):
                raise bad_content(f"'{k}' must be a string.")
            try:
                socket.inet_aton(v)
                if v.count(".") != 3:
                    raise OSError
            except OSError:
                raise ArmError(400, "BadRequest",
                               f"'{v}' is not a valid IPv4 address.")
        rec = {"startIpAddress": props["startIpAddress"],
               "endIpAddress": props["endIpAddress"]}

        def commit_put(op):
            srv["firewallRules"][key] = rec

        def run():
            with m.lock:
                self.busy_check(srv)
            return m.start_op(ctx, "mysql.firewall", srv,
                              "Microsoft.DBforMySQL",
                              lambda: view(rule, rec), None, commit_put,
                              None)
        return run

    # ---- virtual machines

    def paged(self, items):
        m = self.mock
        ctx = self.ctx
        try:
            skip = int(ctx.qs.get("$skiptoken", "0"))
        except ValueError:
            raise ArmError(400, "BadRequest", "Invalid $skiptoken.")
        size = max(1, int(m.config["page_size"]))

        def answer():
            with m.lock:
                page = items[skip:skip + size]
                body = {"value": [m.view(r, ctx) for r in page]}
                if skip + size < len(items):
                    q = urllib.parse.urlencode(
                        {"api-version": ctx.qs["api-version"],
                         "$skiptoken": str(skip + size)}, safe="$")
                    body["nextLink"] = f"{ctx.base}{ctx.path}?{q}"
            return 200, body, {}
        return answer

    def route_vm(self, base, rgname, rest, rl):
        m = self.mock
        ctx = self.ctx
        if not rest:
            if ctx.method != "GET":
                raise self.verb()
            items = sorted((r for r in m.res.values() if r["kind"] == "vm"
                            and r["id"].lower().startswith(base + "/")),
                           key=lambda r: r["name"].lower())
            return self.paged(items), [r["location"] for r in items]
        vid = f"{base}/providers/microsoft.compute/virtualmachines/{rl[0]}"
        vm = m.res.get(vid)
        if vm is None:
            raise not_found("Microsoft.Compute/virtualMachines", rest[0],
                            rgname)
        locs = [vm["location"]]
        if len(rest) == 1:
            if ctx.method != "GET":
                raise self.verb()
            expand = ctx.qs.get("$expand", "").lower() == "instanceview"
            return (lambda: (200, m.view(vm, ctx, expand), {})), locs
        if len(rest) != 2:
            raise ArmError(404, "NotFound", "mock: no such path")
        if rl[1] == "instanceview":
            if ctx.method != "GET":
                raise self.verb()
            return (lambda: (200, m.instance_view(vm), {})), locs
        if rl[1] in ("poweroff", "start", "restart", "deallocate"):
            if ctx.method != "POST":
                raise self.verb()
            sk = ctx.qs.get("skipshutdown")
            if sk is not None and sk.lower() not in ("true", "false"):
                raise ArmError(400, "InvalidParameter",
                               "skipShutdown must be true or false.")
            return self.vm_action(vm, rl[1]), locs
        raise ArmError(404, "NotFound", "mock: no such path")

    def run_hook(self, vm, which):
        self.mock.run_hook(vm, which)

    def vm_action(self, vm, action):
        m = self.mock
        ctx = self.ctx
        name = {"poweroff": "powerOff", "start": "start",
                "restart": "restart", "deallocate": "deallocate"}[action]

        def run():
            with m.lock:
                prev = vm["powerState"]
                busy = vm.get("busy")
                if busy and busy in m.ops and \
                        m.ops[busy].status == "InProgress":
                    # the preempted operation's target state counts
                    pass
                if action == "restart" and prev not in ("running",
                                                        "starting"):
                    raise ArmError(409, "OperationNotAllowed",
                                   "Operation 'restart' is not allowed on "
                                   f"VM '{vm['name']}' since the VM is "
                                   f"{prev}.")
                vm["powerState"] = {"poweroff": "stopping",
                                    "deallocate": "deallocating",
                                    "start": "starting",
                                    "restart": "stopping"}[action]
                vm["provisioningState"] = "Updating"
            was_up = prev in ("running", "starting", "stopping")

            def work(op):
                if action in ("poweroff", "deallocate"):
                    if was_up:
                        self.run_hook(vm, "off")
                elif action == "start":
                    if prev != "running":
                        self.run_hook(vm, "on")
                else:
                    self.run_hook(vm, "off")
                    with m.lock:
                        if vm.get("busy") == op.id:
                            vm["powerState"] = "starting"
                    self.run_hook(vm, "on")

            def commit(op):
                vm["powerState"] = {"poweroff": "stopped",
                                    "deallocate": "deallocated",
                                    "start": "running",
                                    "restart": "running"}[action]
                vm["provisioningState"] = "Succeeded"

            def rollback(op):
                vm["powerState"] = prev
                vm["provisioningState"] = "Succeeded"
            return m.start_op(ctx, "vm." + name, vm, "Microsoft.Compute",
                              "empty200", work, commit, rollback)
        return run

    # ---- IMDS

    def asking_vm(self):
        m = self.mock
        ctx = self.ctx
        with m.lock:
            vms = [r for r in m.res.values() if r["kind"] == "vm"]
            name = ctx.vm_hint or self.headers.get("x-mock-vm")
            if name:
                for v in vms:
                    if v["name"].lower() == name.lower():
                        return v
                raise OAuthError(500, "mock_error",
                                 f"mock: no VM named '{name}'")
            addr = self.client_address[0]
            for v in vms:
                if addr in v["addresses"]:
                    return v
            name = m.config.get("imds_default_vm")
            if name:
                for v in vms:
                    if v["name"].lower() == name.lower():
                        return v
            if len(vms) == 1:
                return vms[0]
        raise OAuthError(500, "mock_error",
                         "mock: cannot tell which VM asks (use /_vm/NAME, "
                         "x-mock-vm, addresses or imds_default_vm)")

    def imds(self):
        ctx = self.ctx
        pl = ctx.path.rstrip("/").lower()
        token = pl == "/metadata/identity/oauth2/token"
        if self.headers.get("Metadata", "").lower() != "true":
            if token:
                raise OAuthError(400, "invalid_request",
                                 "Required metadata header not specified")
            self.send(400, {"error": "Bad request. Required metadata header "
                            "not specified"})
            return
        if self.headers.get("X-Forwarded-For"):
            self.send(400, {"error": "invalid_request", "error_description":
                            "Request contained X-Forwarded-For header"})
            return
        av = ctx.qs.get("api-version")
        if not av or not API_VERSION_RE.match(av):
            if token:
                raise OAuthError(400, "invalid_request",
                                 "Required query variable 'api-version' is "
                                 "missing" if not av else
                                 "Invalid api-version")
            self.send(400, {"error": "Bad request. api-version was not "
                            "specified in the request. For more "
                            "information refer to aka.ms/azureimds",
                            "newest-versions": ["2021-12-13",
                                                "2020-07-01",
                                                "2018-02-01"]})
            return
        vm = self.asking_vm()
        ctx.entry["vm"] = vm["name"]
        if token:
            if ctx.method != "GET":
                raise OAuthError(405, "invalid_request",
                                 "Method not allowed")
            return self.imds_token(vm)
        if pl == "/metadata/instance" or pl.startswith("/metadata/instance/"):
            if ctx.method != "GET":
                raise OAuthError(405, "invalid_request",
                                 "Method not allowed")
            return self.imds_instance(vm, pl)
        if pl == "/metadata/scheduledevents":
            return self.imds_events(vm)
        self.send(404, {"error": "Not found"})

    def imds_token(self, vm):
        m = self.mock
        ctx = self.ctx
        resource = ctx.qs.get("resource")
        if not resource:
            raise OAuthError(400, "invalid_request",
                             "Required query variable 'resource' is "
                             "missing")
        cid = ctx.qs.get("client_id") or ctx.qs.get("object_id") or \
            ctx.qs.get("msi_res_id")
        with m.lock:
            ident = vm["identity"]
            if cid:
                if cid.lower() not in ident["userAssigned"]:
                    raise OAuthError(400, "invalid_request",
                                     "Identity not found")
                who = cid.lower()
            elif ident["system"]:
                who = "system:" + vm["name"]
                cid = str(uuid.uuid5(uuid.NAMESPACE_OID, vm["id"].lower()))
            elif len(ident["userAssigned"]) == 1:
                who = cid = ident["userAssigned"][0]
            else:
                raise OAuthError(400, "invalid_request",
                                 "Identity not found")
            strs = m.config.get("imds_numbers_as_strings", True)
        tok, life, exp = m.issue_token(resource, "msi:" + who, "msi")
        ctx.entry["principal"] = "msi:" + who
        now = int(time.time())

        def num(x):
            return str(x) if strs else x
        self.send(200, {"access_token": tok, "client_id": cid,
                        "expires_in": num(life), "expires_on": num(exp),
                        "ext_expires_in": num(life),
                        "not_before": num(now), "resource": resource,
                        "token_type": "Bearer"})

    def imds_instance(self, vm, pl):
        ctx = self.ctx
        doc = {"compute": {
            "name": vm["name"], "resourceGroupName": vm["resourceGroup"],
            "subscriptionId": vm["subscription"], "location": vm["location"],
            "vmId": vm["vmId"], "vmSize": vm["vmSize"],
            "resourceId": vm["id"], "azEnvironment": "AzurePublicCloud",
            "osType": "Linux", "zone": "", "tags": "",
            "provider": "Microsoft.Compute"},
            "network": {"interface": [{"ipv4": {"ipAddress": [
                {"privateIpAddress": a, "publicIpAddress": ""}
                for a in vm["addresses"]], "subnet": []},
                "ipv6": {"ipAddress": []},
                "macAddress": "000D3A000000"}]}}
        node = doc
        for part in [p for p in pl[len("/metadata/instance"):].split("/")
                     if p]:
            if isinstance(node, dict):
                keys = {k.lower(): k for k in node}
                if part not in keys:
                    self.send(404, {"error": "Not found"})
                    return
                node = node[keys[part]]
            elif isinstance(node, list) and part.isdigit() and \
                    int(part) < len(node):
                node = node[int(part)]
            else:
                self.send(404, {"error": "Not found"})
                return
        if ctx.qs.get("format") == "text":
            if isinstance(node, (dict, list)):
                self.send(400, {"error": "Bad request. format=text is only "
                                "for leaf values"})
                return
            self.send(200, str(node), ctype="text/plain; charset=utf-8")
            return
        self.send(200, node)

    def imds_events(self, vm):
        m = self.mock
        ctx = self.ctx
        if ctx.method == "GET":
            with m.lock:
                doc = copy.deepcopy(m.events)
            self.send(200, doc)
            return
        if ctx.method != "POST":
            self.send(405, {"error": "Method not allowed"})
            return
        try:
            d = json.loads(ctx.body or b"null")
            reqs = d["StartRequests"]
            ids = [r["EventId"] for r in reqs]
            if not all(isinstance(i, str) for i in ids):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            self.send(400, {"error": "Bad request. Invalid StartRequests"})
            return
        with m.lock:
            known = {e["EventId"]: e for e in m.events["Events"]}
            if any(i not in known for i in ids):
                self.send(400, {"error": "Bad request. Unknown EventId"})
                return
            for i in dict.fromkeys(ids):
                m.se_note(known[i], "approved", vm=vm["name"])
                if known[i].get("EventStatus") != "Started":
                    m.se_note(known[i], "started", by="StartRequests")
                known[i]["EventStatus"] = "Started"
                # Azure documents NotBefore as blank once started
                known[i]["NotBefore"] = ""
            m.events["DocumentIncarnation"] += 1
        self.send(200, None)

    # ---- Entra ID

    def entra(self):
        m = self.mock
        ctx = self.ctx
        mm = re.match(r"^/([^/]+)/oauth2/v2\.0/token/?$", ctx.path)
        if not mm:
            self.send(404, {"error": "not_found",
                            "error_description": "mock: only "
                            "/{tenant}/oauth2/v2.0/token"})
            return
        if ctx.method != "POST":
            raise OAuthError(405, "invalid_request",
                             "AADSTS900561: The endpoint only accepts POST "
                             "requests.", [900561])
        tenant = mm.group(1)
        try:
            form = {k: v[-1] for k, v in urllib.parse.parse_qs(
                ctx.body.decode("utf-8"), keep_blank_values=True,
                strict_parsing=False).items()}
        except UnicodeDecodeError:
            form = {}
        with m.lock:
            t = m.tenants.get(tenant.lower())
        if t is None:
            raise OAuthError(400, "invalid_request",
                             f"AADSTS90002: Tenant '{tenant}' not found. "
                             "Check to make sure you have the correct "
                             "tenant ID and are signing into the correct "
                             "cloud.", [90002])
        for k in ("grant_type", "client_id", "scope"):
            if not form.get(k):
                raise OAuthError(400, "invalid_request",
                                 "AADSTS900144: The request body must "
                                 f"contain the following parameter: '{k}'.",
                                 [900144])
        if form["grant_type"] != "client_credentials":
            raise OAuthError(400, "unsupported_grant_type",
                             "AADSTS70003: The app requested an unsupported "
                             "grant type.", [70003])
        cid = form["client_id"]
        with m.lock:
            secret = t["clients"].get(cid.lower())
        if secret is None:
            raise OAuthError(400, "unauthorized_client",
                             f"AADSTS700016: Application with identifier "
                             f"'{cid}' was not found in the directory "
                             f"'{t['name']}'.", [700016])
        if not form.get("client_secret"):
            raise OAuthError(401, "invalid_client",
                             "AADSTS7000216: 'client_assertion', "
                             "'client_secret' or 'request' is required for "
                             "the 'client_credentials' grant type.",
                             [7000216])
        if not secrets.compare_digest(form["client_secret"], secret):
            raise OAuthError(401, "invalid_client",
                             "AADSTS7000215: Invalid client secret provided. "
                             "Ensure the secret being sent in the request is "
                             "the client secret value, not the client "
                             f"secret ID, for a secret added to app "
                             f"'{cid}'.", [7000215])
        scope = form["scope"]
        if not scope.endswith("/.default") or " " in scope.strip():
            raise OAuthError(400, "invalid_scope",
                             f"AADSTS1002012: The provided value for scope "
                             f"{scope} is not valid. Client credential flows "
                             "must have a scope value with /.default "
                             "suffixed to the resource identifier.",
                             [1002012])
        resource = scope[: -len(".default")]
        tok, life, _ = m.issue_token(resource, "sp:" + cid.lower(), "sp")
        ctx.entry["principal"] = "sp:" + cid.lower()
        self.send(200, {"token_type": "Bearer", "expires_in": life,
                        "ext_expires_in": life, "access_token": tok})

    # ---- control API

    def control(self, path, query, body):
        self.ctx = None
        addr = self.client_address[0]
        local = self.connection.getsockname()[0]
        if not (addr.startswith("127.") or addr == "::1" or addr == local):
            self.send(403, {"error": "control API is for local callers"})
            return
        try:
            d = json.loads(body.decode() or "null") if body else None
        except ValueError as e:
            self.send(400, {"error": f"bad JSON: {e}"})
            return
        qs = {k: v[-1] for k, v in urllib.parse.parse_qs(query).items()}
        p = path.rstrip("/")
        meth = self.command
        try:
            out = self.control_call(meth, p, qs, d)
        except (KeyError, ValueError, TypeError, re.error) as e:
            self.send(400, {"error": f"{type(e).__name__}: {e}"})
            return
        if out is None:
            self.send(404, {"error": f"no control call {meth} {p}"})
            return
        self.send(200, out)

    def control_call(self, meth, p, qs, d):
        m = self.mock
        if p == "/_mock/health":
            return {"ok": True, "port": self.server.server_address[1]}
        if p == "/_mock/reset" and meth == "POST":
            with m.lock:
                m.load(m.seed)
                if isinstance(d, dict) and d.get("tokens"):
                    m.tokens.clear()
                    m.ratelimit.clear()
            return {"ok": True}
        if p == "/_mock/state":
            if meth == "GET":
                return m.snapshot()
            if meth == "PUT":
                if not isinstance(d, dict):
                    raise ValueError("a seed object is needed")
                with m.lock:
                    m.load(d)
                return {"ok": True}
            if meth == "PATCH":
                if not isinstance(d, dict):
                    raise ValueError("an object is needed")
                changed = {}
                with m.lock:
                    for key, patch in (d.get("resources") or {}).items():
                        r = m.resolve_key(key)
                        was = r["properties"].get("endpointStatus") \
                            if r["kind"] == "tmendpoint" else None
                        deep_merge(r, patch)
                        if r["kind"] == "tmendpoint" and was != "Enabled" \
                                and r["properties"].get(
                                    "endpointStatus") == "Enabled":
                            r["enabledAt"] = time.time()
                        changed[r["id"]] = r
                    if isinstance(d.get("config"), dict):
                        deep_merge(m.config, d["config"])
                    if isinstance(d.get("scheduledEvents"), dict):
                        deep_merge(m.events, d["scheduledEvents"])
                    return json.loads(json.dumps(changed, default=str))
        if p == "/_mock/config" and meth == "POST":
            if not isinstance(d, dict):
                raise ValueError("an object is needed")
            with m.lock:
                deep_merge(m.config, d)
                return json.loads(json.dumps(m.config))
        if p == "/_mock/config" and meth == "GET":
            with m.lock:
                return json.loads(json.dumps(m.config))
        if p == "/_mock/faults":
            if meth == "POST":
                return {"id": m.add_fault(d)}
            if meth == "GET":
                with m.lock:
                    return copy.deepcopy(m.faults)
            if meth == "DELETE":
                with m.lock:
                    m.faults.clear()
                return {"ok": True}
        mm = re.fullmatch(r"/_mock/faults/(\d+)", p)
        if mm and meth == "DELETE":
            with m.lock:
                n = len(m.faults)
                m.faults[:] = [f for f in m.faults
                               if f["id"] != int(mm.group(1))]
                return {"ok": len(m.faults) != n}
        if p == "/_mock/token" and meth == "POST":
            d = d or {}
            with m.lock:
                res = d.get("resource") or m.config["arm_resource"] + "/"
            tok, life, exp = m.issue_token(
                res, d.get("principal", "minted"), "minted",
                d.get("lifetime_s"))
            return {"access_token": tok, "expires_in": life,
                    "expires_on": exp, "resource": res}
        if p == "/_mock/tokens/expire" and meth == "POST":
            with m.lock:
                now = time.time()
                for t in m.tokens.values():
                    t["exp"] = min(t["exp"], now - 1)
                return {"count": len(m.tokens)}
        if p == "/_mock/tokens/invalidate" and meth == "POST":
            with m.lock:
                n = len(m.tokens)
                m.tokens.clear()
                return {"count": n}
        if p == "/_mock/region" and meth == "POST":
            loc = d["location"]
            down = d.get("down", True)
            with m.lock:
                if down:
                    m.regions[loc.lower()] = {
                        "location": loc, "down": True,
                        "hang_s": d.get("hang_s")}
                else:
                    m.regions.pop(loc.lower(), None)
                # "servers": the region's data plane too: its flexible
                # servers lose power, and come back with the region as
                # they were (a standalone server writable again), except
                # those stopped through ARM meanwhile
                servers = [r for r in m.res.values()
                           if d.get("servers") and r["kind"] == "mysql"
                           and r["exists"] and r.get("mariadb")
                           and r["location"].lower() == loc.lower()]
                out = copy.deepcopy(m.regions)
            for srv in servers:
                spec = srv["mariadb"]
                if down and spec.get("dir"):
                    fixture.stop(spec["dir"], kill=True)
                elif not down and srv["properties"]["state"] == "Ready" \
                        and not (spec.get("dir") and bk_alive(spec["dir"])):
                    bk = Backing(spec)
                    bk.start()
                    self.apply_role(srv, bk)
            return out
        if p == "/_mock/ops" and meth == "GET":
            with m.lock:
                return [o.view() for o in m.ops.values()]
        mm = re.fullmatch(r"/_mock/ops/([0-9a-f-]+)", p)
        if mm:
            with m.lock:
                op = m.ops[mm.group(1)]
                if meth == "GET":
                    return op.view()
                if meth == "POST":
                    d = d or {}
                    if d.get("finish"):
                        if d["finish"] not in ("Succeeded", "Failed",
                                               "Canceled"):
                            raise ValueError("finish: Succeeded|Failed|"
                                             "Canceled")
                        op.force = d["finish"]
                    if d.get("hold_s") is not None:
                        op.hold_until = time.time() + float(d["hold_s"])
                    op.wake.set()
                    return op.view()
        if p == "/_mock/log":
            if meth == "GET":
                since = int(qs.get("since", "0"))
                with m.lock:
                    return [dict(e) for e in m.log if e["seq"] > since]
            if meth == "DELETE":
                with m.lock:
                    m.log.clear()
                return {"ok": True}
        if p == "/_mock/scheduledevents" and meth == "POST":
            with m.lock:
                # an EventId the runner executed (or is executing) is not
                # executed again, even when posted anew
                m.events["Events"] = [m._event(e) for e in d["Events"]]
                m.events["DocumentIncarnation"] += 1
                return copy.deepcopy(m.events)
        if p == "/_mock/scheduledevents" and meth == "GET":
            with m.lock:
                return copy.deepcopy(m.events)
        if p == "/_mock/scheduledevents/log":
            if meth == "GET":
                with m.lock:
                    return copy.deepcopy(m.se_log)
            if meth == "DELETE":
                with m.lock:
                    m.se_log.clear()
                return {"ok": True}
        return None


# ---------------------------------------------------------------- start-up


def mariadb_setup(mock):
    """Aligns the backing MariaDB servers with the seeded roles."""
    with mock.lock:
        servers = [r for r in mock.res.values() if r["kind"] == "mysql"
                   and r["mariadb"] and r["exists"]]
    for s in servers:
        if s["properties"]["replicationRole"] != "Replica":
            Backing(s["mariadb"]).sql("SET GLOBAL read_only=OFF;\n")
    for s in servers:
        if s["properties"]["replicationRole"] == "Replica":
            src = mock.res[s["properties"]["sourceServerResourceId"].lower()]
            tgt, sb = Backing(s["mariadb"]), Backing(src["mariadb"])
            host, port = sb.address()
            st = tgt.slave_status()
            if st.get("Master_Port") == str(port) and \
                    st.get("Slave_SQL_Running") == "Yes":
                tgt.sql("SET GLOBAL read_only=ON;\n")
                continue
            pos = tgt.sql("SELECT @@GLOBAL.gtid_binlog_pos").strip()
            point_replica(tgt, sb, pos)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def get_request(self):
        # An answer goes out in several writes (several TLS records on the
        # HTTPS port): without TCP_NODELAY the client's delayed ACK holds
        # the last one back ~40 ms, which no real ARM front end does.
        conn, addr = super().get_request()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return conn, addr


def main():
    global LOGF
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--bind", default="127.0.0.1")
    ap.add_argument("--log")
    ap.add_argument("--tls-cert", help="also serve HTTPS with this "
                    "certificate (PEM, with --tls-key) on a second port")
    ap.add_argument("--tls-key")
    ap.add_argument("--tls-port-file")
    ap.add_argument("--tls-port", type=int, default=0,
                    help="HTTPS port (default 0: a free one)")
    a = ap.parse_args()
    if bool(a.tls_cert) != bool(a.tls_key) or \
            bool(a.tls_cert) != bool(a.tls_port_file):
        ap.error("--tls-cert, --tls-key and --tls-port-file go together")
    if a.log:
        LOGF = open(a.log, "a")
    with open(a.seed) as f:
        seed = json.load(f)
    mock = Mock(seed)
    if seed.get("mariadb_setup"):
        mariadb_setup(mock)
    Handler.mock = mock
    srv = Server((a.bind, a.port), Handler)
    port = srv.server_address[1]
    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    t = threading.Thread(target=srv.serve_forever, kwargs={
        "poll_interval": 0.2}, daemon=True)
    t.start()
    tls_srv = None
    if a.tls_cert:
        # The same mock over HTTPS; the control API stays on the plain
        # port. The handshake runs in the request's thread.
        tls_srv = Server((a.bind, a.tls_port), Handler)
        tctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tctx.load_cert_chain(a.tls_cert, a.tls_key)
        tls_srv.socket = tctx.wrap_socket(tls_srv.socket, server_side=True,
                                          do_handshake_on_connect=False)
        threading.Thread(target=tls_srv.serve_forever, kwargs={
            "poll_interval": 0.2}, daemon=True).start()
        tmp = a.tls_port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(f"{tls_srv.server_address[1]}\n")
        os.replace(tmp, a.tls_port_file)
    if a.port_file:
        tmp = a.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(f"{port}\n")
        os.replace(tmp, a.port_file)
    diag(f"listening on {a.bind}:{port}")
    while not stop.wait(1):
        pass
    diag("stopping")
    for server in (srv, tls_srv):
        if server is not None:
            server.shutdown()
            server.server_close()
    for f in (a.port_file, a.tls_port_file):
        if f:
            try:
                os.unlink(f)
            except OSError:
                pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
