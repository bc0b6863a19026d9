# Documentation for the wgowrt.fleet.node_key action plugin.
DOCUMENTATION = r"""
module: node_key
short_description: The router's WireGuard public key (wgowrt node key)
description:
  - Runs C(wgowrt --json node key) on the router (raw shell, no Python). The
    private key is drawn and kept on the router (mode 0600) the first time,
    which is the only case reported as changed. Sets the fact
    C(wgowrt_public_key). In check mode no key is drawn.
options:
  iface: {description: The WireGuard interface, type: str, default: wg0}
  wgowrt: {description: The wgowrt binary on the router, type: str, default: wgowrt}
"""
