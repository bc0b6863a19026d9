# Action plugin wgowrt.fleet.node_key: the router's WireGuard public key,
# drawn on the router the first time (`wgowrt node key`); the private key
# never leaves it. Raw shell over the connection, no Python on the router.
from __future__ import annotations

from ansible.plugins.action import ActionBase

from ansible_collections.wgowrt.fleet.plugins.module_utils.wgowrt import (
    WgowrtError, key_command, parse_key)


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("iface", "wgowrt"))

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        args = self._task.args
        check = bool(self._task.check_mode)
        try:
            res = self._low_level_execute_command(key_command(args.get("iface", "wg0"), check, args.get("wgowrt", "wgowrt")))
            if check and res.get("rc") != 0:
                # a fresh router: the key is drawn by the real run
                result.update(skipped=True, msg="no key on the router yet (check mode draws none)")
                return result
            result.update(parse_key(res.get("rc", 1), res.get("stdout", ""), res.get("stderr", "")))
            result["ansible_facts"] = {"wgowrt_public_key": result["public_key"]}
        except WgowrtError as e:
            result.update(failed=True, msg=str(e))
        return result
