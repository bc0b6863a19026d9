package cli

import (
	"fmt"
	"os"
	"strings"

	ucli "github.com/urfave/cli/v2"

	"github.com/wgowrt/wgowrt/internal/plan"
	"github.com/wgowrt/wgowrt/internal/store"
	"github.com/wgowrt/wgowrt/internal/wg"
)

func siteInviteCommand(env *Env) *ucli.Command {
	return &ucli.Command{
		Name:      "invite",
		Usage:     "print the 'wgowrt site add' command the other router of a site runs (no private key in it)",
		ArgsUsage: "NAME",
		Flags: []ucli.Flag{
			ifaceFlag,
			&ucli.StringFlag{Name: "as", Usage: "the name the other router gives this one (default: this router's hostname)"},
			&ucli.StringFlag{Name: "endpoint", Usage: "this router's HOST[:PORT] as the other router reaches it (default: from 'server init --endpoint')"},
			&ucli.StringFlag{Name: "psk-file", Usage: "write the site's preshared key to FILE (mode 0600) and name FILE in the command; copy it to the other router"},
		},
		SkipFlagParsing: true,
		Action:          interspersed(func(c *ucli.Context) error { return siteInvite(env, c) }),
	}
}

func siteInvite(env *Env, c *ucli.Context) error {
	name, err := oneSiteName(c)
	if err != nil {
		return err
	}
	st, _, err := loadState(env)
	if err != nil {
		return err
	}
	in := plan.InviteIntent{Iface: ifaceOf(c, st), Name: name, As: c.String("as"), PSKFile: c.String("psk-file")}
	if in.As == "" {
		if in.As, err = hostname(env); err != nil {
			return err
		}
	}
	if c.IsSet("endpoint") {
		e, err := wg.ParseEndpoint(c.String("endpoint"))
		if err != nil {
			return err
		}
		in.Endpoint = &e
	}
	inv, err := plan.SiteInvite(st, in)
	if err != nil {
		return err
	}
	if err := exportPSK(env, inv, in.PSKFile); err != nil {
		return err
	}
	line := "wgowrt " + shellJoin(inv.Args)
	if env.JSON {
		return writeJSON(env.Stdout, map[string]any{"version": 1, "site": name, "command": line, "args": inv.Args})
	}
	fmt.Fprintln(env.Stdout, line)
	return nil
}

// exportPSK writes the preshared key for the other router; a dry run says
// where it would go instead.
func exportPSK(env *Env, inv plan.Invitation, file string) error {
	if inv.PSK == nil {
		return nil
	}
	if env.DryRun {
		fmt.Fprintf(env.Stderr, "wgowrt: would write the preshared key to %s (mode 0600)\n", file)
		return nil
	}
	if err := writePrivate(file, []byte(inv.PSK.String()+"\n")); err != nil {
		return fmt.Errorf("--psk-file: %v", err)
	}
	fmt.Fprintf(env.Stderr, "wgowrt: preshared key written to %s (mode 0600): copy it to the other router at the same path, then delete it\n", file)
	return nil
}

// writePrivate writes data readable by its owner only, tightening the mode
// of a file that already exists.
func writePrivate(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0600)
	if err != nil {
		return err
	}
	if err := f.Chmod(0600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// hostname is this router's name from /etc/config/system, the default
// name the other router gives it.
func hostname(env *Env) (string, error) {
	sys, err := store.New(env.Root).Load("system", true)
	if err == nil {
		for _, s := range sys.SectionsOfType("system") {
			if h, ok := s.Get("hostname"); ok && wg.ValidatePeerName(h) == nil {
				return h, nil
			}
		}
	}
	return "", Usagef("no usable hostname in /etc/config/system: name this router for the other one with --as NAME")
}

// shellJoin quotes words for a POSIX shell where needed.
func shellJoin(words []string) string {
	out := make([]string, len(words))
	for i, w := range words {
		out[i] = shellQuote(w)
	}
	return strings.Join(out, " ")
}

func shellQuote(w string) string {
	safe := w != ""
	for _, r := range w {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=+@,", r)) {
			safe = false
		}
	}
	if safe {
		return w
	}
	return "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
}
