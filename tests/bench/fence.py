#!/usr/bin/env python3
"""Benchmark of stonith:fence_geoha against the mock Azure.

Measures, per action, the wall time and the agent's own CPU time (user +
system of the agent process, from the kernel's child accounting), so the
CPU figure is everything but waiting for Azure:
  - start-up: `-o metadata` of fence_geoha and of /usr/sbin/fence_azure_arm
  - status with a cached token (one ARM read), monitor, list, over HTTPS
    (the mock's TLS port) as in production, trusting the system's CAs
    plus the mock's as a hashed directory (the default trust); status
    also with the same CAs as one bundle, and over plain http
  - off and on over HTTPS with the mock's default operation delays
    (vm.powerOff / vm.start: 1 s), each on a running / stopped VM.
It also reports whether fence_azure_arm can be pointed at the mock.

Usage: tests/bench/fence.py [--runs N] [--json FILE]
Prints one line per measurement; --json also writes them as JSON.
Environment: BUILD (default build) selects $BUILD/fence_geoha.
"""
import argparse
import json
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
BUILD = os.path.join(TOP, os.environ.get("BUILD", "build"))
AGENT = os.path.join(BUILD, "fence_geoha")
AZURE_ARM = "/usr/sbin/fence_azure_arm"
SYSTEM_CA_DIR = "/etc/ssl/certs"
SYSTEM_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
MOCK_DIR = os.path.join(TOP, "tests", "mock-azure")
sys.path.insert(0, MOCK_DIR)

SUB = "00000000-0000-4000-8000-000000000001"
RG = "rg-app"


def run(argv, stdin=None, env=None):
    # getrusage(RUSAGE_CHILDREN) has microsecond resolution (os.times()
    # only clock ticks); every child here is reaped before the next.
    t0 = time.monotonic()
    c0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    r = subprocess.run(argv, input=stdin, env=env, capture_output=True,
                       text=True, timeout=300)
    c1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time.monotonic() - t0
    cpu = (c1.ru_utime - c0.ru_utime) + (c1.ru_stime - c0.ru_stime)
    return r, wall, cpu


def summary(name, samples, extra=""):
    walls = [w for w, _ in samples]
    cpus = [c for _, c in samples]
    line = (f"{name}: n={len(samples)} wall median "
            f"{statistics.median(walls) * 1000:.1f} ms (min "
            f"{min(walls) * 1000:.1f}, max {max(walls) * 1000:.1f}), cpu "
            f"median {statistics.median(cpus) * 1000:.1f} ms (max "
            f"{max(cpus) * 1000:.1f}){extra}")
    print(line)
    sys.stdout.flush()
    return {"name": name, "n": len(samples),
            "wall_ms_median": statistics.median(walls) * 1000,
            "cpu_ms_median": statistics.median(cpus) * 1000,
            "cpu_ms_max": max(cpus) * 1000, "note": extra.strip(", ")}


class Mock:
    def __init__(self, tmp, cert=None, key=None):
        from mockctl import MockCtl
        self.seed = {
            "subscription": SUB,
            "virtualMachines": [
                {"resourceGroup": RG, "name": f"vm-{i}",
                 "location": "centralindia", "powerState": "running"}
                for i in range(3)],
        }
        seed_file = os.path.join(tmp, "seed.json")
        with open(seed_file, "w") as f:
            json.dump(self.seed, f)
        port_file = os.path.join(tmp, "port")
        tls_port_file = os.path.join(tmp, "tls-port")
        tls = ["--tls-cert", cert, "--tls-key", key, "--tls-port-file",
               tls_port_file] if cert else []
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(MOCK_DIR, "mock_azure.py"),
             "--seed", seed_file, "--port", "0", "--port-file", port_file]
            + tls, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        end = time.monotonic() + 30
        self.port = None
        while time.monotonic() < end and self.port is None:
            if os.path.exists(port_file):
                with open(port_file) as f:
                    text = f.read().strip()
                self.port = int(text) if text else None
            time.sleep(0.05)
        if self.port is None:
            self.stop()
            raise RuntimeError("mock Azure did not start")
        self.ctl = MockCtl(self.port)
        self.url = f"http://127.0.0.1:{self.port}"
        self.tls_url = None
        if cert:
            with open(tls_port_file) as f:
                self.tls_url = f"https://127.0.0.1:{int(f.read())}"

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


def make_cert(tmp):
    """A self-signed P-256 certificate for 127.0.0.1 (the mock's HTTPS)."""
    key = os.path.join(tmp, "mock.key")
    cert = os.path.join(tmp, "mock.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-keyout", key,
                    "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True, timeout=60)
    return cert, key


def azure_arm_against_mock():
    """Can fence_azure_arm be pointed at the mock? Say why not."""
    if not os.access(AZURE_ARM, os.X_OK):
        return "fence_azure_arm is not installed"
    r = subprocess.run([sys.executable, "-c", "import azure.mgmt.compute"],
                       capture_output=True, text=True, timeout=60)
    reasons = []
    if r.returncode != 0:
        reasons.append("the Azure SDK for Python (azure-mgmt-compute, "
                       "azure-identity) is not installed and Debian does "
                       "not package it, so every action but metadata "
                       "fails at import")
    with open(AZURE_ARM) as f:
        text = f.read()
    if "arm_endpoint" not in text and "base_url=options" not in text:
        reasons.append("it has no endpoint option: only cloud=china|"
                       "germany|usgov selects a different ARM host (and "
                       "azure-core refuses to send bearer tokens over "
                       "plain http, "
                       "which the mock speaks)")
    return "; ".join(reasons) if reasons else "possible"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--json")
    a = ap.parse_args()
    if not os.access(AGENT, os.X_OK):
        print(f"fence_geoha not built ({AGENT}): run make")
        return 1
    results = []
    tmp = tempfile.mkdtemp(prefix="geoha-bench-fence-")
    mock = None
    try:
        # Start-up cost: metadata needs no network on either agent.
        s = [run([AGENT, "-o", "metadata"])[1:] for _ in range(a.runs)]
        results.append(summary("fence_geoha -o metadata", s))
        # Reference: what loading Debian's libcurl (and its ~30 libraries)
        # alone costs; fence_geoha pays it on every start.
        if shutil.which("curl"):
            s = [run(["curl", "--version"])[1:] for _ in range(a.runs)]
            results.append(summary("reference: curl --version (libcurl "
                                   "load cost)", s))
        if os.access(AZURE_ARM, os.X_OK):
            s = [run([AZURE_ARM, "-o", "metadata"])[1:]
                 for _ in range(max(3, a.runs // 2))]
            results.append(summary("fence_azure_arm -o metadata", s))

        # The mock over HTTPS too: in production every ARM call is TLS,
        # and verifying the peer is a large part of an action's CPU.
        cert, key = make_cert(tmp)
        mock = Mock(tmp, cert, key)
        # What /etc/ssl/certs is, plus the mock's CA: the system's CA files
        # in a directory hashed by `openssl rehash` (fence_geoha's default
        # trust) ...
        cadir = os.path.join(tmp, "cadir")
        os.mkdir(cadir)
        n_ca = 0
        for name in sorted(os.listdir(SYSTEM_CA_DIR)):
            path = os.path.join(SYSTEM_CA_DIR, name)
            if name.endswith(".pem") and os.path.isfile(path):
                os.symlink(os.path.realpath(path), os.path.join(cadir, name))
                n_ca += 1
        shutil.copy(cert, os.path.join(cadir, "geoha-bench-mock.pem"))
        subprocess.run(["openssl", "rehash", cadir], check=True,
                       capture_output=True, timeout=120)
        # ... and the same CAs as one bundle (libcurl's default trust,
        # which fence_geoha used before it asked the directory).
        bundle = os.path.join(tmp, "bundle.pem")
        with open(bundle, "w") as out:
            with open(SYSTEM_CA_BUNDLE) as f:
                out.write(f.read())
            with open(cert) as f:
                out.write(f.read())
        print(f"trust: {n_ca} system CAs + the mock's, as a hashed "
              f"directory (default) or one bundle (libcurl's default)")
        token = mock.ctl.token(lifetime_s=7200)
        token_file = os.path.join(tmp, "token")
        fd = os.open(token_file, os.O_WRONLY | os.O_CREAT, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(token + "\n")
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("GEOHA_")}
        env["GEOHA_TOKEN_CACHE_DIR"] = os.path.join(tmp, "cache")

        def stdin(action, url, ca=None, plug="vm-0"):
            lines = [f"action={action}", f"subscriptionId={SUB}",
                     f"resourceGroup={RG}", f"arm_endpoint={url}",
                     f"imds_endpoint={mock.url}/_vm/vm-0", "msi=1",
                     "nodename=node0", f"plug={plug}"]
            if ca:
                lines.append(f"ca_file={ca}")
            return "\n".join(lines) + "\n"

        # The floor under any libcurl program here: curl itself, one HTTPS
        # GET of the same mock, trusting only the mock's certificate.
        if shutil.which("curl"):
            argv = ["curl", "-s", "-o", "/dev/null", "--cacert", cert,
                    f"{mock.tls_url}/_mock/health"]
            run(argv)
            s = [run(argv)[1:] for _ in range(a.runs)]
            results.append(summary("reference: curl, one HTTPS GET of the "
                                   "mock (CA: its certificate only)", s))

        # status / monitor / list with the token cached by the first run.
        https = (mock.tls_url, cadir)
        cases = [("status", https, "https, system CAs as hashed dir"),
                 ("monitor", https, "https, system CAs as hashed dir"),
                 ("list", https, "https, system CAs as hashed dir"),
                 ("status", (mock.tls_url, bundle),
                  "https, system CAs as one bundle"),
                 ("status", (mock.tls_url, cert),
                  "https, CA: the mock's certificate only"),
                 ("status", (mock.url, None), "plain http, no TLS")]
        for action, (url, ca), how in cases:
            run([AGENT], stdin(action, url, ca), env)
            mock.ctl.clear_log()
            s = []
            for _ in range(a.runs):
                r, w, c = run([AGENT], stdin(action, url, ca), env)
                if r.returncode != 0:
                    raise RuntimeError(f"{action} failed: {r.stderr}")
                s.append((w, c))
            arm = mock.ctl.count(kind="arm") / a.runs
            tok = mock.ctl.count(kind="imds") / a.runs
            results.append(summary(f"fence_geoha {action} ({how}, cached "
                                   "token)", s,
                                   f", ARM requests/run {arm:.1f}, token "
                                   f"requests/run {tok:.1f}"))

        # off / on with the mock's default delays (1 s per operation).
        n = max(3, a.runs // 3)
        offs, ons = [], []
        for i in range(n):
            mock.ctl.clear_log()
            r, w, c = run([AGENT], stdin("off", *https), env)
            if r.returncode != 0:
                raise RuntimeError(f"off failed: {r.stderr}")
            offs.append((w, c))
            off_reqs = mock.ctl.count(kind="arm") + mock.ctl.count(kind="op")
            r, w, c = run([AGENT], stdin("on", *https), env)
            if r.returncode != 0:
                raise RuntimeError(f"on failed: {r.stderr}")
            ons.append((w, c))
        delays = mock.ctl.state()["config"].get("op_delays_s", {})
        results.append(summary(
            "fence_geoha off (https, running VM, vm.powerOff delay "
            f"{delays.get('vm.powerOff')} s)", offs,
            f", HTTP requests in the last off {off_reqs}"))
        results.append(summary(
            f"fence_geoha on (https, vm.start delay "
            f"{delays.get('vm.start')} s)", ons))

        why = azure_arm_against_mock()
        print(f"fence_azure_arm against the mock: {why}")
        results.append({"name": "fence_azure_arm against the mock",
                        "note": why})
    finally:
        if mock is not None:
            mock.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
