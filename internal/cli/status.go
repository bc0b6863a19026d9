package cli

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/wgowrt/wgowrt/internal/ops"
)

func statusCommand(env *Env) *Command {
	return &Command{
		Name:  "status",
		Usage: "show running WireGuard interfaces and peers, joined with their UCI names",
		Flags: []Flag{&StringFlag{Name: "iface", Aliases: []string{"i"}, Usage: "only this interface"}},
		Action: func(c *Context) error {
			if c.NArg() > 0 {
				return Usagef("status takes no arguments (got %q)", c.Args().First())
			}
			return status(env, c.String("iface"))
		},
	}
}

// statusJSON is `status --json`, version 1.
type statusJSON struct {
	Version    int               `json:"version"`
	Interfaces []ops.IfaceStatus `json:"interfaces"`
	// Pending is a change waiting for `wgowrt confirm`.
	Pending *ops.Pending `json:"pending,omitempty"`
}

type ifaceStatus = ops.IfaceStatus

func status(env *Env, only string) error {
	r, err := env.ops().Status("")
	if err != nil {
		return err
	}
	pend, err := env.ops().ReadPending()
	if err != nil {
		return err
	}
	if pend != nil && !env.JSON {
		fmt.Fprintf(env.Stdout, "pending: %s: run 'wgowrt confirm' from a new SSH login, or 'wgowrt rollback'\n\n", ops.PendingSummary(pend, time.Now()))
	}
	if r.OpenErr != nil {
		return fmt.Errorf("cannot reach WireGuard devices (%v); run as root on the router", r.OpenErr)
	}
	if r.ListErr != nil {
		return fmt.Errorf("listing WireGuard devices: %v", r.ListErr)
	}
	out := statusJSON{Version: 1, Interfaces: []ops.IfaceStatus{}, Pending: pend}
	for _, is := range r.Interfaces {
		if only == "" || is.Name == only {
			out.Interfaces = append(out.Interfaces, is)
		}
	}
	if env.JSON {
		return writeJSON(env.Stdout, out)
	}
	return printStatus(env, out)
}

func printStatus(env *Env, s statusJSON) error {
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	for i, is := range s.Interfaces {
		if i > 0 {
			fmt.Fprintln(tw)
		}
		run := "running"
		if !is.Running {
			run = "not running"
		}
		if is.Error != "" {
			fmt.Fprintf(tw, "interface %s: unreadable: %s\n", is.Name, is.Error)
			if len(is.Peers) == 0 {
				continue
			}
			run = "configured"
		}
		fmt.Fprintf(tw, "interface %s (%s, port %d, public key %s)\n", is.Name, run, is.ListenPort, orNone(is.PublicKey))
		fmt.Fprintln(tw, "  PEER\tENDPOINT\tALLOWED IPS\tHANDSHAKE\tRX\tTX\tSTATE")
		for _, p := range is.Peers {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\t%s\n", p.Name, peerEndpoint(p), orNone(strings.Join(p.AllowedIPs, ", ")),
				age(p.HandshakeAgeSecs), bytesIEC(p.RxBytes), bytesIEC(p.TxBytes), peerState(p))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		for _, p := range is.Peers {
			if p.EndpointHeld {
				fmt.Fprintf(env.Stdout, "  peer %s: endpoint %s: held, name does not resolve yet (the supervisor sets it once it does)\n", p.Name, p.EndpointHost)
			}
		}
	}
	return tw.Flush()
}

// peerEndpoint is the endpoint column: a held endpoint's name, marked.
func peerEndpoint(p ops.PeerStatus) string {
	if p.EndpointHeld {
		return p.EndpointHost + " (held)"
	}
	return orNone(p.Endpoint)
}

// peerState is the state column: with the expiry when the peer has one.
func peerState(p ops.PeerStatus) string {
	t, err := time.Parse(time.RFC3339, p.Expires)
	switch {
	case p.Expires == "" || err != nil:
		return p.State
	case p.State == "expired":
		return "expired " + ops.FormatExpiry(t)
	}
	return p.State + ", expires " + ops.FormatExpiry(t)
}

func age(secs *int64) string {
	if secs == nil {
		return "never"
	}
	d := time.Duration(*secs) * time.Second
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds ago", *secs)
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds ago", *secs/60, *secs%60)
	default:
		return fmt.Sprintf("%dh%02dm ago", *secs/3600, *secs%3600/60)
	}
}

func bytesIEC(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
