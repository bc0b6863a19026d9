package realize

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/wgowrt/wgowrt/test/netns/lab"
	"github.com/wgowrt/wgowrt/uci"
)

// Network is /etc/config/network reduced to what netifd would act on.
type Network struct {
	Interfaces []*Interface
	Bridges    []*Bridge
	Routes     []*Route
	Rules      []*Rule
}

// Interface is one enabled `config interface` section.
type Interface struct {
	Name         string
	Proto        string
	Device       string // configured device; the wg link for proto wireguard
	Up           bool   // auto != 0; false for dhcpv6 (no server answers in the lab)
	Addrs        []netip.Prefix
	Gateway4     netip.Addr
	Gateway6     netip.Addr
	Metric       int
	IP4Table     string
	IP6Table     string
	DefaultRoute bool
	Zone         string
	MTU          string
	WG           *WireGuard
}

// WireGuard holds the proto wireguard options of an interface.
type WireGuard struct {
	PrivateKey  string
	ListenPort  string
	FwMark      string
	NoHostRoute bool
	Peers       []*Peer
}

// Peer is one enabled wireguard_<iface> section with a public key.
type Peer struct {
	Section         string
	PublicKey       string
	PresharedKey    string
	AllowedIPs      []netip.Prefix
	RouteAllowedIPs bool
	Endpoint        netip.AddrPort // zero when no endpoint_host
	Keepalive       int
}

// Bridge is a `config device` of type bridge.
type Bridge struct {
	Name  string
	Ports []string
}

// Route is a `config route`/`route6` section.
type Route struct {
	V6        bool
	Interface string
	Type      string
	Target    netip.Prefix
	Gateway   string
	Metric    string
	MTU       string
	Table     string
	Source    string
	Onlink    bool
}

// Rule is a `config rule`/`rule6` section; selectors stay logical until apply.
type Rule struct {
	V6   bool
	In   string
	Out  string
	Args []string // everything but iif/oif, in `ip rule add` syntax
}

// L3Device is the kernel device an interface's addresses live on.
func (i *Interface) L3Device() string {
	if i.Proto == "wireguard" {
		return i.Name
	}
	return i.Device
}

// Interface returns the named interface or nil.
func (n *Network) Interface(name string) *Interface {
	for _, i := range n.Interfaces {
		if i.Name == name {
			return i
		}
	}
	return nil
}

// ParseNetwork validates every section against Table and builds the model.
func ParseNetwork(pkg *uci.Package) (*Network, error) {
	n := &Network{}
	for _, sec := range pkg.Sections {
		if err := n.add(pkg, sec); err != nil {
			return nil, err
		}
	}
	return n, nil
}

func (n *Network) add(pkg *uci.Package, sec *uci.Section) error {
	proto, _ := sec.Get("proto")
	if sec.Type == "interface" && !supportedProtos[proto] {
		return fmt.Errorf("network: interface '%s': proto %q is not supported by the realizer", sec.Name, proto)
	}
	if err := checkSection("network", sec, proto); err != nil {
		return err
	}
	if isTrue(sec, "disabled", false) {
		return nil
	}
	switch {
	case sec.Type == "interface":
		return n.addInterface(pkg, sec, proto)
	case sec.Type == "device":
		return n.addDevice(sec)
	case sec.Type == "route" || sec.Type == "route6":
		return n.addRoute(sec)
	case sec.Type == "rule" || sec.Type == "rule6":
		return n.addRule(sec)
	}
	return nil // globals and wireguard_* (read with their interface)
}

func (n *Network) addInterface(pkg *uci.Package, sec *uci.Section, proto string) error {
	i := &Interface{Name: sec.Name, Proto: proto, Up: isTrue(sec, "auto", true), DefaultRoute: isTrue(sec, "defaultroute", true)}
	i.Device, _ = sec.Get("device")
	i.Zone, _ = sec.Get("zone")
	i.MTU, _ = sec.Get("mtu")
	i.IP4Table, _ = sec.Get("ip4table")
	i.IP6Table, _ = sec.Get("ip6table")
	var err error
	if m, ok := sec.Get("metric"); ok {
		if i.Metric, err = strconv.Atoi(m); err != nil {
			return fmt.Errorf("network: interface '%s': bad metric %q", i.Name, m)
		}
	}
	for _, t := range []string{i.IP4Table, i.IP6Table} {
		if _, err := strconv.Atoi(t); t != "" && err != nil {
			return fmt.Errorf("network: interface '%s': table %q must be numeric (no rt_tables in the lab, see §1.8)", i.Name, t)
		}
	}
	switch proto {
	case "static":
		err = i.parseStatic(sec)
	case "wireguard":
		err = i.parseWireGuard(pkg, sec)
	case "none":
	case "dhcp":
		err = i.needDevice()
	case "dhcpv6":
		// The lab has no IPv6 upstream: no DHCPv6 server ever answers, and
		// netifd leaves such an interface pending, without addresses,
		// routes or zone devices.
		err = i.needDevice()
		i.Up = false
	default:
		err = fmt.Errorf("network: interface '%s': proto %q is not supported by the realizer", i.Name, proto)
	}
	if err != nil {
		return err
	}
	n.Interfaces = append(n.Interfaces, i)
	return nil
}

// supportedProtos are the interface protos the realizer can follow.
var supportedProtos = map[string]bool{"static": true, "wireguard": true, "none": true, "dhcp": true, "dhcpv6": true}

func (i *Interface) needDevice() error {
	if i.Device == "" {
		return fmt.Errorf("network: interface '%s': proto %s without device", i.Name, i.Proto)
	}
	return nil
}

func (i *Interface) parseStatic(sec *uci.Section) error {
	if err := i.needDevice(); err != nil {
		return err
	}
	mask, hasMask := sec.Get("netmask")
	for _, a := range words(sec.List("ipaddr")) {
		if !strings.Contains(a, "/") && hasMask {
			bits, err := maskBits(mask)
			if err != nil {
				return fmt.Errorf("network: interface '%s': netmask %q: %v", i.Name, mask, err)
			}
			a = fmt.Sprintf("%s/%d", a, bits)
		}
		p, err := lab.ParsePrefix(a)
		if err != nil || !p.Addr().Is4() {
			return fmt.Errorf("network: interface '%s': bad ipaddr %q", i.Name, a)
		}
		i.Addrs = append(i.Addrs, p)
	}
	for _, a := range words(sec.List("ip6addr")) {
		p, err := lab.ParsePrefix(a)
		if err != nil || !p.Addr().Is6() {
			return fmt.Errorf("network: interface '%s': bad ip6addr %q", i.Name, a)
		}
		i.Addrs = append(i.Addrs, p)
	}
	var err error
	if gw, ok := sec.Get("gateway"); ok {
		if i.Gateway4, err = netip.ParseAddr(gw); err != nil {
			return fmt.Errorf("network: interface '%s': bad gateway %q", i.Name, gw)
		}
	}
	if gw, ok := sec.Get("ip6gw"); ok {
		if i.Gateway6, err = netip.ParseAddr(gw); err != nil {
			return fmt.Errorf("network: interface '%s': bad ip6gw %q", i.Name, gw)
		}
	}
	return nil
}

func (i *Interface) parseWireGuard(pkg *uci.Package, sec *uci.Section) error {
	wg := &WireGuard{NoHostRoute: isTrue(sec, "nohostroute", false)}
	wg.PrivateKey, _ = sec.Get("private_key")
	wg.ListenPort, _ = sec.Get("listen_port")
	wg.FwMark, _ = sec.Get("fwmark")
	if wg.PrivateKey == "" || wg.PrivateKey == "generate" {
		return fmt.Errorf("network: interface '%s': private_key %q: key generation is not supported by the realizer", i.Name, wg.PrivateKey)
	}
	if i.Device != "" {
		return fmt.Errorf("network: interface '%s': option device is not supported with proto wireguard", i.Name)
	}
	if len(i.Name) > 15 {
		return fmt.Errorf("network: interface '%s': name longer than 15 characters cannot be a link name (§1.1)", i.Name)
	}
	for _, a := range words(sec.List("addresses")) {
		p, err := lab.ParsePrefix(a)
		if err != nil {
			return fmt.Errorf("network: interface '%s': bad address %q", i.Name, a)
		}
		i.Addrs = append(i.Addrs, p)
	}
	for _, ps := range pkg.SectionsOfType("wireguard_" + i.Name) {
		p, err := parsePeer(i.Name, ps)
		if err != nil {
			return err
		}
		if p != nil {
			wg.Peers = append(wg.Peers, p)
		}
	}
	i.WG = wg
	return nil
}

func parsePeer(iface string, sec *uci.Section) (*Peer, error) {
	if err := checkSection("network", sec, ""); err != nil {
		return nil, err
	}
	pub, ok := sec.Get("public_key")
	if !ok || isTrue(sec, "disabled", false) {
		return nil, nil // §1.3: skipped by the handler
	}
	p := &Peer{Section: sec.Name, PublicKey: pub, RouteAllowedIPs: isTrue(sec, "route_allowed_ips", false)}
	p.PresharedKey, _ = sec.Get("preshared_key")
	for _, a := range words(sec.List("allowed_ips")) {
		pr, err := lab.ParsePrefix(a)
		if err != nil {
			return nil, fmt.Errorf("network: wireguard_%s '%s': bad allowed_ips %q", iface, sec.Name, a)
		}
		p.AllowedIPs = append(p.AllowedIPs, pr.Masked())
	}
	if ka, ok := sec.Get("persistent_keepalive"); ok {
		var err error
		if p.Keepalive, err = strconv.Atoi(ka); err != nil {
			return nil, fmt.Errorf("network: wireguard_%s '%s': bad persistent_keepalive %q", iface, sec.Name, ka)
		}
	}
	if host, ok := sec.Get("endpoint_host"); ok {
		ep, err := endpoint(host, sec)
		if err != nil {
			return nil, fmt.Errorf("network: wireguard_%s '%s': %v", iface, sec.Name, err)
		}
		p.Endpoint = ep
	}
	return p, nil
}

func endpoint(host string, sec *uci.Section) (netip.AddrPort, error) {
	port := "51820" // §1.3 default when endpoint_host is set
	if p, ok := sec.Get("endpoint_port"); ok && p != "" {
		port = p
	}
	a, err := netip.ParseAddr(strings.Trim(host, "[]"))
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("endpoint_host %q: only IP literals are supported (the lab has no DNS)", host)
	}
	pn, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("bad endpoint_port %q", port)
	}
	return netip.AddrPortFrom(a, uint16(pn)), nil
}

func (n *Network) addDevice(sec *uci.Section) error {
	name, _ := sec.Get("name")
	typ, _ := sec.Get("type")
	if typ != "bridge" || name == "" {
		return fmt.Errorf("network: device %s: only named devices of type bridge are supported (type %q)", sectionName(sec), typ)
	}
	n.Bridges = append(n.Bridges, &Bridge{Name: name, Ports: words(sec.List("ports"))})
	return nil
}

func (n *Network) addRoute(sec *uci.Section) error {
	r := &Route{V6: sec.Type == "route6", Type: "unicast"}
	r.Interface, _ = sec.Get("interface")
	if t, ok := sec.Get("type"); ok {
		r.Type = t
	}
	target, _ := sec.Get("target")
	if m, ok := sec.Get("netmask"); ok && !strings.Contains(target, "/") {
		bits, err := maskBits(m)
		if err != nil {
			return fmt.Errorf("network: route %s: netmask %q: %v", sectionName(sec), m, err)
		}
		target = fmt.Sprintf("%s/%d", target, bits)
	}
	p, err := lab.ParsePrefix(target)
	if err != nil {
		return fmt.Errorf("network: route %s: bad target %q", sectionName(sec), target)
	}
	r.Target = p.Masked()
	r.Gateway, _ = sec.Get("gateway")
	r.Metric, _ = sec.Get("metric")
	r.MTU, _ = sec.Get("mtu")
	r.Table, _ = sec.Get("table")
	r.Source, _ = sec.Get("source")
	r.Onlink = isTrue(sec, "onlink", false)
	if r.Interface == "" && r.Type == "unicast" {
		return fmt.Errorf("network: route %s: a unicast route needs option interface", sectionName(sec))
	}
	n.Routes = append(n.Routes, r)
	return nil
}

// ruleArgs maps rule options to `ip rule` selector keywords (§1.8).
var ruleArgs = []struct{ opt, kw string }{
	{"src", "from"}, {"dest", "to"}, {"tos", "tos"}, {"mark", "fwmark"},
	{"uidrange", "uidrange"}, {"ipproto", "ipproto"}, {"sport", "sport"}, {"dport", "dport"},
	{"priority", "priority"}, {"lookup", "lookup"}, {"goto", "goto"},
	{"suppress_prefixlength", "suppress_prefixlength"},
}

func (n *Network) addRule(sec *uci.Section) error {
	r := &Rule{V6: sec.Type == "rule6"}
	r.In, _ = sec.Get("in")
	r.Out, _ = sec.Get("out")
	if isTrue(sec, "invert", false) {
		r.Args = append(r.Args, "not")
	}
	for _, a := range ruleArgs {
		if v, ok := sec.Get(a.opt); ok {
			r.Args = append(r.Args, a.kw, v)
		}
	}
	if act, ok := sec.Get("action"); ok {
		switch act {
		case "prohibit", "unreachable", "blackhole", "throw":
			r.Args = append(r.Args, act)
		default:
			return fmt.Errorf("network: rule %s: action %q is not supported", sectionName(sec), act)
		}
	}
	n.Rules = append(n.Rules, r)
	return nil
}

// isTrue reads a UCI boolean the way libubox's blobmsg/uci helpers do.
func isTrue(sec *uci.Section, opt string, def bool) bool {
	v, ok := sec.Get(opt)
	if !ok {
		return def
	}
	switch v {
	case "1", "on", "true", "yes", "enabled":
		return true
	case "0", "off", "false", "no", "disabled":
		return false
	}
	return def
}

// words flattens list items and space-separated option values (§1.2, §1.3).
func words(items []string) []string {
	var out []string
	for _, it := range items {
		out = append(out, strings.Fields(it)...)
	}
	return out
}

func maskBits(mask string) (int, error) {
	if bits, err := strconv.Atoi(mask); err == nil {
		return bits, nil
	}
	a, err := netip.ParseAddr(mask)
	if err != nil || !a.Is4() {
		return 0, fmt.Errorf("not an IPv4 netmask")
	}
	b := a.As4()
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	bits := 0
	for v&0x80000000 != 0 {
		bits++
		v <<= 1
	}
	if v != 0 {
		return 0, fmt.Errorf("non-contiguous netmask")
	}
	return bits, nil
}
