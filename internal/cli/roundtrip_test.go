package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// roundTrip runs setup on a copy of examples/router (with the empty
// /etc/config/wgowrt the package's uci-defaults leave), then steps, then
// remove. Steps starting with "uci " are a user's hand edits; the others
// are wgowrt's. After remove the tree must equal the one that only saw
// setup and the hand edits, byte for byte: the role's sections are gone,
// the hand-made ones (made while the role was there, in the same files)
// are untouched. The wgowrt package only has to be empty: on a router
// the file exists either way, and uci writes an empty package as "\n".
func roundTrip(t *testing.T, setup, steps, remove []string) {
	t.Helper()
	useTestDeps(t)
	root, ref := t.TempDir(), t.TempDir()
	copyTree(t, "../../examples/router", root)
	os.WriteFile(filepath.Join(root, "etc/config/wgowrt"), nil, 0600)
	for _, c := range setup {
		mustRun(t, root, c)
	}
	copyTree(t, root, ref)
	for _, c := range steps {
		mustRun(t, root, c)
		if strings.HasPrefix(c, "uci ") {
			mustRun(t, ref, c)
		}
	}
	for _, c := range remove {
		mustRun(t, root, c)
	}
	got, want := snapshot(t, root), snapshot(t, ref)
	for name, w := range want {
		g, ok := got[name]
		if strings.HasSuffix(name, "etc/config/wgowrt") {
			if strings.Contains(g, "config ") != strings.Contains(w, "config ") {
				t.Errorf("%s: role notes left behind:\n%s\nwant:\n%s", name, g, w)
			}
			continue
		}
		if !ok || g != w {
			t.Errorf("%s differs after %v:\n--- got\n%s--- want\n%s", name, remove, g, w)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("%s was left behind", name)
		}
	}
}

// hand is a user's own sections and list entries in network, firewall
// and dhcp, added between wgowrt's commands.
func hand(tag string) []string {
	return []string{
		"uci set firewall.mine" + tag + "=rule", "uci set firewall.mine" + tag + ".name=Hand-" + tag,
		"uci set firewall.mine" + tag + ".src=wan", "uci set firewall.mine" + tag + ".dest_port=222" + tag,
		"uci set firewall.mine" + tag + ".target=ACCEPT",
		"uci set network.mine" + tag + "=route", "uci set network.mine" + tag + ".interface=lan",
		"uci set network.mine" + tag + ".target=10.7" + tag + ".0.0/16",
		"uci add_list dhcp.lan.dhcp_option=6,192.168.1." + tag,
		"uci commit",
	}
}

func seq(parts ...[]string) []string {
	var out []string
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func writeConf(t *testing.T, text string) string {
	p := filepath.Join(t.TempDir(), "wgc.conf")
	os.WriteFile(p, []byte(text), 0600)
	return p
}

const roundTripSiteKey = "46hycNm+m5hXssK4NSlcrus6L+Nr6qBgFauZQxdMnRs="

func TestRoundTripServer(t *testing.T) {
	roundTrip(t, nil, seq(
		[]string{"server init --endpoint vpn.example.org"}, hand("1"),
		[]string{"peer add phone", "peer add laptop --route 192.168.60.0/24"}, hand("2"),
		[]string{"access phone masquerade", "expose --peer phone --port 8080:80/tcp",
			"site add office --public-key " + roundTripSiteKey + " --remote-subnet 192.168.50.0/24",
			"lan-route --dhcp"}, hand("3")),
		[]string{"server remove"})
}

func TestRoundTripServerLockedDown(t *testing.T) {
	roundTrip(t, nil, seq(
		[]string{"server init --iface wg1 --lan-access none --internet --client-to-client"}, hand("1"),
		[]string{"peer add phone --iface wg1"}),
		[]string{"server remove --iface wg1"})
}

func TestRoundTripPeerAndSite(t *testing.T) {
	roundTrip(t, []string{"server init --endpoint vpn.example.org"}, seq(
		[]string{"peer add phone"}, hand("1"), []string{"access phone masquerade",
			"expose --peer phone --port 8080:80/tcp",
			"site add office --public-key " + roundTripSiteKey + " --remote-subnet 192.168.50.0/24"}, hand("2")),
		[]string{"site remove office", "peer remove phone"})
}

const fullConf = `[Interface]
PrivateKey = wJYyqFXTxCTqX6g++TKYB2OSP/u9ZBb4iHkwzcfVMU0=
Address = 10.64.1.2/32, fd00:64::2/128
DNS = 10.64.0.1

[Peer]
PublicKey = 46hycNm+m5hXssK4NSlcrus6L+Nr6qBgFauZQxdMnRs=
AllowedIPs = 0.0.0.0/0, ::/0
Endpoint = 198.51.100.20:51820
`

func TestRoundTripClientFull(t *testing.T) {
	conf := writeConf(t, fullConf)
	roundTrip(t, nil, seq(
		[]string{"client import " + conf + " --mode full --kill-switch --allow tcp/22"}, hand("1")),
		[]string{"client remove --iface wgc"})
}

func TestRoundTripClientSplit(t *testing.T) {
	conf := writeConf(t, strings.Replace(fullConf, "0.0.0.0/0, ::/0", "10.64.0.0/16", 1))
	roundTrip(t, nil, seq(hand("1"), []string{"client import " + conf}, hand("2")),
		[]string{"client remove --iface wgc"})
}

func TestRoundTripGatewayThenClient(t *testing.T) {
	conf := writeConf(t, fullConf)
	steps := seq([]string{"client import " + conf + " --mode source"}, hand("1"),
		[]string{"gateway add --iface wgc --block 44.27.132.8/29 --lan-device eth3 --allow tcp/80"}, hand("2"))
	t.Run("gateway", func(t *testing.T) {
		roundTrip(t, []string{"client import " + conf + " --mode source"}, steps[1:], []string{"gateway remove --iface wgc"})
	})
	t.Run("both", func(t *testing.T) {
		roundTrip(t, nil, steps, []string{"gateway remove --iface wgc", "client remove --iface wgc"})
	})
}

// TestRoundTripGatewayIPv6: a gateway with an IPv6 prefix beside the IPv4
// block (rule6 pair, ip6addr, -ipv6 allow rules) goes as a whole too.
func TestRoundTripGatewayIPv6(t *testing.T) {
	conf := writeConf(t, fullConf)
	roundTrip(t, []string{"client import " + conf + " --mode source"}, seq(hand("1"),
		[]string{"gateway add --iface wgc --block 44.27.132.8/29 --block6 2001:db8:44:1::/64 --lan-device eth3 --allow tcp/80"}, hand("2")),
		[]string{"gateway remove --iface wgc"})
}

func TestClientRemoveRefusesWhileAGatewayUsesIt(t *testing.T) {
	useTestDeps(t)
	root := t.TempDir()
	copyTree(t, "../../examples/router", root)
	mustRun(t, root, "client import "+writeConf(t, fullConf)+" --mode source")
	mustRun(t, root, "gateway add --iface wgc --block 44.27.132.8/29 --lan-device eth3")
	before := snapshot(t, root)
	_, e, code := run(t, root, "client remove --iface wgc", false)
	if code == 0 || !strings.Contains(e, "gateway remove --iface wgc") {
		t.Errorf("exit %d, stderr %q: want a refusal naming 'gateway remove'", code, e)
	}
	if !equalTrees(before, snapshot(t, root)) {
		t.Error("a refused remove wrote something")
	}
}

func TestServerRemoveRefusesHandMadeInterface(t *testing.T) {
	useTestDeps(t)
	root := t.TempDir()
	copyTree(t, "../../examples/router", root)
	mustRun(t, root, "uci set network.wg9=interface")
	mustRun(t, root, "uci set network.wg9.proto=wireguard")
	mustRun(t, root, "uci commit network")
	before := snapshot(t, root)
	_, e, code := run(t, root, "server remove --iface wg9", false)
	if code == 0 || !strings.Contains(e, "not created by wgowrt") {
		t.Errorf("exit %d, stderr %q: want a refusal", code, e)
	}
	if !equalTrees(before, snapshot(t, root)) {
		t.Error("a refused remove wrote something")
	}
	if _, e, code := run(t, root, "server remove --iface wg8", false); code != 0 || !strings.Contains(e, "nothing to remove") {
		t.Errorf("removing a missing interface: exit %d, %q", code, e)
	}
}

func equalTrees(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
