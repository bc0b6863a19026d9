package plan

import (
	"errors"
	"strings"
	"testing"

	"github.com/wgowrt/wgowrt/internal/wg"
)

func expiryState(t *testing.T, expires string) State {
	t.Helper()
	r, err := ServerInit(stockState(t), ServerIntent{Iface: "wg0", IPv6: "off", PrivateKey: testKey(1)})
	if err != nil {
		t.Fatal(err)
	}
	pr, err := PeerAdd(r.State, PeerIntent{Iface: "wg0", Name: "guest", NewPrivateKey: testKey(2), Expires: expires})
	if err != nil {
		t.Fatal(err)
	}
	return pr.State
}

func opt2(st State, pkg, name string) string {
	p := st.Network
	if pkg == "wgowrt" {
		p = st.Wgowrt
	}
	v, _ := p.Section(wg.PeerSection("wg0", "guest")).Get(name)
	return v
}

// The expiry is wgowrt's note on the peer; netifd's section keeps its
// own schema.
func TestPeerAddExpiry(t *testing.T) {
	st := expiryState(t, "2026-12-03T10:00:00Z")
	if got := opt2(st, "wgowrt", OptExpires); got != "2026-12-03T10:00:00Z" {
		t.Errorf("wgowrt expires = %q", got)
	}
	for _, o := range st.Network.Section(wg.PeerSection("wg0", "guest")).Options {
		known := false
		for _, s := range wg.PeerSchema {
			known = known || s.Name == o.Name
		}
		if !known {
			t.Errorf("network peer section got option %s, not netifd's", o.Name)
		}
	}
	if opt2(expiryState(t, ""), "wgowrt", OptExpires) != "" {
		t.Errorf("a peer without expiry got one")
	}
}

// Expiring disables the peer and marks it; it happens once, and not when
// the expiry changed since the supervisor read it. Enabling is then
// refused; a new expiry (or never) enables it again.
func TestPeerExpireAndEnable(t *testing.T) {
	st := expiryState(t, "2026-12-03T10:00:00Z")
	if r, err := PeerExpire(st, "wg0", "guest", "2026-12-04T00:00:00Z", "2026-12-04T00:00:05Z"); err != nil || edited(st, r) {
		t.Fatalf("expiry changed meanwhile: edited, or %v", err)
	}
	r, err := PeerExpire(st, "wg0", "guest", "2026-12-03T10:00:00Z", "2026-12-03T10:00:20Z")
	if err != nil {
		t.Fatal(err)
	}
	st = r.State
	if opt2(st, "network", "disabled") != "1" || opt2(st, "wgowrt", OptExpired) != "2026-12-03T10:00:20Z" {
		t.Fatalf("after expiring: disabled %q, expired %q", opt2(st, "network", "disabled"), opt2(st, "wgowrt", OptExpired))
	}
	if r, err := PeerExpire(st, "wg0", "guest", "2026-12-03T10:00:00Z", "2026-12-03T10:00:50Z"); err != nil || edited(st, r) {
		t.Errorf("expiring twice changed something (%v)", err)
	}
	_, err = PeerSetDisabled(st, "wg0", "guest", false)
	var ee *ExpiredError
	if !errors.As(err, &ee) || !strings.Contains(err.Error(), "peer guest expired (2026-12-03T10:00:00Z): give it a new expiry with 'wgowrt peer set guest --expires DATE'") {
		t.Fatalf("enable an expired peer: %v", err)
	}
	if _, err := PeerSetDisabled(st, "wg0", "guest", true); err != nil {
		t.Errorf("disable an expired peer: %v", err)
	}
	for _, exp := range []string{"2027-01-01T00:00:00Z", ""} {
		r, err := PeerSet(st, PeerSetIntent{Iface: "wg0", Name: "guest", Expires: &exp})
		if err != nil {
			t.Fatal(err)
		}
		if opt2(r.State, "network", "disabled") != "" || opt2(r.State, "wgowrt", OptExpired) != "" || opt2(r.State, "wgowrt", OptExpires) != exp {
			t.Errorf("peer set --expires %q: disabled %q, expired %q, expires %q", exp, opt2(r.State, "network", "disabled"),
				opt2(r.State, "wgowrt", OptExpired), opt2(r.State, "wgowrt", OptExpires))
		}
	}
}

// A peer disabled by hand stays disabled when it gets an expiry: only
// the supervisor's disabling is undone by a new expiry.
func TestPeerSetExpiryKeepsManualDisable(t *testing.T) {
	st := expiryState(t, "")
	r, err := PeerSetDisabled(st, "wg0", "guest", true)
	if err != nil {
		t.Fatal(err)
	}
	exp := "2027-01-01T00:00:00Z"
	r2, err := PeerSet(r.State, PeerSetIntent{Iface: "wg0", Name: "guest", Expires: &exp})
	if err != nil || opt2(r2.State, "network", "disabled") != "1" || opt2(r2.State, "wgowrt", OptExpires) != exp {
		t.Errorf("expiry on a disabled peer: %v, disabled %q", err, opt2(r2.State, "network", "disabled"))
	}
}

// edited says whether r added edits to those st already had.
func edited(st State, r *Result) bool {
	return len(r.State.Network.Unsaved()) != len(st.Network.Unsaved()) || len(r.State.Wgowrt.Unsaved()) != len(st.Wgowrt.Unsaved())
}
