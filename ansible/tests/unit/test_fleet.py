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
    p = subprocess.run(["/bin/sh", "-c", cmd + " && sleep 0"], capture_output=True, text=True)
    return {"rc": p.returncode, "stdout": p.stdout, "stderr": p.stderr}


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


if __name__ == "__main__":
    unittest.main()


@unittest.skipIf(shutil.which("ansible-playbook") is None or topology_action is None, "ansible-playbook is not installed")
class PlaybookTest(unittest.TestCase):
    """playbooks/hub-and-spokes.yml with ansible-playbook itself, each
    "router" a local connection whose wgowrt runs against its own copy of
    examples/router (~6 s: three playbook runs)."""

    def playbook(self, inv, *extra):
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=_ns, ANSIBLE_NOCOLOR="1", ANSIBLE_PYTHON_INTERPRETER=sys.executable)
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
            with open(inv, "a") as f:
                f.write("[%s]\n" % ("hubs" if n == "hub" else "branches"))
                f.write("%s wgowrt_bin=%s\n" % (n, w))
        before = {n: snapshot(r) for n, r in routers.items()}
        out, changed = self.playbook(inv, "--check", "--diff")
        self.assertIn("# site add hub", out)
        for n, r in routers.items():
            self.assertEqual(before[n], snapshot(r), "check mode changed " + n)
        out, changed = self.playbook(inv)
        self.assertEqual(changed, {"hub": 2, "branch1": 2, "branch2": 2, "branch3": 2}, out)
        out, changed = self.playbook(inv)
        self.assertEqual(changed, {"hub": 0, "branch1": 0, "branch2": 0, "branch3": 0}, out)
        with open(os.path.join(routers["hub"], "etc", "config", "network")) as f:
            self.assertEqual(f.read().count("config wireguard_wg0"), 3)
