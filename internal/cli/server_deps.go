package cli

import (
	"crypto/rand"
	"fmt"
	"io"
	"time"

	ucli "github.com/urfave/cli/v2"

	"github.com/wgowrt/wgowrt/internal/plan"
	"github.com/wgowrt/wgowrt/internal/store"
	"github.com/wgowrt/wgowrt/internal/system"
	"github.com/wgowrt/wgowrt/internal/wg"
	"github.com/wgowrt/wgowrt/internal/wgdev"
	"github.com/wgowrt/wgowrt/ubus"
)

// wgDeps are the side effects of the server, peer and status commands.
// Tests replace them; nothing else in these commands reaches the machine
// except the store.
type wgDeps struct {
	// keys draws key material (crypto/rand on a router).
	keys wg.KeySource
	// live returns the running system to apply changes to, or nil when
	// there is none (with --root, nothing is reloaded).
	live func(env *Env) *liveSystem
	// devices opens the WireGuard device client for status.
	devices func() (wgdev.Client, error)
	now     func() time.Time
}

// liveSystem is a running router: its ubus, its devices, its release.
type liveSystem struct {
	ubus    ubus.Caller
	dev     func() (wgdev.Client, error)
	release system.Release
}

var deps = wgDeps{
	keys: func() (b [wg.KeyLen]byte, err error) {
		_, err = io.ReadFull(rand.Reader, b[:])
		return b, err
	},
	live: func(env *Env) *liveSystem {
		if env.Root != "" {
			return nil
		}
		return &liveSystem{ubus: &ubus.Exec{}, dev: wgdev.Open, release: system.DetectRelease("/")}
	},
	devices: wgdev.Open,
	now:     time.Now,
}

var ifaceFlag = &ucli.StringFlag{Name: "iface", Aliases: []string{"i"}, Usage: "WireGuard interface (default: the only wgowrt server, else wg0)"}

var commitPendingFlag = &ucli.BoolFlag{Name: "commit-pending", Usage: "commit other pending /tmp/.uci changes of the same configs together with this one"}

// loadState reads network, firewall and wgowrt as netifd sees them.
func loadState(env *Env) (plan.State, *store.Store, error) {
	s := store.New(env.Root)
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

// ifaceOf returns --iface, or the only server wgowrt made, or wg0.
func ifaceOf(c *ucli.Context, st plan.State) string {
	if c.IsSet("iface") {
		return c.String("iface")
	}
	if s := plan.Servers(st); len(s) == 1 {
		return s[0]
	}
	return "wg0"
}

// commit previews, writes and applies a plan; it is the one path every
// writing command takes. It returns whether anything was written.
func commit(env *Env, c *ucli.Context, s *store.Store, r *plan.Result, iface string) (bool, error) {
	if !env.DryRun {
		if err := store.CheckPending(r.Packages(), c.Bool("commit-pending")); err != nil {
			return false, err
		}
	}
	if n := store.StagedNote(r.Packages()); n != "" {
		fmt.Fprintf(env.Stderr, "wgowrt: warning: %s\n", n)
	}
	for _, w := range r.Warnings {
		fmt.Fprintf(env.Stderr, "wgowrt: warning: %s\n", w)
	}
	if env.DryRun {
		fmt.Fprint(env.Stdout, r.ChangeLines())
		return false, nil
	}
	for _, n := range r.Notes {
		fmt.Fprintf(env.Stderr, "wgowrt: %s\n", n)
	}
	if !r.Changed() {
		if len(r.Notes) == 0 {
			fmt.Fprintln(env.Stderr, "wgowrt: nothing to change")
		}
		return false, nil
	}
	change := describe(r, iface)
	if err := s.Write(r.Packages(), c.Bool("commit-pending")); err != nil {
		return false, err
	}
	for _, n := range r.Info {
		fmt.Fprintf(env.Stderr, "wgowrt: %s\n", n)
	}
	return true, apply(env, change)
}

// describe says what a plan touches, for the applier: edits to iface's
// peer sections alone can go to the running device; anything else in
// network (the interface, routes, rules, other interfaces) needs netifd.
// Sections are told apart by type, which each change records, so removed
// sections are classified too.
func describe(r *plan.Result, iface string) system.Change {
	ch := system.Change{Iface: iface, Network: r.State.Network, Firewall: len(r.State.Firewall.Unsaved()) > 0}
	peerType := wg.PeerType(iface)
	for _, d := range r.State.Network.Unsaved() {
		if d.SectionType != peerType {
			ch.Interface = true
			ch.Addresses = ch.Addresses || d.Section == iface && d.Option == "addresses"
			continue
		}
		ch.Peers = true
		if d.Option == "route_allowed_ips" || d.Option == "allowed_ips" && routed(r, d.Section) {
			ch.Routes = true
		}
	}
	return ch
}

func routed(r *plan.Result, sec string) bool {
	s := r.State.Network.Section(sec)
	if s == nil {
		return false
	}
	v, _ := s.Get("route_allowed_ips")
	return v == "1"
}

// apply makes a live router follow; with --root there is nothing to do.
func apply(env *Env, ch system.Change) error {
	ls := deps.live(env)
	if ls == nil {
		return nil
	}
	a := &system.Applier{Ubus: ls.ubus, Release: ls.release}
	if ch.Peers {
		dev, err := ls.dev()
		if err != nil {
			return fmt.Errorf("configuration written, but the WireGuard device cannot be reached (%v); run 'ifup %s' to apply it", err, ch.Iface)
		}
		defer dev.Close()
		a.Dev = dev
	}
	notes, err := a.Apply(ch)
	for _, n := range notes {
		fmt.Fprintf(env.Stderr, "wgowrt: %s\n", n)
	}
	if err != nil {
		return fmt.Errorf("configuration written, but applying it failed: %v", err)
	}
	return nil
}
