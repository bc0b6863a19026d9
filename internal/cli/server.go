package cli

import (
	"fmt"
	"text/tabwriter"

	"github.com/wgowrt/wgowrt/internal/ops"
	"github.com/wgowrt/wgowrt/internal/plan"
	"github.com/wgowrt/wgowrt/internal/wg"
)

func serverCommand(env *Env) *Command {
	return &Command{
		Name:  "server",
		Usage: "make this router a WireGuard server for phones, laptops and spokes",
		Subcommands: []*Command{
			serverInitCommand(env),
			serverShowCommand(env),
			serverRemoveCommand(env),
		},
	}
}

func serverInitCommand(env *Env) *Command {
	return &Command{
		Name:  "init",
		Usage: "create (or reconfigure) the WireGuard interface, its firewall zone, port rule and forwardings",
		Flags: []Flag{
			&StringFlag{Name: "iface", Aliases: []string{"i"}, Value: "wg0", Usage: "interface name (UCI section and Linux link)"},
			&IntFlag{Name: "port", Aliases: []string{"p"}, Usage: "UDP listen port (default 51820)"},
			&StringFlag{Name: "subnet", Usage: "tunnel IPv4 subnet: auto or a CIDR such as 10.8.0.0/24"},
			&StringFlag{Name: "ipv6", Usage: "tunnel IPv6 subnet: auto (a /64 of the ULA prefix), a CIDR, or off"},
			&StringFlag{Name: "endpoint", Usage: "host name or address peers use to reach this router (HOST or HOST:PORT)"},
			&StringFlag{Name: "lan-access", Usage: "routed (LAN sees peer addresses), masquerade (LAN sees the router) or none (default routed)"},
			&StringFlag{Name: "router-access", Usage: "which of the router's own services peers reach: all (LuCI, ssh, DNS, ...), dns, or none (default dns with --lan-access none, else all)"},
			&BoolFlag{Name: "internet", Usage: "let peers use this router's internet uplink (vpn -> wan)"},
			&BoolFlag{Name: "client-to-client", Usage: "let peers reach each other through the router"},
			allowLockoutFlag, commitPendingFlag,
		},
		Action: func(c *Context) error { return serverInit(env, c) },
	}
}

func serverInit(env *Env, c *Context) error {
	if c.NArg() > 0 {
		return Usagef("server init takes no arguments (got %q)", c.Args().First())
	}
	in, err := serverIntent(c)
	if err != nil {
		return err
	}
	r, err := env.ops().ServerInit(ops.ServerInit{Txn: txn(env, c), Intent: in})
	if err = report(env, r.Outcome, err); done(env, err) {
		return err
	}
	return printWithChange(env, r.Outcome, func(e *Env) error { return printServer(e, r.Plan.State, in.Iface, r.Wrote) })
}

func serverIntent(c *Context) (plan.ServerIntent, error) {
	in := plan.ServerIntent{Iface: c.String("iface"), Subnet4: c.String("subnet"), IPv6: c.String("ipv6"), LanAccess: c.String("lan-access"),
		RouterAccess: c.String("router-access"), AllowLockout: c.Bool("allow-lockout")}
	if c.IsSet("port") {
		p := c.Int("port")
		if _, err := wg.ParsePort(fmt.Sprint(p)); err != nil {
			return in, err
		}
		in.Port = p
	}
	if c.IsSet("endpoint") {
		e, err := wg.ParseEndpoint(c.String("endpoint"))
		if err != nil {
			return in, err
		}
		in.Endpoint = &e
	}
	if c.IsSet("internet") {
		v := c.Bool("internet")
		in.Internet = &v
	}
	if c.IsSet("client-to-client") {
		v := c.Bool("client-to-client")
		in.ClientToClient = &v
	}
	return in, nil
}

func serverShowCommand(env *Env) *Command {
	return &Command{
		Name:  "show",
		Usage: "show a WireGuard server's settings (private key hidden)",
		Flags: []Flag{ifaceFlag},
		Action: func(c *Context) error {
			st, iface, err := env.ops().Read("", c.String("iface"))
			if err != nil {
				return err
			}
			return printServer(env, st, iface, false)
		},
	}
}

// serverJSON is `server show --json`, version 1.
type serverJSON struct {
	Version        int      `json:"version"`
	Iface          string   `json:"iface"`
	Owned          bool     `json:"owned"`
	PublicKey      string   `json:"public_key"`
	PrivateKey     string   `json:"private_key"`
	ListenPort     int      `json:"listen_port"`
	Addresses      []string `json:"addresses"`
	Endpoint       string   `json:"endpoint"`
	Zone           string   `json:"zone"`
	LanAccess      string   `json:"lan_access,omitempty"`
	RouterAccess   string   `json:"router_access,omitempty"`
	Internet       bool     `json:"internet"`
	ClientToClient bool     `json:"client_to_client"`
	// HandFirewall: the policy is the hand-made one adopt found.
	HandFirewall bool `json:"hand_firewall,omitempty"`
	Peers        int  `json:"peers"`
	Changed      bool `json:"changed"`
}

func printServer(env *Env, st plan.State, iface string, changed bool) error {
	srv, err := plan.ReadServer(st, iface)
	if err != nil {
		return err
	}
	j := serverJSON{Version: 1, Iface: iface, Owned: srv.Owned, ListenPort: srv.Port, Endpoint: srv.Endpoint.String(),
		Zone: srv.Zone, LanAccess: srv.LanAccess, Internet: srv.Internet, ClientToClient: srv.ClientToClient,
		Peers: len(plan.ReadPeers(st, iface)), Changed: changed, PrivateKey: wg.Hidden, HandFirewall: srv.HandFirewall}
	if srv.Owned {
		j.RouterAccess = srv.EffectiveRouterAccess()
	}
	if srv.PrivateKey != nil {
		j.PublicKey = srv.PublicKey().String()
	}
	for _, a := range srv.Addresses {
		j.Addresses = append(j.Addresses, a.String())
	}
	if env.JSON {
		return writeJSON(env.Stdout, j)
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "interface:\t%s\n", j.Iface)
	fmt.Fprintf(tw, "public key:\t%s\n", orNone(j.PublicKey))
	fmt.Fprintf(tw, "private key:\t%s\n", wg.Hidden)
	fmt.Fprintf(tw, "listen port:\t%d\n", j.ListenPort)
	fmt.Fprintf(tw, "addresses:\t%s\n", orNone(join(j.Addresses)))
	fmt.Fprintf(tw, "endpoint:\t%s\n", orNone(j.Endpoint))
	fmt.Fprintf(tw, "firewall zone:\t%s\n", orNone(j.Zone))
	if srv.Owned {
		fmt.Fprintf(tw, "lan access:\t%s\n", j.LanAccess)
		fmt.Fprintf(tw, "router access:\t%s\n", j.RouterAccess)
		fmt.Fprintf(tw, "internet:\t%s\n", yesNo(j.Internet))
		fmt.Fprintf(tw, "client to client:\t%s\n", yesNo(j.ClientToClient))
		if j.HandFirewall {
			fmt.Fprintf(tw, "firewall policy:\thand-made, as adopted (--lan-access, --internet, --router-access change it)\n")
		}
	} else {
		fmt.Fprintf(tw, "created by:\tnot wgowrt (left as configured)\n")
	}
	fmt.Fprintf(tw, "peers:\t%d\n", j.Peers)
	return tw.Flush()
}
