package bridge

import (
	"encoding/json"
	"strings"

	"github.com/wgowrt/wgowrt/internal/ops"
	"github.com/wgowrt/wgowrt/internal/plan"
	"github.com/wgowrt/wgowrt/internal/rpcd"
)

// peerExpiryArgs are peer_expiry's arguments: `peer set NAME --expires
// DATE|never` or `--for DURATION`.
type peerExpiryArgs struct {
	Iface   string `json:"iface"`
	Name    string `json:"name"`
	Expires string `json:"expires"`
	For     string `json:"for"`
}

var peerExpirySignature = map[string]any{"iface": "", "name": "", "expires": "", "for": ""}

// peerExpiry plans a new expiry for a peer ("never" for none); a peer
// that expired is enabled again.
func (b *bridge) peerExpiry(args json.RawMessage) (any, error) {
	var a peerExpiryArgs
	txn, err := decode(args, &a)
	if err != nil {
		return nil, err
	}
	if a.Expires == "" && a.For == "" {
		return nil, rpcd.Errorf("expires", "", "give expires (a date, or never) or for (a duration such as 7d)")
	}
	out, err := b.ops.PeerSet(ops.PeerSet{Txn: txn, Intent: plan.PeerSetIntent{Iface: a.Iface, Name: a.Name}, Expires: a.Expires, For: a.For})
	if err != nil {
		if e := expiryErr(err, a.Expires, a.For); e != err {
			return nil, e
		}
		return nil, planErr(out, err, "name", a.Name)
	}
	return planned(out)
}

// expiryErr names the argument an expiry error is about.
func expiryErr(err error, expires, dur string) error {
	switch msg := err.Error(); {
	case strings.HasPrefix(msg, "--for "):
		return rpcd.Errorf("for", dur, "%v", err)
	case strings.HasPrefix(msg, "--expires "):
		return rpcd.Errorf("expires", expires, "%v", err)
	}
	return err
}
