package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAdoptThenServerRemove is the round trip of a hand-made server:
// adopt, then server remove. What remains is documented here: the
// firewall is the hand-made file without the one rule that only opened
// the listen port (adopt recorded it as part of the server), the zone
// still lists wg0 (a warning says how to drop it), the network has no wg0
// and wgowrt's notes are gone. A port rule that does more than open the
// port (here: only from one address) is not recorded: it stays, and
// server remove names it in a warning.
func TestAdoptThenServerRemove(t *testing.T) {
	const rule = "\nconfig rule 'wg'\n\toption name 'Allow-WireGuard'\n\toption src 'wan'\n\toption dest_port '51820'\n\toption proto 'udp'\n\toption target 'ACCEPT'\n"
	for _, narrow := range []bool{false, true} {
		useTestDeps(t)
		data, err := os.ReadFile("testdata/wg/adopt-wiki-server.txtar")
		if err != nil {
			t.Fatal(err)
		}
		root := prepareRoot(t, parseTxtar(string(data)))
		fwPath := filepath.Join(root, "etc/config/firewall")
		fw := readConf(t, root, "firewall")
		if !strings.Contains(fw, rule) {
			t.Fatalf("the wiki shape has no port rule %q", rule)
		}
		if narrow {
			fw = strings.Replace(fw, rule, rule+"\toption src_ip '198.51.100.0/24'\n", 1)
			os.WriteFile(fwPath, []byte(fw), 0644)
		}
		mustRun(t, root, "adopt wg0 --endpoint vpn.example.com")
		_, stderr, code := run(t, root, "server remove", false)
		if code != 0 {
			t.Fatalf("narrow %v: server remove: exit %d: %s", narrow, code, stderr)
		}
		want := strings.Replace(fw, rule, "", 1)
		if narrow {
			want = fw
			if !strings.Contains(stderr, "firewall rule wg (Allow-WireGuard, not made by wgowrt) still opens udp port 51820 from wan; delete it with 'uci delete firewall.wg'") {
				t.Errorf("narrow rule: no warning naming it:\n%s", stderr)
			}
		}
		if got := readConf(t, root, "firewall"); strings.TrimSpace(got) != strings.TrimSpace(want) {
			t.Errorf("narrow %v: firewall after server remove:\n%s\nwant:\n%s", narrow, got, want)
		}
		if !strings.Contains(stderr, "firewall zone lan (not made by wgowrt) still lists network wg0") {
			t.Errorf("narrow %v: no warning about the zone:\n%s", narrow, stderr)
		}
		if n := readConf(t, root, "network"); strings.Contains(n, "wg0") {
			t.Errorf("narrow %v: network still names wg0:\n%s", narrow, n)
		}
		if w := readConf(t, root, "wgowrt"); strings.Contains(w, "wg0") {
			t.Errorf("narrow %v: wgowrt's notes still name wg0:\n%s", narrow, w)
		}
	}
}
