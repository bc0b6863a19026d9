package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/wgowrt/wgowrt/internal/ops"
	"github.com/wgowrt/wgowrt/internal/plan"
	"github.com/wgowrt/wgowrt/internal/wg"
	"github.com/wgowrt/wgowrt/internal/wgquick"
)

// defaultClientIface is the interface name when neither --iface nor the
// file name gives one.
const defaultClientIface = ops.DefaultClientIface

func clientCommand(env *Env) *Command {
	return &Command{
		Name:  "client",
		Usage: "connect this router to a VPN provider (full, split or source-routed tunnel)",
		Subcommands: []*Command{
			clientImportCommand(env),
			clientAddCommand(env),
			clientShowCommand(env),
			clientRemoveCommand(env),
		},
	}
}

// clientModeFlags are shared by import and add.
func clientModeFlags() []Flag {
	return []Flag{
		&StringFlag{Name: "iface", Aliases: []string{"i"}, Usage: "interface name (default: the file name without .conf, else wgc)"},
		&StringFlag{Name: "mode", Usage: "full (LAN through the tunnel, router stays on wan), split (only --allowed prefixes) or source (only traffic from the tunnel address; 44Net model 1); default full when a peer routes 0.0.0.0/0, else split"},
		&StringSliceFlag{Name: "allowed", Usage: "split mode: prefixes to route through the tunnel (CIDR, repeatable or comma-separated)"},
		&BoolFlag{Name: "kill-switch", Usage: "traffic meant for the tunnel is refused while it is down instead of leaving via wan"},
		&StringFlag{Name: "lan", Usage: "none or masquerade: whether LAN hosts use the tunnel (default masquerade in full and split mode)"},
		&StringSliceFlag{Name: "allow", Usage: "services reachable through the tunnel on the router (PROTO/PORT, e.g. tcp/22; repeatable or comma-separated)"},
		allowLockoutFlag, commitPendingFlag,
	}
}

func clientImportCommand(env *Env) *Command {
	return &Command{
		Name:      "import",
		Usage:     "configure a client from a provider's wg-quick file (FILE, or - for stdin)",
		ArgsUsage: "FILE|-",
		Flags:     clientModeFlags(),
		// Flags may follow FILE, as in the examples providers give.
		Action: func(c *Context) error { return clientImport(env, c) },
	}
}

func clientImport(env *Env, c *Context) error {
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
		return io.ReadAll(io.LimitReader(env.Stdin, maxConfigFile))
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %v", name, strings.TrimPrefix(err.Error(), "open "+name+": "))
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxConfigFile+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %v", name, strings.TrimPrefix(err.Error(), "read "+name+": "))
	}
	if len(data) > maxConfigFile {
		return nil, fmt.Errorf("%s is larger than %d KiB, which no WireGuard configuration or key is; give the .conf file", name, maxConfigFile>>10)
	}
	return data, nil
}

// maxConfigFile bounds what is read from a file or stdin: a wg-quick
// file is a few hundred bytes (/dev/zero would otherwise fill memory).
const maxConfigFile = 1 << 20

func displayName(name string) string {
	if name == "-" {
		return "stdin"
	}
	return filepath.Base(name)
}

func ifaceFromFile(name string) string { return ops.IfaceFromFile(name) }

// runClient plans, commits and reports a client from conf.
func runClient(env *Env, c *Context, iface string, conf *wgquick.Config) error {
	in, err := clientIntent(c, iface, conf)
	if err != nil {
		return err
	}
	r, err := env.ops().ClientImport(ops.ClientImport{Txn: txn(env, c), Intent: in})
	if err = report(env, r.Outcome, err); done(env, err) {
		return err
	}
	return printWithChange(env, r.Outcome, func(e *Env) error { return printClient(e, r.Plan.State, iface, r.Wrote) })
}

func clientIntent(c *Context, iface string, conf *wgquick.Config) (plan.ClientIntent, error) {
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

func splitFlag(vals []string) []string { return ops.SplitList(vals) }

func parseServices(vals []string) ([]plan.Service, error) { return ops.ParseServices(vals) }

func clientShowCommand(env *Env) *Command {
	return &Command{
		Name:  "show",
		Usage: "show a client's mode, table, zone and endpoints (keys hidden)",
		Flags: []Flag{&StringFlag{Name: "iface", Aliases: []string{"i"}, Value: defaultClientIface, Usage: "client interface"}},
		Action: func(c *Context) error {
			st, _, err := env.ops().Read("", "")
			if err != nil {
				return err
			}
			return printClient(env, st, c.String("iface"), false)
		},
	}
}

func printClient(env *Env, st plan.State, iface string, changed bool) error {
	j, err := ops.ViewClient(st, iface, changed)
	if err != nil {
		return err
	}
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
