package netns

import (
	"testing"

	"github.com/wgowrt/wgowrt/test/netns/lab"
)

// Source-routed /32, 44Net model 1, on the real netifd and fw4
// (testdata/source-routed: the stock
// router plus wg44 44.27.133.17/32 with ip4table 100 and a /0 peer).
//
//	┌──────────────────────────┐     ┌──────────────────┐     ┌──────────────────────────┐
//	│ router (owrt-ns)         │     │ inet             │     │ gw44 (wg-quick)          │
//	│ veth-wan 203.0.113.2 ────┼─────┤ 203.0.113.1/24   │     │ eth0 198.51.100.20 echo  │
//	│ wg44 44.27.133.17 echo   │     │ 198.51.100.1/24 ─┼─────┤ wg 44.27.133.1/32        │
//	│ table 100: default wg44  │     └──────────────────┘     │ lo 192.0.2.44 (a 44Net   │
//	└──────────────────────────┘                              │    host only via tunnel) │
//	                                                          └──────────────────────────┘
//
// inet has no route to 192.0.2.44: an answer to it only arrives if the
// router sends it into the tunnel, which is what netifd's ip4table rules do.
const gw44Conf = `[Interface]
PrivateKey = uAB9NI6Wa2wQz2eh84Fhbb6WZMho1esbu4hCx1VH2nM=
ListenPort = 51820
Address = 44.27.133.1/32

[Peer]
PublicKey = sRGtH59Ye4T7FbeWTZqJNcBRZFCRzK6aRHDaFZbRvQQ=
AllowedIPs = 44.27.133.17/32
`

func TestSourceRouted44Net(t *testing.T) {
	t.Parallel()
	l := lab.New(t)
	inet := internet(t, l)
	gw := attach(t, l, "gw44", inet, "g1", "198.51.100.1/24", "198.51.100.20/24")
	gw.MustRun("ip", "addr", "add", "192.0.2.44/32", "dev", "lo")
	wgQuick(t, gw, "wg", gw44Conf)
	gw.ServeTCPEcho("198.51.100.20:" + echoPort)
	site := buildSite(t, l, "router", testdataConfig(t, "source-routed"), handler, inet, stockWiring("r1", "203.0.113.1/24", "192.168.1.10/24", "192.168.1.1"))
	site.r.Wait("wg44")
	router := site.ns
	router.ServeTCPEcho("44.27.133.17:" + echoPort)

	expectReached(t, "44Net host -> router's /32 through the tunnel",
		gw.TCP("44.27.133.17:"+echoPort, "192.0.2.44"), "192.0.2.44")
	expectReached(t, "router's own traffic keeps using wan (main table)",
		router.TCP("198.51.100.20:"+echoPort, ""), "203.0.113.2")
	expectReached(t, "router sourcing from its /32 goes through the tunnel",
		router.TCP("198.51.100.20:"+echoPort, "44.27.133.17"), "44.27.133.17")

	// Without netifd's "from 44.27.133.17 lookup 100" the answer follows
	// main (wan) and never arrives: the rule is what makes model 1 work.
	router.MustRun("ip", "rule", "del", "priority", "10000", "from", "44.27.133.17", "lookup", "100")
	expectBlocked(t, "44Net host -> router's /32 without the source rule",
		gw.TCP("44.27.133.17:"+echoPort, "192.0.2.44"))
}
