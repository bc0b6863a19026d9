package ops

import (
	"github.com/wgowrt/wgowrt/internal/plan"
	"github.com/wgowrt/wgowrt/internal/wg"
)

// ServerInit is `server init`: the interface's private key is drawn here
// (an existing one is kept by the plan).
type ServerInit struct {
	Txn
	Intent plan.ServerIntent
}

// ServerResult is a planned or committed server.
type ServerResult struct {
	*Outcome
	Iface string
}

// ServerInit plans (and commits) a WireGuard server.
func (o *Ops) ServerInit(req ServerInit) (*ServerResult, error) {
	in := req.Intent
	out, err := o.transact(req.Txn, func(st plan.State) (*plan.Result, string, error) {
		var err error
		if in.PrivateKey, err = wg.GeneratePrivate(o.Deps.Keys); err != nil {
			return nil, "", err
		}
		r, err := plan.ServerInit(st, in)
		return r, in.Iface, err
	}, nil)
	return &ServerResult{Outcome: out, Iface: in.Iface}, err
}
