package netns

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wgowrt/wgowrt/internal/cli"
	"github.com/wgowrt/wgowrt/test/netns/lab"
	"github.com/wgowrt/wgowrt/test/netns/realize"
)

// stockRoot is the stock router the CLI's golden scenarios start from
// (veth-lan in br-lan 192.168.1.1/24, veth-wan 203.0.113.2/24), so the lab
// realizes exactly what wgowrt writes onto that router.
const stockRoot = "../../internal/cli/testdata/wg/roots/stock"

// wgowrtRoot is a copy of an OpenWrt /etc tree that the real wgowrt
// command line edits with --root.
type wgowrtRoot struct {
	t   *testing.T
	dir string
}

// newWgowrtRoot copies the stock router, renumbering its LAN to lan
// ("192.168.2") and its wan segment to wan ("198.51.100"; the router is .2,
// the upstream gateway .1).
func newWgowrtRoot(t *testing.T, lan, wan string) *wgowrtRoot {
	t.Helper()
	r := &wgowrtRoot{t: t, dir: t.TempDir()}
	for _, f := range []string{"network", "firewall"} {
		b, err := os.ReadFile(filepath.Join(stockRoot, "etc/config", f))
		if err != nil {
			t.Fatal(err)
		}
		s := strings.ReplaceAll(string(b), "192.168.1.", lan+".")
		s = strings.ReplaceAll(s, "203.0.113.", wan+".")
		r.write("etc/config/"+f, s)
	}
	return r
}

func (r *wgowrtRoot) write(rel, data string) {
	r.t.Helper()
	p := filepath.Join(r.dir, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0755); err != nil {
		r.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0600); err != nil {
		r.t.Fatal(err)
	}
}

// run runs `wgowrt --root DIR args...` and returns its stdout; any failure
// fails the test.
func (r *wgowrtRoot) run(args ...string) string {
	r.t.Helper()
	var o, e bytes.Buffer
	all := append([]string{"wgowrt", "--root", r.dir}, args...)
	if code := cli.Main(all, strings.NewReader(""), &o, &e); code != 0 {
		r.t.Fatalf("wgowrt %s: exit %d: %s", strings.Join(args, " "), code, e.String())
	}
	r.t.Logf("wgowrt %s\n%s%s", strings.Join(args, " "), o.String(), e.String())
	return o.String()
}

// runLine runs a command line printed by wgowrt ("wgowrt site add ...").
func (r *wgowrtRoot) runLine(line string) string {
	r.t.Helper()
	words := strings.Fields(strings.TrimSpace(line))
	if len(words) == 0 || words[0] != "wgowrt" {
		r.t.Fatalf("not a wgowrt command line: %q", line)
	}
	return r.run(words[1:]...)
}

// publicKey is the router's public key as `server show --json` reports it.
func (r *wgowrtRoot) publicKey() string {
	r.t.Helper()
	var v struct {
		PublicKey string `json:"public_key"`
	}
	if err := json.Unmarshal([]byte(r.run("--json", "server", "show")), &v); err != nil {
		r.t.Fatal(err)
	}
	return v.PublicKey
}

// config is what netifd and fw4 would read.
func (r *wgowrtRoot) config() realize.Config {
	r.t.Helper()
	c, err := realize.ReadConfigDir(filepath.Join(r.dir, "etc/config"))
	if err != nil {
		r.t.Fatal(err)
	}
	return c
}

// eventually repeats probe until it reaches (the first packets of a
// tunnel may be spent on, or lost before, the WireGuard handshake) and
// then checks the address the far side saw.
func eventually(t *testing.T, what string, probe func() lab.Result, seenIP string) {
	t.Helper()
	deadline := time.Now().Add(12 * time.Second)
	r := probe()
	for r.Outcome != lab.Reached && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
		r = probe()
	}
	expectReached(t, what, r, seenIP)
}

// routeLines returns the "ip route add ..." commands in wgowrt's output,
// without their trailing comments.
func routeLines(out string) [][]string {
	var cmds [][]string
	for _, l := range strings.Split(out, "\n") {
		l, _, _ = strings.Cut(l, "#")
		if f := strings.Fields(l); len(f) > 3 && f[0] == "ip" && f[1] == "route" {
			cmds = append(cmds, f)
		}
	}
	return cmds
}
