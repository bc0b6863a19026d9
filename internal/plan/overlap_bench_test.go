package plan

import (
	"fmt"
	"testing"
)

// BenchmarkPeerAdd45000Routes plans `peer add` with 45 000 --route
// prefixes (a country's address list): every route is checked against the
// router and against every route given before it. Issue 11 measured 17 s
// on x86 for the quadratic check; see BenchmarkOverlap45000 in wg for the
// index against the scan.
func BenchmarkPeerAdd45000Routes(b *testing.B) {
	st := liveServer(&testing.T{}, Live{})
	routes := make([]string, 45000)
	for i := range routes {
		routes[i] = fmt.Sprintf("%d.%d.%d.0/24", 20+i>>16, i>>8&255, i&255)
	}
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		if _, err := PeerAdd(st, PeerIntent{Iface: "wg0", Name: "spoke", NewPrivateKey: testKey(2), Routes: routes}); err != nil {
			b.Fatal(err)
		}
	}
}
