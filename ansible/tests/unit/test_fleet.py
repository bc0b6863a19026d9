"""Unit tests of the wgowrt.fleet plugins.

The action plugins run here with their SSH connection replaced by a local
/bin/sh, which runs the real wgowrt binary (built from this repository)
against a copy of examples/router: so what is tested is the command line
the plugin sends, the here-document, wgowrt's --json answer and how the
plugin reads it. Run: python3 -m unittest discover -s ansible/tests/unit
(needs ansible-core; about 2 s once wgowrt is built).
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
from unittest import mock

HERE = os.path.dirname(os.path.abspath(__file__))
COLLECTION = os.path.dirname(os.path.dirname(HERE))
REPO = os.path.dirname(COLLECTION)

_ns = tempfile.mkdtemp(prefix="wgowrt-fleet-ns-")
os.makedirs(os.path.join(_ns, "ansible_collections", "wgowrt"))
os.symlink(COLLECTION, os.path.join(_ns, "ansible_collections", "wgowrt", "fleet"))
sys.path.insert(0, _ns)
try:  # with ansible-core, its own collection loader finds the collection
    from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder
    _AnsibleCollectionFinder(paths=[_ns])._install()
except ImportError:
    pass

from ansible_collections.wgowrt.fleet.plugins.module_utils import wgowrt as wu  # noqa: E402

try:
    from ansible_collections.wgowrt.fleet.plugins.action import topology as topology_action  # noqa: E402
    from ansible_collections.wgowrt.fleet.plugins.action import node_key as node_key_action  # noqa: E402
except ImportError as e:  # ansible-core not installed
    topology_action = node_key_action = None
    NO_ANSIBLE = str(e)

STAR = json.load(open(os.path.join(REPO, "examples", "fleet", "star.json")))
NODES = {"hub": "192.168.1.1", "branch1": "192.168.11.1", "branch2": "192.168.12.1", "branch3": "192.168.13.1"}


def setUpModule():
    global BIN, WORK
    WORK = tempfile.mkdtemp(prefix="wgowrt-fleet-")
    BIN = os.environ.get("WGOWRT_BIN")
    if not BIN:
        BIN = os.path.join(WORK, "wgowrt")
        subprocess.run(["go", "build", "-o", BIN, "./cmd/wgowrt"], cwd=REPO, check=True)


def tearDownModule():
    shutil.rmtree(WORK, ignore_errors=True)
    shutil.rmtree(_ns, ignore_errors=True)


def router(name):
    return router_named(name, name)


def router_named(name, dirname):
    """A router's filesystem and a wgowrt wrapper running against it."""
    root = os.path.join(WORK, dirname)
    shutil.copytree(os.path.join(REPO, "examples", "router"), root)
    net = os.path.join(root, "etc", "config", "network")
    with open(net) as f:
        text = f.read().replace("'192.168.1.1'", "'%s'" % NODES[name], 1)
    with open(net, "w") as f:
        f.write(text)
    wrapper = os.path.join(WORK, dirname + ".sh")
    with open(wrapper, "w") as f:
        f.write('#!/bin/sh\nexec %s --root %s "$@"\n' % (BIN, root))
    os.chmod(wrapper, 0o755)
    return root, wrapper


def sh(cmd):
    # as ActionBase._low_level_execute_command does
    # each command is a new login here: not the session a developer runs the tests from
    env = {k: v for k, v in os.environ.items() if k != "SSH_CONNECTION"}
    p = subprocess.run(["/bin/sh", "-c", cmd + " && sleep 0"], capture_output=True, text=True, env=env)
    return {"rc": p.returncode, "stdout": p.stdout, "stderr": p.stderr}


def kill_timers(root):
    """Stop the rollback timers (detached `wgowrt --root ROOT rollback --at`)
    a confirmed apply on root started."""
    subprocess.run(["pkill", "-f", "--", "--root %s rollback --at" % root])


def snapshot(root):
    out = {}
    for d, _, files in os.walk(root):
        for f in files:
            with open(os.path.join(d, f), "rb") as fh:
                out[os.path.join(d, f)] = fh.read()
    return out


class ModuleUtilsTest(unittest.TestCase):
    def test_merge_keys(self):
        doc = wu.merge_keys(STAR, {"hub": "K", "branch1": ""})
        self.assertEqual(doc["nodes"][0]["public_key"], "K")
        self.assertEqual(doc["nodes"][1]["public_key"], STAR["nodes"][1]["public_key"])
        self.assertNotEqual(STAR["nodes"][0]["public_key"], "K", "merge_keys changed its input")
        with self.assertRaisesRegex(wu.WgowrtError, "'nowhere'"):
            wu.merge_keys(STAR, {"nowhere": "K"})
        with self.assertRaisesRegex(wu.WgowrtError, "nodes list"):
            wu.merge_keys({"nodes": "x"}, {})

    def test_commands(self):
        self.assertIn("--dry-run", wu.apply_command(STAR, "hub", True))
        self.assertNotIn("--dry-run", wu.apply_command(STAR, "hub", False))
        self.assertIn("'branch 1'", wu.apply_command(STAR, "branch 1", False))
        self.assertEqual(wu.key_command("wg0", True), "wgowrt --json node key --iface wg0 --dry-run")

    def test_through_a_terminal(self):
        # ssh -tt (Ansible's ssh connection for raw commands): stderr in stdout, CRLF, ssh's own line on stderr
        out = '{"node": "hub",\r\n "changed": true, "steps": []}\r\nwgowrt: node hub, site add x: boom\r\n'
        with self.assertRaisesRegex(wu.WgowrtError, r"^wgowrt topology apply failed \(exit 1\): wgowrt: node hub, site add x: boom$"):
            wu.parse_apply(1, out, "Connection to 203.0.113.2 closed.\r\n", False)
        self.assertTrue(wu.parse_apply(0, out.split("wgowrt:")[0], "Connection to 203.0.113.2 closed.\r\n", False)["changed"])
        with self.assertRaisesRegex(wu.WgowrtError, r"\(exit 2\): wgowrt: usage$"):
            wu.parse_key(2, "wgowrt: usage\r\n", "Shared connection to r1 closed.\r\n")

    def test_unlisted_peers_warn(self):
        r = wu.parse_apply(0, json.dumps({"node": "hub", "changed": False, "steps": [], "unlisted": ["branch3"]}), "", True)
        self.assertEqual(r["unlisted"], ["branch3"])
        self.assertEqual(r["warnings"], ["peer branch3 of hub is not its neighbour in the topology file: left as it is "
                                         "(remove it with 'wgowrt site remove branch3' or 'wgowrt peer remove branch3')"])
        self.assertNotIn("warnings", wu.parse_apply(0, json.dumps({"node": "hub", "changed": False, "steps": []}), "", True))

    def test_confirm(self):
        self.assertIn(" --confirm=60 ", wu.apply_command(STAR, "hub", False, confirm=60))
        self.assertNotIn("--confirm", wu.apply_command(STAR, "hub", True, confirm=60), "check mode waits for nothing")
        self.assertEqual((wu.confirm_seconds(None), wu.confirm_seconds("30")), (None, 30))
        for bad in (4, 3601, "soon", True):
            with self.assertRaisesRegex(wu.WgowrtError, r"^confirm=.*5 to 3600"):
                wu.confirm_seconds(bad)
        r = wu.parse_apply(0, json.dumps({"node": "hub", "changed": True, "steps": [], "pending": {"id": "ab12", "deadline": "T"}}), "", False)
        self.assertEqual(r["pending"], {"id": "ab12", "deadline": "T"})
        self.assertEqual(wu.parse_confirm(0, json.dumps({"version": 1, "confirmed": {"id": "ab12"}}), "", r["pending"]), {"confirmed": True})
        with self.assertRaisesRegex(wu.WgowrtError, r"^wgowrt confirm failed \(exit 1\): wgowrt: no change.*rolls this apply back by itself at T$"):
            wu.parse_confirm(1, "", "wgowrt: no change is waiting for confirmation\n", r["pending"])

    def test_failures_are_one_line(self):
        with self.assertRaisesRegex(wu.WgowrtError, r"^wgowrt topology apply failed \(exit 1\): wgowrt: node x: bad$"):
            wu.parse_apply(1, "", "warning\nwgowrt: node x: bad\n", False)
        with self.assertRaisesRegex(wu.WgowrtError, "not installed"):
            wu.parse_key(127, "", "sh: wgowrt: not found\n")


@unittest.skipIf(topology_action is None, "ansible-core is not installed")
class ActionTest(unittest.TestCase):
    def action(self, cls, wrapper, args, check=False, diff=False):
        task = mock.MagicMock()
        task.args = args
        task.check_mode, task.diff = check, diff
        task.async_val = 0
        task.action = "wgowrt.fleet.x"
        a = cls.ActionModule(task, mock.MagicMock(), mock.MagicMock(), mock.MagicMock(), mock.MagicMock(), mock.MagicMock())
        a._low_level_execute_command = lambda cmd, **kw: sh(cmd)
        a._task.args["wgowrt"] = wrapper
        return a

    def run_task(self, cls, wrapper, args, **kw):
        return self.action(cls, wrapper, dict(args), **kw).run(task_vars={"inventory_hostname": args.get("node", "")})

    def test_star(self):
        routers = {n: router(n) for n in NODES}
        keys = {}
        for n, (root, w) in routers.items():
            r = self.run_task(node_key_action, w, {}, check=True)
            self.assertTrue(r.get("skipped"), r)
            r = self.run_task(node_key_action, w, {})
            self.assertTrue(r["changed"], r)
            keys[n] = r["ansible_facts"]["wgowrt_public_key"]
            self.assertFalse(self.run_task(node_key_action, w, {})["changed"])
            r = self.run_task(node_key_action, w, {}, check=True)
            self.assertEqual((r["changed"], r["public_key"]), (False, keys[n]), "check mode on a router with a key")
        for n in ["branch1", "branch2", "branch3", "hub"]:
            root, w = routers[n]
            args = {"topology": STAR, "public_keys": keys, "node": n}
            before = snapshot(root)
            r = self.run_task(topology_action, w, args, check=True, diff=True)
            self.assertTrue(r["changed"], r)
            self.assertIn("site add", r["diff"]["prepared"])
            self.assertEqual(before, snapshot(root), "check mode wrote on the router")
            r = self.run_task(topology_action, w, args)
            self.assertTrue(r["changed"], r)
            self.assertEqual(r["public_key"], keys[n])
            r = self.run_task(topology_action, w, args, diff=True)
            self.assertFalse(r["changed"], r)
            self.assertNotIn("diff", r)
        # branch3 dropped from the file: left on the hub, and named
        shrunk = json.loads(json.dumps(STAR))
        shrunk["nodes"] = [n for n in shrunk["nodes"] if n["name"] != "branch3"]
        shrunk["links"][0]["spokes"].remove("branch3")
        r = self.run_task(topology_action, routers["hub"][1], {"topology": shrunk, "public_keys": {k: v for k, v in keys.items() if k != "branch3"}, "node": "hub"})
        self.assertEqual((r.get("unlisted"), len(r.get("warnings", []))), (["branch3"], 1), r)
        # src: the file on the controller; its own (other) keys are not these routers'
        a = self.action(topology_action, routers["hub"][1], {"src": "star.json", "node": "hub"})
        a._find_needle = lambda kind, name: os.path.join(REPO, "examples", "fleet", name)
        r = a.run(task_vars={})
        self.assertTrue(r.get("failed"), r)
        self.assertIn("is not this router's key", r["msg"])

    def test_confirm(self):
        """confirm: the apply waits for confirmation as one change; the
        plugin confirms it over a new login, or fails saying that the
        router rolls the whole apply back by itself."""
        from ansible.errors import AnsibleConnectionFailure
        routers = {n: router_named(n, "cf-" + n) for n in NODES}
        keys = {n: self.run_task(node_key_action, w, {})["public_key"] for n, (_, w) in routers.items()}
        root, w = routers["branch1"]
        args = {"topology": STAR, "public_keys": keys, "node": "branch1", "confirm": 30}
        before = snapshot(os.path.join(root, "etc", "config"))
        a = self.action(topology_action, w, dict(args))
        calls = []
        a._low_level_execute_command = lambda cmd, **kw: calls.append(cmd) or sh(cmd)
        a._connection.reset = lambda: calls.append("reset")
        r = a.run(task_vars={})
        self.addCleanup(kill_timers, root)
        self.assertTrue(r["changed"] and r.get("confirmed"), r)
        self.assertEqual(calls[1:], ["reset", "%s --json confirm" % w], "confirmed over a new login")
        status = json.loads(sh(w + " --json status")["stdout"])
        self.assertFalse(status.get("pending"), status)
        applied = snapshot(os.path.join(root, "etc", "config"))
        self.assertNotEqual(before, applied)

        # cut off: no new login gets in after the apply
        root, w = routers["branch2"]
        args["node"] = "branch2"
        before = snapshot(os.path.join(root, "etc", "config"))
        a = self.action(topology_action, w, dict(args))
        state = {"n": 0}

        def cut(cmd, **kw):
            state["n"] += 1
            if state["n"] > 1:
                raise AnsibleConnectionFailure("ssh: connect to host 203.0.113.12 port 22: Connection timed out")
            return sh(cmd)
        a._low_level_execute_command = cut
        r = a.run(task_vars={})
        self.addCleanup(kill_timers, root)
        self.assertTrue(r.get("failed"), r)
        self.assertRegex(r["msg"], r"^no new login reached the router after the apply \(ssh: .*\): it rolls the whole apply back by itself at ")
        self.assertNotEqual(before, snapshot(os.path.join(root, "etc", "config")))
        self.assertEqual(sh(w + " rollback")["rc"], 0)
        self.assertEqual(before, snapshot(os.path.join(root, "etc", "config")), "the rollback restores what every step changed")


if __name__ == "__main__":
    unittest.main()


@unittest.skipIf(shutil.which("ansible-playbook") is None or topology_action is None, "ansible-playbook is not installed")
class PlaybookTest(unittest.TestCase):
    """playbooks/hub-and-spokes.yml with ansible-playbook itself, each
    "router" a local connection whose wgowrt runs against its own copy of
    examples/router (~6 s: three playbook runs)."""

    def playbook(self, inv, *extra):
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=_ns, ANSIBLE_NOCOLOR="1", ANSIBLE_PYTHON_INTERPRETER=sys.executable)
        env.pop("SSH_CONNECTION", None)  # a local connection: no new login to tell apart
        p = subprocess.run(["ansible-playbook", "-i", inv, os.path.join(COLLECTION, "playbooks", "hub-and-spokes.yml")] + list(extra),
                           capture_output=True, text=True, env=env)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        recap = p.stdout[p.stdout.index("PLAY RECAP"):]
        return p.stdout, {l.split()[0]: int(l.split("changed=")[1].split()[0]) for l in recap.splitlines()[1:] if "changed=" in l}

    def test_playbook(self):
        inv = os.path.join(WORK, "inventory.ini")
        routers = {}
        with open(inv, "w") as f:
            f.write("[hubs]\nhub\n[branches]\nbranch1\nbranch2\nbranch3\n[routers:children]\nhubs\nbranches\n[routers:vars]\nansible_connection=local\n")
        for n in NODES:
            root, w = router_named(n, "pb-" + n)
            routers[n] = root
            self.addCleanup(kill_timers, root)
            with open(inv, "a") as f:
                f.write("[%s]\n" % ("hubs" if n == "hub" else "branches"))
                f.write("%s wgowrt_bin=%s\n" % (n, w))
        before = {n: snapshot(r) for n, r in routers.items()}
        out, changed = self.playbook(inv, "--check", "--diff")
        self.assertIn("# site add hub", out)
        for n, r in routers.items():
            self.assertEqual(before[n], snapshot(r), "check mode changed " + n)
        out, changed = self.playbook(inv, "-v")
        self.assertEqual(changed, {"hub": 2, "branch1": 2, "branch2": 2, "branch3": 2}, out)
        self.assertEqual(out.count('"confirmed": true'), 4, out)
        for n, r in routers.items():  # the playbook's confirm: kept, none left waiting
            status = json.loads(subprocess.run([BIN, "--root", r, "--json", "status"], capture_output=True, text=True).stdout)
            self.assertNotIn("pending", status, n)
        out, changed = self.playbook(inv)
        self.assertEqual(changed, {"hub": 0, "branch1": 0, "branch2": 0, "branch3": 0}, out)
        with open(os.path.join(routers["hub"], "etc", "config", "network")) as f:
            self.assertEqual(f.read().count("config wireguard_wg0"), 3)
