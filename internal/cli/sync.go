package cli

import (
	"fmt"

	"github.com/wgowrt/wgowrt/internal/ops"
)

// `wgowrt sync` pushes the peers of the committed configuration into the
// running devices (see ops.Sync); the luci-app's procd service runs it on
// every network config change.

func syncCommand(env *Env) *Command {
	return &Command{
		Name:  "sync",
		Usage: "push the peers of the committed configuration into the running WireGuard devices (no restart)",
		Flags: []Flag{&StringFlag{Name: "iface", Aliases: []string{"i"}, Usage: "only this interface"}},
		Action: func(c *Context) error {
			if c.NArg() > 0 {
				return Usagef("sync takes no arguments (got %q)", c.Args().First())
			}
			return runSync(env, c.String("iface"))
		},
	}
}

func runSync(env *Env, only string) error {
	res, err := env.ops().Sync(only)
	if err != nil {
		return err
	}
	failed := false
	for _, r := range res {
		for _, m := range r.Applied {
			fmt.Fprintf(env.Stderr, "wgowrt: %s\n", m)
		}
		if r.Err != nil {
			fmt.Fprintf(env.Stderr, "wgowrt: %s: %v\n", r.Name, r.Err)
			failed = true
		} else if r.Note != "" {
			fmt.Fprintf(env.Stderr, "wgowrt: %s\n", r.Note)
		}
	}
	if env.JSON {
		if err := writeJSON(env.Stdout, syncDoc(res)); err != nil {
			return err
		}
	}
	if failed {
		return &ExitError{Code: ExitFailure}
	}
	return nil
}

// syncDoc is sync's --json document: {"version": 1, "interfaces":
// [{"iface", "applied": [what the push did], "note": why it was left
// alone, "error": why it failed, or ""}]}. It is printed when an interface
// failed too (the exit status is then 1).
func syncDoc(res []ops.SyncIface) map[string]any {
	ifs := []map[string]any{}
	for _, r := range res {
		e := ""
		if r.Err != nil {
			e = r.Err.Error()
		}
		ifs = append(ifs, map[string]any{"iface": r.Name, "applied": orEmpty(r.Applied), "note": r.Note, "error": e})
	}
	return map[string]any{"version": 1, "interfaces": ifs}
}
