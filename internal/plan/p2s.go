package plan

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/wgowrt/wgowrt/internal/wg"
	"github.com/wgowrt/wgowrt/uci"
)

// Point-to-site strategies decide how a peer (a laptop, a phone) reaches a
// LAN whose hosts know nothing about the tunnel. Per interface they are
// `server init --lan-access`; per peer they are set here and only ever add
// access (ACCEPT rules): a REJECT rule from lan towards the peer would come
// before fw4's "ct status dnat accept" and break port forwards to it. So
// per-peer control starts from an interface initialised with
// --lan-access none.

// Per-peer strategy values (besides wg.AccessMasquerade and
// wg.AccessRouted).
const (
	// StrategyDefault removes the peer's own strategy.
	StrategyDefault = "default"
)

// p2s section roles, suffixes of the peer's section name.
const (
	p2sIn   = "p2s_in"   // rule vpn -> lan from the peer
	p2sOut  = "p2s_out"  // rule lan -> vpn to the peer (routed)
	p2sNat  = "p2s_nat"  // nat on lan egress: MASQUERADE, or ACCEPT to exempt a routed peer
	p2sNat6 = "p2s_nat6" // the same for the peer's IPv6 address
)

// AccessIntent is `wgowrt access PEER STRATEGY`.
type AccessIntent struct {
	Iface, Peer, Strategy string
}

// AccessResult is a planned strategy change and what the peer's own
// config must route into the tunnel for it to work.
type AccessResult struct {
	*Result
	// AllowedIPs are what the point must send through the tunnel.
	AllowedIPs []netip.Prefix
}

// PeerAccess plans `wgowrt access`.
func PeerAccess(cur State, in AccessIntent) (*AccessResult, error) {
	switch in.Strategy {
	case wg.AccessMasquerade, wg.AccessRouted, StrategyDefault:
	default:
		return nil, fmt.Errorf("strategy %q is not masquerade, routed or default (for port forwarding use 'wgowrt expose')", in.Strategy)
	}
	srv, err := ReadServer(cur, in.Iface)
	if err != nil {
		return nil, err
	}
	p, err := findOwnedPeer(cur, in.Iface, in.Peer)
	if err != nil {
		return nil, err
	}
	if _, ok := FindSite(cur, in.Iface, in.Peer); ok {
		return nil, fmt.Errorf("%s is a site: its LAN traffic is routed both ways already (see 'wgowrt site')", in.Peer)
	}
	r := &AccessResult{Result: &Result{State: cur.clone()}}
	addrs := p2sAddrs(srv, p)
	if len(addrs) == 0 {
		return nil, fmt.Errorf("peer %s has no tunnel address inside %s's subnets", in.Peer, in.Iface)
	}
	if err := writeAccess(r.Result, srv, p, in.Strategy, addrs); err != nil {
		return nil, err
	}
	r.AllowedIPs = p2sClientRoutes(r.State, srv)
	return r, nil
}

// p2sAddrs are the peer's own tunnel addresses (not subnets behind it).
func p2sAddrs(srv *Server, p Peer) []netip.Prefix {
	var out []netip.Prefix
	for _, a := range p.AllowedIPs {
		if q, err := wg.ParseAddrPrefix(a); err == nil && q.IsSingleIP() && srvContains(srv, q.Addr()) {
			out = append(out, q)
		}
	}
	return out
}

func only4(ps []netip.Prefix) []string {
	var out []string
	for _, p := range ps {
		if p.Addr().Is4() {
			out = append(out, p.String())
		}
	}
	return out
}

// writeAccess converges the peer's p2s sections to strategy.
func writeAccess(r *Result, srv *Server, p Peer, strategy string, addrs []netip.Prefix) error {
	fw := r.State.Firewall
	name := func(role string) string { return p.Section + "_" + role }
	if strategy == StrategyDefault {
		return p2sDrop(r, p.Section)
	}
	vpn, lan, err := siteZones(fw, srv.Iface)
	if err != nil {
		return err
	}
	all := siteCIDRs(addrs)
	src := all
	if err := ensure(fw, "rule", name(p2sIn), opt("name", "Allow-"+p.Name+"-to-lan"), opt("src", vpn), opt("dest", lan),
		list("src_ip", src...), opt("proto", "all"), opt("target", "ACCEPT")); err != nil {
		return err
	}
	if err := p2sOutRule(fw, name(p2sOut), p.Name, strategy, lan, vpn, all); err != nil {
		return err
	}
	if err := p2sNatSection(r, srv, p, name(p2sNat), strategy, lan); err != nil {
		return err
	}
	if err := p2sNat6Section(r, srv, p, name(p2sNat6), strategy, lan); err != nil {
		return err
	}
	if strategy == wg.AccessMasquerade && srv.Owned && srv.LanAccess == wg.AccessRouted {
		r.warnf("%s gives every peer routed LAN access (server init --lan-access routed): LAN hosts with a route can still reach %s; initialise it with --lan-access none to make per-peer strategies exclusive", srv.Iface, p.Name)
	}
	return r.State.Wgowrt.SetOption(p.Section, "lan_access", strategy)
}

func p2sOutRule(fw *uci.Package, sec, peer, strategy, lan, vpn string, addrs []string) error {
	if strategy != wg.AccessRouted {
		return drop(fw, sec)
	}
	return ensure(fw, "rule", sec, opt("name", "Allow-lan-to-"+peer), opt("src", lan), opt("dest", vpn),
		list("dest_ip", addrs...), opt("proto", "all"), opt("target", "ACCEPT"))
}

// p2sNatSection masquerades a masquerade peer towards the LAN; a routed
// peer gets a NAT ACCEPT placed before the interface's own masquerade, so
// that LAN hosts see its real address even on a masquerading interface.
func p2sNatSection(r *Result, srv *Server, p Peer, sec, strategy, lan string) error {
	fw := r.State.Firewall
	v4 := only4(p2sAddrs(srv, p))
	if len(v4) == 0 {
		return drop(fw, sec)
	}
	target, label := "MASQUERADE", "Masq-"
	if strategy == wg.AccessRouted {
		target, label = "ACCEPT", "No-masq-"
	}
	if err := ensure(fw, "nat", sec, opt("name", label+p.Name+"-to-lan"), opt("src", lan), opt("src_ip", v4[0]),
		opt("target", target), opt("proto", "all")); err != nil {
		return err
	}
	return p2sBefore(fw, sec, wg.FirewallSection(srv.Iface, wg.FwMasq))
}

// p2sNat6Section is p2sNatSection for the peer's IPv6 address: fw4
// masquerades IPv6 as well (family ipv6), and the interface's own masq6
// must not catch a routed peer.
func p2sNat6Section(r *Result, srv *Server, p Peer, sec, strategy, lan string) error {
	fw := r.State.Firewall
	var v6 []string
	for _, a := range p2sAddrs(srv, p) {
		if a.Addr().Is6() {
			v6 = append(v6, a.String())
		}
	}
	if len(v6) == 0 {
		return drop(fw, sec)
	}
	target, label := "MASQUERADE", "Masq6-"
	if strategy == wg.AccessRouted {
		if fw.Section(wg.FirewallSection(srv.Iface, wg.FwMasq6)) == nil {
			return drop(fw, sec)
		}
		target, label = "ACCEPT", "No-masq6-"
	}
	if err := ensure(fw, "nat", sec, opt("name", label+p.Name+"-to-lan"), opt("family", "ipv6"), opt("src", lan),
		opt("src_ip", v6[0]), opt("target", target), opt("proto", "all")); err != nil {
		return err
	}
	return p2sBefore(fw, sec, wg.FirewallSection(srv.Iface, wg.FwMasq6))
}

// p2sBefore moves section sec in front of section other when other comes
// first; fw4 renders nat sections in file order and stops at the first
// verdict.
func p2sBefore(fw *uci.Package, sec, other string) error {
	i, j := -1, -1
	for k, s := range fw.Sections {
		switch s.Name {
		case sec:
			i = k
		case other:
			j = k
		}
	}
	if i < 0 || j < 0 || i < j {
		return nil
	}
	fw.Reorder(fw.Sections[i], j)
	return nil
}

// p2sDrop removes a peer's strategy sections and the note of it.
func p2sDrop(r *Result, sec string) error {
	for _, role := range []string{p2sIn, p2sOut, p2sNat, p2sNat6} {
		if err := drop(r.State.Firewall, sec+"_"+role); err != nil {
			return err
		}
	}
	if m := r.State.Wgowrt.Section(sec); m != nil {
		return r.State.Wgowrt.SetOption(sec, "lan_access", "")
	}
	return nil
}

// p2sClientRoutes is what a point needs in its AllowedIPs to reach the
// LAN: the tunnel subnets and the LAN subnets.
func p2sClientRoutes(st State, srv *Server) []netip.Prefix {
	var out []netip.Prefix
	for _, a := range srv.Addresses {
		out = append(out, a.Masked())
	}
	return append(out, lanSubnets(st)...)
}

// PeerStrategy is the per-peer strategy noted for the peer's section, ""
// when it follows the interface.
func PeerStrategy(st State, sec string) string {
	return get(st.Wgowrt.Section(sec), "lan_access")
}

// DropPeerExtras removes the firewall sections the site and point-to-site
// commands made for a peer section of iface (site rules, strategy rules,
// port forwards) once the peer itself is gone, so that a
// removed peer's address does not keep its access for whoever gets it
// next.
func DropPeerExtras(r *Result, iface, sec string) error {
	if err := p2sDrop(r, sec); err != nil {
		return err
	}
	names := []string{siteRule(sec, siteIn), siteRule(sec, siteOut)}
	for _, s := range r.State.Firewall.Sections {
		if isExposeOf(sec, s.Name) {
			names = append(names, s.Name)
		}
	}
	for _, n := range names {
		if err := drop(r.State.Firewall, n); err != nil {
			return err
		}
	}
	return convergeSiteFirewall(r, iface)
}

// renamePeerExtras moves a peer's access rules and port forwards to the
// peer's new section name, so that a later remove still finds them. Their
// match (the peer's address) is unchanged; their display names (what fw4
// and LuCI show) follow the new peer name, unless a user changed them.
func renamePeerExtras(r *Result, from, to, old, name string) error {
	fw := r.State.Firewall
	var names []string
	for _, role := range []string{p2sIn, p2sOut, p2sNat, p2sNat6, siteIn, siteOut} {
		names = append(names, from+"_"+role)
	}
	for _, s := range fw.Sections {
		if isExposeOf(from, s.Name) {
			names = append(names, s.Name)
		}
	}
	for _, n := range names {
		s := fw.Section(n)
		if s == nil {
			continue
		}
		if l := get(s, "name"); relabel(l, old, name) != l {
			if err := fw.SetOption(n, "name", relabel(l, old, name)); err != nil {
				return err
			}
		}
		if err := renameSection(fw, n, to+strings.TrimPrefix(n, from)); err != nil {
			return err
		}
	}
	return nil
}

// peerLabelPrefixes start the display names wgowrt gives a peer's rules,
// longest first: "Allow-lan-to-site-NAME", "Expose-NAME-tcp-8080", ...
var peerLabelPrefixes = []string{"Allow-lan-to-site-", "Allow-site-", "Allow-lan-to-", "Allow-", "No-masq6-", "No-masq-", "Masq6-", "Masq-", "Expose-"}

// relabel puts name in place of old in a display name wgowrt made;
// a name it did not make comes back unchanged.
func relabel(label, old, name string) string {
	for _, p := range peerLabelPrefixes {
		rest, ok := strings.CutPrefix(label, p+old)
		if ok && (rest == "" || rest[0] == '-') {
			return p + name + rest
		}
	}
	return label
}
