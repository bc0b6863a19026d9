package plan

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/wgowrt/wgowrt/internal/wg"
	"github.com/wgowrt/wgowrt/uci"
)

// Service is one --allow entry: a protocol and a port or port range.
type Service struct {
	Proto string // tcp or udp
	Port  string // "80" or "8000-8080"
}

// ParseService reads tcp/80, udp/53 or tcp/8000-8080.
func ParseService(s string) (Service, error) {
	bad := fmt.Errorf("--allow %q is not PROTO/PORT (e.g. tcp/443, udp/53, tcp/8000-8080)", s)
	proto, port, ok := strings.Cut(strings.ToLower(strings.TrimSpace(s)), "/")
	if !ok || proto != "tcp" && proto != "udp" {
		return Service{}, bad
	}
	lo, hi, isRange := strings.Cut(port, "-")
	a, err := wg.ParsePort(lo)
	if err != nil {
		return Service{}, bad
	}
	if isRange {
		b, err := wg.ParsePort(hi)
		if err != nil || b <= a {
			return Service{}, bad
		}
	}
	return Service{Proto: proto, Port: port}, nil
}

// String is the --allow form.
func (s Service) String() string { return s.Proto + "/" + s.Port }

// sectionSuffix names a service in a section name (UCI names have no - or /).
func (s Service) sectionSuffix() string { return s.Proto + "_" + strings.ReplaceAll(s.Port, "-", "_") }

// clientFirewall: the tunnel's zone (inbound refused, outbound allowed),
// the LAN forwarding with masquerade limited to the LAN's IPv4 subnets so
// that a routed public block (gateway) keeps its addresses, and one input
// rule per --allow.
func clientFirewall(st State, f *uci.Package, c *client) []ownedSection {
	masq := c.Lan == LanMasquerade
	var src []string
	if masq {
		for _, p := range lanSubnets(st) {
			if p.Addr().Is4() {
				src = append(src, p.String())
			}
		}
	}
	masq6 := masq && hasFamily(c.Conf.Addresses, false)
	zone := ownedSection{pkg: f, typ: "zone", name: wg.FirewallSection(c.Iface, wg.FwZone), opts: []kv{
		opt("name", c.zone), list("network", c.Iface), opt("input", "REJECT"), opt("output", "ACCEPT"), opt("forward", "REJECT"),
		opt("masq", boolOrEmpty(masq)), list("masq_src", src...), opt("masq6", boolOrEmpty(masq6)), opt("mtu_fix", "1")}}
	out := []ownedSection{zone}
	if masq {
		out = append(out, ownedSection{pkg: f, typ: "forwarding", name: wg.FirewallSection(c.Iface, wg.FwFromLan),
			opts: []kv{opt("src", lanZoneName(f)), opt("dest", c.zone)}})
	}
	for _, s := range c.Allow {
		out = append(out, ownedSection{pkg: f, typ: "rule", name: clientPrefix(c.Iface) + "allow_" + s.sectionSuffix(), opts: []kv{
			opt("name", "Allow-"+c.Iface+"-"+s.Proto+"-"+s.Port), opt("src", c.zone), opt("proto", s.Proto),
			opt("dest_port", s.Port), opt("target", "ACCEPT")}})
	}
	return out
}

func boolOrEmpty(b bool) string {
	if b {
		return "1"
	}
	return ""
}

// lanZoneName is the name of the LAN's zone ("lan" on a stock router).
func lanZoneName(f *uci.Package) string {
	if z := findZone(f, "lan"); z != nil {
		return get(z, "name")
	}
	return "lan"
}

// lanNetworks are the logical interfaces of the LAN zone that exist.
func lanNetworks(st State) []string {
	nets := []string{"lan"}
	if z := findZone(st.Firewall, "lan"); z != nil {
		nets = listOf(z, "network")
	}
	var out []string
	for _, n := range nets {
		if s := st.Network.Section(n); s != nil && s.Type == "interface" {
			out = append(out, n)
		}
	}
	return out
}

// clientZoneName keeps the name of the zone wgowrt made before, else uses
// the interface name.
func clientZoneName(st State, iface string) (string, error) {
	if z := st.Firewall.Section(wg.FirewallSection(iface, wg.FwZone)); z != nil {
		return get(z, "name"), nil
	}
	if zoneNamed(st.Firewall, iface) != nil {
		return "", fmt.Errorf("a firewall zone called %s already exists; choose another interface name with --iface", iface)
	}
	return iface, nil
}

// firstTable is where the search for a free routing table starts (the
// number OpenWrt's own examples use).
const firstTable = 100

// clientTable picks the routing table of a full or source client: the
// file's Table when it is a free number, else the one the interface has,
// else the lowest free number from 100.
func clientTable(st State, iface, fromFile string) (string, error) {
	used := usedTables(st, iface)
	if n, err := strconv.Atoi(fromFile); err == nil {
		if used[n] {
			return "", fmt.Errorf("Table = %d is already used by another interface, route or rule; remove the Table line to let wgowrt pick a free one", n)
		}
		return fromFile, nil
	}
	if s := st.Network.Section(iface); s != nil {
		if t := get(s, "ip4table"); t != "" {
			return t, nil
		}
	}
	for t := firstTable; ; t++ {
		if !used[t] {
			return strconv.Itoa(t), nil
		}
	}
}

// usedTables are the numeric tables that sections other than iface's own
// (its interface, client and gateway sections) refer to.
func usedTables(st State, iface string) map[int]bool {
	used := map[int]bool{}
	for _, s := range st.Network.Sections {
		if s.Name == iface || strings.HasPrefix(s.Name, clientPrefix(iface)) {
			continue
		}
		for _, o := range []string{"ip4table", "ip6table", "table", "lookup"} {
			if n, err := strconv.Atoi(get(s, o)); err == nil {
				used[n] = true
			}
		}
	}
	return used
}

// checkClientOverlap refuses tunnel addresses or split prefixes that
// collide with the router's other interfaces: the LAN would become
// unreachable or the tunnel would never be used.
func checkClientOverlap(r *Result, c *client) error {
	st := r.State
	var items []labelled
	for _, u := range otherInterfaceSpace(st, c.Iface) {
		items = append(items, labelled{u, u.String()})
	}
	own := func(n string) bool { return n == c.Iface || strings.HasPrefix(n, clientPrefix(c.Iface)) }
	used := newUsedIndex(append(items, liveUsed(st, own)...))
	liveNote(r)
	for _, a := range c.Conf.Addresses {
		if x, clash := used.overlaps(a.Masked()); clash {
			return fmt.Errorf("Address %s overlaps %s already used on this router; the provider's address range collides with a local network", a, x)
		}
	}
	if c.Mode != ModeSplit {
		return nil
	}
	for _, p := range c.peers {
		for _, a := range p.AllowedIPs {
			if x, clash := used.overlaps(a); clash {
				return fmt.Errorf("AllowedIPs %s overlaps %s already used on this router; routing it into the tunnel would cut that network off", a, x)
			}
			if err := tunnelRoute(r, "AllowedIPs", a.Masked(), c.AllowLockout); err != nil {
				return err
			}
		}
	}
	return nil
}

// otherInterfaceSpace is the address space of every interface except
// iface and its gateway.
func otherInterfaceSpace(st State, iface string) wg.Used {
	var u wg.Used
	for _, s := range st.Network.SectionsOfType("interface") {
		if s.Name == iface || strings.HasPrefix(s.Name, clientPrefix(iface)) || s.Name == "loopback" {
			continue
		}
		for _, p := range interfaceAddrs(s) {
			u = append(u, p.Masked())
		}
	}
	return u
}

// clientMeta is wgowrt's record of the intent: it marks the interface as a
// client and keeps the mode for 'client show' and re-imports.
func clientMeta(c *client) []kv {
	var allow []string
	for _, s := range c.Allow {
		allow = append(allow, s.String())
	}
	sort.Strings(allow)
	return []kv{opt("mode", c.Mode), opt("kill_switch", boolStr(c.KillSwitch)), opt("lan", c.Lan), list("allow", allow...)}
}

// Client is a client interface as configured.
type Client struct {
	Iface, Mode, Lan, Table, Zone string
	KillSwitch                    bool
	Allow                         []string
	Addresses                     []string
	Endpoints                     []string
}

// ReadClient reads wgowrt's client iface.
func ReadClient(st State, iface string) (*Client, error) {
	meta := st.Wgowrt.Section(iface)
	sec := st.Network.Section(iface)
	if meta == nil || meta.Type != TypeClient || sec == nil {
		return nil, fmt.Errorf("no wgowrt client %q; import one with 'wgowrt client import FILE --iface %s'", iface, iface)
	}
	c := &Client{Iface: iface, Mode: get(meta, "mode"), Lan: get(meta, "lan"), KillSwitch: truthy(get(meta, "kill_switch")),
		Allow: listOf(meta, "allow"), Table: get(sec, "ip4table"), Addresses: listOf(sec, "addresses")}
	if z := zoneOfNetwork(st.Firewall, iface); z != nil {
		c.Zone = get(z, "name")
	}
	for _, p := range st.Network.SectionsOfType(wg.PeerType(iface)) {
		c.Endpoints = append(c.Endpoints, wg.Endpoint{Host: get(p, "endpoint_host")}.With(atoiDefault(get(p, "endpoint_port"), 51820)))
	}
	return c, nil
}

// tunnelTable returns iface's IPv4 routing table, "" when it routes in main.
func tunnelTable(st State, iface string) string {
	return get(st.Network.Section(iface), "ip4table")
}
