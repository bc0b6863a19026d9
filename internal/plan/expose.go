package plan

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/wgowrt/wgowrt/internal/wg"
	"github.com/wgowrt/wgowrt/uci"
)

// Port forwarding makes a service on a point reachable at the router's own
// address: a DNAT redirect from the lan (or wan) zone to the peer's tunnel
// address, and a masquerade towards the peer so that its replies return
// through the tunnel whatever its AllowedIPs say (a point that was given no
// LAN access does not route the LAN back to the router).

// exposeInfix starts the names of a peer's port-forward sections.
const exposeInfix = "fwd_"

// PortSpec is LISTEN[:TARGET][/PROTO] as given to --port.
type PortSpec struct {
	Listen, Target int
	Proto          string
}

// ParsePortSpec reads 8080:80/tcp, 8080/udp or 8080 (tcp, same port).
func ParsePortSpec(s string) (PortSpec, error) {
	bad := fmt.Errorf("--port %q is not LISTEN[:TARGET][/tcp|udp] (e.g. 8080:80/tcp)", s)
	ports, proto, hasProto := strings.Cut(strings.ToLower(strings.TrimSpace(s)), "/")
	if !hasProto {
		proto = "tcp"
	}
	if proto != "tcp" && proto != "udp" {
		return PortSpec{}, bad
	}
	l, t, hasTarget := strings.Cut(ports, ":")
	if !hasTarget {
		t = l
	}
	listen, err1 := wg.ParsePort(l)
	target, err2 := wg.ParsePort(t)
	if err1 != nil || err2 != nil {
		return PortSpec{}, bad
	}
	return PortSpec{Listen: listen, Target: target, Proto: proto}, nil
}

// String is the --port form.
func (p PortSpec) String() string { return fmt.Sprintf("%d:%d/%s", p.Listen, p.Target, p.Proto) }

// ExposeIntent is `wgowrt expose`.
type ExposeIntent struct {
	Iface, Peer string
	Port        PortSpec
	// On is the zone role the port opens on: lan or wan.
	On     string
	Remove bool
	// HideRouterService forwards a port the router itself serves
	// (--hide-router-service).
	HideRouterService bool
}

// ExposeResult is a planned port forward and where it is reachable.
type ExposeResult struct {
	*Result
	// At is the address:port clients use ("" for wan: the wan address).
	At string
	// Target is the peer's address:port.
	Target string
}

// routerPorts are the router's own services that a forward must not
// shadow (dropbear, dnsmasq, uhttpd), by the zone role the forward opens
// on: on wan, ssh and LuCI are how a remote admin reaches the router.
var routerPorts = map[string]map[int]string{
	"lan": {22: "ssh", 53: "DNS", 80: "LuCI", 443: "LuCI"},
	"wan": {22: "ssh", 80: "LuCI (remote administration)", 443: "LuCI (remote administration)"},
}

// routerService names the router's own service that a DNAT of port on
// zone role on would hide, "" when none: the well-known ports, the ports
// dropbear and uhttpd are configured for, and the ports a firewall rule
// opens to the router itself from that zone (udp 68 from wan: DHCP
// renewals).
func routerService(st State, on, zone string, port PortSpec) string {
	if what, ok := routerPorts[on][port.Listen]; ok {
		return what
	}
	for _, sv := range st.Live.Services {
		if sv.Port == port.Listen && sv.Proto == port.Proto {
			return sv.What
		}
	}
	for _, s := range st.Firewall.SectionsOfType("rule") {
		if src := get(s, "src"); src != zone && src != "*" || get(s, "dest") != "" || get(s, "enabled") == "0" || !strings.EqualFold(get(s, "target"), "ACCEPT") {
			continue
		}
		if !protoCovers(listOf(s, "proto"), port.Proto) {
			continue
		}
		for _, d := range listOf(s, "dest_port") {
			if portIn(d, port.Listen) {
				return fmt.Sprintf("service opened by firewall rule %q", orName(get(s, "name"), st.Firewall.SectionRef(s)))
			}
		}
	}
	return ""
}

// protoCovers reports whether a rule's proto list (fw4's default tcpudp)
// matches proto.
func protoCovers(protos []string, proto string) bool {
	if len(protos) == 0 {
		return true
	}
	for _, p := range protos {
		switch p = strings.ToLower(p); {
		case p == proto, p == "tcpudp", p == "all", p == "any":
			return true
		}
	}
	return false
}

// Expose plans `wgowrt expose`.
func Expose(cur State, in ExposeIntent) (*ExposeResult, error) {
	if in.On != "lan" && in.On != "wan" {
		return nil, fmt.Errorf("--on %q is not lan or wan", in.On)
	}
	srv, err := ReadServer(cur, in.Iface)
	if err != nil {
		return nil, err
	}
	if err := ownable(in.Iface); err != nil {
		return nil, err
	}
	p, ok := FindPeer(cur, in.Iface, in.Peer)
	if !ok {
		return nil, fmt.Errorf("no peer %q on %s (see 'wgowrt peer list --iface %s')", in.Peer, in.Iface, in.Iface)
	}
	r := &ExposeResult{Result: &Result{State: cur.clone()}}
	sec := exposeSection(p.Section, in)
	if in.Remove {
		if r.State.Firewall.Section(sec) == nil {
			r.notef("%s is not exposed on %s port %d/%s: nothing to remove", in.Peer, in.On, in.Port.Listen, in.Port.Proto)
		}
		return r, firstErr(drop(r.State.Firewall, sec), drop(r.State.Firewall, sec+"_src"),
			drop(r.State.Firewall, sec+exposeV6), drop(r.State.Firewall, sec+exposeV6+"_src"))
	}
	v4 := only4(p2sAddrs(srv, p))
	if len(v4) == 0 {
		return nil, fmt.Errorf("peer %s has no IPv4 tunnel address in %s's subnets to forward to", in.Peer, in.Iface)
	}
	dest := netip.MustParsePrefix(v4[0]).Addr()
	if err := writeExpose(r, srv, p, in, sec, dest); err != nil {
		return nil, err
	}
	return r, nil
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// exposeSection names the redirect; the masquerade is the same plus _src.
func exposeSection(peerSec string, in ExposeIntent) string {
	return fmt.Sprintf("%s_%s%s_%d_%s", peerSec, exposeInfix, in.On, in.Port.Listen, in.Port.Proto)
}

// isExposeOf reports whether firewall section name is a port forward of
// peer section peerSec, exactly as exposeSection names it: a prefix match
// would also take the forwards of a peer called x_fwd_a when removing x.
func isExposeOf(peerSec, name string) bool {
	rest, ok := strings.CutPrefix(name, peerSec+"_"+exposeInfix)
	if !ok {
		return false
	}
	rest = strings.TrimSuffix(strings.TrimSuffix(rest, "_src"), exposeV6)
	f := strings.Split(rest, "_")
	if len(f) != 3 || f[0] != "lan" && f[0] != "wan" || f[2] != "tcp" && f[2] != "udp" {
		return false
	}
	n, err := strconv.Atoi(f[1])
	return err == nil && n > 0 && n < 65536 && strconv.Itoa(n) == f[1]
}

func writeExpose(r *ExposeResult, srv *Server, p Peer, in ExposeIntent, sec string, dest netip.Addr) error {
	fw := r.State.Firewall
	vpn, _, err := siteZones(fw, srv.Iface)
	if err != nil {
		return err
	}
	from := findZone(fw, in.On)
	if from == nil {
		return fmt.Errorf("no firewall zone for %s (a zone named %s or holding network %s)", in.On, in.On, in.On)
	}
	if in.On == "wan" && in.Port.Proto == "udp" {
		if wgIf := wgListening(r.State, in.Port.Listen); wgIf != "" {
			return fmt.Errorf("udp port %d on wan is where WireGuard interface %s listens; choose another --port", in.Port.Listen, wgIf)
		}
	}
	if what := routerService(r.State, in.On, get(from, "name"), in.Port); what != "" {
		if !in.HideRouterService {
			return fmt.Errorf("--port %d/%s on %s would hide the router's own %s: connections to it would reach %s instead; choose another LISTEN port, or give --hide-router-service", in.Port.Listen, in.Port.Proto, in.On, what, p.Name)
		}
		r.warnf("--port %d/%s on %s hides the router's own %s: connections to it reach %s instead (--hide-router-service)", in.Port.Listen, in.Port.Proto, in.On, what, p.Name)
	}
	if other := exposeClash(fw, sec, get(from, "name"), in.Port); other != "" {
		return fmt.Errorf("port %d/%s on %s is already forwarded by %s; choose another --port", in.Port.Listen, in.Port.Proto, in.On, other)
	}
	label := fmt.Sprintf("Expose-%s-%s-%d", p.Name, in.Port.Proto, in.Port.Listen)
	opts := []kv{opt("name", label), opt("src", get(from, "name")), opt("proto", in.Port.Proto),
		opt("src_dport", strconv.Itoa(in.Port.Listen))}
	at, err := exposeWhere(r.State, srv, in)
	if err != nil {
		return err
	}
	if in.On == "lan" {
		// Without src_dip every LAN connection to any host on this port
		// (a web site on 8080) would be diverted to the peer.
		opts = append(opts, opt("src_dip", at.Addr().String()))
		r.At = at.String()
	} else {
		// Reflection would need the wan address, which a DHCP uplink
		// changes; LAN hosts use an --on lan forward instead.
		opts = append(opts, opt("reflection", "0"))
	}
	opts = append(opts, opt("dest", vpn), opt("dest_ip", dest.String()), opt("dest_port", strconv.Itoa(in.Port.Target)), opt("target", "DNAT"))
	if err := ensure(fw, "redirect", sec, opts...); err != nil {
		return err
	}
	r.Target = netip.AddrPortFrom(dest, uint16(in.Port.Target)).String()
	if err := ensure(fw, "nat", sec+"_src", opt("name", label+"-source"), opt("src", vpn), opt("proto", in.Port.Proto),
		opt("dest_ip", dest.String()), opt("dest_port", strconv.Itoa(in.Port.Target)), opt("target", "MASQUERADE")); err != nil {
		return err
	}
	return writeExpose6(r, srv, p, in, sec, vpn, get(from, "name"), label)
}

// exposeV6 ends the names of the IPv6 twin of a port forward.
const exposeV6 = "_v6"

// writeExpose6 forwards the same port over IPv6 to the peer's IPv6 tunnel
// address (fw4 DNATs and masquerades IPv6 too): on lan at the router's
// LAN IPv6 address, on wan at any of its wan addresses. A peer without an
// IPv6 address gets none.
func writeExpose6(r *ExposeResult, srv *Server, p Peer, in ExposeIntent, sec, vpn, zone, label string) error {
	fw := r.State.Firewall
	sec6 := sec + exposeV6
	var dest netip.Addr
	for _, a := range p2sAddrs(srv, p) {
		if a.Addr().Is6() {
			dest = a.Addr()
			break
		}
	}
	opts := []kv{opt("name", label+"-ipv6"), opt("family", "ipv6"), opt("src", zone), opt("proto", in.Port.Proto),
		opt("src_dport", strconv.Itoa(in.Port.Listen))}
	if dest.IsValid() && in.On == "lan" {
		at, ok := lanAddr6(r.State)
		if !ok {
			if lanHas6(r.State) {
				r.notef("not forwarded over IPv6: the router's LAN IPv6 address is not known here (netifd sets it at run time; run the command on the router, and with ip6ifaceid eui64 or random give lan a fixed one)")
			}
			dest = netip.Addr{}
		} else {
			opts = append(opts, opt("src_dip", at.String()))
			r.notef("also over IPv6 at %s", netip.AddrPortFrom(at, uint16(in.Port.Listen)))
		}
	} else if dest.IsValid() {
		opts = append(opts, opt("reflection", "0"))
		r.notef("also over IPv6 at the wan IPv6 addresses, port %d", in.Port.Listen)
	}
	if !dest.IsValid() {
		return firstErr(drop(fw, sec6), drop(fw, sec6+"_src"))
	}
	port := strconv.Itoa(in.Port.Target)
	opts = append(opts, opt("dest", vpn), opt("dest_ip", dest.String()), opt("dest_port", port), opt("target", "DNAT"))
	if err := ensure(fw, "redirect", sec6, opts...); err != nil {
		return err
	}
	return ensure(fw, "nat", sec6+"_src", opt("name", label+"-ipv6-source"), opt("family", "ipv6"), opt("src", vpn),
		opt("proto", in.Port.Proto), opt("dest_ip", dest.String()), opt("dest_port", port), opt("target", "MASQUERADE"))
}

// exposeWhere is the router's address the forward listens on: its LAN
// IPv4 address for lan; for wan the address is not needed (nor known when
// the uplink uses DHCP).
func exposeWhere(st State, srv *Server, in ExposeIntent) (netip.AddrPort, error) {
	if in.On != "lan" {
		return netip.AddrPort{}, nil
	}
	a, ok := lanAddr4(st)
	if !ok {
		return netip.AddrPort{}, fmt.Errorf("the lan interface has no IPv4 address to forward from")
	}
	return netip.AddrPortFrom(a, uint16(in.Port.Listen)), nil
}

// lanAddr4 is the router's own IPv4 address on the first network of the
// lan zone.
func lanAddr4(st State) (netip.Addr, bool) {
	nets := []string{"lan"}
	if z := findZone(st.Firewall, "lan"); z != nil {
		nets = append(listOf(z, "network"), nets...)
	}
	for _, n := range nets {
		if s := st.Network.Section(n); s != nil && s.Type == "interface" {
			for _, p := range interfaceAddrs(s) {
				if p.Addr().Is4() && !p.IsSingleIP() {
					return p.Addr(), true
				}
			}
		}
	}
	return netip.Addr{}, false
}

// exposeClash names an enabled redirect (not sec) that already takes port
// on zone.
func exposeClash(fw *uci.Package, sec, zone string, port PortSpec) string {
	for _, s := range fw.SectionsOfType("redirect") {
		if s.Name == sec || s.Name == sec+exposeV6 || get(s, "enabled") == "0" || get(s, "src") != zone || strings.ToLower(get(s, "target")) == "snat" {
			continue
		}
		proto := strings.ToLower(get(s, "proto"))
		if proto != "" && proto != "tcpudp" && !strings.Contains(proto, port.Proto) {
			continue
		}
		if portIn(get(s, "src_dport"), port.Listen) {
			return fmt.Sprintf("redirect %q", orName(get(s, "name"), fw.SectionRef(s)))
		}
	}
	return ""
}

// portIn reports whether port is in spec (a port or a lo-hi / lo:hi range).
func portIn(spec string, port int) bool {
	lo, hi, ok := strings.Cut(strings.ReplaceAll(spec, ":", "-"), "-")
	if !ok {
		hi = lo
	}
	a, err1 := strconv.Atoi(lo)
	b, err2 := strconv.Atoi(hi)
	return err1 == nil && err2 == nil && a <= port && port <= b
}

func orName(name, ref string) string {
	if name != "" {
		return name
	}
	return ref
}

// wgListening names the WireGuard interface listening on UDP port.
func wgListening(st State, port int) string {
	for _, s := range st.Network.SectionsOfType("interface") {
		if get(s, "proto") == "wireguard" && get(s, "listen_port") == strconv.Itoa(port) {
			return s.Name
		}
	}
	return ""
}
