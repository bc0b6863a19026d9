package cli

import (
	"fmt"

	"github.com/wgowrt/wgowrt/internal/ops"
)

var ifaceFlag = &StringFlag{Name: "iface", Aliases: []string{"i"}, Usage: "WireGuard interface (default: the only wgowrt server, else wg0)"}

// allowLockoutFlag lets a change cut the path of the SSH session running
// the command (a route into a tunnel holding its address, ssh closed to
// the peers it comes through).
var allowLockoutFlag = &BoolFlag{Name: "allow-lockout", Usage: "do it even if it cuts this SSH session's path to the router (the session will probably hang)"}

var commitPendingFlag = &BoolFlag{Name: "commit-pending", Usage: "commit other pending /tmp/.uci changes of the same configs together with this one"}

// ops returns the operations on the router (or the --root copy).
func (e *Env) ops() *ops.Ops { return ops.New(e.Root) }

// txn is how a writing command runs: --dry-run and --commit-pending.
func txn(env *Env, c *Context) ops.Txn {
	cf, _ := confirmMode(env, c.Command.FullName()) // checked in the app's Before
	return ops.Txn{DryRun: env.DryRun, CommitPending: c.Bool("commit-pending"), Confirm: cf}
}

// report prints what a writing use case did, in the order it happened:
// warnings, then the preview (--dry-run) or the notes, what the plan
// wrote and what applying it said. It returns err.
func report(env *Env, out *ops.Outcome, err error) error { return reportWith(env, out, err, nil) }

// reportWith is report; with --json a dry run prints the change document
// (changeDoc, with extra's fields) instead of the changes.
func reportWith(env *Env, out *ops.Outcome, err error, extra map[string]any) error {
	if out == nil {
		return err
	}
	for _, w := range out.Warnings {
		fmt.Fprintf(env.Stderr, "wgowrt: warning: %s\n", w)
	}
	r := out.Plan
	if r == nil {
		return err
	}
	for _, w := range r.Warnings {
		fmt.Fprintf(env.Stderr, "wgowrt: warning: %s\n", w)
	}
	if out.Preview {
		if env.JSON {
			if err != nil {
				return err
			}
			return writeJSON(env.Stdout, changeDoc(env, out, extra))
		}
		fmt.Fprint(env.Stdout, r.ChangeLines())
		return err
	}
	for _, n := range r.Notes {
		fmt.Fprintf(env.Stderr, "wgowrt: %s\n", n)
	}
	if !out.Changed && len(r.Notes) == 0 {
		fmt.Fprintln(env.Stderr, "wgowrt: nothing to change")
	}
	if out.Wrote {
		for _, n := range r.Info {
			fmt.Fprintf(env.Stderr, "wgowrt: %s\n", n)
		}
	}
	for _, n := range out.Applied {
		fmt.Fprintf(env.Stderr, "wgowrt: %s\n", n)
	}
	reportPending(env, out.Pending)
	return err
}

// done is true when a command has nothing more to print after report:
// it failed, or it was a dry run.
func done(env *Env, err error) bool { return err != nil || env.DryRun }
