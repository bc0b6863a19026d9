# The wgowrt fleet plugins' logic, kept free of Ansible so that it is
# unit-tested without a router: building the shell commands run on the
# router over SSH, and reading wgowrt's --json answers.
from __future__ import annotations

import json
import re
import shlex

HEREDOC = "WGOWRT_TOPOLOGY_EOF"


class WgowrtError(Exception):
    """A one-line failure to report as the task's msg."""


def merge_keys(topology, public_keys):
    """Return a copy of topology with the collected public keys filled in.

    public_keys maps node names to keys (the first pass's results; "" for a
    router that has none yet) and wins over a key pasted into the file. A
    key for a node the file does not name is an error: the inventory and
    the file disagree.
    """
    if not isinstance(topology, dict) or not isinstance(topology.get("nodes"), list):
        raise WgowrtError("topology must be a mapping with a nodes list (see examples/fleet/star.json)")
    doc = json.loads(json.dumps(topology))
    names = {n.get("name") for n in doc["nodes"]}
    for name in sorted(public_keys or {}):
        if public_keys[name] and name not in names:
            raise WgowrtError("public_keys names node %r, which the topology does not declare" % name)
    for n in doc["nodes"]:
        key = (public_keys or {}).get(n.get("name"))
        if key:
            # the router's own key wins over one pasted into the file
            n["public_key"] = key
    return doc


def confirm_seconds(value):
    """The confirm option as seconds (None: not asked for)."""
    if value is None or value == "":
        return None
    try:
        n = int(value)
    except (TypeError, ValueError):
        n = -1
    if isinstance(value, bool) or n < 5 or n > 3600:
        raise WgowrtError("confirm=%r: give the seconds the router waits for confirmation (5 to 3600)" % (value,))
    return n


def apply_command(topology, node, check_mode, wgowrt="wgowrt", confirm=None):
    """The shell command that applies topology on the router.

    The file goes over stdin as a here-document (one JSON line, so the
    delimiter cannot occur in it): nothing is written on the router in
    check mode, and no temporary file is left behind. With confirm (seconds)
    the router rolls the whole apply back unless `wgowrt confirm` comes in
    time (check mode changes nothing, so it waits for nothing).
    """
    data = json.dumps(topology, sort_keys=True, separators=(",", ":"))
    argv = [wgowrt, "--json", "topology", "apply", "-", "--node", node]
    if check_mode:
        argv.append("--dry-run")
    elif confirm:
        argv.append("--confirm=%d" % confirm)
    # in braces: Ansible appends "&& sleep 0" to the command line
    return "{ %s <<'%s'\n%s\n%s\n}" % (" ".join(shlex.quote(a) for a in argv), HEREDOC, data, HEREDOC)


def key_command(iface="wg0", check_mode=False, wgowrt="wgowrt"):
    """`node key`; in check mode with --dry-run, which draws no key."""
    argv = [wgowrt, "--json", "node", "key", "--iface", iface]
    if check_mode:
        argv.append("--dry-run")
    return " ".join(shlex.quote(a) for a in argv)


# what ssh itself prints when a session with a terminal ends
_SSH_NOISE = re.compile(r"^(Shared c|C)onnection to \S+ closed\.$")


def _split(stdout):
    """The JSON document wgowrt printed, and the text around it.

    Ansible's ssh connection runs raw commands in a terminal (ssh -tt), so
    on a real router wgowrt's stderr (its error line) arrives in stdout,
    after the JSON, with CRLF line ends.
    """
    text = (stdout or "").replace("\r\n", "\n")
    start = text.find("{")
    if start >= 0:
        try:
            doc, end = json.JSONDecoder().raw_decode(text, start)
            return doc, text[:start] + text[end:]
        except ValueError:
            pass
    return None, text


def _fail(what, rc, rest, stderr):
    """One line: wgowrt's own error line when there is one (on stderr, or
    on stdout when a terminal merged them), else the last line printed."""
    lines = [l.strip() for l in ((stderr or "") + "\n" + (rest or "")).splitlines()]
    lines = [l for l in lines if l and not _SSH_NOISE.match(l)]
    own = [l for l in lines if l.startswith("wgowrt:")]
    msg = (own or lines or ["no output"])[-1]
    if rc == 127:
        msg = "wgowrt is not installed on the router (opkg install wgowrt): " + msg
    return WgowrtError("%s failed (exit %d): %s" % (what, rc, msg))


def parse_apply(rc, stdout, stderr, want_diff):
    """Turn `topology apply --json` into the task result.

    changed is wgowrt's own verdict (did any use case have edits), so a
    second run reports no change; in check mode it says what would change.
    The diff is the UCI changes, as `uci changes` prints them.
    """
    report, rest = _split(stdout)
    if rc != 0 or not isinstance(report, dict):
        raise _fail("wgowrt topology apply", rc or 1, rest, stderr)
    result = {"changed": bool(report.get("changed")), "public_key": report.get("public_key"), "steps": report.get("steps", [])}
    unlisted = report.get("unlisted") or []
    if unlisted:
        # apply never removes them: say so rather than leave them silently
        result["unlisted"] = unlisted
        result["warnings"] = [unlisted_note(report.get("node"), p) for p in unlisted]
    pending = report.get("pending")
    if isinstance(pending, dict) and pending.get("id"):
        result["pending"] = {"id": pending["id"], "deadline": pending.get("deadline")}
    if want_diff and result["changed"]:
        text = []
        for step in report.get("steps", []):
            if step.get("changes"):
                text.append("# %s\n%s\n" % (step["use"], "\n".join(step["changes"])))
        result["diff"] = {"prepared": "".join(text)}
    return result


def unlisted_note(node, peer):
    """The warning for a peer the file dropped (as wgowrt words it)."""
    return ("peer %s of %s is not its neighbour in the topology file: left as it is "
            "(remove it with 'wgowrt site remove %s' or 'wgowrt peer remove %s')" % (peer, node, peer, peer))


def parse_key(rc, stdout, stderr):
    """Turn `node key --json` into the task result (changed: drawn now)."""
    ans, rest = _split(stdout)
    if rc != 0 or not isinstance(ans, dict) or not ans.get("public_key"):
        raise _fail("wgowrt node key", rc or 1, rest, stderr)
    return {"changed": bool(ans.get("created")), "public_key": ans["public_key"], "iface": ans.get("iface")}


def confirm_command(wgowrt="wgowrt"):
    """`wgowrt confirm`: run over a new login, which is what it proves."""
    return " ".join(shlex.quote(a) for a in [wgowrt, "--json", "confirm"])


def parse_confirm(rc, stdout, stderr, pending):
    """Turn `confirm --json` into the task result; a failure says that the
    router goes back by itself."""
    ans, rest = _split(stdout)
    if rc != 0 or not isinstance(ans, dict) or (ans.get("confirmed") or {}).get("id") != pending.get("id"):
        e = _fail("wgowrt confirm", rc or 1, rest, stderr)
        raise WgowrtError("%s; the router rolls this apply back by itself at %s" % (e, pending.get("deadline")))
    return {"confirmed": True}


def unreachable_after(pending, err):
    """The message when no new login reaches the router after the apply."""
    return ("no new login reached the router after the apply (%s): it rolls the whole apply back by itself at %s"
            % (err, pending.get("deadline")))
