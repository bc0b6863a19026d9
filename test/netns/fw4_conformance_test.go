//go:build lab_realizer

package netns

import (
	"testing"

	"github.com/wgowrt/wgowrt/test/netns/lab"
	"github.com/wgowrt/wgowrt/test/netns/nfteval"
	"github.com/wgowrt/wgowrt/test/netns/realize"
)

// TestFw4Conformance loads the ruleset the real firewall4 printed for each
// recorded case and the realizer's rendering of the same UCI input into two
// namespaces, then runs the same probe packets through both as the kernel
// listed them. Verdicts, NAT translations and MSS clamping must agree on
// every probe; the nft text is free to differ.
func TestFw4Conformance(t *testing.T) {
	for name, a := range conformanceCases(t, "fw4") {
		a := a
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			l := lab.New(t)
			want, err := a.MustGet("want/ruleset")
			if err != nil {
				t.Fatal(err)
			}
			_, fw, err := realize.Plan(caseConfig(t, a))
			if err != nil {
				t.Fatal(err)
			}
			mine, err := realize.Render(fw)
			if err != nil {
				t.Fatal(err)
			}
			mm, n := compareRulesets(t, loadRuleset(t, l, "fw4", string(want)), loadRuleset(t, l, "mine", mine))
			for i, m := range mm {
				if i == 15 {
					t.Errorf("... %d more", len(mm)-i)
					break
				}
				t.Errorf("%v", m)
			}
			t.Logf("%d probes agree", n-len(mm))
		})
	}
}

// TestFw4ComparisonDetectsDifferences shows the comparison is not vacuous:
// the realizer's rendering of the stock config must disagree with the
// recorded server ruleset (which adds Allow-WireGuard and a vpn zone).
func TestFw4ComparisonDetectsDifferences(t *testing.T) {
	cases := conformanceCases(t, "fw4")
	l := lab.New(t)
	want, err := cases["server.txtar"].MustGet("want/ruleset")
	if err != nil {
		t.Fatal(err)
	}
	_, fw, err := realize.Plan(caseConfig(t, cases["stock.txtar"]))
	if err != nil {
		t.Fatal(err)
	}
	mine, err := realize.Render(fw)
	if err != nil {
		t.Fatal(err)
	}
	mm, _ := compareRulesets(t, loadRuleset(t, l, "fw4", string(want)), loadRuleset(t, l, "mine", mine))
	sawWireGuardPort := false
	for _, m := range mm {
		p := m.Probe.Packet
		if m.Probe.Hook == "input" && p.IIF == "veth-wan" && p.L4 == "udp" && p.DPort == 51820 {
			sawWireGuardPort = true
		}
	}
	if !sawWireGuardPort {
		t.Errorf("stock vs server: udp/51820 from wan not reported as a difference (%d mismatches)", len(mm))
	}
}

func compareRulesets(t *testing.T, wantJSON, gotJSON []byte) ([]nfteval.Mismatch, int) {
	t.Helper()
	want, err := nfteval.Parse(wantJSON, "inet", "fw4")
	if err != nil {
		t.Fatal(err)
	}
	got, err := nfteval.Parse(gotJSON, "inet", "fw4")
	if err != nil {
		t.Fatal(err)
	}
	d := nfteval.NewDimensions()
	d.Collect(want)
	d.Collect(got)
	probes := d.Probes()
	mm, err := nfteval.Compare(want, got, probes)
	if err != nil {
		t.Fatal(err)
	}
	return mm, len(probes)
}
