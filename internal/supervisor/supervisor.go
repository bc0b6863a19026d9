// Package supervisor is `wgowrt supervise`, the on-router service (a procd
// instance): it keeps tunnels whose peers are named by host (dynamic DNS)
// working when the name moves to another address, re-resolves and nudges
// them when wan comes back, pushes committed peers into the running
// devices when the network config changes (procd's reload trigger sends
// it SIGHUP), and tells other software when a peer gains or loses its
// handshake; and it disables peers whose expiry has passed (expiry.go).
// It is a front-end over internal/ops: every read and push is an ops use
// case.
//
// It wakes on a timer (Interval, 30 s by default), on a wan event and on
// a reload; between those it sleeps. Per peer it keeps only a back-off
// and the last state seen, so its memory does not grow with time.
package supervisor

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"

	"github.com/wgowrt/wgowrt/internal/ops"
)

// Defaults.
const (
	DefaultInterval   = 30 * time.Second
	DefaultStale      = 150 * time.Second // past WireGuard's 2-minute rekey: the session is gone
	DefaultMaxBackoff = 10 * time.Minute
)

// Ops is what the supervisor needs of internal/ops (an *ops.Ops).
type Ops interface {
	EndpointTargets() ([]ops.EndpointTarget, error)
	PeerNames() (map[wgtypes.Key]string, error)
	LiveDevices() ([]*wgtypes.Device, error)
	SetEndpoint(iface string, key wgtypes.Key, ep netip.AddrPort) error
	Nudge(iface string, key wgtypes.Key, ka time.Duration) error
	Sync(iface string) ([]ops.SyncIface, error)
	ConfigStamp() string
}

var _ Ops = (*ops.Ops)(nil)

// Event is something other software may want to know: Name is
// peer.up, peer.down or endpoint.changed (published as wgowrt.NAME).
type Event struct {
	Name string
	Data map[string]string
}

// Supervisor holds the configuration and the per-peer state.
type Supervisor struct {
	Ops   Ops
	Clock Clock
	// Resolve looks a host name up (all its addresses).
	Resolve func(ctx context.Context, host string) ([]netip.Addr, error)
	// Log writes one line to syslog.
	Log func(string)
	// Notify publishes an event (ubus, hotplug.d); nil: none.
	Notify   func(Event)
	Interval time.Duration
	// Stale is the handshake age past which a host-name endpoint is
	// re-resolved.
	Stale      time.Duration
	MaxBackoff time.Duration
	// DownAfter is the handshake age at which a peer is down.
	DownAfter time.Duration
	// MetricsFile, when set, is rewritten on every tick (Prometheus
	// text format).
	MetricsFile   string
	metricsFailed bool
	// ClockCheck says why the clock cannot be believed for peer expiries
	// yet ("" when it can); nil is SystemClockCheck (expiry.go).
	ClockCheck func(now time.Time) string
	expiry     expiryState

	targets []ops.EndpointTarget
	stamp   string
	names   map[wgtypes.Key]string
	peers   map[peerID]*peerState
}

type peerID struct {
	iface string
	key   wgtypes.Key
}

type peerState struct {
	seen    bool
	active  bool
	due     time.Time // next re-resolve
	backoff time.Duration
	lastErr string
}

// Signals are what wakes the supervisor besides its timer.
type Signals struct {
	// Wan carries the name of a non-WireGuard interface that came up or
	// changed (network.interface ifup/ifupdate).
	Wan <-chan string
	// Reload means the network config changed: sync and re-read targets.
	Reload <-chan struct{}
}

// Run supervises until ctx ends.
func (s *Supervisor) Run(ctx context.Context, sig Signals) error {
	s.defaults()
	s.reload()
	for {
		s.Tick(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-s.Clock.After(s.nextWake()):
		case iface := <-sig.Wan:
			s.Wan(ctx, iface)
		case <-sig.Reload:
			s.reload()
		}
	}
}

func (s *Supervisor) defaults() {
	if s.Interval <= 0 {
		s.Interval = DefaultInterval
	}
	if s.Stale <= 0 {
		s.Stale = DefaultStale
	}
	if s.DownAfter <= 0 {
		s.DownAfter = ops.ActiveWithin
	}
	if s.MaxBackoff <= 0 {
		s.MaxBackoff = DefaultMaxBackoff
	}
	if s.Clock == nil {
		s.Clock = RealClock{}
	}
	if s.peers == nil {
		s.peers = map[peerID]*peerState{}
	}
	if s.Log == nil {
		s.Log = func(string) {}
	}
}

// reload re-reads the host-name peers and names (the init script has
// just run `wgowrt sync` for the new configuration).
func (s *Supervisor) reload() {
	s.stamp = s.Ops.ConfigStamp()
	t, err := s.Ops.EndpointTargets()
	if err != nil {
		s.Log("cannot read the configuration: " + err.Error())
		return
	}
	s.targets = t
	if n, err := s.Ops.PeerNames(); err == nil {
		s.names = n
	}
	s.forget()
}

// forget drops the state of peers no longer configured, so that adding
// and removing peers forever does not grow the map.
func (s *Supervisor) forget() {
	for id := range s.peers {
		if _, ok := s.names[id.key]; !ok {
			delete(s.peers, id)
		}
	}
}

func (s *Supervisor) sync(iface string) {
	res, err := s.Ops.Sync(iface)
	if err != nil {
		s.Log("sync: " + err.Error())
		return
	}
	for _, r := range res {
		for _, m := range r.Applied {
			s.Log(m)
		}
		if r.Err != nil {
			s.Log(fmt.Sprintf("sync %s: %v", r.Name, r.Err))
		}
	}
}

func (s *Supervisor) state(id peerID) *peerState {
	p := s.peers[id]
	if p == nil {
		p = &peerState{}
		s.peers[id] = p
	}
	return p
}
