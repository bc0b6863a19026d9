package ops

import (
	"reflect"
	"regexp"
	"testing"
)

// TestDportsAsTheRegexp: dports finds in nft lines what the regular
// expression it replaces found.
func TestDportsAsTheRegexp(t *testing.T) {
	re := regexp.MustCompile(`dport (\{[^}]*\}|[0-9-]+)`)
	lines := []string{
		"udp dport 51820 counter accept comment \"!fw4: Allow-WireGuard\"",
		"meta l4proto udp th dport { 51820, 51821 } accept",
		"udp dport 1000-2000 accept", "tcp dport 22 accept", "udp dport { 1, 2 accept", "dport dport 5",
		"udp dport x accept", "dport 1 dport {2} dport 3-4", "dport ", "nothing here", "dport {} dport 7",
		"udp sport 53 dport 53 accept", "xdport 9",
	}
	for _, l := range lines {
		var want []string
		for _, m := range re.FindAllStringSubmatch(l, -1) {
			want = append(want, m[1])
		}
		if got := dports(l); !reflect.DeepEqual(got, want) {
			t.Errorf("dports(%q) = %q, the regexp %q", l, got, want)
		}
	}
}
