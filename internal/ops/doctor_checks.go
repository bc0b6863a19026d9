package ops

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"

	"github.com/wgowrt/wgowrt/internal/plan"
	"github.com/wgowrt/wgowrt/internal/wg"
	"github.com/wgowrt/wgowrt/uci"
)

// Diagnose judges the facts; it is pure. Findings come per interface, in
// the order of the checks below.
func Diagnose(f DoctorFacts) []Finding {
	var out []Finding
	out = append(out, checkClock(f)...)
	out = append(out, checkForwarding6(f)...)
	for _, iface := range wgInterfaces(f.State) {
		if f.Only != "" && iface != f.Only || truthy(opt(f.State.Network, iface, "disabled")) {
			continue
		}
		d := &ifaceCheck{f: f, iface: iface, peers: plan.ReadPeers(f.State, iface)}
		for _, c := range []func() []Finding{d.notRunning, d.held, d.portClosed, d.handshakes, d.overlaps, d.routes, d.address6, d.forwarding, d.masquerade6, d.fullTunnel, d.leak6, d.mtu} {
			out = append(out, c()...)
		}
	}
	return out
}

// ifaceCheck runs the checks of one WireGuard interface.
type ifaceCheck struct {
	f     DoctorFacts
	iface string
	peers []plan.Peer
}

func (d *ifaceCheck) finding(check, peer, problem, evidence, fix string) Finding {
	return Finding{Check: check, Iface: d.iface, Peer: peer, Problem: problem, Evidence: evidence, Fix: fix}
}

func (d *ifaceCheck) port() int {
	n, _ := strconv.Atoi(opt(d.f.State.Network, d.iface, "listen_port"))
	return n
}

// serves says whether peers connect to us (some peer has no endpoint).
func (d *ifaceCheck) serves() bool {
	for _, p := range d.peers {
		if p.Endpoint == "" && !p.Disabled {
			return true
		}
	}
	return false
}

// notRunning: netifd did not create the device. The likely causes, in
// the order netifd meets them: no WireGuard in the kernel, an endpoint
// name that does not resolve (one keeps the whole interface down,
// openwrt/openwrt#24511), the listen port taken.
func (d *ifaceCheck) notRunning() []Finding {
	if !d.f.Live {
		return nil
	}
	_, dev := d.f.Devices[d.iface]
	if up, known := d.f.Up[d.iface]; known && up || !known && dev {
		return nil
	}
	if !d.f.Module && !dev {
		return []Finding{d.finding("module-missing", "", "WireGuard is not available in the kernel, so netifd cannot create "+d.iface,
			"no /sys/module/wireguard and no device "+d.iface, "opkg install kmod-wireguard   # apk add kmod-wireguard on 25.12\nifup "+d.iface)}
	}
	for _, p := range d.peers {
		h := endpointHost(p.Endpoint)
		if msg, bad := d.f.Unresolvable[h]; bad && !p.Disabled && !d.f.Held[p.Section] {
			return []Finding{d.finding("endpoint-unresolvable", p.Name, fmt.Sprintf("the endpoint %s of peer %s does not resolve; one such peer keeps the whole interface %s down", h, p.Name, d.iface),
				"resolving "+h+": "+msg, fmt.Sprintf("uci set network.%s.endpoint_host='<address or a name that resolves>' && uci commit network && ifup %s", p.Section, d.iface))}
		}
	}
	if port := d.port(); port > 0 && d.f.UDPPorts[port] {
		return []Finding{d.finding("port-in-use", "", fmt.Sprintf("UDP port %d, which %s listens on, is used by another program, so %s cannot start", port, d.iface, d.iface),
			fmt.Sprintf("a UDP socket on port %d and no device %s", port, d.iface),
			fmt.Sprintf("uci set network.%s.listen_port=%d && uci commit network && ifup %s   # and open that port on wan", d.iface, port+1, d.iface))}
	}
	return []Finding{d.finding("not-running", "", d.iface+" is configured but not running", "netifd reports "+d.iface+" down",
		"ifup "+d.iface+"; logread -e netifd   # says why")}
}

// held: a peer whose endpoint the supervisor holds back from netifd
// (hold.go) because its name did not resolve when the interface was set
// up: the interface runs with its other peers, this one has no endpoint
// until the name resolves. The configuration is right; the name or the
// router's DNS is what to look at, and the supervisor retries by itself.
func (d *ifaceCheck) held() []Finding {
	var out []Finding
	dev := d.f.Devices[d.iface]
	for _, p := range d.peers {
		if !d.isHeld(p, dev) {
			continue
		}
		h := endpointHost(p.Endpoint)
		ev := fmt.Sprintf("/var/state/network holds -network.%s.endpoint_host (uci -P /var/state show network.%s)", p.Section, p.Section)
		if msg, bad := d.f.Unresolvable[h]; bad {
			ev += "; resolving " + h + ": " + msg
		} else if d.f.Live {
			ev += "; " + h + " resolves now: the supervisor sets the endpoint at its next check"
		}
		f := d.finding("endpoint-held", p.Name, fmt.Sprintf("the endpoint %s of peer %s is held back: the name did not resolve, so netifd sets %s up with the other peers and this one has no endpoint until the name resolves (wgowrt supervise then sets it)", h, p.Name, d.iface),
			ev, fmt.Sprintf("nslookup %s   # check the name and the router's DNS; nothing to change in the configuration: the supervisor retries\nlogread -e wgowrt   # its tries", h))
		f.Severity = SeverityWarning
		out = append(out, f)
	}
	return out
}

// isHeld says whether p's endpoint is held: a hold line for its section,
// and no endpoint in the running device (one with an endpoint is being
// released).
func (d *ifaceCheck) isHeld(p plan.Peer, dev *wgtypes.Device) bool {
	if !d.f.Held[p.Section] || p.Disabled || p.Endpoint == "" {
		return false
	}
	if dev != nil {
		for _, lp := range dev.Peers {
			if lp.PublicKey.String() == p.PublicKey && lp.Endpoint != nil {
				return false
			}
		}
	}
	return true
}

// portClosed: an interface that peers connect to needs its UDP port open
// on wan: a zone with input ACCEPT, or an accept rule in the loaded
// ruleset (the configuration when the ruleset cannot be read).
func (d *ifaceCheck) portClosed() []Finding {
	port := d.port()
	if port == 0 || !d.serves() {
		return nil
	}
	fw := d.f.State.Firewall
	wan := zoneOf(fw, "wan")
	if wan == nil || strings.EqualFold(get(wan, "input"), "ACCEPT") {
		return nil
	}
	if d.f.InputWan != "" {
		if ruleAccepts(d.f.InputWan, port) {
			return nil
		}
	} else if uciAccepts(fw, get(wan, "name"), port) {
		return nil
	}
	ev := fmt.Sprintf("no rule accepts udp/%d from zone %s", port, get(wan, "name"))
	if d.f.InputWan != "" {
		ev += " in the loaded ruleset (nft list chain inet fw4 input_wan)"
	}
	sec := wg.FirewallSection(d.iface, wg.FwPort)
	fix := fmt.Sprintf("uci -q delete firewall.%s; uci set firewall.%s=rule && uci set firewall.%s.name='Allow-WireGuard-%s' && uci set firewall.%s.src='%s' && uci set firewall.%s.proto='udp' && uci set firewall.%s.dest_port='%d' && uci set firewall.%s.target='ACCEPT' && uci commit firewall && /etc/init.d/firewall reload",
		sec, sec, sec, d.iface, sec, get(wan, "name"), sec, sec, port, sec)
	return []Finding{d.finding("port-closed", "", fmt.Sprintf("UDP port %d of %s is not open on wan: peers' handshakes never arrive", port, d.iface), ev, fix)}
}

// dports are the port sets of a line of nft output: what follows each
// "dport ", a {…} set or a run of digits and dashes.
func dports(line string) []string {
	var out []string
	for i := strings.Index(line, "dport "); i >= 0; {
		rest := line[i+len("dport "):]
		n := 0
		if strings.HasPrefix(rest, "{") {
			if end := strings.IndexByte(rest, '}'); end >= 0 {
				n = end + 1
			}
		} else {
			for n < len(rest) && (rest[n] >= '0' && rest[n] <= '9' || rest[n] == '-') {
				n++
			}
		}
		if n > 0 {
			out = append(out, rest[:n])
		}
		next := strings.Index(rest[n:], "dport ")
		if next < 0 {
			break
		}
		i = len(line) - len(rest) + n + next
	}
	return out
}

// ruleAccepts says whether an accept rule of an nft chain matches udp
// port (fw4 writes "udp dport 51820", "meta l4proto udp th dport {…}").
func ruleAccepts(chain string, port int) bool {
	for _, line := range strings.Split(chain, "\n") {
		if !strings.Contains(line, "accept") || strings.Contains(line, "tcp dport") {
			continue
		}
		for _, m := range dports(line) {
			if portIn(strings.Trim(m, "{} "), port) {
				return true
			}
		}
	}
	return false
}

// uciAccepts is ruleAccepts on /etc/config/firewall.
func uciAccepts(fw *uci.Package, zone string, port int) bool {
	for _, r := range fw.SectionsOfType("rule") {
		if get(r, "src") != zone || get(r, "target") != "ACCEPT" || get(r, "enabled") == "0" {
			continue
		}
		if p := get(r, "proto"); p != "" && !strings.Contains(p, "udp") && p != "all" {
			continue
		}
		if portIn(get(r, "dest_port"), port) {
			return true
		}
	}
	return false
}

// portIn says whether port is in a list of ports and ranges ("51820",
// "80, 443", "51820-51830").
func portIn(list string, port int) bool {
	for _, f := range strings.FieldsFunc(list, func(r rune) bool { return r == ',' || r == ' ' }) {
		lo, hi, isRange := strings.Cut(f, "-")
		a, err1 := strconv.Atoi(lo)
		b := a
		var err2 error
		if isRange {
			b, err2 = strconv.Atoi(hi)
		}
		if err1 == nil && err2 == nil && a <= port && port <= b {
			return true
		}
	}
	return false
}

// handshakes: a peer we connect to (it has an endpoint) and tried to
// reach (it has a keepalive, or we sent it something) without a
// handshake, or whose kept-alive session went stale; with the likely
// cause.
func (d *ifaceCheck) handshakes() []Finding {
	dev, ok := d.f.Devices[d.iface]
	if !ok {
		return nil
	}
	live := map[string]wgtypes.Peer{}
	for _, p := range dev.Peers {
		live[p.PublicKey.String()] = p
	}
	var out []Finding
	for _, p := range d.peers {
		lp, ok := live[p.PublicKey]
		if !ok || p.Disabled || p.Endpoint == "" || d.isHeld(p, dev) {
			continue // a held peer has its own finding
		}
		keepalive := lp.PersistentKeepaliveInterval > 0
		switch {
		case lp.LastHandshakeTime.IsZero() && (keepalive || lp.TransmitBytes > 0):
			// Tried (a keepalive, or packets sent): an idle peer without
			// keepalive has no reason to have handshaken yet.
			out = append(out, d.finding("no-handshake", p.Name, fmt.Sprintf("peer %s (%s) has never completed a handshake", p.Name, p.Endpoint),
				fmt.Sprintf("wg show %s latest-handshakes: 0 for %s; sent %d bytes, received %d", d.iface, p.PublicKey, lp.TransmitBytes, lp.ReceiveBytes),
				d.handshakeFix(p, keepalive, dev)))
		case keepalive && d.f.Now.Sub(lp.LastHandshakeTime) > ActiveWithin+lp.PersistentKeepaliveInterval:
			age := d.f.Now.Sub(lp.LastHandshakeTime).Round(time.Second)
			out = append(out, d.finding("stale-handshake", p.Name, fmt.Sprintf("peer %s (%s) had a session but none for %s, although it keeps alive every %s", p.Name, p.Endpoint, age, lp.PersistentKeepaliveInterval),
				fmt.Sprintf("latest handshake %s ago", age), d.handshakeFix(p, keepalive, dev)))
		}
	}
	return out
}

// handshakeFix names the likely cause of a missing handshake as a fix.
func (d *ifaceCheck) handshakeFix(p plan.Peer, keepalive bool, dev *wgtypes.Device) string {
	if p.PublicKey == dev.PublicKey.String() {
		return fmt.Sprintf("the peer's public key is this router's own: set the peer's key: uci set network.%s.public_key='<the peer's public key>' && uci commit network && wgowrt sync", p.Section)
	}
	if !keepalive && d.behindNAT() {
		return fmt.Sprintf("this router is behind NAT (wan %s) and the peer has no keepalive, so the peer's replies may not get back in: uci set network.%s.persistent_keepalive=25 && uci commit network && wgowrt sync", d.f.WanAddrs[0], p.Section)
	}
	return fmt.Sprintf("check that the peer lists this router's public key %s and that its port %s is open; then: wg show %s", dev.PublicKey, p.Endpoint, d.iface)
}

func (d *ifaceCheck) behindNAT() bool {
	for _, a := range d.f.WanAddrs {
		if a.IsPrivate() || netip.MustParsePrefix("100.64.0.0/10").Contains(a) {
			return true
		}
	}
	return false
}

// overlaps: AllowedIPs that overlap the LAN (WireGuard would take the
// LAN's traffic) or another peer's of the same interface (only one of
// them gets it).
func (d *ifaceCheck) overlaps() []Finding {
	var out []Finding
	lans := lanPrefixes(d.f.State)
	type owned struct {
		peer plan.Peer
		p    netip.Prefix
	}
	var seen []owned
	for _, p := range d.peers {
		if p.Disabled {
			continue
		}
		for _, s := range p.AllowedIPs {
			pf, err := netip.ParsePrefix(strings.TrimSpace(s))
			if err != nil || pf.Bits() == 0 {
				continue
			}
			for _, l := range lans {
				if l.Overlaps(pf) {
					out = append(out, d.finding("allowedips-overlap-lan", p.Name, fmt.Sprintf("peer %s's AllowedIPs %s overlap the LAN %s", p.Name, pf, l),
						fmt.Sprintf("network.%s.allowed_ips has %s", p.Section, pf),
						fmt.Sprintf("uci del_list network.%s.allowed_ips='%s' && uci commit network && wgowrt sync", p.Section, s)))
				}
			}
			for _, o := range seen {
				if o.p.Overlaps(pf) && o.peer.Section != p.Section {
					out = append(out, d.finding("allowedips-overlap-peer", p.Name, fmt.Sprintf("peers %s and %s both claim %s: only one of them gets that traffic", o.peer.Name, p.Name, pf),
						fmt.Sprintf("network.%s.allowed_ips has %s, network.%s.allowed_ips has %s", o.peer.Section, o.p, p.Section, pf),
						fmt.Sprintf("uci del_list network.%s.allowed_ips='%s' && uci commit network && wgowrt sync   # keep it on the peer that has it", p.Section, s)))
				}
			}
			seen = append(seen, owned{p, pf})
		}
	}
	return out
}

// routes: netifd installs a peer's routes (route_allowed_ips) when the
// interface comes up; a peer added or changed since (up to 24.10, or a
// site added without ifup) has none, and its subnet goes elsewhere.
func (d *ifaceCheck) routes() []Finding {
	var out []Finding
	for _, p := range d.peers {
		if !p.Routes || p.Disabled {
			continue
		}
		for _, pf := range routedBoth(p) {
			dev := d.f.RouteDev[pf]
			if dev == "" || dev == d.iface || pf.Addr().Is6() && len(d.missing6()) > 0 {
				continue // unknown, or right, or no IPv6 on the device (address6-missing)
			}
			out = append(out, d.finding("route-missing", p.Name, fmt.Sprintf("peer %s's %s is not routed into %s: its traffic goes to %s", p.Name, pf, d.iface, dev),
				fmt.Sprintf("ip route get %s: %s", probeAddr(pf), routeText(dev)), "ifup "+d.iface+"   # netifd installs the routes of route_allowed_ips when the interface comes up"))
		}
	}
	return out
}

func routeText(dev string) string {
	switch dev {
	case Unreachable:
		return "Network is unreachable"
	case NoRouteToHost:
		return "No route to host"
	}
	return "dev " + dev
}

// forwarding: a wgowrt server whose declared LAN access needs a
// forwarding (and, masquerade, a NAT rule) the firewall no longer has.
func (d *ifaceCheck) forwarding() []Finding {
	srv, err := plan.ReadServer(d.f.State, d.iface)
	if err != nil || !srv.Owned || srv.Zone == "" || srv.LanAccess != wg.AccessRouted && srv.LanAccess != wg.AccessMasquerade {
		return nil
	}
	fw := d.f.State.Firewall
	lan := zoneOf(fw, "lan")
	if lan == nil {
		return nil
	}
	var out []Finding
	if !hasForwarding(fw, srv.Zone, get(lan, "name")) {
		sec := wg.FirewallSection(d.iface, wg.FwToLan)
		out = append(out, d.finding("forwarding-missing", "", fmt.Sprintf("%s declares LAN access (%s) but the firewall has no forwarding from %s to %s: peers cannot reach the LAN", d.iface, srv.LanAccess, srv.Zone, get(lan, "name")),
			fmt.Sprintf("no forwarding section with src %s and dest %s in /etc/config/firewall", srv.Zone, get(lan, "name")),
			fmt.Sprintf("uci -q delete firewall.%s; uci set firewall.%s=forwarding && uci set firewall.%s.src='%s' && uci set firewall.%s.dest='%s' && uci commit firewall && /etc/init.d/firewall reload", sec, sec, sec, srv.Zone, sec, get(lan, "name"))))
	}
	if sub, ok := srv.Subnet(true); ok && srv.LanAccess == wg.AccessMasquerade && !truthy(get(lan, "masq")) && !hasMasq(fw, get(lan, "name"), sub.String()) {
		sec := wg.FirewallSection(d.iface, wg.FwMasq)
		out = append(out, d.finding("masquerade-missing", "", fmt.Sprintf("%s declares LAN access by masquerade but nothing masquerades %s towards the LAN: LAN hosts answer peers through their default gateway", d.iface, sub),
			fmt.Sprintf("no nat section with src %s, src_ip %s and target MASQUERADE", get(lan, "name"), sub),
			fmt.Sprintf("uci -q delete firewall.%s; uci set firewall.%s=nat && uci set firewall.%s.name='Masq-%s-to-lan' && uci set firewall.%s.src='%s' && uci set firewall.%s.src_ip='%s' && uci set firewall.%s.target='MASQUERADE' && uci set firewall.%s.proto='all' && uci commit firewall && /etc/init.d/firewall reload",
				sec, sec, sec, d.iface, sec, get(lan, "name"), sec, sub, sec, sec)))
	}
	return out
}

// fullTunnel: a wgowrt full-tunnel client must route its endpoint outside
// the tunnel (else the handshakes loop into it) and resolve through it
// (else DNS leaks through wan).
func (d *ifaceCheck) fullTunnel() []Finding {
	cl, err := plan.ReadClient(d.f.State, d.iface)
	if err != nil || cl.Mode != "full" {
		return nil
	}
	var out []Finding
	if len(listOf(d.f.State.Network, d.iface, "dns")) == 0 {
		out = append(out, d.finding("dns-leak", "", fmt.Sprintf("the full tunnel %s names no DNS server: the LAN's names are resolved through wan, outside the tunnel", d.iface),
			fmt.Sprintf("network.%s has no dns option", d.iface),
			fmt.Sprintf("uci add_list network.%s.dns='<the provider's DNS server>' && uci commit network && ifup %s", d.iface, d.iface)))
	}
	for addr, dev := range d.f.EndpointDev {
		if dev == d.iface && d.isEndpoint(addr) {
			out = append(out, d.finding("endpoint-route-loop", "", fmt.Sprintf("the endpoint %s of %s is routed into the tunnel itself: its handshakes loop", addr, d.iface),
				fmt.Sprintf("ip route get %s: dev %s", addr, dev), "ifup "+d.iface+"   # netifd adds the endpoint's host route through wan when the interface comes up"))
		}
	}
	return out
}

func (d *ifaceCheck) isEndpoint(a netip.Addr) bool {
	for _, p := range d.peers {
		if endpointHost(p.Endpoint) == a.String() {
			return true
		}
	}
	return false
}

// mtu: a peer's tunnel address answers small pings but not full-size
// ones with don't-fragment.
func (d *ifaceCheck) mtu() []Finding {
	var out []Finding
	for _, r := range d.f.MTUProbes[d.iface] {
		want, hdr := r.Largest, pingOverhead(r.Addr)
		ev := fmt.Sprintf("ping -M do -s %d %s: no answer; -s 56 answers", r.MTU-hdr, r.Addr)
		if want == 0 {
			want = 1280
		} else {
			ev += fmt.Sprintf("; -s %d answers", r.Largest-hdr)
		}
		out = append(out, d.finding("mtu", r.Peer, fmt.Sprintf("packets of %d bytes (%s's MTU) do not reach peer %s, smaller ones do: the path is narrower", r.MTU, d.iface, r.Peer),
			ev, fmt.Sprintf("uci set network.%s.mtu=%d && uci commit network && ifup %s", d.iface, want, d.iface)))
	}
	return out
}

// checkClock: handshakes carry a timestamp; a clock far in the past
// (never set: no NTP yet) makes peers' views disagree.
func checkClock(f DoctorFacts) []Finding {
	if !f.Live || f.Now.Year() >= 2024 {
		return nil
	}
	return []Finding{{Check: "clock", Problem: "the clock is not set (" + f.Now.UTC().Format("2006-01-02") + "): time is not synchronised",
		Evidence: "date: " + f.Now.UTC().Format(time.RFC3339), Fix: "uci set system.ntp.enabled=1 && uci commit system && /etc/init.d/sysntpd restart"}}
}

// lanPrefixes are the subnets of the interfaces in the lan zone.
func lanPrefixes(st plan.State) []netip.Prefix {
	z := zoneOf(st.Firewall, "lan")
	if z == nil {
		return nil
	}
	var out []netip.Prefix
	for _, n := range listOf(st.Firewall, z.Name, "network") {
		for _, f := range strings.Fields(n) {
			if p, ok := ifacePrefix(st.Network, f); ok {
				out = append(out, p)
			}
		}
	}
	return out
}

// ifacePrefix is a static interface's IPv4 subnet.
func ifacePrefix(n *uci.Package, iface string) (netip.Prefix, bool) {
	ip, mask := opt(n, iface, "ipaddr"), opt(n, iface, "netmask")
	if p, err := netip.ParsePrefix(ip); err == nil {
		return p.Masked(), true
	}
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return netip.Prefix{}, false
	}
	bits := 24
	if m, err := netip.ParseAddr(mask); err == nil && m.Is4() {
		b := m.As4()
		bits = 0
		for _, x := range b {
			for ; x&0x80 != 0; x <<= 1 {
				bits++
			}
		}
	}
	return netip.PrefixFrom(a, bits).Masked(), true
}

// zoneOf is the zone that holds network iface.
func zoneOf(fw *uci.Package, iface string) *uci.Section {
	for _, z := range fw.SectionsOfType("zone") {
		for _, n := range listOf(fw, z.Name, "network") {
			for _, f := range strings.Fields(n) {
				if f == iface {
					return z
				}
			}
		}
	}
	return nil
}

func hasForwarding(fw *uci.Package, src, dest string) bool {
	for _, s := range fw.SectionsOfType("forwarding") {
		if get(s, "src") == src && get(s, "dest") == dest && get(s, "enabled") != "0" {
			return true
		}
	}
	return false
}

func hasMasq(fw *uci.Package, src, subnet string) bool {
	for _, s := range fw.SectionsOfType("nat") {
		if get(s, "src") == src && get(s, "target") == "MASQUERADE" && get(s, "enabled") != "0" && get(s, "family") != "ipv6" && (get(s, "src_ip") == subnet || get(s, "src_ip") == "") {
			return true
		}
	}
	return false
}

func get(s *uci.Section, name string) string {
	if s == nil {
		return ""
	}
	v, _ := s.Get(name)
	return v
}

func opt(p *uci.Package, sec, name string) string { return get(p.Section(sec), name) }

func listOf(p *uci.Package, sec, name string) []string {
	s := p.Section(sec)
	if s == nil {
		return nil
	}
	if o := s.Option(name); o != nil {
		return o.Values
	}
	return nil
}

func truthy(v string) bool {
	return v == "1" || v == "on" || v == "true" || v == "yes" || v == "enabled"
}
