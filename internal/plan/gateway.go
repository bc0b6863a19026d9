package plan

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/wgowrt/wgowrt/internal/wg"
	"github.com/wgowrt/wgowrt/uci"
)

// The gateway role (44Net Connect model 2): a public block the provider
// routes into the tunnel is given to a LAN segment. The router takes the
// first usable address, hosts use the others without NAT, and everything
// from the block returns through the tunnel by policy routing in the
// tunnel's table (conformance/netifd/gateway-block.txtar). A zone for the
// block refuses inbound connections except --allow.

// GatewayIntent is `wgowrt gateway add`.
type GatewayIntent struct {
	Iface string
	// Block is the IPv4 block, Block6 an IPv6 prefix routed alike; at
	// least one is given.
	Block  string
	Block6 string
	// LanDevice is the device the segment uses; VLAN (1-4094) is a tagged
	// VLAN on the LAN bridge instead. Exactly one is given.
	LanDevice string
	VLAN      int
	Allow     []Service
}

// gateway is the settled intent.
type gateway struct {
	GatewayIntent
	block      netip.Prefix
	router     netip.Addr
	block6     netip.Prefix
	router6    netip.Addr
	device     string
	table      string
	table6     string
	tunnelZone string
	zone       string
}

// GatewayAdd plans the gateway of iface's routed block.
func GatewayAdd(cur State, in GatewayIntent) (*Result, error) {
	r := &Result{State: cur.clone()}
	g, err := settleGateway(r.State, in)
	if err != nil {
		return nil, err
	}
	owns := func(name string) bool { return strings.HasPrefix(name, gatewayName(in.Iface)) }
	if err := convergeOwned(r, in.Iface, gatewaySections(r.State, g), owns); err != nil {
		return nil, err
	}
	if in.VLAN != 0 {
		r.warnf("hosts of %s must be on VLAN %d, tagged on %s's ports; with bridge VLAN filtering (DSA) also add a bridge-vlan section for it", g.block, in.VLAN, strings.TrimSuffix(g.device, "."+strconv.Itoa(in.VLAN)))
	}
	if len(in.Allow) == 0 {
		r.warnf("no --allow: the firewall refuses every connection from the tunnel to %s", g.block)
	}
	return r, nil
}

// gatewayName is the gateway's logical interface; its other sections
// extend it.
func gatewayName(iface string) string { return clientPrefix(iface) + "gw" }

// HasGateway says whether a gateway is routed through client tunnel
// iface (`client remove` refuses until it is removed).
func HasGateway(st State, iface string) bool { return st.Network.Section(gatewayName(iface)) != nil }

func settleGateway(st State, in GatewayIntent) (*gateway, error) {
	g := &gateway{GatewayIntent: in}
	sec := st.Network.Section(in.Iface)
	if sec == nil || sec.Type != "interface" || get(sec, "proto") != "wireguard" {
		return nil, fmt.Errorf("no WireGuard interface %q; import the provider's configuration first with 'wgowrt client import FILE --iface %s --mode source'", in.Iface, in.Iface)
	}
	z := zoneOfNetwork(st.Firewall, in.Iface)
	if z == nil {
		return nil, fmt.Errorf("%s is in no firewall zone; re-import it with 'wgowrt client import' so inbound traffic is filtered", in.Iface)
	}
	g.tunnelZone = get(z, "name")
	if in.Block == "" && in.Block6 == "" {
		return nil, fmt.Errorf("give the public block routed to you: --block (IPv4, e.g. 44.27.132.8/29) and/or --block6 (IPv6, e.g. 2001:db8:44::/64)")
	}
	if in.Block != "" {
		if g.table = tunnelTable(st, in.Iface); g.table == "" {
			return nil, fmt.Errorf("%s routes in the main table (no ip4table), so traffic from the block cannot be sent back through it; re-import it with --mode source or --mode full", in.Iface)
		}
		if err := g.parseBlock(st); err != nil {
			return nil, err
		}
	}
	if in.Block6 != "" {
		if err := g.settleBlock6(st, z); err != nil {
			return nil, err
		}
	}
	if err := g.pickDevice(st); err != nil {
		return nil, err
	}
	return g, g.pickZone(st)
}

// parseBlock checks --block: an IPv4 network of at least 2 usable hosts
// that does not collide with what the router uses.
func (g *gateway) parseBlock(st State) error {
	p, err := netip.ParsePrefix(strings.TrimSpace(g.Block))
	if err == nil && p.Addr().Is6() {
		return fmt.Errorf("--block %s is IPv6: give an IPv6 prefix with --block6", p)
	}
	if err != nil || !p.Addr().Is4() || p.Bits() > 30 {
		return fmt.Errorf("--block %q is not an IPv4 network of /30 or wider (e.g. 44.27.132.8/29)", g.Block)
	}
	if p.Masked() != p {
		return fmt.Errorf("--block %s has host bits set; give the network, %s", p, p.Masked())
	}
	if x, clash := otherInterfaceSpace(st, g.Iface).Overlaps(p); clash {
		return fmt.Errorf("--block %s overlaps %s already used on this router", p, x)
	}
	for _, a := range listOf(st.Network.Section(g.Iface), "addresses") {
		if q, err := wg.ParseAddrPrefix(a); err == nil && p.Contains(q.Addr()) {
			return fmt.Errorf("--block %s contains %s's own address %s; the block is the range routed to you besides the tunnel address", p, g.Iface, q.Addr())
		}
	}
	g.block = p
	g.router, _ = wg.AddHost(p, 1)
	return nil
}

// settleBlock6 checks --block6 and that the tunnel can carry the
// prefix's traffic back: its own IPv6 table (ip6table, set by client
// import for a configuration with an IPv6 address), a peer that takes
// IPv6 to anywhere, and no IPv6 masquerading on its zone (which would
// hide the prefix's addresses).
func (g *gateway) settleBlock6(st State, zone *uci.Section) error {
	sec := st.Network.Section(g.Iface)
	if g.table6 = get(sec, "ip6table"); g.table6 == "" {
		return fmt.Errorf("%s has no IPv6 table (ip6table: its configuration has no IPv6 address, or it routes in main), so traffic from --block6 cannot be sent back through it; re-import a configuration with an IPv6 Address with --mode source or --mode full", g.Iface)
	}
	if !peerRoutesAll6(st, g.Iface) {
		return fmt.Errorf("no peer of %s takes ::/0 (AllowedIPs), so answers from --block6 cannot go back through it; re-import the provider's configuration with ::/0", g.Iface)
	}
	if truthy(get(zone, "masq6")) {
		return fmt.Errorf("zone %s masquerades IPv6 (masq6), which would hide --block6's addresses; re-import %s with --lan none or without IPv6 masquerading", get(zone, "name"), g.Iface)
	}
	p, err := netip.ParsePrefix(strings.TrimSpace(g.Block6))
	if err != nil || !p.Addr().Is6() || p.Addr().Is4In6() || p.Bits() > 126 {
		return fmt.Errorf("--block6 %q is not an IPv6 prefix of /126 or wider (e.g. 2001:db8:44::/64)", g.Block6)
	}
	if p.Masked() != p {
		return fmt.Errorf("--block6 %s has host bits set; give the prefix, %s", p, p.Masked())
	}
	if x, clash := otherInterfaceSpace(st, g.Iface).Overlaps(p); clash {
		return fmt.Errorf("--block6 %s overlaps %s already used on this router", p, x)
	}
	for _, a := range listOf(sec, "addresses") {
		if q, err := wg.ParseAddrPrefix(a); err == nil && p.Contains(q.Addr()) {
			return fmt.Errorf("--block6 %s contains %s's own address %s; the prefix is the range routed to you besides the tunnel address", p, g.Iface, q.Addr())
		}
	}
	g.block6 = p
	g.router6, _ = wg.AddHost(p, 1)
	return nil
}

// peerRoutesAll6 is true when a peer of iface takes all IPv6.
func peerRoutesAll6(st State, iface string) bool {
	for _, s := range st.Network.SectionsOfType(wg.PeerType(iface)) {
		for _, a := range listOf(s, "allowed_ips") {
			if q, err := wg.ParseAddrPrefix(a); err == nil && q.Addr().Is6() && q.Bits() == 0 {
				return true
			}
		}
	}
	return false
}

// pickDevice decides the segment's device and refuses one another
// interface already uses.
func (g *gateway) pickDevice(st State) error {
	switch {
	case (g.LanDevice == "") == (g.VLAN == 0):
		return fmt.Errorf("give exactly one of --lan-device DEV (a free port or bridge for the public hosts) or --vlan N (a tagged VLAN on the LAN bridge)")
	case g.VLAN != 0:
		if g.VLAN < 1 || g.VLAN > 4094 {
			return fmt.Errorf("--vlan %d is not a VLAN id (1-4094)", g.VLAN)
		}
		lan := get(st.Network.Section("lan"), "device")
		if lan == "" {
			return fmt.Errorf("--vlan needs network.lan.device (the LAN bridge); use --lan-device instead")
		}
		g.device = lan + "." + strconv.Itoa(g.VLAN)
	default:
		if strings.ContainsAny(g.LanDevice, " \t/'") || len(g.LanDevice) > wg.MaxIfname {
			return fmt.Errorf("--lan-device %q is not a network device name", g.LanDevice)
		}
		g.device = g.LanDevice
	}
	for _, s := range st.Network.SectionsOfType("interface") {
		if s.Name != gatewayName(g.Iface) && get(s, "device") == g.device {
			return fmt.Errorf("device %s is already used by interface %s; give the public hosts their own port or VLAN", g.device, s.Name)
		}
	}
	for _, d := range st.Network.SectionsOfType("device") {
		for _, port := range listOf(d, "ports") {
			if port == g.device {
				return fmt.Errorf("device %s is a port of bridge %s; take it out of the bridge first or use --vlan", g.device, get(d, "name"))
			}
		}
	}
	return nil
}

func (g *gateway) pickZone(st State) error {
	if z := st.Firewall.Section(gatewayName(g.Iface) + "_zone"); z != nil {
		g.zone = get(z, "name")
		return nil
	}
	g.zone = g.Iface + "_pub"
	if zoneNamed(st.Firewall, g.zone) != nil {
		return fmt.Errorf("a firewall zone called %s already exists; rename it or choose another --iface", g.zone)
	}
	return nil
}

// gatewaySections lists the gateway's sections in writing order.
func gatewaySections(st State, g *gateway) []ownedSection {
	n, f := st.Network, st.Firewall
	name := gatewayName(g.Iface)
	out := []ownedSection{{pkg: n, typ: "interface", name: name, opts: gatewayInterfaceOpts(g)}}
	// Hosts of the block reach the LAN and other local networks through
	// main; everything else goes back into the tunnel.
	for _, b := range gatewayBlocks(g) {
		out = append(out,
			ownedSection{pkg: n, typ: b.rule, name: name + "_main" + b.fam, opts: []kv{opt("src", b.block.String()), opt("lookup", "main"),
				opt("suppress_prefixlength", "0"), opt("priority", prioMain)}},
			ownedSection{pkg: n, typ: b.rule, name: name + "_tun" + b.fam, opts: []kv{opt("src", b.block.String()), opt("lookup", b.table), opt("priority", prioTunnel)}})
	}
	out = append(out,
		ownedSection{pkg: f, typ: "zone", name: name + "_zone", opts: []kv{opt("name", g.zone), list("network", name),
			opt("input", "REJECT"), opt("output", "ACCEPT"), opt("forward", "REJECT")}},
		ownedSection{pkg: f, typ: "forwarding", name: name + "_out", opts: []kv{opt("src", g.zone), opt("dest", g.tunnelZone)}},
		ownedSection{pkg: f, typ: "forwarding", name: name + "_lan", opts: []kv{opt("src", lanZoneName(f)), opt("dest", g.zone)}})
	if g.block6.IsValid() {
		// The zone refuses input, neighbour discovery too: without this
		// the segment's hosts cannot even find the router's address (seen
		// with the real fw4, test/netns TestSourceRoutedGatewayIPv6).
		out = append(out, ownedSection{pkg: f, typ: "rule", name: name + "_nd6", opts: []kv{opt("name", "Allow-ND-"+g.zone),
			opt("src", g.zone), opt("proto", "icmp"), list("icmp_type", "neighbour-solicitation", "neighbour-advertisement", "router-solicitation"),
			opt("family", "ipv6"), opt("target", "ACCEPT")}})
	}
	for _, b := range gatewayBlocks(g) {
		sec, label := name+"_allow_", ""
		if b.fam == "6" {
			sec, label = name+"_allow6_", "-ipv6"
		}
		for _, s := range g.Allow {
			out = append(out, ownedSection{pkg: f, typ: "rule", name: sec + s.sectionSuffix(), opts: []kv{
				opt("name", "Allow-"+g.zone+"-"+s.Proto+"-"+s.Port+label), opt("src", g.tunnelZone), opt("dest", g.zone),
				opt("dest_ip", b.block.String()), opt("proto", s.Proto), opt("dest_port", s.Port), opt("target", "ACCEPT")}})
		}
	}
	return out
}

// gatewayBlock is one family's block with its rule type and table.
type gatewayBlock struct {
	block     netip.Prefix
	fam, rule string
	table     string
}

func gatewayBlocks(g *gateway) []gatewayBlock {
	var out []gatewayBlock
	if g.block.IsValid() {
		out = append(out, gatewayBlock{g.block, "4", "rule", g.table})
	}
	if g.block6.IsValid() {
		out = append(out, gatewayBlock{g.block6, "6", "rule6", g.table6})
	}
	return out
}

// gatewayInterfaceOpts: the router takes the first address of each
// block; the interface's routes go into the tunnel's tables.
func gatewayInterfaceOpts(g *gateway) []kv {
	o := []kv{opt("proto", "static"), opt("device", g.device)}
	if g.block.IsValid() {
		o = append(o, opt("ipaddr", g.router.String()), opt("netmask", netmask4(g.block.Bits())), opt("ip4table", g.table))
	} else {
		o = append(o, opt("ipaddr", ""), opt("netmask", ""), opt("ip4table", ""))
	}
	if g.block6.IsValid() {
		return append(o, opt("ip6addr", netip.PrefixFrom(g.router6, g.block6.Bits()).String()), opt("ip6table", g.table6))
	}
	return append(o, opt("ip6addr", ""), opt("ip6table", ""))
}

// netmask4 is the dotted netmask of a prefix length, as netifd's static
// protocol and LuCI write it.
func netmask4(bits int) string {
	m := ^uint32(0) << (32 - bits)
	return netip.AddrFrom4([4]byte{byte(m >> 24), byte(m >> 16), byte(m >> 8), byte(m)}).String()
}

// Gateway is a gateway as configured.
type Gateway struct {
	Block, Router, Device, Zone string
	// Block6 and Router6 are the IPv6 prefix and the router's address in
	// it ("" without --block6).
	Block6, Router6 string
	Allow           []string
}

// ReadGateway reads the gateway of tunnel iface.
func ReadGateway(st State, iface string) (*Gateway, error) {
	name := gatewayName(iface)
	sec := st.Network.Section(name)
	if sec == nil {
		return nil, fmt.Errorf("no gateway on %s; add one with 'wgowrt gateway add --iface %s --block CIDR'", iface, iface)
	}
	g := &Gateway{Router: get(sec, "ipaddr"), Device: get(sec, "device"), Zone: get(st.Firewall.Section(name+"_zone"), "name")}
	if p, ok := routeTarget(g.Router, get(sec, "netmask")); ok {
		g.Block = p.Masked().String()
	}
	if p, err := wg.ParseAddrPrefix(get(sec, "ip6addr")); err == nil {
		g.Block6, g.Router6 = p.Masked().String(), p.Addr().String()
	}
	for _, s := range st.Firewall.SectionsOfType("rule") {
		if strings.HasPrefix(s.Name, name+"_allow_") || strings.HasPrefix(s.Name, name+"_allow6_") && g.Block == "" {
			g.Allow = append(g.Allow, get(s, "proto")+"/"+get(s, "dest_port"))
		}
	}
	return g, nil
}
