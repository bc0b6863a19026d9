# Action plugin wgowrt.fleet.topology: runs `wgowrt topology apply` on an
# OpenWrt router. It runs on the controller and talks to the router only
# through raw shell commands over the connection (no Python on the router).
from __future__ import annotations

import json

from ansible.errors import AnsibleError
from ansible.plugins.action import ActionBase

from ansible_collections.wgowrt.fleet.plugins.module_utils.wgowrt import (
    WgowrtError, apply_command, merge_keys, parse_apply)


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("topology", "src", "node", "public_keys", "wgowrt"))

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        args = self._task.args
        try:
            doc = merge_keys(self._topology(args), args.get("public_keys") or {})
            node = args.get("node") or (task_vars or {}).get("inventory_hostname")
            cmd = apply_command(doc, node, bool(self._task.check_mode), args.get("wgowrt", "wgowrt"))
            res = self._low_level_execute_command(cmd)
            result.update(parse_apply(res.get("rc", 1), res.get("stdout", ""), res.get("stderr", ""), bool(self._task.diff)))
        except WgowrtError as e:
            result.update(failed=True, msg=str(e))
        return result

    def _topology(self, args):
        if args.get("topology") is not None:
            return args["topology"]
        if not args.get("src"):
            raise WgowrtError("give topology (a mapping) or src (a topology file on the controller)")
        try:
            path = self._find_needle("files", args["src"])
            with open(path) as f:
                return json.load(f)
        except (AnsibleError, OSError, ValueError) as e:
            raise WgowrtError("src %s: %s" % (args["src"], e))
