package plan

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/wgowrt/wgowrt/internal/wg"
)

// PeerIntent is `wgowrt peer add`.
type PeerIntent struct {
	Iface, Name string
	// IPs are explicit tunnel addresses (one per family at most); families
	// not given are allocated.
	IPs []string
	// PublicKey is the peer's own key; nil means use NewPrivateKey.
	PublicKey     *wg.Key
	NewPrivateKey wg.Key
	// PSK is a fresh preshared key when --psk was given.
	PSK *wg.Key
	// Routes are subnets behind the peer (a spoke's LAN).
	Routes []string
	// Tunnel is full or split; empty picks full when the server gives
	// internet access, split otherwise.
	Tunnel string
	// DNS for the client; nil means the default.
	DNS         []string
	Keepalive   *int
	KeepPrivate bool
	Endpoint    *wg.Endpoint
	// AllowLockout routes subnets holding the address of the SSH session
	// running the command (--allow-lockout).
	AllowLockout bool
	// Expires is when the peer stops (RFC 3339 UTC, from ops.ParseExpiry;
	// "" never).
	Expires string
}

// DefaultKeepalive keeps NAT mappings of phones and home routers open.
const DefaultKeepalive = 25

// PeerResult is a planned peer add: the edits and the client config.
type PeerResult struct {
	*Result
	Config wg.ClientConfig
	// Existed is true when the peer was already there (nothing changed).
	Existed bool
}

// PeerAdd plans `peer add`.
func PeerAdd(cur State, in PeerIntent) (*PeerResult, error) {
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
	r := &PeerResult{Result: &Result{State: cur.clone()}}
	if p, ok := FindPeer(cur, in.Iface, in.Name); ok {
		return r, existingPeer(r, srv, p, in)
	}
	sec := wg.PeerSection(in.Iface, in.Name)
	if r.State.Network.Section(sec) != nil || r.State.Wgowrt.Section(sec) != nil {
		return nil, fmt.Errorf("peer name %q clashes with the existing section %s (- and _ map to the same name); choose another name", in.Name, sec)
	}
	if in.PublicKey != nil && keyInUse(cur, *in.PublicKey) != "" {
		return nil, fmt.Errorf("public key is already used by peer %s; each peer needs its own key pair", keyInUse(cur, *in.PublicKey))
	}
	addrs, err := peerAddresses(cur, srv, in.IPs)
	if err != nil {
		return nil, err
	}
	routes, err := peerRoutes(r.Result, in)
	if err != nil {
		return nil, err
	}
	opts, err := clientOptions(srv, in)
	if err != nil {
		return nil, err
	}
	if err := writePeer(r, srv, in, sec, addrs, routes, opts); err != nil {
		return nil, err
	}
	r.Config = clientConfig(cur, srv, in.Name, peerKey(in), in.PSK, addrs, opts)
	return r, nil
}

// shortList joins items for a message, naming at most five: a peer may
// route a country's 45 000 prefixes.
func shortList(items []string) string {
	if len(items) <= 5 {
		return strings.Join(items, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(items[:4], ", "), len(items)-4)
}

// ownable refuses to name wgowrt sections after an interface wgowrt could
// not have created (see wg.ValidateIface): with '_' in it, the sections of
// a peer of wg_0 would be those of peer 0_... of wg.
func ownable(iface string) error {
	if strings.Contains(iface, "_") {
		return fmt.Errorf("interface %s has _ in its name, so wgowrt's section names could not tell its peers from another interface's; manage it with LuCI or uci", iface)
	}
	return nil
}

// existingPeer makes a repeated `peer add` a no-op that still shows the
// config when the private key was kept.
func existingPeer(r *PeerResult, srv *Server, p Peer, in PeerIntent) error {
	if !p.Owned {
		return fmt.Errorf("a peer called %q already exists on %s and was not created by wgowrt; choose another name", in.Name, in.Iface)
	}
	if in.PublicKey != nil && in.PublicKey.String() != p.PublicKey {
		return fmt.Errorf("peer %q already exists on %s with another public key; remove it first to replace it", in.Name, in.Iface)
	}
	if in.Expires != "" && in.Expires != p.Expires {
		return fmt.Errorf("peer %q already exists on %s; give it an expiry with: wgowrt peer set %s --expires DATE (or --for DURATION)", in.Name, in.Iface, in.Name)
	}
	r.Existed = true
	r.notef("peer %s already exists on %s: nothing changed", in.Name, in.Iface)
	cfg, err := PeerConfig(r.State, in.Iface, in.Name)
	if err != nil {
		return nil
	}
	r.Config = cfg
	return nil
}

func peerKey(in PeerIntent) *wg.Key {
	if in.PublicKey != nil {
		return nil
	}
	k := in.NewPrivateKey
	return &k
}

func publicOf(in PeerIntent) wg.Key {
	if in.PublicKey != nil {
		return *in.PublicKey
	}
	return in.NewPrivateKey.PublicKey()
}

// keyInUse returns the section of any peer (on any interface) using pub.
func keyInUse(st State, pub wg.Key) string {
	for _, s := range st.Network.Sections {
		if len(s.Type) > 10 && s.Type[:10] == "wireguard_" && get(s, "public_key") == pub.String() {
			return st.Network.SectionRef(s)
		}
	}
	return ""
}

// takenPrefixes are the allowed IPs of every peer on every interface and
// every interface address: a new peer overlaps none of them.
func takenPrefixes(st State) []netip.Prefix {
	var out []netip.Prefix
	for _, s := range st.Network.Sections {
		switch {
		case len(s.Type) > 10 && s.Type[:10] == "wireguard_":
			for _, a := range listOf(s, "allowed_ips") {
				if p, err := wg.ParseAddrPrefix(a); err == nil && p.Bits() > 0 {
					out = append(out, p.Masked())
				}
			}
		case s.Type == "interface":
			for _, p := range interfaceAddrs(s) {
				out = append(out, wg.Host(p.Addr()))
			}
		}
	}
	return out
}

// peerAddresses allocates one address per server subnet: the explicit one
// if given, else the next free host (IPv6 gets the IPv4 host number when
// it is free, so 10.8.0.7 pairs with …::7).
func peerAddresses(st State, srv *Server, given []string) ([]netip.Prefix, error) {
	explicit := map[bool]netip.Addr{}
	for _, g := range given {
		if g == "auto" || g == "" {
			continue
		}
		if err := explicitAddr(srv, g, explicit); err != nil {
			return nil, err
		}
	}
	taken := takenPrefixes(st)
	var out []netip.Prefix
	var hostIdx uint64 = 2
	for _, v4 := range []bool{true, false} {
		subnet, ok := srv.Subnet(v4)
		if !ok {
			continue
		}
		al := wg.NewAllocator(subnet, taken)
		a, ok := explicit[v4]
		if ok && !al.Free(a) {
			return nil, fmt.Errorf("--ip %s is already used (by the server or another peer's allowed IPs); choose another or use --ip auto", a)
		}
		if !ok {
			if a, ok = al.Next(hostIdx); !ok {
				return nil, fmt.Errorf("no free address left in %s; widen the subnet or remove peers", subnet)
			}
		}
		if v4 {
			hostIdx = wg.HostIndex(subnet, a)
		}
		out = append(out, wg.Host(a))
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("interface %s has no addresses to allocate peer addresses from", srv.Iface)
	}
	return out, nil
}

func explicitAddr(srv *Server, g string, explicit map[bool]netip.Addr) error {
	p, err := wg.ParseAddrPrefix(g)
	if err != nil || !p.IsSingleIP() {
		return fmt.Errorf("--ip %q is not auto or a single address (e.g. 10.8.0.7)", g)
	}
	a := p.Addr()
	subnet, ok := srv.Subnet(a.Is4())
	if !ok || !subnet.Contains(a) {
		return fmt.Errorf("--ip %s is outside %s's subnets (%s); pick an address inside, or put other networks in --route", a, srv.Iface, addrList(srv.Addresses))
	}
	if _, dup := explicit[a.Is4()]; dup {
		return fmt.Errorf("--ip given twice for the same address family; give at most one IPv4 and one IPv6 address")
	}
	explicit[a.Is4()] = a
	return nil
}

// peerRoutes validates --route subnets: CIDRs not overlapping anything the
// router or another peer already has, nor carrying the admin's session.
func peerRoutes(r *Result, in PeerIntent) ([]netip.Prefix, error) {
	st := r.State
	var items []labelled
	for _, u := range append(usedSpace(st, func(string) bool { return true }), takenPrefixes(st)...) {
		items = append(items, labelled{u, u.String()})
	}
	used := newUsedIndex(append(items, liveUsed(st, func(n string) bool { return n == in.Iface })...))
	given := make([]netip.Prefix, len(in.Routes))
	for i, g := range in.Routes {
		given[i], _ = wg.ParsePrefix(g)
	}
	earlier := wg.NewPrefixSet(given)
	liveNote(r)
	for i, g := range in.Routes {
		p, err := wg.ParsePrefix(g)
		if err != nil {
			return nil, fmt.Errorf("--route %q is not a CIDR (e.g. 192.168.50.0/24)", g)
		}
		if p.Bits() == 0 {
			return nil, fmt.Errorf("--route %s would send all traffic to this peer; give the subnets behind it instead", p)
		}
		x, clash := used.overlaps(p)
		if j, ok := firstBefore(earlier, i, p); !clash && ok {
			x, clash = given[j].String(), true
		}
		if clash {
			return nil, fmt.Errorf("--route %s overlaps %s already used on this router or by another peer", p, x)
		}
		if err := tunnelRoute(r, "--route", p, in.AllowLockout); err != nil {
			return nil, err
		}
	}
	return given, nil
}

// clientOpts are the client-side settings kept in wgowrt's config.
type clientOpts struct {
	tunnel    string
	dns       []netip.Addr
	keepalive int
	endpoint  wg.Endpoint
}

func clientOptions(srv *Server, in PeerIntent) (clientOpts, error) {
	o := clientOpts{tunnel: in.Tunnel, keepalive: DefaultKeepalive, endpoint: srv.Endpoint}
	if o.tunnel == "" {
		o.tunnel = defaultTunnel(srv)
	}
	if o.tunnel != wg.TunnelFull && o.tunnel != wg.TunnelSplit {
		return o, fmt.Errorf("--tunnel %q is not full or split", in.Tunnel)
	}
	if in.Keepalive != nil {
		if err := wg.ParseKeepalive(*in.Keepalive); err != nil {
			return o, err
		}
		o.keepalive = *in.Keepalive
	}
	if in.Endpoint != nil {
		o.endpoint = *in.Endpoint
	}
	for _, d := range in.DNS {
		a, err := netip.ParseAddr(d)
		if err != nil || a.Zone() != "" {
			return o, fmt.Errorf("--dns %q is not an IP address", d)
		}
		o.dns = append(o.dns, a)
	}
	if in.DNS == nil && o.tunnel == wg.TunnelFull && srv.EffectiveRouterAccess() != wg.RouterNone {
		if s, ok := srv.Subnet(true); ok {
			o.dns = []netip.Addr{serverIP(srv, s)}
		}
	}
	return o, nil
}

func defaultTunnel(srv *Server) string {
	if srv.Internet || !srv.Owned {
		return wg.TunnelFull
	}
	return wg.TunnelSplit
}

func serverIP(srv *Server, subnet netip.Prefix) netip.Addr {
	for _, a := range srv.Addresses {
		if a.Masked() == subnet {
			return a.Addr()
		}
	}
	return netip.Addr{}
}

// writePeer adds the netifd peer section and wgowrt's client settings.
func writePeer(r *PeerResult, srv *Server, in PeerIntent, sec string, addrs, routes []netip.Prefix, o clientOpts) error {
	allowed := make([]string, 0, len(addrs)+len(routes))
	for _, p := range append(append([]netip.Prefix{}, addrs...), routes...) {
		allowed = append(allowed, p.String())
	}
	opts := []kv{opt("description", in.Name), opt("public_key", publicOf(in).String())}
	if in.KeepPrivate && in.PublicKey == nil {
		opts = append(opts, opt("private_key", in.NewPrivateKey.String()))
	}
	if in.PSK != nil {
		opts = append(opts, opt("preshared_key", in.PSK.String()))
	}
	opts = append(opts, list("allowed_ips", allowed...))
	if len(routes) > 0 {
		// netifd only routes a spoke's LAN to the tunnel when asked to.
		opts = append(opts, opt("route_allowed_ips", "1"))
	}
	if err := ensure(r.State.Network, wg.PeerType(in.Iface), sec, opts...); err != nil {
		return err
	}
	dns := make([]string, len(o.dns))
	for i, d := range o.dns {
		dns[i] = d.String()
	}
	meta := []kv{opt("iface", in.Iface), opt("tunnel", o.tunnel), opt("keepalive", strconv.Itoa(o.keepalive))}
	if len(dns) > 0 {
		meta = append(meta, list("dns", dns...))
	}
	if in.Endpoint != nil {
		meta = append(meta, opt("endpoint", in.Endpoint.String()))
	}
	meta = append(meta, expiryMeta(in)...)
	if o.tunnel == wg.TunnelFull && srv.Owned && !srv.Internet {
		r.warnf("peer %s uses a full tunnel but %s was initialised without --internet: its traffic to the internet will be dropped", in.Name, in.Iface)
	}
	if len(in.Routes) > 0 && srv.Owned && !srv.ClientToClient {
		r.warnf("other peers of %s cannot reach %s: the vpn zone does not forward between peers (run 'wgowrt server init --iface %s --client-to-client' for hub-and-spoke)", in.Iface, shortList(in.Routes), in.Iface)
	}
	if in.DNS == nil && o.tunnel == wg.TunnelFull && srv.EffectiveRouterAccess() == wg.RouterNone {
		r.warnf("%s gives its peers no access to the router (--router-access none), so its DNS is not in %s's config: pass --dns with a resolver reachable through the tunnel", in.Iface, in.Name)
	}
	if o.endpoint.Host == "" {
		r.warnf("no endpoint known for %s: add 'Endpoint = HOST:%d' to the client config, or pass --endpoint", in.Iface, srv.Port)
	}
	return ensure(r.State.Wgowrt, wg.TypePeer, sec, meta...)
}
