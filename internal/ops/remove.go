package ops

import (
	"github.com/wgowrt/wgowrt/internal/plan"
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
	out, err := o.transactDhcp(req.Txn, func(st plan.State) (*plan.Result, string, error) {
		if server {
			res.Iface = Iface(st, req.Iface)
		}
		if !req.AllowLockout {
			if err := plan.CutsAdminIface(st, res.Iface); err != nil {
				return nil, res.Iface, err
			}
		}
		r, err := pf(st, res.Iface)
		return r, res.Iface, err
	})
	res.Outcome = out
	return res, err
}
