package ubus

import (
	"encoding/json"
	"fmt"
	"net/netip"
)

// Interface is one entry of `ubus call network.interface dump`, the fields
// wgowrt reads.
type Interface struct {
	Name      string    `json:"interface"`
	Up        bool      `json:"up"`
	Proto     string    `json:"proto"`
	L3Device  string    `json:"l3_device"`
	Device    string    `json:"device"`
	IPv4      []Address `json:"ipv4-address"`
	IPv6      []Address `json:"ipv6-address"`
	Routes    []Route   `json:"route"`
	Prefixes  []Address `json:"ipv6-prefix"`
	Assigned  []Address `json:"ipv6-prefix-assignment"`
	Available bool      `json:"available"`
}

// Address is an address (or prefix) with its length.
type Address struct {
	Address string `json:"address"`
	Mask    int    `json:"mask"`
}

// Route is a route netifd installed.
type Route struct {
	Target string `json:"target"`
	Mask   int    `json:"mask"`
}

// Prefix returns the address as a prefix.
func (a Address) Prefix() (netip.Prefix, bool) { return prefix(a.Address, a.Mask) }

// Prefix returns the route target as a prefix.
func (r Route) Prefix() (netip.Prefix, bool) { return prefix(r.Target, r.Mask) }

func prefix(addr string, bits int) (netip.Prefix, bool) {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return netip.Prefix{}, false
	}
	p := netip.PrefixFrom(a, bits)
	return p, p.IsValid()
}

// InterfaceDump calls `network.interface dump`.
func InterfaceDump(c Caller) ([]Interface, error) {
	raw, err := c.Call("network.interface", "dump", nil)
	if err != nil {
		return nil, err
	}
	if len(raw) == 0 {
		return nil, nil
	}
	var d struct {
		Interface []Interface `json:"interface"`
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		return nil, fmt.Errorf("ubus call network.interface dump: %v", err)
	}
	return d.Interface, nil
}

// LivePrefixes returns every address, delegated prefix and route of the
// running interfaces.
func LivePrefixes(ifs []Interface) []netip.Prefix {
	var out []netip.Prefix
	for _, i := range ifs {
		for _, group := range [][]Address{i.IPv4, i.IPv6, i.Prefixes, i.Assigned} {
			for _, a := range group {
				if p, ok := a.Prefix(); ok {
					out = append(out, p)
				}
			}
		}
		for _, r := range i.Routes {
			if p, ok := r.Prefix(); ok {
				out = append(out, p)
			}
		}
	}
	return out
}

// NetworkReload asks netifd to re-read /etc/config/network.
func NetworkReload(c Caller) error {
	_, err := c.Call("network", "reload", nil)
	return err
}

// InterfacePending reports whether netifd is still setting iface up
// (`pending` in its status): its protocol handler has read the config
// and is about to configure the device from what it read.
func InterfacePending(c Caller, iface string) (bool, error) {
	raw, err := c.Call("network.interface."+iface, "status", nil)
	if err != nil || len(raw) == 0 {
		return false, err
	}
	var st struct {
		Pending bool `json:"pending"`
	}
	if err := json.Unmarshal(raw, &st); err != nil {
		return false, fmt.Errorf("ubus call network.interface.%s status: %v", iface, err)
	}
	return st.Pending, nil
}

// InterfaceRenew re-runs the protocol setup of one interface; with
// 25.12's WireGuard handler this applies peer edits via wg syncconf.
func InterfaceRenew(c Caller, iface string) error {
	_, err := c.Call("network.interface."+iface, "renew", nil)
	return err
}

// ConfigChanged tells procd that package pkg changed, as reload_config
// does; services with a reload trigger on it (firewall: fw4 reload)
// reload.
func ConfigChanged(c Caller, pkg string) error {
	_, err := c.Call("service", "event", map[string]any{"type": "config.change", "data": map[string]string{"package": pkg}})
	return err
}

// Ifup is what /sbin/ifup IFACE does: a network reload, then the
// interface down and up again, so that netifd re-creates its link from
// the configuration and installs its routes.
func Ifup(c Caller, iface string) error {
	if err := NetworkReload(c); err != nil {
		return err
	}
	for _, m := range []string{"down", "up"} {
		if _, err := c.Call("network.interface", m, map[string]string{"interface": iface}); err != nil {
			return fmt.Errorf("ubus call network.interface %s {interface: %s}: %v", m, iface, err)
		}
	}
	return nil
}
