package cli

import (
	"fmt"

	"github.com/wgowrt/wgowrt/internal/ops"
	"github.com/wgowrt/wgowrt/internal/plan"
	"github.com/wgowrt/wgowrt/internal/qr"
	"github.com/wgowrt/wgowrt/internal/wg"
)

func peerCommand(env *Env) *Command {
	return &Command{
		Name:  "peer",
		Usage: "add, list, show, set, remove, enable, disable and rename the peers of a server",
		Subcommands: []*Command{
			peerAddCommand(env),
			peerListCommand(env),
			peerShowCommand(env),
			peerEditCommand(env, "remove", "remove a peer (its section and wgowrt's notes about it)"),
			peerEditCommand(env, "enable", "enable a disabled peer"),
			peerEditCommand(env, "disable", "disable a peer without forgetting it"),
			peerRenameCommand(env),
			peerSetCommand(env),
		},
	}
}

func peerAddCommand(env *Env) *Command {
	return &Command{
		Name:      "add",
		Usage:     "add a peer and print its client config",
		ArgsUsage: "NAME",
		Flags: []Flag{
			ifaceFlag,
			&StringSliceFlag{Name: "ip", Usage: "tunnel address: auto or an address in the server's subnet (once per family)"},
			&StringFlag{Name: "public-key", Usage: "the peer's own public key (no key pair is generated)"},
			&BoolFlag{Name: "psk", Usage: "add a preshared key (post-quantum hardening)"},
			&StringSliceFlag{Name: "route", Usage: "subnet behind the peer, e.g. a spoke router's LAN (repeatable)"},
			&StringFlag{Name: "tunnel", Usage: "full (all traffic) or split (tunnel and LAN only); default full with --internet, else split"},
			&StringSliceFlag{Name: "dns", Usage: "DNS server for the client (repeatable; default the router for full tunnels)"},
			&IntFlag{Name: "keepalive", Usage: "client PersistentKeepalive in seconds, 0 = off (default 25)"},
			&StringFlag{Name: "endpoint", Usage: "override the server endpoint in this client's config (HOST or HOST:PORT)"},
			&BoolFlag{Name: "keep-private-key", Usage: "keep the peer's private key on the router so the config can be shown again"},
			&BoolFlag{Name: "qr", Usage: "draw the config as a QR code"},
			&StringFlag{Name: "output", Aliases: []string{"o"}, Arg: "FILE", Usage: "write the client config to FILE (mode 0600) instead of printing it"},
			expiresFlag, forFlag,
			allowLockoutFlag, commitPendingFlag,
		},
		Action: func(c *Context) error { return peerAdd(env, c) },
	}
}

func oneName(c *Context) (string, error) {
	if c.NArg() != 1 {
		return "", Usagef("%s needs exactly one peer NAME (got %d arguments)", c.Command.FullName(), c.NArg())
	}
	name := c.Args().First()
	return name, wg.ValidatePeerName(name)
}

func peerAdd(env *Env, c *Context) error {
	name, err := oneName(c)
	if err != nil {
		return err
	}
	in, err := peerIntent(c, name)
	if err != nil {
		return err
	}
	show := func(cfg wg.ClientConfig) error { return showConfig(env, c, cfg) }
	r, err := env.ops().PeerAdd(ops.PeerAdd{Txn: txn(env, c), Intent: in, PSK: c.Bool("psk"), Output: c.String("output"), Show: show,
		Expires: c.String("expires"), For: c.String("for")})
	report(env, r.Outcome, nil)
	switch {
	case r.WriteErr != nil && r.Delivered:
		fmt.Fprintf(env.Stderr, "wgowrt: peer %s was added, but its client config could not be written (%v); it was printed instead: keep it safe\n", name, r.WriteErr)
		if err == nil {
			err = &ExitError{Code: ExitFailure}
		}
	case r.WriteErr != nil:
		fmt.Fprintf(env.Stderr, "wgowrt: peer %s was added, but its client config could not be written (%v)\n", name, r.WriteErr)
	case r.Written != "":
		fmt.Fprintf(env.Stderr, "wgowrt: client config written to %s (mode 0600)\n", r.Written)
		if qerr := drawQR(env, c, r.Config); err == nil {
			err = qerr
		}
	}
	return err
}

func peerIntent(c *Context, name string) (plan.PeerIntent, error) {
	in := plan.PeerIntent{Iface: c.String("iface"), Name: name, IPs: c.StringSlice("ip"), Routes: c.StringSlice("route"),
		Tunnel: c.String("tunnel"), KeepPrivate: c.Bool("keep-private-key"), AllowLockout: c.Bool("allow-lockout")}
	if c.IsSet("dns") {
		in.DNS = c.StringSlice("dns")
	}
	if c.IsSet("keepalive") {
		k := c.Int("keepalive")
		in.Keepalive = &k
	}
	if c.IsSet("endpoint") {
		e, err := wg.ParseEndpoint(c.String("endpoint"))
		if err != nil {
			return in, err
		}
		in.Endpoint = &e
	}
	if c.IsSet("public-key") {
		k, err := wg.ParseKey(c.String("public-key"))
		if err != nil {
			return in, fmt.Errorf("--public-key: %v", err)
		}
		if c.Bool("keep-private-key") {
			return in, Usagef("--keep-private-key makes no sense with --public-key: the router never sees that private key")
		}
		in.PublicKey = &k
	}
	return in, nil
}

// showConfig prints the client config (as JSON with --json) and draws it
// as a QR code with --qr.
func showConfig(env *Env, c *Context, cfg wg.ClientConfig) error {
	text := cfg.Render()
	if env.JSON {
		return writeJSON(env.Stdout, map[string]any{"version": 1, "peer": cfg.Name, "config": text})
	}
	fmt.Fprint(env.Stdout, text)
	return drawQR(env, c, cfg)
}

func drawQR(env *Env, c *Context, cfg wg.ClientConfig) error {
	if !c.Bool("qr") {
		return nil
	}
	code, err := qr.Encode([]byte(cfg.Render()), qr.M)
	if err != nil {
		return err
	}
	fmt.Fprint(env.Stdout, code.Half())
	return nil
}

func peerEditCommand(env *Env, verb, usage string) *Command {
	return &Command{
		Name:      verb,
		Usage:     usage,
		ArgsUsage: "NAME",
		Flags:     []Flag{ifaceFlag, allowLockoutFlag, commitPendingFlag},
		Action: func(c *Context) error {
			name, err := oneName(c)
			if err != nil {
				return err
			}
			out, err := env.ops().PeerEdit(ops.PeerEdit{Txn: txn(env, c), Iface: c.String("iface"), Name: name, Verb: verb,
				AllowLockout: c.Bool("allow-lockout")})
			return reportChange(env, out, err, map[string]any{"peer": name})
		},
	}
}

func peerRenameCommand(env *Env) *Command {
	return &Command{
		Name:      "rename",
		Usage:     "rename a peer",
		ArgsUsage: "OLD NEW",
		Flags:     []Flag{ifaceFlag, commitPendingFlag},
		Action: func(c *Context) error {
			if c.NArg() != 2 {
				return Usagef("peer rename needs OLD and NEW names (got %d arguments)", c.NArg())
			}
			out, err := env.ops().PeerRename(ops.PeerRename{Txn: txn(env, c), Iface: c.String("iface"), Old: c.Args().Get(0), New: c.Args().Get(1)})
			return reportChange(env, out, err, map[string]any{"peer": c.Args().Get(1), "renamed_from": c.Args().Get(0)})
		},
	}
}
