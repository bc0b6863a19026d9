package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wgowrt/wgowrt/internal/ops"
	"github.com/wgowrt/wgowrt/internal/wgdev"
)

// expiryRoot is the stock router with a server, the clock fixed.
func expiryRoot(t *testing.T) string {
	t.Helper()
	useTestDeps(t)
	ops.Default.Now = func() time.Time { return time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC) }
	root := stockRoot(t)
	mustRun(t, root, "server init --endpoint vpn.example.com")
	return root
}

// Bad expiries are refused with one line naming the value, exit 1 (2
// for the usage error), and nothing is written.
func TestPeerExpiryRefusals(t *testing.T) {
	root := expiryRoot(t)
	mustRun(t, root, "peer add phone -o "+filepath.Join(t.TempDir(), "p.conf"))
	before := snapshot(t, root)
	for _, c := range []struct{ line, want string }{
		{"peer add guest --expires 2020-01-01", "--expires 2020-01-01 is in the past"},
		{"peer add guest --for 0d", "--for 0d is no time at all"},
		{"peer add guest --for soon", `--for "soon" is not a duration`},
		{"peer add guest --expires tomorrow", `--expires "tomorrow" is not a date`},
		{"peer add guest --expires 2099-01-01", "--expires 2099-01-01 is more than 10 years ahead"},
		{"peer add guest --for 7d --expires 2027-01-01", "both say when the peer expires"},
		{"peer set phone --expires 2026-11-25T23:00Z", `--expires "2026-11-25T23:00Z" is not a date`},
		{"peer set phone --expires 2026-11-25T23:00:00Z", "is in the past"},
		{"peer set phone --for 3650000d", "is not a duration"},
		// A repeated add would say "nothing changed": the expiry must not be dropped silently.
		{"peer add phone --for 7d", "peer \"phone\" already exists on wg0; give it an expiry with: wgowrt peer set phone --expires DATE"},
	} {
		_, stderr, code := run(t, root, c.line, false)
		if code != 1 || !strings.Contains(stderr, c.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%s: exit %d, stderr %q; want exit 1 and one line with %q", c.line, code, stderr, c.want)
		}
	}
	if diff := cmpSnap(before, snapshot(t, root)); diff != "" {
		t.Errorf("refused commands wrote: %s", diff)
	}
}

// A peer that expired (as the supervisor leaves it) shows as expired,
// cannot be enabled, and gets enabled by a new expiry.
func TestPeerEnableExpiredRefused(t *testing.T) {
	root := expiryRoot(t)
	mustRun(t, root, "peer add guest --for 7d -o "+filepath.Join(t.TempDir(), "g.conf"))
	notes := filepath.Join(root, "etc/config/wgowrt")
	if b, _ := os.ReadFile(notes); !strings.Contains(string(b), "option expires '2026-12-03T10:00:00Z'") {
		t.Fatalf("wgowrt after peer add --for 7d:\n%s", b)
	}
	mustRun(t, root, "uci set network.wgowrt_wg0_guest.disabled=1")
	mustRun(t, root, "uci set wgowrt.wgowrt_wg0_guest.expired=2026-12-03T10:00:02Z")
	mustRun(t, root, "uci commit")
	before := snapshot(t, root)
	_, stderr, code := run(t, root, "peer enable guest", false)
	if code != 1 || !strings.Contains(stderr, "peer guest expired (2026-12-03T10:00:00Z): give it a new expiry with 'wgowrt peer set guest --expires DATE' (or --for 7d, or --expires never), which enables it again") {
		t.Errorf("peer enable of an expired peer: exit %d, %q", code, stderr)
	}
	if diff := cmpSnap(before, snapshot(t, root)); diff != "" {
		t.Errorf("the refusal wrote: %s", diff)
	}
	ops.Default.Devices = func() (wgdev.Client, error) { return wgdev.NewFake(), nil }
	out, _, _ := run(t, root, "--json status", false)
	if !strings.Contains(out, `"state": "expired"`) || !strings.Contains(out, `"expires": "2026-12-03T10:00:00Z"`) {
		t.Errorf("status --json of the expired peer:\n%s", out)
	}
	if out, _, _ := run(t, root, "status", false); !strings.Contains(out, "expired 2026-12-03 10:00 UTC") {
		t.Errorf("status of the expired peer:\n%s", out)
	}
	mustRun(t, root, "peer set guest --expires never")
	net, _ := os.ReadFile(filepath.Join(root, "etc/config/network"))
	b, _ := os.ReadFile(notes)
	if strings.Contains(string(net), "disabled") || strings.Contains(string(b), "expire") {
		t.Errorf("after --expires never: network\n%s\nwgowrt\n%s", net, b)
	}
}

func cmpSnap(a, b map[string]string) string {
	var diff []string
	for k, v := range a {
		if b[k] != v {
			diff = append(diff, k)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			diff = append(diff, k)
		}
	}
	return strings.Join(diff, ", ")
}
