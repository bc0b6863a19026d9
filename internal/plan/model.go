package plan

import (
	"fmt"
	"net/netip"
	"strconv"

	"github.com/wgowrt/wgowrt/internal/wg"
	"github.com/wgowrt/wgowrt/uci"
)

// Server is a WireGuard interface as configured.
type Server struct {
	Iface string
	// Owned is true when wgowrt created it (it has a wgowrt.<iface> server
	// section).
	Owned      bool
	PrivateKey *wg.Key
	Port       int
	// Addresses are the interface's own addresses with their prefix
	// lengths (e.g. 10.8.0.1/24).
	Addresses []netip.Prefix
	Endpoint  wg.Endpoint
	LanAccess string
	// RouterAccess is what was asked for (all, dns, none), "" when it
	// follows LanAccess (see EffectiveRouterAccess).
	RouterAccess   string
	Internet       bool
	ClientToClient bool
	// Zone is the name of the firewall zone holding the interface.
	Zone string
	// HandFirewall: the firewall policy is the hand-made one adopt found
	// (note option firewall 'adopted', see adopt_policy.go).
	HandFirewall bool
}

// PublicKey returns the server's public key, or the zero key when the
// private key is missing or not yet generated.
func (s *Server) PublicKey() wg.Key {
	if s.PrivateKey == nil {
		return wg.Key{}
	}
	return s.PrivateKey.PublicKey()
}

// EffectiveRouterAccess is the router access in force: as asked, else
// dns for a server whose peers have no LAN access (the guest-zone recipe:
// DNS, as their client configs point at the router, and nothing else),
// else all. A server wgowrt did not create is left as configured: all.
func (s *Server) EffectiveRouterAccess() string {
	switch {
	case s.RouterAccess != "":
		return s.RouterAccess
	case s.LanAccess == wg.AccessNone:
		return wg.RouterDNS
	}
	return wg.RouterAll
}

// Subnet returns the server's subnet of the address family of v4.
func (s *Server) Subnet(v4 bool) (netip.Prefix, bool) {
	for _, a := range s.Addresses {
		if a.Addr().Is4() == v4 {
			return a.Masked(), true
		}
	}
	return netip.Prefix{}, false
}

// ReadServer reads the WireGuard interface iface. It fails when there is
// none.
func ReadServer(st State, iface string) (*Server, error) {
	sec := st.Network.Section(iface)
	if sec == nil || sec.Type != "interface" || get(sec, "proto") != "wireguard" {
		return nil, fmt.Errorf("no WireGuard interface %q in /etc/config/network; create it with 'wgowrt server init --iface %s'", iface, iface)
	}
	s := &Server{Iface: iface}
	if k, err := wg.ParseKey(get(sec, "private_key")); err == nil {
		s.PrivateKey = &k
	}
	s.Port, _ = strconv.Atoi(get(sec, "listen_port"))
	for _, a := range listOf(sec, "addresses") {
		if p, err := wg.ParseAddrPrefix(a); err == nil {
			s.Addresses = append(s.Addresses, p)
		}
	}
	if z := zoneOfNetwork(st.Firewall, iface); z != nil {
		s.Zone = get(z, "name")
	}
	meta := st.Wgowrt.Section(iface)
	if meta == nil || meta.Type != wg.TypeServer {
		return s, nil
	}
	s.Owned = true
	if e := get(meta, "endpoint"); e != "" {
		s.Endpoint, _ = wg.ParseEndpoint(e)
	}
	s.LanAccess = get(meta, "lan_access")
	s.RouterAccess = get(meta, "router_access")
	s.Internet = truthy(get(meta, "internet"))
	s.ClientToClient = truthy(get(meta, "client_to_client"))
	s.HandFirewall = get(meta, optFirewall) == FirewallAdopted
	return s, nil
}

// Peer is a peer section as configured.
type Peer struct {
	Section string
	// Name is the description, or the section name when there is none.
	Name        string
	Owned       bool
	PublicKey   string
	PrivateKey  *wg.Key
	HasPSK      bool
	PSK         *wg.Key
	AllowedIPs  []string
	Routes      bool
	Disabled    bool
	Endpoint    string
	Tunnel      string
	DNS         []string
	Keepalive   int
	KeepaliveOn bool
	// Expires is when the peer stops (RFC 3339, UTC; "" never), Expired
	// when the supervisor disabled it for that (see expiry.go).
	Expires, Expired string
}

// ReadPeers lists every peer section of iface, wgowrt's and others', in
// file order.
func ReadPeers(st State, iface string) []Peer {
	var out []Peer
	for _, s := range st.Network.SectionsOfType(wg.PeerType(iface)) {
		out = append(out, readPeer(st, iface, s))
	}
	return out
}

func readPeer(st State, iface string, s *uci.Section) Peer {
	p := Peer{Section: s.Name, Name: get(s, "description"), PublicKey: get(s, "public_key")}
	if p.Name == "" {
		p.Name = s.Name
	}
	p.Owned = !s.Anonymous && wg.OwnsPeerSection(iface, s.Name)
	if k, err := wg.ParseKey(get(s, "private_key")); err == nil {
		p.PrivateKey = &k
	}
	if k, err := wg.ParseKey(get(s, "preshared_key")); err == nil {
		p.HasPSK, p.PSK = true, &k
	}
	p.AllowedIPs = listOf(s, "allowed_ips")
	p.Routes = truthy(get(s, "route_allowed_ips"))
	p.Disabled = truthy(get(s, "disabled"))
	if h := get(s, "endpoint_host"); h != "" {
		p.Endpoint = wg.Endpoint{Host: h}.With(atoiDefault(get(s, "endpoint_port"), 51820))
	}
	if m := st.Wgowrt.Section(s.Name); m != nil && m.Type == wg.TypePeer {
		p.Tunnel = get(m, "tunnel")
		p.DNS = listOf(m, "dns")
		if v, ok := m.Get("keepalive"); ok {
			p.Keepalive, p.KeepaliveOn = atoiDefault(v, 0), true
		}
		p.Expires, p.Expired = get(m, OptExpires), get(m, OptExpired)
	}
	return p
}

func atoiDefault(s string, def int) int {
	if n, err := strconv.Atoi(s); err == nil {
		return n
	}
	return def
}

// FindPeer returns the peer of iface called name (by wgowrt's section name
// or by description).
func FindPeer(st State, iface, name string) (Peer, bool) {
	if s := st.Network.Section(wg.PeerSection(iface, name)); s != nil && s.Type == wg.PeerType(iface) && get(s, "description") == name {
		return readPeer(st, iface, s), true
	}
	for _, p := range ReadPeers(st, iface) {
		if p.Name == name {
			return p, true
		}
	}
	return Peer{}, false
}

// findOwnedPeer is FindPeer for commands that edit: the peer must exist
// and be wgowrt's.
func findOwnedPeer(st State, iface, name string) (Peer, error) {
	p, ok := FindPeer(st, iface, name)
	if !ok {
		return Peer{}, fmt.Errorf("no peer %q on %s (see 'wgowrt peer list --iface %s')", name, iface, iface)
	}
	if !p.Owned {
		return Peer{}, fmt.Errorf("peer %q on %s was not created by wgowrt (section %s); edit it with LuCI or uci", name, iface, p.Section)
	}
	return p, nil
}

// Servers lists the WireGuard interfaces wgowrt created.
func Servers(st State) []string {
	var out []string
	for _, s := range st.Wgowrt.SectionsOfType(wg.TypeServer) {
		if n := st.Network.Section(s.Name); n != nil && get(n, "proto") == "wireguard" {
			out = append(out, s.Name)
		}
	}
	return out
}
