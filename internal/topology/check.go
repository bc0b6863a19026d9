package topology

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/wgowrt/wgowrt/internal/wg"
)

// Check returns every problem of the file, one line each, naming the
// value. Missing public keys are problems unless allowMissingKeys (the
// first pass of a rollout, which collects them).
func (t *Topology) Check(allowMissingKeys bool) []error {
	var errs []error
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	tunnel, err := netip.ParsePrefix(t.Tunnel)
	if err != nil || !tunnel.Addr().Is4() {
		add("tunnel %q is not an IPv4 CIDR such as 10.99.0.0/24", t.Tunnel)
	}
	if err := wg.ValidateIface(t.Iface); err != nil {
		add("iface %q: %v", t.Iface, err)
	}
	t.checkNodes(tunnel.Masked(), err == nil, allowMissingKeys, add)
	t.checkSubnets(tunnel.Masked(), add)
	t.checkLinks(add)
	return errs
}

type addFunc func(format string, a ...any)

func (t *Topology) checkNodes(tunnel netip.Prefix, tunnelOK, allowMissingKeys bool, add addFunc) {
	names, addrs, keys := map[string]bool{}, map[netip.Addr]string{}, map[string]string{}
	for _, n := range t.Nodes {
		if err := wg.ValidatePeerName(n.Name); err != nil {
			add("node %q: %v", n.Name, err)
		}
		if names[n.Name] {
			add("node %q is declared twice", n.Name)
		}
		names[n.Name] = true
		if n.Kind != KindOpenWrt && n.Kind != KindHost {
			add("node %s: kind %q is not openwrt or host", n.Name, n.Kind)
		}
		a, err := netip.ParseAddr(n.Address)
		switch {
		case err != nil:
			add("node %s: address %q is not an IP address such as 10.99.0.2", n.Name, n.Address)
		case tunnelOK && !tunnel.Contains(a):
			add("node %s: address %s is outside the tunnel subnet %s: the address plan does not fit", n.Name, a, tunnel)
		case tunnelOK && (a == tunnel.Addr() || a == wg.LastAddr(tunnel)):
			add("node %s: address %s is the network or broadcast address of %s", n.Name, a, tunnel)
		case addrs[a] != "":
			add("node %s: address %s is already node %s's", n.Name, a, addrs[a])
		default:
			addrs[a] = n.Name
		}
		if n.Endpoint != "" {
			if _, err := wg.ParseEndpoint(n.Endpoint); err != nil {
				add("node %s: endpoint %q: %v", n.Name, n.Endpoint, err)
			}
		}
		if _, err := wg.ParsePort(fmt.Sprint(n.Port)); err != nil {
			add("node %s: port %d: %v", n.Name, n.Port, err)
		}
		t.checkKey(n, keys, allowMissingKeys, add)
	}
}

func (t *Topology) checkKey(n Node, keys map[string]string, allowMissing bool, add addFunc) {
	if n.PublicKey == "" {
		if !allowMissing {
			add("node %s has no public_key: run 'wgowrt node key' on it (or let the Ansible run collect it) and paste it", n.Name)
		}
		return
	}
	k, err := wg.ParseKey(n.PublicKey)
	if err != nil {
		add("node %s: public_key %q is not a WireGuard key (44 characters of base64)", n.Name, n.PublicKey)
		return
	}
	if o, ok := keys[k.String()]; ok {
		add("node %s: public_key %s is also node %s's: each node needs its own key", n.Name, k, o)
	}
	keys[k.String()] = n.Name
}

// checkSubnets rejects subnets that do not parse and any two that
// overlap (each other, or the tunnel subnet).
func (t *Topology) checkSubnets(tunnel netip.Prefix, add addFunc) {
	type owned struct {
		p    netip.Prefix
		name string
	}
	var seen []owned
	if tunnel.IsValid() {
		seen = append(seen, owned{tunnel, "the tunnel subnet"})
	}
	for _, n := range t.Nodes {
		for _, s := range append(append([]string{}, n.LAN...), n.Blocks...) {
			p, err := netip.ParsePrefix(s)
			if err != nil || p.Bits() == 0 {
				add("node %s: subnet %q is not a CIDR such as 192.168.2.0/24", n.Name, s)
				continue
			}
			for _, o := range seen {
				if o.p.Overlaps(p) {
					add("node %s: subnet %s overlaps %s (%s): renumber one of them", n.Name, p, o.p, o.name)
				}
			}
			seen = append(seen, owned{p.Masked(), "node " + n.Name})
		}
	}
}

func (t *Topology) checkLinks(add addFunc) {
	for i, l := range t.Links {
		members, err := t.linkMembers(l)
		if err != nil {
			add("link %d: %v", i+1, err)
			continue
		}
		if l.P2S != "" && l.P2S != "masquerade" && l.P2S != "routed" {
			add("link %d: p2s %q is not masquerade or routed", i+1, l.P2S)
		}
		for _, m := range members {
			if _, ok := t.Node(m); !ok {
				add("link %d: node %q is not declared under nodes", i+1, m)
			}
		}
	}
	edges, conflicts := t.edges()
	for _, c := range conflicts {
		add("link %s is declared with different p2s strategies: keep one", c)
	}
	for _, e := range edges {
		t.checkEdge(e, add)
	}
	if len(t.Nodes) > 1 {
		reach := t.reachable(t.Nodes[0].Name)
		for _, n := range t.Nodes {
			if !reach[n.Name] {
				add("node %s is unreachable: no link connects it to node %s", n.Name, t.Nodes[0].Name)
			}
		}
	}
}

// checkEdge rejects a tunnel neither end can start, and one whose p2s
// strategy has no point to apply to.
func (t *Topology) checkEdge(e Edge, add addFunc) {
	a, okA := t.Node(e.A)
	b, okB := t.Node(e.B)
	if !okA || !okB {
		return
	}
	if a.Endpoint == "" && b.Endpoint == "" {
		add("link %s-%s: neither node has an endpoint, so neither can start the tunnel: give one of them an endpoint", e.A, e.B)
	}
	if e.P2S != "" && !a.Point() && !b.Point() {
		add("link %s-%s: p2s %s needs one end without lan or blocks (a point)", e.A, e.B, e.P2S)
	}
	if a.Point() && b.Point() {
		add("link %s-%s: both ends route no subnets: give one of them a lan", e.A, e.B)
	}
}

func (t *Topology) linkMembers(l Link) ([]string, error) {
	switch l.Type {
	case LinkHubAndSpoke:
		if l.Hub == "" || len(l.Spokes) == 0 {
			return nil, errors.New("hub-and-spoke needs a hub and at least one spoke")
		}
		for _, s := range l.Spokes {
			if s == l.Hub {
				return nil, fmt.Errorf("hub %s is also listed as its own spoke", s)
			}
		}
		return append([]string{l.Hub}, l.Spokes...), nil
	case LinkFullMesh:
		if len(l.Nodes) < 2 {
			return nil, fmt.Errorf("full-mesh needs at least two nodes (got %d)", len(l.Nodes))
		}
		return l.Nodes, nil
	case LinkPair:
		if len(l.Nodes) != 2 || l.Nodes[0] == l.Nodes[1] {
			return nil, fmt.Errorf("pair needs exactly two different nodes (got %q)", l.Nodes)
		}
		return l.Nodes, nil
	}
	return nil, fmt.Errorf("type %q is not hub-and-spoke, full-mesh or pair", l.Type)
}
