package supervisor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"slices"
	"time"

	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"

	"github.com/wgowrt/wgowrt/internal/ops"
)

// Boot with unresolvable endpoints. Stock netifd fails a whole WireGuard
// interface while one peer's endpoint name does not resolve (both
// handlers; see internal/ops/hold.go), so the supervisor holds such a
// peer's endpoint back from netifd (a runtime delta in /var/state, never
// the user's /etc/config/network): netifd brings the interface up with
// every peer, the held one without an endpoint, and the supervisor sets
// that endpoint in the running device once the name resolves, then drops
// the hold. It holds at two moments:
//
//   - at boot, before netifd starts (`wgowrt supervise --boot`, run by
//     /etc/init.d/wgowrt-rollback at S15): every name that does not
//     resolve within BootBudget;
//   - on a tick, for an interface netifd wants up but could not set up
//     (a later `ifup`, a respawned netifd): its names that do not resolve,
//     then `ifup`.
//
// A hold lives in tmpfs: a reboot ends it, and a supervisor killed at any
// moment finds its holds on the next tick and finishes or drops them.

// BootBudget bounds the look-ups at boot: the network starts after it.
const BootBudget = 3 * time.Second

// Holder is what the supervisor needs of internal/ops to hold endpoints
// (an *ops.Ops; a test's Ops without it gets no holds).
type Holder interface {
	HeldEndpoints() (map[string]bool, error)
	HoldEndpoint(sec string) error
	ReleaseEndpoint(sec string) error
	IfaceState(iface string) (up, autostart bool, err error)
	IfUp(iface string) error
}

var _ Holder = (*ops.Ops)(nil)

// BootMain is `wgowrt supervise --boot`: hold, log, exit.
func BootMain(o *ops.Ops, stderr io.Writer) error {
	s := &Supervisor{Ops: o, Resolve: Resolve, Log: Syslog(stderr)}
	_, err := s.Prepare(context.Background(), BootBudget)
	return err
}

// Prepare holds back every host-name endpoint that does not resolve
// within budget (all of them share it) and returns how many it held.
func (s *Supervisor) Prepare(ctx context.Context, budget time.Duration) (int, error) {
	s.defaults()
	h, ok := s.Ops.(Holder)
	if !ok {
		return 0, nil
	}
	targets, err := s.Ops.EndpointTargets()
	if err != nil {
		return 0, fmt.Errorf("cannot read the configuration: %v", err)
	}
	ctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	n := 0
	for _, t := range targets {
		addrs, err := s.Resolve(ctx, t.Host)
		if err == nil && len(addrs) > 0 {
			continue
		}
		if err == nil {
			err = fmt.Errorf("no address")
		}
		if herr := h.HoldEndpoint(t.Section); herr != nil {
			s.Log(fmt.Sprintf("%s/%s: cannot hold back %s: %v", t.Iface, t.Peer, t.HostPort(), herr))
			continue
		}
		s.Log(fmt.Sprintf("%s/%s: %s does not resolve yet (%v); %s comes up without this endpoint, set once the name resolves",
			t.Iface, t.Peer, t.HostPort(), err, t.Iface))
		n++
	}
	return n, nil
}

// holds runs on every tick, before the endpoint checks: it drops holds
// the configuration no longer explains, finishes the holds of peers netifd
// has set up, and holds the failing names of an interface netifd could
// not set up. Whether netifd has set an interface up is netifd's to say
// (ubus), not the device's: a handler creates the device before it fails
// and deletes it only seconds later.
func (s *Supervisor) holds(ctx context.Context, running map[string]bool, live map[peerID]wgtypes.Peer, now time.Time) {
	h, ok := s.Ops.(Holder)
	if !ok {
		return
	}
	held, err := h.HeldEndpoints()
	if err != nil {
		s.Log("cannot read the held endpoints: " + err.Error())
		return
	}
	s.dropUnknown(h, held)
	ifs := map[string]*ifaceState{}
	for _, t := range s.targets {
		if ctx.Err() != nil {
			return // stopping: what is left waits for the next start
		}
		_, isLive := live[peerID{t.Iface, t.Key}]
		if isLive && !held[t.Section] {
			continue // the steady state: no question to netifd
		}
		st := ifs[t.Iface]
		if st == nil {
			st = &ifaceState{}
			st.up, st.autostart, err = h.IfaceState(t.Iface)
			if err != nil {
				st.up = running[t.Iface] // no ubus: the device is all we know
			}
			ifs[t.Iface] = st
		}
		switch {
		case st.up && held[t.Section]:
			s.finish(ctx, h, t, live, now)
		case !st.up && s.holdFailing(ctx, h, t, held[t.Section], now):
			st.stuck = true
		}
	}
	for iface, st := range ifs {
		if st.stuck && st.autostart {
			s.Log(iface + ": not up, its unresolvable endpoints held back; asking netifd to set it up")
			if err := h.IfUp(iface); err != nil {
				s.Log(fmt.Sprintf("%s: ifup: %v", iface, err))
			}
		}
	}
}

// ifaceState is what netifd said of an interface during one tick.
type ifaceState struct{ up, autostart, stuck bool }

// dropUnknown releases holds whose section is no longer a host-name peer.
func (s *Supervisor) dropUnknown(h Holder, held map[string]bool) {
	known := map[string]bool{}
	for _, t := range s.targets {
		known[t.Section] = true
	}
	for sec := range held {
		if !known[sec] {
			s.release(h, sec, sec+": hold dropped, the peer no longer has a host-name endpoint")
		}
	}
}

// holdFailing looks up t's name for an interface netifd has not set up
// (when its back-off allows): failing, the endpoint is held (it reports
// true: netifd may now set the interface up); resolving, a hold is
// dropped so that netifd's next setup uses the name.
func (s *Supervisor) holdFailing(ctx context.Context, h Holder, t ops.EndpointTarget, held bool, now time.Time) bool {
	st := s.state(peerID{t.Iface, t.Key})
	if now.Before(st.due) {
		return false
	}
	if _, ok := s.resolveDue(ctx, t, st, now); ok {
		if held {
			s.release(h, t.Section, fmt.Sprintf("%s/%s: %s resolves now, hold released", t.Iface, t.Peer, t.HostPort()))
		}
		return false
	}
	if !held {
		if err := h.HoldEndpoint(t.Section); err != nil {
			s.Log(fmt.Sprintf("%s/%s: cannot hold back %s: %v", t.Iface, t.Peer, t.HostPort(), err))
			return false
		}
		s.Log(fmt.Sprintf("%s/%s: %s does not resolve; endpoint held back so that %s can come up", t.Iface, t.Peer, t.HostPort(), t.Iface))
	}
	return true
}

// finish sets a held peer's endpoint in the running device once its name
// resolves (unless the peer already has a session: it found us), then
// drops the hold.
func (s *Supervisor) finish(ctx context.Context, h Holder, t ops.EndpointTarget, live map[peerID]wgtypes.Peer, now time.Time) {
	id := peerID{t.Iface, t.Key}
	addrs, ok := s.resolveDue(ctx, t, s.state(id), now)
	if !ok {
		return
	}
	p, isLive := live[id]
	switch {
	case !isLive:
		s.sync(t.Iface) // resolves the name and adds the peer
	case !p.LastHandshakeTime.IsZero() && now.Sub(p.LastHandshakeTime) < s.Stale:
	default:
		var cur netip.AddrPort
		if p.Endpoint != nil {
			cur = p.Endpoint.AddrPort()
			cur = netip.AddrPortFrom(cur.Addr().Unmap(), cur.Port())
		}
		if cur.Port() == t.Port && slices.Contains(addrs, cur.Addr()) {
			break
		}
		ep := netip.AddrPortFrom(addrs[0], t.Port)
		if err := s.Ops.SetEndpoint(t.Iface, t.Key, ep); err != nil {
			s.Log(fmt.Sprintf("%s/%s: cannot set endpoint %s: %v", t.Iface, t.Peer, ep, err))
			return // held still: tried again after the back-off
		}
		from := "none"
		if cur.IsValid() {
			from = cur.String()
		}
		s.event("endpoint.changed", id, map[string]string{"host": t.HostPort(), "from": from, "to": ep.String()})
	}
	s.release(h, t.Section, fmt.Sprintf("%s/%s: %s resolves now, hold released", t.Iface, t.Peer, t.HostPort()))
}

// ReleaseAll drops every hold when the supervisor stops cleanly (stopped
// or disabled; a kill leaves them for the respawned one): nobody would set
// those endpoints any more, so netifd's next setup of the interface must
// see the user's configuration again. Running interfaces are not touched.
func (s *Supervisor) ReleaseAll() {
	h, ok := s.Ops.(Holder)
	if !ok {
		return
	}
	held, err := h.HeldEndpoints()
	if err != nil {
		return
	}
	for sec := range held {
		s.release(h, sec, sec+": hold released, the supervisor stops")
	}
}

func (s *Supervisor) release(h Holder, sec, msg string) {
	if err := h.ReleaseEndpoint(sec); err != nil {
		s.Log(fmt.Sprintf("cannot release the hold on %s: %v", sec, err))
		return
	}
	s.Log(msg)
}

// errKey is what makes two look-up failures the same for logging once:
// Go's DNS errors carry the socket's ephemeral port and the server tried
// ("read udp [::1]:56050->[::1]:53: read: connection refused"), so their
// text changes on every try and a failing name was logged on every tick
// (seen in the qemu-system tier).
func errKey(err error) string {
	var de *net.DNSError
	if errors.As(err, &de) {
		return fmt.Sprintf("dns notfound=%v timeout=%v temporary=%v", de.IsNotFound, de.IsTimeout, de.IsTemporary)
	}
	return err.Error()
}
