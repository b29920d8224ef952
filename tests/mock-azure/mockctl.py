#!/usr/bin/env python3
"""Client of the mock Azure's control API (/_mock/...), importable and CLI.

    from mockctl import MockCtl
    m = MockCtl(port)
    m.fault({"kind": "status", "status": 429, "retry_after": 1, "count": 2})

    mockctl.py --port P fault add '{"kind":"status","status":503}'

See README.md for every call.
"""
import argparse
import http.client
import json
import sys
import time


class MockError(Exception):
    pass


class MockCtl:
    def __init__(self, port, host="127.0.0.1", timeout=30):
        self.host = host
        self.port = int(port)
        self.timeout = timeout

    @classmethod
    def from_port_file(cls, path, wait_s=0, **kw):
        """Reads the port the mock wrote; waits up to wait_s for the file."""
        end = time.time() + wait_s
        while True:
            try:
                with open(path) as f:
                    text = f.read().strip()
                if text:
                    return cls(int(text), **kw)
            except OSError:
                pass
            if time.time() >= end:
                raise MockError(f"no port in {path}")
            time.sleep(0.05)

    def call(self, method, path, body=None):
        c = http.client.HTTPConnection(self.host, self.port,
                                       timeout=self.timeout)
        try:
            data = None if body is None else json.dumps(body).encode()
            hdrs = {"Content-Type": "application/json"} if data else {}
            c.request(method, path, body=data, headers=hdrs)
            r = c.getresponse()
            raw = r.read()
        finally:
            c.close()
        if r.status != 200:
            raise MockError(f"{method} {path}: {r.status} "
                            f"{raw.decode(errors='replace')}")
        return json.loads(raw) if raw else None

    def health(self):
        return self.call("GET", "/_mock/health")

    def state(self):
        return self.call("GET", "/_mock/state")

    def patch(self, d):
        return self.call("PATCH", "/_mock/state", d)

    def load(self, seed):
        return self.call("PUT", "/_mock/state", seed)

    def reset(self, tokens=False):
        return self.call("POST", "/_mock/reset", {"tokens": bool(tokens)})

    def config(self, d=None):
        if d is None:
            return self.call("GET", "/_mock/config")
        return self.call("POST", "/_mock/config", d)

    def fault(self, d):
        return self.call("POST", "/_mock/faults", d)["id"]

    def faults(self):
        return self.call("GET", "/_mock/faults")

    def clear_faults(self, fid=None):
        if fid is None:
            return self.call("DELETE", "/_mock/faults")
        return self.call("DELETE", f"/_mock/faults/{int(fid)}")

    def token(self, **kw):
        """kw: lifetime_s, resource, principal -> the bare token."""
        return self.call("POST", "/_mock/token", kw)["access_token"]

    def expire_tokens(self):
        return self.call("POST", "/_mock/tokens/expire")

    def invalidate_tokens(self):
        return self.call("POST", "/_mock/tokens/invalidate")

    def region(self, location, down, hang_s=None):
        d = {"location": location, "down": bool(down)}
        if hang_s is not None:
            d["hang_s"] = hang_s
        return self.call("POST", "/_mock/region", d)

    def ops(self):
        return self.call("GET", "/_mock/ops")

    def finish_op(self, op_id, result="Succeeded"):
        return self.call("POST", f"/_mock/ops/{op_id}", {"finish": result})

    def hold_op(self, op_id, hold_s):
        return self.call("POST", f"/_mock/ops/{op_id}", {"hold_s": hold_s})

    def wait_ops(self, timeout=30):
        """Waits until no operation is InProgress."""
        end = time.time() + timeout
        while time.time() < end:
            if not any(o["status"] == "InProgress" for o in self.ops()):
                return True
            time.sleep(0.1)
        return False

    def log(self, since=0):
        return self.call("GET", f"/_mock/log?since={int(since)}")

    def clear_log(self):
        return self.call("DELETE", "/_mock/log")

    def events(self, events):
        return self.call("POST", "/_mock/scheduledevents",
                         {"Events": events})

    def events_log(self):
        """The scheduled events' timeline: [{"t","EventId","EventType",
        "what",...}]."""
        return self.call("GET", "/_mock/scheduledevents/log")

    def clear_events_log(self):
        return self.call("DELETE", "/_mock/scheduledevents/log")

    def count(self, method=None, path=None, status=None, kind=None,
              since=0):
        """How many logged requests match (path: regex, searched)."""
        import re
        n = 0
        for e in self.log(since):
            if method and e["method"].upper() != method.upper():
                continue
            if path and not re.search(path, e["path"], re.I):
                continue
            if status is not None and e["status"] != int(status):
                continue
            if kind and e["kind"] != kind:
                continue
            n += 1
        return n


def main(argv=None):
    ap = argparse.ArgumentParser(description="mock Azure control client")
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--port", type=int)
    g.add_argument("--port-file")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("cmd")
    ap.add_argument("args", nargs="*")
    ap.add_argument("--tokens", action="store_true")
    ap.add_argument("--lifetime", type=int)
    ap.add_argument("--resource")
    ap.add_argument("--hang", type=float)
    ap.add_argument("--since", type=int, default=0)
    ap.add_argument("--method")
    ap.add_argument("--path")
    ap.add_argument("--status", type=int)
    ap.add_argument("--kind")
    a = ap.parse_args(argv)
    m = MockCtl.from_port_file(a.port_file, 10, host=a.host) \
        if a.port_file else MockCtl(a.port, host=a.host)
    c, args = a.cmd, a.args

    def j(i):
        return json.loads(args[i])
    try:
        if c == "health":
            out = m.health()
        elif c == "state":
            out = m.state()
        elif c == "reset":
            out = m.reset(a.tokens)
        elif c == "patch":
            out = m.patch(j(0))
        elif c == "load":
            with open(args[0]) as f:
                out = m.load(json.load(f))
        elif c == "config":
            out = m.config(j(0) if args else None)
        elif c == "fault" and args[:1] == ["add"]:
            out = {"id": m.fault(j(1))}
        elif c == "fault" and args[:1] == ["list"]:
            out = m.faults()
        elif c == "fault" and args[:1] == ["clear"]:
            out = m.clear_faults(args[1] if len(args) > 1 else None)
        elif c == "token":
            kw = {}
            if a.lifetime is not None:
                kw["lifetime_s"] = a.lifetime
            if a.resource:
                kw["resource"] = a.resource
            print(m.token(**kw))
            return 0
        elif c == "tokens" and args == ["expire"]:
            out = m.expire_tokens()
        elif c == "tokens" and args == ["invalidate"]:
            out = m.invalidate_tokens()
        elif c == "region" and len(args) == 2 and args[1] in ("down", "up"):
            out = m.region(args[0], args[1] == "down", a.hang)
        elif c == "ops":
            out = m.ops()
        elif c == "op" and len(args) == 3 and args[1] == "finish":
            out = m.finish_op(args[0], args[2])
        elif c == "log" and args == ["clear"]:
            out = m.clear_log()
        elif c == "log":
            out = m.log(a.since)
        elif c == "count":
            print(m.count(a.method, a.path, a.status, a.kind, a.since))
            return 0
        elif c == "events":
            out = m.events(j(0))
        elif c == "events-log" and args == ["clear"]:
            out = m.clear_events_log()
        elif c == "events-log" and not args:
            out = m.events_log()
        elif c == "wait-ops":
            return 0 if m.wait_ops(float(args[0]) if args else 30) else 1
        else:
            ap.error(f"unknown command {c} {' '.join(args)}")
    except (MockError, OSError, ValueError, IndexError) as e:
        print(f"mockctl: {e}", file=sys.stderr)
        return 1
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
