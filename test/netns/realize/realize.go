// Package realize turns an OpenWrt /etc/config tree (network and firewall)
// into the state netifd and firewall4 would create, inside a lab namespace:
// addresses, routes, policy rules, wireguard-go devices configured through
// wgctrl, and one nftables ruleset loaded atomically.
//
// The semantics follow ../shared/docs/openwrt-reference.md §1 (netifd) and
// §2 (firewall4); Table lists every option understood, with its reference.
// Anything else makes Realize fail with the section and option named.
package realize

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"

	"github.com/wgowrt/wgowrt/test/netns/lab"
	"github.com/wgowrt/wgowrt/uci"
)

// Router is a realized router namespace.
type Router struct {
	ns       *lab.NS
	Network  *Network
	Firewall *Firewall
	Ruleset  string                   // the nft script that was loaded
	WG       map[string]*lab.WGDevice // by UCI interface name
}

// NS is the namespace the router lives in.
func (r *Router) NS() *lab.NS { return r.ns }

// Config is the content of an /etc/config tree. A nil Firewall means no
// firewall at all (the netifd conformance cases ran without fw4).
type Config struct {
	Network  []byte
	Firewall []byte
}

// ReadConfigDir reads network and firewall from dir (an /etc/config copy).
func ReadConfigDir(dir string) (Config, error) {
	var c Config
	var err error
	if c.Network, err = os.ReadFile(filepath.Join(dir, "network")); err != nil {
		return c, err
	}
	c.Firewall, err = os.ReadFile(filepath.Join(dir, "firewall"))
	if os.IsNotExist(err) {
		return c, nil
	}
	return c, err
}

// Plan parses and validates a config without touching any namespace: the
// network model and the firewall with zone devices resolved.
func Plan(c Config) (*Network, *Firewall, error) {
	npkg, err := uci.Parse("network", c.Network)
	if err != nil {
		return nil, nil, err
	}
	n, err := ParseNetwork(npkg)
	if err != nil {
		return nil, nil, err
	}
	if c.Firewall == nil {
		return n, nil, nil // no firewall package: fw4 is not running
	}
	fpkg, err := uci.Parse("firewall", c.Firewall)
	if err != nil {
		return nil, nil, err
	}
	f, err := ParseFirewall(fpkg)
	if err != nil {
		return nil, nil, err
	}
	return n, f, ResolveZones(n, f)
}

// Env is what the router's surroundings answer, which netifd learns from
// the network rather than from /etc/config.
type Env struct {
	// Leases maps a router link name to the DHCPv4 lease a server on that
	// link hands out (the lab's ISP on wan). A proto dhcp interface on a
	// link without one makes Realize fail: the test must say what the
	// environment answers. There is no DHCPv6 (see Table, proto dhcpv6).
	Leases map[string]Lease
}

// Lease is a DHCPv4 answer: the address with its prefix length (option 1)
// and the router (option 3).
type Lease struct {
	Address netip.Prefix
	Gateway netip.Addr
}

// Realize sets ns up as the router described by c, in an environment
// without DHCP servers. The links named by the config's device options
// (other than bridges it creates) must already exist in ns; the lab wires
// them before calling Realize.
func Realize(ns *lab.NS, c Config) (*Router, error) { return RealizeIn(ns, c, Env{}) }

// RealizeIn is Realize with the environment's answers.
func RealizeIn(ns *lab.NS, c Config, env Env) (*Router, error) {
	n, f, err := Plan(c)
	if err != nil {
		return nil, err
	}
	if err := ApplyLeases(n, env); err != nil {
		return nil, err
	}
	r := &Router{ns: ns, Network: n, Firewall: f, WG: map[string]*lab.WGDevice{}}
	for _, key := range []string{"net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding"} {
		if err := ns.Sysctl(key, "1"); err != nil {
			return nil, err
		}
	}
	// The firewall goes first, as on OpenWrt (firewall START=19 before
	// network): conntrack must see a tunnel's first handshake, or a peer's
	// answer to a random listen port is a "new" flow that wan rejects.
	if f != nil {
		if r.Ruleset, err = Render(f); err != nil {
			return nil, err
		}
		if _, err := ns.RunStdin(r.Ruleset, "nft", "-f", "-"); err != nil {
			return nil, fmt.Errorf("loading the rendered ruleset: %w\n%s", err, r.Ruleset)
		}
	}
	if err := r.applyNetwork(n); err != nil {
		return nil, err
	}
	return r, nil
}

// ApplyLeases gives every proto dhcp interface the address and default
// route of the lease on its device, as udhcpc passes them to netifd; it
// fails for an interface whose device has none.
func ApplyLeases(n *Network, env Env) error {
	for _, i := range n.Interfaces {
		if i.Proto != "dhcp" || !i.Up {
			continue
		}
		l, ok := env.Leases[i.Device]
		if !ok || !l.Address.Addr().Is4() {
			return fmt.Errorf("network: interface '%s': proto dhcp on %s, but the lab's environment hands out no DHCPv4 lease there (realize.Env.Leases)", i.Name, i.Device)
		}
		i.Addrs = []netip.Prefix{l.Address}
		i.Gateway4 = l.Gateway
	}
	return nil
}

// ResolveZones fills each zone's Devices from its networks and the
// interfaces' zone option, like fw4 reading netifd's interface dump (§2.2):
// only interfaces that are up contribute, unknown networks are ignored.
func ResolveZones(n *Network, f *Firewall) error {
	for _, i := range n.Interfaces {
		if i.Zone == "" {
			continue
		}
		z := f.Zone(i.Zone)
		if z == nil {
			return fmt.Errorf("network: interface '%s': zone %q is not defined in firewall", i.Name, i.Zone)
		}
		z.Networks = append(z.Networks, i.Name)
	}
	for _, z := range f.Zones {
		for _, net := range z.Networks {
			if i := n.Interface(net); i != nil && i.Up && !contains(z.Devices, i.L3Device()) {
				z.Devices = append(z.Devices, i.L3Device())
			}
		}
	}
	return nil
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
