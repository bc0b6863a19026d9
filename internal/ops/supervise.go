package ops

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"time"

	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"

	"github.com/wgowrt/wgowrt/internal/plan"
	"github.com/wgowrt/wgowrt/internal/system"
	"github.com/wgowrt/wgowrt/internal/wg"
	"github.com/wgowrt/wgowrt/internal/wgdev"
)

// The use cases of the on-router supervisor (`wgowrt supervise`): which
// peers name their endpoint by host, what the running devices look like,
// and the two single-peer pushes it makes. Each push touches one peer with
// UpdateOnly, so the sessions of the others, and the peer's own keys and
// allowed IPs, are left as they are; none takes the configuration lock
// (the supervisor must not wait behind a command, and a one-peer endpoint
// update cannot conflict with a plan: the next sync rewrites peers whole).

// SuperviseOptions are the supervisor's settings (`wgowrt supervise`
// flags; the init script takes them from /etc/config/wgowrt).
type SuperviseOptions struct {
	// Interval is how often the handshakes are looked at.
	Interval time.Duration
	// Stale is the handshake age past which a host-name endpoint is
	// re-resolved.
	Stale time.Duration
	// MaxBackoff is the longest pause between look-ups of one name.
	MaxBackoff time.Duration
	// DownAfter is the handshake age at which a peer counts as down
	// (peer.down); ActiveWithin by default, as `status` counts it.
	DownAfter time.Duration
	// MetricsFile is where per-peer metrics are written ("" = none).
	MetricsFile string
	// Boot holds back the endpoints whose names do not resolve yet, once,
	// before netifd starts (internal/supervisor/boot.go).
	Boot bool
}

// EndpointTarget is a peer whose configured endpoint is a host name.
type EndpointTarget struct {
	Iface string
	// Peer is the peer's name (description or section), for logs: the
	// supervisor never logs a key.
	Peer string
	// Section is the peer's UCI section (held endpoints are per section).
	Section string
	Key     wgtypes.Key
	Host    string
	// Port is endpoint_port, 51820 when unset (as netifd's handler).
	Port      uint16
	Keepalive time.Duration
}

// HostPort is the configured endpoint as written, for logs.
func (t EndpointTarget) HostPort() string {
	return net.JoinHostPort(t.Host, strconv.Itoa(int(t.Port)))
}

// EndpointTargets lists the enabled peers of every enabled WireGuard
// interface whose endpoint is a host name, from the committed
// configuration.
func (o *Ops) EndpointTargets() ([]EndpointTarget, error) {
	st, unlock, err := o.read("")
	if err != nil {
		return nil, err
	}
	unlock()
	var out []EndpointTarget
	for _, iface := range syncTargets(st.Network, "") {
		hosts := system.EndpointHosts(st.Network, iface)
		for _, p := range plan.ReadPeers(st, iface) {
			k, err := wg.ParseKey(p.PublicKey)
			hp, ok := hosts[wgtypes.Key(k)]
			if err != nil || !ok || p.Disabled {
				continue
			}
			host, port, _ := net.SplitHostPort(hp)
			n, err := strconv.ParseUint(port, 10, 16)
			if err != nil || n == 0 {
				continue
			}
			ka := 0
			if sec := st.Network.Section(p.Section); sec != nil {
				v, _ := sec.Get("persistent_keepalive")
				ka, _ = strconv.Atoi(v)
			}
			out = append(out, EndpointTarget{Iface: iface, Peer: p.Name, Section: p.Section, Key: wgtypes.Key(k), Host: host,
				Port: uint16(n), Keepalive: time.Duration(ka) * time.Second})
		}
	}
	return out, nil
}

// PeerNames maps each configured peer's public key to its name, for
// events and logs about peers without a host-name endpoint.
func (o *Ops) PeerNames() (map[wgtypes.Key]string, error) {
	st, unlock, err := o.read("")
	if err != nil {
		return nil, err
	}
	unlock()
	out := map[wgtypes.Key]string{}
	for _, iface := range syncTargets(st.Network, "") {
		for _, p := range plan.ReadPeers(st, iface) {
			if k, err := wg.ParseKey(p.PublicKey); err == nil {
				out[wgtypes.Key(k)] = iface + "/" + p.Name
			}
		}
	}
	return out, nil
}

// LiveDevices reads every running WireGuard device. A device that cannot
// be read (a stale UAPI socket) is left out rather than hiding the others;
// `wgowrt status` names it.
func (o *Ops) LiveDevices() ([]*wgtypes.Device, error) {
	cl, err := o.Deps.Devices()
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	devs, _, err := wgdev.Partial(cl.Devices())
	return devs, err
}

// SetEndpoint points one running peer at ep, leaving everything else of
// it and of the other peers as it is.
func (o *Ops) SetEndpoint(iface string, key wgtypes.Key, ep netip.AddrPort) error {
	pc := wgtypes.PeerConfig{PublicKey: key, UpdateOnly: true, Endpoint: net.UDPAddrFromAddrPort(ep)}
	return o.configurePeers(iface, pc)
}

// Nudge makes the device send a keepalive to the peer now, which starts a
// handshake when its session is gone: WireGuard sends one when persistent
// keepalive is switched on, so it is set to 0 and back to ka.
func (o *Ops) Nudge(iface string, key wgtypes.Key, ka time.Duration) error {
	if ka <= 0 {
		return fmt.Errorf("no persistent keepalive to nudge with")
	}
	zero := time.Duration(0)
	off := wgtypes.PeerConfig{PublicKey: key, UpdateOnly: true, PersistentKeepaliveInterval: &zero}
	on := wgtypes.PeerConfig{PublicKey: key, UpdateOnly: true, PersistentKeepaliveInterval: &ka}
	if err := o.configurePeers(iface, off); err != nil {
		return err
	}
	return o.configurePeers(iface, on)
}

func (o *Ops) configurePeers(iface string, pcs ...wgtypes.PeerConfig) error {
	cl, err := o.Deps.Devices()
	if err != nil {
		return err
	}
	defer cl.Close()
	return cl.ConfigureDevice(iface, wgtypes.Config{Peers: pcs})
}

// ConfigStamp changes whenever the committed network config is replaced
// (its modification time and size): commands commit without procd's
// reload trigger, so the supervisor looks at it on every tick.
func (o *Ops) ConfigStamp() string {
	fi, err := os.Stat(o.Path("/etc/config/network"))
	if err != nil {
		return ""
	}
	return fmt.Sprint(fi.ModTime().UnixNano(), fi.Size())
}
