package uci

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// peersFile returns a network config with n wireguard_wg0 peer sections.
func peersFile(n int) []byte {
	var b strings.Builder
	b.WriteString("\nconfig interface 'wg0'\n\toption proto 'wireguard'\n\toption listen_port '51820'\n\tlist addresses '10.7.0.1/16'\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "\nconfig wireguard_wg0 'peer%d'\n\toption description 'peer %d'\n\toption public_key 'q0rWp9iZ7a5Xu3yYYr5xJqtzY0zOjZQ4lqN9Zv3m%04d='\n\tlist allowed_ips '10.7.%d.%d/32'\n\toption route_allowed_ips '1'\n",
			i, i, i, i/250, i%250+2)
	}
	return []byte(b.String())
}

// BenchmarkLoadEditCommit1000Peers loads a network file with 1000 peer
// sections (deltas applied), changes one peer, adds one, and commits.
func BenchmarkLoadEditCommit1000Peers(b *testing.B) {
	dir := b.TempDir()
	c := &Context{ConfDir: filepath.Join(dir, "config"), SaveDir: filepath.Join(dir, "save")}
	os.MkdirAll(c.ConfDir, 0755)
	data := peersFile(1000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		os.WriteFile(c.Path("network"), data, 0600)
		b.StartTimer()
		p, err := c.Load("network")
		if err != nil {
			b.Fatal(err)
		}
		if err := p.SetOption("peer500", "persistent_keepalive", "25"); err != nil {
			b.Fatal(err)
		}
		if _, err := p.NewSection("wireguard_wg0", "peernew"); err != nil {
			b.Fatal(err)
		}
		if err := p.SetList("peernew", "allowed_ips", []string{"10.7.9.9/32"}); err != nil {
			b.Fatal(err)
		}
		if _, err := c.Commit(p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParse1000Peers measures parsing alone.
func BenchmarkParse1000Peers(b *testing.B) {
	data := peersFile(1000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := Parse("network", data); err != nil {
			b.Fatal(err)
		}
	}
}
