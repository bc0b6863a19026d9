package plan

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/wgowrt/wgowrt/internal/wg"
	"github.com/wgowrt/wgowrt/uci"
)

// ServerIntent is `wgowrt server init`. Zero values mean "not given": keep
// what an existing wgowrt server has, else use the default.
type ServerIntent struct {
	Iface string
	Port  int
	// Subnet4 is "auto" (or empty) or an IPv4 CIDR; a host address in it
	// (10.8.0.1/24) becomes the server's address.
	Subnet4 string
	// IPv6 is "auto" (or empty), "off", or an IPv6 CIDR.
	IPv6      string
	Endpoint  *wg.Endpoint
	LanAccess string
	// RouterAccess is all, dns or none; "" keeps what the server has, or
	// follows LanAccess (none: dns, else all).
	RouterAccess   string
	Internet       *bool
	ClientToClient *bool
	// PrivateKey is a fresh key, used only when the interface is created.
	PrivateKey wg.Key
	// AllowLockout closes ssh to peers even when this SSH session comes
	// through the tunnel (--allow-lockout).
	AllowLockout bool
}

// DefaultPort is WireGuard's customary port.
const DefaultPort = 51820

// ServerInit plans `server init`.
func ServerInit(cur State, in ServerIntent) (*Result, error) {
	if err := wg.ValidateIface(in.Iface); err != nil {
		return nil, err
	}
	if err := validateAccess(in.LanAccess); err != nil {
		return nil, err
	}
	if err := validateRouterAccess(in.RouterAccess); err != nil {
		return nil, err
	}
	r := &Result{State: cur.clone()}
	st := r.State
	existing, err := existingServer(st, in.Iface)
	if err != nil {
		return nil, err
	}
	port := pick(in.Port, existingPort(existing), DefaultPort)
	if err := portFree(st, in.Iface, port); err != nil {
		return nil, err
	}
	if existing != nil && existing.Port != 0 && port != existing.Port && adminThrough(st, existing) {
		if !in.AllowLockout {
			return nil, fmt.Errorf("this SSH session comes through %s: moving it from port %d to %d cuts the session (its peers still dial %d); give --allow-lockout to do it anyway", in.Iface, existing.Port, port, existing.Port)
		}
		r.warnf("this SSH session comes through %s, whose port moves from %d to %d: the session will end (--allow-lockout)", in.Iface, existing.Port, port)
	}
	addrs, err := serverAddresses(r, existing, in)
	if err != nil {
		return nil, err
	}
	if err := writeInterface(st.Network, in, existing, port, addrs); err != nil {
		return nil, err
	}
	s := settle(existing, in)
	warnPeersDialOldPort(r, existing, s, port)
	if err := adminKeepsSSH(r, s, addrs, in.AllowLockout); err != nil {
		return nil, err
	}
	if err := writeMeta(st.Wgowrt, in.Iface, s); err != nil {
		return nil, err
	}
	adopted, err := recordedPortRule(r, in.Iface, existing, port)
	if err != nil {
		return nil, err
	}
	if err := serverFirewall(r, in.Iface, port, addrs, s, adopted); err != nil {
		return nil, err
	}
	if s.Endpoint.Host == "" {
		r.warnf("no --endpoint given: client configs will need one (pass it to 'server init' or 'peer add')")
	}
	return r, nil
}

// warnPeersDialOldPort: when the listen port moves, the server's peers
// keep dialling the old one until their configs change, unless peers
// dial a port of the endpoint's own (a port forward in front).
func warnPeersDialOldPort(r *Result, existing *Server, s Server, port int) {
	if existing == nil || existing.Port == 0 || port == existing.Port || s.Endpoint.Port != 0 {
		return
	}
	n := len(ReadPeers(r.State, s.Iface))
	if n == 0 {
		return
	}
	host := s.Endpoint.Host
	if host == "" {
		host = "HOST"
	}
	r.warnf("%s now listens on udp port %d instead of %d: its %d peer(s) keep dialling %d until their configs say Endpoint = %s ('wgowrt peer show NAME --config' re-exports those whose private key was kept)",
		s.Iface, port, existing.Port, n, existing.Port, wg.Endpoint{Host: host, Port: port})
}

func validateAccess(a string) error {
	switch a {
	case "", wg.AccessRouted, wg.AccessMasquerade, wg.AccessNone:
		return nil
	}
	return fmt.Errorf("--lan-access %q is not one of routed, masquerade, none", a)
}

func validateRouterAccess(a string) error {
	switch a {
	case "", wg.RouterAll, wg.RouterDNS, wg.RouterNone:
		return nil
	}
	return fmt.Errorf("--router-access %q is not one of all, dns, none", a)
}

// adminKeepsSSH refuses to close the router's services to peers when the
// SSH session running the command comes through this very tunnel.
func adminKeepsSSH(r *Result, s Server, addrs []netip.Prefix, insist bool) error {
	a := r.State.Live.Admin
	if s.EffectiveRouterAccess() == wg.RouterAll || !adminThrough(r.State, &Server{Iface: s.Iface, Addresses: addrs}) {
		return nil
	}
	if insist {
		r.warnf("this SSH session comes from %s through %s, whose peers lose ssh to the router (--allow-lockout)", a, s.Iface)
		return nil
	}
	return fmt.Errorf("this SSH session comes from %s through %s: --router-access %s would close ssh to its peers and cut the session; use --router-access all, or give --allow-lockout", a, s.Iface, s.EffectiveRouterAccess())
}

func pick(vals ...int) int {
	for _, v := range vals {
		if v != 0 {
			return v
		}
	}
	return 0
}

func existingPort(s *Server) int {
	if s == nil {
		return 0
	}
	return s.Port
}

// existingServer returns wgowrt's server on iface, nil when iface is free,
// and an error when the name is taken by something wgowrt did not create.
func existingServer(st State, iface string) (*Server, error) {
	sec := st.Network.Section(iface)
	meta := st.Wgowrt.Section(iface)
	if sec == nil {
		if what := deviceTaken(st, iface); what != "" {
			return nil, fmt.Errorf("%s is already a network device on this router (%s); choose another name with --iface", iface, what)
		}
		return nil, nil
	}
	if meta == nil || meta.Type != wg.TypeServer || sec.Type != "interface" || get(sec, "proto") != "wireguard" {
		return nil, fmt.Errorf("interface %s already exists in /etc/config/network and was not created by wgowrt; choose another name with --iface", iface)
	}
	return ReadServer(st, iface)
}

// portFree refuses a port another WireGuard interface listens on or a wan
// port forward already takes.
func portFree(st State, iface string, port int) error {
	ps := strconv.Itoa(port)
	for _, s := range st.Network.SectionsOfType("interface") {
		if s.Name != iface && get(s, "proto") == "wireguard" && get(s, "listen_port") == ps {
			return fmt.Errorf("UDP port %d is already used by WireGuard interface %s; choose another with --port", port, s.Name)
		}
	}
	for _, s := range st.Firewall.SectionsOfType("redirect") {
		if get(s, "src_dport") == ps && get(s, "proto") != "tcp" && get(s, "enabled") != "0" {
			return fmt.Errorf("UDP port %d is already forwarded by firewall redirect %q; choose another with --port", port, get(s, "name"))
		}
	}
	return nil
}

// serverAddresses decides the interface's addresses: kept for an existing
// server (a different explicit subnet is refused), chosen otherwise.
func serverAddresses(r *Result, existing *Server, in ServerIntent) ([]netip.Prefix, error) {
	if existing != nil {
		return keepAddresses(existing, in)
	}
	liveNote(r)
	used := usedSpace(r.State, nil)
	v4, err := chooseSubnet4(used, in.Subnet4)
	if err != nil {
		return nil, err
	}
	addrs := []netip.Prefix{v4}
	v6, ok, err := chooseSubnet6(r, used, in.IPv6)
	if err != nil {
		return nil, err
	}
	if ok {
		addrs = append(addrs, v6)
	}
	return addrs, nil
}

func keepAddresses(s *Server, in ServerIntent) ([]netip.Prefix, error) {
	check := func(flag, given string, v4 bool) error {
		if given == "" || given == "auto" {
			return nil
		}
		cur, has := s.Subnet(v4)
		if given == "off" && !has {
			return nil
		}
		if p, err := wg.ParseAddrPrefix(given); err == nil && has && p.Masked() == cur {
			return nil
		}
		return fmt.Errorf("%s %s differs from what %s already uses (%s); renumbering a server is not supported, remove its peers and the interface first", flag, given, s.Iface, addrList(s.Addresses))
	}
	if err := check("--subnet", in.Subnet4, true); err != nil {
		return nil, err
	}
	if err := check("--ipv6", in.IPv6, false); err != nil {
		return nil, err
	}
	return s.Addresses, nil
}

func addrList(ps []netip.Prefix) string {
	s := ""
	for i, p := range ps {
		if i > 0 {
			s += " "
		}
		s += p.String()
	}
	return s
}

// serverAddr turns a CIDR into the server's address: the given host, or
// the first host of the subnet.
func serverAddr(p netip.Prefix) netip.Prefix {
	if p.Addr() != p.Masked().Addr() {
		return p
	}
	a, _ := wg.AddHost(p, 1)
	return netip.PrefixFrom(a, p.Bits())
}

func chooseSubnet4(used wg.Used, given string) (netip.Prefix, error) {
	if given == "" || given == "auto" {
		p, ok := wg.PickSubnet4(used)
		if !ok {
			return netip.Prefix{}, fmt.Errorf("no free private IPv4 /24 found; give one with --subnet CIDR")
		}
		return serverAddr(p), nil
	}
	p, err := wg.ParseAddrPrefix(given)
	if err != nil || !p.Addr().Is4() || p.Bits() > 30 {
		return netip.Prefix{}, fmt.Errorf("--subnet %q is not an IPv4 CIDR of /30 or wider (e.g. 10.8.0.0/24)", given)
	}
	if x, clash := used.Overlaps(p); clash {
		return netip.Prefix{}, fmt.Errorf("--subnet %s overlaps %s already used on this router; choose another or use --subnet auto", given, x)
	}
	return serverAddr(p), nil
}

func chooseSubnet6(r *Result, used wg.Used, given string) (netip.Prefix, bool, error) {
	switch given {
	case "off":
		return netip.Prefix{}, false, nil
	case "", "auto":
		ula, ok := ulaPrefix(r.State.Network)
		if !ok {
			r.warnf("no ula_prefix in network.globals: the tunnel gets no IPv6 (give one with --ipv6 CIDR)")
			return netip.Prefix{}, false, nil
		}
		p, ok := wg.PickSubnet6(ula, used)
		if !ok {
			r.warnf("no free /64 in ula_prefix %s: the tunnel gets no IPv6", ula)
			return netip.Prefix{}, false, nil
		}
		return serverAddr(p), true, nil
	}
	p, err := wg.ParseAddrPrefix(given)
	if err != nil || p.Addr().Is4() || p.Bits() > 126 {
		return netip.Prefix{}, false, fmt.Errorf("--ipv6 %q is not auto, off or an IPv6 CIDR (e.g. fd00:8::/64)", given)
	}
	if x, clash := used.Overlaps(p); clash {
		return netip.Prefix{}, false, fmt.Errorf("--ipv6 %s overlaps %s already used on this router; choose another, auto or off", given, x)
	}
	return serverAddr(p), true, nil
}

// ulaPrefix reads network.globals.ula_prefix ("auto" until first boot has
// replaced it is not a prefix).
func ulaPrefix(n *uci.Package) (netip.Prefix, bool) {
	for _, g := range n.SectionsOfType("globals") {
		if p, err := wg.ParsePrefix(get(g, "ula_prefix")); err == nil && p.Addr().Is6() {
			return p, true
		}
	}
	return netip.Prefix{}, false
}

// writeInterface converges network.<iface>. An existing private key is
// never replaced.
func writeInterface(n *uci.Package, in ServerIntent, existing *Server, port int, addrs []netip.Prefix) error {
	opts := []kv{opt("proto", "wireguard")}
	if existing == nil || existing.PrivateKey == nil {
		opts = append(opts, opt("private_key", in.PrivateKey.String()))
	}
	as := make([]string, len(addrs))
	for i, a := range addrs {
		as[i] = a.String()
	}
	opts = append(opts, opt("listen_port", strconv.Itoa(port)), list("addresses", as...))
	return ensure(n, "interface", in.Iface, opts...)
}

// settle merges the intent with what an existing server has.
func settle(existing *Server, in ServerIntent) Server {
	s := Server{Iface: in.Iface, LanAccess: wg.AccessRouted}
	if existing != nil {
		s = *existing
		if s.LanAccess == "" {
			s.LanAccess = wg.AccessRouted
		}
	}
	if in.Endpoint != nil {
		s.Endpoint = *in.Endpoint
	}
	if in.LanAccess != "" {
		s.LanAccess = in.LanAccess
	}
	if in.RouterAccess != "" {
		s.RouterAccess = in.RouterAccess
	}
	if in.Internet != nil {
		s.Internet = *in.Internet
	}
	if in.ClientToClient != nil {
		s.ClientToClient = *in.ClientToClient
	}
	return s
}

func writeMeta(p *uci.Package, iface string, s Server) error {
	return ensure(p, wg.TypeServer, iface, opt("endpoint", s.Endpoint.String()), opt("lan_access", s.LanAccess),
		opt("internet", boolStr(s.Internet)), opt("client_to_client", boolStr(s.ClientToClient)),
		opt("router_access", s.RouterAccess))
}

// serverFirewall finds the zones and converges wgowrt's firewall sections.
func serverFirewall(r *Result, iface string, port int, addrs []netip.Prefix, s Server, adoptedPortRule bool) error {
	fw := r.State.Firewall
	fs := fwSettings{iface: iface, port: port, lanAccess: s.LanAccess, internet: s.Internet, c2c: s.ClientToClient,
		routerAccess: s.EffectiveRouterAccess(), adoptedPortRule: adoptedPortRule}
	for _, a := range addrs {
		if a.Addr().Is4() {
			fs.subnet4 = a.Masked().String()
		} else if fs.subnet6 == "" {
			fs.subnet6 = a.Masked().String()
		}
	}
	wan := findZone(fw, "wan")
	if wan == nil {
		return fmt.Errorf("no firewall zone for wan (a zone named wan or holding network wan): cannot open UDP port %d", port)
	}
	fs.wanZone = get(wan, "name")
	if s.LanAccess != wg.AccessNone {
		lan := findZone(fw, "lan")
		if lan == nil {
			return fmt.Errorf("no firewall zone for lan (a zone named lan or holding network lan); use --lan-access none")
		}
		fs.lanZone = get(lan, "name")
	}
	if err := pickZone(r, &fs); err != nil {
		return err
	}
	return convergeFirewall(fw, fs)
}

// pickZone uses wgowrt's zone, or a zone the user already put the
// interface in (left untouched), or names a new one.
func pickZone(r *Result, fs *fwSettings) error {
	fw := r.State.Firewall
	own := wg.FirewallSection(fs.iface, wg.FwZone)
	z := zoneOfNetwork(fw, fs.iface)
	switch {
	case z != nil && z.Name == own:
		fs.zone, fs.ownsZone = get(z, "name"), true
	case z != nil:
		fs.zone = get(z, "name")
		if fs.c2c && get(z, "forward") != "ACCEPT" {
			r.warnf("zone %s holding %s was not created by wgowrt and is left as is: --client-to-client needs its forward policy to be ACCEPT", fs.zone, fs.iface)
		}
		if fs.routerAccess != wg.RouterAll && !strings.EqualFold(get(z, "input"), "REJECT") && !strings.EqualFold(get(z, "input"), "DROP") {
			r.warnf("zone %s holding %s was not created by wgowrt and is left as is: --router-access %s needs its input policy to be REJECT", fs.zone, fs.iface, fs.routerAccess)
		}
	default:
		name, err := vpnZoneName(fw, fs.iface)
		if err != nil {
			return err
		}
		fs.zone, fs.ownsZone = name, true
	}
	return nil
}
