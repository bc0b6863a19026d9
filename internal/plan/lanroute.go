package plan

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
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
	// Via is invalid for an IPv6 route when the router's LAN IPv6
	// address is not known (an eui64 or random ip6ifaceid, or ip6assign
	// read without a running router).
	Via netip.Addr
	// Why names what is behind the route.
	Why string
	// Announced is, for an IPv6 route, the prefix covering Dest that
	// odhcpd's router advertisements on lan already route to this router
	// (an RFC 4191 route information option); invalid when none does.
	Announced netip.Prefix
}

// lanRouteMeta is wgowrt's note of the option 121 value it wrote, so it
// can replace its own entry and leave anybody else's alone.
const lanRouteMeta = wg.Prefix + "lan_route"

// LanRoutes lists the routes LAN hosts need to reach routed peers and
// remote sites through this router, IPv4 via the router's LAN IPv4
// address and IPv6 via its LAN IPv6 address (IPv6 routes are left out
// when the LAN has no IPv6 address: its hosts have no IPv6 to route).
func LanRoutes(st State) ([]LanRoute, error) {
	via4, ok4 := lanAddr4(st)
	via6, ok6 := lanAddr6(st)
	var out []LanRoute
	var missing4 []string
	seen := map[netip.Prefix]bool{}
	add := func(p netip.Prefix, why string) {
		p = p.Masked()
		switch {
		case seen[p]:
		case p.Addr().Is4() && !ok4:
			missing4 = append(missing4, p.String())
		case p.Addr().Is4():
			out = append(out, LanRoute{Dest: p, Via: via4, Why: why})
		case ok6:
			out = append(out, LanRoute{Dest: p, Via: via6, Why: why, Announced: announcedRoute(st, p)})
		case lanHas6(st):
			// Via stays invalid: said, not guessed.
			out = append(out, LanRoute{Dest: p, Why: why, Announced: announcedRoute(st, p)})
		}
		seen[p] = true
	}
	for _, iface := range wgInterfaces(st) {
		srv, err := ReadServer(st, iface)
		if err != nil {
			continue
		}
		if why := routedPeers(st, srv); why != "" {
			for _, a := range srv.Addresses {
				add(a, why)
			}
		}
		for _, s := range ReadSites(st, iface) {
			for _, p := range s.Remote {
				add(p, "site "+s.Name)
			}
		}
	}
	if len(missing4) > 0 {
		return nil, fmt.Errorf("the lan interface has no IPv4 address for LAN hosts to route %s through", strings.Join(missing4, ", "))
	}
	return out, nil
}

// lanAddr6 is the router's IPv6 address on the LAN for hosts to route
// through: a static ip6addr of a lan zone network, else one netifd runs
// (an address, or the address it takes in the prefix it assigned for
// ip6assign: the prefix plus ip6ifaceid, ::1 by default). Link-local
// addresses do not count (a host's route through one needs its device).
func lanAddr6(st State) (netip.Addr, bool) {
	nets := lanNetworks(st)
	for _, n := range nets {
		for _, p := range interfaceAddrs(st.Network.Section(n)) {
			if p.Addr().Is6() && p.Addr().IsGlobalUnicast() {
				return p.Addr(), true
			}
		}
	}
	// A ULA address first: a delegated prefix may change with the uplink.
	var found netip.Addr
	for _, a := range st.Live.Addrs {
		if !slices.Contains(nets, a.Iface) || !a.Prefix.Addr().Is6() || !a.Prefix.Addr().IsGlobalUnicast() {
			continue
		}
		var addr netip.Addr
		switch a.Kind {
		case LiveAddress:
			addr = a.Prefix.Addr()
		case LiveAssigned:
			if id, ok := ifaceID(get(st.Network.Section(a.Iface), "ip6ifaceid")); ok {
				addr = orLow64(a.Prefix.Masked().Addr(), id)
			}
		}
		if addr.IsValid() && (!found.IsValid() || ulaAddr(addr) && !ulaAddr(found)) {
			found = addr
		}
	}
	return found, found.IsValid()
}

// lanHas6 reports whether the LAN has IPv6 at all: an IPv6 address or
// prefix assignment in the files, or one running.
func lanHas6(st State) bool {
	nets := lanNetworks(st)
	for _, n := range nets {
		sec := st.Network.Section(n)
		if a := get(sec, "ip6assign"); a != "" && a != "0" || len(listOf(sec, "ip6addr")) > 0 {
			return true
		}
	}
	for _, a := range st.Live.Addrs {
		if a.Prefix.Addr().Is6() && a.Prefix.Addr().IsGlobalUnicast() && slices.Contains(nets, a.Iface) {
			return true
		}
	}
	return false
}

// ifaceID reads netifd's ip6ifaceid: "" is ::1; eui64 and random give an
// address wgowrt cannot know.
func ifaceID(v string) (netip.Addr, bool) {
	if v == "" {
		v = "::1"
	}
	a, err := netip.ParseAddr(v)
	return a, err == nil && a.Is6()
}

// orLow64 sets the interface identifier (the low 64 bits of id) in a.
func orLow64(a, id netip.Addr) netip.Addr {
	b, i := a.As16(), id.As16()
	for k := 8; k < 16; k++ {
		b[k] |= i[k]
	}
	return netip.AddrFrom16(b)
}

// announcedRoute is the prefix, covering p, that odhcpd's router
// advertisements on lan route to this router: odhcpd sends a route
// information option (RFC 4191) for each prefix the router holds as a
// whole (its ula_prefix, a delegated prefix: netifd marks them with an
// unreachable route on lo) that a LAN address of it lies in, /64 or
// shorter (openwrt/odhcpd router.c, in every release wgowrt supports). A
// host that takes such routes (Windows, macOS, iOS, Android; Linux with
// accept_ra_rt_info_max_plen) then needs no route of its own for p. No
// other route can be announced: odhcpd has no option for one, and
// DHCPv6 has no route option.
func announcedRoute(st State, p netip.Prefix) netip.Prefix {
	if !raOnLan(st) {
		return netip.Prefix{}
	}
	var held []netip.Prefix
	if ula, ok := ulaPrefix(st.Network); ok {
		held = append(held, ula.Masked())
	}
	for _, a := range st.Live.Addrs {
		if a.Kind == LiveDelegated {
			held = append(held, a.Prefix.Masked())
		}
	}
	lan := lanSubnets(st)
	assign := lanAssignLen(st)
	for _, h := range held {
		if h.Bits() > 64 || h.Bits() > p.Bits() || !h.Contains(p.Addr()) {
			continue
		}
		if assign >= h.Bits() {
			return h // netifd gives the LAN a part of every such prefix
		}
		for _, l := range lan {
			if h.Bits() <= l.Bits() && h.Contains(l.Addr()) {
				return h
			}
		}
	}
	return netip.Prefix{}
}

// lanAssignLen is the longest ip6assign (1-64) of the lan zone's
// networks, 0 without one: netifd then gives that network a part of each
// prefix the router holds (ula_prefix, delegated ones).
func lanAssignLen(st State) int {
	best := 0
	for _, n := range lanNetworks(st) {
		if v, err := strconv.Atoi(get(st.Network.Section(n), "ip6assign")); err == nil && v > best && v <= 64 {
			best = v
		}
	}
	return best
}

// raOnLan is false when /etc/config/dhcp (when loaded) turns odhcpd's
// router advertisements on lan off; the stock setting is ra 'server'.
func raOnLan(st State) bool {
	if st.Dhcp == nil {
		return true
	}
	for _, s := range st.Dhcp.SectionsOfType("dhcp") {
		if get(s, "interface") == "lan" {
			ra := get(s, "ra")
			return ra == "server" || ra == "hybrid"
		}
	}
	return false
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
	var v4 []LanRoute
	for _, rt := range routes {
		if rt.Dest.Addr().Is4() {
			v4 = append(v4, rt)
		}
	}
	lanRoute6Notes(r, routes)
	return r, setLanRouteDHCP(r, v4)
}

// lanRoute6Notes says what becomes of IPv6 routes with --dhcp: DHCP has
// no IPv6 route option, and odhcpd's RAs carry only the router's own
// prefixes.
func lanRoute6Notes(r *Result, routes []LanRoute) {
	var by map[netip.Prefix][]string
	var none []string
	for _, rt := range routes {
		switch {
		case rt.Dest.Addr().Is4():
		case rt.Announced.IsValid():
			if by == nil {
				by = map[netip.Prefix][]string{}
			}
			by[rt.Announced] = append(by[rt.Announced], rt.Dest.String())
		default:
			none = append(none, rt.Dest.String())
		}
	}
	for _, rt := range routes {
		if ds, ok := by[rt.Announced]; ok {
			r.notef("IPv6: odhcpd's router advertisements on lan already route %s (holding %s) to this router, for hosts that take RA route information (RFC 4191)", rt.Announced, strings.Join(ds, ", "))
			delete(by, rt.Announced)
		}
	}
	if len(none) > 0 {
		r.warnf("OpenWrt cannot hand out the IPv6 route(s) %s: DHCPv6 has no route option and odhcpd announces only the router's own prefixes (ula_prefix, delegated ones); add them on the hosts ('wgowrt lan-route' prints them)", strings.Join(none, ", "))
	}
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
