package netns

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wgowrt/wgowrt/internal/conformance"
	"github.com/wgowrt/wgowrt/internal/txtar"
	"github.com/wgowrt/wgowrt/test/netns/lab"
	"github.com/wgowrt/wgowrt/uci"
)

// The recorded conformance cases (../shared/conformance/{fw4,netifd}) were
// taken from the same firewall4 and netifd commits the oracle carries.
// Here the oracle's real programs run each case's input again and their
// output is compared with the recording: a regression check of the
// oracle and of this lab's wiring, and the data wgowrt's own expectations
// (openwrt-reference.md) cite.

// conformanceCases returns the txtar files of one corpus (fw4 or netifd).
func conformanceCases(t *testing.T, corpus string) map[string]*txtar.Archive {
	t.Helper()
	out := map[string]*txtar.Archive{}
	for _, p := range conformance.Cases(t, corpus) {
		a, err := txtar.ParseFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(p)] = a
	}
	return out
}

func get(a *txtar.Archive, name string) string { s, _ := a.Get(name); return string(s) }

// caseRouter boots a router (25.12 handler, as recorded) on the case's
// in/network and in/firewall, wired as the recordings were: every plain
// device the network config names is a veth whose peer sits in one
// "outside" namespace, which holds wan's upstream 203.0.113.1/24 (so
// endpoint host routes resolve and WireGuard interfaces come up). netifd
// is started without the firewall service (no ruleset is loaded; fw4
// print reads netifd's interfaces), and every interface is waited for.
func caseRouter(t *testing.T, l *lab.Lab, a *txtar.Archive) *lab.Router {
	t.Helper()
	dir := t.TempDir()
	network := get(a, "in/network")
	writeFile(t, filepath.Join(dir, "network"), network)
	if fw, ok := a.Get("in/firewall"); ok {
		writeFile(t, filepath.Join(dir, "firewall"), string(fw))
	} else {
		writeFile(t, filepath.Join(dir, "firewall"), "")
	}
	pkg, err := uci.Parse("network", []byte(network))
	if err != nil {
		t.Fatal(err)
	}
	r := l.Router("case", dir, "25.12")
	outside := l.NS("outside")
	bridges := map[string]bool{}
	var devs, ifaces []string
	for _, s := range pkg.SectionsOfType("device") {
		if typ, _ := s.Get("type"); typ == "bridge" {
			name, _ := s.Get("name")
			bridges[name] = true
			devs = append(devs, s.List("ports")...)
		}
	}
	for _, s := range pkg.SectionsOfType("interface") {
		ifaces = append(ifaces, s.Name)
		proto, _ := s.Get("proto")
		dev, _ := s.Get("device")
		if proto != "wireguard" && dev != "" && dev != "lo" && !bridges[dev] && !strings.HasPrefix(dev, "@") {
			devs = append(devs, dev)
		}
	}
	for k, d := range devs {
		o := fmt.Sprintf("o%d", k)
		l.Link(r.NS, d, outside, o)
		if d == "veth-wan" {
			outside.MustRun("ip", "addr", "add", "203.0.113.1/24", "dev", o)
		}
	}
	if _, _, err := lab.OwrtNSRun("start", r.ID, "netifd"); err != nil {
		t.Fatal(err)
	}
	r.Wait(ifaces...)
	return r
}

// TestFw4Conformance renders each recorded fw4 case with the real fw4:
// `fw4 print` must give the recorded ruleset byte for byte (the ct
// helper blocks depend on the host kernel's nf_conntrack modules, as the
// recordings say: a host with others differs there), its stderr the
// recorded stderr, and `fw4 check` the recorded exit status.
func TestFw4Conformance(t *testing.T) {
	t.Parallel()
	lab.RequireOracle(t)
	for name, a := range conformanceCases(t, "fw4") {
		a := a
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			l := lab.New(t)
			r := caseRouter(t, l, a)
			out, errOut, err := r.Fw4("print")
			if err != nil {
				t.Fatal(err)
			}
			if want := get(a, "want/ruleset"); out != want {
				t.Errorf("fw4 print differs from the recording:\n%s", lineDiff(want, out))
			}
			if want := get(a, "want/stderr"); errOut != want {
				t.Errorf("fw4 print stderr = %q, recorded %q", errOut, want)
			}
			_, _, err = r.Fw4("check")
			code := "0"
			if err != nil {
				code = "non-zero: " + err.Error()
			}
			if want := strings.TrimSpace(get(a, "want/check")); want != "" && code != want {
				t.Errorf("fw4 check exit %s, recorded %s", code, want)
			}
		})
	}
}

// lineDiff lists the lines only in want (-) and only in got (+).
func lineDiff(want, got string) string {
	count := map[string]int{}
	for _, l := range strings.Split(got, "\n") {
		count[l]++
	}
	var b strings.Builder
	for _, l := range strings.Split(want, "\n") {
		if count[l] > 0 {
			count[l]--
			continue
		}
		b.WriteString("- " + l + "\n")
	}
	for _, l := range strings.Split(got, "\n") {
		if count[l] > 0 {
			count[l]--
			b.WriteString("+ " + l + "\n")
		}
	}
	return b.String()
}

// TestConformanceWiringMatters is the control of the comparisons: the
// stock router's real render is not the recorded server ruleset.
func TestConformanceWiringMatters(t *testing.T) {
	t.Parallel()
	lab.RequireOracle(t)
	cases := conformanceCases(t, "fw4")
	l := lab.New(t)
	r := caseRouter(t, l, cases["stock.txtar"])
	out, _, err := r.Fw4("print")
	if err != nil {
		t.Fatal(err)
	}
	if out == get(cases["server.txtar"], "want/ruleset") {
		t.Fatal("stock renders the server's ruleset: the comparison cannot tell cases apart")
	}
	if !strings.Contains(get(cases["server.txtar"], "want/ruleset"), "51820") || strings.Contains(out, "51820") {
		t.Error("udp/51820 should be in the server's recording and not in the stock render")
	}
}
