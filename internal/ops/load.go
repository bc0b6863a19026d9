package ops

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/wgowrt/wgowrt/internal/plan"
	"github.com/wgowrt/wgowrt/internal/store"
	"github.com/wgowrt/wgowrt/internal/system"
	"github.com/wgowrt/wgowrt/internal/wg"
	"github.com/wgowrt/wgowrt/uci"
)

// SessionDir is where rpcd stages a session's uci changes (reference
// §4.5): /var/run/rpcd/uci-<sid>/.
const SessionDir = "/var/run/rpcd/uci-"

// SessionError is a session id that is not one of rpcd's.
type SessionError struct{ ID string }

func (e *SessionError) Error() string { return "not an rpcd session id" }

// State is the one place the configuration a use case plans against is
// read: network, firewall and wgowrt with pending changes applied, as
// netifd sees them, or as rpcd shows them to session (LuCI's staged
// edits on top) when session is set. Facts about the running system that
// plans need are added here too.
func (o *Ops) State(session string) (plan.State, *store.Store, error) {
	return o.load(store.New(o.Root), session)
}

// load reads the state through s (whose first Load finishes an
// interrupted write, when begin has not already).
func (o *Ops) load(s *store.Store, session string) (plan.State, *store.Store, error) {
	if session != "" {
		st, err := o.sessionState(session)
		return st, s, err
	}
	var st plan.State
	var err error
	if st.Network, err = s.Load(wg.PkgNetwork, false); err != nil {
		return st, nil, err
	}
	if st.Firewall, err = s.Load(wg.PkgFirewall, false); err != nil {
		return st, nil, err
	}
	if st.Wgowrt, err = s.Load(wg.PkgWgowrt, true); err != nil {
		return st, nil, err
	}
	return st, s, nil
}

func (o *Ops) sessionState(sid string) (plan.State, error) {
	if !ValidSession(sid) {
		return plan.State{}, &SessionError{ID: sid}
	}
	ctx := o.sessionContext(sid)
	var st plan.State
	var err error
	if st.Network, err = loadPackage(ctx, wg.PkgNetwork, false); err != nil {
		return st, err
	}
	if st.Firewall, err = loadPackage(ctx, wg.PkgFirewall, false); err != nil {
		return st, err
	}
	if st.Wgowrt, err = loadPackage(ctx, wg.PkgWgowrt, true); err != nil {
		return st, err
	}
	o.applyReserved(st, sid)
	return st, nil
}

// sessionContext reads configs as rpcd shows them to session sid:
// committed files, pending changes, then the session's staged ones.
func (o *Ops) sessionContext(sid string) *uci.Context {
	return &uci.Context{
		ConfDir:     o.Path(uci.DefaultConfDir),
		OverrideDir: o.Path(uci.DefaultOverrideDir),
		DeltaPaths:  []string{o.Path(uci.DefaultSaveDir)},
		SaveDir:     o.Path(SessionDir + sid),
	}
}

// loadPackage is store.Load over another context: a missing optional
// package is empty.
func loadPackage(ctx *uci.Context, name string, optional bool) (*uci.Package, error) {
	p, err := ctx.Load(name)
	if err == nil {
		return p, nil
	}
	if _, serr := os.Stat(ctx.Path(name)); os.IsNotExist(serr) {
		if optional {
			return uci.NewPackage(name), nil
		}
		return nil, fmt.Errorf("%s does not exist", ctx.Path(name))
	}
	return nil, fmt.Errorf("reading %s: %v", ctx.Path(name), err)
}

// ValidSession accepts rpcd's session ids (32 hex digits), which become a
// path component.
func ValidSession(sid string) bool {
	if len(sid) != 32 || filepath.Base(sid) != sid {
		return false
	}
	for _, c := range sid {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// liveFacts gathers what the running router and the SSH session tell
// beyond the files (plan.Live). With a --root prefix there is no running
// router: only the files (dropbear, uhttpd) and $SSH_CLIENT count.
func (o *Ops) liveFacts() plan.Live {
	src := system.LiveSource{Getenv: o.Deps.Getenv, Load: func(name string) (*uci.Package, error) {
		return store.New(o.Root).Load(name, true)
	}}
	if ls := o.live(); ls != nil {
		src.Ubus, src.Links = ls.Ubus, ls.Links
	}
	return system.GatherLive(src)
}

// Iface is the interface a use case acts on: given, or the only server
// wgowrt made, or wg0.
func Iface(st plan.State, given string) string {
	if given != "" {
		return given
	}
	if s := plan.Servers(st); len(s) == 1 {
		return s[0]
	}
	return "wg0"
}

// storeLoad reads another package (dhcp, system) as netifd sees it; a
// missing one is empty.
func (o *Ops) storeLoad(name string) (*uci.Package, error) {
	return store.New(o.Root).Load(name, true)
}
