package ops

import (
	"net/netip"
	"time"

	"github.com/wgowrt/wgowrt/internal/plan"
	"github.com/wgowrt/wgowrt/ubus"
)

// MissingRoutes are the prefixes iface's peers route (route_allowed_ips)
// that the running router does not route into iface. netifd installs
// them when the interface comes up: up to 24.10 a peer added or changed
// since has none until `ifup`, and neither has one whose apply was cut
// short; from 25.12 the renew that applies a change installs them in the
// background. So it waits, up to settle, while netifd is still setting
// iface up and, from 25.12, for the routes to appear. Without a running
// router, or with iface down, there are none; nor in a family iface
// routes through a table of its own (ip4table, ip6table).
func (o *Ops) MissingRoutes(iface string, settle time.Duration) ([]netip.Prefix, error) {
	ls := o.live()
	if ls == nil {
		return nil, nil
	}
	const step = 200 * time.Millisecond
	waited := time.Duration(0)
	for ; waited < settle; waited += step {
		if pending, err := ubus.InterfacePending(ls.Ubus, iface); err != nil || !pending {
			break
		}
		time.Sleep(step)
	}
	for {
		missing, err := o.missingRoutes(ls, iface)
		if err != nil || len(missing) == 0 || !ls.Release.RenewAppliesPeers() || waited >= settle {
			return missing, err
		}
		time.Sleep(step)
		waited += step
	}
}

// missingRoutes is MissingRoutes now.
func (o *Ops) missingRoutes(ls *Live, iface string) ([]netip.Prefix, error) {
	st, unlock, err := o.read("")
	if err != nil {
		return nil, err
	}
	unlock()
	ifs, err := ubus.InterfaceDump(ls.Ubus)
	if err != nil {
		return nil, err
	}
	up := false
	for _, i := range ifs {
		up = up || i.Name == iface && i.Up
	}
	if !up {
		return nil, nil
	}
	v4, v6 := opt(st.Network, iface, "ip4table") == "", opt(st.Network, iface, "ip6table") == ""
	var out []netip.Prefix
	for _, p := range plan.ReadPeers(st, iface) {
		if !p.Routes || p.Disabled {
			continue
		}
		for _, pf := range routedBoth(p) {
			if pf.Addr().Is4() && !v4 || pf.Addr().Is6() && !v6 {
				continue
			}
			if dev := o.Deps.Probes.RouteDev(probeAddr(pf)); dev != "" && dev != iface {
				out = append(out, pf)
			}
		}
	}
	return out, nil
}

// Ifup is `ifup IFACE` on the running router (nothing without one): the
// link is re-created, every peer handshakes again, netifd installs the
// routes of route_allowed_ips.
func (o *Ops) Ifup(iface string) error {
	ls := o.live()
	if ls == nil {
		return nil
	}
	return ubus.Ifup(ls.Ubus, iface)
}
