package plan

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"

	"github.com/wgowrt/wgowrt/internal/wg"
	"github.com/wgowrt/wgowrt/uci"
)

// A site is a peer that is a whole network: another router whose LAN is
// routed through the tunnel without NAT, both routers listening and either
// one initiating. It is an ordinary wireguard_<iface> peer section (so
// LuCI, netifd and `peer list` see it) plus a wgowrt.<section> of type
// site remembering what `site invite` needs.

// TypeSite is the wgowrt section type of a site-to-site link.
const TypeSite = "site"

// FirewallAdopted marks a site whose firewall is the hand-made one it was
// adopted with (wgowrt.<section>.firewall).
const FirewallAdopted = "adopted"

// LocalAuto is --local-subnet auto: the subnets of the lan zone.
const LocalAuto = "auto"

// SiteIntent is `wgowrt site add`. Nil pointers keep what an existing site
// has (or take the default for a new one).
type SiteIntent struct {
	Iface, Name string
	Endpoint    *wg.Endpoint
	PublicKey   wg.Key
	// Remote are the other site's subnets (its LAN, and for a hub the
	// LANs of the sites behind it).
	Remote []string
	// Local are this site's subnets as announced to the other side:
	// CIDRs, or empty / "auto" for the lan zone's subnets.
	Local []string
	// PSK replaces the preshared key (read from a file).
	PSK *wg.Key
	// NewPSK is used only when the site has no preshared key yet (--psk).
	NewPSK    *wg.Key
	Keepalive *int
	// AllowLockout routes subnets holding the address of the SSH session
	// running the command (--allow-lockout).
	AllowLockout bool
}

// Site is a site-to-site link as configured.
type Site struct {
	Name, Section, Iface string
	PublicKey            string
	Endpoint             string
	Remote               []netip.Prefix
	// Tunnel are the far router's own addresses in this interface's
	// subnets, which a site link made by hand (and adopted) may route
	// too; 'site set' keeps them. Sites wgowrt makes have none.
	Tunnel []netip.Prefix
	// HandFirewall is set for a site link adopted with its firewall made
	// by hand: wgowrt writes no firewall rules for it (wgowrt.<section>
	// option firewall 'adopted').
	HandFirewall bool
	// Local is what was given (CIDRs or "auto").
	Local     []string
	Keepalive int
	PSK       *wg.Key
}

// ReadSites lists the sites of iface in file order.
func ReadSites(st State, iface string) []Site {
	var out []Site
	srv, _ := ReadServer(st, iface)
	for _, m := range st.Wgowrt.SectionsOfType(TypeSite) {
		n := st.Network.Section(m.Name)
		if get(m, "iface") != iface || n == nil || n.Type != wg.PeerType(iface) {
			continue
		}
		p := readPeer(st, iface, n)
		s := Site{Name: p.Name, Section: m.Name, Iface: iface, PublicKey: p.PublicKey, Endpoint: p.Endpoint,
			Local: listOf(m, "local_subnet"), PSK: p.PSK, HandFirewall: get(m, "firewall") == FirewallAdopted}
		s.Keepalive, _ = strconv.Atoi(get(n, "persistent_keepalive"))
		tunnel, remote := []string(nil), p.AllowedIPs
		if srv != nil {
			tunnel, remote = peerOwnAddrs(srv, p)
		}
		s.Tunnel, s.Remote = masked(tunnel), masked(remote)
		out = append(out, s)
	}
	return out
}

func masked(in []string) []netip.Prefix {
	var out []netip.Prefix
	for _, a := range in {
		if q, err := wg.ParseAddrPrefix(a); err == nil {
			out = append(out, q.Masked())
		}
	}
	return out
}

// FindSite returns the site of iface called name.
func FindSite(st State, iface, name string) (Site, bool) {
	for _, s := range ReadSites(st, iface) {
		if s.Name == name {
			return s, true
		}
	}
	return Site{}, false
}

// SiteAdd plans `site add`: it creates the site, or converges an existing
// one to the given settings (so the command printed by `site invite` can be
// run again after the hub learnt of another site).
func SiteAdd(cur State, in SiteIntent) (*Result, error) {
	if err := wg.ValidatePeerName(in.Name); err != nil {
		return nil, err
	}
	srv, err := ReadServer(cur, in.Iface)
	if err != nil {
		return nil, err
	}
	if err := ownable(in.Iface); err != nil {
		return nil, err
	}
	sec := wg.PeerSection(in.Iface, in.Name)
	old, err := existingSite(cur, in, sec)
	if err != nil {
		return nil, err
	}
	local, err := localSubnets(cur, in.Local)
	if err != nil {
		return nil, err
	}
	r := &Result{State: cur.clone()}
	remote, err := remoteSubnets(r, in, sec, local)
	if err != nil {
		return nil, err
	}
	if err := siteKeyFree(cur, srv, sec, in.PublicKey); err != nil {
		return nil, err
	}
	if err := writeSite(r, srv, in, old, sec, remote); err != nil {
		return nil, err
	}
	handFirewallNote(r, in.Name, old, remote)
	return r, convergeSiteFirewall(r, in.Iface)
}

// existingSite returns the site being re-added, nil for a new one, and an
// error when the name belongs to a peer that is not a site.
func existingSite(st State, in SiteIntent, sec string) (*Site, error) {
	if s, ok := FindSite(st, in.Iface, in.Name); ok {
		return &s, nil
	}
	if p, ok := FindPeer(st, in.Iface, in.Name); ok {
		return nil, fmt.Errorf("a peer called %q already exists on %s (section %s) and is not a site; choose another name", in.Name, in.Iface, p.Section)
	}
	if st.Network.Section(sec) != nil || st.Wgowrt.Section(sec) != nil || st.Firewall.Section(sec) != nil {
		return nil, fmt.Errorf("site name %q clashes with the existing section %s (- and _ map to the same name); choose another name", in.Name, sec)
	}
	return nil, nil
}

// localSubnets resolves --local-subnet: explicit CIDRs, or the lan zone's
// subnets for auto. A WireGuard interface's tunnel subnet is no LAN, even
// when a hand-made setup put the interface into the lan zone.
func localSubnets(st State, given []string) ([]netip.Prefix, error) {
	if len(given) == 0 || len(given) == 1 && given[0] == LocalAuto {
		tunnels := map[netip.Prefix]bool{}
		for _, s := range st.Network.SectionsOfType("interface") {
			if get(s, "proto") == "wireguard" {
				for _, a := range interfaceAddrs(s) {
					tunnels[a.Masked()] = true
				}
			}
		}
		var out []netip.Prefix
		for _, p := range lanSubnets(st) {
			if !tunnels[p] {
				out = append(out, p)
			}
		}
		if len(out) == 0 {
			return nil, fmt.Errorf("no LAN subnet found (no addressed interface in the lan zone); give this site's subnets with --local-subnet CIDR")
		}
		return out, nil
	}
	var out []netip.Prefix
	for _, g := range given {
		p, err := wg.ParsePrefix(g)
		if err != nil || p.Bits() == 0 {
			return nil, fmt.Errorf("--local-subnet %q is not auto or a CIDR such as 192.168.1.0/24", g)
		}
		out = append(out, p)
	}
	return out, nil
}

// remoteSubnets validates --remote-subnet: CIDRs that overlap neither this
// site's own subnets nor anything else the router uses, ignoring what the
// site being re-added already routes, nor carry the admin's own session.
func remoteSubnets(r *Result, in SiteIntent, sec string, local []netip.Prefix) ([]netip.Prefix, error) {
	if len(in.Remote) == 0 {
		return nil, fmt.Errorf("site add needs at least one --remote-subnet CIDR (the other site's LAN)")
	}
	given := make([]netip.Prefix, len(in.Remote))
	for i, g := range in.Remote {
		given[i], _ = wg.ParsePrefix(g)
	}
	used := newUsedIndex(siteUsed(r.State, sec, in.Iface))
	earlier := wg.NewPrefixSet(given)
	liveNote(r)
	for i, g := range in.Remote {
		p, err := wg.ParsePrefix(g)
		if err != nil {
			return nil, fmt.Errorf("--remote-subnet %q is not a CIDR (e.g. 192.168.2.0/24)", g)
		}
		if p.Bits() == 0 {
			return nil, fmt.Errorf("--remote-subnet %s would send all traffic to the other site; give its LAN subnets instead", p)
		}
		for _, l := range local {
			if l.Overlaps(p) {
				return nil, fmt.Errorf("--remote-subnet %s overlaps the local subnet %s: the two sites need different subnets (renumber one LAN)", p, l)
			}
		}
		if u, ok := used.overlaps(p); ok {
			return nil, fmt.Errorf("--remote-subnet %s overlaps %s", p, u)
		}
		if j, ok := firstBefore(earlier, i, p); ok {
			return nil, fmt.Errorf("--remote-subnet %s overlaps --remote-subnet %s given before", p, given[j])
		}
		if err := tunnelRoute(r, "--remote-subnet", p, in.AllowLockout); err != nil {
			return nil, err
		}
	}
	return given, nil
}

// siteKeyFree refuses a key that another peer, or this router itself, has.
func siteKeyFree(st State, srv *Server, sec string, pub wg.Key) error {
	if pub.IsZero() {
		return fmt.Errorf("site add needs --public-key KEY (the other router's, see 'wgowrt server show' there)")
	}
	if srv.PrivateKey != nil && srv.PublicKey() == pub {
		return fmt.Errorf("--public-key is this router's own key (%s); give the other router's", srv.Iface)
	}
	if ref := keyInUse(st, pub); ref != "" && ref != sec {
		return fmt.Errorf("--public-key is already used by peer %s; each router needs its own key pair", ref)
	}
	return nil
}

// writeSite converges the peer section and wgowrt's notes about the site.
func writeSite(r *Result, srv *Server, in SiteIntent, old *Site, sec string, remote []netip.Prefix) error {
	n := r.State.Network
	if err := ensure(n, wg.PeerType(in.Iface), sec, opt("description", in.Name), opt("public_key", in.PublicKey.String())); err != nil {
		return err
	}
	if psk := sitePSK(in, old); psk != nil {
		if err := n.SetOption(sec, "preshared_key", psk.String()); err != nil {
			return err
		}
	}
	opts := []kv{list("allowed_ips", siteAllowed(n.Section(sec), old, remote)...), opt("route_allowed_ips", "1")}
	opts = append(opts, siteEndpoint(r, in, old)...)
	opts = append(opts, opt("persistent_keepalive", siteKeepalive(in, old)))
	if err := ensure(n, wg.PeerType(in.Iface), sec, opts...); err != nil {
		return err
	}
	if srv.Port == 0 {
		r.warnf("%s has no listen_port: %s cannot initiate the tunnel (set one with 'wgowrt server init --port')", in.Iface, in.Name)
	}
	local := in.Local
	if len(local) == 0 {
		local = []string{LocalAuto}
	}
	return ensure(r.State.Wgowrt, TypeSite, sec, opt("iface", in.Iface), list("local_subnet", local...))
}

// handFirewallNote warns that a site adopted with its hand-made firewall
// gets no rule for a subnet it did not route before.
func handFirewallNote(r *Result, name string, old *Site, remote []netip.Prefix) {
	if old == nil || !old.HandFirewall {
		return
	}
	for _, p := range remote {
		if !slices.Contains(old.Remote, p) {
			r.warnf("site %s keeps the firewall it was adopted with: wgowrt adds no rule for %s; let it through in /etc/config/firewall unless its zone already does", name, p)
		}
	}
}

// siteAllowed is a site's allowed IPs: the far router's tunnel addresses
// (an adopted site link's, kept), then the remote subnets; in the order
// the section has them when they are the same.
func siteAllowed(sec *uci.Section, old *Site, remote []netip.Prefix) []string {
	var out []string
	if old != nil {
		out = siteCIDRs(old.Tunnel)
	}
	out = append(out, siteCIDRs(remote)...)
	var cur []string
	if sec != nil {
		cur = listOf(sec, "allowed_ips")
	}
	a, b := slices.Clone(cur), slices.Clone(out)
	slices.Sort(a)
	slices.Sort(b)
	if slices.Equal(a, b) {
		return cur
	}
	return out
}

func sitePSK(in SiteIntent, old *Site) *wg.Key {
	switch {
	case in.PSK != nil:
		return in.PSK
	case old != nil && old.PSK != nil:
		return nil // kept as it is
	}
	return in.NewPSK
}

// siteEndpoint sets endpoint_host/port; without --endpoint an existing
// site keeps its own, and a new one can only be reached, not initiate.
func siteEndpoint(r *Result, in SiteIntent, old *Site) []kv {
	if in.Endpoint == nil {
		if old == nil || old.Endpoint == "" {
			r.warnf("no --endpoint for site %s: only the other router can start the tunnel", in.Name)
		}
		return nil
	}
	return []kv{opt("endpoint_host", in.Endpoint.Host), opt("endpoint_port", strconv.Itoa(pick(in.Endpoint.Port, DefaultPort)))}
}

// siteKeepalive keeps NAT mappings on both paths open so that either end
// can reach the other at any time; "" (0) removes the option.
func siteKeepalive(in SiteIntent, old *Site) string {
	k := DefaultKeepalive
	switch {
	case in.Keepalive != nil:
		k = *in.Keepalive
	case old != nil:
		k = old.Keepalive
	}
	if k == 0 {
		return ""
	}
	return strconv.Itoa(k)
}

// SiteRemove plans `site remove`: the peer section, wgowrt's notes and the
// site's firewall rules go; removing a site that is not there changes
// nothing.
func SiteRemove(cur State, iface, name string) (*Result, error) {
	if _, err := ReadServer(cur, iface); err != nil {
		return nil, err
	}
	r := &Result{State: cur.clone()}
	s, ok := FindSite(cur, iface, name)
	if !ok {
		r.notef("no site %s on %s: nothing to remove", name, iface)
		return r, nil
	}
	fw := r.State.Firewall
	for _, err := range []error{drop(r.State.Network, s.Section), drop(r.State.Wgowrt, s.Section),
		drop(fw, siteRule(s.Section, siteIn)), drop(fw, siteRule(s.Section, siteOut))} {
		if err != nil {
			return nil, err
		}
	}
	return r, convergeSiteFirewall(r, iface)
}

// SiteSet plans `site set`: an existing site's settings change, those not
// given (a zero PublicKey, no Remote, no Local) stay as they are.
func SiteSet(cur State, in SiteIntent) (*Result, error) {
	if _, err := ReadServer(cur, in.Iface); err != nil {
		return nil, err
	}
	old, ok := FindSite(cur, in.Iface, in.Name)
	if !ok {
		return nil, fmt.Errorf("no site %q on %s (see 'wgowrt site list --iface %s'); create it with 'wgowrt site add'", in.Name, in.Iface, in.Iface)
	}
	if in.PublicKey == (wg.Key{}) {
		k, err := wg.ParseKey(old.PublicKey)
		if err != nil {
			return nil, fmt.Errorf("site %s has no usable public key; give --public-key", in.Name)
		}
		in.PublicKey = k
	}
	if len(in.Remote) == 0 {
		for _, p := range old.Remote {
			in.Remote = append(in.Remote, p.String())
		}
	}
	if len(in.Local) == 0 {
		in.Local = old.Local
	}
	return SiteAdd(cur, in)
}
