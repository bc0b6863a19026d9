package plan

import (
	"net/netip"
	"strings"

	"github.com/wgowrt/wgowrt/internal/wg"
)

// minUsedBits ignores very wide prefixes (default routes, 0.0.0.0/1 split
// defaults, full-tunnel allowed_ips) that would otherwise make every subnet
// look taken.
const minUsedBits4, minUsedBits6 = 8, 16

// usedSpace collects every prefix the router already uses: interface
// addresses, static routes, other WireGuard interfaces and their peers'
// allowed IPs, and what the running system reports.
// The running router's prefixes of interfaces skip says yes to are left
// out (nil: none).
func usedSpace(st State, skip func(iface string) bool) wg.Used {
	var u wg.Used
	add := func(p netip.Prefix) {
		if p.Addr().Is4() && p.Bits() < minUsedBits4 || p.Addr().Is6() && p.Bits() < minUsedBits6 {
			return
		}
		u = append(u, p.Masked())
	}
	for _, s := range st.Network.Sections {
		switch {
		case s.Type == "interface":
			for _, p := range interfaceAddrs(s) {
				add(p)
			}
		case s.Type == "route" || s.Type == "route6":
			if p, ok := routeTarget(get(s, "target"), get(s, "netmask")); ok {
				add(p)
			}
		case strings.HasPrefix(s.Type, "wireguard_"):
			for _, a := range listOf(s, "allowed_ips") {
				if p, err := wg.ParseAddrPrefix(a); err == nil {
					add(p)
				}
			}
		}
	}
	for _, a := range st.Live.Addrs {
		if skip == nil || !skip(a.Iface) {
			add(a.Prefix)
		}
	}
	return u
}

// interfaceAddrs reads the addresses of a netifd interface section: ipaddr
// (with netmask or in CIDR form, possibly a list), ip6addr, and a
// WireGuard interface's addresses.
func interfaceAddrs(s interface {
	Get(string) (string, bool)
	List(string) []string
}) []netip.Prefix {
	var out []netip.Prefix
	mask, _ := s.Get("netmask")
	for _, a := range s.List("ipaddr") {
		for _, f := range strings.Fields(a) {
			if p, ok := routeTarget(f, mask); ok {
				out = append(out, p)
			}
		}
	}
	for _, name := range []string{"ip6addr", "addresses"} {
		for _, a := range s.List(name) {
			for _, f := range strings.Fields(a) {
				if p, err := wg.ParseAddrPrefix(f); err == nil {
					out = append(out, p)
				}
			}
		}
	}
	return out
}

// routeTarget reads an address or CIDR with an optional dotted netmask.
func routeTarget(addr, mask string) (netip.Prefix, bool) {
	if addr == "" {
		return netip.Prefix{}, false
	}
	p, err := wg.ParseAddrPrefix(addr)
	if err != nil {
		return netip.Prefix{}, false
	}
	if !strings.Contains(addr, "/") && mask != "" && p.Addr().Is4() {
		if bits, ok := wg.MaskToBits(mask); ok {
			p = netip.PrefixFrom(p.Addr(), bits)
		}
	}
	return p, true
}
