package lifecycle

import (
	"github.com/wgowrt/wgowrt/internal/testenv"
	"strconv"
	"strings"
	"testing"

	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
)

// handMadeTunnel is a LuCI-style wg0 (anonymous peer with a description,
// wg0 in the lan zone, a rule for the port) on examples/router.
func handMadeTunnel(t *testing.T, wanIP, addr string, own wgtypes.Key, peer string) (string, string) {
	network, firewall := exampleFiles(t, wanIP)
	network += "\nconfig interface 'wg0'\n\toption proto 'wireguard'\n\toption private_key '" + own.String() + "'\n" +
		"\toption listen_port '51820'\n\tlist addresses '" + addr + "'\n\n" + peer
	lan := "config zone\n\toption name 'lan'\n\tlist network 'lan'\n"
	firewall = strings.Replace(firewall, lan, lan+"\tlist network 'wg0'\n", 1) +
		"\nconfig rule\n\toption name 'Allow-WG'\n\toption src 'wan'\n\toption proto 'udp'\n\toption dest_port '51820'\n\toption target 'ACCEPT'\n"
	return network, firewall
}

func keys(t *testing.T) (wgtypes.Key, wgtypes.Key) {
	a, err := wgtypes.GeneratePrivateKey()
	if err != nil {
		t.Fatal(err)
	}
	b, err := wgtypes.GeneratePrivateKey()
	if err != nil {
		t.Fatal(err)
	}
	return a, b
}

// TestAdoptKeepsTheLiveTunnel: a hand-made server with a handshaken
// peer is adopted; the link is not re-created (same ifindex), the peer
// does not re-handshake (same latest handshake) and its counters keep
// growing; a peer added afterwards leaves the first one's session alone.
// Cost: about 15 s (two namespaces).
func TestAdoptKeepsTheLiveTunnel(t *testing.T) {
	srv, _, k2 := handMadePair(t, "a")
	phone := k2.PublicKey().String()
	index, hs, rx := srv.exec("cat", "/sys/class/net/wg0/ifindex"), srv.exec("wg", "show", "wg0", "latest-handshakes"), received(srv, phone)
	out := srv.exec("wgowrt", "adopt", "wg0", "--endpoint", "203.0.113.1")
	if !strings.Contains(out, "phone") {
		t.Errorf("adopt did not report the peer:\n%s", out)
	}
	if _, ok := srv.try("ping", "-c3", "-W1", "10.20.0.2"); !ok {
		t.Error("no ping through the tunnel after adopt")
	}
	srv.exec("wgowrt", "peer", "add", "newcomer")
	if _, ok := srv.try("ping", "-c2", "-W1", "10.20.0.2"); !ok {
		t.Error("no ping through the tunnel after peer add")
	}
	if got := srv.exec("cat", "/sys/class/net/wg0/ifindex"); got != index {
		t.Errorf("wg0 was re-created: ifindex %s, was %s", strings.TrimSpace(got), strings.TrimSpace(index))
	}
	if got := srv.exec("wg", "show", "wg0", "latest-handshakes"); !strings.Contains(got, strings.TrimSpace(hs)) {
		t.Errorf("the peer re-handshook:\n%s\nwas:\n%s", got, hs)
	}
	if got := received(srv, phone); got <= rx {
		t.Errorf("received bytes did not grow: %d, was %d", got, rx)
	}
	if cfg := srv.exec("uci", "show", "network"); !strings.Contains(cfg, "network.wgowrt_wg0_phone=wireguard_wg0") {
		t.Errorf("the peer was not adopted:\n%s", cfg)
	}
}

// handMadePair boots two routers joined by their wan (the server
// 203.0.113.1, the client 203.0.113.2) with hand-made tunnels whose
// handshake carries a ping, and returns the server, the client and the
// client's key (the server's peer "phone"); tag names the namespaces.
func handMadePair(t *testing.T, tag string) (*router, *router, wgtypes.Key) {
	t.Helper()
	tool := testenv.OracleTool(t, "owrt-ns")
	bin := binary(t)
	k1, k2 := keys(t)
	n1, f1 := handMadeTunnel(t, "203.0.113.1", "10.20.0.1/24", k1,
		"config wireguard_wg0\n\toption description 'phone'\n\toption public_key '"+k2.PublicKey().String()+"'\n\tlist allowed_ips '10.20.0.2/32'\n")
	n2, f2 := handMadeTunnel(t, "203.0.113.2", "10.20.0.2/24", k2,
		"config wireguard_wg0\n\toption description 'server'\n\toption public_key '"+k1.PublicKey().String()+"'\n\tlist allowed_ips '10.20.0.0/24'\n"+
			"\toption endpoint_host '203.0.113.1'\n\toption endpoint_port '51820'\n\toption persistent_keepalive '5'\n")
	// Cables first: netifd would give wan a veth of its own.
	srv := bootOnly(t, tool, tag+"s", n1, f1, bin)
	cli := bootOnly(t, tool, tag+"c", n2, f2, bin)
	srv.ns("link", srv.name, "wan", cli.name, "wan")
	for _, r := range []*router{srv, cli} {
		r.ns("start", r.name, "rpcd", "firewall", "netifd")
		r.ns("wait", r.name, "lan", "wan", "wg0")
	}
	eventually(t, "the hand-made tunnel carries a ping", func() bool {
		_, ok := srv.try("ping", "-c1", "-W1", "10.20.0.2")
		return ok
	})
	return srv, cli, k2
}

// received is the bytes wg0 received from peer pub.
func received(r *router, pub string) int {
	out := r.exec("wg", "show", "wg0", "transfer")
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Fields(l); len(f) == 3 && f[0] == pub {
			n, err := strconv.Atoi(f[1])
			if err == nil {
				return n
			}
		}
	}
	r.t.Fatalf("wg show wg0 transfer has no peer %s: %q", pub, out)
	return 0
}
