package ops

import (
	"fmt"
	"time"

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
	// checked before anything is committed.
	Output string
	// Show hands the client config to the user when it is not written to
	// Output (none given, or writing it failed after the commit): the
	// front-end prints it. It is called after the commit and before the
	// commit is final; a run killed before it returned is rolled back by
	// the next one, so the peer never exists without its key delivered.
	Show func(cfg wg.ClientConfig) error
	// Expires and For are --expires DATE|never and --for DURATION, read
	// against the router's clock (ParseExpiry).
	Expires, For string
}

// PeerAddResult is a planned or added peer and its client config.
type PeerAddResult struct {
	*Outcome
	Iface   string
	Section string
	Existed bool
	Config  wg.ClientConfig
	// Delivered says the config was handed over: written to Output, or
	// shown. A peer that exists without its private key kept has nothing
	// to deliver.
	Delivered bool
	// Written is Output when the config was written there; WriteErr says
	// why it could not be after the commit (it was shown instead).
	Written  string
	WriteErr error
}

// PeerAdd plans (and commits) a peer and delivers its config.
func (o *Ops) PeerAdd(req PeerAdd) (*PeerAddResult, error) {
	res := &PeerAddResult{}
	in := req.Intent
	var pr *plan.PeerResult
	out, err := o.run(req.Txn, steps{
		plan: func(st plan.State) (*plan.Result, string, error) {
			in.Iface = Iface(st, in.Iface)
			var err error
			if in.Expires, _, err = ParseExpiry(req.Expires, req.For, o.Deps.Now(), time.Local); err != nil {
				return nil, "", err
			}
			if err := o.drawPeerKeys(&in, req.PSK); err != nil {
				return nil, "", err
			}
			if pr, err = plan.PeerAdd(st, in); err != nil {
				return nil, "", err
			}
			return pr.Result, in.Iface, nil
		},
		check: func(*plan.Result) error {
			if req.Output == "" && req.Show == nil {
				return fmt.Errorf("internal error: peer add without Output or Show would lose the private key")
			}
			return checkSecretTarget(req.Output)
		},
		deliver: func() error {
			if pr.Existed && pr.Config.PrivateKey == nil {
				return nil // changed, but its config holds no key to lose
			}
			return deliverPeer(req, pr.Config, res)
		},
	})
	res.Outcome, res.Iface = out, in.Iface
	if pr == nil || out.Plan == nil {
		return res, err
	}
	res.Section, res.Existed, res.Config = wg.PeerSection(in.Iface, in.Name), pr.Existed, pr.Config
	if err == nil && !out.Preview && !out.Wrote && pr.Existed && pr.Config.PrivateKey != nil {
		// It exists with its private key kept: hand the config over again.
		err = deliverPeer(req, pr.Config, res)
	}
	return res, err
}

// deliverPeer writes the config to req.Output, or shows it (also when
// writing failed).
func deliverPeer(req PeerAdd, cfg wg.ClientConfig, res *PeerAddResult) error {
	if req.Output != "" {
		if res.WriteErr = WriteSecretFile(req.Output, []byte(cfg.Render())); res.WriteErr == nil {
			res.Written, res.Delivered = req.Output, true
			return nil
		}
	}
	if req.Show == nil {
		return fmt.Errorf("peer %s was added, but its client config could not be written: %v", cfg.Name, res.WriteErr)
	}
	if err := req.Show(cfg); err != nil {
		return err
	}
	res.Delivered = true
	return nil
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
		if req.Verb == "enable" {
			if err := o.refuseExpired(st, iface, req.Name); err != nil {
				return nil, iface, err
			}
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
	// As at peer add: the LAN's IPv6 prefix netifd assigned is routed too.
	st.Live = o.liveFacts()
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
