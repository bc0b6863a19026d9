package supervisor

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
)

// Metrics renders the running peers in Prometheus' text format, for
// routers scraped through a text-file collector (node exporter's
// textfile directory, or a prometheus-node-exporter-lua collector that
// cats it). Labels are the interface and the peer's configured name;
// never a key.
func (s *Supervisor) Metrics(devs []*wgtypes.Device, now time.Time) []byte {
	var b bytes.Buffer
	type row struct {
		labels string
		p      wgtypes.Peer
	}
	var rows []row
	for _, d := range devs {
		for _, p := range d.Peers {
			rows = append(rows, row{fmt.Sprintf(`interface="%s",peer="%s"`, esc(d.Name), esc(s.name(peerID{d.Name, p.PublicKey}))), p})
		}
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].labels < rows[j].labels })
	metric := func(name, typ, help string, val func(wgtypes.Peer) (float64, bool)) {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
		for _, r := range rows {
			if v, ok := val(r.p); ok {
				fmt.Fprintf(&b, "%s{%s} %g\n", name, r.labels, v)
			}
		}
	}
	metric("wgowrt_peer_handshake_age_seconds", "gauge", "Seconds since the peer's latest handshake (absent: never).", func(p wgtypes.Peer) (float64, bool) {
		return now.Sub(p.LastHandshakeTime).Truncate(time.Second).Seconds(), !p.LastHandshakeTime.IsZero()
	})
	metric("wgowrt_peer_up", "gauge", "1 when the peer's latest handshake is recent enough to count as up.", func(p wgtypes.Peer) (float64, bool) {
		if !p.LastHandshakeTime.IsZero() && now.Sub(p.LastHandshakeTime) <= s.DownAfter {
			return 1, true
		}
		return 0, true
	})
	metric("wgowrt_peer_receive_bytes_total", "counter", "Bytes received from the peer.", func(p wgtypes.Peer) (float64, bool) { return float64(p.ReceiveBytes), true })
	metric("wgowrt_peer_transmit_bytes_total", "counter", "Bytes sent to the peer.", func(p wgtypes.Peer) (float64, bool) { return float64(p.TransmitBytes), true })
	return b.Bytes()
}

func esc(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
}

// writeMetrics replaces the metrics file (a temporary file in the same
// directory, renamed over it: a scraper never reads half a file).
func (s *Supervisor) writeMetrics(devs []*wgtypes.Device, now time.Time) {
	if s.MetricsFile == "" {
		return
	}
	tmp, err := os.CreateTemp(filepath.Dir(s.MetricsFile), ".wgowrt-metrics-*")
	if err == nil {
		_, err = tmp.Write(s.Metrics(devs, now))
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Chmod(tmp.Name(), 0o644)
		}
		if err == nil {
			err = os.Rename(tmp.Name(), s.MetricsFile)
		}
		if err != nil {
			os.Remove(tmp.Name())
		}
	}
	if err != nil && !s.metricsFailed {
		s.Log(fmt.Sprintf("cannot write %s: %v", s.MetricsFile, err))
	}
	s.metricsFailed = err != nil
}
