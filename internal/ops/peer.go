package ops

import (
	"github.com/wgowrt/wgowrt/internal/plan"
	"github.com/wgowrt/wgowrt/internal/wg"
)

// PeerAdd is `peer add`. Intent.Iface "" is the only server (or wg0).
// Unless Intent.PublicKey is given a key pair is drawn here; PSK draws a
// preshared key.
type PeerAdd struct {
	Txn
	Intent plan.PeerIntent
	PSK    bool
	// Output is a file to write the client config to (mode 0600). It is
	// checked before anything is committed; should writing it fail after
	// the commit, the result says so and the config must be shown.
	Output string
}

// PeerAddResult is a planned or added peer and its client config.
type PeerAddResult struct {
	*Outcome
	Iface   string
	Section string
	Existed bool
	Config  wg.ClientConfig
	// Deliver says the front-end must hand Config to the user: the peer
	// was added (or exists with its private key kept). It is set even
	// when applying failed, since the configuration is committed.
	Deliver bool
	// Written is Output when the config was written there; empty when it
	// was not (no Output, or writing failed: see WriteErr).
	Written  string
	WriteErr error
}

// PeerAdd plans (and commits) a peer, then delivers its config to
// req.Output when given.
func (o *Ops) PeerAdd(req PeerAdd) (*PeerAddResult, error) {
	res := &PeerAddResult{}
	in := req.Intent
	var pr *plan.PeerResult
	out, err := o.transact(req.Txn, func(st plan.State) (*plan.Result, string, error) {
		in.Iface = Iface(st, in.Iface)
		if err := o.drawPeerKeys(&in, req.PSK); err != nil {
			return nil, "", err
		}
		var err error
		if pr, err = plan.PeerAdd(st, in); err != nil {
			return nil, "", err
		}
		return pr.Result, in.Iface, nil
	}, func(*plan.Result) error { return checkSecretTarget(req.Output) })
	res.Outcome, res.Iface = out, in.Iface
	if pr == nil || out.Plan == nil {
		return res, err
	}
	res.Section, res.Existed, res.Config = wg.PeerSection(in.Iface, in.Name), pr.Existed, pr.Config
	if out.Preview || err != nil && !out.Wrote {
		return res, err
	}
	res.Deliver = !(pr.Existed && pr.Config.PrivateKey == nil)
	if res.Deliver && req.Output != "" {
		if werr := WriteSecretFile(req.Output, []byte(pr.Config.Render())); werr != nil {
			res.WriteErr = werr
		} else {
			res.Written = req.Output
		}
	}
	return res, err
}

func (o *Ops) drawPeerKeys(in *plan.PeerIntent, psk bool) error {
	if in.PublicKey == nil {
		k, err := wg.GeneratePrivate(o.Deps.Keys)
		if err != nil {
			return err
		}
		in.NewPrivateKey = k
	}
	if psk {
		k, err := wg.GeneratePreshared(o.Deps.Keys)
		if err != nil {
			return err
		}
		in.PSK = &k
	}
	return nil
}

// PeerEdit is `peer remove|enable|disable NAME`.
type PeerEdit struct {
	Txn
	Iface string
	Name  string
	// Verb is "remove", "enable" or "disable".
	Verb string
	// AllowLockout removes or disables the peer the SSH session running
	// the command comes through.
	AllowLockout bool
}

// PeerEdit plans (and commits) removing, enabling or disabling a peer.
func (o *Ops) PeerEdit(req PeerEdit) (*Outcome, error) {
	return o.transact(req.Txn, func(st plan.State) (*plan.Result, string, error) {
		iface := Iface(st, req.Iface)
		if req.Verb != "enable" && !req.AllowLockout {
			if err := plan.CutsAdmin(st, iface, req.Name); err != nil {
				return nil, iface, err
			}
		}
		if req.Verb == "remove" {
			r, err := plan.PeerRemove(st, iface, req.Name)
			return r, iface, err
		}
		r, err := plan.PeerSetDisabled(st, iface, req.Name, req.Verb == "disable")
		return r, iface, err
	}, nil)
}

// PeerRename is `peer rename OLD NEW`.
type PeerRename struct {
	Txn
	Iface, Old, New string
}

// PeerRename plans (and commits) a new name for a peer.
func (o *Ops) PeerRename(req PeerRename) (*Outcome, error) {
	return o.transact(req.Txn, func(st plan.State) (*plan.Result, string, error) {
		iface := Iface(st, req.Iface)
		r, err := plan.PeerRename(st, iface, req.Old, req.New)
		return r, iface, err
	}, nil)
}

// PeerConfig re-exports a peer's client config (with its private key when
// it was kept).
func (o *Ops) PeerConfig(session, iface, name string) (wg.ClientConfig, error) {
	st, unlock, err := o.read(session)
	if err != nil {
		return wg.ClientConfig{}, err
	}
	defer unlock()
	return plan.PeerConfig(st, Iface(st, iface), name)
}

// Read returns the configuration for a read-only view (list, show,
// status) with the interface iface resolves to.
func (o *Ops) Read(session, iface string) (plan.State, string, error) {
	st, unlock, err := o.read(session)
	if err != nil {
		return st, "", err
	}
	defer unlock()
	return st, Iface(st, iface), nil
}
