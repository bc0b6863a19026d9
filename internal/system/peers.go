package system

import (
	"fmt"
	"net"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"

	"github.com/wgowrt/wgowrt/internal/wg"
	"github.com/wgowrt/wgowrt/uci"
)

// DesiredPeers reads the enabled peers of iface from the committed network
// package, as netifd's handler would configure them. Sections without a
// valid public key are skipped, as the handler skips them.
func DesiredPeers(n *uci.Package, iface string) []wgtypes.PeerConfig {
	var out []wgtypes.PeerConfig
	for _, s := range n.SectionsOfType(wg.PeerType(iface)) {
		if v, _ := s.Get("disabled"); v == "1" {
			continue
		}
		pub, _ := s.Get("public_key")
		k, err := wg.ParseKey(pub)
		if err != nil {
			continue
		}
		pc := wgtypes.PeerConfig{PublicKey: wgtypes.Key(k), ReplaceAllowedIPs: true}
		psk := wgtypes.Key{}
		if v, _ := s.Get("preshared_key"); v != "" {
			if p, err := wg.ParseKey(v); err == nil {
				psk = wgtypes.Key(p)
			}
		}
		pc.PresharedKey = &psk
		ka := time.Duration(0)
		if v, _ := s.Get("persistent_keepalive"); v != "" {
			n, _ := strconv.Atoi(v)
			ka = time.Duration(n) * time.Second
		}
		pc.PersistentKeepaliveInterval = &ka
		pc.AllowedIPs = allowedIPs(s)
		pc.Endpoint = literalEndpoint(s)
		out = append(out, pc)
	}
	return out
}

func allowedIPs(s *uci.Section) []net.IPNet {
	var out []net.IPNet
	for _, item := range s.List("allowed_ips") {
		for _, f := range strings.Fields(item) {
			p, err := wg.ParseAddrPrefix(f)
			if err != nil {
				continue
			}
			p = p.Masked()
			out = append(out, net.IPNet{IP: net.IP(p.Addr().AsSlice()), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())})
		}
	}
	return out
}

// literalEndpoint returns the endpoint when it is an IP literal; host
// names are netifd's to resolve (wgctrl takes addresses only).
func literalEndpoint(s *uci.Section) *net.UDPAddr {
	h, _ := s.Get("endpoint_host")
	a, err := netip.ParseAddr(strings.Trim(h, "[]"))
	if err != nil {
		return nil
	}
	port := 51820
	if v, _ := s.Get("endpoint_port"); v != "" {
		if n, err := strconv.Atoi(v); err == nil {
			port = n
		}
	}
	return net.UDPAddrFromAddrPort(netip.AddrPortFrom(a, uint16(port)))
}

// EndpointHosts returns the host-name endpoints (HOST and port) of the
// enabled peers of iface by public key: wgctrl takes addresses only, so
// they need resolving before a push.
func EndpointHosts(n *uci.Package, iface string) map[wgtypes.Key]string {
	out := map[wgtypes.Key]string{}
	for _, s := range n.SectionsOfType(wg.PeerType(iface)) {
		h, _ := s.Get("endpoint_host")
		pub, _ := s.Get("public_key")
		k, err := wg.ParseKey(pub)
		if h == "" || err != nil || literalEndpoint(s) != nil {
			continue
		}
		port := "51820"
		if v, _ := s.Get("endpoint_port"); v != "" {
			port = v
		}
		out[wgtypes.Key(k)] = net.JoinHostPort(h, port)
	}
	return out
}

// resolveEndpoints fills in the endpoints of desired peers that name a
// host, so that a site added with --endpoint HOST starts its tunnel now
// rather than at the next ifup. A name that does not resolve is left to
// netifd, with a note.
func (a *Applier) resolveEndpoints(c Change, desired []wgtypes.PeerConfig) []string {
	hosts := EndpointHosts(c.Network, c.Iface)
	if len(hosts) == 0 {
		return nil
	}
	var notes []string
	for i := range desired {
		hp, ok := hosts[desired[i].PublicKey]
		if !ok {
			continue
		}
		host, port, _ := net.SplitHostPort(hp)
		if a.Resolve == nil {
			notes = append(notes, fmt.Sprintf("endpoint %s is a host name: it applies when %s next comes up ('ifup %s')", hp, c.Iface, c.Iface))
			continue
		}
		addr, err := a.Resolve(host)
		p, perr := strconv.Atoi(port)
		if err != nil || perr != nil {
			notes = append(notes, fmt.Sprintf("endpoint %s could not be resolved (%v): it applies when %s next comes up ('ifup %s')", hp, err, c.Iface, c.Iface))
			continue
		}
		desired[i].Endpoint = net.UDPAddrFromAddrPort(netip.AddrPortFrom(addr.Unmap(), uint16(p)))
	}
	return notes
}

// Diff returns the peer changes that make dev match desired with `wg
// syncconf` semantics: vanished peers removed, new or changed peers
// upserted with ReplaceAllowedIPs, unchanged peers not touched at all (so
// their sessions and learned endpoints survive). It never sets
// ReplacePeers. Endpoints of existing peers are left alone: the device's is
// the roaming address the peer last used; a peer the device knows without
// any endpoint gets the configured one.
func Diff(desired []wgtypes.PeerConfig, dev *wgtypes.Device) []wgtypes.PeerConfig {
	have := map[wgtypes.Key]wgtypes.Peer{}
	for _, p := range dev.Peers {
		have[p.PublicKey] = p
	}
	want := map[wgtypes.Key]bool{}
	var out []wgtypes.PeerConfig
	for _, d := range desired {
		want[d.PublicKey] = true
		cur, ok := have[d.PublicKey]
		needsEndpoint := ok && cur.Endpoint == nil && d.Endpoint != nil
		if ok && samePeer(cur, d) && !needsEndpoint {
			continue
		}
		if ok && !needsEndpoint {
			d.Endpoint = nil
		}
		out = append(out, d)
	}
	var gone []wgtypes.Key
	for k := range have {
		if !want[k] {
			gone = append(gone, k)
		}
	}
	sort.Slice(gone, func(i, j int) bool { return gone[i].String() < gone[j].String() })
	for _, k := range gone {
		out = append(out, wgtypes.PeerConfig{PublicKey: k, Remove: true})
	}
	return out
}

func samePeer(p wgtypes.Peer, d wgtypes.PeerConfig) bool {
	if d.PresharedKey != nil && p.PresharedKey != *d.PresharedKey {
		return false
	}
	if d.PersistentKeepaliveInterval != nil && p.PersistentKeepaliveInterval != *d.PersistentKeepaliveInterval {
		return false
	}
	return sameNets(p.AllowedIPs, d.AllowedIPs)
}

func sameNets(a, b []net.IPNet) bool {
	if len(a) != len(b) {
		return false
	}
	key := func(n net.IPNet) string { return n.String() }
	seen := map[string]int{}
	for _, n := range a {
		seen[key(n)]++
	}
	for _, n := range b {
		if seen[key(n)] == 0 {
			return false
		}
		seen[key(n)]--
	}
	return true
}
