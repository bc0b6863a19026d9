package cli

import (
	"errors"
	"io"

	ucli "github.com/urfave/cli/v2"

	"github.com/wgowrt/wgowrt/internal/ops"
)

// Topology runs the fleet commands (internal/topology.Main); main sets
// it, as it sets RPCD, so that the command line does not import another
// front-end.
var Topology func(o *ops.Ops, cmd string, args []string, json, dryRun bool, stdin io.Reader, stdout, stderr io.Writer) error

// fleetCommand is `wgowrt topology …` or `wgowrt node …`: the fleet
// front-end parses its own arguments.
func fleetCommand(env *Env, name, usage string) *ucli.Command {
	return &ucli.Command{
		Name:            name,
		Usage:           usage,
		SkipFlagParsing: true,
		Action: func(c *ucli.Context) error {
			if Topology == nil {
				return Usagef("%s is not built into this binary", name)
			}
			if env.confirm != "" {
				// several transactions in a row: one window cannot cover them
				return Usagef("%s has no --confirm: apply runs several changes in a row; roll out the branches first and the hub last (README, Fleets)", name)
			}
			err := Topology(env.ops(), name, c.Args().Slice(), env.JSON, env.DryRun, env.Stdin, env.Stdout, env.Stderr)
			var u interface{ Usage() bool }
			if errors.As(err, &u) && u.Usage() {
				return Usagef("%s", err.Error())
			}
			return err
		},
	}
}
