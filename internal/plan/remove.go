package plan

import (
	"fmt"
	"strings"

	"github.com/wgowrt/wgowrt/internal/wg"
	"github.com/wgowrt/wgowrt/uci"
)

// ServerRemove plans `server remove`: the interface wgowrt created, its
// peers and sites, and every section wgowrt made for it (zone, port rule,
// forwardings, access rules, port forwards, routes, notes) go; the DHCP
// routes `lan-route --dhcp` handed out follow. Sections a user added by
// hand, even in the same files, stay byte for byte. Removing an interface
// that is not there changes nothing; one wgowrt did not create is refused.
func ServerRemove(cur State, iface string) (*Result, error) {
	r := &Result{State: cur.clone()}
	sec := cur.Network.Section(iface)
	if sec == nil {
		r.notef("no interface %s: nothing to remove", iface)
		return r, nil
	}
	srv, err := ReadServer(cur, iface)
	if err != nil {
		return nil, err
	}
	if !srv.Owned {
		return nil, notOurs(cur, iface, "server")
	}
	if err := removeRole(r, iface, func(name string) bool { return strings.HasPrefix(name, wg.Prefix+iface+"_") }); err != nil {
		return nil, err
	}
	if z := zoneOfNetwork(r.State.Firewall, iface); z != nil {
		// an adopted interface: its zone was made by hand and stays
		r.warnf("firewall zone %s (not made by wgowrt) still lists network %s; remove it there if it is no longer needed ('uci del_list firewall.%s.network=%s')",
			get(z, "name"), iface, r.State.Firewall.SectionRef(z), iface)
	}
	return r, nil
}

// ClientRemove plans `client remove`: the client interface, its peers,
// routes, rules and firewall sections go. A gateway routed through the
// tunnel must be removed first.
func ClientRemove(cur State, iface string) (*Result, error) {
	r := &Result{State: cur.clone()}
	if cur.Network.Section(iface) == nil && cur.Wgowrt.Section(iface) == nil {
		r.notef("no interface %s: nothing to remove", iface)
		return r, nil
	}
	if m := cur.Wgowrt.Section(iface); m == nil || m.Type != TypeClient {
		return nil, notOurs(cur, iface, "client")
	}
	if cur.Network.Section(gatewayName(iface)) != nil {
		return nil, fmt.Errorf("a gateway is routed through %s; remove it first with 'wgowrt gateway remove --iface %s'", iface, iface)
	}
	if err := restoreDNS(r, iface); err != nil {
		return nil, err
	}
	return r, removeRole(r, iface, isClientSection(iface))
}

// GatewayRemove plans `gateway remove`: the gateway's interface, policy
// rules, zone, forwardings and allow rules go; the client tunnel stays.
func GatewayRemove(cur State, iface string) (*Result, error) {
	r := &Result{State: cur.clone()}
	name := gatewayName(iface)
	if cur.Network.Section(name) == nil {
		r.notef("no gateway on %s: nothing to remove", iface)
		return r, nil
	}
	owns := func(s string) bool { return strings.HasPrefix(s, name) }
	return r, dropNamed(r, owns)
}

// notOurs refuses removing an interface wgowrt did not create.
func notOurs(st State, iface, role string) error {
	what := "interface"
	if m := st.Wgowrt.Section(iface); m != nil {
		what = "interface (a wgowrt " + m.Type + ")"
	}
	return fmt.Errorf("%s %s was not created by wgowrt as a %s; nothing removed (remove it in LuCI or with uci)", what, iface, role)
}

// removeRole drops the interface section, wgowrt's note about it and
// every named section owns claims, then refreshes the DHCP routes.
func removeRole(r *Result, iface string, owns func(string) bool) error {
	for _, hand := range r.State.Network.SectionsOfType(wg.PeerType(iface)) {
		if hand.Anonymous || !owns(hand.Name) {
			r.warnf("peer section network.%s of %s was not created by wgowrt and is left in place; delete it with uci if it is no longer needed", r.State.Network.SectionRef(hand), iface)
		}
	}
	if err := drop(r.State.Network, iface); err != nil {
		return err
	}
	if err := drop(r.State.Wgowrt, iface); err != nil {
		return err
	}
	if err := dropNamed(r, owns); err != nil {
		return err
	}
	return followLanRoute(r)
}

// dropNamed deletes every named section owns claims in network, firewall
// and wgowrt.
func dropNamed(r *Result, owns func(string) bool) error {
	for _, p := range []*uci.Package{r.State.Network, r.State.Firewall, r.State.Wgowrt} {
		for _, s := range append([]*uci.Section(nil), p.Sections...) {
			if s.Anonymous || !owns(s.Name) {
				continue
			}
			if err := p.DeleteSection(s.Name); err != nil {
				return err
			}
		}
	}
	return nil
}

// followLanRoute rewrites the option 121 routes `lan-route --dhcp` hands
// out, when it did, so they no longer name what was removed.
func followLanRoute(r *Result) error {
	if r.State.Wgowrt.Section(lanRouteMeta) == nil {
		return nil
	}
	if r.State.Dhcp == nil {
		r.warnf("lan-route --dhcp hands out routes from /etc/config/dhcp; run 'wgowrt lan-route --dhcp' to refresh them")
		return nil
	}
	routes, err := LanRoutes(r.State)
	if err != nil {
		return err
	}
	return setLanRouteDHCP(r, routes)
}

// CutsAdminIface refuses removing WireGuard interface iface when the SSH
// session running the command comes through it.
func CutsAdminIface(st State, iface string) error {
	srv, err := ReadServer(st, iface)
	if err != nil || !adminThrough(st, srv) {
		return nil
	}
	return fmt.Errorf("this SSH session comes from %s through %s: removing it cuts the session; give --allow-lockout to do it anyway", st.Live.Admin, iface)
}
