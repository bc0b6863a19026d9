package cli

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TestAdoptedShapesTakeEveryCommand: each hand-made shape of the adopt
// goldens, once adopted, takes peer add, peer set and peer remove; after
// them adopting again has nothing to do, the firewall file is byte for
// byte the hand-made one, and every original peer keeps its key and
// allowed IPs (issue 15, item 1).
func TestAdoptedShapesTakeEveryCommand(t *testing.T) {
	shapes := map[string]string{"adopt-wiki-server": "wgclient", "adopt-luci-server": "Bob-s-laptop",
		"adopt-no-descriptions": "peer2", "adopt-shared-zone": "tablet", "adopt-site-link": "Office"}
	for shape, peer := range shapes {
		t.Run(shape, func(t *testing.T) {
			useTestDeps(t)
			data, err := os.ReadFile(filepath.Join("testdata/wg", shape+".txtar"))
			if err != nil {
				t.Fatal(err)
			}
			a := parseTxtar(string(data))
			root := prepareRoot(t, a)
			fwBefore := readConf(t, root, "firewall")
			keysBefore := peerFacts(readConf(t, root, "network"))
			mustRun(t, root, "adopt wg0 --endpoint vpn.example.com")
			mustRun(t, root, "peer add newcomer")
			if shape == "adopt-site-link" {
				// adopted as a site: peer set refuses it, site set takes it
				if _, e, code := run(t, root, "peer set "+peer+" --keepalive 15", false); code == 0 || !strings.Contains(e, "site set") {
					t.Errorf("peer set on the adopted site: exit %d, %s", code, e)
				}
				mustRun(t, root, "site set "+peer+" --keepalive 15")
				// the site's own keepalive is a device setting: it changes
				keysBefore = strings.Replace(keysBefore, "persistent_keepalive '25'", "persistent_keepalive '15'", 1)
			} else {
				mustRun(t, root, "peer set "+peer+" --keepalive 15")
			}
			mustRun(t, root, "peer remove newcomer")
			if o, e, code := run(t, root, "adopt wg0 --endpoint vpn.example.com", true); code != 0 || o != "" {
				t.Errorf("adopting again: exit %d, changes %q (%s), want none", code, o, e)
			}
			if got := readConf(t, root, "firewall"); got != fwBefore {
				t.Errorf("the firewall changed:\n%s", got)
			}
			if got := peerFacts(readConf(t, root, "network")); got != keysBefore {
				t.Errorf("peer keys or allowed IPs changed:\n%s\nwant:\n%s", got, keysBefore)
			}
			if o := mustRun(t, root, "peer list"); !strings.Contains(o, peer) {
				t.Errorf("peer list lacks %s:\n%s", peer, o)
			}
		})
	}
}

func readConf(t *testing.T, root, name string) string {
	b, err := os.ReadFile(filepath.Join(root, "etc/config", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// peerFacts are the lines of network that the device reads from peer
// sections and the interface (keys, addresses, port, allowed IPs,
// endpoints), sorted: section names and descriptions may change.
func peerFacts(network string) string {
	var out []string
	for _, l := range strings.Split(network, "\n") {
		for _, k := range []string{"public_key", "private_key", "preshared_key", "allowed_ips", "addresses", "listen_port", "endpoint_", "persistent_keepalive", "route_allowed_ips"} {
			if strings.Contains(l, "\toption "+k) || strings.Contains(l, "\tlist "+k) {
				out = append(out, strings.TrimSpace(l))
			}
		}
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}
