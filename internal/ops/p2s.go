package ops

import (
	"fmt"
	"net/netip"

	"github.com/wgowrt/wgowrt/internal/plan"
	"github.com/wgowrt/wgowrt/ubus"
	"github.com/wgowrt/wgowrt/uci"
)

// Access is `access PEER STRATEGY`. Intent.Iface "" is the only server.
type Access struct {
	Txn
	Intent plan.AccessIntent
}

// AccessResult carries the AllowedIPs the peer's own config needs.
type AccessResult struct {
	*Outcome
	Intent     plan.AccessIntent
	AllowedIPs []netip.Prefix
}

// Access plans (and commits) how one peer reaches the LAN.
func (o *Ops) Access(req Access) (*AccessResult, error) {
	res := &AccessResult{Intent: req.Intent}
	out, err := o.transact(req.Txn, func(st plan.State) (*plan.Result, string, error) {
		res.Intent.Iface = Iface(st, req.Intent.Iface)
		r, err := plan.PeerAccess(st, res.Intent)
		if err != nil {
			return nil, "", err
		}
		res.AllowedIPs = r.AllowedIPs
		return r.Result, res.Intent.Iface, nil
	}, nil)
	res.Outcome = out
	return res, err
}

// Expose is `expose`. Intent.Iface "" is the only server.
type Expose struct {
	Txn
	Intent plan.ExposeIntent
}

// ExposeResult says where the forwarded port opens.
type ExposeResult struct {
	*Outcome
	Intent plan.ExposeIntent
	// At is the address the port opens at ("" on wan: the wan address).
	At     string
	Target string
}

// Expose plans (and commits) a port forward to a peer.
func (o *Ops) Expose(req Expose) (*ExposeResult, error) {
	res := &ExposeResult{Intent: req.Intent}
	out, err := o.transact(req.Txn, func(st plan.State) (*plan.Result, string, error) {
		res.Intent.Iface = Iface(st, req.Intent.Iface)
		r, err := plan.Expose(st, res.Intent)
		if err != nil {
			return nil, "", err
		}
		res.At, res.Target = r.At, r.Target
		return r.Result, res.Intent.Iface, nil
	}, nil)
	res.Outcome = out
	return res, err
}

// LanRoute is `lan-route`; DHCP hands the routes out with option 121.
type LanRoute struct {
	Txn
	DHCP bool
}

// LanRouteResult are the routes LAN hosts need; Outcome is set with DHCP.
type LanRouteResult struct {
	*Outcome
	Routes []plan.LanRoute
}

// LanRoute lists the routes LAN hosts need for routed peers and sites
// and, with DHCP, plans (and commits) them into /etc/config/dhcp.
func (o *Ops) LanRoute(req LanRoute) (*LanRouteResult, error) {
	res := &LanRouteResult{}
	if !req.DHCP {
		st, unlock, err := o.read("")
		if err != nil {
			return res, err
		}
		defer unlock()
		// The LAN's IPv6 prefix (ip6assign) is known only to netifd.
		st.Live = o.liveFacts()
		res.Routes, err = plan.LanRoutes(st)
		return res, err
	}
	out, err := o.transact(req.Txn, func(st plan.State) (*plan.Result, string, error) {
		var err error
		if res.Routes, err = plan.LanRoutes(st); err != nil {
			return nil, "", err
		}
		if err := o.loadDhcp(&st); err != nil {
			return nil, "", err
		}
		r, err := plan.LanRouteDHCP(st, res.Routes)
		return r, "", err
	}, nil)
	res.Outcome = out
	if err != nil || !out.Wrote {
		return res, err
	}
	if ls := o.live(); ls != nil {
		if err := ubus.ConfigChanged(ls.Ubus, "dhcp"); err != nil {
			return res, fmt.Errorf("configuration written, but dnsmasq could not be reloaded: %v", err)
		}
	}
	return res, nil
}

func (o *Ops) loadDhcp(st *plan.State) error {
	return o.loadDhcpIn(st, "")
}

// loadDhcpIn reads dhcp as netifd sees it, or as rpcd shows it to
// session (LuCI's staged edits on top); a missing or empty one stays nil.
func (o *Ops) loadDhcpIn(st *plan.State, session string) error {
	var s *uci.Package
	var err error
	if session == "" {
		s, err = o.storeLoad("dhcp")
	} else {
		s, err = loadPackage(o.sessionContext(session), "dhcp", true)
	}
	if err != nil {
		return err
	}
	if len(s.Sections) > 0 {
		st.Dhcp = s
	}
	return nil
}
