package plan

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/wgowrt/wgowrt/internal/wg"
	"github.com/wgowrt/wgowrt/uci"
)

// AdoptIntent is `adopt IFACE`: take over a WireGuard interface made in
// LuCI or by the wiki's scripts.
type AdoptIntent struct {
	Iface string
	// Endpoint is what peers' configs name to reach this router (nil:
	// none known yet; a warning says so).
	Endpoint *wg.Endpoint
}

// Adopted is what adopt found.
type Adopted struct {
	Role  string
	Zone  string
	Peers int
	// Renamed maps a peer's old section reference to its wgowrt name.
	Renamed map[string]string
	// Sites are the peers recorded as site links (by name).
	Sites []string
	// PortRule names the hand-made rule that opens the listen port and
	// is recorded as part of the server (see adopt_rule.go).
	PortRule string
}

// AdoptResult is a planned adoption.
type AdoptResult struct {
	*Result
	Found Adopted
}

// Adopt plans `adopt`: wgowrt's note for the interface (settings read
// from the firewall as it is) and each peer renamed to wgowrt's section
// name, keeping its name (description) or getting one. Nothing netifd
// or the device reads changes (keys, addresses, port, allowed IPs), the
// firewall is left as it is (a rule that only opens the listen port is
// recorded in the note), so the running tunnel is not touched.
func Adopt(cur State, in AdoptIntent) (*AdoptResult, error) {
	if err := ownable(in.Iface); err != nil {
		return nil, err
	}
	srv, err := ReadServer(cur, in.Iface)
	if err != nil {
		return nil, fmt.Errorf("no WireGuard interface %q in /etc/config/network to adopt (see 'uci show network')", in.Iface)
	}
	if m := cur.Wgowrt.Section(in.Iface); m != nil && m.Type != wg.TypeServer {
		return nil, fmt.Errorf("%s is already managed by wgowrt as a %s", in.Iface, m.Type)
	}
	r := &AdoptResult{Result: &Result{State: cur.clone()}, Found: Adopted{Role: "server", Zone: srv.Zone, Renamed: map[string]string{}}}
	if role := adoptRole(cur, in.Iface); role != "server" {
		return nil, fmt.Errorf("%s looks like %s; wgowrt adopts servers and site links (roaming peers, or peers with subnets behind them); manage it with LuCI, or re-create it with 'wgowrt client import'", in.Iface, role)
	}
	if err := adoptMeta(r, srv, in); err != nil {
		return nil, err
	}
	if err := adoptPeers(r, in.Iface); err != nil {
		return nil, err
	}
	if err := adoptSites(r, srv, in.Iface); err != nil {
		return nil, err
	}
	if err := adoptPortRule(r, in.Iface, srv.Port); err != nil {
		return nil, err
	}
	if srv.Zone == "" {
		r.warnf("%s is in no firewall zone: its peers reach nothing; 'wgowrt server init --iface %s' adds wgowrt's zone", in.Iface, in.Iface)
	}
	return r, nil
}

// adoptRole tells a client of one provider (a peer routing everything,
// with an endpoint) from a server or a site link.
func adoptRole(st State, iface string) string {
	peers := ReadPeers(st, iface)
	for _, p := range peers {
		for _, a := range p.AllowedIPs {
			if (a == "0.0.0.0/0" || a == "::/0") && p.Endpoint != "" {
				return fmt.Sprintf("a client of %s (peer %s routes %s)", p.Endpoint, p.Name, a)
			}
		}
	}
	return "server"
}

// adoptMeta writes wgowrt's note of the server, read from what the
// firewall does today, and marks its firewall as hand-made (firewall
// 'adopted', see adopt_policy.go) so a later `server init` keeps it.
func adoptMeta(r *AdoptResult, srv *Server, in AdoptIntent) error {
	w := r.State.Wgowrt
	if w.Section(in.Iface) != nil {
		if in.Endpoint != nil {
			return setIfDiffers(r.Result, in.Iface, "endpoint", in.Endpoint.String())
		}
		return nil
	}
	fw := r.State.Firewall
	z := zoneOfNetwork(fw, in.Iface)
	lan, wan := lanZoneName(fw), "wan"
	if wz := findZone(fw, "wan"); wz != nil {
		wan = get(wz, "name")
	}
	s := Server{LanAccess: wg.AccessNone, RouterAccess: wg.RouterNone}
	if z != nil {
		zone := get(z, "name")
		if zone == lan || forwards(fw, zone, lan) {
			s.LanAccess = wg.AccessRouted
		}
		s.Internet = forwards(fw, zone, wan)
		s.ClientToClient = strings.EqualFold(get(z, "forward"), "ACCEPT")
		if strings.EqualFold(get(z, "input"), "ACCEPT") {
			s.RouterAccess = wg.RouterAll
		}
	}
	if in.Endpoint != nil {
		s.Endpoint = *in.Endpoint
	} else {
		r.warnf("no --endpoint: configs of new peers will lack 'Endpoint = HOST:%d'; adopt again with --endpoint HOST", srv.Port)
	}
	if err := writeMeta(w, in.Iface, s); err != nil || z == nil {
		return err
	}
	return w.SetOption(in.Iface, optFirewall, FirewallAdopted)
}

// forwards reports a forwarding src -> dest.
func forwards(fw *uci.Package, src, dest string) bool {
	for _, f := range fw.SectionsOfType("forwarding") {
		if get(f, "src") == src && get(f, "dest") == dest && !truthy(get(f, "disabled")) {
			return true
		}
	}
	return false
}

// adoptPeers gives every peer wgowrt's section name; its description is
// its name when usable, else one is made from it (or "peer<N>").
func adoptPeers(r *AdoptResult, iface string) error {
	n := r.State.Network
	taken := map[string]bool{}
	for _, p := range ReadPeers(r.State, iface) {
		if p.Owned {
			taken[p.Name] = true
		}
	}
	for i, s := range append([]*uci.Section(nil), n.SectionsOfType(wg.PeerType(iface))...) {
		r.Found.Peers++
		if !s.Anonymous && wg.OwnsPeerSection(iface, s.Name) {
			continue
		}
		ref := n.SectionRef(s)
		name := peerNameFor(s, i+1, taken)
		taken[name] = true
		sec := wg.PeerSection(iface, name)
		if err := renameSection(n, s.Name, sec); err != nil {
			return err
		}
		if get(s, "description") != name {
			if err := n.SetOption(sec, "description", name); err != nil {
				return err
			}
		}
		r.Found.Renamed[ref] = name
		r.infof("peer network.%s is now %s (network.%s)", ref, name, sec)
	}
	return nil
}

// peerNameFor makes a usable, unused peer name from a section's
// description or name.
func peerNameFor(s *uci.Section, n int, taken map[string]bool) string {
	base := ""
	for _, c := range []string{get(s, "description"), s.Name} {
		if c == "" || c == s.Name && s.Anonymous {
			continue
		}
		if base = sanitizePeerName(c); base != "" {
			break
		}
	}
	if base == "" {
		base = "peer" + strconv.Itoa(n)
	}
	name := base
	for i := 2; taken[name]; i++ {
		name = base + "-" + strconv.Itoa(i)
	}
	return name
}

// sanitizePeerName maps a description such as "Bob's phone" onto
// wgowrt's peer names ("Bob-s-phone").
func sanitizePeerName(d string) string {
	b := []byte(d)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			b[i] = '-'
		}
	}
	s := strings.Trim(string(b), "-")
	if len(s) > wg.MaxPeerName {
		s = s[:wg.MaxPeerName]
	}
	if wg.ValidatePeerName(s) != nil {
		return ""
	}
	return s
}

// adoptSites records each peer shaped like a site link made by hand — a
// fixed endpoint and subnets behind it that netifd routes
// (route_allowed_ips) — as a site, with the notes 'site add' writes
// (local subnets: auto, the lan zone's), so 'site set', 'site invite' and
// 'site remove' work on it. Its peer section stays as it is, and its
// firewall stays the hand-made one (firewall 'adopted': wgowrt adds no
// rules for it, not even on 'site set'). A peer wgowrt already keeps
// notes about is left alone.
func adoptSites(r *AdoptResult, srv *Server, iface string) error {
	w := r.State.Wgowrt
	for _, p := range ReadPeers(r.State, iface) {
		_, routes := peerOwnAddrs(srv, p)
		if !p.Owned || w.Section(p.Section) != nil || p.Endpoint == "" || !p.Routes || len(routes) == 0 {
			continue
		}
		if err := ensure(w, TypeSite, p.Section, opt("iface", iface), list("local_subnet", LocalAuto), opt("firewall", FirewallAdopted)); err != nil {
			return err
		}
		r.Found.Sites = append(r.Found.Sites, p.Name)
		r.infof("peer %s is a site link (%s behind %s): 'wgowrt site set %s' changes it", p.Name, strings.Join(routes, ", "), p.Endpoint, p.Name)
	}
	return nil
}
