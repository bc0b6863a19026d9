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
	// Role is server, client or gateway.
	Role string
	// DNS is what a full-tunnel client had recorded of dnsmasq's setup,
	// put back by the removal (nil: nothing was recorded).
	DNS *plan.DNSRecord
	// DNSRestored is false when the record could not be put back
	// (/etc/config/dhcp missing: a warning says so).
	DNSRestored bool
}

// ServerRemove removes a server and everything wgowrt made for it.
func (o *Ops) ServerRemove(req RoleRemove) (*RoleRemoveResult, error) {
	return o.removeRole(req, plan.ServerRemove, "server")
}

// ClientRemove removes a client tunnel and everything wgowrt made for it.
func (o *Ops) ClientRemove(req RoleRemove) (*RoleRemoveResult, error) {
	return o.removeRole(req, plan.ClientRemove, "client")
}

// GatewayRemove removes the gateway routed through a client tunnel.
func (o *Ops) GatewayRemove(req RoleRemove) (*RoleRemoveResult, error) {
	return o.removeRole(req, plan.GatewayRemove, "gateway")
}

func (o *Ops) removeRole(req RoleRemove, pf func(plan.State, string) (*plan.Result, error), role string) (*RoleRemoveResult, error) {
	res := &RoleRemoveResult{Iface: req.Iface, Role: role}
	out, err := o.transactDhcp(req.Txn, func(st plan.State) (*plan.Result, string, error) {
		if role == "server" {
			res.Iface = Iface(st, req.Iface)
		}
		if !req.AllowLockout {
			if err := plan.CutsAdminIface(st, res.Iface); err != nil {
				return nil, res.Iface, err
			}
		}
		if rec, ok := plan.ReadDNSRecord(st, res.Iface); ok && role == "client" {
			res.DNS, res.DNSRestored = &rec, st.Dhcp != nil
		}
		r, err := pf(st, res.Iface)
		return r, res.Iface, err
	})
	res.Outcome = out
	return res, err
}
