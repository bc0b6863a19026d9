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
"""

RETURN = r"""
public_key: {description: This router's public key, type: str, returned: success}
steps: {description: "Each use case run: use, changes (uci changes lines), notes", type: list, returned: success}
unlisted: {description: Peers left on the router that the file does not name as its neighbours, type: list, returned: when there are any}
"""
