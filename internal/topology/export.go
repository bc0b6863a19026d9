package topology

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/wgowrt/wgowrt/internal/wg"
)

// WgQuick renders node's wg-quick file. The private key stays on the
// host: PostUp loads it from /etc/wireguard/<iface>.key (`wg genkey`
// there; `wg pubkey` gives the public_key for the topology file).
func (t *Topology) WgQuick(name string) (string, error) {
	if errs := t.Check(false); len(errs) > 0 {
		return "", errs[0]
	}
	n, ok := t.Node(name)
	if !ok {
		return "", fmt.Errorf("--node %q is not a node of the topology file", name)
	}
	tun := netip.MustParsePrefix(t.Tunnel)
	var b strings.Builder
	fmt.Fprintf(&b, "# wg-quick file for node %s, made by 'wgowrt topology export' (edit the topology file, not this)\n", n.Name)
	fmt.Fprintf(&b, "[Interface]\nAddress = %s\nListenPort = %d\n", netip.PrefixFrom(netip.MustParseAddr(n.Address), tun.Bits()), n.Port)
	fmt.Fprintf(&b, "PostUp = wg set %%i private-key /etc/wireguard/%%i.key\n")
	routes := t.Routes(name)
	if len(routes) > 1 {
		b.WriteString("# this node forwards between its peers\nPostUp = sysctl -q -w net.ipv4.ip_forward=1\n")
	}
	for _, r := range routes {
		m, _ := t.Node(r.Via)
		fmt.Fprintf(&b, "\n# %s\n[Peer]\nPublicKey = %s\n", m.Name, m.PublicKey)
		allowed := []string{wg.Host(netip.MustParseAddr(m.Address)).String()}
		subnets := r.Subnets
		if n.Point() && len(routes) == 1 {
			// a leaf point (a laptop): the sites behind m do not route
			// its address back
			subnets = m.Subnets()
		}
		for _, p := range subnets {
			allowed = append(allowed, p.String())
		}
		fmt.Fprintf(&b, "AllowedIPs = %s\n", strings.Join(allowed, ", "))
		if m.Endpoint != "" {
			e, _ := wg.ParseEndpoint(m.Endpoint)
			fmt.Fprintf(&b, "Endpoint = %s\n", e.With(m.Port))
		}
		if n.Endpoint == "" {
			fmt.Fprintf(&b, "PersistentKeepalive = 25\n")
		}
	}
	return b.String(), nil
}
