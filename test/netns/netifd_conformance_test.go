//go:build lab_realizer

package netns

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wgowrt/wgowrt/internal/txtar"
	"github.com/wgowrt/wgowrt/test/netns/lab"
	"github.com/wgowrt/wgowrt/test/netns/realize"
)

// TestNetifdConformance realizes each recorded netifd case in a router
// namespace wired like the recording (every configured device is a veth
// whose peer sits in an "outside" namespace) and compares the kernel state
// with what the real netifd produced: addresses, all IPv4 routes including
// the local table, IPv6 main-table routes, policy rules with priorities, and
// the WireGuard device configuration. Values the README calls run-dependent
// (ifindex numbers, random listen ports, peer order) are compared by meaning:
// rule 90000+ifindex is compared as 90000+<device name>.
func TestNetifdConformance(t *testing.T) {
	for name, a := range conformanceCases(t, "netifd") {
		a := a
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			l := lab.New(t)
			cfg := caseConfig(t, a)
			router := l.NS("router")
			wireDevices(t, l, router, cfg)
			r, err := realize.Realize(router, cfg)
			if err != nil {
				t.Fatal(err)
			}
			prefix := "want/"
			if _, ok := a.Get("want/ip-4-route"); !ok {
				prefix = "want/before/" // reload-peer-add: the boot state only
			}
			compareKernelState(t, a, prefix, router)
			if prefix == "want/" {
				compareWireGuard(t, a, r)
			}
		})
	}
}

// wireDevices creates each non-bridge device the network config names as a
// veth in router, peered into one "outside" namespace so links have carrier.
func wireDevices(t *testing.T, l *lab.Lab, router *lab.NS, cfg realize.Config) {
	t.Helper()
	n, _, err := realize.Plan(cfg)
	if err != nil {
		t.Fatal(err)
	}
	outside := l.NS("outside")
	bridges := map[string]bool{}
	var devs []string
	for _, b := range n.Bridges {
		bridges[b.Name] = true
		devs = append(devs, b.Ports...)
	}
	for _, i := range n.Interfaces {
		if i.Proto != "wireguard" && i.Device != "lo" && !bridges[i.Device] {
			devs = append(devs, i.Device)
		}
	}
	for k, d := range devs {
		l.Link(router, d, outside, fmt.Sprintf("o%d", k))
	}
}

// stateSections maps recorded sections to the command that shows the same
// state in the lab and a normaliser applied to both sides.
var stateSections = []struct {
	file string
	cmd  []string
	norm func(string, map[string]string) []string
}{
	{"ip-4-addr", []string{"ip", "-4", "addr"}, addrLines},
	{"ip-6-addr", []string{"ip", "-6", "addr"}, addrLines},
	{"ip-4-route", []string{"ip", "-4", "route", "show", "table", "all"}, plainLines},
	{"ip-6-route", []string{"ip", "-6", "route"}, plainLines},
	{"ip-4-rule", []string{"ip", "-4", "rule"}, ruleLines},
	{"ip-6-rule", []string{"ip", "-6", "rule"}, ruleLines},
}

func compareKernelState(t *testing.T, a *txtar.Archive, prefix string, router *lab.NS) {
	t.Helper()
	wantIdx := ifindexNames(get(a, prefix+"ip-4-addr") + get(a, prefix+"ip-6-addr") + get(a, prefix+"link-wg0"))
	gotIdx := ifindexNames(router.MustRun("ip", "-o", "link"))
	compared := 0
	for _, s := range stateSections {
		want, ok := a.Get(prefix + s.file)
		if !ok {
			continue
		}
		compared++
		got := router.MustRun(s.cmd...)
		if diff := cmp.Diff(s.norm(string(want), wantIdx), s.norm(got, gotIdx)); diff != "" {
			t.Errorf("%s mismatch (-want +got):\n%s", s.file, diff)
		}
	}
	if compared == 0 {
		t.Fatal("case has no kernel state to compare")
	}
}

func get(a *txtar.Archive, name string) string { s, _ := a.Get(name); return string(s) }

var ifindexLine = regexp.MustCompile(`(?m)^(\d+): ([^:@\s]+)[@:]`)

// ifindexNames maps ifindex to device name from `ip addr`/`ip link` output.
func ifindexNames(s string) map[string]string {
	m := map[string]string{}
	for _, g := range ifindexLine.FindAllStringSubmatch(s, -1) {
		m[g[1]] = g[2]
	}
	return m
}

func plainLines(s string, _ map[string]string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.Join(strings.Fields(l), " "); l != "" {
			out = append(out, l)
		}
	}
	sort.Strings(out)
	return out
}

// addrLines keeps "<dev> <address line>" for global/host addresses: link
// flags, ifindexes, lifetimes and fe80:: addresses vary or were dropped by
// the recording's normalisation.
func addrLines(s string, _ map[string]string) []string {
	var out []string
	dev := ""
	for _, l := range strings.Split(s, "\n") {
		if g := ifindexLine.FindStringSubmatch(l); g != nil {
			f := strings.Fields(l)
			dev = g[2] + " " + f[len(f)-1]
			for i, w := range f {
				if w == "mtu" {
					dev = g[2] + " mtu " + f[i+1]
				}
			}
			continue
		}
		f := strings.Fields(l)
		if len(f) > 0 && (f[0] == "inet" || f[0] == "inet6") && !strings.Contains(l, "scope link") {
			out = append(out, dev+" "+strings.Join(f, " "))
		}
	}
	sort.Strings(out)
	return out
}

// ruleLines rewrites netifd's "iif lo" rule priority 90000+ifindex as
// 90000+<device> so it compares across runs.
func ruleLines(s string, idx map[string]string) []string {
	out := plainLines(s, nil)
	for i, l := range out {
		prio, rest, _ := strings.Cut(l, ":")
		if p, err := strconv.Atoi(prio); err == nil && p > 90000 && p < 100000 {
			out[i] = "90000+" + idx[strconv.Itoa(p-90000)] + ":" + rest
		}
	}
	sort.Strings(out)
	return out
}
