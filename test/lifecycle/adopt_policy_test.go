package lifecycle

import (
	"strings"
	"testing"
)

// luciZone makes handMadeTunnel's server firewall LuCI-shaped: wg0 in a
// zone vpn of its own (input REJECT) forwarding to lan and wan.
func luciZone(fw string) string {
	return strings.Replace(fw, "\tlist network 'wg0'\n", "", 1) +
		"\nconfig zone\n\toption name 'vpn'\n\tlist network 'wg0'\n\toption input 'REJECT'\n\toption output 'ACCEPT'\n\toption forward 'REJECT'\n" +
		"\nconfig forwarding\n\toption src 'vpn'\n\toption dest 'lan'\n\nconfig forwarding\n\toption src 'vpn'\n\toption dest 'wan'\n"
}

// TestAdoptedServerKeepsItsPolicy: a LuCI-shaped server (zone vpn, input
// REJECT: its peers cannot ping the router) is adopted, and 'server init
// --iface wg0 --port 51820' leaves its firewall file as it was (no
// Allow-Ping, no lan -> vpn forwarding) and says it has nothing to change: the peer still cannot
// ping the router's tunnel address while the router pings it. Asked with
// --router-access none, wgowrt adds its ping rule, names it, and fw4
// loads it: the peer's ping then gets through (so the first check would
// have seen one). Cost: about 20 s (two namespaces).
func TestAdoptedServerKeepsItsPolicy(t *testing.T) {
	srv, cli, _ := handMadePairWith(t, "k", luciZone)
	if _, ok := cli.try("ping", "-c1", "-W1", "10.20.0.1"); ok {
		t.Fatal("the hand-made zone (input REJECT) answers the peer's ping")
	}
	srv.exec("wgowrt", "adopt", "wg0", "--endpoint", "203.0.113.1")
	before := srv.exec("cat", "/etc/config/firewall")
	out := srv.exec("wgowrt", "server", "init", "--iface", "wg0", "--port", "51820")
	if !strings.Contains(out, "nothing to change") {
		t.Errorf("server init does not say it has nothing to change:\n%s", out)
	}
	if after := srv.exec("cat", "/etc/config/firewall"); after != before {
		t.Errorf("server init changed the hand-made firewall:\n%s\nwas:\n%s", after, before)
	}
	// a ping of userspace WireGuard on a loaded machine may take more than one try
	eventually(t, "the router still reaches its peer", func() bool {
		_, ok := srv.try("ping", "-c1", "-W1", "10.20.0.2")
		return ok
	})
	// fw4 loads a new ruleset a second or two after a reload: five
	// pings over five seconds see one.
	if _, ok := cli.try("ping", "-c5", "-i1", "-W1", "10.20.0.1"); ok {
		t.Error("after server init the peer pings the router (a ping rule was added)")
	}
	if out := srv.exec("wgowrt", "server", "init", "--iface", "wg0", "--router-access", "none"); !strings.Contains(out, "wgowrt adds firewall.wgowrt_wg0_ping") {
		t.Errorf("--router-access none does not name the ping rule it adds:\n%s", out)
	}
	eventually(t, "fw4 lets the peer ping the router", func() bool {
		_, ok := cli.try("ping", "-c1", "-W1", "10.20.0.1")
		return ok
	})
}
