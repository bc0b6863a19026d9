package wg

import (
	"fmt"
	"math/rand"
	"net/netip"
	"testing"
)

// randPrefixes draws prefixes that nest and collide often: few distinct
// high bits, all lengths.
func randPrefixes(r *rand.Rand, n int) []netip.Prefix {
	out := make([]netip.Prefix, n)
	for i := range out {
		if r.Intn(4) == 0 {
			var b [16]byte
			b[0], b[1], b[2] = 0xfd, byte(r.Intn(2)), byte(r.Intn(4))
			b[7] = byte(r.Intn(4))
			out[i] = netip.PrefixFrom(netip.AddrFrom16(b), r.Intn(129))
			continue
		}
		a := netip.AddrFrom4([4]byte{10, byte(r.Intn(3)), byte(r.Intn(4)), byte(r.Intn(256))})
		out[i] = netip.PrefixFrom(a, r.Intn(33))
	}
	return out
}

// TestPrefixSetIsFirstOverlap checks the index against the plain scan:
// the same answer, the first overlapping prefix in list order.
func TestPrefixSetIsFirstOverlap(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for round := 0; round < 200; round++ {
		used := Used(randPrefixes(r, 1+r.Intn(60)))
		set := used.Index()
		for _, q := range randPrefixes(r, 50) {
			want, wantOK := -1, false
			for i, x := range used {
				if x.Overlaps(q) {
					want, wantOK = i, true
					break
				}
			}
			got, ok := set.First(q)
			if ok != wantOK || ok && got != want {
				t.Fatalf("used %v, query %v: First = %d,%v; scan says %d,%v", used, q, got, ok, want, wantOK)
			}
		}
	}
}

func TestLastAddr(t *testing.T) {
	for in, want := range map[string]string{"10.1.2.3/24": "10.1.2.255", "0.0.0.0/0": "255.255.255.255", "10.0.0.1/32": "10.0.0.1",
		"fd00::/64": "fd00::ffff:ffff:ffff:ffff", "fd00::/8": "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "::/0": "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
		"fd00::1/128": "fd00::1", "fd00::/100": "fd00::fff:ffff"} {
		if got := LastAddr(netip.MustParsePrefix(in)).String(); got != want {
			t.Errorf("LastAddr(%s) = %s, want %s", in, got, want)
		}
	}
}

// BenchmarkOverlap45000 checks 45 000 routes against each other and 45 000
// used prefixes, as a peer with a country's route list does: the scan is
// quadratic, the index near-linear.
func BenchmarkOverlap45000(b *testing.B) {
	var used, routes []netip.Prefix
	for i := 0; i < 45000; i++ {
		used = append(used, netip.PrefixFrom(netip.AddrFrom4([4]byte{100, byte(64 + i>>16), byte(i >> 8), byte(i)}), 32))
		routes = append(routes, netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(1 + i>>16), byte(i >> 8), byte(i), 0}), 24))
	}
	b.Run("index", func(b *testing.B) {
		for n := 0; n < b.N; n++ {
			set := Used(used).Index()
			for _, p := range routes {
				if _, clash := set.First(p); clash {
					b.Fatal(p)
				}
			}
		}
	})
	b.Run("scan", func(b *testing.B) {
		if testing.Short() {
			b.Skip("quadratic: seconds per iteration")
		}
		for n := 0; n < b.N; n++ {
			for _, p := range routes {
				if _, clash := Used(used).Overlaps(p); clash {
					b.Fatal(fmt.Sprint(p))
				}
			}
		}
	})
}
