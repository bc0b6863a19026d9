package cli

import (
	"github.com/wgowrt/wgowrt/internal/ops"
)

// roleRemoveCommand is `server remove`, `client remove` and `gateway
// remove`: what the role added goes, hand-made sections stay.
func roleRemoveCommand(env *Env, usage string, iface Flag, run func(*ops.Ops, ops.RoleRemove) (*ops.RoleRemoveResult, error)) *Command {
	return &Command{
		Name:  "remove",
		Usage: usage,
		Flags: []Flag{iface, allowLockoutFlag, commitPendingFlag},
		Action: func(c *Context) error {
			if c.NArg() > 0 {
				return Usagef("remove takes no arguments (name the interface with --iface), got %q", c.Args().First())
			}
			res, err := run(env.ops(), ops.RoleRemove{Txn: txn(env, c), Iface: c.String("iface"), AllowLockout: c.Bool("allow-lockout")})
			if res == nil {
				return err
			}
			return reportChange(env, res.Outcome, err, removeFacts(res))
		},
	}
}

func serverRemoveCommand(env *Env) *Command {
	return roleRemoveCommand(env, "remove the interface, its peers and sites, and every firewall, route and DHCP entry wgowrt made for it",
		ifaceFlag, (*ops.Ops).ServerRemove)
}

func clientRemoveCommand(env *Env) *Command {
	return roleRemoveCommand(env, "remove a client tunnel, its routes, rules and firewall sections",
		&StringFlag{Name: "iface", Aliases: []string{"i"}, Usage: "client interface", Required: true}, (*ops.Ops).ClientRemove)
}

func gatewayRemoveCommand(env *Env) *Command {
	return roleRemoveCommand(env, "remove the gateway of a client tunnel (its segment interface, rules, zone and forwardings)",
		&StringFlag{Name: "iface", Aliases: []string{"i"}, Usage: "client tunnel the block is routed through", Required: true}, (*ops.Ops).GatewayRemove)
}

// removeFacts are a removal's own --json fields: the interface, the role
// and, for a full-tunnel client, the DNS setup put back (null otherwise):
// {"servers": the provider's resolvers dropped from dnsmasq, "noresolv":
// its value put back (null: unset), "restored": false when
// /etc/config/dhcp was missing}.
func removeFacts(res *ops.RoleRemoveResult) map[string]any {
	f := map[string]any{"iface": res.Iface, "role": res.Role, "dns": nil}
	if d := res.DNS; d != nil {
		var noresolv any // null: it was unset
		if d.Noresolv != "" {
			noresolv = d.Noresolv
		}
		f["dns"] = map[string]any{"servers": orEmpty(d.Servers), "noresolv": noresolv, "restored": res.DNSRestored}
	}
	return f
}
