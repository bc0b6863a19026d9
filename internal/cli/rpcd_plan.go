package cli

import (
	"encoding/json"
	"fmt"
	"strings"

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

// planned turns a plan made from before into its answer.
func planned(before plan.State, r *plan.Result) (*planAnswer, error) {
	a := &planAnswer{Version: 1, Changes: lines(r.ChangeLines()), Warnings: nonNil(r.Warnings), Notes: nonNil(r.Notes),
		Info: nonNil(r.Info), Edits: []rpcd.Edit{}, Configs: []string{}}
	if r.State.Dhcp != nil && len(r.State.Dhcp.Unsaved()) > 0 {
		return nil, fmt.Errorf("internal error: this change edits dhcp, which the page does not stage")
	}
	pairs := [][2]*uci.Package{{before.Network, r.State.Network}, {before.Firewall, r.State.Firewall}, {before.Wgowrt, r.State.Wgowrt}}
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
}

var peerAddSignature = map[string]any{"iface": "", "name": "", "ip": []string{}, "public_key": "", "psk": true,
	"routes": []string{}, "tunnel": "", "dns": []string{}, "keepalive": 32, "endpoint": "", "keep_private_key": true}

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
	sid, err := rpcd.Decode(args, &a)
	if err != nil {
		return nil, err
	}
	if err := wg.ValidatePeerName(a.Name); err != nil {
		return nil, rpcd.Errorf("name", a.Name, "%v", err)
	}
	st, err := b.state(sid)
	if err != nil {
		return nil, err
	}
	in, err := a.intent(b.iface(st, a.Iface))
	if err != nil {
		return nil, err
	}
	r, err := plan.PeerAdd(st, in)
	if err != nil {
		return nil, err
	}
	pa, err := planned(st, r.Result)
	if err != nil {
		return nil, err
	}
	out := peerAddAnswer{planAnswer: pa, Peer: a.Name, Section: wg.PeerSection(in.Iface, a.Name), Existed: r.Existed,
		Address: []string{}, Exported: export(r.Config)}
	for _, p := range r.Config.Addresses {
		out.Address = append(out.Address, p.String())
	}
	return out, nil
}

// intent is peerIntent for JSON arguments: keys are drawn here, as the
// command does.
func (a peerAddArgs) intent(iface string) (plan.PeerIntent, error) {
	in := plan.PeerIntent{Iface: iface, Name: a.Name, IPs: a.IP, Routes: a.Routes, Tunnel: a.Tunnel, DNS: a.DNS,
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
	var err error
	if a.PublicKey != "" {
		k, err := wg.ParseKey(a.PublicKey)
		if err != nil {
			return in, rpcd.Errorf("public_key", "", "public key: %v", err)
		}
		if a.KeepPrivateKey {
			return in, rpcd.Errorf("keep_private_key", "", "keeping the private key makes no sense with a public key given: the router never sees that private key")
		}
		in.PublicKey = &k
	} else if in.NewPrivateKey, err = wg.GeneratePrivate(deps.keys); err != nil {
		return in, err
	}
	if a.PSK {
		k, err := wg.GeneratePreshared(deps.keys)
		if err != nil {
			return in, err
		}
		in.PSK = &k
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
	st, err := b.decodeState(args, &a)
	if err != nil {
		return nil, err
	}
	cfg, err := plan.PeerConfig(st, b.iface(st, a.Iface), a.Name)
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
		st, err := b.decodeState(args, &a)
		if err != nil {
			return nil, err
		}
		iface := b.iface(st, a.Iface)
		var r *plan.Result
		if verb == "remove" {
			r, err = plan.PeerRemove(st, iface, a.Name)
		} else {
			r, err = plan.PeerSetDisabled(st, iface, a.Name, verb == "disable")
		}
		if err != nil {
			return nil, rpcd.Errorf("name", a.Name, "%v", err)
		}
		return planned(st, r)
	}
}

func (b *bridge) peerRename(args json.RawMessage) (any, error) {
	var a peerArgs
	st, err := b.decodeState(args, &a)
	if err != nil {
		return nil, err
	}
	r, err := plan.PeerRename(st, b.iface(st, a.Iface), a.Name, a.NewName)
	if err != nil {
		return nil, rpcd.Errorf("new_name", a.NewName, "%v", err)
	}
	return planned(st, r)
}
