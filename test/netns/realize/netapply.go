package realize

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"

	"github.com/wgowrt/wgowrt/internal/wgdev"
)

// applyNetwork sets up ns the way netifd would for n: bridges, then static
// interfaces, then WireGuard interfaces (netifd's wireguard handler finishes
// after the static ones, so a wg default route replaces the wan one, as
// recorded in conformance/netifd/client-full.txtar), then route and rule
// sections.
func (r *Router) applyNetwork(n *Network) error {
	for _, b := range n.Bridges {
		if err := r.applyBridge(b); err != nil {
			return err
		}
	}
	for _, i := range n.Interfaces {
		if i.Up && i.Proto != "wireguard" {
			if err := r.applyStatic(i); err != nil {
				return err
			}
		}
	}
	for _, i := range n.Interfaces {
		if i.Up && i.Proto == "wireguard" {
			if err := r.applyWireGuard(i); err != nil {
				return err
			}
		}
	}
	for _, rt := range n.Routes {
		if err := r.applyRoute(n, rt); err != nil {
			return err
		}
	}
	for _, rl := range n.Rules {
		if err := r.applyRule(n, rl); err != nil {
			return err
		}
	}
	return nil
}

func (r *Router) ip(args ...string) error {
	_, err := r.ns.Run(append([]string{"ip"}, args...)...)
	return err
}

func (r *Router) applyBridge(b *Bridge) error {
	if err := r.ip("link", "add", b.Name, "type", "bridge"); err != nil {
		return err
	}
	for _, p := range b.Ports {
		// netifd turns IPv6 off on bridge members: only the bridge is an L3 device.
		if err := r.ns.Sysctl("net.ipv6.conf."+p+".disable_ipv6", "1"); err != nil {
			return fmt.Errorf("bridge %s port %s: %w", b.Name, p, err)
		}
		if err := r.ip("link", "set", p, "master", b.Name, "up"); err != nil {
			return err
		}
	}
	return r.ip("link", "set", b.Name, "up")
}

func (r *Router) applyStatic(i *Interface) error {
	if i.MTU != "" {
		if err := r.ip("link", "set", i.Device, "mtu", i.MTU); err != nil {
			return err
		}
	}
	if err := r.ip("link", "set", i.Device, "up"); err != nil {
		return err
	}
	if err := r.addAddresses(i); err != nil {
		return err
	}
	for _, gw := range []netip.Addr{i.Gateway4, i.Gateway6} {
		if gw.IsValid() && i.DefaultRoute {
			def := netip.PrefixFrom(netip.IPv6Unspecified(), 0)
			if gw.Is4() {
				def = netip.PrefixFrom(netip.IPv4Unspecified(), 0)
			}
			if err := r.protoRoute(i, def, "via", gw.String()); err != nil {
				return err
			}
		}
	}
	return nil
}

// table is the interface's routing table for addresses of p's family, "" = main.
func (i *Interface) table(v6 bool) string {
	if v6 {
		return i.IP6Table
	}
	return i.IP4Table
}

// addAddresses adds i's addresses. With ip4table/ip6table, netifd adds the
// address without its kernel prefix route and installs the prefix route
// (even a /32) itself, proto static, in that table, plus the §1.9 rules.
func (r *Router) addAddresses(i *Interface) error {
	dev := i.L3Device()
	for _, a := range i.Addrs {
		args := []string{"address", "replace", a.String()}
		if a.Addr().Is4() {
			args = append(args, "broadcast", broadcast(a))
		} else if err := r.ns.Sysctl("net.ipv6.conf."+dev+".accept_dad", "0"); err != nil {
			// The lab skips duplicate address detection so IPv6 is usable at
			// once; it does not show in `ip addr` (unlike nodad).
			return err
		}
		args = append(args, "dev", dev)
		tbl := i.table(a.Addr().Is6())
		if tbl == "" && i.Metric != 0 {
			args = append(args, "metric", strconv.Itoa(i.Metric))
		}
		if err := r.ip(args...); err != nil {
			return err
		}
		if tbl == "" {
			continue
		}
		if err := r.moveprefixRoute(i, a, tbl); err != nil {
			return err
		}
		if err := r.tableRules(i, a, tbl); err != nil {
			return err
		}
	}
	return r.loPolicy(i)
}

// moveprefixRoute puts the prefix route of a into table tbl, proto static,
// and removes the kernel's copy from main: the recorded state shows neither
// a noprefixroute flag nor a main-table route (netifd/gateway-block.txtar).
func (r *Router) moveprefixRoute(i *Interface, a netip.Prefix, tbl string) error {
	if a.Bits() < a.Addr().BitLen() {
		if err := r.ip(family(a.Addr()), "route", "del", a.Masked().String(), "dev", i.L3Device(), "proto", "kernel", "table", "main"); err != nil {
			return err
		}
	}
	return r.protoRoute(i, a.Masked(), "scope", "link")
}

// broadcast is what netifd sets: the subnet broadcast, and the limited
// broadcast for /31 and /32 (conformance/netifd/source-routed.txtar).
func broadcast(a netip.Prefix) string {
	if a.Bits() >= 31 {
		return "255.255.255.255"
	}
	b := a.Masked().Addr().As4()
	host := uint32(1)<<(32-a.Bits()) - 1
	v := (uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])) | host
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}).String()
}

// tableRules adds netifd's per-address rules for ip4table/ip6table (§1.9):
// from <addr> at 10000 and to <addr>/<len> (host bits kept) at 20000.
func (r *Router) tableRules(i *Interface, a netip.Prefix, tbl string) error {
	fam := family(a.Addr())
	host := netip.PrefixFrom(a.Addr(), a.Addr().BitLen())
	if err := r.ip(fam, "rule", "add", "from", host.String(), "lookup", tbl, "priority", "10000"); err != nil {
		return err
	}
	return r.ip(fam, "rule", "add", "to", a.String(), "lookup", tbl, "priority", "20000")
}

// loPolicy adds "iif lo lookup T" at 90000 + ifindex for each family with a table (§1.9).
func (r *Router) loPolicy(i *Interface) error {
	for _, v6 := range []bool{false, true} {
		tbl := i.table(v6)
		if tbl == "" {
			continue
		}
		idx, err := r.ifindex(i.L3Device())
		if err != nil {
			return err
		}
		fam := "-4"
		if v6 {
			fam = "-6"
		}
		if err := r.ip(fam, "rule", "add", "iif", "lo", "lookup", tbl, "priority", strconv.Itoa(90000+idx)); err != nil {
			return err
		}
	}
	return nil
}

func (r *Router) ifindex(dev string) (int, error) {
	out, err := r.ns.Run("cat", "/sys/class/net/"+dev+"/ifindex")
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimSpace(out))
}

func family(a netip.Addr) string {
	if a.Is4() {
		return "-4"
	}
	return "-6"
}

// protoRoute installs a route netifd owns for interface i: proto static,
// the interface metric and table, replacing an equal route (NLM_F_REPLACE).
// A /0 is dropped when defaultroute is 0 (§1.2).
func (r *Router) protoRoute(i *Interface, dst netip.Prefix, extra ...string) error {
	if dst.Bits() == 0 && !i.DefaultRoute {
		return nil
	}
	target := dst.String()
	if dst.Bits() == 0 {
		target = "default"
	}
	args := []string{family(dst.Addr()), "route", "replace", target}
	args = append(args, extra...)
	args = append(args, "dev", i.L3Device(), "proto", "static")
	if i.Metric != 0 {
		args = append(args, "metric", strconv.Itoa(i.Metric))
	}
	if tbl := i.table(dst.Addr().Is6()); tbl != "" {
		args = append(args, "table", tbl)
	}
	return r.ip(args...)
}

func (r *Router) applyWireGuard(i *Interface) error {
	dev, err := r.ns.StartWireGuard(i.Name)
	if err != nil {
		return err
	}
	r.WG[i.Name] = dev
	cfg, err := wgConfig(i.WG)
	if err != nil {
		return fmt.Errorf("network: interface '%s': %w", i.Name, err)
	}
	if err := configure(dev.UAPI, cfg); err != nil {
		return err
	}
	if err := r.applyStatic(&Interface{Name: i.Name, Device: i.Name, MTU: i.MTU}); err != nil {
		return err
	}
	if err := r.addAddresses(i); err != nil {
		return err
	}
	if !i.WG.NoHostRoute {
		if err := r.endpointRoutes(i); err != nil {
			return err
		}
	}
	for _, p := range i.WG.Peers {
		if !p.RouteAllowedIPs {
			continue
		}
		for _, a := range p.AllowedIPs {
			if err := r.protoRoute(i, a, "scope", "link"); err != nil {
				return err
			}
		}
	}
	return nil
}

// endpointRoutes adds a host route to every peer endpoint via the route
// that reaches it now, before the tunnel's own routes exist
// (proto_add_host_dependency, §1.4 step 8). It stays in the main table.
func (r *Router) endpointRoutes(i *Interface) error {
	for _, p := range i.WG.Peers {
		if !p.Endpoint.IsValid() {
			continue
		}
		ep := p.Endpoint.Addr()
		out, err := r.ns.Run("ip", family(ep), "route", "get", ep.String())
		if err != nil {
			return fmt.Errorf("endpoint %s of %s: %w", ep, i.Name, err)
		}
		args := []string{family(ep), "route", "replace", ep.String()}
		f := strings.Fields(out)
		for k := 0; k+1 < len(f); k++ {
			if f[k] == "via" || f[k] == "dev" {
				args = append(args, f[k], f[k+1])
			}
		}
		if err := r.ip(append(args, "proto", "static")...); err != nil {
			return err
		}
	}
	return nil
}

func wgConfig(w *WireGuard) (wgtypes.Config, error) {
	key, err := wgtypes.ParseKey(w.PrivateKey)
	if err != nil {
		return wgtypes.Config{}, fmt.Errorf("private_key: %v", err)
	}
	cfg := wgtypes.Config{PrivateKey: &key, ReplacePeers: true}
	if w.ListenPort != "" {
		port, err := strconv.Atoi(w.ListenPort)
		if err != nil {
			return cfg, fmt.Errorf("listen_port %q: %v", w.ListenPort, err)
		}
		cfg.ListenPort = &port
	}
	if w.FwMark != "" {
		mark, err := strconv.ParseInt(w.FwMark, 0, 64)
		if err != nil {
			return cfg, fmt.Errorf("fwmark %q: %v", w.FwMark, err)
		}
		m := int(mark)
		cfg.FirewallMark = &m
	}
	for _, p := range w.Peers {
		pc, err := peerConfig(p)
		if err != nil {
			return cfg, err
		}
		cfg.Peers = append(cfg.Peers, pc)
	}
	return cfg, nil
}

func peerConfig(p *Peer) (wgtypes.PeerConfig, error) {
	pub, err := wgtypes.ParseKey(p.PublicKey)
	if err != nil {
		return wgtypes.PeerConfig{}, fmt.Errorf("peer '%s' public_key: %v", p.Section, err)
	}
	pc := wgtypes.PeerConfig{PublicKey: pub, ReplaceAllowedIPs: true}
	if p.PresharedKey != "" {
		psk, err := wgtypes.ParseKey(p.PresharedKey)
		if err != nil {
			return pc, fmt.Errorf("peer '%s' preshared_key: %v", p.Section, err)
		}
		pc.PresharedKey = &psk
	}
	for _, a := range p.AllowedIPs {
		pc.AllowedIPs = append(pc.AllowedIPs, net.IPNet{IP: a.Addr().AsSlice(), Mask: net.CIDRMask(a.Bits(), a.Addr().BitLen())})
	}
	if p.Endpoint.IsValid() {
		pc.Endpoint = net.UDPAddrFromAddrPort(p.Endpoint)
	}
	if p.Keepalive > 0 {
		d := time.Duration(p.Keepalive) * time.Second
		pc.PersistentKeepaliveInterval = &d
	}
	return pc, nil
}

func configure(uapi string, cfg wgtypes.Config) error {
	c, err := wgdev.Open()
	if err != nil {
		return err
	}
	defer c.Close()
	return c.ConfigureDevice(uapi, cfg)
}

func (r *Router) applyRoute(n *Network, rt *Route) error {
	fam := "-4"
	if rt.V6 {
		fam = "-6"
	}
	target := rt.Target.String()
	if rt.Target.Bits() == 0 {
		target = "default"
	}
	args := []string{fam, "route", "add", rt.Type, target}
	metric, table := rt.Metric, rt.Table
	if rt.Interface != "" {
		i := n.Interface(rt.Interface)
		if i == nil || !i.Up {
			return nil // §1.7: the route lives only while its interface is up
		}
		if rt.Gateway != "" {
			args = append(args, "via", rt.Gateway)
		}
		args = append(args, "dev", i.L3Device())
		if metric == "" && i.Metric != 0 {
			metric = strconv.Itoa(i.Metric)
		}
		if table == "" {
			table = i.table(rt.V6)
		}
	}
	args = append(args, "proto", "static")
	for _, kv := range [][2]string{{"metric", metric}, {"table", table}, {"mtu", rt.MTU}, {"src", rt.Source}} {
		if kv[1] != "" {
			args = append(args, kv[0], kv[1])
		}
	}
	if rt.Onlink {
		args = append(args, "onlink")
	}
	return r.ip(args...)
}

func (r *Router) applyRule(n *Network, rl *Rule) error {
	fam := "-4"
	if rl.V6 {
		fam = "-6"
	}
	args := append([]string{fam, "rule", "add"}, rl.Args...)
	for _, sel := range [][2]string{{"iif", rl.In}, {"oif", rl.Out}} {
		if sel[1] == "" {
			continue
		}
		i := n.Interface(sel[1])
		if i == nil || !i.Up {
			return nil // netifd installs the rule only while the interface is up
		}
		args = append(args, sel[0], i.L3Device())
	}
	return r.ip(args...)
}
