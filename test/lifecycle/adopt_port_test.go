package lifecycle

import (
	"strings"
	"testing"
)

// TestAdoptedServerPortMove: an adopted hand-made server moves its listen
// port with 'server init --iface wg0 --port 51999'. The rule adopt
// recorded follows: the loaded fw4 ruleset accepts udp 51999 from wan and
// no longer 51820 (before, the hand-made rule kept the old port open and
// 'server remove' left it), the client, told the new port, handshakes
// afresh through it (its link re-created: a new source port, no conntrack
// entry the server's own packets made), and 'server remove' leaves no
// port open. Cost: about 20 s (two namespaces).
func TestAdoptedServerPortMove(t *testing.T) {
	srv, cli, _ := handMadePair(t, "p")
	srv.exec("wgowrt", "adopt", "wg0", "--endpoint", "203.0.113.1")
	if out := srv.exec("wgowrt", "server", "init", "--iface", "wg0", "--port", "51999"); !strings.Contains(out, "now opens udp port 51999 instead of 51820") {
		t.Errorf("server init does not say the rule moved:\n%s", out)
	}
	eventually(t, "wg0 listens on 51999", func() bool { // netifd re-creates it
		out, _ := srv.try("wg", "show", "wg0", "listen-port")
		return strings.TrimSpace(out) == "51999"
	})
	eventually(t, "fw4 accepts udp 51999 from wan, not 51820", func() bool {
		out, _ := srv.try("nft", "list", "chain", "inet", "fw4", "input_wan")
		return strings.Contains(out, "51999") && !strings.Contains(out, "51820")
	})
	cli.exec("uci", "set", "network.@wireguard_wg0[0].endpoint_port=51999")
	cli.exec("uci", "commit", "network")
	cli.exec("ubus", "call", "network.interface.wg0", "down")
	cli.exec("ubus", "call", "network", "reload")
	cli.exec("ubus", "call", "network.interface.wg0", "up")
	cli.ns("wait", cli.name, "wg0")
	eventually(t, "the client handshakes with the new port", func() bool {
		_, ok := cli.try("ping", "-c1", "-W1", "10.20.0.1")
		return ok
	})
	if out := cli.exec("wg", "show", "wg0", "endpoints"); !strings.Contains(out, "203.0.113.1:51999") {
		t.Errorf("the client's endpoint is not the new port:\n%s", out)
	}
	srv.exec("wgowrt", "server", "remove")
	eventually(t, "fw4 accepts neither port", func() bool {
		out, _ := srv.try("nft", "list", "chain", "inet", "fw4", "input_wan")
		return !strings.Contains(out, "51999") && !strings.Contains(out, "51820")
	})
}
