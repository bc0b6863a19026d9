package ops

import "github.com/wgowrt/wgowrt/internal/plan"

// PeerSet is `peer set NAME`. Intent.Iface "" is the only server.
type PeerSet struct {
	Txn
	Intent plan.PeerSetIntent
}

// PeerSet plans (and commits) new settings for a peer, keeping its keys.
// Its allowed IPs go straight into the running device; the other
// settings are the client's and take effect when its config is loaded.
func (o *Ops) PeerSet(req PeerSet) (*Outcome, error) {
	return o.transact(req.Txn, func(st plan.State) (*plan.Result, string, error) {
		in := req.Intent
		in.Iface = Iface(st, in.Iface)
		r, err := plan.PeerSet(st, in)
		return r, in.Iface, err
	}, nil)
}
