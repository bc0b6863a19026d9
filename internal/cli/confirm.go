package cli

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/wgowrt/wgowrt/internal/ops"
)

// Confirmed apply: every writing command takes --confirm[=SECONDS] (the
// change rolls back by itself unless `wgowrt confirm` comes in time) and
// --no-confirm (never, even over SSH). Without either, a change made over
// SSH that touches routing or the firewall is confirmed with the default
// window (ops.Confirm.Auto).

// confirmFlags are global: `wgowrt expose … --confirm=30` and `wgowrt
// --confirm expose …` both work (hoistGlobalFlags).
func confirmFlags(env *Env) []Flag {
	return []Flag{
		&StringFlag{Name: "confirm", Arg: "[=SECONDS]", Usage: "apply on approval: roll the change back by itself unless 'wgowrt confirm' runs within SECONDS (--confirm alone: 90)", Destination: &env.confirm},
		&BoolFlag{Name: "no-confirm", Usage: "never wait for confirmation, even over SSH", Destination: &env.noConfirm},
	}
}

// confirmBare is what a bare --confirm becomes.
var confirmBare = "--confirm=" + strconv.Itoa(int(ops.DefaultConfirmWindow/time.Second))

// expandConfirm turns a bare --confirm into --confirm=90, so that the
// optional value never takes the next argument.
func expandConfirm(args []string) []string {
	out := append([]string{}, args...)
	for i, a := range out {
		if a == "--" || i > 0 && (a == "uci" || a == "call" || a == "list" || a == "rpcd") {
			break
		}
		if a == "--confirm" || a == "-confirm" {
			out[i] = confirmBare
		}
	}
	return out
}

// confirmMode is the request's Confirm from the flags.
func confirmMode(env *Env, cmd string) (ops.Confirm, error) {
	cmd = strings.TrimPrefix(cmd, "wgowrt ")
	if env.noConfirm {
		if env.confirm != "" {
			return ops.Confirm{}, Usagef("--confirm and --no-confirm contradict each other; give one")
		}
		return ops.Confirm{}, nil
	}
	if env.confirm == "" {
		return ops.Confirm{Auto: true, Command: cmd}, nil
	}
	n, err := strconv.Atoi(env.confirm)
	if err != nil || n < 0 || n > 3600 {
		return ops.Confirm{}, Usagef("--confirm=%s: give the seconds to wait for 'wgowrt confirm' (5 to 3600; 0 = do not wait)", env.confirm)
	}
	if n == 0 {
		return ops.Confirm{}, nil
	}
	if n < 5 {
		return ops.Confirm{}, Usagef("--confirm=%d is too short to open a new SSH session and confirm; give 5 or more", n)
	}
	return ops.Confirm{Window: time.Duration(n) * time.Second, Command: cmd}, nil
}

// reportPending tells how to keep a change that waits for confirmation.
func reportPending(env *Env, p *ops.Pending) {
	if p == nil {
		return
	}
	fmt.Fprintf(env.Stderr, "wgowrt: this change rolls back by itself at %s (in %s) unless confirmed: open a NEW ssh session to the router and run 'wgowrt confirm' (or 'wgowrt rollback' to undo it now)\n",
		p.Deadline.Local().Format("15:04:05"), p.Remaining(time.Now()).Round(time.Second))
}

func confirmCommand(env *Env) *Command {
	return &Command{
		Name:  "confirm",
		Usage: "keep the change that waits for confirmation (run it from a new SSH login: that proves the path still works)",
		Flags: []Flag{&BoolFlag{Name: "same-session", Usage: "confirm from the SSH session that made the change (proves less)"}},
		Action: func(c *Context) error {
			if c.NArg() > 0 {
				return Usagef("confirm takes no arguments (got %q)", c.Args().First())
			}
			r, err := env.ops().ConfirmChange(c.Bool("same-session"))
			if errors.Is(err, ops.ErrNothingPending) {
				return fmt.Errorf("%v (see 'wgowrt status')", err)
			}
			if err != nil {
				return err
			}
			if env.JSON {
				return writeJSON(env.Stdout, map[string]any{"version": 1, "confirmed": r.Pending})
			}
			fmt.Fprintf(env.Stderr, "wgowrt: confirmed: %s stays\n", r.Pending.Command)
			return nil
		},
	}
}

func rollbackCommand(env *Env) *Command {
	return &Command{
		Name:  "rollback",
		Usage: "undo the change that waits for confirmation, now",
		Flags: []Flag{
			&Int64Flag{Name: "at", Hidden: true, Usage: "wait until this Unix time (the timer a confirmed change starts)"},
			&StringFlag{Name: "id", Hidden: true, Usage: "only the change with this id"},
			&BoolFlag{Name: "boot", Hidden: true, Usage: "restore the files only (at boot, before the network starts)"},
		},
		Action: func(c *Context) error {
			if c.NArg() > 0 {
				return Usagef("rollback takes no arguments (got %q)", c.Args().First())
			}
			req := ops.Rollback{ID: c.String("id"), Boot: c.Bool("boot")}
			if at := c.Int64("at"); at > 0 {
				req.At = time.Unix(at, 0)
			}
			r, err := env.ops().Rollback(req)
			if err != nil {
				return err
			}
			return reportRollback(env, r, req)
		},
	}
}

func reportRollback(env *Env, r *ops.RollbackResult, req ops.Rollback) error {
	if env.JSON {
		return writeJSON(env.Stdout, map[string]any{"version": 1, "rolled_back": r.Pending, "restored": orEmpty(r.Restored), "changed_since": orEmpty(r.ChangedSince)})
	}
	if r.Pending == nil {
		if req.ID == "" && !req.Boot {
			fmt.Fprintln(env.Stderr, "wgowrt: no change is waiting for confirmation; nothing to roll back")
		}
		return nil
	}
	fmt.Fprintf(env.Stderr, "wgowrt: rolled back %s: restored %s\n", r.Pending.Command, strings.Join(r.Restored, ", "))
	if len(r.ChangedSince) > 0 {
		fmt.Fprintf(env.Stderr, "wgowrt: warning: %s had been changed since by someone else; those changes were undone too\n", strings.Join(r.ChangedSince, ", "))
	}
	for _, n := range r.Applied {
		fmt.Fprintf(env.Stderr, "wgowrt: %s\n", n)
	}
	return nil
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
