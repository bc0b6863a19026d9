package plan

import "fmt"

// A peer's expiry lives in wgowrt's notes on the peer (/etc/config/wgowrt,
// `config peer` named as its network section), next to the other things
// netifd does not read: the network section keeps only netifd's schema
// (wg.PeerSchema), and the peer is switched off with netifd's own
// `disabled '1'`. The times are RFC 3339 in UTC, made by internal/ops
// (this package has no clock).
const (
	// OptExpires is when the peer stops.
	OptExpires = "expires"
	// OptExpired is set when the supervisor disabled the peer because its
	// expiry passed: the time it did. Enabling the peer then needs a new
	// expiry (peer set --expires), which clears it.
	OptExpired = "expired"
)

// ExpiredError refuses to enable a peer whose expiry passed: enabled as
// it is, it would be disabled again at the supervisor's next look.
type ExpiredError struct {
	Iface, Name, Expires string
}

func (e *ExpiredError) Error() string {
	return fmt.Sprintf("peer %s expired (%s): give it a new expiry with 'wgowrt peer set %s --expires DATE' (or --for 7d, or --expires never), which enables it again", e.Name, e.Expires, e.Name)
}

// PeerExpire plans what the supervisor does when a peer's expiry passes:
// the peer is disabled (netifd's `disabled '1'`) and marked expired at
// the time at. expires is the expiry the supervisor read; when the peer
// no longer has it (a command changed it meanwhile), or is already
// marked, nothing changes.
func PeerExpire(cur State, iface, name, expires, at string) (*Result, error) {
	if _, err := ReadServer(cur, iface); err != nil {
		return nil, err
	}
	r := &Result{State: cur.clone()}
	p, ok := FindPeer(cur, iface, name)
	if !ok || p.Expires != expires || p.Expired != "" || expires == "" {
		r.notef("peer %s on %s no longer expires at %s: nothing changed", name, iface, expires)
		return r, nil
	}
	if err := r.State.Network.SetOption(p.Section, "disabled", "1"); err != nil {
		return nil, err
	}
	return r, r.State.Wgowrt.SetOption(p.Section, OptExpired, at)
}

// setPeerExpiry is `peer set --expires`: a new expiry ("" never), and a
// peer the supervisor disabled for its old one is enabled again.
func setPeerExpiry(r *Result, p Peer, expires string) error {
	if err := setIfDiffers(r, p.Section, OptExpires, expires); err != nil {
		return err
	}
	if p.Expired == "" {
		return nil
	}
	if err := r.State.Wgowrt.SetOption(p.Section, OptExpired, ""); err != nil {
		return err
	}
	r.notef("peer %s had expired (%s) and is enabled again", p.Name, p.Expires)
	return r.State.Network.SetOption(p.Section, "disabled", "")
}

// expiryMeta is a new peer's expiry, when it has one.
func expiryMeta(in PeerIntent) []kv {
	if in.Expires == "" {
		return nil
	}
	return []kv{opt(OptExpires, in.Expires)}
}
