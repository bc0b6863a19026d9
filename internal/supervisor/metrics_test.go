package supervisor

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// The metrics file names peers, never keys, and carries handshake age,
// up and bytes per peer; a never-handshaken peer has no age line.
func TestMetricsFile(t *testing.T) {
	r := newRig(2)
	r.ops.handshake(1, time.Time{})
	r.ops.peers[key(0)].ReceiveBytes, r.ops.peers[key(0)].TransmitBytes = 1234, 99
	r.s.MetricsFile = filepath.Join(t.TempDir(), "wgowrt.prom")
	r.s.Tick(context.Background())
	got, err := os.ReadFile(r.s.MetricsFile)
	if err != nil {
		t.Fatal(err)
	}
	want := `# HELP wgowrt_peer_handshake_age_seconds Seconds since the peer's latest handshake (absent: never).
# TYPE wgowrt_peer_handshake_age_seconds gauge
wgowrt_peer_handshake_age_seconds{interface="wg0",peer="peer0"} 10
# HELP wgowrt_peer_up 1 when the peer's latest handshake is recent enough to count as up.
# TYPE wgowrt_peer_up gauge
wgowrt_peer_up{interface="wg0",peer="peer0"} 1
wgowrt_peer_up{interface="wg0",peer="peer1"} 0
# HELP wgowrt_peer_receive_bytes_total Bytes received from the peer.
# TYPE wgowrt_peer_receive_bytes_total counter
wgowrt_peer_receive_bytes_total{interface="wg0",peer="peer0"} 1234
wgowrt_peer_receive_bytes_total{interface="wg0",peer="peer1"} 0
# HELP wgowrt_peer_transmit_bytes_total Bytes sent to the peer.
# TYPE wgowrt_peer_transmit_bytes_total counter
wgowrt_peer_transmit_bytes_total{interface="wg0",peer="peer0"} 99
wgowrt_peer_transmit_bytes_total{interface="wg0",peer="peer1"} 0
`
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("metrics (-want +got):\n%s", diff)
	}
	if k := key(0).String(); strings.Contains(string(got), k) {
		t.Error("a key in the metrics")
	}
	ents, _ := os.ReadDir(filepath.Dir(r.s.MetricsFile))
	if len(ents) != 1 {
		t.Errorf("temporary files left: %v", ents)
	}
}
