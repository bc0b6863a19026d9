package topology

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/wgowrt/wgowrt/internal/cli"
)

var privateKeyLine = regexp.MustCompile(`(?m)^\s*option private_key .*\n`)

// TestApplyIsTheSingleRouterCommands: topology apply writes exactly what
// the README's single-router commands write (the private key aside, which
// the command line draws at random): no second code path for the UCI.
func TestApplyIsTheSingleRouterCommands(t *testing.T) {
	top, routers := fleet(t)
	hub, _ := top.Node("hub")
	byCLI := routerOps(t, "branch1", 99)
	lines := []string{
		"server init --iface wg0 --port 51820 --subnet 10.99.0.11/24 --ipv6 off",
		"site add hub --iface wg0 --public-key " + hub.PublicKey + " --endpoint hub.example.org:51820" +
			" --remote-subnet 192.168.1.0/24 --remote-subnet 192.168.12.0/24 --remote-subnet 192.168.13.0/24 --remote-subnet 44.31.5.0/24" +
			" --local-subnet 192.168.11.0/24",
	}
	for _, l := range lines {
		var out, errb bytes.Buffer
		args := append([]string{"wgowrt", "--root", byCLI.Root}, strings.Fields(l)...)
		if code := cli.Main(args, strings.NewReader(""), &out, &errb); code != 0 {
			t.Fatalf("%s: exit %d: %s", l, code, errb.String())
		}
	}
	if _, err := Apply(routers["branch1"], top, "branch1", false); err != nil {
		t.Fatal(err)
	}
	want, got := snapshot(t, byCLI.Root+"/etc/config"), snapshot(t, routers["branch1"].Root+"/etc/config")
	for f := range want {
		w, g := privateKeyLine.ReplaceAllString(want[f], ""), privateKeyLine.ReplaceAllString(got[f], "")
		if w != g {
			t.Errorf("%s differs between the commands and topology apply:\n--- commands\n%s\n--- apply\n%s", f, w, g)
		}
	}
	if len(want) != len(got) {
		t.Errorf("files: commands %d, apply %d", len(want), len(got))
	}
}

// TestConfirmRefused: apply is several transactions, which one confirm
// window cannot cover, so --confirm is refused rather than ignored.
func TestConfirmRefused(t *testing.T) {
	cli.Topology = Run
	defer func() { cli.Topology = nil }()
	o := routerOps(t, "hub", 1)
	before := snapshot(t, o.Root)
	var out, errb bytes.Buffer
	code := cli.Main([]string{"wgowrt", "--root", o.Root, "topology", "apply", "../../examples/fleet/star.json", "--node", "hub", "--confirm=60"}, strings.NewReader(""), &out, &errb)
	if code != 2 || !strings.Contains(errb.String(), "topology has no --confirm") {
		t.Errorf("exit %d: %s", code, errb.String())
	}
	if !equalMaps(before, snapshot(t, o.Root)) {
		t.Error("a refused apply wrote files")
	}
	errb.Reset()
	if code := cli.Main([]string{"wgowrt", "--root", o.Root, "topology", "check", "../../examples/fleet/star.json"}, strings.NewReader(""), &out, &errb); code != 0 {
		t.Errorf("check through the command line: exit %d: %s", code, errb.String())
	}
}
