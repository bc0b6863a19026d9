package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/wgowrt/wgowrt/internal/ops"
)

// BenchmarkPeerAdd500 measures `peer add` (load, plan, commit of network
// and wgowrt) into a server that already has 500 peers; the tree is
// restored before each add, so every iteration adds the 501st peer.
func BenchmarkPeerAdd500(b *testing.B) {
	t := &testing.T{}
	old := ops.Default
	defer func() { ops.Default = old }()
	ops.Default.Keys = testKeys()
	ops.Default.Live = func(string) *ops.Live { return nil }
	root := b.TempDir()
	copyTree(t, "testdata/wg/roots/stock", root)
	if _, e, code := run(t, root, "server init --endpoint vpn.example.com --subnet 10.8.0.0/22", false); code != 0 {
		b.Fatal(e)
	}
	for i := 0; i < 500; i++ {
		if _, e, code := run(t, root, fmt.Sprintf("peer add p%d", i), false); code != 0 {
			b.Fatal(e)
		}
	}
	snap := snapshot(t, root)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		for rel, data := range snap {
			os.WriteFile(filepath.Join(root, rel), []byte(data), 0600)
		}
		b.StartTimer()
		if _, e, code := run(t, root, "peer add newcomer --psk", false); code != 0 {
			b.Fatal(e)
		}
	}
}
