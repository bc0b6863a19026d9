package cli

import (
	"fmt"
	"text/tabwriter"

	"github.com/wgowrt/wgowrt/internal/ops"
	"github.com/wgowrt/wgowrt/internal/plan"
)

func gatewayCommand(env *Env) *Command {
	return &Command{
		Name:  "gateway",
		Usage: "give a public block routed through a client tunnel to a LAN segment (44Net model 2)",
		Subcommands: []*Command{{
			Name:  "add",
			Usage: "assign --block to a segment: the router takes the first address, hosts use the rest without NAT",
			Flags: []Flag{
				&StringFlag{Name: "iface", Aliases: []string{"i"}, Usage: "client tunnel the block is routed through (imported with --mode source or full)", Required: true},
				&StringFlag{Name: "block", Usage: "the public IPv4 block (e.g. 44.27.132.8/29)"},
				&StringFlag{Name: "block6", Usage: "a public IPv6 prefix routed through the tunnel too, or alone (e.g. 2001:db8:44::/64); the tunnel needs an IPv6 address and ::/0"},
				&StringFlag{Name: "lan-device", Usage: "device of the segment (a free port or bridge)"},
				&IntFlag{Name: "vlan", Usage: "tagged VLAN on the LAN bridge for the segment, instead of --lan-device"},
				&StringSliceFlag{Name: "allow", Usage: "services the internet may reach in the block (PROTO/PORT, e.g. tcp/80,tcp/443)"},
				commitPendingFlag,
			},
			Action: func(c *Context) error { return gatewayAdd(env, c) },
		}, gatewayRemoveCommand(env)},
	}
}

func gatewayAdd(env *Env, c *Context) error {
	if c.NArg() > 0 {
		return Usagef("gateway add takes no arguments (got %q)", c.Args().First())
	}
	in := plan.GatewayIntent{Iface: c.String("iface"), Block: c.String("block"), Block6: c.String("block6"), LanDevice: c.String("lan-device"), VLAN: c.Int("vlan")}
	var err error
	if in.Allow, err = parseServices(c.StringSlice("allow")); err != nil {
		return err
	}
	out, err := env.ops().GatewayAdd(ops.GatewayAdd{Txn: txn(env, c), Intent: in})
	if err = report(env, out, err); done(env, err) {
		return err
	}
	return printWithChange(env, out, func(e *Env) error { return printGateway(e, out.Plan.State, in, out.Wrote) })
}

func printGateway(env *Env, st plan.State, in plan.GatewayIntent, changed bool) error {
	g, err := plan.ReadGateway(st, in.Iface)
	if err != nil {
		return err
	}
	if env.JSON {
		v := map[string]any{"version": 1, "iface": in.Iface, "block": g.Block, "router": g.Router,
			"device": g.Device, "zone": g.Zone, "allow": g.Allow, "changed": changed}
		if g.Block6 != "" {
			v["block6"], v["router6"] = g.Block6, g.Router6
		}
		return writeJSON(env.Stdout, v)
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "tunnel:\t%s\n", in.Iface)
	if g.Block != "" {
		fmt.Fprintf(tw, "block:\t%s\n", g.Block)
		fmt.Fprintf(tw, "router address:\t%s\n", g.Router)
	}
	if g.Block6 != "" {
		fmt.Fprintf(tw, "IPv6 block:\t%s\n", g.Block6)
		fmt.Fprintf(tw, "router IPv6 address:\t%s\n", g.Router6)
	}
	fmt.Fprintf(tw, "device:\t%s\n", g.Device)
	fmt.Fprintf(tw, "firewall zone:\t%s\n", g.Zone)
	fmt.Fprintf(tw, "allowed in:\t%s\n", orNone(join(g.Allow)))
	return tw.Flush()
}
