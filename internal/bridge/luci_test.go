package bridge

import (
	"strings"
	"testing"
)

// TestErrorsInThePagesWords: messages written for the command line reach
// LuCI without a flag or a command the user never saw.
func TestErrorsInThePagesWords(t *testing.T) {
	for in, want := range map[string]string{
		"--ip 10.8.0.2 is already used; choose another or use --ip auto":                                        "address 10.8.0.2 is already used; choose another or use auto",
		"--mode full with --lan none would route nothing":                                                       "mode full with LAN none would route nothing",
		"interface wgc already exists and was not created by 'wgowrt client'; choose another name with --iface": "interface wgc already exists and was not created by 'wgowrt client'; choose another name",
		`no peer "x" on wg0 (see 'wgowrt peer list --iface wg0')`:                                               `no peer "x" on wg0`,
		`no WireGuard interface "wg0"; create it with 'wgowrt server init --iface wg0'`:                         `no WireGuard interface "wg0"; create it on the Setup page`,
		"--remote-subnet 10.0.0.0/8 overlaps":                                                                   "remote subnet 10.0.0.0/8 overlaps",
		"--allow \"x\" is not PROTO/PORT":                                                                       "service \"x\" is not PROTO/PORT",
	} {
		got := forLuCI(in)
		if got != want {
			t.Errorf("forLuCI(%q)\n got %q\nwant %q", in, got, want)
		}
		if strings.Contains(got, "--") {
			t.Errorf("%q still names a flag", got)
		}
	}
}
