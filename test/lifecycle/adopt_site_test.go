package lifecycle

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/wgowrt/wgowrt/internal/testenv"
)

// sitePeer is a hand-made site link to the other router: its tunnel
// address and LAN routed (route_allowed_ips), a fixed endpoint.
func sitePeer(name, pub, tunnel, lan, endpoint string) string {
	return "config wireguard_wg0\n\toption description '" + name + "'\n\toption public_key '" + pub + "'\n" +
		"\tlist allowed_ips '" + tunnel + "'\n\tlist allowed_ips '" + lan + "'\n\toption route_allowed_ips '1'\n" +
		"\toption endpoint_host '" + endpoint + "'\n\toption endpoint_port '51820'\n\toption persistent_keepalive '25'\n"
}

// TestAdoptedSiteLinkTakesSiteSet: two routers joined by a site link made
// by hand (LAN 192.168.1.0/24 and 192.168.2.0/24). Adopting one side
// records the link as a site; 'site set --keepalive' then reaches the
// running peer without re-creating wg0 or re-handshaking, the far LAN
// still answers, the firewall file is byte for byte the hand-made one,
// and a dry run has nothing more to do (issue 15, item 2). Cost: about
// 15 s (two namespaces).
func TestAdoptedSiteLinkTakesSiteSet(t *testing.T) {
	tool := testenv.OracleTool(t, "owrt-ns")
	bin := binary(t)
	ka, kb := keys(t)
	na, fa := handMadeTunnel(t, "203.0.113.1", "10.30.0.1/24", ka,
		sitePeer("branch", kb.PublicKey().String(), "10.30.0.2/32", "192.168.2.0/24", "203.0.113.2"))
	nb, fb := handMadeTunnel(t, "203.0.113.2", "10.30.0.2/24", kb,
		sitePeer("hq", ka.PublicKey().String(), "10.30.0.1/32", "192.168.1.0/24", "203.0.113.1"))
	nb = strings.Replace(nb, "option ipaddr '192.168.1.1'", "option ipaddr '192.168.2.1'", 1)
	a := bootOnly(t, tool, "sa", na, fa, bin)
	b := bootOnly(t, tool, "sb", nb, fb, bin)
	a.ns("link", a.name, "wan", b.name, "wan")
	for _, r := range []*router{a, b} {
		r.ns("start", r.name, "rpcd", "firewall", "netifd")
		r.ns("wait", r.name, "lan", "wan", "wg0")
	}
	eventually(t, "the hand-made link reaches the far LAN", func() bool {
		_, ok := a.try("ping", "-c1", "-W1", "-I", "192.168.1.1", "192.168.2.1")
		return ok
	})
	firewall := a.exec("cat", "/etc/config/firewall")
	index, hs := a.exec("cat", "/sys/class/net/wg0/ifindex"), a.exec("wg", "show", "wg0", "latest-handshakes")
	if out := a.exec("wgowrt", "adopt", "wg0", "--endpoint", "203.0.113.1"); !strings.Contains(out, "site link") {
		t.Errorf("adopt did not find the site link:\n%s", out)
	}
	a.exec("wgowrt", "site", "set", "branch", "--keepalive", "7")
	if got := a.exec("wg", "show", "wg0", "persistent-keepalive"); !strings.Contains(got, kb.PublicKey().String()+"\t7") {
		t.Errorf("the running peer's keepalive is not 7:\n%s", got)
	}
	if _, ok := a.try("ping", "-c3", "-W1", "-I", "192.168.1.1", "192.168.2.1"); !ok {
		t.Error("the far LAN does not answer after site set")
	}
	if got := a.exec("cat", "/sys/class/net/wg0/ifindex"); got != index {
		t.Errorf("wg0 was re-created: ifindex %s, was %s", strings.TrimSpace(got), strings.TrimSpace(index))
	}
	if got := a.exec("wg", "show", "wg0", "latest-handshakes"); !strings.Contains(got, strings.TrimSpace(hs)) {
		t.Errorf("the site re-handshook:\n%s\nwas:\n%s", got, hs)
	}
	if got := a.exec("cat", "/etc/config/firewall"); got != firewall {
		t.Errorf("the hand-made firewall changed:\n%s", got)
	}
	var doc struct{ Changed bool }
	out := a.exec("sh", "-c", "wgowrt --json --dry-run site set branch --keepalive 7 2>/dev/null")
	if err := json.Unmarshal([]byte(out), &doc); err != nil || doc.Changed {
		t.Errorf("a second site set would still change something (%v):\n%s", err, out)
	}
}
