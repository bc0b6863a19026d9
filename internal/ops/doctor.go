package ops

import (
	"bufio"
	"bytes"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"

	"github.com/wgowrt/wgowrt/internal/plan"
	"github.com/wgowrt/wgowrt/internal/wgdev"
	"github.com/wgowrt/wgowrt/ubus"
)

// `wgowrt doctor` looks at what a router itself can see — UCI, the
// firewall's loaded ruleset, routes, the WireGuard devices, name
// resolution of endpoints, the clock, the kernel module — and reports
// each problem as a Finding: what is wrong, the evidence, and the exact
// command that fixes it. Gathering (doctorFacts, side effects behind
// Probes) is apart from judging (Diagnose, pure), so every cause is a
// table test; a healthy router yields no finding.

// Finding is one problem. Its field names are those of `doctor --json`
// (version 1) and the rpcd doctor answer.
type Finding struct {
	// Check names the cause ("port-closed", "no-handshake", ...).
	Check string `json:"check"`
	Iface string `json:"iface,omitempty"`
	Peer  string `json:"peer,omitempty"`
	// Problem says what is wrong, Evidence what shows it, Fix the
	// command (or commands, one per line) that fixes it.
	Problem  string `json:"problem"`
	Evidence string `json:"evidence"`
	Fix      string `json:"fix"`
	// Severity is SeverityWarning for a finding that is no fault of the
	// configuration and that the router works through by itself (an
	// endpoint held while its name does not resolve); empty otherwise.
	Severity string `json:"severity,omitempty"`
}

// SeverityWarning is the Severity of a finding that is not a fault of
// the configuration.
const SeverityWarning = "warning"

// DoctorResult is what doctor found; Checked lists the interfaces
// looked at.
type DoctorResult struct {
	Checked  []string  `json:"checked"`
	Findings []Finding `json:"findings"`
	// Live is false when there was no running router to ask (--root):
	// only the configuration was checked.
	Live bool `json:"live"`
}

// Probes are doctor's reads of the running router.
type Probes struct {
	// InputWan is the loaded ruleset's wan input chain (nft), "" when
	// it cannot be read.
	InputWan func() string
	// UDPPorts are the UDP ports something listens on.
	UDPPorts func() map[int]bool
	// RouteDev is the device the kernel routes addr through, Unreachable
	// when it has no route, "" when that cannot be told.
	RouteDev func(addr netip.Addr) string
	// Module says whether WireGuard is available (kernel module loaded,
	// or built in).
	Module func() bool
	// MTU is a device's MTU (0 unknown).
	MTU func(dev string) int
	// Ping says whether addr answers an IPv4 ping of size bytes of
	// payload with the don't-fragment bit set, sent from src (when valid).
	Ping func(src, addr netip.Addr, size int) bool
	// Addrs are a device's addresses as the kernel has them (false:
	// no such device, or they cannot be read).
	Addrs func(dev string) ([]netip.Prefix, bool)
	// Sysctl reads a kernel setting ("net.ipv6.conf.all.forwarding"),
	// "" when it cannot be read.
	Sysctl func(key string) string
	// Routes6 is a routing table's IPv6 routes (ip -6 route show table
	// T), false when they cannot be read.
	Routes6 func(table string) (string, bool)
}

// Unreachable is RouteDev's answer for an address without a route,
// NoRouteToHost for one under a route of type unreachable (netifd keeps
// the ULA prefix so on lo).
const (
	Unreachable   = "(unreachable)"
	NoRouteToHost = "(no route to host)"
)

// RealProbes read the running router.
var RealProbes = Probes{
	InputWan: func() string {
		out, err := exec.Command("nft", "list", "chain", "inet", "fw4", "input_wan").Output()
		if err != nil {
			return ""
		}
		return string(out)
	},
	UDPPorts: udpPorts,
	RouteDev: func(a netip.Addr) string {
		out, err := exec.Command("ip", "route", "get", a.String()).CombinedOutput()
		if err != nil {
			low := strings.ToLower(string(out))
			if strings.Contains(low, "unreachable") {
				return Unreachable
			}
			if strings.Contains(low, "no route to host") {
				return NoRouteToHost // under a route of type unreachable
			}
			return ""
		}
		f := strings.Fields(string(out))
		for i := range f[:max(len(f)-1, 0)] {
			if f[i] == "dev" {
				return f[i+1]
			}
		}
		return ""
	},
	Module: func() bool {
		_, err := os.Stat("/sys/module/wireguard")
		return err == nil
	},
	MTU: func(dev string) int {
		if i, err := net.InterfaceByName(dev); err == nil {
			return i.MTU
		}
		return 0
	},
	Ping:    pingDF,
	Addrs:   devAddrs,
	Sysctl:  sysctl,
	Routes6: routes6,
}

// PathMTU is what probing a peer's tunnel address found: packets of the
// interface's MTU do not get through, packets of Largest bytes do.
type PathMTU struct {
	Peer    string
	Section string
	Addr    netip.Addr
	MTU     int
	// Largest is the largest packet (IP bytes) that got through; 0 none
	// of the sizes tried.
	Largest int
}

// udpPorts reads the local ports of UDP sockets from /proc/net/udp{,6}.
func udpPorts() map[int]bool {
	out := map[int]bool{}
	for _, f := range []string{"/proc/net/udp", "/proc/net/udp6"} {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		for sc.Scan() {
			fs := strings.Fields(sc.Text())
			if len(fs) < 2 {
				continue
			}
			if _, port, ok := strings.Cut(fs[1], ":"); ok {
				if n, err := strconv.ParseUint(port, 16, 16); err == nil {
					out[int(n)] = true
				}
			}
		}
	}
	return out
}

// DoctorFacts is everything Diagnose judges.
type DoctorFacts struct {
	State plan.State
	// Only limits the checks to one interface ("" = all).
	Only string
	// Live is false without a running router: the fields below are empty.
	Live    bool
	Devices map[string]*wgtypes.Device
	// Up is netifd's view: whether each interface is up (nil: unknown).
	Up map[string]bool
	// InputWan is the loaded wan input chain ("" unknown).
	InputWan string
	UDPPorts map[int]bool
	// Unresolvable are endpoint hosts that did not resolve, with the error.
	Unresolvable map[string]string
	// Held are the peer sections whose endpoint the supervisor holds
	// back from netifd (HeldEndpoints; read without a live router too).
	Held map[string]bool
	// EndpointDev is the device each endpoint address routes through.
	EndpointDev map[netip.Addr]string
	// WanAddrs are the wan interface's live addresses.
	WanAddrs []netip.Addr
	Module   bool
	Now      time.Time
	// RouteDev is the device the kernel routes the first host of each
	// routed AllowedIPs prefix through.
	RouteDev map[netip.Prefix]string
	// IPv6 facts (doctor_v6.go): DevAddrs are each running WireGuard
	// device's addresses in the kernel, NoIPv6 the devices with
	// net.ipv6.conf.DEV.disable_ipv6 = 1, Forward6 is
	// net.ipv6.conf.all.forwarding ("" unknown), Tables6 each full-tunnel
	// client's IPv6 table (ip -6 route show table T).
	DevAddrs map[string][]netip.Prefix
	NoIPv6   map[string]bool
	Forward6 string
	Tables6  map[string]string
	// MTUProbes are the peers whose tunnel address answers small pings
	// but not full-size ones with don't-fragment, per interface.
	MTUProbes map[string][]PathMTU
}

// Doctor checks the router (only iface when set).
func (o *Ops) Doctor(iface string) (*DoctorResult, error) {
	st, unlock, err := o.read("")
	if err != nil {
		return nil, err
	}
	unlock()
	f := o.doctorFacts(st, iface)
	res := &DoctorResult{Live: f.Live, Findings: Diagnose(f)}
	for _, s := range wgInterfaces(st) {
		if iface == "" || s == iface {
			res.Checked = append(res.Checked, s)
		}
	}
	if res.Checked == nil {
		res.Checked = []string{}
	}
	if res.Findings == nil {
		res.Findings = []Finding{}
	}
	return res, nil
}

// doctorFacts gathers the facts from the running router.
func (o *Ops) doctorFacts(st plan.State, only string) DoctorFacts {
	f := DoctorFacts{State: st, Only: only, Now: o.Deps.Now(), Unresolvable: map[string]string{}, EndpointDev: map[netip.Addr]string{}}
	f.Held, _ = o.HeldEndpoints()
	ls := o.live()
	if ls == nil {
		return f
	}
	f.Live = true
	pr := o.Deps.Probes
	f.InputWan, f.UDPPorts, f.Module = pr.InputWan(), pr.UDPPorts(), pr.Module()
	f.Devices = map[string]*wgtypes.Device{}
	if cl, err := o.Deps.Devices(); err == nil {
		if devs, _, err := wgdev.Partial(cl.Devices()); err == nil {
			for _, d := range devs {
				f.Devices[d.Name] = d
			}
		}
		cl.Close()
	}
	if ifs, err := ubus.InterfaceDump(ls.Ubus); err == nil && len(ifs) > 0 {
		f.Up = map[string]bool{}
		for _, i := range ifs {
			f.Up[i.Name] = i.Up
		}
	}
	for _, a := range o.liveFacts().Addrs {
		if a.Iface == "wan" && a.Kind == plan.LiveAddress {
			f.WanAddrs = append(f.WanAddrs, a.Prefix.Addr())
		}
	}
	f.MTUProbes = o.probeMTU(st, f)
	f.RouteDev = routedPrefixes(st, f.Up, pr.RouteDev)
	gatherV6(&f, pr)
	for _, iface := range wgInterfaces(st) {
		for _, p := range plan.ReadPeers(st, iface) {
			host := endpointHost(p.Endpoint)
			if host == "" || p.Disabled {
				continue
			}
			addr, err := netip.ParseAddr(host)
			if err != nil && ls.Resolve != nil {
				if addr, err = ls.Resolve(host); err != nil {
					f.Unresolvable[host] = err.Error()
					continue
				}
			}
			if addr.IsValid() {
				f.EndpointDev[addr] = pr.RouteDev(addr)
			}
		}
	}
	return f
}

// endpointHost is the host part of a peer's "host:port" endpoint.
func endpointHost(ep string) string {
	if ep == "" {
		return ""
	}
	if ap, err := netip.ParseAddrPort(ep); err == nil {
		return ap.Addr().String()
	}
	i := strings.LastIndex(ep, ":")
	if i < 0 {
		return ep
	}
	return strings.Trim(ep[:i], "[]")
}

// wgInterfaces are the WireGuard interfaces of the configuration, sorted.
func wgInterfaces(st plan.State) []string {
	var out []string
	for _, s := range st.Network.SectionsOfType("interface") {
		if v, _ := s.Get("proto"); v == "wireguard" {
			out = append(out, s.Name)
		}
	}
	sort.Strings(out)
	return out
}

// probeMTU pings, with don't-fragment, the tunnel address of every peer
// with a live session: a full-size packet that is lost where a small one
// answers is a path narrower than the interface's MTU (a black hole for
// TCP when ICMP is filtered). Peers that do not answer pings at all are
// left alone.
func (o *Ops) probeMTU(st plan.State, f DoctorFacts) map[string][]PathMTU {
	pr := o.Deps.Probes
	out := map[string][]PathMTU{}
	for name, dev := range f.Devices {
		mtu := pr.MTU(name)
		if mtu <= 0 || f.Only != "" && name != f.Only {
			continue
		}
		for _, p := range plan.ReadPeers(st, name) {
			a, ok := peerHostAddr(p)
			if !ok || !sessionLive(dev, p.PublicKey, f.Now) {
				continue
			}
			src := netip.Addr{}
			if !pr.Ping(src, a, 56) {
				if src = lanAddr(st); !src.IsValid() || !pr.Ping(src, a, 56) {
					continue // does not answer pings at all
				}
			}
			hdr := pingOverhead(a)
			if pr.Ping(src, a, mtu-hdr) {
				continue
			}
			r := PathMTU{Peer: p.Name, Section: p.Section, Addr: a, MTU: mtu}
			r.Largest = largestThrough(func(size int) bool { return pr.Ping(src, a, size-hdr) }, mtu)
			out[name] = append(out[name], r)
		}
	}
	return out
}

// largestThrough finds, by bisection, the largest packet size between
// IPv6's minimum 1280 and mtu-1 that gets through (0: not even 1280).
func largestThrough(passes func(size int) bool, mtu int) int {
	lo, hi := 1280, mtu-1
	if hi < lo || !passes(lo) {
		return 0
	}
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if passes(mid) {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo
}

// lanAddr is the router's own address on lan.
func lanAddr(st plan.State) netip.Addr {
	v := opt(st.Network, "lan", "ipaddr")
	if p, err := netip.ParsePrefix(v); err == nil {
		return p.Addr()
	}
	a, _ := netip.ParseAddr(v)
	return a
}

// peerHostAddr is an address behind a peer to probe: its IPv4 tunnel
// address (a /32), else the first host of its first routed IPv4 subnet;
// a peer with no IPv4 at all, the same in IPv6 (a /128, else the first
// host of a subnet). The outer path is the same for both families, so
// IPv4 is enough where there is any.
func peerHostAddr(p plan.Peer) (netip.Addr, bool) {
	if a, ok := familyHostAddr(p, true); ok {
		return a, true
	}
	return familyHostAddr(p, false)
}

func familyHostAddr(p plan.Peer, v4 bool) (netip.Addr, bool) {
	var first netip.Addr
	for _, s := range p.AllowedIPs {
		pf, err := netip.ParsePrefix(strings.TrimSpace(s))
		if err != nil || pf.Addr().Is4() != v4 || pf.Bits() == 0 {
			continue
		}
		bits := pf.Addr().BitLen()
		if pf.Bits() == bits {
			return pf.Addr(), true
		}
		if !first.IsValid() && pf.Bits() <= bits-2 {
			first = pf.Masked().Addr().Next()
		}
	}
	return first, first.IsValid()
}

// pingOverhead is what an IP and ICMP header add to a ping's payload.
func pingOverhead(a netip.Addr) int {
	if a.Is4() {
		return 28
	}
	return 48
}

func sessionLive(dev *wgtypes.Device, key string, now time.Time) bool {
	for _, p := range dev.Peers {
		if p.PublicKey.String() == key {
			return !p.LastHandshakeTime.IsZero() && now.Sub(p.LastHandshakeTime) <= ActiveWithin
		}
	}
	return false
}

// routedPrefixes asks the kernel where the first host of each routed
// AllowedIPs prefix of an up interface in the main table goes.
func routedPrefixes(st plan.State, up map[string]bool, routeDev func(netip.Addr) string) map[netip.Prefix]string {
	out := map[netip.Prefix]string{}
	for _, iface := range wgInterfaces(st) {
		if !up[iface] {
			continue
		}
		v4, v6 := opt(st.Network, iface, "ip4table") == "", opt(st.Network, iface, "ip6table") == ""
		for _, p := range plan.ReadPeers(st, iface) {
			if !p.Routes || p.Disabled {
				continue
			}
			for _, pf := range routedBoth(p) {
				if pf.Addr().Is4() && v4 || pf.Addr().Is6() && v6 {
					out[pf] = routeDev(probeAddr(pf))
				}
			}
		}
	}
	return out
}

// routedBoth are a peer's IPv4 and IPv6 AllowedIPs that netifd routes
// (route_allowed_ips installs both families; not /0: default routes go
// through policy routing or the interface's own table).
func routedBoth(p plan.Peer) []netip.Prefix {
	return append(routedFamily(p, true), routedFamily(p, false)...)
}

func routedFamily(p plan.Peer, v4 bool) []netip.Prefix {
	var out []netip.Prefix
	for _, s := range p.AllowedIPs {
		if pf, err := netip.ParsePrefix(strings.TrimSpace(s)); err == nil && pf.Addr().Is4() == v4 && pf.Bits() > 0 {
			out = append(out, pf.Masked())
		}
	}
	return out
}

// probeAddr is the address whose route stands for pf's: the first host
// (the address itself for a host prefix or a point-to-point pair).
func probeAddr(pf netip.Prefix) netip.Addr {
	if pf.Bits() >= pf.Addr().BitLen()-1 {
		return pf.Addr()
	}
	return pf.Addr().Next()
}
