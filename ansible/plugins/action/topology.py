# Action plugin wgowrt.fleet.topology: runs `wgowrt topology apply` on an
# OpenWrt router. It runs on the controller and talks to the router only
# through raw shell commands over the connection (no Python on the router).
from __future__ import annotations

import json

from ansible.errors import AnsibleConnectionFailure, AnsibleError
from ansible.plugins.action import ActionBase

from ansible_collections.wgowrt.fleet.plugins.module_utils.wgowrt import (
    WgowrtError, apply_command, confirm_command, confirm_seconds, merge_keys,
    parse_apply, parse_confirm, unreachable_after)


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("topology", "src", "node", "public_keys", "wgowrt", "confirm"))

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        args = self._task.args
        wgowrt = args.get("wgowrt", "wgowrt")
        try:
            confirm = confirm_seconds(args.get("confirm"))
            doc = merge_keys(self._topology(args), args.get("public_keys") or {})
            node = args.get("node") or (task_vars or {}).get("inventory_hostname")
            cmd = apply_command(doc, node, bool(self._task.check_mode), wgowrt, confirm)
            res = self._low_level_execute_command(cmd)
            result.update(parse_apply(res.get("rc", 1), res.get("stdout", ""), res.get("stderr", ""), bool(self._task.diff)))
            if result.get("pending"):
                result.update(self._confirm(wgowrt, result["pending"]))
        except WgowrtError as e:
            result.update(failed=True, msg=str(e))
        return result

    def _confirm(self, wgowrt, pending):
        """Confirm the apply over a new login: the router keeps it only if
        the controller still gets in after it."""
        try:
            self._connection.reset()
            res = self._low_level_execute_command(confirm_command(wgowrt))
        except AnsibleConnectionFailure as e:
            raise WgowrtError(unreachable_after(pending, e))
        return parse_confirm(res.get("rc", 1), res.get("stdout", ""), res.get("stderr", ""), pending)

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
