#!/usr/bin/env python3
"""mkman: geoha's man pages, generated at build time from what each program
says about itself, so that a page never disagrees with the program.

  mkman.py ocf    [--version V] [--date D] [--ocf-dir DIR] AGENT.xml
      ocf_geoha_AGENT(7) from an OCF agent's meta-data
  mkman.py fence  [--version V] [--date D] FENCE.xml
      fence_geoha(8) from `fence_geoha -o metadata`
  mkman.py render [--version V] [--date D] [--datadir DIR] HELP.txt
      geoha-render(8) from `geoha-render --help --params geoha.params`

The page goes to standard output. Every parameter is listed with its type,
its default ("none" when it has none) and, for numbers, its unit. The unit
is read from the meta-data: fence-agents' content type "second"; a name
ending in _ms or a description starting with "Milliseconds" (milliseconds);
a description starting with "Seconds", or an integer named *timeout,
*interval, *delay, *wait or *_lag (seconds); any other integer has no unit.
A parameter whose text mentions a unit other than the one found is an
error (exit 1), so a new parameter cannot get a wrong unit silently.
"""
import argparse
import re
import sys
import xml.etree.ElementTree as ET


def esc(text):
    """TEXT as roff input: backslashes and minus signs escaped, white space
    runs (newlines included) folded into one space."""
    text = " ".join(text.split())
    return text.replace("\\", "\\e").replace("-", "\\-")


def line(text):
    """One input line of running text (a leading . or ' is not a request)."""
    text = esc(text)
    if text[:1] in (".", "'"):
        text = "\\&" + text
    return text


def paragraphs(text):
    """The paragraphs of a description: its non-empty lines."""
    return [p.strip() for p in (text or "").split("\n") if p.strip()]


def th(title, section, date, version, manual):
    return ['.TH "%s" "%s" "%s" "geoha %s" "%s"'
            % (title, section, date, version, manual),
            # No hyphenation, ragged right: names, paths and URLs stay
            # whole and can be copied from the terminal.
            ".nh", ".ad l"]


def unit_of(name, ctype, short, long_):
    """The unit of a numeric parameter (None when it is not a number)."""
    text = (short + " " + long_).strip()
    low = text.lower()
    if ctype == "second":
        unit = "seconds"
    elif ctype not in ("integer", "time"):
        return None
    elif ctype == "time":
        unit = "a Pacemaker time (a number with s, ms, min or h; s when bare)"
    elif name.endswith("_ms") or re.match(r"milliseconds\b", short.lower()) \
            or re.match(r"milliseconds\b", long_.strip().lower()):
        unit = "milliseconds"
    elif re.match(r"seconds\b", short.lower()) \
            or re.match(r"seconds\b", long_.strip().lower()) \
            or re.search(r"(timeout|interval|delay|wait|_lag)$", name):
        unit = "seconds"
    else:
        unit = "none (a plain number)"
    mentioned = {u for u in ("milliseconds", "seconds", "minutes")
                 if re.search(r"\b%s\b" % u, low)}
    if unit in ("milliseconds", "seconds") and mentioned - {unit}:
        # "seconds" inside "milliseconds" is not matched (\b); any other
        # unit named in the text must be the one found.
        sys.exit("mkman: parameter %s: unit %s, but its description "
                 "mentions %s" % (name, unit, ", ".join(sorted(mentioned))))
    if unit.startswith("none") and "milliseconds" in mentioned:
        sys.exit("mkman: parameter %s: an integer with no unit found, but "
                 "its description mentions milliseconds" % name)
    return unit


def param_facts(p):
    """'Type: ... Default: ... Unit: ...' of a <parameter>, as roff."""
    content = p.find("content")
    ctype = content.get("type", "string") if content is not None else "string"
    default = content.get("default") if content is not None else None
    short = p.findtext("shortdesc") or ""
    long_ = p.findtext("longdesc") or ""
    # fence-agents' "second" is an integer whose unit is seconds.
    facts = ["Type: %s." % esc("integer" if ctype == "second" else ctype)]
    options = [o.get("value") for o in content.iter("option")] \
        if content is not None else []
    if options:
        facts.append("Values: %s." % ", ".join(
            "\\fB%s\\fR" % esc(v) for v in options))
    if default is None or default == "":
        facts.append("Default: none.")
    else:
        facts.append("Default: \\fB%s\\fR." % esc(default))
    unit = unit_of(p.get("name"), ctype, short, long_)
    if unit:
        facts.append("Unit: %s." % esc(unit))
    if p.get("required") == "1":
        facts.append("Required.")
    if p.get("unique") == "1":
        facts.append("Unique across resources.")
    return " ".join(facts)


def see_also(items):
    return [".SH SEE ALSO", ",\n".join(items)]


def ocf_page(root, args):
    name = root.get("name")
    title = "ocf_geoha_" + name
    out = th(title.upper(), "7", args.date, args.version,
             "OCF resource agents")
    out += [".SH NAME",
            "%s \\- %s" % (esc(title), esc(root.findtext("shortdesc") or ""))]
    actions = []
    for a in root.iter("action"):
        if a.get("name") not in actions:
            actions.append(a.get("name"))
    out += [".SH SYNOPSIS",
            "\\fB%s/%s\\fR {%s}" % (esc(args.ocf_dir), esc(name),
                                    "|".join(esc(a) for a in actions))]
    out += [".SH DESCRIPTION"]
    for i, par in enumerate(paragraphs(root.findtext("longdesc"))):
        if i:
            out.append(".PP")
        out.append(line(par))
    out += [".PP",
            "Pacemaker runs this agent as \\fBocf:geoha:%s\\fR (a "
            "\\fBprimitive\\fR in the crm shell); "
            "\\fBcrm ra info ocf:geoha:%s\\fR prints the meta-data this "
            "page is made from." % (esc(name), esc(name)),
            ".SH SUPPORTED PARAMETERS"]
    for p in root.iter("parameter"):
        out += [".TP", "\\fB%s\\fR" % esc(p.get("name"))]
        short = (p.findtext("shortdesc") or "").strip()
        out.append(line(short if short.endswith(".") else short + "."))
        for par in paragraphs(p.findtext("longdesc")):
            out += [".IP", line(par)]
        out += [".IP", param_facts(p)]
    out.append(".SH SUPPORTED ACTIONS")
    for a in root.iter("action"):
        attrs = []
        for key in ("timeout", "interval", "depth", "role"):
            if a.get(key) is not None:
                attrs.append("%s %s" % (key, esc(a.get(key))))
        out += [".TP", "\\fB%s\\fR" % esc(a.get("name")),
                ("Default " + ", ".join(attrs) + ".") if attrs
                else "No defaults."]
    out += [".SH FILES", ".TP", "\\fB%s/%s\\fR" % (esc(args.ocf_dir),
                                                  esc(name)),
            "The agent.", ".TP",
            "\\fB%s/geoha.crm\\fR" % esc(args.datadir),
            "The cluster configuration geoha ships, which uses this agent "
            "(render it with \\fBgeoha\\-render\\fR(8))."]
    others = ["\\fBocf_geoha_%s\\fR(7)" % esc(o) for o in args.agents
              if o != name]
    out += see_also(["\\fBcrm\\fR(8)", "\\fBcrm_resource\\fR(8)"] + others
                    + ["\\fBfence_geoha\\fR(8)", "\\fBgeoha\\-render\\fR(8)"])
    return out


def getopt_roff(mixed):
    """'-o, --action=[action]' as \\fB\\-o\\fR, \\fB\\-\\-action\\fR=..."""
    parts = []
    for opt in mixed.split(", "):
        m = re.match(r"^(-{1,2}[A-Za-z0-9_-]+)(?:=\[(.*)\])?$", opt.strip())
        if not m:
            parts.append(esc(opt))
        elif m.group(2) is not None:
            parts.append("\\fB%s\\fR=\\fI%s\\fR" % (esc(m.group(1)),
                                                   esc(m.group(2))))
        else:
            parts.append("\\fB%s\\fR" % esc(m.group(1)))
    return ", ".join(parts)


FENCE_ACTIONS = {
    "on": "Power the machine on.",
    "off": "Power the machine off (fencing).",
    "reboot": "Power the machine off, then on (fencing).",
    "status": "Print whether the machine is on (exit 0) or off (exit 2).",
    "list": "List the machines this device can fence.",
    "list-status": "List the machines with their power state.",
    "monitor": "Check that the fencing device (here: the API) answers.",
    "metadata": "Print the XML meta-data Pacemaker reads.",
    "validate-all": "Check the options without acting.",
}


def fence_page(root, args):
    name = root.get("name")
    out = th(name.upper(), "8", args.date, args.version,
             "System Manager's Manual")
    out += [".SH NAME",
            "%s \\- %s" % (esc(name), esc(root.get("shortdesc") or ""))]
    out += [".SH SYNOPSIS",
            "\\fB%s\\fR [\\fIOPTION\\fR]..." % esc(name), ".br",
            "\\fB%s\\fR < \\fIparameters\\fR" % esc(name)]
    out.append(".SH DESCRIPTION")
    for i, par in enumerate(paragraphs(root.findtext("longdesc"))):
        if i:
            out.append(".PP")
        out.append(line(par))
    out += [".PP",
            "Pacemaker runs it as \\fBstonith:%s\\fR and passes the "
            "parameters on standard input, one \\fIname\\fR=\\fIvalue\\fR "
            "per line, under the names given below after \"stdin:\"; "
            "\\fBstonith_admin \\-M \\-a %s\\fR prints the meta-data this "
            "page is made from." % (esc(name), esc(name))]
    url = root.findtext("vendor-url")
    if url:
        out += [".PP", "Vendor URL: %s" % esc(url)]
    params = list(root.iter("parameter"))
    replaced = {p.get("obsoletes"): p.get("name") for p in params
                if p.get("obsoletes")}
    out.append(".SH OPTIONS")
    deprecated = []
    for p in params:
        if p.get("deprecated") == "1":
            deprecated.append(p)
            continue
        g = p.find("getopt")
        out += [".TP", getopt_roff(g.get("mixed")) if g is not None
                else "\\fB%s\\fR" % esc(p.get("name"))]
        short = (p.findtext("shortdesc") or "").strip()
        out.append(line(short if short.endswith(".") else short + "."))
        for par in paragraphs(p.findtext("longdesc")):
            out += [".IP", line(par)]
        facts = "stdin: \\fI%s\\fR." % esc(p.get("name"))
        if p.get("obsoletes"):
            facts += " Replaces \\fI%s\\fR." % esc(p.get("obsoletes"))
        out += [".IP", facts + " " + param_facts(p)]
    if deprecated:
        out += [".SH DEPRECATED PARAMETERS",
                "Still accepted, under the name given, for configurations "
                "written for older fence agents."]
        for p in deprecated:
            new = replaced.get(p.get("name"))
            out += [".TP", "stdin: \\fI%s\\fR" % esc(p.get("name")),
                    ("Use \\fI%s\\fR instead. " % esc(new) if new else "")
                    + line((p.findtext("shortdesc") or "").strip()) + ".",
                    ".IP", param_facts(p)]
    out.append(".SH ACTIONS")
    for a in root.iter("action"):
        an = a.get("name")
        out += [".TP", "\\fB%s\\fR" % esc(an),
                esc(FENCE_ACTIONS.get(an, "See the description above."))]
    out += [".SH EXIT STATUS",
            "0 success (for \\fBstatus\\fR: the machine is on), 1 failure, "
            "2 \\fBstatus\\fR found the machine off."]
    out += see_also(["\\fBstonith_admin\\fR(8)", "\\fBpacemaker\\-fenced\\fR(7)"]
                    + ["\\fBocf_geoha_%s\\fR(7)" % esc(o) for o in args.agents]
                    + ["\\fBgeoha\\-render\\fR(8)"])
    return out


def parse_help(text):
    """(usage lines, description paragraph lines, [(name, value, help)])
    of geoha-render --help."""
    blocks = text.split("\n\n")
    if len(blocks) < 3:
        sys.exit("mkman: geoha-render --help: unexpected layout")
    usage = [re.sub(r"^(usage:)?\s*", "", ln)
             for ln in blocks[0].splitlines()]
    desc = blocks[1]
    names = []
    for ln in "\n\n".join(blocks[2:]).splitlines()[1:]:
        m = re.match(r"^\s+([A-Z][A-Z0-9_]*)\s+\[(.*?)\]\s*(.*)$", ln)
        if m:
            names.append(m.groups())
        elif ln.strip():
            sys.exit("mkman: geoha-render --help: unexpected line %r" % ln)
    if not names:
        sys.exit("mkman: geoha-render --help lists no names")
    return usage, desc, names


def render_unit(value, help_):
    """The unit of a geoha.params name whose production value is a number
    or a Pacemaker time (None for other values)."""
    if re.fullmatch(r"[0-9]+", value):
        if re.search(r"\(ms\)|\bmilliseconds\b", help_):
            return "milliseconds"
        if re.search(r"\bseconds\b", help_):
            return "seconds"
        return "none (a plain number)"
    if re.fullmatch(r"[0-9]+(ms|s|min|h)", value):
        return "given with the value (a Pacemaker time)"
    return None


def render_page(text, args):
    usage, desc, names = parse_help(text)
    out = th("GEOHA-RENDER", "8", args.date, args.version,
             "System Manager's Manual")
    out += [".SH NAME",
            "geoha\\-render \\- fill a geoha configuration template "
            "with a site's values", ".SH SYNOPSIS"]
    for i, u in enumerate(usage):
        if i:
            out.append(".br")
        out.append(esc(u).replace("geoha\\-render", "\\fBgeoha\\-render\\fR",
                                  1))
    out += [".SH DESCRIPTION", line(desc),
            ".PP",
            "The templates are \\fB%s/geoha.crm\\fR (the cluster "
            "configuration, for \\fBcrm configure load update\\fR) and "
            "\\fB%s/corosync.conf\\fR. Their values come from "
            "\\fB%s/geoha.params\\fR, or a copy of it given with "
            "\\fB\\-\\-params\\fR (\\fB/etc/geoha/geoha.params\\fR on a "
            "cluster node), which holds a production and a test column."
            % ((esc(args.datadir),) * 3),
            ".SH OPTIONS",
            ".TP", "\\fB\\-\\-profile\\fR \\fBproduction\\fR|\\fBtest\\fR",
            "Which column of the params file to use; the default is "
            "\\fBproduction\\fR.",
            ".TP", "\\fB\\-\\-params\\fR \\fIFILE\\fR",
            "The params file; the default is the geoha.params beside "
            "\\fITEMPLATE\\fR.",
            ".TP", "\\fINAME\\fR=\\fIVALUE\\fR",
            "Gives the value of \\fINAME\\fR, overriding the params file. "
            "A name the params file does not know is refused.",
            ".TP", "\\fB\\-\\-help\\fR",
            "Lists every name with its production value and meaning, from "
            "\\fB\\-\\-params\\fR \\fIFILE\\fR, the geoha.params beside "
            "\\fITEMPLATE\\fR, or the installed one.",
            ".SH NAMES",
            "The names of the shipped geoha.params, each with its production "
            "value (its default; \\fB\\-\\fR means the site must give it, "
            "\\fB\"\"\\fR the empty value) and its meaning, which states the "
            "unit of a number (ms: milliseconds; a Pacemaker time such as "
            "10s or 10min carries its own)."]
    for name, value, help_ in names:
        facts = "Default: none, the site must give it." if value == "-" \
            else "Default: \\fB%s\\fR." % esc(value)
        unit = render_unit(value, help_)
        if unit:
            facts += " Unit: %s." % esc(unit)
        out += [".TP", "\\fB%s\\fR" % esc(name),
                line(help_ if help_ else "(no description)") + ".",
                ".IP", facts]
    out += [".SH EXIT STATUS",
            "0 when the whole template was rendered. 1, with nothing on "
            "standard output and every problem on standard error, when a "
            "placeholder has no value or the value \\fB\\-\\fR, a "
            "\\fINAME\\fR is unknown, or a value holds a character that "
            "would change the syntax of the rendered file.",
            ".SH EXAMPLES",
            ".nf",
            "geoha\\-render \\-\\-params /etc/geoha/geoha.params \\e",
            "    %s/corosync.conf > /etc/corosync/corosync.conf"
            % esc(args.datadir),
            "geoha\\-render \\-\\-params /etc/geoha/geoha.params \\e",
            "    %s/geoha.crm > /root/geoha.crm" % esc(args.datadir),
            "crm configure load update /root/geoha.crm",
            ".fi",
            ".SH FILES",
            ".TP", "\\fB%s/\\fR" % esc(args.datadir),
            "The templates and the shipped params file.",
            ".TP", "\\fB/usr/share/doc/geoha/\\fR",
            "The installation steps (README.md), the runbook and the "
            "witness set\\-up."]
    out += see_also(["\\fBcrm\\fR(8)", "\\fBcorosync.conf\\fR(5)"]
                    + ["\\fBocf_geoha_%s\\fR(7)" % esc(o) for o in args.agents]
                    + ["\\fBfence_geoha\\fR(8)"])
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("kind", choices=("ocf", "fence", "render"))
    ap.add_argument("input")
    ap.add_argument("--version", default="0")
    ap.add_argument("--date", default="")
    ap.add_argument("--ocf-dir", default="/usr/lib/ocf/resource.d/geoha")
    ap.add_argument("--datadir", default="/usr/share/geoha")
    ap.add_argument("--agents", default="",
                    help="the OCF agents, for SEE ALSO (space separated)")
    args = ap.parse_args()
    args.agents = args.agents.split()
    with open(args.input, encoding="utf-8") as f:
        text = f.read()
    if args.kind == "render":
        out = render_page(text, args)
    else:
        try:
            root = ET.fromstring(text)
        except ET.ParseError as e:
            sys.exit("mkman: %s: %s" % (args.input, e))
        out = ocf_page(root, args) if args.kind == "ocf" \
            else fence_page(root, args)
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
