package plan

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/wgowrt/wgowrt/internal/wg"
	"github.com/wgowrt/wgowrt/uci"
)

// Site traffic is let through by rules scoped to the remote subnets rather
// than by zone forwardings, so it passes whatever --lan-access the
// interface gives its road-warrior peers, and is never masqueraded (the
// server's masquerade only matches the tunnel subnet).

// Roles of a site's firewall rules (suffixes of its peer section name).
const (
	siteIn  = "site_in"  // rule vpn -> lan from the remote subnets
	siteOut = "site_out" // rule lan -> vpn to the remote subnets
)

// siteRule names a site's rule for role.
func siteRule(sec, role string) string { return sec + "_" + role }

// siteRelayRule names the rule letting sites reach each other through this
// router when it is a hub.
func siteRelayRule(iface string) string { return wg.FirewallSection(iface, "sites") }

// convergeSiteFirewall makes the rules of every site of iface match the
// sites, and adds the hub rule when two or more sites meet here. Sites
// adopted with a hand-made firewall get no rules: theirs are the user's.
func convergeSiteFirewall(r *Result, iface string) error {
	fw := r.State.Firewall
	var sites []Site
	for _, s := range ReadSites(r.State, iface) {
		if !s.HandFirewall {
			sites = append(sites, s)
		}
	}
	if len(sites) == 0 {
		return drop(fw, siteRelayRule(iface))
	}
	vpn, lan, err := siteZones(fw, iface)
	if err != nil {
		return err
	}
	var all []string
	for _, s := range sites {
		nets := siteCIDRs(s.Remote)
		all = append(all, nets...)
		if err := ensure(fw, "rule", siteRule(s.Section, siteIn), opt("name", "Allow-site-"+s.Name+"-to-lan"),
			opt("src", vpn), opt("dest", lan), list("src_ip", nets...), opt("proto", "all"), opt("target", "ACCEPT")); err != nil {
			return err
		}
		if err := ensure(fw, "rule", siteRule(s.Section, siteOut), opt("name", "Allow-lan-to-site-"+s.Name),
			opt("src", lan), opt("dest", vpn), list("dest_ip", nets...), opt("proto", "all"), opt("target", "ACCEPT")); err != nil {
			return err
		}
	}
	if len(sites) < 2 {
		return drop(fw, siteRelayRule(iface))
	}
	// A hub forwards from the tunnel back into the tunnel; fw4 decides
	// that by the vpn zone's own forward policy unless a rule says so.
	return ensure(fw, "rule", siteRelayRule(iface), opt("name", "Allow-sites-via-"+iface), opt("src", vpn), opt("dest", vpn),
		list("src_ip", all...), list("dest_ip", all...), opt("proto", "all"), opt("target", "ACCEPT"))
}

// siteZones returns the names of the zone holding iface and of the lan
// zone.
func siteZones(fw *uci.Package, iface string) (vpn, lan string, err error) {
	z := zoneOfNetwork(fw, iface)
	if z == nil {
		return "", "", fmt.Errorf("%s is in no firewall zone; run 'wgowrt server init --iface %s' first", iface, iface)
	}
	l := findZone(fw, "lan")
	if l == nil {
		return "", "", fmt.Errorf("no firewall zone for lan (a zone named lan or holding network lan): site traffic has nowhere to go")
	}
	return get(z, "name"), get(l, "name"), nil
}

func siteCIDRs(ps []netip.Prefix) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return out
}

// siteUsed is what on this router a site's subnets must not overlap, in
// the order a refusal names it, ignoring section skip (the site being
// re-added): interface addresses, static routes, other peers' allowed IPs,
// and the running router's addresses and routes (not those of iface,
// which the files describe).
func siteUsed(st State, skip, iface string) []labelled {
	var out []labelled
	add := func(p netip.Prefix, label string) {
		if siteWide(p) {
			out = append(out, labelled{p.Masked(), label})
		}
	}
	for _, s := range st.Network.Sections {
		if s.Name == skip {
			continue
		}
		switch {
		case s.Type == "interface":
			for _, a := range interfaceAddrs(s) {
				add(a, fmt.Sprintf("%s of interface %s", a.Masked(), s.Name))
			}
		case s.Type == "route" || s.Type == "route6":
			if t, ok := routeTarget(get(s, "target"), get(s, "netmask")); ok {
				add(t, fmt.Sprintf("the static route %s", t.Masked()))
			}
		case strings.HasPrefix(s.Type, "wireguard_"):
			for _, a := range listOf(s, "allowed_ips") {
				if q, err := wg.ParseAddrPrefix(a); err == nil {
					add(q, fmt.Sprintf("%s routed to peer %s", q.Masked(), sitePeerLabel(s)))
				}
			}
		}
	}
	return append(out, liveUsed(st, func(n string) bool { return n == iface })...)
}

// siteWide is false for default routes and the like, which overlap everything
// (see minUsedBits4).
func siteWide(p netip.Prefix) bool {
	return !(p.Addr().Is4() && p.Bits() < minUsedBits4 || p.Addr().Is6() && p.Bits() < minUsedBits6)
}

func sitePeerLabel(s *uci.Section) string {
	if d := get(s, "description"); d != "" {
		return d
	}
	return s.Name
}
