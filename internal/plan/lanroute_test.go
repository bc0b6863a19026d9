package plan

import (
	"net/netip"
	"testing"
)

// A LAN whose IPv6 prefix netifd assigned from a delegated prefix (in no
// file): IPv6 routes go via that prefix's ::1, and a route inside the
// delegated prefix is said to be announced by odhcpd's RAs, the ULA
// tunnel subnet not (the LAN has no ULA address here).
func TestLanRoutesIPv6FromLive(t *testing.T) {
	st := liveServer(t, Live{Known: true, Addrs: []LiveAddr{
		{Iface: "wan6", Kind: LiveDelegated, Prefix: netip.MustParsePrefix("2001:db8:1200::/56")},
		{Iface: "lan", Kind: LiveAssigned, Prefix: netip.MustParsePrefix("2001:db8:1200:10::/60")},
	}})
	r, err := SiteAdd(st, SiteIntent{Iface: "wg0", Name: "b", PublicKey: testKey(500).PublicKey(), Remote: []string{"2001:db8:1200:20::/64"}})
	if err != nil {
		t.Fatal(err)
	}
	routes, err := LanRoutes(r.State)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]LanRoute{}
	for _, rt := range routes {
		got[rt.Dest.String()] = rt
	}
	want := map[string]string{"10.8.0.0/24": "", "fd12:3456:789a:ff00::/64": "", "2001:db8:1200:20::/64": "2001:db8:1200::/56"}
	if len(got) != len(want) {
		t.Fatalf("routes %v, want %v", routes, want)
	}
	for dest, ann := range want {
		rt, ok := got[dest]
		if !ok {
			t.Fatalf("no route for %s in %v", dest, routes)
		}
		if rt.Dest.Addr().Is6() && rt.Via.String() != "2001:db8:1200:10::1" {
			t.Errorf("%s via %s, want 2001:db8:1200:10::1", dest, rt.Via)
		}
		if a := rt.Announced; a.IsValid() != (ann != "") || ann != "" && a.String() != ann {
			t.Errorf("%s announced by %v, want %q", dest, a, ann)
		}
	}
	// eui64: the router's LAN IPv6 address cannot be known here, so the
	// IPv6 routes come without a via (said, not guessed).
	if err := r.State.Network.SetOption("lan", "ip6ifaceid", "eui64"); err != nil {
		t.Fatal(err)
	}
	routes, _ = LanRoutes(r.State)
	for _, rt := range routes {
		if rt.Dest.Addr().Is6() && rt.Via.IsValid() {
			t.Errorf("IPv6 route %v via a guessed address with an eui64 interface id", rt)
		}
	}
	if len(routes) != 3 {
		t.Errorf("%d routes with an eui64 interface id, want the 3 (IPv6 ones without via)", len(routes))
	}
}

// With a delegated and a ULA prefix on the LAN, routes go via the ULA
// address, which does not change with the uplink.
func TestLanAddr6PrefersULA(t *testing.T) {
	st := liveServer(t, Live{Known: true, Addrs: []LiveAddr{
		{Iface: "lan", Kind: LiveAssigned, Prefix: netip.MustParsePrefix("2001:db8:1200:10::/60")},
		{Iface: "lan", Kind: LiveAssigned, Prefix: netip.MustParsePrefix("fd12:3456:789a::/60")},
	}})
	if a, ok := lanAddr6(st); !ok || a.String() != "fd12:3456:789a::1" {
		t.Errorf("lanAddr6 = %v %v, want fd12:3456:789a::1", a, ok)
	}
}
