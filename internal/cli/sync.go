package cli

import (
	"fmt"
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
	if failed {
		return &ExitError{Code: ExitFailure}
	}
	return nil
}
