package cli

import (
	"fmt"
	"text/tabwriter"

	"github.com/wgowrt/wgowrt/internal/ops"
	"github.com/wgowrt/wgowrt/internal/plan"
	"github.com/wgowrt/wgowrt/internal/qr"
	"github.com/wgowrt/wgowrt/internal/wg"
)

func peerListCommand(env *Env) *Command {
	return &Command{
		Name:  "list",
		Usage: "list the peers of a server (wgowrt's and others')",
		Flags: []Flag{ifaceFlag},
		Action: func(c *Context) error {
			st, iface, err := env.ops().Read("", c.String("iface"))
			if err != nil {
				return err
			}
			if _, err := plan.ReadServer(st, iface); err != nil {
				return err
			}
			peers := plan.ReadPeers(st, iface)
			if env.JSON {
				out := []ops.PeerView{}
				for _, p := range peers {
					out = append(out, ops.ViewPeer(p))
				}
				held, _ := env.ops().HeldEndpoints()
				ops.MarkHeld(out, held)
				return writeJSON(env.Stdout, map[string]any{"version": 1, "iface": iface, "peers": out})
			}
			return printPeerTable(env, peers)
		},
	}
}

func printPeerTable(env *Env, peers []plan.Peer) error {
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tALLOWED IPS\tSTATE\tCREATED BY")
	for _, p := range peers {
		state, by := "enabled", "wgowrt"
		if p.Disabled {
			state = "disabled"
		}
		if p.Disabled && p.Expired != "" {
			state = "expired"
		}
		if !p.Owned {
			by = "other (" + p.Section + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", p.Name, orNone(join(p.AllowedIPs)), state, by)
	}
	return tw.Flush()
}

func peerShowCommand(env *Env) *Command {
	return &Command{
		Name:      "show",
		Usage:     "show a peer; --config or --qr re-export its client config when its private key was kept",
		ArgsUsage: "NAME",
		Flags: []Flag{
			ifaceFlag,
			&BoolFlag{Name: "config", Usage: "print the client config (contains the private key when kept)"},
			&BoolFlag{Name: "qr", Usage: "draw the client config as a QR code"},
			&StringFlag{Name: "output", Aliases: []string{"o"}, Arg: "FILE", Usage: "write the client config to FILE (mode 0600)"},
		},
		Action: func(c *Context) error { return peerShow(env, c) },
	}
}

func peerShow(env *Env, c *Context) error {
	name, err := oneName(c)
	if err != nil {
		return err
	}
	st, iface, err := env.ops().Read("", c.String("iface"))
	if err != nil {
		return err
	}
	if _, err := plan.ReadServer(st, iface); err != nil {
		return err
	}
	p, ok := plan.FindPeer(st, iface, name)
	if !ok {
		return fmt.Errorf("no peer %q on %s (see 'wgowrt peer list --iface %s')", name, iface, iface)
	}
	if c.Bool("config") || c.Bool("qr") || c.String("output") != "" {
		return reexport(env, c, st, iface, name)
	}
	vs := []ops.PeerView{ops.ViewPeer(p)}
	held, _ := env.ops().HeldEndpoints()
	ops.MarkHeld(vs, held)
	if env.JSON {
		return writeJSON(env.Stdout, map[string]any{"version": 1, "iface": iface, "peer": vs[0]})
	}
	return printPeer(env, iface, vs[0])
}

func reexport(env *Env, c *Context, st plan.State, iface, name string) error {
	cfg, err := plan.PeerConfig(st, iface, name)
	if err != nil {
		return err
	}
	if cfg.PrivateKey == nil {
		if c.Bool("qr") {
			return fmt.Errorf("the private key of peer %s was not kept on the router, so no scannable config exists; remove and add it again (with --keep-private-key to allow re-export)", name)
		}
		fmt.Fprintf(env.Stderr, "wgowrt: warning: the private key of peer %s was not kept; fill in PrivateKey yourself\n", name)
	}
	if !c.Bool("config") && c.String("output") == "" {
		code, err := qr.Encode([]byte(cfg.Render()), qr.M)
		if err != nil {
			return err
		}
		fmt.Fprint(env.Stdout, code.Half())
		return nil
	}
	return deliverConfig(env, c, cfg)
}

// deliverConfig writes the client config to --output (never with
// --dry-run), or prints it.
func deliverConfig(env *Env, c *Context, cfg wg.ClientConfig) error {
	out := c.String("output")
	if out == "" {
		return showConfig(env, c, cfg)
	}
	if env.DryRun {
		fmt.Fprintf(env.Stderr, "wgowrt: would write the client config to %s (mode 0600)\n", out)
		return nil
	}
	if err := ops.WriteSecretFile(out, []byte(cfg.Render())); err != nil {
		return fmt.Errorf("writing the client config: %v", err)
	}
	fmt.Fprintf(env.Stderr, "wgowrt: client config written to %s (mode 0600)\n", out)
	return drawQR(env, c, cfg)
}

func printPeer(env *Env, iface string, j ops.PeerView) error {
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "peer:\t%s\n", j.Name)
	fmt.Fprintf(tw, "interface:\t%s\n", iface)
	fmt.Fprintf(tw, "section:\t%s\n", j.Section)
	fmt.Fprintf(tw, "created by:\t%s\n", map[bool]string{true: "wgowrt", false: "other"}[j.Owned])
	fmt.Fprintf(tw, "public key:\t%s\n", orNone(j.PublicKey))
	fmt.Fprintf(tw, "private key:\t%s\n", map[bool]string{true: wg.Hidden + " (kept on the router)", false: "not kept"}[j.KeptPrivate])
	fmt.Fprintf(tw, "preshared key:\t%s\n", orNone(j.PresharedKey))
	fmt.Fprintf(tw, "allowed ips:\t%s\n", orNone(join(j.AllowedIPs)))
	fmt.Fprintf(tw, "state:\t%s\n", map[bool]string{true: "disabled", false: "enabled"}[j.Disabled])
	if j.Expires != "" {
		fmt.Fprintf(tw, "expires:\t%s\n", expiryShown(j.Expires, j.Expired))
	}
	if j.EndpointHeld {
		fmt.Fprintf(tw, "endpoint:\t%s: held, name does not resolve yet (the supervisor sets it once it does)\n", j.Endpoint)
	} else if j.Endpoint != "" {
		fmt.Fprintf(tw, "endpoint:\t%s\n", j.Endpoint)
	}
	if j.Tunnel != "" {
		fmt.Fprintf(tw, "client tunnel:\t%s\n", j.Tunnel)
	}
	if len(j.DNS) > 0 {
		fmt.Fprintf(tw, "client dns:\t%s\n", join(j.DNS))
	}
	if j.Keepalive != nil {
		fmt.Fprintf(tw, "client keepalive:\t%d\n", *j.Keepalive)
	}
	return tw.Flush()
}
