package ops

import (
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/wgowrt/wgowrt/internal/plan"
	"github.com/wgowrt/wgowrt/internal/wg"
)

// testOps returns the operations on a copy of the stock OpenWrt root
// with a server wg0, deterministic keys and no live system.
func testOps(t *testing.T) *Ops {
	t.Helper()
	root := t.TempDir()
	for _, f := range []string{"network", "firewall"} {
		b, err := os.ReadFile("../cli/testdata/wg/roots/stock/etc/config/" + f)
		if err != nil {
			t.Fatal(err)
		}
		os.MkdirAll(filepath.Join(root, "etc/config"), 0755)
		if err := os.WriteFile(filepath.Join(root, "etc/config", f), b, 0644); err != nil {
			t.Fatal(err)
		}
	}
	o := New(root)
	o.Deps.Keys = testKeys()
	o.Deps.Live = func(string) *Live { return nil }
	e, _ := wg.ParseEndpoint("vpn.example.com")
	if _, err := o.ServerInit(ServerInit{Intent: plan.ServerIntent{Iface: "wg0", Endpoint: &e}}); err != nil {
		t.Fatal(err)
	}
	return o
}

func testKeys() wg.KeySource {
	n := 0
	return func() (b [wg.KeyLen]byte, err error) {
		n++
		return sha256.Sum256([]byte(fmt.Sprintf("ops test key %d", n))), nil
	}
}

// peerAdd is a request whose config is shown nowhere.
func peerAdd(name string) PeerAdd {
	return PeerAdd{Intent: plan.PeerIntent{Name: name}, Show: func(wg.ClientConfig) error { return nil }}
}

// file reads a file under o's root.
func file(t *testing.T, o *Ops, p string) string {
	t.Helper()
	b, err := os.ReadFile(o.Path(p))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
