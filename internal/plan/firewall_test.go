package plan

import (
	"testing"

	"github.com/wgowrt/wgowrt/uci"
)

// TestForwardedByHand: wgowrt leaves out a forwarding only when the
// firewall already forwards the same traffic without it: a hand-made
// forwarding between the same zones that is on, or traffic within one
// zone whose forward policy is ACCEPT. Its own forwarding, a disabled
// one, the other direction, or a zone rejecting forwards do not count.
func TestForwardedByHand(t *testing.T) {
	const zones = "config zone\n\toption name 'lan'\n\toption forward 'ACCEPT'\n\nconfig zone\n\toption name 'guest'\n\toption forward 'REJECT'\n\n"
	for _, c := range []struct {
		conf, src, dest string
		want            bool
	}{
		{"config forwarding\n\toption src 'vpn'\n\toption dest 'lan'\n", "vpn", "lan", true},
		{"config forwarding\n\toption src 'vpn'\n\toption dest 'lan'\n", "lan", "vpn", false},
		{"config forwarding\n\toption src 'vpn'\n\toption dest 'lan'\n\toption enabled '0'\n", "vpn", "lan", false},
		{"config forwarding 'wgowrt_wg0_lan'\n\toption src 'vpn'\n\toption dest 'lan'\n", "vpn", "lan", false},
		{"config forwarding 'mine'\n\toption src 'vpn'\n\toption dest 'lan'\n", "vpn", "lan", true},
		{"", "lan", "lan", true},
		{"", "guest", "guest", false},
		{"", "vpn", "vpn", false},
	} {
		fw, err := uci.Parse("firewall", []byte(zones+c.conf))
		if err != nil {
			t.Fatal(err)
		}
		if got := forwardedByHand(fw, c.src, c.dest); got != c.want {
			t.Errorf("%s -> %s with\n%s: %v, want %v", c.src, c.dest, c.conf, got, c.want)
		}
	}
}
