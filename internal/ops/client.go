package ops

import (
	"github.com/wgowrt/wgowrt/internal/plan"
)

// ClientImport is `client import` and `client add`: a provider's
// configuration (parsed by the front-end) and how to route it.
type ClientImport struct {
	Txn
	Intent plan.ClientIntent
}

// ClientResult is a planned or committed client.
type ClientResult struct {
	*Outcome
	Iface string
}

// ClientImport plans (and commits) a client tunnel.
func (o *Ops) ClientImport(req ClientImport) (*ClientResult, error) {
	out, err := o.transactDhcp(req.Txn, func(st plan.State) (*plan.Result, string, error) {
		r, err := plan.ClientImport(st, req.Intent)
		return r, req.Intent.Iface, err
	})
	return &ClientResult{Outcome: out, Iface: req.Intent.Iface}, err
}

// GatewayAdd is `gateway add`.
type GatewayAdd struct {
	Txn
	Intent plan.GatewayIntent
}

// GatewayAdd plans (and commits) a public block behind a client tunnel.
func (o *Ops) GatewayAdd(req GatewayAdd) (*Outcome, error) {
	return o.transact(req.Txn, func(st plan.State) (*plan.Result, string, error) {
		r, err := plan.GatewayAdd(st, req.Intent)
		return r, req.Intent.Iface, err
	}, nil)
}
