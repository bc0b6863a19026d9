package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/wgowrt/wgowrt/internal/ops"
	"github.com/wgowrt/wgowrt/internal/plan"
	"github.com/wgowrt/wgowrt/internal/wg"
)

func siteInviteCommand(env *Env) *Command {
	return &Command{
		Name:      "invite",
		Usage:     "print the 'wgowrt site add' command the other router of a site runs (no private key in it)",
		ArgsUsage: "NAME",
		Flags: []Flag{
			ifaceFlag,
			&StringFlag{Name: "as", Usage: "the name the other router gives this one (default: this router's hostname)"},
			&StringFlag{Name: "endpoint", Usage: "this router's HOST[:PORT] as the other router reaches it (default: from 'server init --endpoint')"},
			&StringFlag{Name: "psk-file", Usage: "write the site's preshared key to FILE (mode 0600) and name FILE in the command; copy it to the other router"},
		},
		Action: func(c *Context) error { return siteInvite(env, c) },
	}
}

func siteInvite(env *Env, c *Context) error {
	name, err := oneSiteName(c)
	if err != nil {
		return err
	}
	in := plan.InviteIntent{Iface: c.String("iface"), Name: name, As: c.String("as"), PSKFile: c.String("psk-file")}
	if c.IsSet("endpoint") {
		e, err := wg.ParseEndpoint(c.String("endpoint"))
		if err != nil {
			return err
		}
		in.Endpoint = &e
	}
	r, err := env.ops().SiteInvite(ops.SiteInvite{DryRun: env.DryRun, Intent: in})
	if errors.Is(err, ops.ErrNoHostname) {
		return Usagef("no usable hostname in /etc/config/system: name this router for the other one with --as NAME")
	}
	if err != nil {
		if r != nil && r.PSK {
			return fmt.Errorf("--psk-file: %v", err)
		}
		return err
	}
	reportPSK(env, r)
	line := "wgowrt " + shellJoin(r.Invitation.Args)
	if env.JSON {
		return writeJSON(env.Stdout, map[string]any{"version": 1, "site": name, "command": line, "args": r.Invitation.Args})
	}
	fmt.Fprintln(env.Stdout, line)
	return nil
}

// reportPSK says where the preshared key went (or would go).
func reportPSK(env *Env, r *ops.SiteInviteResult) {
	switch {
	case r.PSKWritten:
		fmt.Fprintf(env.Stderr, "wgowrt: preshared key written to %s (mode 0600): copy it to the other router at the same path, then delete it\n", r.Intent.PSKFile)
	case r.PSK:
		fmt.Fprintf(env.Stderr, "wgowrt: would write the preshared key to %s (mode 0600)\n", r.Intent.PSKFile)
	}
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
