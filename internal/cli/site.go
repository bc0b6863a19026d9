package cli

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/wgowrt/wgowrt/internal/ops"
	"github.com/wgowrt/wgowrt/internal/plan"
	"github.com/wgowrt/wgowrt/internal/wg"
)

func siteCommand(env *Env) *Command {
	return &Command{
		Name:  "site",
		Usage: "link this router's LAN with other sites' LANs (site-to-site, no NAT)",
		Subcommands: []*Command{
			siteAddCommand(env),
			siteInviteCommand(env),
			siteListCommand(env),
			siteRemoveCommand(env),
			siteSetCommand(env),
		},
	}
}

func siteAddCommand(env *Env) *Command {
	return &Command{
		Name:      "add",
		Usage:     "add (or update) a site: route its subnets through the tunnel and let LAN traffic pass both ways",
		ArgsUsage: "NAME",
		Flags: []Flag{
			ifaceFlag,
			&StringFlag{Name: "endpoint", Usage: "the other router's HOST:PORT (without it only the other side can start the tunnel)"},
			&StringFlag{Name: "public-key", Usage: "the other router's public key ('wgowrt server show' there)"},
			&StringSliceFlag{Name: "remote-subnet", Usage: "a subnet of the other site, e.g. its LAN (repeatable, required)"},
			&StringSliceFlag{Name: "local-subnet", Usage: "this site's subnets as announced by 'site invite': auto (the lan zone) or CIDRs (repeatable)"},
			&BoolFlag{Name: "psk", Usage: "add a fresh preshared key (export it for the other router with 'site invite --psk-file')"},
			&StringFlag{Name: "psk-file", Usage: "read the preshared key from FILE (as written by 'site invite --psk-file' or 'wg genpsk')"},
			&IntFlag{Name: "keepalive", Usage: "PersistentKeepalive in seconds, 0 = off (default 25)"},
			allowLockoutFlag, commitPendingFlag,
		},
		Action: func(c *Context) error { return siteAdd(env, c) },
	}
}

// siteSetCommand is site add's flags on an existing site, none required.
func siteSetCommand(env *Env) *Command {
	cmd := siteAddCommand(env)
	cmd.Name = "set"
	cmd.Usage = "change an existing site: endpoint, subnets, keepalive, key or preshared key; what is not given stays"
	return cmd
}

func oneSiteName(c *Context) (string, error) {
	if c.NArg() != 1 {
		return "", Usagef("%s needs exactly one site NAME (got %d arguments)", c.Command.FullName(), c.NArg())
	}
	name := c.Args().First()
	if err := wg.ValidatePeerName(name); err != nil {
		return "", fmt.Errorf("site %s", strings.TrimPrefix(err.Error(), "peer "))
	}
	return name, nil
}

func siteAdd(env *Env, c *Context) error {
	name, err := oneSiteName(c)
	if err != nil {
		return err
	}
	in, err := siteIntent(c, name)
	if err != nil {
		return err
	}
	r, err := env.ops().SiteAdd(ops.SiteAdd{Txn: txn(env, c), Intent: in, NewPSK: c.Bool("psk"), Set: c.Command.Name == "set"})
	if env.JSON {
		// the change document, with the site as it is (would be) after
		extra := map[string]any{"iface": r.Iface, "sites": []siteJSON{}}
		if r.Outcome != nil && r.Plan != nil {
			extra["sites"] = siteList(r.Plan.State, r.Iface, name)
		}
		return reportChange(env, r.Outcome, err, extra)
	}
	if err = report(env, r.Outcome, err); done(env, err) {
		return err
	}
	return printSites(env, r.Plan.State, r.Iface, name, r.Wrote)
}

func siteIntent(c *Context, name string) (plan.SiteIntent, error) {
	in := plan.SiteIntent{Iface: c.String("iface"), Name: name, Remote: c.StringSlice("remote-subnet"), Local: c.StringSlice("local-subnet"),
		AllowLockout: c.Bool("allow-lockout")}
	set := c.Command.Name == "set"
	if !c.IsSet("public-key") && !set {
		return in, Usagef("site add needs --public-key KEY (the other router's; 'wgowrt server show' there prints it)")
	}
	if c.IsSet("public-key") {
		k, err := wg.ParseKey(c.String("public-key"))
		if err != nil {
			return in, fmt.Errorf("--public-key: %v", err)
		}
		in.PublicKey = k
	}
	if len(in.Remote) == 0 && !set {
		return in, Usagef("site add needs at least one --remote-subnet CIDR (the other site's LAN)")
	}
	if c.IsSet("endpoint") {
		e, err := wg.ParseEndpoint(c.String("endpoint"))
		if err != nil {
			return in, err
		}
		in.Endpoint = &e
	}
	if c.IsSet("keepalive") {
		k := c.Int("keepalive")
		if err := wg.ParseKeepalive(k); err != nil {
			return in, err
		}
		in.Keepalive = &k
	}
	return in, sitePSKFlags(c, &in)
}

// sitePSKFlags reads --psk-file (--psk has ops draw a key). The key
// never appears in an error.
func sitePSKFlags(c *Context, in *plan.SiteIntent) error {
	file := c.String("psk-file")
	if file != "" && c.Bool("psk") {
		return Usagef("--psk and --psk-file exclude each other: --psk makes a new key, --psk-file reads the other router's")
	}
	if file != "" {
		b, err := readBounded(file)
		if err != nil {
			return fmt.Errorf("--psk-file: %v", err)
		}
		k, err := wg.ParseKey(strings.TrimSpace(string(b)))
		if err != nil {
			return fmt.Errorf("--psk-file %s: %v", file, err)
		}
		in.PSK = &k
	}
	return nil
}

func siteListCommand(env *Env) *Command {
	return &Command{
		Name:  "list",
		Usage: "list the sites of an interface",
		Flags: []Flag{ifaceFlag},
		Action: func(c *Context) error {
			st, iface, err := env.ops().Read("", c.String("iface"))
			if err != nil {
				return err
			}
			return printSites(env, st, iface, "", false)
		},
	}
}

// siteJSON is one site in --json output (version 1 documents).
type siteJSON struct {
	Name      string   `json:"name"`
	Endpoint  string   `json:"endpoint"`
	PublicKey string   `json:"public_key"`
	Remote    []string `json:"remote_subnets"`
	Local     []string `json:"local_subnets"`
	Keepalive int      `json:"keepalive"`
	PSK       string   `json:"preshared_key,omitempty"`
	// Tunnel are the far router's tunnel addresses an adopted site link
	// routes besides its subnets.
	Tunnel []string `json:"tunnel_addresses,omitempty"`
}

// printSites shows the sites of iface (only the one called only, if set).
func printSites(env *Env, st plan.State, iface, only string, changed bool) error {
	out := siteList(st, iface, only)
	if env.JSON {
		return writeJSON(env.Stdout, map[string]any{"version": 1, "iface": iface, "sites": out, "changed": changed})
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SITE\tENDPOINT\tREMOTE SUBNETS\tLOCAL SUBNETS\tPSK")
	for _, j := range out {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", j.Name, orNone(j.Endpoint), join(j.Remote), join(j.Local), yesNo(j.PSK != ""))
	}
	return tw.Flush()
}

// siteList is the sites of iface in --json form (only the one called
// only, if set).
func siteList(st plan.State, iface, only string) []siteJSON {
	out := []siteJSON{}
	for _, s := range plan.ReadSites(st, iface) {
		if only != "" && s.Name != only {
			continue
		}
		j := siteJSON{Name: s.Name, Endpoint: s.Endpoint, PublicKey: s.PublicKey, Local: s.Local, Keepalive: s.Keepalive}
		for _, p := range s.Remote {
			j.Remote = append(j.Remote, p.String())
		}
		for _, p := range s.Tunnel {
			j.Tunnel = append(j.Tunnel, p.String())
		}
		if s.PSK != nil {
			j.PSK = wg.Hidden
		}
		out = append(out, j)
	}
	return out
}

func siteRemoveCommand(env *Env) *Command {
	return &Command{
		Name:      "remove",
		Usage:     "remove a site, its routes and its firewall rules",
		ArgsUsage: "NAME",
		Flags:     []Flag{ifaceFlag, allowLockoutFlag, commitPendingFlag},
		Action: func(c *Context) error {
			name, err := oneSiteName(c)
			if err != nil {
				return err
			}
			out, err := env.ops().SiteRemove(ops.SiteRemove{Txn: txn(env, c), Iface: c.String("iface"), Name: name,
				AllowLockout: c.Bool("allow-lockout")})
			return reportChange(env, out, err, map[string]any{"site": name})
		},
	}
}
