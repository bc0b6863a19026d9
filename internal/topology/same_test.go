package topology

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/wgowrt/wgowrt/internal/cli"
	"github.com/wgowrt/wgowrt/internal/ops"
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

// TestConfirmOnTheCommandLine: --confirm=N (hoisted like every command's)
// reaches topology apply, which arms one rollback for all its steps and
// says how to keep them; on the other fleet commands it is a usage error
// that writes nothing.
func TestConfirmOnTheCommandLine(t *testing.T) {
	cli.Topology = Run
	defer func() { cli.Topology = nil }()
	timers := 0
	saved := ops.Default.StartTimer
	ops.Default.StartTimer = func(string, *ops.Pending) error { timers++; return nil }
	defer func() { ops.Default.StartTimer = saved }()
	o := routerOps(t, "hub", 1)
	// the file with this router's key, handed over on stdin (as Ansible does)
	top, err := Load("../../examples/fleet/star.json")
	if err != nil {
		t.Fatal(err)
	}
	k, _, err := NodeKey(o, top.Iface, true)
	if err != nil {
		t.Fatal(err)
	}
	file, _ := os.ReadFile("../../examples/fleet/star.json")
	hub, _ := top.Node("hub")
	file = bytes.Replace(file, []byte(hub.PublicKey), []byte(k.PublicKey().String()), 1)
	before := snapshot(t, o.Root)
	var out, errb bytes.Buffer
	code := cli.Main([]string{"wgowrt", "--root", o.Root, "topology", "check", "-", "--confirm=60"}, strings.NewReader(""), &out, &errb)
	if code != 2 || !strings.Contains(errb.String(), "--confirm is for topology apply") {
		t.Errorf("check --confirm: exit %d: %s", code, errb.String())
	}
	if !equalMaps(before, snapshot(t, o.Root)) {
		t.Error("a refused command wrote files")
	}
	errb.Reset()
	code = cli.Main([]string{"wgowrt", "--root", o.Root, "topology", "apply", "-", "--node", "hub", "--confirm=60"}, bytes.NewReader(file), &out, &errb)
	if code != 0 {
		t.Fatalf("apply --confirm=60: exit %d: %s", code, errb.String())
	}
	if timers != 1 || !strings.Contains(errb.String(), "every change of this apply rolls back by itself at") {
		t.Errorf("timers %d, stderr: %s", timers, errb.String())
	}
	p, err := o.ReadPending()
	if err != nil || p == nil || !strings.HasPrefix(p.Command, "topology apply - --node hub") {
		t.Fatalf("pending %+v, %v", p, err)
	}
}
