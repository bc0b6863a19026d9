package plan

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/wgowrt/wgowrt/internal/wg"
	"github.com/wgowrt/wgowrt/internal/wgquick"
	"github.com/wgowrt/wgowrt/uci"
)

// ownedSection is one section the client or gateway role wants, with every
// option it sets (an empty value removes the option).
type ownedSection struct {
	pkg       *uci.Package
	typ, name string
	opts      []kv
}

// convergeOwned makes the sections owns() claims equal to want: missing
// ones are created, wanted ones updated, the rest deleted. Sections
// nobody owns are never touched.
func convergeOwned(r *Result, iface string, want []ownedSection, owns func(string) bool) error {
	wanted := map[string]string{}
	for _, w := range want {
		wanted[w.pkg.Name+"."+w.name] = w.typ
	}
	for _, p := range []*uci.Package{r.State.Network, r.State.Firewall} {
		for _, s := range append([]*uci.Section(nil), p.Sections...) {
			typ, ok := wanted[p.Name+"."+s.Name]
			if (ok && typ != s.Type) || (!ok && !s.Anonymous && owns(s.Name)) {
				if err := p.DeleteSection(s.Name); err != nil {
					return err
				}
			}
		}
	}
	for _, w := range want {
		if err := ensure(w.pkg, w.typ, w.name, w.opts...); err != nil {
			return fmt.Errorf("%s.%s: %v", w.pkg.Name, w.name, err)
		}
	}
	return nil
}

// clientPrefix starts the names of a client's own sections; the gateway
// on the same tunnel uses clientPrefix+"gw".
func clientPrefix(iface string) string { return wg.Prefix + iface + "_" }

func isClientSection(iface string) func(string) bool {
	return func(name string) bool {
		return strings.HasPrefix(name, clientPrefix(iface)) && !strings.HasPrefix(name, clientPrefix(iface)+"gw")
	}
}

// clientSections lists every section of client c in writing order.
func clientSections(st State, c *client) []ownedSection {
	n, f := st.Network, st.Firewall
	out := []ownedSection{{pkg: n, typ: "interface", name: c.Iface, opts: clientInterfaceOpts(c)}}
	for i, p := range c.peers {
		out = append(out, ownedSection{pkg: n, typ: wg.PeerType(c.Iface), name: fmt.Sprintf("%speer%d", clientPrefix(c.Iface), i+1), opts: clientPeerOpts(p)})
	}
	switch c.Mode {
	case ModeFull:
		out = append(out, fullRouting(n, c)...)
	case ModeSplit:
		out = append(out, splitRouting(n, c)...)
	case ModeSource:
		out = append(out, sourceRouting(n, c)...)
	}
	return append(out, clientFirewall(st, f, c)...)
}

func clientInterfaceOpts(c *client) []kv {
	conf := c.Conf
	o := []kv{opt("proto", "wireguard"), opt("private_key", conf.PrivateKey.String()),
		opt("listen_port", itoaOrEmpty(conf.ListenPort)), list("addresses", prefixStrings(conf.Addresses)...),
		opt("mtu", itoaOrEmpty(conf.MTU)), opt("fwmark", "")}
	if conf.FwMark != 0 {
		o[len(o)-1] = opt("fwmark", fmt.Sprintf("0x%x", conf.FwMark))
	}
	v6 := ""
	if c.Mode == ModeFull || c.Mode == ModeSource && hasFamily(conf.Addresses, false) {
		v6 = c.table
	}
	o = append(o, opt("ip4table", c.table), opt("ip6table", v6))
	var dns, search []string
	if c.Mode == ModeFull {
		for _, d := range conf.DNS {
			dns = append(dns, d.String())
		}
		search = conf.DNSSearch
	}
	return append(o, list("dns", dns...), list("dns_search", search...))
}

func clientPeerOpts(p wgquick.Peer) []kv {
	psk := ""
	if p.PresharedKey != nil {
		psk = p.PresharedKey.String()
	}
	return []kv{opt("description", p.Endpoint.Host), opt("public_key", p.PublicKey.String()), opt("preshared_key", psk),
		list("allowed_ips", prefixStrings(p.AllowedIPs)...), opt("route_allowed_ips", "1"),
		opt("endpoint_host", p.Endpoint.Host), opt("endpoint_port", strconv.Itoa(p.Endpoint.Port)),
		opt("persistent_keepalive", itoaOrEmpty(p.Keepalive))}
}

// fullRouting steers the LAN into the tunnel's table. For each LAN
// network: destinations main knows more specifically than by its default
// (other LANs, the endpoint's host route) stay in main, everything else
// looks up the tunnel table. IPv6 is blocked in the tunnel table so it
// never leaks through wan6 when the provider gives none or the tunnel is
// down; IPv4 is blocked there only with --kill-switch.
func fullRouting(n *uci.Package, c *client) []ownedSection {
	var out []ownedSection
	for _, lan := range c.lanNets {
		for _, fam := range []string{"4", "6"} {
			typ := "rule" + strings.TrimSuffix(fam, "4")
			out = append(out,
				ownedSection{pkg: n, typ: typ, name: clientPrefix(c.Iface) + lan + "_main" + fam, opts: []kv{opt("in", lan),
					opt("lookup", "main"), opt("suppress_prefixlength", "0"), opt("priority", prioMain)}},
				ownedSection{pkg: n, typ: typ, name: clientPrefix(c.Iface) + lan + "_tun" + fam, opts: []kv{opt("in", lan),
					opt("lookup", c.table), opt("priority", prioTunnel)}})
		}
	}
	if c.KillSwitch {
		out = append(out, unreachable(n, clientPrefix(c.Iface)+"ks4", netip.MustParsePrefix("0.0.0.0/0"), c.table))
	}
	out = append(out, unreachable(n, clientPrefix(c.Iface)+"ks6", netip.MustParsePrefix("::/0"), c.table))
	out = append(out, dnsRules(n, c)...)
	return out
}

// unreachable is a route without interface (netifd keeps it on loopback
// whatever the tunnel does) that answers "unreachable" once the tunnel's
// own route of lower metric is gone.
func unreachable(n *uci.Package, name string, target netip.Prefix, table string) ownedSection {
	typ := "route"
	if target.Addr().Is6() {
		typ = "route6"
	}
	return ownedSection{pkg: n, typ: typ, name: name, opts: []kv{opt("type", "unreachable"), opt("target", target.String()),
		opt("table", table), opt("metric", killMetric)}}
}

// splitRouting: route_allowed_ips puts the prefixes into main; the kill
// switch shadows each with an unreachable route of higher metric.
func splitRouting(n *uci.Package, c *client) []ownedSection {
	if !c.KillSwitch {
		return nil
	}
	var out []ownedSection
	i := 0
	for _, p := range c.peers {
		for _, a := range p.AllowedIPs {
			i++
			out = append(out, unreachable(n, fmt.Sprintf("%sks_%d", clientPrefix(c.Iface), i), a, ""))
		}
	}
	return out
}

// sourceRouting: netifd's ip4table rules send everything from the tunnel
// addresses to the tunnel table, whose only non-default route is the
// tunnel itself. The rule before them keeps answers to LAN hosts (who
// reached the router's public address from inside) on the LAN.
func sourceRouting(n *uci.Package, c *client) []ownedSection {
	var out []ownedSection
	for i, a := range c.Conf.Addresses {
		typ := "rule"
		if a.Addr().Is6() {
			typ = "rule6"
		}
		out = append(out, ownedSection{pkg: n, typ: typ, name: fmt.Sprintf("%ssrc%d", clientPrefix(c.Iface), i+1),
			opts: []kv{opt("src", wg.Host(a.Addr()).String()), opt("lookup", "main"), opt("suppress_prefixlength", "0"), opt("priority", prioMain)}})
	}
	return out
}

func itoaOrEmpty(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

func prefixStrings(ps []netip.Prefix) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return out
}

func hasFamily(ps []netip.Prefix, v4 bool) bool {
	for _, p := range ps {
		if p.Addr().Is4() == v4 {
			return true
		}
	}
	return false
}
