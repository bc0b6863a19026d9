package bridge

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/wgowrt/wgowrt/internal/ops"
	"github.com/wgowrt/wgowrt/internal/plan"
	"github.com/wgowrt/wgowrt/internal/qr"
	"github.com/wgowrt/wgowrt/internal/rpcd"
	"github.com/wgowrt/wgowrt/internal/wg"
	"github.com/wgowrt/wgowrt/uci"
)

// planAnswer is what every configuration-changing method returns: the
// preview (`uci changes` lines, keys hidden), the plan's warnings and
// notes, and the edits for the page to stage. Configs names the configs
// the edits touch, which the page must have loaded in uci.js.
type planAnswer struct {
	Version  int         `json:"version"`
	Changes  []string    `json:"changes"`
	Warnings []string    `json:"warnings"`
	Notes    []string    `json:"notes"`
	Info     []string    `json:"info"`
	Edits    []rpcd.Edit `json:"edits"`
	Configs  []string    `json:"configs"`
}

// planned turns a previewed outcome into its answer.
func planned(out *ops.Outcome) (*planAnswer, error) {
	before, r := out.Before, out.Plan
	a := &planAnswer{Version: 1, Changes: lines(r.ChangeLines()), Warnings: nonNil(append(out.Warnings, r.Warnings...)),
		Notes: nonNil(r.Notes), Info: nonNil(r.Info), Edits: []rpcd.Edit{}, Configs: []string{}}
	pairs := [][2]*uci.Package{{before.Network, r.State.Network}, {before.Firewall, r.State.Firewall}, {before.Wgowrt, r.State.Wgowrt}}
	if d := r.State.Dhcp; d != nil && len(d.Unsaved()) > 0 {
		// dnsmasq's setup (a full tunnel's DNS, option 121): the write
		// role grants dhcp, and LuCI's apply restores it on rollback.
		if before.Dhcp == nil {
			return nil, fmt.Errorf("internal error: dhcp edited without the dhcp it was planned from")
		}
		pairs = append(pairs, [2]*uci.Package{before.Dhcp, d})
	}
	for _, p := range pairs {
		if len(p[1].Unsaved()) == 0 {
			continue
		}
		e, err := rpcd.Edits(p[0], p[1])
		if err != nil {
			return nil, err
		}
		a.Edits = append(a.Edits, e...)
		a.Configs = append(a.Configs, p[1].Name)
	}
	return a, nil
}

func lines(s string) []string {
	out := []string{}
	for _, l := range strings.Split(s, "\n") {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// peerAddArgs are peer_add's arguments, the flags of `peer add`.
type peerAddArgs struct {
	Iface          string   `json:"iface"`
	Name           string   `json:"name"`
	IP             []string `json:"ip"`
	PublicKey      string   `json:"public_key"`
	PSK            bool     `json:"psk"`
	Routes         []string `json:"routes"`
	Tunnel         string   `json:"tunnel"`
	DNS            []string `json:"dns"`
	Keepalive      rpcd.Int `json:"keepalive"`
	Endpoint       string   `json:"endpoint"`
	KeepPrivateKey bool     `json:"keep_private_key"`
	// Expires and For are --expires DATE|never and --for DURATION.
	Expires string `json:"expires"`
	For     string `json:"for"`
}

var peerAddSignature = map[string]any{"iface": "", "name": "", "ip": []string{}, "public_key": "", "psk": true,
	"routes": []string{}, "tunnel": "", "dns": []string{}, "keepalive": 32, "endpoint": "", "keep_private_key": true,
	"expires": "", "for": ""}

// peerAddAnswer is the plan of a new peer and the config it is given.
// The private key appears once, inside Config; it is staged only when
// kept on the router.
type peerAddAnswer struct {
	*planAnswer
	Peer    string   `json:"peer"`
	Section string   `json:"section"`
	Address []string `json:"addresses"`
	Existed bool     `json:"existed"`
	Exported
}

// Exported is a client config as text and QR code.
type Exported struct {
	Config string `json:"config"`
	// QR is an SVG image of Config, empty when none can be drawn.
	QR       string `json:"qr"`
	Filename string `json:"filename"`
	// PrivateKey says whether Config holds the private key.
	PrivateKey bool `json:"private_key_included"`
}

func (b *bridge) peerAdd(args json.RawMessage) (any, error) {
	var a peerAddArgs
	txn, err := decode(args, &a)
	if err != nil {
		return nil, err
	}
	if err := wg.ValidatePeerName(a.Name); err != nil {
		return nil, rpcd.Errorf("name", a.Name, "%v", err)
	}
	in, err := a.intent()
	if err != nil {
		return nil, err
	}
	r, err := b.ops.PeerAdd(ops.PeerAdd{Txn: txn, Intent: in, PSK: a.PSK, Expires: a.Expires, For: a.For})
	if err != nil {
		return nil, expiryErr(err, a.Expires, a.For)
	}
	pa, err := planned(r.Outcome)
	if err != nil {
		return nil, err
	}
	out := peerAddAnswer{planAnswer: pa, Peer: a.Name, Section: r.Section, Existed: r.Existed,
		Address: []string{}, Exported: export(r.Config)}
	for _, p := range r.Config.Addresses {
		out.Address = append(out.Address, p.String())
	}
	return out, nil
}

// intent is the request `peer add` makes from its flags; keys are drawn
// by ops.
func (a peerAddArgs) intent() (plan.PeerIntent, error) {
	in := plan.PeerIntent{Iface: a.Iface, Name: a.Name, IPs: a.IP, Routes: a.Routes, Tunnel: a.Tunnel, DNS: a.DNS,
		KeepPrivate: a.KeepPrivateKey}
	if a.Keepalive.Set {
		k := a.Keepalive.Value
		in.Keepalive = &k
	}
	if a.Endpoint != "" {
		e, err := wg.ParseEndpoint(a.Endpoint)
		if err != nil {
			return in, rpcd.Errorf("endpoint", a.Endpoint, "%v", err)
		}
		in.Endpoint = &e
	}
	if a.PublicKey != "" {
		k, err := wg.ParseKey(a.PublicKey)
		if err != nil {
			return in, rpcd.Errorf("public_key", "", "public key: %v", err)
		}
		if a.KeepPrivateKey {
			return in, rpcd.Errorf("keep_private_key", "", "keeping the private key makes no sense with a public key given: the router never sees that private key")
		}
		in.PublicKey = &k
	}
	return in, nil
}

// export renders a client config with its QR code.
func export(cfg wg.ClientConfig) Exported {
	text := cfg.Render()
	e := Exported{Config: text, Filename: confName(cfg.Name), PrivateKey: cfg.PrivateKey != nil}
	if cfg.PrivateKey != nil {
		if code, err := qr.Encode([]byte(text), qr.M); err == nil {
			e.QR = code.SVG()
		}
	}
	return e
}

// confName is the download name: wg-quick and the mobile apps take the
// interface name from it, so it keeps to [A-Za-z0-9_=+.-] and 15 chars.
func confName(name string) string {
	var b strings.Builder
	for _, c := range name {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("_=+.-", c) {
			b.WriteRune(c)
		}
	}
	s := b.String()
	if len(s) > 15 {
		s = s[:15]
	}
	if s == "" {
		s = "wg"
	}
	return s + ".conf"
}

type peerArgs struct {
	Iface   string `json:"iface"`
	Name    string `json:"name"`
	NewName string `json:"new_name"`
}

func (b *bridge) peerConfig(args json.RawMessage) (any, error) {
	var a peerArgs
	txn, err := decode(args, &a)
	if err != nil {
		return nil, err
	}
	cfg, err := b.ops.PeerConfig(txn.Session, a.Iface, a.Name)
	if err != nil {
		return nil, rpcd.Errorf("name", a.Name, "%v", err)
	}
	return struct {
		Version int    `json:"version"`
		Peer    string `json:"peer"`
		Exported
	}{1, a.Name, export(cfg)}, nil
}

// peerEdit answers peer_remove, peer_disable and peer_enable.
func (b *bridge) peerEdit(verb string) func(json.RawMessage) (any, error) {
	return func(args json.RawMessage) (any, error) {
		var a peerArgs
		txn, err := decode(args, &a)
		if err != nil {
			return nil, err
		}
		out, err := b.ops.PeerEdit(ops.PeerEdit{Txn: txn, Iface: a.Iface, Name: a.Name, Verb: verb})
		if err != nil {
			return nil, planErr(out, err, "name", a.Name)
		}
		return planned(out)
	}
}

func (b *bridge) peerRename(args json.RawMessage) (any, error) {
	var a peerArgs
	txn, err := decode(args, &a)
	if err != nil {
		return nil, err
	}
	out, err := b.ops.PeerRename(ops.PeerRename{Txn: txn, Iface: a.Iface, Old: a.Name, New: a.NewName})
	if err != nil {
		return nil, planErr(out, err, "new_name", a.NewName)
	}
	return planned(out)
}

// planErr names the argument a planning error is about; errors from
// before planning (reading the configuration, the lock) are not the
// argument's.
func planErr(out *ops.Outcome, err error, field, value string) error {
	if out == nil || out.Before.Network == nil {
		return err
	}
	return rpcd.Errorf(field, value, "%v", err)
}
