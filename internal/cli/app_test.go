package cli

import (
	"strings"
	"testing"
)

func TestHoistGlobalFlags(t *testing.T) {
	cases := []struct{ in, want string }{
		{"wgowrt status --json", "wgowrt --json status"},
		{"wgowrt --root /r peer add phone --dry-run --qr", "wgowrt --root /r --dry-run peer add phone --qr"},
		{"wgowrt peer add -n phone", "wgowrt -n peer add phone"},
		{"wgowrt uci -n show", "wgowrt uci -n show"},
		{"wgowrt call status --json", "wgowrt call status --json"},
		{"wgowrt client import -- --json", "wgowrt client import -- --json"},
		{"wgowrt --json", "wgowrt --json"},
	}
	for _, c := range cases {
		if got := strings.Join(hoistGlobalFlags(strings.Fields(c.in)), " "); got != c.want {
			t.Errorf("%q: got %q, want %q", c.in, got, c.want)
		}
	}
}
