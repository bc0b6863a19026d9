package ops

import (
	"errors"

	"github.com/wgowrt/wgowrt/internal/plan"
	"github.com/wgowrt/wgowrt/internal/wg"
)

// SiteAdd is `site add`. Intent.Iface "" is the only server; NewPSK
// draws a fresh preshared key.
type SiteAdd struct {
	Txn
	Intent plan.SiteIntent
	NewPSK bool
	// Set changes an existing site (`site set`): what Intent leaves out
	// stays as it is.
	Set bool
}

// SiteResult is a planned or committed site.
type SiteResult struct {
	*Outcome
	Iface string
}

// SiteAdd plans (and commits) a site.
func (o *Ops) SiteAdd(req SiteAdd) (*SiteResult, error) {
	in := req.Intent
	out, err := o.transact(req.Txn, func(st plan.State) (*plan.Result, string, error) {
		in.Iface = Iface(st, in.Iface)
		if req.NewPSK {
			k, err := wg.GeneratePreshared(o.Deps.Keys)
			if err != nil {
				return nil, "", err
			}
			in.NewPSK = &k
		}
		if req.Set {
			r, err := plan.SiteSet(st, in)
			return r, in.Iface, err
		}
		r, err := plan.SiteAdd(st, in)
		return r, in.Iface, err
	}, nil)
	return &SiteResult{Outcome: out, Iface: in.Iface}, err
}

// SiteRemove is `site remove NAME`.
type SiteRemove struct {
	Txn
	Iface, Name string
	// AllowLockout removes the site the SSH session running the command
	// comes through.
	AllowLockout bool
}

// SiteRemove plans (and commits) removing a site.
func (o *Ops) SiteRemove(req SiteRemove) (*Outcome, error) {
	return o.transact(req.Txn, func(st plan.State) (*plan.Result, string, error) {
		iface := Iface(st, req.Iface)
		if _, ok := plan.FindSite(st, iface, req.Name); ok && !req.AllowLockout {
			if err := plan.CutsAdmin(st, iface, req.Name); err != nil {
				return nil, iface, err
			}
		}
		r, err := plan.SiteRemove(st, iface, req.Name)
		return r, iface, err
	}, nil)
}

// SiteInvite is `site invite`: Intent.As "" is this router's hostname.
// With DryRun the preshared key is not exported.
type SiteInvite struct {
	DryRun bool
	Intent plan.InviteIntent
}

// SiteInviteResult is the other router's command line; PSKWritten says
// the preshared key was exported to Intent.PSKFile.
type SiteInviteResult struct {
	Invitation plan.Invitation
	Intent     plan.InviteIntent
	// PSK says the site has a preshared key to export.
	PSK        bool
	PSKWritten bool
}

// ErrNoHostname means /etc/config/system names no usable hostname.
var ErrNoHostname = errors.New("no usable hostname in /etc/config/system")

// SiteInvite makes the command the other router of a site runs and
// exports the preshared key.
func (o *Ops) SiteInvite(req SiteInvite) (*SiteInviteResult, error) {
	st, unlock, err := o.read("")
	if err != nil {
		return nil, err
	}
	defer unlock()
	// "auto" local subnets include the LAN's IPv6 prefix netifd assigned.
	st.Live = o.liveFacts()
	res := &SiteInviteResult{Intent: req.Intent}
	res.Intent.Iface = Iface(st, req.Intent.Iface)
	if res.Intent.As == "" {
		if res.Intent.As, err = o.hostname(); err != nil {
			return nil, err
		}
	}
	if res.Invitation, err = plan.SiteInvite(st, res.Intent); err != nil {
		return nil, err
	}
	res.PSK = res.Invitation.PSK != nil
	if !res.PSK || req.DryRun {
		return res, nil
	}
	if err := WriteSecretFile(res.Intent.PSKFile, []byte(res.Invitation.PSK.String()+"\n")); err != nil {
		return res, err
	}
	res.PSKWritten = true
	return res, nil
}

// hostname is this router's name from /etc/config/system, the default
// name the other router gives it.
func (o *Ops) hostname() (string, error) {
	sys, err := o.storeLoad("system")
	if err == nil {
		for _, s := range sys.SectionsOfType("system") {
			if h, ok := s.Get("hostname"); ok && wg.ValidatePeerName(h) == nil {
				return h, nil
			}
		}
	}
	return "", ErrNoHostname
}
