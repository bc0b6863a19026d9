package ops

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/wgowrt/wgowrt/internal/plan"
)

// Peers that expire (guest access, a contractor for a week): the expiry
// is an absolute UTC time in wgowrt's notes on the peer
// (wgowrt.<section>.expires, RFC 3339), so it means the same after a
// reboot or a change of time zone. The supervisor disables the peer when
// the clock passes it (ExpirePeer); plan.PeerSetDisabled then refuses to
// enable it until it gets a new expiry.

// Expiry bounds.
const (
	// MaxExpiry is how far ahead an expiry may be: further is a typo (a
	// peer that should never expire says --expires never).
	MaxExpiry = 10 * 366 * 24 * time.Hour
)

// EarliestClock is a time before which the router's clock is certainly
// wrong: this code did not exist yet. A router without a battery-backed
// clock boots at the time of its firmware's newest file until NTP sets
// it.
var EarliestClock = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// ParseExpiry reads --expires DATE|never and --for DURATION (at most one
// given) against the router's clock now. DATE is RFC 3339, or YYYY-MM-DD
// or YYYY-MM-DDTHH:MM (also with a space) in loc; DURATION is whole
// numbers with units w, d, h, m, s (7d, 12h, 90m, 1d12h). It returns the
// UTC time as stored ("" for never) and whether anything was given.
func ParseExpiry(expires, dur string, now time.Time, loc *time.Location) (string, bool, error) {
	switch {
	case expires != "" && dur != "":
		return "", false, fmt.Errorf("--expires %s and --for %s both say when the peer expires; give one", expires, dur)
	case expires == "never":
		return "", true, nil
	case dur != "":
		return expiryFor(dur, now)
	case expires != "":
		t, err := parseDate(expires, loc)
		if err != nil {
			return "", false, err
		}
		return checkExpiry("--expires "+expires, t, now)
	}
	return "", false, nil
}

func expiryFor(dur string, now time.Time) (string, bool, error) {
	d, err := ParseDays(dur)
	if err != nil {
		return "", false, err
	}
	if now.Before(EarliestClock) {
		return "", false, fmt.Errorf("--for %s counts from the router's clock, which says %s and is not set yet: let NTP set it, or give --expires DATE", dur, FormatExpiry(now))
	}
	return checkExpiry("--for "+dur, now.Add(d), now)
}

func checkExpiry(what string, t, now time.Time) (string, bool, error) {
	switch {
	case !t.After(now):
		return "", false, fmt.Errorf("%s is in the past (the router's clock says %s); give a later date, a duration (--for 7d) or never", what, FormatExpiry(now))
	case t.Sub(now) > MaxExpiry:
		return "", false, fmt.Errorf("%s is more than 10 years ahead; give a nearer date, or --expires never", what)
	}
	return t.UTC().Truncate(time.Second).Format(time.RFC3339), true, nil
}

// parseDate reads an RFC 3339 time, or a date with an optional time of
// day in loc.
func parseDate(s string, loc *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02", "2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02T15:04:05", "2006-01-02 15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("--expires %q is not a date: give YYYY-MM-DD, YYYY-MM-DDTHH:MM (router's local time), RFC 3339 (2026-12-24T18:00:00Z) or never", s)
}

// ParseDays reads a DURATION: whole numbers with units w, d, h, m, s.
func ParseDays(s string) (time.Duration, error) {
	bad := fmt.Errorf("--for %q is not a duration: give a number and a unit (w, d, h, m, s), e.g. 7d, 12h, 90m, 1d12h", s)
	units := map[byte]time.Duration{'w': 7 * 24 * time.Hour, 'd': 24 * time.Hour, 'h': time.Hour, 'm': time.Minute, 's': time.Second}
	var total time.Duration
	rest := s
	for rest != "" {
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 0 || i == len(rest) || i > 6 || units[rest[i]] == 0 {
			return 0, bad
		}
		n, _ := strconv.Atoi(rest[:i])
		total += time.Duration(n) * units[rest[i]]
		rest = rest[i+1:]
	}
	switch {
	case s == "" || strings.TrimSpace(s) != s:
		return 0, bad
	case total <= 0:
		return 0, fmt.Errorf("--for %s is no time at all; give a positive duration such as 7d, or --expires never", s)
	case total > MaxExpiry:
		return 0, fmt.Errorf("--for %s is more than 10 years; give a shorter one, or --expires never", s)
	}
	return total, nil
}

// FormatExpiry shows an expiry for people: UTC, to the minute, seconds
// when there are any.
func FormatExpiry(t time.Time) string {
	t = t.UTC()
	if t.Second() != 0 {
		return t.Format("2006-01-02 15:04:05 UTC")
	}
	return t.Format("2006-01-02 15:04 UTC")
}

// ExpiryOf reads a stored expiry; ok is false when there is none or it
// cannot be read (then the peer never expires: a hand edit that wgowrt
// cannot read must not cut a peer off).
func ExpiryOf(p plan.Peer) (time.Time, bool) {
	if p.Expires == "" {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339, p.Expires)
	return t, err == nil
}
