package plan

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/wgowrt/wgowrt/internal/wg"
	"github.com/wgowrt/wgowrt/uci"
)

// Zones are found by name and membership, never by position: the stock
// zones are anonymous and their order is the user's business.

// zoneOfNetwork returns the zone whose network list holds iface.
func zoneOfNetwork(fw *uci.Package, iface string) *uci.Section {
	for _, z := range fw.SectionsOfType("zone") {
		for _, n := range listOf(z, "network") {
			if n == iface {
				return z
			}
		}
	}
	return nil
}

// zoneNamed returns the zone called name.
func zoneNamed(fw *uci.Package, name string) *uci.Section {
	for _, z := range fw.SectionsOfType("zone") {
		if get(z, "name") == name {
			return z
		}
	}
	return nil
}

// findZone returns the zone for a role such as "wan" or "lan": the zone
// named so, else the zone that holds the interface of that name.
func findZone(fw *uci.Package, role string) *uci.Section {
	if z := zoneNamed(fw, role); z != nil {
		return z
	}
	return zoneOfNetwork(fw, role)
}

// fwWanMasq6 is the role of the nat section that masquerades a ULA
// tunnel subnet towards wan (--internet).
const fwWanMasq6 = "wan_masq6"

// fwSettings is the firewall part of a server.
type fwSettings struct {
	iface, zone    string
	port           int
	lanAccess      string
	routerAccess   string
	internet, c2c  bool
	subnet4        string
	subnet6        string
	wanZone        string
	lanZone        string
	ownsZone       bool
	foreignZoneSec string
	// adoptedPortRule: the hand-made rule adopt recorded opens the port
	// (recordedPortRule), wgowrt adds none.
	adoptedPortRule bool
}

// vpnZoneName picks the name of a new zone for iface: "vpn" when free (as
// in OpenWrt's own examples), else the interface name.
func vpnZoneName(fw *uci.Package, iface string) (string, error) {
	for _, n := range []string{"vpn", iface, wg.Prefix + iface} {
		if zoneNamed(fw, n) == nil {
			return n, nil
		}
	}
	return "", fmt.Errorf("firewall zones vpn and %s already exist; rename one of them", iface)
}

// convergeFirewall makes wgowrt's firewall sections of a server match s,
// creating, updating or deleting only sections wgowrt owns.
func convergeFirewall(fw *uci.Package, s fwSettings) error {
	name := func(role string) string { return wg.FirewallSection(s.iface, role) }
	if s.ownsZone {
		fwd := "REJECT"
		if s.c2c {
			fwd = "ACCEPT"
		}
		input := "ACCEPT"
		if s.routerAccess != wg.RouterAll {
			input = "REJECT"
		}
		if err := ensure(fw, "zone", name(wg.FwZone), opt("name", s.zone), list("network", s.iface),
			opt("input", input), opt("output", "ACCEPT"), opt("forward", fwd)); err != nil {
			return err
		}
	}
	if err := convergePortRule(fw, s); err != nil {
		return err
	}
	want := map[string]bool{
		wg.FwToLan:   s.lanAccess != wg.AccessNone,
		wg.FwFromLan: s.lanAccess == wg.AccessRouted,
		wg.FwToWan:   s.internet,
		wg.FwMasq:    s.lanAccess == wg.AccessMasquerade && s.subnet4 != "",
		wg.FwMasq6:   s.lanAccess == wg.AccessMasquerade && s.subnet6 != "",
		fwWanMasq6:   s.internet && isULA(s.subnet6),
		wg.FwDNS:     s.routerAccess == wg.RouterDNS,
		wg.FwPing:    s.routerAccess != wg.RouterAll,
	}
	for _, f := range [][3]string{{wg.FwToLan, s.zone, s.lanZone}, {wg.FwFromLan, s.lanZone, s.zone}, {wg.FwToWan, s.zone, s.wanZone}} {
		want[f[0]] = want[f[0]] && !forwardedByHand(fw, f[1], f[2])
	}
	for _, role := range []string{wg.FwToLan, wg.FwFromLan, wg.FwToWan, fwWanMasq6, wg.FwMasq, wg.FwMasq6, wg.FwDNS, wg.FwPing} {
		if err := convergeRole(fw, s, role, want[role]); err != nil {
			return err
		}
	}
	return nil
}

// forwardedByHand: traffic from zone src to zone dest is already
// forwarded without wgowrt: by a forwarding the user made (an adopted
// server's zone forwarding to lan and wan), or, within one zone (a server
// adopted in the lan zone), by the zone's forward policy ACCEPT. wgowrt
// does not double it.
func forwardedByHand(fw *uci.Package, src, dest string) bool {
	if src == dest {
		return strings.EqualFold(get(zoneNamed(fw, src), "forward"), "ACCEPT")
	}
	for _, f := range fw.SectionsOfType("forwarding") {
		if !(!f.Anonymous && strings.HasPrefix(f.Name, wg.Prefix)) && get(f, "src") == src && get(f, "dest") == dest &&
			!truthy(get(f, "disabled")) && get(f, "enabled") != "0" {
			return true
		}
	}
	return false
}

// convergePortRule opens the server's port with wgowrt's own rule, or
// drops that rule when the hand-made rule adopt recorded opens the port.
func convergePortRule(fw *uci.Package, s fwSettings) error {
	sec := wg.FirewallSection(s.iface, wg.FwPort)
	if s.adoptedPortRule {
		return drop(fw, sec)
	}
	return ensure(fw, "rule", sec, opt("name", "Allow-WireGuard-"+s.iface), opt("src", s.wanZone),
		opt("proto", "udp"), opt("dest_port", fmt.Sprint(s.port)), opt("target", "ACCEPT"))
}

func convergeRole(fw *uci.Package, s fwSettings, role string, want bool) error {
	sec := wg.FirewallSection(s.iface, role)
	if !want {
		return drop(fw, sec)
	}
	switch role {
	case wg.FwToLan:
		return ensure(fw, "forwarding", sec, opt("src", s.zone), opt("dest", s.lanZone))
	case wg.FwFromLan:
		return ensure(fw, "forwarding", sec, opt("src", s.lanZone), opt("dest", s.zone))
	case wg.FwToWan:
		return ensure(fw, "forwarding", sec, opt("src", s.zone), opt("dest", s.wanZone))
	case wg.FwDNS:
		// The router's resolver (dnsmasq), which full-tunnel client
		// configs name; nothing else of the router is reachable.
		return ensure(fw, "rule", sec, opt("name", "Allow-DNS-"+s.iface), opt("src", s.zone),
			opt("proto", "tcp udp"), opt("dest_port", "53"), opt("target", "ACCEPT"))
	case wg.FwPing:
		// Whether the tunnel is up is answered by pinging the router's
		// tunnel address; stock OpenWrt answers pings even from wan.
		return ensure(fw, "rule", sec, opt("name", "Allow-Ping-"+s.iface), opt("src", s.zone),
			opt("proto", "icmp"), opt("icmp_type", "echo-request"), opt("target", "ACCEPT"))
	case fwWanMasq6:
		// wan masquerades IPv4 only (masq); a ULA subnet is routed by no
		// one on the internet, so its traffic leaves with the router's
		// wan IPv6 address. A global subnet (from a delegated prefix) is
		// routed to the router and needs none.
		return ensure(fw, "nat", sec, opt("name", "Masq6-"+s.iface+"-to-wan"), opt("family", "ipv6"), opt("src", s.wanZone),
			opt("src_ip", s.subnet6), opt("target", "MASQUERADE"), opt("proto", "all"))
	case wg.FwMasq6:
		// The same for the tunnel's IPv6 subnet (fw4 masquerades IPv6
		// too): LAN hosts see the router's own lan address.
		return ensure(fw, "nat", sec, opt("name", "Masq6-"+s.iface+"-to-lan"), opt("family", "ipv6"), opt("src", s.lanZone),
			opt("src_ip", s.subnet6), opt("target", "MASQUERADE"), opt("proto", "all"))
	default:
		// LAN hosts see the router as the source: masquerade on the lan
		// zone's egress, limited to the tunnel's IPv4 subnet.
		return ensure(fw, "nat", sec, opt("name", "Masq-"+s.iface+"-to-lan"), opt("src", s.lanZone),
			opt("src_ip", s.subnet4), opt("target", "MASQUERADE"), opt("proto", "all"))
	}
}

// isULA reports whether cidr is a unique local IPv6 prefix (fc00::/7).
func isULA(cidr string) bool {
	p, err := netip.ParsePrefix(cidr)
	return err == nil && ulaAddr(p.Addr())
}

// ulaAddr reports whether a is a unique local IPv6 address (fc00::/7).
func ulaAddr(a netip.Addr) bool { return a.Is6() && a.As16()[0]&0xfe == 0xfc }
