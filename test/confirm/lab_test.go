package confirm

import (
	"fmt"
	"github.com/wgowrt/wgowrt/internal/testenv"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// lab is a router namespace with real netifd, fw4 and rpcd, its wan
// cabled to an admin namespace, and a "ssh" listener on the router.
type lab struct {
	t         *testing.T
	ns        func(args ...string) string
	r, admin  string
	routerPID string
	adminPID  string
}

func newLab(t *testing.T) *lab {
	nsTool := testenv.OracleTool(t, "owrt-ns")
	l := &lab{t: t, ns: testenv.Runner(t, nsTool), r: fmt.Sprintf("cfr%d", os.Getpid()), admin: fmt.Sprintf("cfa%d", os.Getpid())}
	t.Cleanup(func() {
		if t.Failed() {
			out, _ := exec.Command(nsTool, "logs", l.r).CombinedOutput()
			t.Logf("router logs:\n%s", out)
		}
		testenv.NSDown(nsTool, l.r)
		testenv.NSDown(nsTool, l.admin)
	})
	l.ns("up", l.r)
	l.ns("up", l.admin, "--no-ubusd")
	l.ns("link", l.r, "eth1", l.admin, "eth0")
	l.ns("exec", l.admin, "ip", "addr", "add", "192.0.2.9/24", "dev", "eth0")
	l.routerPID = strings.TrimSpace(l.ns("pid", l.r))
	l.adminPID = strings.TrimSpace(l.ns("pid", l.admin))
	l.ns("cp", l.r, bin, "/usr/sbin/")
	// The admin's way in: ssh allowed on wan, as many remote routers have.
	l.ns("exec", l.r, "sh", "-c", "uci add firewall rule >/dev/null && uci set firewall.@rule[-1].name=Allow-SSH-wan && "+
		"uci set firewall.@rule[-1].src=wan && uci set firewall.@rule[-1].proto=tcp && uci set firewall.@rule[-1].dest_port=22 && "+
		"uci set firewall.@rule[-1].target=ACCEPT && uci commit firewall")
	l.ns("start", l.r, "rpcd", "firewall", "netifd")
	l.ns("wait", l.r, "lan", "wan")
	listener := exec.Command("nsenter", "-t", l.routerPID, "-n", os.Args[0])
	listener.Env = append(os.Environ(), helperEnv+"=listen 0.0.0.0:22")
	if err := listener.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { listener.Process.Kill(); listener.Wait() })
	for i := 0; i < 20 && !l.answers(); i++ {
		time.Sleep(100 * time.Millisecond) // the listener starting
	}
	return l
}

// answers says whether a new connection from the admin to the router's
// wan port 22 gets the greeting.
func (l *lab) answers() bool {
	d := exec.Command("nsenter", "-t", l.adminPID, "-n", os.Args[0])
	d.Env = append(os.Environ(), helperEnv+"=dial 192.0.2.2:22")
	return d.Run() == nil
}

// wgowrt runs the binary in the router as an SSH login from the admin.
func (l *lab) wgowrt(args ...string) string {
	l.t.Helper()
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = "'" + a + "'"
	}
	return l.ns("exec", l.r, "sh", "-c", "SSH_CONNECTION='192.0.2.9 40022 192.0.2.2 22' SSH_CLIENT='192.0.2.9 40022 22' wgowrt "+strings.Join(q, " ")+" 2>&1")
}

func (l *lab) file(p string) string { return l.ns("exec", l.r, "cat", p) }

// cutSSH is the change that breaks the admin's way in: port 22 on wan
// forwarded to a peer (that is not even connected).
var cutSSH = []string{"expose", "--peer", "phone", "--port", "22", "--on", "wan", "--hide-router-service"}

// TestConfirmedApplyRollsBackWithoutConfirm: real netifd and fw4, a
// change that cuts new connections to the router's ssh port from wan,
// made with --confirm=5 and not confirmed: the old firewall is back and
// the port answers again within the window + 10 s, and the staged change
// it committed along (--commit-pending) is staged again as it was. With `wgowrt confirm`
// from another login the same change stays.
func TestConfirmedApplyRollsBackWithoutConfirm(t *testing.T) {
	l := newLab(t)
	if !l.answers() {
		t.Fatal("the admin cannot reach the router's ssh port before any change")
	}
	l.wgowrt("--no-confirm", "server", "init", "--endpoint", "192.0.2.2")
	l.wgowrt("peer", "add", "phone")
	l.ns("wait", l.r, "wg0")
	before := l.file("/etc/config/firewall")
	// Someone's half-done change, staged with the real uci and committed
	// along (--commit-pending): the rollback stages it again, unchanged.
	l.ns("exec", l.r, "uci", "set", "firewall.@defaults[0].synflood_rate=25/s")
	staged := l.ns("exec", l.r, "uci", "changes", "firewall")

	const window = 5 * time.Second
	start := time.Now()
	out := l.wgowrt(append(cutSSH, "--confirm=5", "--commit-pending")...)
	if !strings.Contains(out, "rolls back by itself") {
		t.Fatalf("no pending-confirmation notice:\n%s", out)
	}
	// The oracle's procd stand-in reloads fw4 1 s after config.change.
	cut := false
	for i := 0; i < 16 && !cut; i++ {
		if cut = !l.answers(); !cut {
			time.Sleep(250 * time.Millisecond)
		}
	}
	if !cut {
		t.Fatal("the change did not cut new connections to port 22 (the test proves nothing)")
	}
	if st := l.wgowrt("status"); !strings.Contains(st, "pending: expose") {
		t.Errorf("status does not show the pending change:\n%s", st)
	}
	back := time.Time{}
	for time.Since(start) < window+10*time.Second {
		if l.answers() {
			back = time.Now()
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	if back.IsZero() {
		t.Fatalf("port 22 still cut %s after the change (window %s)", time.Since(start).Round(time.Second), window)
	}
	t.Logf("port 22 answered again %.1f s after the change (window %s)", back.Sub(start).Seconds(), window)
	if got := l.file("/etc/config/firewall"); got != before {
		t.Errorf("firewall after the rollback differs from before the change")
	}
	if out := l.ns("exec", l.r, "sh", "-c", "ls /etc/wgowrt/pending 2>&1 || true"); !strings.Contains(out, "No such file") {
		t.Errorf("pending record left: %s", out)
	}
	if got := l.ns("exec", l.r, "uci", "changes", "firewall"); got != staged || !strings.Contains(got, "synflood_rate") {
		t.Errorf("staged changes after the rollback:\n%s\nwant, as before the change:\n%s", got, staged)
	}
	l.ns("exec", l.r, "uci", "revert", "firewall")

	// Confirmed from a new login: the change stays past the window.
	l.wgowrt(append(cutSSH, "--confirm=5")...)
	out = l.ns("exec", l.r, "sh", "-c", "SSH_CONNECTION='192.0.2.9 40023 192.0.2.2 22' wgowrt confirm 2>&1")
	if !strings.Contains(out, "confirmed") {
		t.Fatalf("confirm: %s", out)
	}
	time.Sleep(window + 2*time.Second)
	if l.answers() {
		t.Error("a confirmed change was rolled back: port 22 answers again")
	}
	if got := l.file("/etc/config/firewall"); got == before || !strings.Contains(got, "redirect") {
		t.Error("the confirmed change is not in the firewall config")
	}
}
