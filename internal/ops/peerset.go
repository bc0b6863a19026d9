package ops

import (
	"time"

	"github.com/wgowrt/wgowrt/internal/plan"
)

// PeerSet is `peer set NAME`. Intent.Iface "" is the only server.
type PeerSet struct {
	Txn
	Intent plan.PeerSetIntent
	// Expires and For are --expires DATE|never and --for DURATION
	// (ParseExpiry); a peer that expired is enabled again.
	Expires, For string
}

// PeerSet plans (and commits) new settings for a peer, keeping its keys.
// Its allowed IPs go straight into the running device; the other
// settings are the client's and take effect when its config is loaded.
func (o *Ops) PeerSet(req PeerSet) (*Outcome, error) {
	return o.transact(req.Txn, func(st plan.State) (*plan.Result, string, error) {
		in := req.Intent
		in.Iface = Iface(st, in.Iface)
		exp, given, err := ParseExpiry(req.Expires, req.For, o.Deps.Now(), time.Local)
		if err != nil {
			return nil, in.Iface, err
		}
		if given {
			in.Expires = &exp
		}
		r, err := plan.PeerSet(st, in)
		return r, in.Iface, err
	}, nil)
}
