package ops

import (
	"errors"
	"fmt"
	"os"
	"time"

	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"

	"github.com/wgowrt/wgowrt/internal/plan"
	"github.com/wgowrt/wgowrt/internal/wg"
)

// The supervisor's use cases for peers that expire: which peers have an
// expiry, and disabling one whose expiry passed.

// refuseExpired refuses `peer enable` of a peer whose expiry has passed:
// marked expired (plan.PeerSetDisabled refuses that too), or past by the
// clock before the supervisor came round to it.
func (o *Ops) refuseExpired(st plan.State, iface, name string) error {
	p, ok := plan.FindPeer(st, iface, name)
	if !ok {
		return nil // PeerSetDisabled says there is no such peer
	}
	if t, ok := ExpiryOf(p); ok && !o.Deps.Now().Before(t) {
		return &plan.ExpiredError{Iface: iface, Name: p.Name, Expires: p.Expires}
	}
	return nil
}

// ExpiryTarget is an enabled peer with an expiry.
type ExpiryTarget struct {
	Iface, Peer string
	Key         wgtypes.Key
	At          time.Time
	// Expires is the expiry as stored, which ExpirePeer checks again.
	Expires string
}

// Expiries lists the enabled peers of every WireGuard interface that
// have an expiry, from the committed configuration.
func (o *Ops) Expiries() ([]ExpiryTarget, error) {
	st, unlock, err := o.read("")
	if err != nil {
		return nil, err
	}
	unlock()
	var out []ExpiryTarget
	for _, iface := range syncTargets(st.Network, "") {
		for _, p := range plan.ReadPeers(st, iface) {
			at, ok := ExpiryOf(p)
			k, err := wg.ParseKey(p.PublicKey)
			if !ok || err != nil || p.Disabled || p.Expired != "" {
				continue
			}
			out = append(out, ExpiryTarget{Iface: iface, Peer: p.Name, Key: wgtypes.Key(k), At: at, Expires: p.Expires})
		}
	}
	return out, nil
}

// ExpiryStamp changes whenever the committed network or wgowrt config
// is replaced (an expiry set or changed touches only wgowrt's).
func (o *Ops) ExpiryStamp() string {
	s := o.ConfigStamp()
	if fi, err := os.Stat(o.Path("/etc/config/wgowrt")); err == nil {
		s += fmt.Sprint(" ", fi.ModTime().UnixNano(), fi.Size())
	}
	return s
}

// ExpirePeer disables the peer t whose expiry passed, marked expired at
// now, through the same transaction as `peer disable` (lock, journal,
// the peer removed from the running device, the others untouched). When
// the running device could not be updated that way, the peer is removed
// from it directly. When the configuration cannot be written (a change
// waits for confirmation, uncommitted uci changes, the lock), the peer is
// still removed from the running device and the error is a
// *LiveOnlyError: the caller tries again.
func (o *Ops) ExpirePeer(t ExpiryTarget, now time.Time) (*Outcome, error) {
	at := now.UTC().Truncate(time.Second).Format(time.RFC3339)
	out, err := o.transact(Txn{}, func(st plan.State) (*plan.Result, string, error) {
		r, err := plan.PeerExpire(st, t.Iface, t.Peer, t.Expires, at)
		return r, t.Iface, err
	}, nil)
	if err == nil {
		return out, nil
	}
	if lerr := o.RemoveLivePeer(t.Iface, t.Key); lerr != nil {
		return out, fmt.Errorf("%v; removing it from the running %s failed too: %v", err, t.Iface, lerr)
	}
	if out.Wrote {
		return out, nil // disabled in the configuration, and now gone from the device
	}
	return out, &LiveOnlyError{Iface: t.Iface, Err: err}
}

// LiveOnlyError is ExpirePeer's answer when the peer was removed from the
// running device but the configuration could not be written.
type LiveOnlyError struct {
	Iface string
	Err   error
}

func (e *LiveOnlyError) Error() string {
	return fmt.Sprintf("removed from the running %s, but not disabled in the configuration: %v", e.Iface, e.Err)
}

// RemoveLivePeer removes one peer from a running device, leaving the
// others and their sessions alone; a device that is not running, or
// lacks the peer, is fine.
func (o *Ops) RemoveLivePeer(iface string, key wgtypes.Key) error {
	cl, err := o.Deps.Devices()
	if err != nil {
		return err
	}
	defer cl.Close()
	d, err := cl.Device(iface)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return err
	}
	for _, p := range d.Peers {
		if p.PublicKey == key {
			return cl.ConfigureDevice(iface, wgtypes.Config{Peers: []wgtypes.PeerConfig{{PublicKey: key, Remove: true}}})
		}
	}
	return nil
}
