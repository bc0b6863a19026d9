package supervisor

import (
	"context"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wgowrt/wgowrt/internal/ops"
)

var t0 = time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)

type rig struct {
	ops    *fakeOps
	dns    *fakeDNS
	clock  *FakeClock
	s      *Supervisor
	logs   []string
	events []Event
}

func newRig(n int) *rig {
	r := &rig{ops: newFakeOps(n), dns: &fakeDNS{addrs: map[string]netip.Addr{}}, clock: NewFakeClock(t0)}
	for i := 0; i < n; i++ {
		r.dns.addrs[r.ops.targets[i].Host] = netip.MustParseAddr("192.0.2.1")
		r.ops.handshake(i, t0.Add(-10*time.Second))
	}
	r.s = &Supervisor{Ops: r.ops, Clock: r.clock, Resolve: r.dns.resolve,
		Log: func(l string) { r.logs = append(r.logs, l) }, Notify: func(e Event) { r.events = append(r.events, e) }}
	r.s.defaults()
	r.s.reload()
	return r
}

// step advances the clock by d and ticks, as Run does on its timer.
func (r *rig) step(d time.Duration) {
	r.clock.Advance(d)
	r.s.Tick(context.Background())
}

// A peer whose name moves to a new address, after its handshake went
// stale, gets the new address pushed (with the default port), alone: the
// other peers are not touched.
func TestEndpointChangePushed(t *testing.T) {
	r := newRig(3)
	r.s.Tick(context.Background())
	if p := r.ops.takePushes(); len(p) != 0 {
		t.Fatalf("fresh handshakes, same addresses: pushed %v", p)
	}
	r.dns.set("p1.example.org", "198.51.100.7")
	r.ops.handshake(0, t0.Add(3*time.Minute))
	r.ops.handshake(2, t0.Add(3*time.Minute))
	r.step(3 * time.Minute) // peer1's handshake is 190 s old now
	want := []string{"endpoint wg0/peer1 198.51.100.7:51820"}
	if diff := cmp.Diff(want, r.ops.takePushes()); diff != "" {
		t.Fatalf("pushes (-want +got):\n%s", diff)
	}
	if len(r.events) != 2 || r.events[1].Name != "endpoint.changed" || r.events[1].Data["to"] != "198.51.100.7:51820" || r.events[1].Data["peer"] != "peer1" {
		t.Fatalf("events: %+v", r.events)
	}
	r.step(time.Hour)
	if p := r.ops.takePushes(); len(p) != 0 {
		t.Fatalf("address already pushed, pushed again: %v", p)
	}
}

// A name that does not resolve is retried with a doubling back-off,
// capped, and its failure logged once, not on every try.
func TestBackoff(t *testing.T) {
	r := newRig(1)
	r.dns.set("p0.example.org", "")
	r.step(3 * time.Minute)
	var at []time.Duration
	last := r.dns.lookups
	for i := 0; i < 120; i++ { // one hour in 30 s steps
		r.step(30 * time.Second)
		if r.dns.lookups != last {
			at = append(at, r.clock.Now().Sub(t0))
			last = r.dns.lookups
		}
	}
	// First try at 3 min, then +30 s, +60 s, +120 s, +240 s, +480 s, +600 s, …
	want := []time.Duration{210 * time.Second, 270 * time.Second, 390 * time.Second, 630 * time.Second, 1110 * time.Second, 1710 * time.Second, 2310 * time.Second, 2910 * time.Second, 3510 * time.Second}
	if diff := cmp.Diff(want, at); diff != "" {
		t.Errorf("look-up times (-want +got):\n%s", diff)
	}
	fails := 0
	for _, l := range r.logs {
		if strings.Contains(l, "cannot resolve") {
			fails++
		}
	}
	if fails != 1 {
		t.Errorf("%d failure lines logged, want 1: %q", fails, r.logs)
	}
}

// Handshake gained and lost become peer.up and peer.down, once each.
func TestPeerUpDown(t *testing.T) {
	r := newRig(2)
	r.ops.handshake(1, time.Time{})
	r.s.Tick(context.Background())
	r.ops.handshake(1, t0.Add(time.Minute))
	r.ops.handshake(0, t0.Add(time.Minute))
	r.step(time.Minute)
	r.step(time.Minute)
	r.ops.handshake(0, t0.Add(4*time.Minute))
	r.step(4 * time.Minute) // peer1's handshake is 5 min old
	var got []string
	for _, e := range r.events {
		if e.Name != "endpoint.changed" {
			got = append(got, e.Name+" "+e.Data["peer"])
		}
	}
	if diff := cmp.Diff([]string{"peer.up peer1", "peer.down peer1"}, got); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

// A wan event nudges the peers with a keepalive and makes every stale
// host-name peer due for re-resolving at once, whatever its back-off.
func TestWanNudgesAndResolves(t *testing.T) {
	r := newRig(2)
	r.dns.set("p0.example.org", "")
	r.step(3 * time.Minute)
	r.step(30 * time.Second) // back-off of peer0 now 60 s
	r.ops.takePushes()
	r.dns.set("p0.example.org", "203.0.113.9")
	r.s.Wan(context.Background(), "wan")
	r.s.Tick(context.Background())
	got := r.ops.takePushes()
	slices.Sort(got)
	want := []string{"endpoint wg0/peer0 203.0.113.9:51820", "nudge wg0/peer0", "nudge wg0/peer1"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("pushes (-want +got):\n%s", diff)
	}
}

// A host-name peer missing from the running device (its name did not
// resolve when the interface came up) is added by a sync once it
// resolves, and not before.
func TestJoinWhenResolvable(t *testing.T) {
	r := newRig(2)
	k := key(1)
	p := *r.ops.peers[k]
	delete(r.ops.peers, k)
	r.ops.syncAdds[k] = p
	r.dns.set("p1.example.org", "")
	r.s.Tick(context.Background())
	r.step(30 * time.Second)
	if p := r.ops.takePushes(); len(p) != 0 {
		t.Fatalf("unresolvable, pushed %v", p)
	}
	r.dns.set("p1.example.org", "192.0.2.1")
	r.step(time.Minute)
	if diff := cmp.Diff([]string{"sync wg0"}, r.ops.takePushes()); diff != "" {
		t.Errorf("pushes (-want +got):\n%s", diff)
	}
}

// Run sleeps between ticks: one timer pending at a time, no busy loop,
// and it ends with its context.
func TestRunIdle(t *testing.T) {
	r := newRig(2)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- r.s.Run(ctx, Signals{}) }()
	for i := 0; i < 100 && r.clock.Waiters() == 0; i++ {
		time.Sleep(time.Millisecond)
	}
	before := r.dns.lookups
	time.Sleep(20 * time.Millisecond)
	if r.clock.Waiters() != 1 || r.dns.lookups != before {
		t.Errorf("idle supervisor: %d timers, %d look-ups while the clock stood still", r.clock.Waiters(), r.dns.lookups-before)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// A tunnel's own ifup is not a wan event.
func TestWanIgnoresTunnels(t *testing.T) {
	r := newRig(1)
	r.s.Wan(context.Background(), "wg0")
	if p := r.ops.takePushes(); len(p) != 0 {
		t.Errorf("wg0 came up, pushed %v", p)
	}
}

func TestWanEventLine(t *testing.T) {
	for line, want := range map[string]string{
		`{ "network.interface": { "action": "ifup", "interface": "wan" } }`:      "wan",
		`{ "network.interface": { "action": "ifupdate", "interface": "wwan" } }`: "wwan",
		`{ "network.interface": { "action": "ifdown", "interface": "wan" } }`:    "",
		`{ "network.interface": { "action": "ifup", "interface": "loopback" } }`: "",
		`garbage`: "",
	} {
		got, ok := WanEvent([]byte(line))
		if !ok {
			got = ""
		}
		if got != want {
			t.Errorf("%s: got %q, want %q", line, got, want)
		}
	}
}

// A peer committed by a command (no procd trigger, no SIGHUP) is picked
// up at the next tick: the config stamp changed.
func TestConfigChangePickedUp(t *testing.T) {
	r := newRig(2)
	r.ops.mu.Lock()
	r.ops.targets = r.ops.targets[:1]
	r.ops.mu.Unlock()
	r.s.reload()
	r.dns.set("p1.example.org", "198.51.100.1")
	r.step(3 * time.Minute)
	r.ops.takePushes()
	r.ops.mu.Lock()
	r.ops.targets = append(r.ops.targets, ops.EndpointTarget{Iface: "wg0", Peer: "peer1", Key: key(1), Host: "p1.example.org", Port: 51820})
	r.ops.stamp = "new"
	r.ops.mu.Unlock()
	r.step(30 * time.Second)
	if diff := cmp.Diff([]string{"endpoint wg0/peer1 198.51.100.1:51820"}, r.ops.takePushes()); diff != "" {
		t.Errorf("pushes (-want +got):\n%s", diff)
	}
}

// TestStopsMidTick: SIGTERM (the run's context ending) during a tick that
// has many stale names to look up ends the tick at once: no further
// lookups, and the lookup it cut short is not logged as a failing name.
func TestStopsMidTick(t *testing.T) {
	r := newRig(20)
	r.s.Tick(context.Background())
	r.clock.Advance(3 * time.Minute) // every handshake stale: every name is looked up
	ctx, stop := context.WithCancel(context.Background())
	lookups := 0
	r.s.Resolve = func(c context.Context, host string) ([]netip.Addr, error) {
		lookups++
		stop() // SIGTERM arrives during the first lookup
		return nil, c.Err()
	}
	r.logs = nil
	r.s.Tick(ctx)
	if lookups != 1 {
		t.Errorf("%d lookups after SIGTERM came during the first (want 1)", lookups)
	}
	for _, l := range r.logs {
		if strings.Contains(l, "cannot resolve") {
			t.Errorf("a lookup cut short by SIGTERM logged as a failing name: %s", l)
		}
	}
}
