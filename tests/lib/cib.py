#!/usr/bin/env python3
"""Write a CIB file for tests that run agents outside a cluster (CIB_file).

Pacemaker's tools and geoha's lib/cib.c compute resource state from the
status section with the scheduler library, so this writes what a running
cluster would have recorded: online nodes and operation history showing
each instance's role.

  cib.py write OUT --nodes ci,si --clone db-clone --primitive db
         [--agent ocf:geoha:mysql] [--promoted ci] [--unpromoted si]
         [--stopped NODE] [--attr NODE:NAME=VALUE ...]

The file is written mode 0600. Promotion scores and node attributes that
agents set later with crm_attribute land in the same file.
"""
import argparse
import os
import sys
from xml.sax.saxutils import quoteattr

FEATURE = "3.16.2"


def op(rsc, node, task, call_id, rc=0):
    key = f"{task}"
    return (f'<lrm_rsc_op id="{rsc}_last_0" operation_key="{rsc}_{key}_0" '
            f'operation="{task}" crm-debug-origin="do_update_resource" '
            f'crm_feature_set="{FEATURE}" '
            f'transition-key="{call_id}:1:0:00000000-0000-0000-0000-000000000000" '
            f'transition-magic="0:{rc};{call_id}:1:0:00000000-0000-0000-0000-000000000000" '
            f'exit-reason="" on_node="{node}" call-id="{call_id}" '
            f'rc-code="{rc}" op-status="0" interval="0" '
            f'last-rc-change="1700000000" exec-time="1" queue-time="0"/>')


def build(a):
    nodes = a.nodes.split(",")
    cls, prov, typ = a.agent.split(":")
    roles = {}
    for n in a.promoted or []:
        roles[n] = "promote"
    for n in a.unpromoted or []:
        roles[n] = "start"
    attrs = {}
    for spec in a.attr or []:
        node, kv = spec.split(":", 1)
        k, v = kv.split("=", 1)
        attrs.setdefault(node, []).append((k, v))
    out = [f'<cib crm_feature_set="{FEATURE}" validate-with="pacemaker-3.9" '
           'epoch="1" num_updates="0" admin_epoch="0" have-quorum="1" '
           'dc-uuid="1">', "<configuration>", "<crm_config>",
           '<cluster_property_set id="cib-bootstrap-options">',
           '<nvpair id="o-stonith" name="stonith-enabled" value="false"/>',
           "</cluster_property_set>", "</crm_config>", "<nodes>"]
    for i, n in enumerate(nodes, 1):
        out.append(f'<node id="{i}" uname={quoteattr(n)}/>')
    out += ["</nodes>", "<resources>",
            f'<clone id={quoteattr(a.clone)}>',
            f'<meta_attributes id="{a.clone}-meta">',
            f'<nvpair id="{a.clone}-m1" name="promotable" value="true"/>',
            f'<nvpair id="{a.clone}-m2" name="promoted-max" value="1"/>',
            "</meta_attributes>",
            f'<primitive id={quoteattr(a.primitive)} class="{cls}" '
            + (f'provider="{prov}" ' if prov else "") + f'type="{typ}"/>',
            "</clone>", "</resources>", "<constraints/>",
            "</configuration>", "<status>"]
    for i, n in enumerate(nodes, 1):
        out.append(f'<node_state id="{i}" uname={quoteattr(n)} in_ccm="true" '
                   'crmd="online" crm-debug-origin="do_update_resource" '
                   'join="member" expected="member">')
        if n in attrs:
            out.append(f'<transient_attributes id="{i}">'
                       f'<instance_attributes id="status-{i}">')
            for j, (k, v) in enumerate(attrs[n]):
                out.append(f'<nvpair id="status-{i}-{j}" name={quoteattr(k)} '
                           f'value={quoteattr(v)}/>')
            out.append("</instance_attributes></transient_attributes>")
        out.append(f'<lrm id="{i}"><lrm_resources>')
        if n in roles:
            out.append(f'<lrm_resource id={quoteattr(a.primitive)} '
                       f'type="{typ}" class="{cls}"'
                       + (f' provider="{prov}"' if prov else "") + ">")
            out.append(op(a.primitive, n, roles[n], 10 + i))
            out.append("</lrm_resource>")
        out.append("</lrm_resources></lrm></node_state>")
    out += ["</status>", "</cib>"]
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    w = sub.add_parser("write")
    w.add_argument("out")
    w.add_argument("--nodes", default="ci,si")
    w.add_argument("--clone", default="db-clone")
    w.add_argument("--primitive", default="db")
    w.add_argument("--agent", default="ocf:geoha:mysql")
    w.add_argument("--promoted", action="append")
    w.add_argument("--unpromoted", action="append")
    w.add_argument("--attr", action="append")
    a = ap.parse_args()
    text = build(a)
    fd = os.open(a.out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
