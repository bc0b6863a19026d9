package supervisor

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
)

// holdOps is fakeOps with held endpoints and a device netifd may not
// have set up.
type holdOps struct {
	*fakeOps
	held    map[string]bool
	down    bool // netifd could not set the device up
	failing bool // ... but the handler's device exists meanwhile
	wanted  bool // netifd wants it up (autostart)
	ifups   []string
	history []string // "hold S", "release S"
}

func (h *holdOps) HeldEndpoints() (map[string]bool, error) {
	out := map[string]bool{}
	for s := range h.held {
		out[s] = true
	}
	return out, nil
}
func (h *holdOps) HoldEndpoint(sec string) error {
	h.held[sec] = true
	h.history = append(h.history, "hold "+sec)
	return nil
}
func (h *holdOps) ReleaseEndpoint(sec string) error {
	delete(h.held, sec)
	h.history = append(h.history, "release "+sec)
	return nil
}
func (h *holdOps) IfaceState(string) (bool, bool, error) {
	return !h.down && !h.failing, h.wanted, nil
}
func (h *holdOps) IfUp(iface string) error { h.ifups = append(h.ifups, iface); return nil }
func (h *holdOps) LiveDevices() ([]*wgtypes.Device, error) {
	if h.down {
		return nil, nil
	}
	if h.failing {
		return []*wgtypes.Device{{Name: h.iface}}, nil // created, no peers yet
	}
	return h.fakeOps.LiveDevices()
}

func newHoldRig(n int) (*rig, *holdOps) {
	r := newRig(n)
	h := &holdOps{fakeOps: r.ops, held: map[string]bool{}}
	for i := range r.ops.targets {
		r.ops.targets[i].Section = r.ops.targets[i].Peer
	}
	r.s.Ops = h
	r.s.reload()
	return r, h
}

// At boot, before netifd: only the name that does not resolve is held,
// and the log names the peer, never its key.
func TestPrepareHoldsOnlyUnresolvable(t *testing.T) {
	r, h := newHoldRig(3)
	r.dns.set("p1.example.org", "")
	n, err := r.s.Prepare(context.Background(), time.Second)
	if err != nil || n != 1 {
		t.Fatalf("Prepare = %d, %v; want 1 held", n, err)
	}
	if diff := cmp.Diff([]string{"hold peer1"}, h.history); diff != "" {
		t.Errorf("holds (-want +got):\n%s", diff)
	}
	if len(r.logs) != 1 || !strings.Contains(r.logs[0], "wg0/peer1: p1.example.org:51820 does not resolve yet") {
		t.Errorf("log: %q", r.logs)
	}
	for _, l := range r.logs {
		if strings.Contains(l, key(1).String()) {
			t.Error("a key in the log")
		}
	}
}

// netifd set wg0 up with the held peer without an endpoint: nothing
// happens while the name fails; once it resolves the endpoint is set in
// the running device (an endpoint.changed from none) and the hold is
// released; the other peers are not touched.
func TestHeldEndpointSetOnceResolved(t *testing.T) {
	r, h := newHoldRig(3)
	h.held["peer1"] = true
	r.ops.peers[key(1)].Endpoint = nil
	r.ops.peers[key(1)].LastHandshakeTime = time.Time{}
	r.dns.set("p1.example.org", "")
	r.s.Tick(context.Background())
	r.step(time.Minute)
	if p := r.ops.takePushes(); len(p) != 0 || !h.held["peer1"] {
		t.Fatalf("name fails: pushed %v, held %v", p, h.held)
	}
	r.dns.set("p1.example.org", "198.51.100.7")
	r.s.Wan(context.Background(), "wan") // wan up: due now
	r.ops.takePushes()                   // its nudges
	r.step(time.Second)
	if diff := cmp.Diff([]string{"endpoint wg0/peer1 198.51.100.7:51820"}, r.ops.takePushes()); diff != "" {
		t.Errorf("pushes (-want +got):\n%s", diff)
	}
	if h.held["peer1"] || !slices.Contains(h.history, "release peer1") {
		t.Errorf("hold not released: %v", h.history)
	}
	if len(r.events) != 1 || r.events[0].Name != "endpoint.changed" || r.events[0].Data["from"] != "none" {
		t.Errorf("events: %+v", r.events)
	}
	r.step(time.Minute)
	if p := r.ops.takePushes(); len(p) != 0 {
		t.Errorf("after the release: pushed %v", p)
	}
}

// A held peer that found us by itself (a fresh handshake) keeps the
// endpoint it came from; the hold is released when the name resolves.
func TestHeldPeerWithSessionKeepsEndpoint(t *testing.T) {
	r, h := newHoldRig(2)
	h.held["peer1"] = true
	r.dns.set("p1.example.org", "198.51.100.7")
	r.s.Tick(context.Background())
	if p := r.ops.takePushes(); len(p) != 0 || h.held["peer1"] {
		t.Errorf("pushed %v, held %v", p, h.held)
	}
}

// An interface netifd could not set up (a later ifup, a respawned
// netifd) and wants up: its failing name is held and netifd asked again;
// one the user took down is held but not set up; a name that resolves
// while the interface is down releases its hold.
func TestStuckInterfaceHeldAndSetUp(t *testing.T) {
	r, h := newHoldRig(2)
	h.down, h.wanted = true, true
	r.dns.set("p1.example.org", "")
	r.s.Tick(context.Background())
	if diff := cmp.Diff([]string{"hold peer1"}, h.history); diff != "" {
		t.Errorf("holds (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"wg0"}, h.ifups); diff != "" {
		t.Errorf("ifups (-want +got):\n%s", diff)
	}
	h.wanted = false
	r.step(r.s.MaxBackoff)
	if len(h.ifups) != 1 {
		t.Errorf("ifup of an interface netifd does not want up: %v", h.ifups)
	}
	r.dns.set("p1.example.org", "198.51.100.7")
	r.step(r.s.MaxBackoff)
	if h.held["peer1"] {
		t.Errorf("hold kept after the name resolved: %v", h.history)
	}
}

// A hold left by a killed supervisor for a peer the configuration no
// longer has (or no longer names by host) is dropped.
func TestStaleHoldDropped(t *testing.T) {
	r, h := newHoldRig(1)
	h.held["gone"] = true
	r.s.Tick(context.Background())
	if diff := cmp.Diff([]string{"release gone"}, h.history); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// A name that keeps failing is logged once even though Go's DNS error
// text changes on every try (the socket's port is in it).
func TestChangingDNSErrorLoggedOnce(t *testing.T) {
	r := newRig(1)
	n := 0
	r.s.Resolve = func(context.Context, string) ([]netip.Addr, error) {
		n++
		return nil, &net.DNSError{Err: fmt.Sprintf("read udp [::1]:%d->[::1]:53: read: connection refused", 40000+n), Name: "p0.example.org", Server: "[::1]:53"}
	}
	r.ops.handshake(0, time.Time{})
	for i := 0; i < 5; i++ {
		r.step(r.s.MaxBackoff)
	}
	lines := 0
	for _, l := range r.logs {
		if strings.Contains(l, "cannot resolve") {
			lines++
		}
	}
	if n < 5 || lines != 1 {
		t.Errorf("%d look-ups, %d log lines; want >= 5 and 1:\n%s", n, lines, strings.Join(r.logs, "\n"))
	}
}

// A clean stop drops every hold: nobody would finish them.
func TestReleaseAllOnStop(t *testing.T) {
	r, h := newHoldRig(2)
	h.held["peer0"], h.held["peer1"] = true, true
	r.s.ReleaseAll()
	if len(h.held) != 0 {
		t.Errorf("held after stop: %v", h.held)
	}
}

// While netifd's handler fails, the device it created exists for seconds
// without peers: netifd (not the device) says wg0 is not up, so the
// failing name is held and netifd asked again; the resolvable peer is
// left to netifd.
func TestFailingSetupWithDeviceHeld(t *testing.T) {
	r, h := newHoldRig(2)
	h.failing, h.wanted = true, true
	r.dns.set("p1.example.org", "")
	r.s.Tick(context.Background())
	if diff := cmp.Diff([]string{"hold peer1"}, h.history); diff != "" {
		t.Errorf("holds (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"wg0"}, h.ifups); diff != "" {
		t.Errorf("ifups (-want +got):\n%s", diff)
	}
}
