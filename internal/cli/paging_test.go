package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"

	"github.com/wgowrt/wgowrt/internal/ops"
	"github.com/wgowrt/wgowrt/internal/rpcd"
	"github.com/wgowrt/wgowrt/internal/wgdev"
)

// bigServer is a root whose wg0 has n dual-stack peers, all configured
// and all running with a recent handshake and traffic; it makes the
// device the status methods read.
func bigServer(tb testing.TB, n int) string {
	tb.Helper()
	t := &testing.T{}
	if tt, ok := tb.(*testing.T); ok {
		t = tt
	}
	useTestDeps(t)
	root := tb.TempDir()
	copyTree(t, "testdata/wg/roots/stock", root)
	mustRun(t, root, "server init --endpoint vpn.example.com")
	now := time.Unix(1795307900, 0)
	ops.Default.Now = func() time.Time { return now }
	dev := &wgtypes.Device{Name: "wg0", ListenPort: 51820}
	var conf strings.Builder
	for i := 0; i < n; i++ {
		var k wgtypes.Key
		copy(k[:], fmt.Sprintf("peer %d", i))
		v4 := fmt.Sprintf("10.%d.%d.%d/32", 8+i>>16, i>>8&255, i&255)
		v6 := fmt.Sprintf("fd12:3456:789a:ff00::%x/128", i+2)
		fmt.Fprintf(&conf, "\nconfig wireguard_wg0 'wgowrt_wg0_peer%d'\n\toption description 'peer%d'\n\toption public_key '%s'\n\tlist allowed_ips '%s'\n\tlist allowed_ips '%s'\n", i, i, k, v4, v6)
		_, a, _ := net.ParseCIDR(v4)
		_, b, _ := net.ParseCIDR(v6)
		dev.Peers = append(dev.Peers, wgtypes.Peer{PublicKey: k, AllowedIPs: []net.IPNet{*a, *b}, LastHandshakeTime: now.Add(-time.Minute),
			Endpoint: &net.UDPAddr{IP: net.ParseIP("2001:db8:ffff::200"), Port: 60000}, ReceiveBytes: 123456789, TransmitBytes: 987654321})
	}
	f, err := os.OpenFile(filepath.Join(root, "etc/config/network"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		tb.Fatal(err)
	}
	f.WriteString(conf.String())
	f.Close()
	ops.Default.Devices = func() (wgdev.Client, error) { return wgdev.NewFake(dev), nil }
	return root
}

func callRaw(root, method, args string) string {
	var o, e bytes.Buffer
	Main([]string{"wgowrt", "--root", root, "call", method}, strings.NewReader(args), &o, &e)
	return o.String()
}

// TestPagedAnswersFit2000Peers: on a server with 2000 dual-stack peers
// the status and peers answers, asked as the LuCI views ask (first
// without paging, then offset and limit until total have come), each fit
// rpcd's buffer with room to spare and together list every peer once.
func TestPagedAnswersFit2000Peers(t *testing.T) {
	const n = 2000
	root := bigServer(t, n)
	for _, method := range []string{"status", "peers"} {
		seen, largest, calls := map[string]bool{}, 0, 0
		out := callRaw(root, method, `{"iface":"wg0"}`)
		names, total := pageOf(t, method, out)
		size := len(names)
		for {
			calls++
			largest = max(largest, len(out))
			if total != n || len(names) == 0 {
				t.Fatalf("%s call %d: %d peers of total %d, want pages of the %d: %.200s", method, calls, len(names), total, n, out)
			}
			for _, name := range names {
				seen[name] = true
			}
			if len(seen) >= n || calls > n {
				break
			}
			out = callRaw(root, method, fmt.Sprintf(`{"iface":"wg0","offset":%d,"limit":%d}`, len(seen), size))
			names, total = pageOf(t, method, out)
		}
		if len(seen) != n {
			t.Errorf("%s: the pages list %d distinct peers, want %d", method, len(seen), n)
		}
		if largest > rpcd.Limit*3/4 {
			t.Errorf("%s: a page is %d bytes, too close to rpcd's %d", method, largest, rpcd.Limit)
		}
		t.Logf("%s: %d peers in %d answers of %d, largest %d bytes (rpcd relays %d)", method, n, calls, size, largest, rpcd.Limit)
	}
}

// pageOf reads the peer names and the total from a status or peers page.
func pageOf(t *testing.T, method, out string) ([]string, int) {
	t.Helper()
	type peers struct{ Peers []struct{ Name string } }
	var ans struct {
		peers
		Total      int
		Interfaces []peers
	}
	if err := json.Unmarshal([]byte(out), &ans); err != nil {
		t.Fatalf("%s: %v: %.200s", method, err, out)
	}
	p := ans.peers
	if method == "status" {
		if len(ans.Interfaces) != 1 {
			t.Fatalf("status: %d interfaces: %.200s", len(ans.Interfaces), out)
		}
		p = ans.Interfaces[0]
	}
	var names []string
	for _, x := range p.Peers {
		names = append(names, x.Name)
	}
	return names, ans.Total
}

// BenchmarkStatusPage2000 measures one status page of 250 peers of a
// 2000-peer dual-stack server: what LuCI's overview asks every poll.
func BenchmarkStatusPage2000(b *testing.B) {
	old := ops.Default
	defer func() { ops.Default = old }()
	root := bigServer(b, 2000)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if out := callRaw(root, "status", `{"iface":"wg0","offset":1750,"limit":250}`); strings.Contains(out, `"error"`) {
			b.Fatal(out)
		}
	}
}
