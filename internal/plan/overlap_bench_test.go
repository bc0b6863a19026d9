package plan

import (
	"fmt"
	"testing"
	"time"
)

func countryRoutes(n int) []string {
	routes := make([]string, n)
	for i := range routes {
		routes[i] = fmt.Sprintf("%d.%d.%d.0/24", 20+i>>16, i>>8&255, i&255)
	}
	return routes
}

// TestPeerAdd45000RoutesIsNearLinear: issue 11 measured 17 s on x86 (and
// rpcd gives up after 25 s on MIPS) for a peer with 45 000 routes, the
// overlap check being quadratic; near-linear it takes well under a second
// here. The bound is 20 s so that a loaded machine or -race does not fail
// it; the quadratic check takes about 40 s on this machine.
func TestPeerAdd45000RoutesIsNearLinear(t *testing.T) {
	if testing.Short() {
		t.Skip("plans a peer with 45 000 routes")
	}
	st := liveServer(t, Live{})
	start := time.Now()
	r, err := PeerAdd(st, PeerIntent{Iface: "wg0", Name: "spoke", NewPrivateKey: testKey(2), Routes: countryRoutes(45000)})
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("peer add with 45 000 routes took %v", d)
	}
	if got := len(listOf(r.State.Network.Section("wgowrt_wg0_spoke"), "allowed_ips")); got != 45002 {
		t.Errorf("%d allowed IPs, want 45 002 (two addresses and the routes)", got)
	}
}

// BenchmarkPeerAdd45000Routes plans `peer add` with 45 000 --route
// prefixes (a country's address list): every route is checked against the
// router and against every route given before it. Issue 11 measured 17 s
// on x86 for the quadratic check; see BenchmarkOverlap45000 in wg for the
// index against the scan.
func BenchmarkPeerAdd45000Routes(b *testing.B) {
	st := liveServer(&testing.T{}, Live{})
	routes := countryRoutes(45000)
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		if _, err := PeerAdd(st, PeerIntent{Iface: "wg0", Name: "spoke", NewPrivateKey: testKey(2), Routes: routes}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSiteAdd45000Subnets plans `site add` with 45 000
// --remote-subnet prefixes, checked against the router, each other and
// every other peer.
func BenchmarkSiteAdd45000Subnets(b *testing.B) {
	st := liveServer(&testing.T{}, Live{})
	in := SiteIntent{Iface: "wg0", Name: "branch", PublicKey: testKey(500).PublicKey(), Remote: countryRoutes(45000)}
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		if _, err := SiteAdd(st, in); err != nil {
			b.Fatal(err)
		}
	}
}
