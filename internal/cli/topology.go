package cli

import (
	"errors"
	"io"
	"strings"

	"github.com/wgowrt/wgowrt/internal/ops"
)

// Topology runs the fleet commands (internal/topology.Main); main sets
// it, as it sets RPCD, so that the command line does not import another
// front-end.
var Topology func(o *ops.Ops, cmd string, args []string, json, dryRun bool, confirm ops.Confirm, stdin io.Reader, stdout, stderr io.Writer) error

// fleetCommand is `wgowrt topology …` or `wgowrt node …`: the fleet
// front-end parses its own arguments.
func fleetCommand(env *Env, name, usage string) *Command {
	return &Command{
		Name:            name,
		Usage:           usage,
		SkipFlagParsing: true,
		Action: func(c *Context) error {
			if Topology == nil {
				return Usagef("%s is not built into this binary", name)
			}
			confirm, err := confirmMode(env, name+" "+strings.Join(c.Args().Slice(), " "))
			if err != nil {
				return err
			}
			// Only an explicit --confirm: an Ansible rollout runs over SSH,
			// and each run would otherwise wait for a confirmation.
			confirm.Auto = false
			err = Topology(env.ops(), name, c.Args().Slice(), env.JSON, env.DryRun, confirm, env.Stdin, env.Stdout, env.Stderr)
			var u interface{ Usage() bool }
			if errors.As(err, &u) && u.Usage() {
				return Usagef("%s", err.Error())
			}
			return err
		},
	}
}
