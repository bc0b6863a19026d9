package cli

import (
	"fmt"
	"strings"
)

// `doctor --json` (version 1): {"version", "checked", "live", "findings":
// [{"check", "iface", "peer", "problem", "evidence", "fix", "severity"}]}
// (severity "warning" for what is no fault of the configuration, absent
// otherwise). The exit status is 1 when something was found.

func doctorCommand(env *Env) *Command {
	return &Command{
		Name:      "doctor",
		Usage:     "find why a tunnel carries nothing: each problem with its evidence and the command that fixes it",
		ArgsUsage: "[IFACE]",
		Action: func(c *Context) error {
			if c.NArg() > 1 {
				return Usagef("doctor takes at most one interface (got %q)", strings.Join(c.Args().Slice(), " "))
			}
			r, err := env.ops().Doctor(c.Args().First())
			if err != nil {
				return err
			}
			if env.JSON {
				if err := writeJSON(env.Stdout, map[string]any{"version": 1, "checked": r.Checked, "live": r.Live, "findings": r.Findings}); err != nil || len(r.Findings) == 0 {
					return err
				}
				return &ExitError{Code: ExitFailure}
			}
			if !r.Live {
				fmt.Fprintln(env.Stderr, "wgowrt: no running router here (--root): only the configuration was checked")
			}
			if len(r.Findings) == 0 {
				fmt.Fprintf(env.Stdout, "no problem found (checked %s)\n", orNone(strings.Join(r.Checked, ", ")))
				return nil
			}
			for i, f := range r.Findings {
				if i > 0 {
					fmt.Fprintln(env.Stdout)
				}
				where := f.Iface
				if f.Peer != "" {
					where += " peer " + f.Peer
				}
				if where != "" {
					where = " [" + strings.TrimSpace(where) + "]"
				}
				if f.Severity != "" {
					where += " (" + f.Severity + ")"
				}
				fmt.Fprintf(env.Stdout, "%s%s: %s\n  evidence: %s\n  fix: %s\n", f.Check, where, f.Problem, f.Evidence, strings.ReplaceAll(f.Fix, "\n", "\n       "))
			}
			return &ExitError{Code: ExitFailure}
		},
	}
}
