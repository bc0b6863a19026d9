package cli

import (
	"fmt"

	ucli "github.com/urfave/cli/v2"

	"github.com/wgowrt/wgowrt/internal/plan"
	"github.com/wgowrt/wgowrt/internal/store"
	"github.com/wgowrt/wgowrt/internal/system"
	"github.com/wgowrt/wgowrt/internal/wg"
)

// commitRole is the write path of the client and gateway commands: the
// same preview, pending-change check, write and apply as commit, with a
// change description that knows their sections are routes, rules and
// interfaces (netifd reload) rather than a server's peers.
func commitRole(env *Env, c *ucli.Context, s *store.Store, r *plan.Result, ch system.Change) (bool, error) {
	if !env.DryRun {
		if err := store.CheckPending(r.Packages(), c.Bool("commit-pending")); err != nil {
			return false, err
		}
	}
	for _, w := range r.Warnings {
		fmt.Fprintf(env.Stderr, "wgowrt: warning: %s\n", w)
	}
	if env.DryRun {
		fmt.Fprint(env.Stdout, r.ChangeLines())
		return false, nil
	}
	if !r.Changed() {
		fmt.Fprintln(env.Stderr, "wgowrt: nothing to change")
		return false, nil
	}
	for _, n := range r.Notes {
		fmt.Fprintf(env.Stderr, "wgowrt: %s\n", n)
	}
	if err := s.Write(r.Packages(), c.Bool("commit-pending")); err != nil {
		return false, err
	}
	return true, apply(env, ch)
}

// roleChange describes a client or gateway plan for the applier: peer
// edits alone go to the running device; anything else in network (the
// interface, routes, rules, a gateway interface) needs a netifd reload.
func roleChange(r *plan.Result, iface string) system.Change {
	ch := system.Change{Iface: iface, Network: r.State.Network, Firewall: len(r.State.Firewall.Unsaved()) > 0}
	for _, d := range r.State.Network.Unsaved() {
		if sec := r.State.Network.Section(d.Section); sec != nil && sec.Type == wg.PeerType(iface) {
			ch.Peers = true
			ch.Routes = ch.Routes || d.Option == "allowed_ips"
		} else {
			ch.Interface = true
		}
	}
	return ch
}
