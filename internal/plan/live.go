package plan

import (
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"github.com/wgowrt/wgowrt/internal/wg"
	"github.com/wgowrt/wgowrt/uci"
)

// Live is what the router and the session running wgowrt tell beyond
// /etc/config: the addresses and routes netifd has up (a DHCP wan address
// is in no file), the network devices that exist, the address of the SSH
// client that is running the command, and the ports the router itself
// serves. The planner uses them to refuse what would collide with or cut
// them; internal/system gathers them.
type Live struct {
	// Known is true when the facts come from a running router. With
	// --root (a copy of a router's files) it is false: Addrs and Links
	// are empty and only the files and $SSH_CLIENT count.
	Known bool
	// Unavailable says why a running router's facts could not be read;
	// the checks then fall back to /etc/config and say so.
	Unavailable string
	// Addrs are the running interfaces' addresses, prefixes and routes
	// (ubus network.interface dump).
	Addrs []LiveAddr
	// Links are the names of the network devices that exist.
	Links []string
	// Admin is the address of the SSH client running this command
	// ($SSH_CLIENT, $SSH_CONNECTION); invalid when unknown (LuCI, a
	// local console).
	Admin netip.Addr
	// Services are the ports the router's own daemons listen on, from
	// /etc/config/dropbear and /etc/config/uhttpd.
	Services []RouterService
}

// Kinds of live addresses.
const (
	LiveAddress   = "address"  // an address of the interface (with its subnet)
	LiveDelegated = "prefix"   // an IPv6 prefix delegated to the router
	LiveAssigned  = "assigned" // the part of a delegated prefix a LAN uses
	LiveRoute     = "route"    // a route netifd installed
)

// LiveAddr is an address, prefix or route of a running interface.
type LiveAddr struct {
	Iface  string
	Kind   string
	Prefix netip.Prefix
}

// RouterService is a port one of the router's own daemons listens on.
type RouterService struct {
	Port  int
	Proto string
	// What names it ("ssh (dropbear)", "LuCI (uhttpd)").
	What string
}

// RouterServices reads the ports dropbear and uhttpd listen on from their
// configuration (either may be nil).
func RouterServices(dropbear, uhttpd *uci.Package) []RouterService {
	var out []RouterService
	if dropbear != nil {
		for _, s := range dropbear.SectionsOfType("dropbear") {
			if v, ok := s.Get("enable"); ok && !truthy(v) {
				continue
			}
			port := 22
			if n, err := strconv.Atoi(get(s, "Port")); err == nil {
				port = n
			}
			out = append(out, RouterService{Port: port, Proto: "tcp", What: "ssh (dropbear)"})
		}
	}
	if uhttpd != nil {
		for _, s := range uhttpd.SectionsOfType("uhttpd") {
			for _, o := range []string{"listen_http", "listen_https"} {
				for _, l := range listOf(s, o) {
					if n, err := strconv.Atoi(l[strings.LastIndex(l, ":")+1:]); err == nil {
						out = append(out, RouterService{Port: n, Proto: "tcp", What: "LuCI (uhttpd)"})
					}
				}
			}
		}
	}
	return out
}

// liveUsed are the running router's prefixes as labelled used space for
// routes into a tunnel: all but those of skip (the interface being edited,
// whose own routes the files describe) and the delegated prefixes (a /64
// of one may well be routed to a peer).
func liveUsed(st State, skip func(iface string) bool) []labelled {
	var out []labelled
	for _, a := range st.Live.Addrs {
		if a.Kind == LiveDelegated || skip != nil && skip(a.Iface) || !siteWide(a.Prefix) {
			continue
		}
		out = append(out, labelled{a.Prefix.Masked(), fmt.Sprintf("%s (%s, running)", a.Prefix.Masked(), a.Iface)})
	}
	return out
}

// labelled is a used prefix with what to call it in a refusal.
type labelled struct {
	p     netip.Prefix
	label string
}

// usedIndex answers which labelled prefix, first in order, a prefix
// overlaps.
type usedIndex struct {
	items []labelled
	set   *wg.PrefixSet
}

func newUsedIndex(items []labelled) *usedIndex {
	ps := make([]netip.Prefix, len(items))
	for i, it := range items {
		ps[i] = it.p
	}
	return &usedIndex{items: items, set: wg.NewPrefixSet(ps)}
}

// overlaps returns the label of the first item p overlaps.
func (u *usedIndex) overlaps(p netip.Prefix) (string, bool) {
	i, ok := u.set.First(p)
	if !ok {
		return "", false
	}
	return u.items[i].label, true
}

// firstBefore returns the position of the first of ps (indexed by set)
// that overlaps ps[i] and comes before it.
func firstBefore(set *wg.PrefixSet, i int, p netip.Prefix) (int, bool) {
	j, ok := set.First(p)
	return j, ok && j < i
}

// tunnelRoute checks a prefix about to be routed into a tunnel against
// the session running the command and warns when it is very wide. flag
// names it in messages (--route, --remote-subnet, AllowedIPs).
func tunnelRoute(r *Result, flag string, p netip.Prefix, insist bool) error {
	if a := r.State.Live.Admin; a.IsValid() && p.Contains(a) {
		if !insist {
			return fmt.Errorf("%s %s contains %s, the address this SSH session comes from: the router's replies would go into the tunnel and cut the session; give --allow-lockout to do it anyway", flag, p, a)
		}
		r.warnf("%s %s contains %s, the address this SSH session comes from: the session will probably hang (--allow-lockout)", flag, p, a)
	}
	if !siteWide(p) {
		v := 4
		if p.Addr().Is6() {
			v = 6
		}
		r.warnf("%s %s is very wide (%s of all IPv%d addresses): the router's own traffic to them (DNS, time, updates, replies to remote admins) goes into the tunnel too", flag, p, fraction(p.Bits()), v)
	}
	return nil
}

func fraction(bits int) string {
	switch bits {
	case 1:
		return "half"
	case 2:
		return "a quarter"
	case 3:
		return "an eighth"
	}
	return fmt.Sprintf("1/%d", uint64(1)<<bits)
}

// CutsAdmin refuses removing or disabling peer (or site) name of iface
// when the SSH session running the command comes through it: its address
// is in the peer's allowed IPs, so the session dies with the peer and the
// peer cannot be brought back from where the admin is.
func CutsAdmin(st State, iface, name string) error {
	a := st.Live.Admin
	p, ok := FindPeer(st, iface, name)
	if !a.IsValid() || !ok || p.Disabled {
		return nil
	}
	for _, s := range p.AllowedIPs {
		if q, err := wg.ParseAddrPrefix(s); err == nil && q.Masked().Contains(a) {
			return fmt.Errorf("this SSH session comes from %s through peer %s of %s: removing or disabling it cuts the session; give --allow-lockout to do it anyway", a, p.Name, iface)
		}
	}
	return nil
}

// adminThrough reports whether the SSH session running the command comes
// through WireGuard interface iface (its subnets or a peer's allowed IPs).
func adminThrough(st State, srv *Server) bool {
	a := st.Live.Admin
	if !a.IsValid() {
		return false
	}
	for _, p := range srv.Addresses {
		if p.Masked().Contains(a) {
			return true
		}
	}
	for _, p := range ReadPeers(st, srv.Iface) {
		for _, s := range p.AllowedIPs {
			if q, err := wg.ParseAddrPrefix(s); err == nil && q.Masked().Contains(a) {
				return true
			}
		}
	}
	return false
}

// liveNote warns, once, that the running router could not be asked, when
// a check would have used it.
func liveNote(r *Result) {
	if u := r.State.Live.Unavailable; u != "" {
		r.warnf("%s (only /etc/config was checked for address overlaps)", u)
	}
}

// deviceTaken names what already uses name as a network device: a device
// section, a port of a bridge, an interface's device, or a live link.
// netifd's WireGuard handler deletes an existing link of the interface's
// name first, so taking a DSA port's name (lan1) would cut that port.
func deviceTaken(st State, name string) string {
	for _, d := range st.Network.SectionsOfType("device") {
		if get(d, "name") == name {
			return "a network device section"
		}
		for _, p := range listOf(d, "ports") {
			if p == name {
				return fmt.Sprintf("a port of %s", orName(get(d, "name"), st.Network.SectionRef(d)))
			}
		}
	}
	for _, s := range st.Network.SectionsOfType("interface") {
		for _, o := range []string{"device", "ifname"} {
			for _, v := range listOf(s, o) {
				if v == name {
					return fmt.Sprintf("the device of interface %s", s.Name)
				}
			}
		}
	}
	links := append([]string(nil), st.Live.Links...)
	sort.Strings(links)
	if i := sort.SearchStrings(links, name); i < len(links) && links[i] == name {
		return "a link on the running router"
	}
	return ""
}
