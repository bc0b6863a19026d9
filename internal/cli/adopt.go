package cli

import (
	"fmt"

	ucli "github.com/urfave/cli/v2"

	"github.com/wgowrt/wgowrt/internal/ops"
	"github.com/wgowrt/wgowrt/internal/plan"
	"github.com/wgowrt/wgowrt/internal/wg"
)

func adoptCommand(env *Env) *ucli.Command {
	return &ucli.Command{
		Name:      "adopt",
		Usage:     "take over a WireGuard interface made in LuCI or by hand: same keys, addresses, port and peers, no restart",
		ArgsUsage: "IFACE",
		Flags: []ucli.Flag{
			&ucli.StringFlag{Name: "endpoint", Usage: "host name or address peers use to reach this router (HOST or HOST:PORT)"},
			commitPendingFlag,
		},
		SkipFlagParsing: true,
		Action: interspersed(func(c *ucli.Context) error {
			if c.NArg() != 1 {
				return Usagef("adopt needs exactly one interface name (got %d arguments)", c.NArg())
			}
			in := plan.AdoptIntent{Iface: c.Args().First()}
			if c.IsSet("endpoint") {
				e, err := wg.ParseEndpoint(c.String("endpoint"))
				if err != nil {
					return err
				}
				in.Endpoint = &e
			}
			res, err := env.ops().Adopt(ops.Adopt{Txn: txn(env, c), Intent: in})
			if res == nil {
				return err
			}
			if err == nil && !env.JSON && res.Plan != nil && res.Changed {
				fmt.Fprintf(env.Stderr, "wgowrt: %s: a %s with %d peer(s), firewall zone %s\n", in.Iface, res.Found.Role, res.Found.Peers, orNone(res.Found.Zone))
			}
			return report(env, res.Outcome, err)
		}),
	}
}
