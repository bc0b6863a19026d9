package supervisor

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"

	"github.com/wgowrt/wgowrt/internal/ops"
)

// Tick looks at the running devices once: handshake gains and losses
// become events; host-name peers without a recent handshake are
// re-resolved (when their back-off allows) and a new address is pushed.
func (s *Supervisor) Tick(ctx context.Context) {
	s.defaults()
	if s.Ops.ConfigStamp() != s.stamp {
		s.reload() // a command committed peers
	}
	now := s.Clock.Now()
	devs, err := s.Ops.LiveDevices()
	if err != nil {
		s.Log("cannot read the WireGuard devices: " + err.Error())
		return
	}
	live := map[peerID]wgtypes.Peer{}
	running := map[string]bool{}
	for _, d := range devs {
		running[d.Name] = true
		for _, p := range d.Peers {
			id := peerID{d.Name, p.PublicKey}
			live[id] = p
			s.observe(id, p, now)
		}
	}
	s.writeMetrics(devs, now)
	s.checkExpiries(now)
	s.holds(ctx, running, live, now) // boot.go: endpoints held back from netifd
	synced := map[string]bool{}
	for _, t := range s.targets {
		if ctx.Err() != nil {
			return // SIGTERM: stop now, not after every peer (procd kills after 5 s)
		}
		if !running[t.Iface] {
			// netifd has not brought it up: its handler fails the whole
			// interface while one name does not resolve; holds (boot.go)
			// let it come up without that endpoint.
			continue
		}
		p, ok := live[peerID{t.Iface, t.Key}]
		if !ok {
			s.join(ctx, t, now, synced)
			continue
		}
		s.checkEndpoint(ctx, t, p, now)
	}
}

// observe turns a change of a peer's handshake state into an event.
func (s *Supervisor) observe(id peerID, p wgtypes.Peer, now time.Time) {
	active := !p.LastHandshakeTime.IsZero() && now.Sub(p.LastHandshakeTime) <= s.DownAfter
	st := s.state(id)
	if st.seen && active != st.active {
		name := "peer.down"
		if active {
			name = "peer.up"
		}
		s.event(name, id, map[string]string{})
	}
	st.seen, st.active = true, active
}

// checkEndpoint re-resolves a stale host-name peer and moves it to a new
// address.
func (s *Supervisor) checkEndpoint(ctx context.Context, t ops.EndpointTarget, p wgtypes.Peer, now time.Time) {
	st := s.state(peerID{t.Iface, t.Key})
	if !p.LastHandshakeTime.IsZero() && now.Sub(p.LastHandshakeTime) < s.Stale {
		st.backoff, st.due = 0, time.Time{}
		return
	}
	addrs, ok := s.resolveDue(ctx, t, st, now)
	if !ok {
		return
	}
	var cur netip.AddrPort
	if p.Endpoint != nil {
		cur = p.Endpoint.AddrPort()
		cur = netip.AddrPortFrom(cur.Addr().Unmap(), cur.Port())
	}
	if cur.Port() == t.Port && slices.Contains(addrs, cur.Addr()) {
		return
	}
	ep := netip.AddrPortFrom(addrs[0], t.Port)
	if err := s.Ops.SetEndpoint(t.Iface, t.Key, ep); err != nil {
		s.Log(fmt.Sprintf("%s/%s: cannot set endpoint %s: %v", t.Iface, t.Peer, ep, err))
		return
	}
	from := "none"
	if cur.IsValid() {
		from = cur.String()
	}
	s.event("endpoint.changed", peerID{t.Iface, t.Key}, map[string]string{"host": t.HostPort(), "from": from, "to": ep.String()})
}

// join adds a configured host-name peer that the running device lacks
// (its name did not resolve when the interface came up) once the name
// resolves: sync resolves and upserts it, leaving the others alone.
func (s *Supervisor) join(ctx context.Context, t ops.EndpointTarget, now time.Time, synced map[string]bool) {
	st := s.state(peerID{t.Iface, t.Key})
	if _, ok := s.resolveDue(ctx, t, st, now); !ok || synced[t.Iface] {
		return
	}
	synced[t.Iface] = true
	s.Log(fmt.Sprintf("%s/%s: %s resolves now, adding the peer", t.Iface, t.Peer, t.HostPort()))
	s.sync(t.Iface)
}

// resolveDue resolves t's host when its back-off allows, doubling the
// back-off (Interval up to MaxBackoff) each time; a failure is logged
// once until it changes.
func (s *Supervisor) resolveDue(ctx context.Context, t ops.EndpointTarget, st *peerState, now time.Time) ([]netip.Addr, bool) {
	if now.Before(st.due) {
		return nil, false
	}
	st.backoff = min(max(2*st.backoff, s.Interval), s.MaxBackoff)
	st.due = now.Add(st.backoff)
	rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	addrs, err := s.Resolve(rctx, t.Host)
	if err == nil && len(addrs) == 0 {
		err = fmt.Errorf("no address")
	}
	if err != nil && ctx.Err() != nil {
		return nil, false // stopping: the name did not fail, the lookup was cut short
	}
	if err != nil {
		if msg := errKey(err); msg != st.lastErr {
			s.Log(fmt.Sprintf("%s/%s: cannot resolve %s (%v); retrying, at most every %s", t.Iface, t.Peer, t.HostPort(), err, s.MaxBackoff))
			st.lastErr = msg
		}
		return nil, false
	}
	st.lastErr = ""
	for i := range addrs {
		addrs[i] = addrs[i].Unmap()
	}
	return addrs, true
}

// Wan reacts to a wan interface coming up or changing: every host-name
// peer is due for re-resolving now, and every peer with a persistent
// keepalive is nudged into a handshake rather than waiting for its timer.
func (s *Supervisor) Wan(ctx context.Context, iface string) {
	s.defaults()
	devs, err := s.Ops.LiveDevices()
	if err != nil {
		return
	}
	for _, d := range devs {
		if d.Name == iface {
			return // a tunnel of ours coming up is not a wan event
		}
	}
	s.Log("wan event on " + iface + ": re-resolving endpoints and nudging peers")
	for _, st := range s.peers {
		st.due, st.backoff = time.Time{}, 0
	}
	for _, d := range devs {
		for _, p := range d.Peers {
			if p.PersistentKeepaliveInterval > 0 && p.Endpoint != nil {
				if err := s.Ops.Nudge(d.Name, p.PublicKey, p.PersistentKeepaliveInterval); err != nil {
					s.Log(fmt.Sprintf("%s: cannot nudge %s: %v", d.Name, s.name(peerID{d.Name, p.PublicKey}), err))
				}
			}
		}
	}
}

// event logs one line and publishes it.
func (s *Supervisor) event(name string, id peerID, data map[string]string) {
	data["interface"] = id.iface
	data["peer"] = s.name(id)
	line := fmt.Sprintf("%s %s/%s", name, id.iface, data["peer"])
	if to := data["to"]; to != "" {
		line += fmt.Sprintf(" %s: %s -> %s", data["host"], data["from"], to)
	}
	s.Log(line)
	if s.Notify != nil {
		s.Notify(Event{Name: name, Data: data})
	}
}

// name is a peer's configured name, never its key.
func (s *Supervisor) name(id peerID) string {
	if n, ok := s.names[id.key]; ok {
		if rest, found := strings.CutPrefix(n, id.iface+"/"); found {
			return rest
		}
		return n
	}
	return "(unknown peer)"
}
