package ops

import (
	"strings"
	"testing"
	"time"
)

// ParseExpiry turns every accepted form into one UTC time, and refuses
// bad values with one line naming the value.
func TestParseExpiry(t *testing.T) {
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	berlin := time.FixedZone("CET", 3600)
	ok := []struct {
		expires, dur, want string
		given              bool
	}{
		{"", "", "", false},
		{"never", "", "", true},
		{"", "7d", "2026-12-03T10:00:00Z", true},
		{"", "12h", "2026-11-26T22:00:00Z", true},
		{"", "90m", "2026-11-26T11:30:00Z", true},
		{"", "1d12h", "2026-11-27T22:00:00Z", true},
		{"", "2w", "2026-12-10T10:00:00Z", true},
		{"", "5s", "2026-11-26T10:00:05Z", true},
		{"2026-12-24", "", "2026-12-23T23:00:00Z", true},
		{"2026-12-24T18:30", "", "2026-12-24T17:30:00Z", true},
		{"2026-12-24 18:30", "", "2026-12-24T17:30:00Z", true},
		{"2026-12-24T18:00:00Z", "", "2026-12-24T18:00:00Z", true},
		{"2026-12-24T18:00:00+02:00", "", "2026-12-24T16:00:00Z", true},
		{"2026-11-26T10:00:01.9Z", "", "2026-11-26T10:00:01Z", true},
	}
	for _, c := range ok {
		got, given, err := ParseExpiry(c.expires, c.dur, now, berlin)
		if err != nil || got != c.want || given != c.given {
			t.Errorf("ParseExpiry(%q, %q) = %q, %v, %v; want %q, %v", c.expires, c.dur, got, given, err, c.want, c.given)
		}
	}
	bad := []struct{ expires, dur, want string }{
		{"2026-11-26T09:59", "", "--expires 2026-11-26T09:59 is in the past (the router's clock says 2026-11-26 10:00 UTC)"},
		{"2020-01-01", "", "--expires 2020-01-01 is in the past"},
		{"2026-11-26T10:00:00Z", "", "is in the past"},
		{"next friday", "", `--expires "next friday" is not a date`},
		{"2026-13-01", "", `--expires "2026-13-01" is not a date`},
		{"2046-12-01", "", "--expires 2046-12-01 is more than 10 years ahead"},
		{"", "0d", "--for 0d is no time at all"},
		{"", "0h0m", "--for 0h0m is no time at all"},
		{"", "7", `--for "7" is not a duration`},
		{"", "d", `--for "d" is not a duration`},
		{"", "-7d", `--for "-7d" is not a duration`},
		{"", "7y", `--for "7y" is not a duration`},
		{"", "1.5d", `--for "1.5d" is not a duration`},
		{"", " 7d", `--for " 7d" is not a duration`},
		{"", "99999999d", `--for "99999999d" is not a duration`},
		{"", "4000d", "--for 4000d is more than 10 years"},
		{"never", "7d", "--expires never and --for 7d both say when"},
	}
	for _, c := range bad {
		_, _, err := ParseExpiry(c.expires, c.dur, now, berlin)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("ParseExpiry(%q, %q) error %v; want one line with %q", c.expires, c.dur, err, c.want)
		}
	}
}

// --for counts from the clock, so it is refused while the clock is
// certainly wrong (a router booting at its firmware's date); a date is
// still taken.
func TestParseExpiryUnsetClock(t *testing.T) {
	boot := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	if _, _, err := ParseExpiry("", "7d", boot, time.UTC); err == nil || !strings.Contains(err.Error(), "is not set yet") {
		t.Errorf("--for on an unset clock: %v", err)
	}
	if got, _, err := ParseExpiry("2026-12-01", "", boot, time.UTC); err != nil || got != "2026-12-01T00:00:00Z" {
		t.Errorf("--expires on an unset clock: %q, %v", got, err)
	}
}
