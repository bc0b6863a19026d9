package supervisor

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"

	"github.com/wgowrt/wgowrt/internal/ops"
)

// Peers that expire: on every tick the supervisor looks for enabled peers
// whose expiry has passed and disables them (ops.ExpirePeer: disabled in
// UCI and marked expired, removed from the running device, the other
// peers untouched), then logs one line and publishes wgowrt.peer.expired.
//
// It acts only on a clock it can believe (ClockCheck): a router without a
// battery-backed clock boots at its firmware's newest file time, and a
// wrong clock ahead of the real time would cut peers off early. An expiry
// that passed while the router was off is acted on once the clock is
// believed, so reboots and clock jumps change when, never whether.

// ExpiryOps is what expiring peers need of internal/ops. The supervisor
// checks expiries when its Ops has them (an *ops.Ops does).
type ExpiryOps interface {
	Expiries() ([]ops.ExpiryTarget, error)
	ExpiryStamp() string
	ExpirePeer(t ops.ExpiryTarget, now time.Time) (*ops.Outcome, error)
	Path(p string) string
}

var _ ExpiryOps = (*ops.Ops)(nil)

// expiryState is what the supervisor keeps between ticks: the expiring
// peers read at the last configuration change, and what was logged (a
// failure is logged once until it changes).
type expiryState struct {
	loaded  bool
	stamp   string
	targets []ops.ExpiryTarget
	// cut are the peers already announced as expired (by key), failed
	// the last error logged per peer, clock the last clock complaint.
	cut    map[wgtypes.Key]bool
	failed map[wgtypes.Key]string
	clock  string
}

// checkExpiries disables the peers whose expiry is at or before now.
func (s *Supervisor) checkExpiries(now time.Time) {
	eo, ok := s.Ops.(ExpiryOps)
	if !ok {
		return
	}
	e := &s.expiry
	if st := eo.ExpiryStamp(); !e.loaded || st != e.stamp {
		t, err := eo.Expiries()
		if err != nil {
			s.Log("cannot read the peers' expiries: " + err.Error())
			return
		}
		e.loaded, e.stamp, e.targets = true, st, t
		e.cut, e.failed = map[wgtypes.Key]bool{}, map[wgtypes.Key]string{}
	}
	var due []ops.ExpiryTarget
	for _, t := range e.targets {
		if !now.Before(t.At) {
			due = append(due, t)
		}
	}
	if len(due) == 0 || !s.clockBelieved(eo, now) {
		return
	}
	for _, t := range due {
		s.expire(eo, t, now)
	}
}

// clockBelieved runs the clock check, logging a new reason once.
func (s *Supervisor) clockBelieved(eo ExpiryOps, now time.Time) bool {
	check := s.ClockCheck
	if check == nil {
		check = SystemClockCheck(eo.Path)
	}
	why := check(now)
	if why != "" && why != s.expiry.clock {
		s.Log("peer expiries wait: " + why)
	}
	s.expiry.clock = why
	return why == ""
}

// expire disables one peer and announces it once: when it is disabled in
// the configuration, or at least gone from the running device.
func (s *Supervisor) expire(eo ExpiryOps, t ops.ExpiryTarget, now time.Time) {
	e := &s.expiry
	out, err := eo.ExpirePeer(t, now)
	var live *ops.LiveOnlyError
	if err != nil {
		if msg := err.Error(); msg != e.failed[t.Key] {
			s.Log(fmt.Sprintf("%s/%s expired at %s: %s; trying again every tick", t.Iface, t.Peer, ops.FormatExpiry(t.At), msg))
			e.failed[t.Key] = msg
		}
		if !errors.As(err, &live) && (out == nil || !out.Wrote) {
			return
		}
	}
	if e.cut[t.Key] {
		return
	}
	e.cut[t.Key] = true
	s.event("peer.expired", peerID{t.Iface, t.Key}, map[string]string{"expires": t.At.UTC().Format(time.RFC3339)})
}

// NTPWait is how long after boot the supervisor waits for NTP's first
// synchronisation before it believes the clock anyway (ntpd could not
// reach a server, or nothing records its synchronisation).
const NTPWait = 10 * time.Minute

// SystemClockCheck is the check on a router (paths through path, the
// --root prefix): the clock is not believed while it is before this
// program was built (EarliestClock, or the build's commit time), nor,
// when sysntpd is enabled, before ntpd has reported a synchronisation
// since boot (dnsmasq's /etc/hotplug.d/ntp script writes
// /var/state/dnsmasqsec then, in tmpfs) or NTPWait has passed since
// boot.
func SystemClockCheck(path func(string) string) func(now time.Time) string {
	built := buildTime()
	return func(now time.Time) string {
		if now.Before(built) {
			return fmt.Sprintf("the clock says %s, before this wgowrt was built (%s): it is not set yet", ops.FormatExpiry(now), ops.FormatExpiry(built))
		}
		if !ntpEnabled(path) || exists(path("/var/state/dnsmasqsec")) {
			return ""
		}
		if up, ok := uptime(path); ok && up < NTPWait {
			return fmt.Sprintf("sysntpd has not synchronised the clock since boot (waiting up to %s after boot)", NTPWait)
		}
		return ""
	}
}

// buildTime is the latest of EarliestClock and the commit time the
// binary was built from (when the build recorded it).
func buildTime() time.Time {
	t := ops.EarliestClock
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if v, err := time.Parse(time.RFC3339, s.Value); s.Key == "vcs.time" && err == nil && v.After(t) {
				t = v
			}
		}
	}
	return t
}

// ntpEnabled says whether sysntpd (busybox ntpd) runs at boot.
func ntpEnabled(path func(string) string) bool {
	links, _ := filepath.Glob(path("/etc/rc.d/S*sysntpd"))
	return len(links) > 0
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func uptime(path func(string) string) (time.Duration, bool) {
	b, err := os.ReadFile(path("/proc/uptime"))
	if err != nil {
		return 0, false
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0, false
	}
	secs, err := strconv.ParseFloat(f[0], 64)
	return time.Duration(secs * float64(time.Second)), err == nil
}

// nextWake is how long Run sleeps: Interval, or less when a peer expires
// sooner, so that it is cut off at its expiry rather than up to an
// interval later.
func (s *Supervisor) nextWake() time.Duration {
	d, now := s.Interval, s.Clock.Now()
	for _, t := range s.expiry.targets {
		if w := t.At.Sub(now); w > 0 && w < d && !s.expiry.cut[t.Key] {
			d = w
		}
	}
	return d
}
