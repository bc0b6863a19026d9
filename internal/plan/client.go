package plan

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/wgowrt/wgowrt/internal/wg"
)

// clientConfig builds the wg-quick config of a peer.
func clientConfig(st State, srv *Server, name string, priv, psk *wg.Key, addrs []netip.Prefix, o clientOpts) wg.ClientConfig {
	c := wg.ClientConfig{
		Name: name, PrivateKey: priv, Addresses: addrs, DNS: o.dns,
		ServerPublicKey: srv.PublicKey(), PresharedKey: psk, Keepalive: o.keepalive,
	}
	if o.endpoint.Host != "" {
		c.Endpoint = o.endpoint.With(pick(srv.Port, DefaultPort))
	}
	if o.tunnel == wg.TunnelFull {
		c.AllowedIPs = wg.FullTunnel
	} else {
		c.AllowedIPs = splitAllowed(st, srv, addrs)
	}
	return c
}

// splitAllowed is what a split-tunnel client routes to the server: the
// tunnel subnets, the LAN when the server gives LAN access, and the
// networks behind other peers when peers may talk to each other.
func splitAllowed(st State, srv *Server, own []netip.Prefix) []netip.Prefix {
	var out []netip.Prefix
	seen := map[netip.Prefix]bool{}
	add := func(p netip.Prefix) {
		if p = p.Masked(); !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	for _, a := range srv.Addresses {
		add(a)
	}
	if !srv.Owned || srv.LanAccess != wg.AccessNone {
		for _, p := range lanSubnets(st) {
			add(p)
		}
	}
	if srv.ClientToClient {
		for _, p := range ReadPeers(st, srv.Iface) {
			for _, a := range p.AllowedIPs {
				if q, err := wg.ParseAddrPrefix(a); err == nil && !q.IsSingleIP() && !containsAny(own, q) {
					add(q)
				}
			}
		}
	}
	return out
}

func containsAny(ps []netip.Prefix, q netip.Prefix) bool {
	for _, p := range ps {
		if p.Overlaps(q) {
			return true
		}
	}
	return false
}

// lanSubnets are the subnets of the interfaces in the lan zone: those
// of their files, then what the running router adds (an IPv6 prefix
// netifd assigned for ip6assign, from the ULA or a delegated prefix, is in
// no file).
func lanSubnets(st State) []netip.Prefix {
	nets := lanNetworks(st)
	var out []netip.Prefix
	add := func(p netip.Prefix) {
		if p.IsSingleIP() {
			return
		}
		for _, q := range out {
			if q.Bits() <= p.Bits() && q.Contains(p.Addr()) {
				return
			}
		}
		out = append(out, p.Masked())
	}
	for _, n := range nets {
		for _, p := range interfaceAddrs(st.Network.Section(n)) {
			add(p)
		}
	}
	for _, a := range st.Live.Addrs {
		if (a.Kind == LiveAddress || a.Kind == LiveAssigned) && slices.Contains(nets, a.Iface) {
			add(a.Prefix)
		}
	}
	return out
}

// PeerConfig re-exports the client config of a peer from what is stored:
// the private key only when it was kept.
func PeerConfig(st State, iface, name string) (wg.ClientConfig, error) {
	srv, err := ReadServer(st, iface)
	if err != nil {
		return wg.ClientConfig{}, err
	}
	p, ok := FindPeer(st, iface, name)
	if !ok {
		return wg.ClientConfig{}, fmt.Errorf("no peer %q on %s (see 'wgowrt peer list --iface %s')", name, iface, iface)
	}
	var addrs []netip.Prefix
	for _, a := range p.AllowedIPs {
		if q, err := wg.ParseAddrPrefix(a); err == nil && q.IsSingleIP() && srvContains(srv, q.Addr()) {
			addrs = append(addrs, q)
		}
	}
	o := clientOpts{tunnel: p.Tunnel, keepalive: DefaultKeepalive, endpoint: srv.Endpoint}
	if o.tunnel == "" {
		o.tunnel = defaultTunnel(srv)
	}
	if p.KeepaliveOn {
		o.keepalive = p.Keepalive
	}
	for _, d := range p.DNS {
		if a, err := netip.ParseAddr(d); err == nil {
			o.dns = append(o.dns, a)
		}
	}
	if m := st.Wgowrt.Section(p.Section); m != nil {
		if e, err := wg.ParseEndpoint(get(m, "endpoint")); err == nil {
			o.endpoint = e
		}
	}
	return clientConfig(st, srv, p.Name, p.PrivateKey, p.PSK, addrs, o), nil
}

func srvContains(srv *Server, a netip.Addr) bool {
	for _, s := range srv.Addresses {
		if s.Masked().Contains(a) {
			return true
		}
	}
	return false
}
