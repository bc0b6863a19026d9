package cli

import (
	"fmt"
	"os"

	ucli "github.com/urfave/cli/v2"

	"github.com/wgowrt/wgowrt/internal/plan"
	"github.com/wgowrt/wgowrt/internal/qr"
	"github.com/wgowrt/wgowrt/internal/wg"
)

func peerCommand(env *Env) *ucli.Command {
	return &ucli.Command{
		Name:  "peer",
		Usage: "add, list, show, remove, enable, disable and rename the peers of a server",
		Subcommands: []*ucli.Command{
			peerAddCommand(env),
			peerListCommand(env),
			peerShowCommand(env),
			peerEditCommand(env, "remove", "remove a peer (its section and wgowrt's notes about it)"),
			peerEditCommand(env, "enable", "enable a disabled peer"),
			peerEditCommand(env, "disable", "disable a peer without forgetting it"),
			peerRenameCommand(env),
		},
	}
}

func peerAddCommand(env *Env) *ucli.Command {
	return &ucli.Command{
		Name:      "add",
		Usage:     "add a peer and print its client config",
		ArgsUsage: "NAME",
		Flags: []ucli.Flag{
			ifaceFlag,
			&ucli.StringSliceFlag{Name: "ip", Usage: "tunnel address: auto or an address in the server's subnet (once per family)"},
			&ucli.StringFlag{Name: "public-key", Usage: "the peer's own public key (no key pair is generated)"},
			&ucli.BoolFlag{Name: "psk", Usage: "add a preshared key (post-quantum hardening)"},
			&ucli.StringSliceFlag{Name: "route", Usage: "subnet behind the peer, e.g. a spoke router's LAN (repeatable)"},
			&ucli.StringFlag{Name: "tunnel", Usage: "full (all traffic) or split (tunnel and LAN only); default full with --internet, else split"},
			&ucli.StringSliceFlag{Name: "dns", Usage: "DNS server for the client (repeatable; default the router for full tunnels)"},
			&ucli.IntFlag{Name: "keepalive", Usage: "client PersistentKeepalive in seconds, 0 = off (default 25)"},
			&ucli.StringFlag{Name: "endpoint", Usage: "override the server endpoint in this client's config (HOST or HOST:PORT)"},
			&ucli.BoolFlag{Name: "keep-private-key", Usage: "keep the peer's private key on the router so the config can be shown again"},
			&ucli.BoolFlag{Name: "qr", Usage: "draw the config as a QR code"},
			&ucli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the client config to FILE (mode 0600) instead of printing it"},
			allowLockoutFlag, commitPendingFlag,
		},
		SkipFlagParsing: true,
		Action:          interspersed(func(c *ucli.Context) error { return peerAdd(env, c) }),
	}
}

func oneName(c *ucli.Context) (string, error) {
	if c.NArg() != 1 {
		return "", Usagef("%s needs exactly one peer NAME (got %d arguments)", c.Command.FullName(), c.NArg())
	}
	name := c.Args().First()
	return name, wg.ValidatePeerName(name)
}

func peerAdd(env *Env, c *ucli.Context) error {
	name, err := oneName(c)
	if err != nil {
		return err
	}
	st, s, err := loadState(env)
	if err != nil {
		return err
	}
	in, err := peerIntent(c, st, name)
	if err != nil {
		return err
	}
	r, err := plan.PeerAdd(st, in)
	if err != nil {
		return err
	}
	if _, err := commit(env, c, s, r.Result, in.Iface); err != nil || env.DryRun {
		return err
	}
	if r.Existed && r.Config.PrivateKey == nil {
		return nil
	}
	return deliverConfig(env, c, r.Config)
}

func peerIntent(c *ucli.Context, st plan.State, name string) (plan.PeerIntent, error) {
	in := plan.PeerIntent{Iface: ifaceOf(c, st), Name: name, IPs: c.StringSlice("ip"), Routes: c.StringSlice("route"),
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
	var err error
	if c.IsSet("public-key") {
		k, err := wg.ParseKey(c.String("public-key"))
		if err != nil {
			return in, fmt.Errorf("--public-key: %v", err)
		}
		if c.Bool("keep-private-key") {
			return in, Usagef("--keep-private-key makes no sense with --public-key: the router never sees that private key")
		}
		in.PublicKey = &k
	} else if in.NewPrivateKey, err = wg.GeneratePrivate(deps.keys); err != nil {
		return in, err
	}
	if c.Bool("psk") {
		k, err := wg.GeneratePreshared(deps.keys)
		if err != nil {
			return in, err
		}
		in.PSK = &k
	}
	return in, nil
}

// deliverConfig prints the client config, writes it to --output, and
// draws it as a QR code.
func deliverConfig(env *Env, c *ucli.Context, cfg wg.ClientConfig) error {
	text := cfg.Render()
	if out := c.String("output"); out != "" {
		if err := writeSecretFile(out, []byte(text)); err != nil {
			return err
		}
		fmt.Fprintf(env.Stderr, "wgowrt: client config written to %s (mode 0600)\n", out)
	} else if env.JSON {
		return writeJSON(env.Stdout, map[string]any{"version": 1, "peer": cfg.Name, "config": text})
	} else {
		fmt.Fprint(env.Stdout, text)
	}
	if c.Bool("qr") {
		code, err := qr.Encode([]byte(text), qr.M)
		if err != nil {
			return err
		}
		fmt.Fprint(env.Stdout, code.Half())
	}
	return nil
}

// writeSecretFile writes data readable by its owner only, keeping the mode
// of an existing file if it is stricter.
func writeSecretFile(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0600)
	if err != nil {
		return fmt.Errorf("writing the client config: %v", err)
	}
	if st, err := f.Stat(); err == nil && st.Mode().Perm()&0077 != 0 {
		if err := f.Chmod(0600); err != nil {
			f.Close()
			return fmt.Errorf("writing the client config: %v", err)
		}
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("writing the client config: %v", err)
	}
	return f.Close()
}

func peerEditCommand(env *Env, verb, usage string) *ucli.Command {
	return &ucli.Command{
		Name:            verb,
		Usage:           usage,
		ArgsUsage:       "NAME",
		Flags:           []ucli.Flag{ifaceFlag, commitPendingFlag},
		SkipFlagParsing: true,
		Action: interspersed(func(c *ucli.Context) error {
			name, err := oneName(c)
			if err != nil {
				return err
			}
			st, s, err := loadState(env)
			if err != nil {
				return err
			}
			iface := ifaceOf(c, st)
			var r *plan.Result
			switch verb {
			case "remove":
				r, err = plan.PeerRemove(st, iface, name)
			default:
				r, err = plan.PeerSetDisabled(st, iface, name, verb == "disable")
			}
			if err != nil {
				return err
			}
			_, err = commit(env, c, s, r, iface)
			return err
		}),
	}
}

func peerRenameCommand(env *Env) *ucli.Command {
	return &ucli.Command{
		Name:            "rename",
		Usage:           "rename a peer",
		ArgsUsage:       "OLD NEW",
		Flags:           []ucli.Flag{ifaceFlag, commitPendingFlag},
		SkipFlagParsing: true,
		Action: interspersed(func(c *ucli.Context) error {
			if c.NArg() != 2 {
				return Usagef("peer rename needs OLD and NEW names (got %d arguments)", c.NArg())
			}
			st, s, err := loadState(env)
			if err != nil {
				return err
			}
			iface := ifaceOf(c, st)
			r, err := plan.PeerRename(st, iface, c.Args().Get(0), c.Args().Get(1))
			if err != nil {
				return err
			}
			_, err = commit(env, c, s, r, iface)
			return err
		}),
	}
}
