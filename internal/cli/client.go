package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	ucli "github.com/urfave/cli/v2"

	"github.com/wgowrt/wgowrt/internal/plan"
	"github.com/wgowrt/wgowrt/internal/wg"
	"github.com/wgowrt/wgowrt/internal/wgquick"
)

// defaultClientIface is the interface name when neither --iface nor the
// file name gives one.
const defaultClientIface = "wgc"

func clientCommand(env *Env) *ucli.Command {
	return &ucli.Command{
		Name:  "client",
		Usage: "connect this router to a VPN provider (full, split or source-routed tunnel)",
		Subcommands: []*ucli.Command{
			clientImportCommand(env),
			clientAddCommand(env),
			clientShowCommand(env),
		},
	}
}

// clientModeFlags are shared by import and add.
func clientModeFlags() []ucli.Flag {
	return []ucli.Flag{
		&ucli.StringFlag{Name: "iface", Aliases: []string{"i"}, Usage: "interface name (default: the file name without .conf, else wgc)"},
		&ucli.StringFlag{Name: "mode", Usage: "full (LAN through the tunnel, router stays on wan), split (only --allowed prefixes) or source (only traffic from the tunnel address; 44Net model 1); default full when a peer routes 0.0.0.0/0, else split"},
		&ucli.StringSliceFlag{Name: "allowed", Usage: "split mode: prefixes to route through the tunnel (CIDR, repeatable or comma-separated)"},
		&ucli.BoolFlag{Name: "kill-switch", Usage: "traffic meant for the tunnel is refused while it is down instead of leaving via wan"},
		&ucli.StringFlag{Name: "lan", Usage: "none or masquerade: whether LAN hosts use the tunnel (default masquerade in full and split mode)"},
		&ucli.StringSliceFlag{Name: "allow", Usage: "services reachable through the tunnel on the router (PROTO/PORT, e.g. tcp/22; repeatable or comma-separated)"},
		allowLockoutFlag, commitPendingFlag,
	}
}

func clientImportCommand(env *Env) *ucli.Command {
	return &ucli.Command{
		Name:      "import",
		Usage:     "configure a client from a provider's wg-quick file (FILE, or - for stdin)",
		ArgsUsage: "FILE|-",
		Flags:     clientModeFlags(),
		// Flags may follow FILE, as in the examples providers give.
		SkipFlagParsing: true,
		Action:          interspersed(func(c *ucli.Context) error { return clientImport(env, c) }),
	}
}

func clientImport(env *Env, c *ucli.Context) error {
	if c.NArg() != 1 {
		return Usagef("client import takes one FILE (or - for stdin)")
	}
	name := c.Args().First()
	data, err := readConfigFile(env, name)
	if err != nil {
		return err
	}
	conf, err := wgquick.Parse(data)
	if err != nil {
		return fmt.Errorf("%s: %v", displayName(name), err)
	}
	iface := c.String("iface")
	if iface == "" {
		iface = ifaceFromFile(name)
	}
	return runClient(env, c, iface, conf)
}

// readConfigFile reads FILE or stdin; the path is the user's, not a
// system path, so --root does not apply.
func readConfigFile(env *Env, name string) ([]byte, error) {
	if name == "-" {
		return io.ReadAll(io.LimitReader(env.Stdin, 1<<20))
	}
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %v", name, strings.TrimPrefix(err.Error(), "open "+name+": "))
	}
	return data, nil
}

func displayName(name string) string {
	if name == "-" {
		return "stdin"
	}
	return filepath.Base(name)
}

// ifaceFromFile follows wg-quick, which names the interface after the
// file (wg44.conf -> wg44), when that is a usable name.
func ifaceFromFile(name string) string {
	base := strings.TrimSuffix(filepath.Base(name), ".conf")
	if name == "-" || wg.ValidateIface(base) != nil || strings.Contains(base, "_") {
		return defaultClientIface
	}
	return base
}

// runClient plans, commits and reports a client from conf.
func runClient(env *Env, c *ucli.Context, iface string, conf *wgquick.Config) error {
	in, err := clientIntent(c, iface, conf)
	if err != nil {
		return err
	}
	st, s, err := loadState(env)
	if err != nil {
		return err
	}
	r, err := plan.ClientImport(st, in)
	if err != nil {
		return err
	}
	wrote, err := commit(env, c, s, r, iface)
	if err != nil || env.DryRun {
		return err
	}
	return printClient(env, r.State, iface, wrote)
}

func clientIntent(c *ucli.Context, iface string, conf *wgquick.Config) (plan.ClientIntent, error) {
	in := plan.ClientIntent{Iface: iface, Mode: c.String("mode"), KillSwitch: c.Bool("kill-switch"), Lan: c.String("lan"), Conf: conf,
		AllowLockout: c.Bool("allow-lockout")}
	for _, a := range splitFlag(c.StringSlice("allowed")) {
		p, err := wg.ParsePrefix(a)
		if err != nil {
			return in, fmt.Errorf("--allowed %q is not a CIDR (e.g. 10.0.0.0/8)", a)
		}
		in.Allowed = append(in.Allowed, p)
	}
	var err error
	in.Allow, err = parseServices(c.StringSlice("allow"))
	return in, err
}

// splitFlag flattens repeated and comma-separated flag values.
func splitFlag(vals []string) []string {
	var out []string
	for _, v := range vals {
		for _, f := range strings.Split(v, ",") {
			if f = strings.TrimSpace(f); f != "" {
				out = append(out, f)
			}
		}
	}
	return out
}

func parseServices(vals []string) ([]plan.Service, error) {
	var out []plan.Service
	seen := map[plan.Service]bool{}
	for _, v := range splitFlag(vals) {
		s, err := plan.ParseService(v)
		if err != nil {
			return nil, err
		}
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out, nil
}

func clientShowCommand(env *Env) *ucli.Command {
	return &ucli.Command{
		Name:  "show",
		Usage: "show a client's mode, table, zone and endpoints (keys hidden)",
		Flags: []ucli.Flag{&ucli.StringFlag{Name: "iface", Aliases: []string{"i"}, Value: defaultClientIface, Usage: "client interface"}},
		Action: func(c *ucli.Context) error {
			st, _, err := loadState(env)
			if err != nil {
				return err
			}
			return printClient(env, st, c.String("iface"), false)
		},
	}
}

// clientJSON is `client show --json`, version 1.
type clientJSON struct {
	Version    int      `json:"version"`
	Iface      string   `json:"iface"`
	Mode       string   `json:"mode"`
	Table      string   `json:"table,omitempty"`
	Zone       string   `json:"zone"`
	Lan        string   `json:"lan"`
	KillSwitch bool     `json:"kill_switch"`
	Allow      []string `json:"allow"`
	Addresses  []string `json:"addresses"`
	Endpoints  []string `json:"endpoints"`
	PrivateKey string   `json:"private_key"`
	Changed    bool     `json:"changed"`
}

func printClient(env *Env, st plan.State, iface string, changed bool) error {
	cl, err := plan.ReadClient(st, iface)
	if err != nil {
		return err
	}
	j := clientJSON{Version: 1, Iface: iface, Mode: cl.Mode, Table: cl.Table, Zone: cl.Zone, Lan: cl.Lan, KillSwitch: cl.KillSwitch,
		Allow: cl.Allow, Addresses: cl.Addresses, Endpoints: cl.Endpoints, PrivateKey: wg.Hidden, Changed: changed}
	if env.JSON {
		return writeJSON(env.Stdout, j)
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "interface:\t%s\n", iface)
	fmt.Fprintf(tw, "mode:\t%s\n", j.Mode)
	fmt.Fprintf(tw, "routing table:\t%s\n", orNone(j.Table))
	fmt.Fprintf(tw, "addresses:\t%s\n", orNone(join(j.Addresses)))
	fmt.Fprintf(tw, "endpoints:\t%s\n", orNone(join(j.Endpoints)))
	fmt.Fprintf(tw, "private key:\t%s\n", wg.Hidden)
	fmt.Fprintf(tw, "firewall zone:\t%s\n", orNone(j.Zone))
	fmt.Fprintf(tw, "lan:\t%s\n", j.Lan)
	fmt.Fprintf(tw, "kill switch:\t%s\n", yesNo(j.KillSwitch))
	fmt.Fprintf(tw, "allowed in:\t%s\n", orNone(join(j.Allow)))
	return tw.Flush()
}
