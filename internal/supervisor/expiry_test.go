package supervisor

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"

	"github.com/wgowrt/wgowrt/internal/ops"
	"github.com/wgowrt/wgowrt/internal/plan"
	"github.com/wgowrt/wgowrt/internal/wg"
	"github.com/wgowrt/wgowrt/internal/wgdev"
)

// expiryRig is a router under a temporary root (the sample router's
// /etc/config) with a server, a guest peer that expires and a neighbour
// that does not, both running in a fake device; its ops are the real
// ones, its clock and device fake.
type expiryRig struct {
	root   string
	o      *ops.Ops
	dev    *wgdev.Fake
	clock  *FakeClock
	s      *Supervisor
	logs   []string
	events []Event
	guest  wgtypes.Key
	nb     wgtypes.Key
}

func newExpiryRig(t *testing.T, start time.Time, expires, dur string) *expiryRig {
	t.Helper()
	r := &expiryRig{root: t.TempDir(), clock: NewFakeClock(start)}
	copyDir(t, "../../examples/router/etc", filepath.Join(r.root, "etc"))
	r.dev = wgdev.NewFake(&wgtypes.Device{Name: "wg0", ListenPort: 51820})
	r.o = ops.New(r.root)
	r.o.Deps.Now = r.clock.Now
	r.o.Deps.Getenv = func(string) string { return "" }
	r.o.Deps.Devices = func() (wgdev.Client, error) { return r.dev, nil }
	if _, err := r.o.ServerInit(ops.ServerInit{Intent: plan.ServerIntent{Iface: "wg0"}}); err != nil {
		t.Fatal(err)
	}
	// From now on the router runs (without ubus: peer changes only).
	r.o.Deps.Live = func(string) *ops.Live {
		return &ops.Live{Dev: func() (wgdev.Client, error) { return r.dev, nil }}
	}
	show := func(wg.ClientConfig) error { return nil }
	if _, err := r.o.PeerAdd(ops.PeerAdd{Intent: plan.PeerIntent{Name: "guest"}, Show: show, Expires: expires, For: dur}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.o.PeerAdd(ops.PeerAdd{Intent: plan.PeerIntent{Name: "neighbour"}, Show: show}); err != nil {
		t.Fatal(err)
	}
	r.guest, r.nb = r.key(t, "guest"), r.key(t, "neighbour")
	r.s = &Supervisor{Ops: r.o, Clock: r.clock, Resolve: (&fakeDNS{}).resolve,
		Log: func(l string) { r.logs = append(r.logs, l) }, Notify: func(e Event) { r.events = append(r.events, e) },
		ClockCheck: func(time.Time) string { return "" }}
	r.s.defaults()
	r.s.reload()
	return r
}

func (r *expiryRig) key(t *testing.T, name string) wgtypes.Key {
	st, _, err := r.o.Read("", "wg0")
	if err != nil {
		t.Fatal(err)
	}
	p, ok := plan.FindPeer(st, "wg0", name)
	k, err := wg.ParseKey(p.PublicKey)
	if !ok || err != nil {
		t.Fatalf("peer %s: %v", name, err)
	}
	return wgtypes.Key(k)
}

func (r *expiryRig) step(d time.Duration) {
	r.clock.Advance(d)
	r.s.Tick(context.Background())
}

// live says which of guest and neighbour the running device has.
func (r *expiryRig) live(t *testing.T) (guest, nb bool) {
	d, err := r.dev.Device("wg0")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range d.Peers {
		guest = guest || p.PublicKey == r.guest
		nb = nb || p.PublicKey == r.nb
	}
	return guest, nb
}

func (r *expiryRig) file(t *testing.T, name string) string {
	b, err := os.ReadFile(filepath.Join(r.root, "etc/config", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// At its expiry (and not before) the guest is disabled in UCI, marked
// expired, removed from the running device with one peer change that
// names only it, logged in one line and announced once; enabling it
// again is refused until it gets a new expiry, which enables it.
func TestPeerExpires(t *testing.T) {
	start := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	r := newExpiryRig(t, start, "", "90s")
	r.step(60 * time.Second)
	if g, n := r.live(t); !g || !n || len(r.events) != 0 {
		t.Fatalf("before the expiry: guest live %v, neighbour live %v, events %v", g, n, r.events)
	}
	configs := len(r.dev.Configs)
	r.step(30 * time.Second)
	if g, n := r.live(t); g || !n {
		t.Fatalf("at the expiry: guest live %v (want false), neighbour live %v (want true)", g, n)
	}
	for _, c := range r.dev.Configs[configs:] {
		if len(c.Config.Peers) != 1 || c.Config.Peers[0].PublicKey != r.guest || !c.Config.Peers[0].Remove || c.Config.ReplacePeers {
			t.Errorf("device change %+v: want only the guest removed", c.Config)
		}
	}
	net, notes := r.file(t, "network"), r.file(t, "wgowrt")
	if !strings.Contains(net, "option description 'guest'\n") || strings.Count(net, "option disabled '1'") != 1 {
		t.Errorf("network: want the guest (only) disabled:\n%s", net)
	}
	if !strings.Contains(notes, "option expired '2026-11-26T10:01:30Z'") || !strings.Contains(notes, "option expires '2026-11-26T10:01:30Z'") {
		t.Errorf("wgowrt: want expires and expired on the guest:\n%s", notes)
	}
	if len(r.events) != 1 || r.events[0].Name != "peer.expired" || r.events[0].Data["peer"] != "guest" || r.events[0].Data["expires"] != "2026-11-26T10:01:30Z" {
		t.Errorf("events %+v: want one peer.expired of guest", r.events)
	}
	if got := grep(r.logs, "expired"); len(got) != 1 || got[0] != "peer.expired wg0/guest" {
		t.Errorf("log lines about the expiry: %q", got)
	}
	r.step(30 * time.Second)
	r.step(30 * time.Second)
	if len(r.events) != 1 {
		t.Errorf("later ticks announced it again: %+v", r.events)
	}
	_, err := r.o.PeerEdit(ops.PeerEdit{Name: "guest", Verb: "enable"})
	var ee *plan.ExpiredError
	if !errors.As(err, &ee) || !strings.Contains(err.Error(), "peer set guest --expires") {
		t.Fatalf("peer enable of the expired guest: %v; want the refusal asking for a new expiry", err)
	}
	if _, err := r.o.PeerSet(ops.PeerSet{Intent: plan.PeerSetIntent{Name: "guest"}, For: "1h"}); err != nil {
		t.Fatal(err)
	}
	r.step(30 * time.Second)
	if g, n := r.live(t); !g || !n || strings.Contains(r.file(t, "network"), "disabled") || strings.Contains(r.file(t, "wgowrt"), "expired") {
		t.Errorf("after peer set --for 1h: guest live %v, neighbour %v; want both, and no disabled/expired left", g, n)
	}
	r.step(time.Hour)
	if g, _ := r.live(t); g || len(r.events) != 2 {
		t.Errorf("the new expiry passed: guest live %v, events %d (want false, 2)", g, len(r.events))
	}
}

// A clock that is not believed holds expiries back: a clock ahead of the
// real time at boot (sysntpd enabled, no synchronisation yet) does not
// cut the guest off early, a clock stepped back to 1970 neither (nor
// is such a clock believed); once NTP has synchronised and the real time passes the
// expiry, it is acted on.
func TestPeerExpiryWaitsForTheClock(t *testing.T) {
	start := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	r := newExpiryRig(t, start, "2026-11-26T12:00:00Z", "")
	sys := t.TempDir()
	path := func(p string) string { return filepath.Join(sys, p) }
	write(t, path("/etc/rc.d/S98sysntpd"), "")
	write(t, path("/proc/uptime"), "35.20 60.11\n")
	r.s.ClockCheck = SystemClockCheck(path)
	r.step(3 * time.Hour) // the boot clock is ahead: 13:00
	if g, _ := r.live(t); !g || len(grep(r.logs, "sysntpd has not synchronised")) != 1 {
		t.Fatalf("unsynchronised clock ahead: guest live %v; logs %q", g, r.logs)
	}
	r.step(30 * time.Second)
	if n := len(grep(r.logs, "wait")); n != 1 {
		t.Errorf("the wait was logged %d times, want once", n)
	}
	write(t, path("/var/state/dnsmasqsec"), "ntpd says time is valid\n") // ntpd synchronised...
	r.clock.Advance(-3 * time.Hour)                                      // ...and stepped the clock back to 10:00
	r.step(time.Hour)
	if g, _ := r.live(t); !g {
		t.Fatalf("synchronised at 11:00: the guest expires at 12:00, but was cut off")
	}
	r.clock = NewFakeClock(time.Date(1970, 1, 1, 0, 1, 0, 0, time.UTC))
	r.s.Clock = r.clock
	r.step(time.Minute)
	if g, _ := r.live(t); !g {
		t.Fatalf("clock at 1970: the guest was cut off")
	}
	if why := r.s.ClockCheck(r.clock.Now()); !strings.Contains(why, "before this wgowrt was built") {
		t.Errorf("clock check at 1970: %q", why)
	}
	r.clock = NewFakeClock(time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC))
	r.s.Clock = r.clock
	r.step(0)
	if g, n := r.live(t); g || !n {
		t.Errorf("synchronised clock at the expiry: guest live %v (want false), neighbour %v", g, n)
	}
}

func grep(lines []string, s string) []string {
	var out []string
	for _, l := range lines {
		if strings.Contains(l, s) {
			out = append(out, l)
		}
	}
	return out
}

func write(t *testing.T, p, s string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.Walk(from, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if fi.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), b, fi.Mode().Perm())
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Run wakes at an expiry that comes before its next interval.
func TestPeerExpiryWakesRun(t *testing.T) {
	start := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	r := newExpiryRig(t, start, "", "45s")
	r.s.Interval = time.Minute
	r.s.Tick(context.Background())
	if got := r.s.nextWake(); got != 45*time.Second {
		t.Errorf("next wake with the guest expiring in 45 s: %s", got)
	}
	r.clock.Advance(45 * time.Second)
	r.s.Tick(context.Background())
	if g, _ := r.live(t); g {
		t.Fatal("the guest is still live at its expiry")
	}
	if got := r.s.nextWake(); got != time.Minute {
		t.Errorf("next wake with nothing left to expire: %s", got)
	}
}

// When the configuration cannot be written at the expiry (here: an
// uncommitted `uci set` of network waits in /tmp/.uci, which wgowrt does
// not commit behind the admin's back), the guest is still cut off from
// the running device, announced once, and disabled in the configuration
// at the first tick after the staged change is gone.
func TestPeerExpiryWhileConfigurationIsBusy(t *testing.T) {
	start := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	r := newExpiryRig(t, start, "", "30s")
	staged := filepath.Join(r.root, "tmp/.uci/network")
	write(t, staged, "network.lan.mtu='1400'\n")
	r.step(30 * time.Second)
	if g, n := r.live(t); g || !n {
		t.Fatalf("busy configuration at the expiry: guest live %v (want false), neighbour %v", g, n)
	}
	if strings.Contains(r.file(t, "network"), "disabled") {
		t.Fatalf("the configuration was written over the staged change")
	}
	r.step(time.Second)
	r.step(time.Second)
	if len(r.events) != 1 || len(grep(r.logs, "removed from the running wg0, but not disabled in the configuration")) != 1 {
		t.Fatalf("events %v, logs %q: want one event and one log line of the failure", r.events, r.logs)
	}
	if err := os.Remove(staged); err != nil {
		t.Fatal(err)
	}
	r.step(time.Second)
	r.step(time.Second)
	if !strings.Contains(r.file(t, "network"), "option disabled '1'") || !strings.Contains(r.file(t, "wgowrt"), "option expired '2026-11-26T10:00:33Z'") {
		t.Errorf("the guest is not disabled and marked once the configuration was free:\n%s", r.file(t, "wgowrt"))
	}
	if len(r.events) != 1 {
		t.Errorf("announced again: %v", r.events)
	}
}
