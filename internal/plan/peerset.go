package plan

import (
	"fmt"
	"net/netip"
	"strconv"

	"github.com/wgowrt/wgowrt/internal/wg"
)

// PeerSetIntent is `peer set NAME`: nil (or "") fields stay as they are.
// Keys never change: the peer keeps its key pair and preshared key.
type PeerSetIntent struct {
	Iface, Name string
	Keepalive   *int
	// Routes replaces the subnets behind the peer (empty: none).
	Routes *[]string
	Tunnel string
	// DNS replaces the resolvers of the client config (empty: the default).
	DNS *[]string
	// Endpoint is the server address the client config names ("" host:
	// the server's own --endpoint).
	Endpoint *wg.Endpoint
	// Description renames the peer (as `peer rename`).
	Description  string
	AllowLockout bool
	// Expires is a new expiry (RFC 3339 UTC, from ops.ParseExpiry; ""
	// never); a peer disabled because it expired is enabled again.
	Expires *string
}

// PeerSet plans `peer set`. Setting what is already set changes nothing.
func PeerSet(cur State, in PeerSetIntent) (*Result, error) {
	r, name, err := peerSetName(cur, in)
	if err != nil {
		return nil, err
	}
	srv, err := ReadServer(r.State, in.Iface)
	if err != nil {
		return nil, err
	}
	p, err := findOwnedPeer(r.State, in.Iface, name)
	if err != nil {
		return nil, err
	}
	if _, ok := FindSite(r.State, in.Iface, name); ok {
		// a site has no client config, and its subnets are checked as a site's
		return nil, fmt.Errorf("%s on %s is a site link, not a peer with a client config: change it with 'wgowrt site set %s'", name, in.Iface, name)
	}
	if in.Routes != nil {
		if err := setPeerRoutes(r, srv, p, *in.Routes, in.AllowLockout); err != nil {
			return nil, err
		}
	}
	if err := setPeerClient(r, srv, p, in); err != nil {
		return nil, err
	}
	if in.Expires != nil {
		if err := setPeerExpiry(r, p, *in.Expires); err != nil {
			return nil, err
		}
	}
	if len(r.State.Wgowrt.Unsaved()) > 0 && (in.Tunnel != "" || in.Keepalive != nil || in.DNS != nil || in.Endpoint != nil) {
		r.infof("the client config of %s changed: export it again ('wgowrt peer show %s --config' when its private key was kept) and load it on the device", name, name)
	}
	return r, nil
}

// peerSetName renames first, so the other settings land on the peer's
// final sections.
func peerSetName(cur State, in PeerSetIntent) (*Result, string, error) {
	if in.Description == "" || in.Description == in.Name {
		if _, err := ReadServer(cur, in.Iface); err != nil {
			return nil, "", err
		}
		return &Result{State: cur.clone()}, in.Name, nil
	}
	r, err := PeerRename(cur, in.Iface, in.Name, in.Description)
	return r, in.Description, err
}

// peerOwnAddrs are the peer's tunnel addresses: its allowed IPs that are
// single hosts inside the server's subnets. The rest are its routes.
func peerOwnAddrs(srv *Server, p Peer) (addrs, routes []string) {
	for _, a := range p.AllowedIPs {
		q, err := wg.ParseAddrPrefix(a)
		own := false
		if err == nil && q.IsSingleIP() {
			if s, ok := srv.Subnet(q.Addr().Is4()); ok && s.Contains(q.Addr()) {
				own = true
			}
		}
		if own {
			addrs = append(addrs, a)
		} else {
			routes = append(routes, a)
		}
	}
	return addrs, routes
}

// setPeerRoutes replaces the peer's routes, checked as `peer add --route`
// checks them against everything but the peer's old routes. Dropping the
// route the SSH session comes through is refused like removing the peer.
func setPeerRoutes(r *Result, srv *Server, p Peer, given []string, insist bool) error {
	addrs, old := peerOwnAddrs(srv, p)
	if !insist {
		if a := r.State.Live.Admin; a.IsValid() {
			for _, o := range old {
				if q, err := wg.ParsePrefix(o); err == nil && q.Contains(a) && !containsString(given, q.String()) {
					return fmt.Errorf("this SSH session comes from %s through route %s of peer %s: dropping it cuts the session; give --allow-lockout to do it anyway", a, q, p.Name)
				}
			}
		}
	}
	// The new routes are checked on a copy without the old ones.
	tmp := &Result{State: r.State.clone()}
	if err := tmp.State.Network.SetList(p.Section, "allowed_ips", addrs); err != nil {
		return err
	}
	routes, err := peerRoutes(tmp, PeerIntent{Iface: srv.Iface, Routes: given, AllowLockout: insist})
	if err != nil {
		return err
	}
	r.Warnings = append(r.Warnings, tmp.Warnings...)
	allowed := append([]string{}, addrs...)
	for _, q := range routes {
		allowed = append(allowed, q.String())
	}
	n := r.State.Network
	if err := n.SetList(p.Section, "allowed_ips", allowed); err != nil {
		return err
	}
	ra := ""
	if len(routes) > 0 {
		ra = "1"
	}
	if ra == "" && p.Routes || ra == "1" && !p.Routes {
		return n.SetOption(p.Section, "route_allowed_ips", ra)
	}
	return nil
}

// setPeerClient updates the client-side settings kept in wgowrt's notes.
func setPeerClient(r *Result, srv *Server, p Peer, in PeerSetIntent) error {
	w := r.State.Wgowrt
	if w.Section(p.Section) == nil {
		if err := ensure(w, wg.TypePeer, p.Section, opt("iface", srv.Iface)); err != nil {
			return err
		}
	}
	if in.Tunnel != "" {
		if in.Tunnel != wg.TunnelFull && in.Tunnel != wg.TunnelSplit {
			return fmt.Errorf("--tunnel %q is not full or split", in.Tunnel)
		}
		if err := setIfDiffers(r, p.Section, "tunnel", in.Tunnel); err != nil {
			return err
		}
	}
	if in.Keepalive != nil {
		if err := wg.ParseKeepalive(*in.Keepalive); err != nil {
			return err
		}
		if err := setIfDiffers(r, p.Section, "keepalive", strconv.Itoa(*in.Keepalive)); err != nil {
			return err
		}
	}
	if in.Endpoint != nil {
		if err := setIfDiffers(r, p.Section, "endpoint", in.Endpoint.String()); err != nil {
			return err
		}
	}
	if in.DNS != nil {
		return setPeerDNS(r, p, *in.DNS)
	}
	return nil
}

func setPeerDNS(r *Result, p Peer, dns []string) error {
	for _, d := range dns {
		if a, err := netip.ParseAddr(d); err != nil || a.Zone() != "" {
			return fmt.Errorf("--dns %q is not an IP address", d)
		}
	}
	if sameStrings(dns, p.DNS) {
		return nil
	}
	if len(dns) == 0 {
		return r.State.Wgowrt.SetOption(p.Section, "dns", "")
	}
	return r.State.Wgowrt.SetList(p.Section, "dns", dns)
}

func setIfDiffers(r *Result, sec, name, value string) error {
	if v, ok := r.State.Wgowrt.Section(sec).Get(name); ok && v == value || !ok && value == "" {
		return nil
	}
	return r.State.Wgowrt.SetOption(sec, name, value)
}

func sameStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if p, err := wg.ParsePrefix(v); err == nil && p.String() == s || v == s {
			return true
		}
	}
	return false
}
