package cli

import (
	"github.com/wgowrt/wgowrt/internal/ops"
	"github.com/wgowrt/wgowrt/internal/plan"
	"github.com/wgowrt/wgowrt/internal/wg"
)

func peerSetCommand(env *Env) *Command {
	return &Command{
		Name:      "set",
		Usage:     "change a peer's routes, tunnel, DNS, keepalive, endpoint, name or expiry; its keys stay",
		ArgsUsage: "NAME",
		Flags: []Flag{
			ifaceFlag,
			&StringSliceFlag{Name: "route", Usage: "subnets behind the peer, replacing the current ones (repeatable; none for no routes)"},
			&StringFlag{Name: "tunnel", Usage: "full (all traffic) or split (tunnel and LAN only)"},
			&StringSliceFlag{Name: "dns", Usage: "DNS servers for the client, replacing the current ones (repeatable; none for the default)"},
			&IntFlag{Name: "keepalive", Usage: "client PersistentKeepalive in seconds, 0 = off"},
			&StringFlag{Name: "endpoint", Usage: "server endpoint in this client's config (HOST or HOST:PORT; none for the server's own)"},
			&StringFlag{Name: "description", Usage: "a new name for the peer (as 'peer rename')"},
			expiresFlag, forFlag,
			allowLockoutFlag, commitPendingFlag,
		},
		Action: func(c *Context) error {
			name, err := oneName(c)
			if err != nil {
				return err
			}
			in, err := peerSetIntent(c, name)
			if err != nil {
				return err
			}
			out, err := env.ops().PeerSet(ops.PeerSet{Txn: txn(env, c), Intent: in, Expires: c.String("expires"), For: c.String("for")})
			if in.Description != "" {
				name = in.Description
			}
			return reportChange(env, out, err, map[string]any{"peer": name})
		},
	}
}

// noneOr reads a repeatable flag where "none" means an empty list.
func noneOr(c *Context, flag string) *[]string {
	if !c.IsSet(flag) {
		return nil
	}
	vals := splitFlag(c.StringSlice(flag))
	if len(vals) == 1 && vals[0] == "none" {
		vals = []string{}
	}
	return &vals
}

func peerSetIntent(c *Context, name string) (plan.PeerSetIntent, error) {
	in := plan.PeerSetIntent{Iface: c.String("iface"), Name: name, Tunnel: c.String("tunnel"),
		Routes: noneOr(c, "route"), DNS: noneOr(c, "dns"), AllowLockout: c.Bool("allow-lockout")}
	if c.IsSet("keepalive") {
		k := c.Int("keepalive")
		in.Keepalive = &k
	}
	if c.IsSet("endpoint") {
		in.Endpoint = &wg.Endpoint{}
		if v := c.String("endpoint"); v != "none" {
			e, err := wg.ParseEndpoint(v)
			if err != nil {
				return in, err
			}
			in.Endpoint = &e
		}
	}
	if d := c.String("description"); d != "" {
		if err := wg.ValidatePeerName(d); err != nil {
			return in, err
		}
		in.Description = d
	}
	return in, nil
}
