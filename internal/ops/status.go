package ops

import (
	"slices"
	"sort"
	"time"

	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"

	"github.com/wgowrt/wgowrt/internal/plan"
	"github.com/wgowrt/wgowrt/internal/wgdev"
)

// ActiveWithin is how recent a handshake must be for a peer to count as
// active: WireGuard re-handshakes every 2 minutes while traffic flows and
// rejects sessions older than 180 s.
const ActiveWithin = 180 * time.Second

// IfaceStatus is one WireGuard interface, running or configured. The
// field names are those of `status --json` and the rpcd status answer,
// which both front-ends encode from this type.
type IfaceStatus struct {
	Name       string `json:"name"`
	PublicKey  string `json:"public_key"`
	ListenPort int    `json:"listen_port"`
	Running    bool   `json:"running"`
	// Error says why a device that exists could not be read (a UAPI
	// socket left behind by a dead userspace process refuses connections).
	Error string       `json:"error,omitempty"`
	Peers []PeerStatus `json:"peers"`
}

// PeerStatus is one peer, live or only configured.
type PeerStatus struct {
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
	// Expires is when the peer stops (RFC 3339, UTC); State is "expired"
	// once the supervisor disabled it for that.
	Expires string `json:"expires,omitempty"`
	// EndpointHeld says the supervisor holds the peer's endpoint back
	// from netifd because its name does not resolve yet (hold.go): the
	// device has no endpoint for it until the name resolves, when the
	// supervisor sets it. EndpointHost is then the configured name.
	EndpointHeld bool   `json:"endpoint_held,omitempty"`
	EndpointHost string `json:"endpoint_host,omitempty"`
}

// StatusResult joins the running devices with the configuration.
type StatusResult struct {
	// State is the configuration read (for roles, addresses).
	State      plan.State
	Interfaces []IfaceStatus
	// OpenErr (the device client cannot be opened) or ListErr (devices
	// cannot be listed) say why Interfaces shows the configuration alone.
	OpenErr, ListErr error
}

// Status reads the running WireGuard devices and joins them with UCI as
// session sees it.
func (o *Ops) Status(session string) (*StatusResult, error) {
	st, unlock, err := o.read(session)
	if err != nil {
		return nil, err
	}
	unlock()
	res := &StatusResult{State: st}
	var devs []*wgtypes.Device
	var bad map[string]error
	if cl, err := o.Deps.Devices(); err != nil {
		res.OpenErr = err
	} else {
		defer cl.Close()
		devs, bad, res.ListErr = wgdev.Partial(cl.Devices())
	}
	res.Interfaces = markUnreadable(JoinStatus(st, devs, o.Deps.Now()), bad)
	// An unreadable /var/state/network shows no hold: the supervisor,
	// which writes it, logs that it cannot read it.
	held, _ := o.HeldEndpoints()
	markHeld(st, res.Interfaces, held)
	return res, nil
}

// markHeld marks the peers whose endpoint the supervisor holds back (a
// hold line for their section) and that have no endpoint in the device:
// one with an endpoint is being released (the supervisor sets the
// endpoint, then drops the line).
func markHeld(st plan.State, ifs []IfaceStatus, held map[string]bool) {
	if len(held) == 0 {
		return
	}
	for i := range ifs {
		host := map[string]string{}
		for _, p := range plan.ReadPeers(st, ifs[i].Name) {
			if held[p.Section] && !p.Disabled {
				host[p.Section] = endpointHost(p.Endpoint)
			}
		}
		for j := range ifs[i].Peers {
			p := &ifs[i].Peers[j]
			if h := host[p.Section]; h != "" && p.Endpoint == "" {
				p.EndpointHeld, p.EndpointHost = true, h
			}
		}
	}
}

// markUnreadable gives each device in bad its error, adding those that
// UCI does not know.
func markUnreadable(ifs []IfaceStatus, bad map[string]error) []IfaceStatus {
	for name, err := range bad {
		i := slices.IndexFunc(ifs, func(is IfaceStatus) bool { return is.Name == name })
		if i < 0 {
			ifs = append(ifs, IfaceStatus{Name: name, Peers: []PeerStatus{}})
			i = len(ifs) - 1
		}
		ifs[i].Error = err.Error()
	}
	sort.SliceStable(ifs, func(i, j int) bool { return ifs[i].Name < ifs[j].Name })
	return ifs
}

// JoinStatus merges live devices with the UCI interfaces and peers: live
// peers get their UCI names; UCI peers missing from the device show as
// absent (or disabled), UCI interfaces without a device as not running.
func JoinStatus(st plan.State, devs []*wgtypes.Device, now time.Time) []IfaceStatus {
	var out []IfaceStatus
	seen := map[string]bool{}
	for _, d := range devs {
		seen[d.Name] = true
		out = append(out, deviceStatus(st, d, now))
	}
	for _, s := range st.Network.SectionsOfType("interface") {
		if v, _ := s.Get("proto"); v == "wireguard" && !seen[s.Name] {
			is := IfaceStatus{Name: s.Name, Peers: []PeerStatus{}}
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

func deviceStatus(st plan.State, d *wgtypes.Device, now time.Time) IfaceStatus {
	is := IfaceStatus{Name: d.Name, PublicKey: d.PublicKey.String(), ListenPort: d.ListenPort, Running: true, Peers: []PeerStatus{}}
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

func livePeer(p wgtypes.Peer, u plan.Peer, now time.Time) PeerStatus {
	ps := PeerStatus{Name: u.Name, Section: u.Section, PublicKey: p.PublicKey.String(), RxBytes: p.ReceiveBytes,
		TxBytes: p.TransmitBytes, AllowedIPs: []string{}, KeepaliveInterval: int(p.PersistentKeepaliveInterval / time.Second),
		Expires: u.Expires}
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
		if now.Sub(p.LastHandshakeTime) <= ActiveWithin {
			ps.State = "active"
		}
	}
	return ps
}

// configuredOnly lists UCI peers of iface that the device does not have.
func configuredOnly(st plan.State, iface string, live map[string]bool) []PeerStatus {
	var out []PeerStatus
	for _, p := range plan.ReadPeers(st, iface) {
		if live[p.PublicKey] {
			continue
		}
		state := "absent"
		if p.Disabled {
			state = "disabled"
		}
		if p.Disabled && p.Expired != "" {
			state = "expired"
		}
		ips := p.AllowedIPs
		if ips == nil {
			ips = []string{}
		}
		out = append(out, PeerStatus{Name: p.Name, Section: p.Section, PublicKey: p.PublicKey, AllowedIPs: ips, State: state, Expires: p.Expires})
	}
	return out
}
