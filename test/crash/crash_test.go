// Package crash kills the real wgowrt binary at every step of every
// command that writes several files, and checks that running the same
// command again gives what an uninterrupted run gives, leaving no
// temporary file behind (issue 11, item 2).
//
// The kill comes from the binary itself: with WGOWRT_TEST_CRASH_AT=N in
// its environment it sends itself SIGKILL before its Nth file step
// (create, write, sync, link, rename, remove; see internal/store). Each
// command is run with N = 1, 2, ... until a run is no longer killed.
//
// Cost: about 600 runs of the binary, 15-40 s on two cores. Skipped with
// -short.
package crash

import (
	"bytes"
	"errors"
	"fmt"
	"github.com/wgowrt/wgowrt/internal/testenv"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "wgowrt-crash-bin-")
	if err != nil {
		panic(err)
	}
	code := 1
	if bin, err = testenv.BuildWgowrt(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
	} else {
		code = m.Run()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

const (
	siteKey = "AD1qpWZnojlB79YsebEHsgjr1gDinG51+UyLtSiqxnQ="
	initCmd = "server init --endpoint vpn.example.com --internet"
)

// scenario is a command run against the sample router after setup.
type scenario struct {
	name  string
	setup []string
	// pending is a delta staged in /tmp/.uci/network before the command.
	pending string
	// dhcp is /etc/config/dhcp, when the command needs one.
	dhcp string
	cmd  string
}

var scenarios = []scenario{
	{name: "server-init", cmd: initCmd},
	{name: "peer-add", setup: []string{initCmd}, cmd: "peer add phone --psk"},
	{name: "peer-add-commit-pending", setup: []string{initCmd}, pending: "network.lan.mtu='1400'\n", cmd: "peer add phone --commit-pending"},
	{name: "peer-remove", setup: []string{initCmd, "peer add a", "peer add b"}, cmd: "peer remove a"},
	{name: "peer-rename", setup: []string{initCmd, "peer add old-phone --keep-private-key"}, cmd: "peer rename old-phone new-phone"},
	{name: "client-import", cmd: "client import $CONF/vpn.conf --mode split --allowed 192.0.2.0/24,198.18.0.0/15 --kill-switch"},
	{name: "gateway-add", setup: []string{"client import $CONF/wg44.conf --mode source --allow tcp/22"},
		cmd: "gateway add --iface wg44 --block 44.27.132.8/29 --lan-device eth3 --allow tcp/80,tcp/443"},
	{name: "site-add", setup: []string{"server init --endpoint a.example.com --lan-access none"},
		cmd: "site add siteb --endpoint b.example.com:51820 --public-key " + siteKey + " --remote-subnet 192.168.2.0/24 --remote-subnet 10.20.0.0/16"},
	{name: "access", setup: []string{"server init --lan-access none", "peer add laptop"}, cmd: "access laptop routed"},
	{name: "expose", setup: []string{"server init --lan-access none", "peer add laptop"}, cmd: "expose --peer laptop --port 8080:80/tcp"},
	{name: "lan-route-dhcp", setup: []string{"server init", "site add siteb --public-key " + siteKey + " --remote-subnet 192.168.2.0/24"},
		dhcp: "\nconfig dnsmasq\n\toption domain 'lan'\n\nconfig dhcp 'lan'\n\toption interface 'lan'\n\toption start '100'\n", cmd: "lan-route --dhcp"},
	// issue 15: the removes and edits write network, firewall, wgowrt and
	// dhcp (examples/router's stock one) together.
	{name: "server-remove", setup: []string{initCmd, "peer add a", "access a masquerade", "expose --peer a --port 8080:80/tcp",
		"site add siteb --public-key " + siteKey + " --remote-subnet 192.168.2.0/24", "lan-route --dhcp"}, cmd: "server remove"},
	{name: "client-import-full-dns", cmd: "client import $CONF/vpn.conf --kill-switch"},
	{name: "client-remove", setup: []string{"client import $CONF/vpn.conf --kill-switch"}, cmd: "client remove --iface vpn"},
	{name: "peer-set", setup: []string{initCmd, "peer add office --route 192.168.60.0/24 --allow-lockout"},
		cmd: "peer set office --route 192.168.61.0/24 --keepalive 10 --description branch"},
}

var confs = map[string]string{
	"vpn.conf": `[Interface]
PrivateKey = oEbI2kanjMsWX4GFzJ8jvzxSTJ6+RvuBAQ7pzTlCImE=
Address = 10.64.0.2/32
DNS = 10.64.0.1

[Peer]
PublicKey = NuFZCcw4//TcrCX5YZmVOibKGT4Ju4TpW2iueZfx0zk=
AllowedIPs = 0.0.0.0/0
Endpoint = 198.51.100.7:51820
PersistentKeepalive = 25
`,
	"wg44.conf": `[Interface]
PrivateKey = wJYyqFXTxCTqX6g++TKYB2OSP/u9ZBb4iHkwzcfVMU0=
Address = 44.27.133.17/32
DNS = 44.27.0.53

[Peer]
PublicKey = 46hycNm+m5hXssK4NSlcrus6L+Nr6qBgFauZQxdMnRs=
AllowedIPs = 0.0.0.0/0
Endpoint = 198.51.100.20:51820
PersistentKeepalive = 20
`,
}

// TestEveryCommandKilledAtEveryStepConverges is the test of issue 11 item 2.
func TestEveryCommandKilledAtEveryStepConverges(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary some 600 times; skipped with -short")
	}
	conf := t.TempDir()
	for name, text := range confs {
		os.WriteFile(filepath.Join(conf, name), []byte(text), 0600)
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) { killEverywhere(t, sc, conf) })
	}
}

func killEverywhere(t *testing.T, sc scenario, conf string) {
	tmp := t.TempDir()
	base := filepath.Join(t.TempDir(), "base")
	copyTree(t, "../../examples/router", base)
	for _, c := range sc.setup {
		if r := run(t, base, tmp, conf, c, 0); r.code != 0 {
			t.Fatalf("setup %q: exit %d\n%s", c, r.code, r.stderr)
		}
	}
	if sc.dhcp != "" {
		os.WriteFile(filepath.Join(base, "etc/config/dhcp"), []byte(sc.dhcp), 0644)
	}
	if sc.pending != "" {
		os.MkdirAll(filepath.Join(base, "tmp/.uci"), 0700)
		os.WriteFile(filepath.Join(base, "tmp/.uci/network"), []byte(sc.pending), 0600)
	}
	ref := filepath.Join(t.TempDir(), "ref")
	copyTree(t, base, ref)
	if r := run(t, ref, tmp, conf, sc.cmd, 0); r.code != 0 {
		t.Fatalf("uninterrupted %q: exit %d\n%s", sc.cmd, r.code, r.stderr)
	}
	want := snapshot(t, ref)
	assertEmpty(t, tmp, "uninterrupted run")
	kills := 0
	for n := 1; ; n++ {
		root := filepath.Join(t.TempDir(), "root")
		copyTree(t, base, root)
		r := run(t, root, tmp, conf, sc.cmd, n)
		if !r.killed {
			if r.code != 0 {
				t.Fatalf("run with %d steps allowed: exit %d\n%s", n, r.code, r.stderr)
			}
			diffTrees(t, want, snapshot(t, root), fmt.Sprintf("not killed at %d", n))
			break
		}
		kills++
		after := snapshot(t, root)
		again := run(t, root, tmp, conf, sc.cmd, 0)
		what := fmt.Sprintf("killed before step %d (%s), then rerun", n, r.step)
		if again.code != 0 {
			t.Errorf("%s: exit %d\n%s", what, again.code, again.stderr)
			continue
		}
		diffTrees(t, want, snapshot(t, root), what)
		assertEmpty(t, tmp, what)
		if said := nothingChanged.FindString(again.stderr); said != "" && !committed(want, after) {
			t.Errorf("%s: the rerun said %q although the kill had left the configuration incomplete", what, said)
		}
	}
	if kills < 10 {
		t.Errorf("only %d kills: the crash hook is missing or the command writes nothing", kills)
	}
	t.Logf("%q: killed at each of %d steps, every rerun converged", sc.cmd, kills)
}

var nothingChanged = regexp.MustCompile(`nothing (to change|changed)|already exists`)

type result struct {
	code   int
	killed bool
	step   string
	stderr string
}

// run runs wgowrt --root root CMD; crashAt > 0 arms the crash hook.
func run(t *testing.T, root, tmp, conf, line string, crashAt int) result {
	t.Helper()
	args := append([]string{"--root", root}, strings.Fields(strings.ReplaceAll(line, "$CONF", conf))...)
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
	if crashAt > 0 {
		cmd.Env = append(cmd.Env, "WGOWRT_TEST_CRASH_AT="+strconv.Itoa(crashAt))
	}
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	res := result{stderr: e.String()}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		ws := ee.Sys().(syscall.WaitStatus)
		if ws.Signaled() && ws.Signal() == syscall.SIGKILL {
			res.killed = true
			if i := strings.Index(res.stderr, "killed before "); i >= 0 {
				res.step = strings.TrimSpace(strings.SplitN(res.stderr[i+len("killed before "):], "\n", 2)[0])
				res.step = strings.ReplaceAll(res.step, root, "ROOT")
			}
			return res
		}
		res.code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return res
}

// keys are base64 WireGuard keys: random per run, so masked.
var keys = regexp.MustCompile(`[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=`)

// snapshot maps every file under root (dot files included) to its
// content with keys masked, and its mode.
func snapshot(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(root, p)
		if d.IsDir() {
			out[rel+"/"] = "dir"
			return nil
		}
		st, _ := d.Info()
		b, _ := os.ReadFile(p)
		out[rel] = fmt.Sprintf("%v\n%s", st.Mode().Perm(), keys.ReplaceAll(b, []byte("KEY")))
		return nil
	})
	return out
}

// ours are the journal and temporary files of an interrupted write.
var ours = regexp.MustCompile(`(^|/)\.[A-Za-z0-9_-]+\.(wgowrt|uci)-[0-9]+$`)

// committed says whether a tree left by a kill already holds the whole
// write: the uninterrupted run's files, no journal (so nothing to roll
// back), whatever temporary files are still to be cleaned up.
func committed(want, after map[string]string) bool {
	n := 0
	for k, v := range after {
		if strings.Contains(k, ".wgowrt-journal") {
			return false
		}
		if ours.MatchString(k) {
			continue
		}
		if want[k] != v {
			return false
		}
		n++
	}
	return n == len(want)
}

func diffTrees(t *testing.T, want, got map[string]string, what string) {
	t.Helper()
	var names []string
	for k := range want {
		names = append(names, k)
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	for _, k := range names {
		w, okw := want[k]
		g, okg := got[k]
		switch {
		case !okg:
			t.Errorf("%s: %s is missing", what, k)
		case !okw:
			t.Errorf("%s: %s is left over", what, k)
		case w != g:
			t.Errorf("%s: %s differs from an uninterrupted run's:\n--- want\n%s\n--- got\n%s", what, k, w, g)
		}
	}
}

func assertEmpty(t *testing.T, dir, what string) {
	t.Helper()
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		t.Errorf("%s: %s left in TMPDIR", what, e.Name())
		os.RemoveAll(filepath.Join(dir, e.Name()))
	}
}

func copyTree(t *testing.T, from, to string) {
	t.Helper()
	if err := os.MkdirAll(to, 0755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("cp", "-a", from+"/.", to).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}
}
