package cli

import (
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	ucli "github.com/urfave/cli/v2"
	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"

	"github.com/wgowrt/wgowrt/internal/plan"
)

// activeWithin is how recent a handshake must be for a peer to count as
// active: WireGuard re-handshakes every 2 minutes while traffic flows and
// rejects sessions older than 180 s.
const activeWithin = 180 * time.Second

func statusCommand(env *Env) *ucli.Command {
	return &ucli.Command{
		Name:  "status",
		Usage: "show running WireGuard interfaces and peers, joined with their UCI names",
		Flags: []ucli.Flag{&ucli.StringFlag{Name: "iface", Aliases: []string{"i"}, Usage: "only this interface"}},
		Action: func(c *ucli.Context) error {
			if c.NArg() > 0 {
				return Usagef("status takes no arguments (got %q)", c.Args().First())
			}
			return status(env, c.String("iface"))
		},
	}
}

// statusJSON is `status --json`, version 1.
type statusJSON struct {
	Version    int           `json:"version"`
	Interfaces []ifaceStatus `json:"interfaces"`
}

type ifaceStatus struct {
	Name       string       `json:"name"`
	PublicKey  string       `json:"public_key"`
	ListenPort int          `json:"listen_port"`
	Running    bool         `json:"running"`
	Peers      []peerStatus `json:"peers"`
}

type peerStatus struct {
	Name              string   `json:"name"`
	Section           string   `json:"section,omitempty"`
	PublicKey         string   `json:"public_key"`
	Endpoint          string   `json:"endpoint"`
	AllowedIPs        []string `json:"allowed_ips"`
	LatestHandshake   string   `json:"latest_handshake,omitempty"`
	HandshakeAgeSecs  *int64   `json:"handshake_age_seconds"`
	RxBytes           int64    `json:"rx_bytes"`
	TxBytes           int64    `json:"tx_bytes"`
	State             string   `json:"state"`
	KeepaliveInterval int      `json:"persistent_keepalive,omitempty"`
}

func status(env *Env, only string) error {
	st, _, err := loadState(env)
	if err != nil {
		return err
	}
	cl, err := deps.devices()
	if err != nil {
		return fmt.Errorf("cannot reach WireGuard devices (%v); run as root on the router", err)
	}
	defer cl.Close()
	devs, err := cl.Devices()
	if err != nil {
		return fmt.Errorf("listing WireGuard devices: %v", err)
	}
	out := statusJSON{Version: 1, Interfaces: []ifaceStatus{}}
	for _, is := range joinStatus(st, devs, deps.now()) {
		if only == "" || is.Name == only {
			out.Interfaces = append(out.Interfaces, is)
		}
	}
	if env.JSON {
		return writeJSON(env.Stdout, out)
	}
	return printStatus(env, out)
}

// joinStatus merges live devices with the UCI interfaces and peers: live
// peers get their UCI names; UCI peers missing from the device show as
// absent (or disabled), UCI interfaces without a device as not running.
func joinStatus(st plan.State, devs []*wgtypes.Device, now time.Time) []ifaceStatus {
	var out []ifaceStatus
	seen := map[string]bool{}
	for _, d := range devs {
		seen[d.Name] = true
		out = append(out, deviceStatus(st, d, now))
	}
	for _, s := range st.Network.SectionsOfType("interface") {
		if v, _ := s.Get("proto"); v == "wireguard" && !seen[s.Name] {
			is := ifaceStatus{Name: s.Name, Peers: []peerStatus{}}
			if srv, err := plan.ReadServer(st, s.Name); err == nil {
				is.ListenPort = srv.Port
				if srv.PrivateKey != nil {
					is.PublicKey = srv.PublicKey().String()
				}
			}
			is.Peers = append(is.Peers, configuredOnly(st, s.Name, nil)...)
			out = append(out, is)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func deviceStatus(st plan.State, d *wgtypes.Device, now time.Time) ifaceStatus {
	is := ifaceStatus{Name: d.Name, PublicKey: d.PublicKey.String(), ListenPort: d.ListenPort, Running: true, Peers: []peerStatus{}}
	byKey := map[string]plan.Peer{}
	for _, p := range plan.ReadPeers(st, d.Name) {
		byKey[p.PublicKey] = p
	}
	live := map[string]bool{}
	for _, p := range d.Peers {
		live[p.PublicKey.String()] = true
		is.Peers = append(is.Peers, livePeer(p, byKey[p.PublicKey.String()], now))
	}
	is.Peers = append(is.Peers, configuredOnly(st, d.Name, live)...)
	return is
}

func livePeer(p wgtypes.Peer, u plan.Peer, now time.Time) peerStatus {
	ps := peerStatus{Name: u.Name, Section: u.Section, PublicKey: p.PublicKey.String(), RxBytes: p.ReceiveBytes,
		TxBytes: p.TransmitBytes, AllowedIPs: []string{}, KeepaliveInterval: int(p.PersistentKeepaliveInterval / time.Second)}
	if ps.Name == "" {
		ps.Name = "(unknown)"
	}
	if p.Endpoint != nil {
		ps.Endpoint = p.Endpoint.String()
	}
	for _, a := range p.AllowedIPs {
		ps.AllowedIPs = append(ps.AllowedIPs, a.String())
	}
	ps.State = "never"
	if !p.LastHandshakeTime.IsZero() {
		age := int64(now.Sub(p.LastHandshakeTime) / time.Second)
		ps.HandshakeAgeSecs = &age
		ps.LatestHandshake = p.LastHandshakeTime.UTC().Format(time.RFC3339)
		ps.State = "stale"
		if now.Sub(p.LastHandshakeTime) <= activeWithin {
			ps.State = "active"
		}
	}
	return ps
}

// configuredOnly lists UCI peers of iface that the device does not have.
func configuredOnly(st plan.State, iface string, live map[string]bool) []peerStatus {
	var out []peerStatus
	for _, p := range plan.ReadPeers(st, iface) {
		if live[p.PublicKey] {
			continue
		}
		state := "absent"
		if p.Disabled {
			state = "disabled"
		}
		ips := p.AllowedIPs
		if ips == nil {
			ips = []string{}
		}
		out = append(out, peerStatus{Name: p.Name, Section: p.Section, PublicKey: p.PublicKey, AllowedIPs: ips, State: state})
	}
	return out
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
		fmt.Fprintf(tw, "interface %s (%s, port %d, public key %s)\n", is.Name, run, is.ListenPort, orNone(is.PublicKey))
		fmt.Fprintln(tw, "  PEER\tENDPOINT\tALLOWED IPS\tHANDSHAKE\tRX\tTX\tSTATE")
		for _, p := range is.Peers {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\t%s\n", p.Name, orNone(p.Endpoint), orNone(strings.Join(p.AllowedIPs, ", ")),
				age(p.HandshakeAgeSecs), bytesIEC(p.RxBytes), bytesIEC(p.TxBytes), p.State)
		}
	}
	return tw.Flush()
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
