package ops

import (
	"fmt"

	"github.com/wgowrt/wgowrt/internal/plan"
	"github.com/wgowrt/wgowrt/ubus"
)

// RoleRemove is `server remove`, `client remove` and `gateway remove`:
// Iface names the interface (for a gateway: the client tunnel it is
// routed through; "" is the only server for `server remove`).
type RoleRemove struct {
	Txn
	Iface string
	// AllowLockout removes the interface the SSH session running the
	// command comes through.
	AllowLockout bool
}

// RoleRemoveResult names the interface the role was removed from.
type RoleRemoveResult struct {
	*Outcome
	Iface string
}

// ServerRemove removes a server and everything wgowrt made for it.
func (o *Ops) ServerRemove(req RoleRemove) (*RoleRemoveResult, error) {
	return o.removeRole(req, plan.ServerRemove, true)
}

// ClientRemove removes a client tunnel and everything wgowrt made for it.
func (o *Ops) ClientRemove(req RoleRemove) (*RoleRemoveResult, error) {
	return o.removeRole(req, plan.ClientRemove, false)
}

// GatewayRemove removes the gateway routed through a client tunnel.
func (o *Ops) GatewayRemove(req RoleRemove) (*RoleRemoveResult, error) {
	return o.removeRole(req, plan.GatewayRemove, false)
}

func (o *Ops) removeRole(req RoleRemove, pf func(plan.State, string) (*plan.Result, error), server bool) (*RoleRemoveResult, error) {
	res := &RoleRemoveResult{Iface: req.Iface}
	dhcp := false
	out, err := o.transact(req.Txn, func(st plan.State) (*plan.Result, string, error) {
		if server {
			res.Iface = Iface(st, req.Iface)
		}
		if err := o.loadDhcp(&st); err != nil {
			return nil, "", err
		}
		if !req.AllowLockout {
			if err := plan.CutsAdminIface(st, res.Iface); err != nil {
				return nil, res.Iface, err
			}
		}
		r, err := pf(st, res.Iface)
		if err == nil {
			dhcp = st.Dhcp != nil && len(r.State.Dhcp.Unsaved()) > 0
		}
		return r, res.Iface, err
	}, nil)
	res.Outcome = out
	if err != nil || !out.Wrote || !dhcp {
		return res, err
	}
	if ls := o.live(); ls != nil {
		if err := ubus.ConfigChanged(ls.Ubus, "dhcp"); err != nil {
			return res, fmt.Errorf("configuration written, but dnsmasq could not be reloaded: %v", err)
		}
	}
	return res, nil
}
