package cli

import (
	"fmt"
	"strings"

	"github.com/wgowrt/wgowrt/internal/ops"
	"github.com/wgowrt/wgowrt/internal/plan"
	"github.com/wgowrt/wgowrt/internal/wg"
)

func adoptCommand(env *Env) *Command {
	return &Command{
		Name:      "adopt",
		Usage:     "take over a WireGuard interface made in LuCI or by hand: same keys, addresses, port and peers, no restart",
		ArgsUsage: "IFACE",
		Flags: []Flag{
			&StringFlag{Name: "endpoint", Usage: "host name or address peers use to reach this router (HOST or HOST:PORT)"},
			commitPendingFlag,
		},
		Action: func(c *Context) error {
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
				fmt.Fprintf(env.Stderr, "wgowrt: %s: a %s with %d peer(s)%s, firewall zone %s\n", in.Iface, res.Found.Role, res.Found.Peers,
					sitesNote(res.Found.Sites), orNone(res.Found.Zone))
			}
			return reportChange(env, res.Outcome, err, adoptFacts(in.Iface, res.Found))
		},
	}
}

func sitesNote(sites []string) string {
	if len(sites) == 0 {
		return ""
	}
	return fmt.Sprintf(" (site links: %s)", strings.Join(sites, ", "))
}

// adoptFacts are adopt's own --json fields: what it found, "found":
// {"role", "zone" ("" for none), "peers" (how many), "renamed" (old
// section -> peer name, for the peers it gave wgowrt's section names),
// "sites" (the peers it recorded as site links)}.
func adoptFacts(iface string, f plan.Adopted) map[string]any {
	renamed := f.Renamed
	if renamed == nil {
		renamed = map[string]string{}
	}
	return map[string]any{"iface": iface, "found": map[string]any{"role": f.Role, "zone": f.Zone, "peers": f.Peers,
		"renamed": renamed, "sites": orEmpty(f.Sites)}}
}
