package plan

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/wgowrt/wgowrt/internal/wg"
	"github.com/wgowrt/wgowrt/uci"
)

// The routed strategy ("site gateway") leaves source addresses alone, so a
// LAN host whose default gateway is some other box must be told that the
// tunnel subnets and remote sites are behind this router. wgowrt prints
// those routes and, when this router's dnsmasq is the LAN's DHCP server,
// can hand them out as DHCP option 121 (RFC 3442 classless static routes).

// LanRoute is one route LAN hosts need.
type LanRoute struct {
	Dest netip.Prefix
	Via  netip.Addr
	// Why names what is behind the route.
	Why string
}

// lanRouteMeta is wgowrt's note of the option 121 value it wrote, so it
// can replace its own entry and leave anybody else's alone.
const lanRouteMeta = wg.Prefix + "lan_route"

// LanRoutes lists the routes LAN hosts need to reach routed peers and
// remote sites through this router (IPv4 only: LAN IPv6 hosts learn their
// routes from the router's RAs).
func LanRoutes(st State) ([]LanRoute, error) {
	via, ok := lanAddr4(st)
	if !ok {
		return nil, fmt.Errorf("the lan interface has no IPv4 address for LAN hosts to route through")
	}
	var out []LanRoute
	seen := map[netip.Prefix]bool{}
	add := func(p netip.Prefix, why string) {
		if p.Addr().Is4() && !seen[p.Masked()] {
			seen[p.Masked()] = true
			out = append(out, LanRoute{Dest: p.Masked(), Via: via, Why: why})
		}
	}
	for _, iface := range wgInterfaces(st) {
		srv, err := ReadServer(st, iface)
		if err != nil {
			continue
		}
		if why := routedPeers(st, srv); why != "" {
			if s, ok := srv.Subnet(true); ok {
				add(s, why)
			}
		}
		for _, s := range ReadSites(st, iface) {
			for _, p := range s.Remote {
				add(p, "site "+s.Name)
			}
		}
	}
	return out, nil
}

// wgInterfaces names every WireGuard interface in network.
func wgInterfaces(st State) []string {
	var out []string
	for _, s := range st.Network.SectionsOfType("interface") {
		if get(s, "proto") == "wireguard" {
			out = append(out, s.Name)
		}
	}
	return out
}

// routedPeers says whose traffic reaches the LAN unmasqueraded on srv: all
// peers (routed interface) or the peers given the routed strategy.
func routedPeers(st State, srv *Server) string {
	if srv.Owned && srv.LanAccess == wg.AccessRouted {
		return srv.Iface + " peers (routed)"
	}
	var names []string
	for _, p := range ReadPeers(st, srv.Iface) {
		if PeerStrategy(st, p.Section) == wg.AccessRouted {
			names = append(names, p.Name)
		}
	}
	if len(names) == 0 {
		return ""
	}
	return srv.Iface + " peer " + strings.Join(names, ", ") + " (routed)"
}

// LanRouteDHCP plans `lan-route --dhcp`: the routes as one option 121 entry
// on the lan DHCP section of /etc/config/dhcp (st.Dhcp), followed by the
// default route, because a client that accepts option 121 ignores the
// plain router option (RFC 3442).
func LanRouteDHCP(cur State, routes []LanRoute) (*Result, error) {
	if cur.Dhcp == nil {
		return nil, fmt.Errorf("no /etc/config/dhcp: this router does not run dnsmasq's DHCP; add the routes on the LAN's DHCP server or hosts")
	}
	r := &Result{State: cur.clone()}
	return r, setLanRouteDHCP(r, routes)
}

// setLanRouteDHCP replaces wgowrt's option 121 entry on the lan DHCP
// section by one for routes (none: the entry and its note go).
func setLanRouteDHCP(r *Result, routes []LanRoute) error {
	d := r.State.Dhcp
	sec, err := lanDHCPSection(d)
	if err != nil {
		return err
	}
	ours := get(r.State.Wgowrt.Section(lanRouteMeta), "dhcp_option")
	current := sec.List("dhcp_option")
	var others []string
	for _, v := range current {
		if v == ours {
			continue
		}
		if isOption121(v) {
			return fmt.Errorf("dhcp.%s already hands out classless static routes ('%s') that wgowrt did not write; merge the routes by hand", d.SectionRef(sec), v)
		}
		others = append(others, v)
	}
	value := ""
	if len(routes) > 0 {
		value = option121(routes, defaultGateway(others, routes[0].Via))
	}
	if err := swapListItem(d, d.SectionRef(sec), "dhcp_option", current, ours, value); err != nil {
		return err
	}
	if value == "" {
		return drop(r.State.Wgowrt, lanRouteMeta)
	}
	return ensure(r.State.Wgowrt, "lan_route", lanRouteMeta, opt("dhcp_option", value))
}

// lanDHCPSection finds `config dhcp` serving the lan interface.
func lanDHCPSection(d *uci.Package) (*uci.Section, error) {
	for _, s := range d.SectionsOfType("dhcp") {
		if get(s, "interface") != "lan" {
			continue
		}
		if truthy(get(s, "ignore")) {
			return nil, fmt.Errorf("DHCP is off on lan (dhcp.%s.ignore=1): hand the routes out on the LAN's DHCP server instead", d.SectionRef(s))
		}
		return s, nil
	}
	return nil, fmt.Errorf("no DHCP section for lan in /etc/config/dhcp: this router does not serve DHCP there")
}

func isOption121(v string) bool {
	tag, _, _ := strings.Cut(v, ",")
	return tag == "121" || tag == "option:classless-static-route"
}

// defaultGateway is the router option dnsmasq hands out: an explicit
// option 3, else dnsmasq's default, this router itself.
func defaultGateway(opts []string, self netip.Addr) string {
	for _, v := range opts {
		tag, rest, _ := strings.Cut(v, ",")
		if tag == "3" || tag == "option:router" {
			if gw, _, _ := strings.Cut(rest, ","); gw != "" {
				return gw
			}
		}
	}
	return self.String()
}

func option121(routes []LanRoute, gw string) string {
	parts := []string{"121"}
	for _, r := range routes {
		parts = append(parts, r.Dest.String(), r.Via.String())
	}
	return strings.Join(append(parts, "0.0.0.0/0", gw), ",")
}

// swapListItem replaces item old of a list option by new ("" = none),
// leaving the other items and their order alone.
func swapListItem(p *uci.Package, sec, name string, current []string, old, new string) error {
	if old == new {
		return nil
	}
	ptr := uci.Ptr{Package: p.Name, Section: sec, Option: name, HasValue: true}
	for _, v := range current {
		if v == old && old != "" {
			ptr.Value = old
			if err := p.DelList(ptr); err != nil {
				return err
			}
			break
		}
	}
	if new == "" {
		return nil
	}
	ptr.Value = new
	return p.AddList(ptr)
}
