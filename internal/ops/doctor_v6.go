package ops

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strings"

	"github.com/wgowrt/wgowrt/internal/plan"
	"github.com/wgowrt/wgowrt/internal/wg"
	"github.com/wgowrt/wgowrt/uci"
)

// doctor's IPv6 checks: the counterparts of the IPv4 ones where OpenWrt
// has an IPv6 equivalent (route-missing covers both families, see
// routedBoth): the tunnel's IPv6 address on its device, IPv6
// masquerade (towards the LAN for --lan-access masquerade, towards wan
// for a ULA subnet with --internet), the full tunnel's unreachable ::/0
// that keeps the LAN's IPv6 from leaking, and IPv6 forwarding.

// devAddrs reads a device's addresses from the kernel (netlink).
func devAddrs(dev string) ([]netip.Prefix, bool) {
	i, err := net.InterfaceByName(dev)
	if err != nil {
		return nil, false
	}
	as, err := i.Addrs()
	if err != nil {
		return nil, false
	}
	var out []netip.Prefix
	for _, a := range as {
		if n, ok := a.(*net.IPNet); ok {
			if p, err := netip.ParsePrefix(n.String()); err == nil {
				out = append(out, p)
			}
		}
	}
	return out, true
}

// sysctl reads /proc/sys/KEY (dots for slashes).
func sysctl(key string) string {
	b, err := os.ReadFile("/proc/sys/" + strings.ReplaceAll(key, ".", "/"))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

func routes6(table string) (string, bool) {
	out, err := exec.Command("ip", "-6", "route", "show", "table", table).Output()
	return string(out), err == nil
}

// gatherV6 reads the IPv6 facts of the running router.
func gatherV6(f *DoctorFacts, pr Probes) {
	f.Forward6 = pr.Sysctl("net.ipv6.conf.all.forwarding")
	f.DevAddrs, f.NoIPv6, f.Tables6 = map[string][]netip.Prefix{}, map[string]bool{}, map[string]string{}
	for name := range f.Devices {
		if as, ok := pr.Addrs(name); ok {
			f.DevAddrs[name] = as
		}
		f.NoIPv6[name] = pr.Sysctl("net.ipv6.conf."+name+".disable_ipv6") == "1"
	}
	for _, iface := range wgInterfaces(f.State) {
		if cl, err := plan.ReadClient(f.State, iface); err == nil && cl.Mode == plan.ModeFull {
			if t := opt(f.State.Network, iface, "ip6table"); t != "" {
				if r, ok := pr.Routes6(t); ok {
					f.Tables6[t] = r
				}
			}
		}
	}
}

// missing6 are the IPv6 addresses of the interface's configuration that
// its running device does not have (nil when that is not known).
func (d *ifaceCheck) missing6() []netip.Prefix {
	have, ok := d.f.DevAddrs[d.iface]
	if !ok || !d.f.Up[d.iface] {
		return nil
	}
	var out []netip.Prefix
	for _, s := range listOf(d.f.State.Network, d.iface, "addresses") {
		p, err := wg.ParseAddrPrefix(s)
		if err != nil || !p.Addr().Is6() {
			continue
		}
		found := false
		for _, h := range have {
			found = found || h.Addr() == p.Addr()
		}
		if !found {
			out = append(out, p)
		}
	}
	return out
}

// address6: the interface is up but its device lacks its IPv6 address:
// IPv6 disabled on the device (net.ipv6.conf.*.disable_ipv6, as guides
// to "turn IPv6 off" set), or netifd failed to add it. Peers' IPv6
// then has nowhere to go.
func (d *ifaceCheck) address6() []Finding {
	miss := d.missing6()
	if len(miss) == 0 {
		return nil
	}
	var ss []string
	for _, p := range miss {
		ss = append(ss, p.String())
	}
	ev := fmt.Sprintf("ip -6 addr show dev %s: no %s", d.iface, strings.Join(ss, ", "))
	fix := "ifup " + d.iface + "; logread -e netifd   # says why"
	if d.f.NoIPv6[d.iface] {
		ev += fmt.Sprintf("; net.ipv6.conf.%s.disable_ipv6 = 1", d.iface)
		fix = fmt.Sprintf("sysctl -w net.ipv6.conf.%s.disable_ipv6=0 && ifup %s   # and drop the disable_ipv6 lines from /etc/sysctl.conf and /etc/sysctl.d", d.iface, d.iface)
	}
	return []Finding{d.finding("address6-missing", "", fmt.Sprintf("%s is up without its IPv6 address %s: its peers' IPv6 goes nowhere", d.iface, strings.Join(ss, ", ")), ev, fix)}
}

// masquerade6: a wgowrt server's IPv6 subnet needs a masquerade
// towards the LAN (--lan-access masquerade, like masquerade-missing for
// IPv4) and, when it is a ULA with --internet, towards wan: nobody on
// the internet routes a ULA back (wan masquerades only IPv4 by itself).
func (d *ifaceCheck) masquerade6() []Finding {
	srv, err := plan.ReadServer(d.f.State, d.iface)
	if err != nil || !srv.Owned || srv.Zone == "" {
		return nil
	}
	sub, ok := srv.Subnet(false)
	if !ok {
		return nil
	}
	var out []Finding
	if srv.LanAccess == wg.AccessMasquerade {
		out = append(out, d.masq6Missing(sub, "lan", wg.FwMasq6, "LAN access by masquerade", "LAN hosts answer peers through their default gateway")...)
	}
	if srv.Internet && sub.Addr().As16()[0]&0xfe == 0xfc {
		out = append(out, d.masq6Missing(sub, "wan", "wan_masq6", "--internet with a ULA subnet", "peers' IPv6 leaves with a ULA source, and no answer comes back")...)
	}
	return out
}

// masq6Missing is the finding when nothing masquerades sub towards the
// zone that holds network role (lan, wan): neither the zone's masq6 nor
// an IPv6 nat section.
func (d *ifaceCheck) masq6Missing(sub netip.Prefix, role, secRole, why, effect string) []Finding {
	fw := d.f.State.Firewall
	z := zoneOf(fw, role)
	if z == nil || truthy(get(z, "masq6")) || hasMasq6(fw, get(z, "name"), sub) {
		return nil
	}
	zone, sec := get(z, "name"), wg.FirewallSection(d.iface, secRole)
	return []Finding{d.finding("masquerade6-missing", "", fmt.Sprintf("%s declares %s but nothing masquerades its IPv6 subnet %s towards %s: %s", d.iface, why, sub, zone, effect),
		fmt.Sprintf("no zone %s with masq6 and no nat section with family ipv6, src %s, src_ip %s and target MASQUERADE", zone, zone, sub),
		fmt.Sprintf("uci -q delete firewall.%s; uci set firewall.%s=nat && uci set firewall.%s.name='Masq6-%s-to-%s' && uci set firewall.%s.family='ipv6' && uci set firewall.%s.src='%s' && uci set firewall.%s.src_ip='%s' && uci set firewall.%s.target='MASQUERADE' && uci set firewall.%s.proto='all' && uci commit firewall && /etc/init.d/firewall reload",
			sec, sec, sec, d.iface, role, sec, sec, zone, sec, sub, sec, sec))}
}

// hasMasq6 says whether an enabled nat section masquerades sub (or every
// IPv6 source) leaving zone src.
func hasMasq6(fw *uci.Package, src string, sub netip.Prefix) bool {
	for _, s := range fw.SectionsOfType("nat") {
		if get(s, "src") != src || get(s, "target") != "MASQUERADE" || get(s, "enabled") == "0" || get(s, "family") == "ipv4" {
			continue
		}
		ip := get(s, "src_ip")
		if p, err := netip.ParsePrefix(ip); err == nil && p.Addr().Is6() && p.Contains(sub.Addr()) && p.Bits() <= sub.Bits() {
			return true
		}
		if ip == "" && get(s, "family") == "ipv6" {
			return true
		}
	}
	return false
}

// leak6: a wgowrt full-tunnel client keeps an unreachable ::/0 in its
// table (route6 wgowrt_IFACE_ks6) so that the LAN's IPv6 never falls
// through to main, and out through wan, when the provider gives no
// IPv6 or the tunnel is down.
func (d *ifaceCheck) leak6() []Finding {
	cl, err := plan.ReadClient(d.f.State, d.iface)
	if err != nil || cl.Mode != plan.ModeFull {
		return nil
	}
	t := opt(d.f.State.Network, d.iface, "ip6table")
	routes, known := d.f.Tables6[t]
	if t == "" || !known || hasUnreachableDefault(routes) {
		return nil
	}
	sec := wg.Prefix + d.iface + "_ks6"
	fix := "ifup loopback   # netifd puts route6 " + sec + " (unreachable ::/0 in table " + t + ") back"
	if d.f.State.Network.Section(sec) == nil {
		fix = fmt.Sprintf("uci set network.%s=route6 && uci set network.%s.type='unreachable' && uci set network.%s.target='::/0' && uci set network.%s.table='%s' && uci set network.%s.metric='65535' && uci commit network && /etc/init.d/network reload",
			sec, sec, sec, sec, t, sec)
	}
	return []Finding{d.finding("ipv6-leak", "", fmt.Sprintf("the full tunnel %s's table %s has no unreachable ::/0: whenever the tunnel has no IPv6 route (the provider gives none, the tunnel is down) the LAN's IPv6 leaks through wan", d.iface, t),
		fmt.Sprintf("ip -6 route show table %s: no unreachable default", t), fix)}
}

func hasUnreachableDefault(routes string) bool {
	for _, l := range strings.Split(routes, "\n") {
		if f := strings.Fields(l); len(f) > 1 && f[0] == "unreachable" && (f[1] == "default" || f[1] == "::/0") {
			return true
		}
	}
	return false
}

// checkForwarding6: a role that forwards IPv6 (a server whose peers
// reach the LAN, the internet or each other, a site link or client
// routing IPv6 beyond the tunnel's own subnet) needs
// net.ipv6.conf.all.forwarding, which OpenWrt sets at boot
// (/etc/sysctl.d/10-default.conf). One finding for the router.
func checkForwarding6(f DoctorFacts) []Finding {
	if !f.Live || f.Forward6 != "0" {
		return nil
	}
	for _, iface := range wgInterfaces(f.State) {
		if f.Only != "" && iface != f.Only || truthy(opt(f.State.Network, iface, "disabled")) || !forwards6(f.State, iface) {
			continue
		}
		return []Finding{{Check: "ipv6-forwarding-off", Iface: iface, Problem: fmt.Sprintf("IPv6 forwarding is off: %s's IPv6 traffic stops at the router", iface),
			Evidence: "net.ipv6.conf.all.forwarding = 0",
			Fix:      "sysctl -w net.ipv6.conf.all.forwarding=1   # and drop any line setting it to 0 from /etc/sysctl.conf and /etc/sysctl.d"}}
	}
	return nil
}

// forwards6 says whether iface's role forwards IPv6.
func forwards6(st plan.State, iface string) bool {
	var own []netip.Prefix
	for _, s := range listOf(st.Network, iface, "addresses") {
		if p, err := wg.ParseAddrPrefix(s); err == nil && p.Addr().Is6() {
			own = append(own, p.Masked())
		}
	}
	if len(own) == 0 {
		return false
	}
	if srv, err := plan.ReadServer(st, iface); err == nil && srv.Owned &&
		(srv.LanAccess == wg.AccessRouted || srv.LanAccess == wg.AccessMasquerade || srv.Internet || srv.ClientToClient) {
		return true
	}
	for _, p := range plan.ReadPeers(st, iface) {
		for _, s := range p.AllowedIPs {
			pf, err := netip.ParsePrefix(strings.TrimSpace(s))
			if p.Disabled || err != nil || !pf.Addr().Is6() || pf.Bits() == 0 && !defaultForwards6(st, iface) {
				continue
			}
			inside := false
			for _, o := range own {
				inside = inside || o.Bits() <= pf.Bits() && o.Contains(pf.Addr())
			}
			if !inside {
				return true
			}
		}
	}
	return false
}

// defaultForwards6 says whether a peer's ::/0 carries others' IPv6: a
// full tunnel's LAN, a gateway's --block6; a source-routed client alone
// sends only the router's own.
func defaultForwards6(st plan.State, iface string) bool {
	if cl, err := plan.ReadClient(st, iface); err == nil && cl.Mode == plan.ModeFull {
		return true
	}
	return opt(st.Network, wg.Prefix+iface+"_gw", "ip6addr") != ""
}
