# Documentation for the wgowrt.fleet.topology action plugin (the work is
# done by plugins/action/topology.py on the controller; nothing here runs
# on the router).
DOCUMENTATION = r"""
module: topology
short_description: Apply a wgowrt topology file to one OpenWrt router
description:
  - Runs C(wgowrt --json topology apply - --node NODE) on the router over the
    connection as a raw shell command, with the topology on stdin. The router
    needs wgowrt, not Python.
  - Check mode adds C(--dry-run) (nothing is written on the router); diff mode
    shows the UCI changes; C(changed) is wgowrt's own verdict, so a second run
    reports no change.
  - Peers of the interface that the file no longer makes neighbours of this
    router (a node dropped from the file) are left as they are, and named in
    C(unlisted) and in a warning.
options:
  topology: {description: The topology as a mapping (e.g. from a vars file or lookup), type: dict}
  src: {description: A topology JSON file on the controller (instead of topology), type: str}
  node: {description: This router's name in the file, type: str, default: inventory_hostname}
  public_keys: {description: Node name to public key, from wgowrt.fleet.node_key, type: dict}
  wgowrt: {description: The wgowrt binary on the router, type: str, default: wgowrt}
  confirm:
    description:
      - Seconds (5 to 3600) the router waits for confirmation (C(topology apply --confirm)). Every step of the
        apply is one change; the plugin then logs in anew and runs C(wgowrt confirm). A router that the change
        cut off (no new login, or confirm fails) rolls the whole apply back by itself, and the task fails.
      - Not used in check mode, which changes nothing.
    type: int
"""

RETURN = r"""
public_key: {description: This router's public key, type: str, returned: success}
steps: {description: "Each use case run: use, changes (uci changes lines), notes", type: list, returned: success}
unlisted: {description: Peers left on the router that the file does not name as its neighbours, type: list, returned: when there are any}
pending: {description: "With confirm: the change (id, deadline) that waited for confirmation", type: dict, returned: when the apply changed something}
confirmed: {description: "With confirm: the new login confirmed the change", type: bool, returned: when there was a change to confirm}
"""
