package ops

import (
	"path/filepath"
	"strings"

	"github.com/wgowrt/wgowrt/internal/plan"
	"github.com/wgowrt/wgowrt/internal/wg"
)

// The read models both front-ends show. Their field names are the
// documented --json and rpcd ones; ops never encodes them.

// PeerView is one peer of a server, secrets hidden.
type PeerView struct {
	Name          string   `json:"name"`
	Section       string   `json:"section"`
	Owned         bool     `json:"owned"`
	PublicKey     string   `json:"public_key"`
	PrivateKey    string   `json:"private_key"`
	PresharedKey  string   `json:"preshared_key"`
	AllowedIPs    []string `json:"allowed_ips"`
	RouteAllowed  bool     `json:"route_allowed_ips"`
	Endpoint      string   `json:"endpoint,omitempty"`
	Disabled      bool     `json:"disabled"`
	Tunnel        string   `json:"tunnel,omitempty"`
	DNS           []string `json:"dns,omitempty"`
	Keepalive     *int     `json:"keepalive,omitempty"`
	KeptPrivate   bool     `json:"private_key_kept"`
	HasPresharedK bool     `json:"has_preshared_key"`
	// Expires is when the peer stops (RFC 3339 UTC), Expired when the
	// supervisor disabled it for that.
	Expires string `json:"expires,omitempty"`
	Expired string `json:"expired,omitempty"`
	// EndpointHeld says the supervisor holds Endpoint back from netifd
	// because its name does not resolve yet (see PeerStatus).
	EndpointHeld bool `json:"endpoint_held,omitempty"`
	// Site says the peer is a site link (set by the rpcd bridge's peers
	// answer, whose page removes it with site_remove).
	Site bool `json:"site,omitempty"`
}

// ViewPeer is p with its secrets hidden.
func ViewPeer(p plan.Peer) PeerView {
	j := PeerView{Name: p.Name, Section: "network." + p.Section, Owned: p.Owned, PublicKey: p.PublicKey,
		AllowedIPs: p.AllowedIPs, RouteAllowed: p.Routes, Endpoint: p.Endpoint, Disabled: p.Disabled,
		Tunnel: p.Tunnel, DNS: p.DNS, KeptPrivate: p.PrivateKey != nil, HasPresharedK: p.HasPSK, Expires: p.Expires, Expired: p.Expired}
	if j.AllowedIPs == nil {
		j.AllowedIPs = []string{}
	}
	j.PrivateKey, j.PresharedKey = secretState(p.PrivateKey != nil), secretState(p.HasPSK)
	if p.KeepaliveOn {
		k := p.Keepalive
		j.Keepalive = &k
	}
	return j
}

// MarkHeld sets EndpointHeld on the views of peers whose endpoint is held
// (held: sections, as HeldEndpoints gives them).
func MarkHeld(vs []PeerView, held map[string]bool) {
	for i := range vs {
		vs[i].EndpointHeld = vs[i].Endpoint != "" && !vs[i].Disabled && held[strings.TrimPrefix(vs[i].Section, wg.PkgNetwork+".")]
	}
}

func secretState(present bool) string {
	if present {
		return wg.Hidden
	}
	return ""
}

// ClientView is a client tunnel, keys hidden.
type ClientView struct {
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

// ViewClient reads client iface from st.
func ViewClient(st plan.State, iface string, changed bool) (ClientView, error) {
	cl, err := plan.ReadClient(st, iface)
	if err != nil {
		return ClientView{}, err
	}
	return ClientView{Version: 1, Iface: iface, Mode: cl.Mode, Table: cl.Table, Zone: cl.Zone, Lan: cl.Lan, KillSwitch: cl.KillSwitch,
		Allow: cl.Allow, Addresses: cl.Addresses, Endpoints: cl.Endpoints, PrivateKey: wg.Hidden, Changed: changed}, nil
}

// DefaultClientIface is the client interface name when neither the
// request nor the file name gives one.
const DefaultClientIface = "wgc"

// IfaceFromFile follows wg-quick, which names the interface after the
// file (wg44.conf -> wg44), when that is a usable name.
func IfaceFromFile(name string) string {
	base := strings.TrimSuffix(filepath.Base(name), ".conf")
	if name == "-" || wg.ValidateIface(base) != nil || strings.Contains(base, "_") {
		return DefaultClientIface
	}
	return base
}

// SplitList flattens repeated and comma-separated values.
func SplitList(vals []string) []string {
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

// ParseServices reads PROTO/PORT services (repeated or comma-separated),
// dropping duplicates.
func ParseServices(vals []string) ([]plan.Service, error) {
	var out []plan.Service
	seen := map[plan.Service]bool{}
	for _, v := range SplitList(vals) {
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
