package lab

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/wgowrt/wgowrt/internal/testenv"
)

// Router is an OpenWrt router of the lab: a namespace started by the
// oracle's `owrt-ns up` (../shared/oracle), running the real ubusd, rpcd,
// netifd and firewall4 on its /etc/config, with the built wgowrt in
// /usr/bin. Its network namespace is also attached under /run/netns, so
// the lab's probes, echo servers and cables treat it like any other host.
type Router struct {
	*NS
	// ID is the owrt-ns NAME (the same as NS.Path).
	ID string
	// Handler is the WireGuard proto handler: "24.10" or "25.12".
	Handler string
	// ifups are the interfaces wgowrt's notes asked to `ifup`.
	ifups  []string
	state  string // StatePath, once asked
	holder string // pid of owrt-ns's namespace holder
}

// notStarted is how owrt-ns start names a service that did not answer.
var notStarted = regexp.MustCompile(`: (\w+) did not start`)

// ifupNote is how wgowrt asks the user to bring an interface up again.
var ifupNote = regexp.MustCompile(`run 'ifup ([^' ]+)'`)

// Releases written to the router's /etc/openwrt_release so that wgowrt
// (which reads it) knows what the running handler can do.
var handlerRelease = map[string]string{"24.10": "24.10.2", "25.12": "25.12.0"}

// OwrtNS is the oracle's owrt-ns: $OWRT_NS, else shared/oracle/bin/owrt-ns
// found by walking up from the working directory (CI checks the
// repository out with shared/ beside it), else owrt-ns in PATH.
func OwrtNS() string {
	if p := os.Getenv("OWRT_NS"); p != "" {
		return p
	}
	if wd, err := os.Getwd(); err == nil {
		for d := wd; ; d = filepath.Dir(d) {
			p := filepath.Join(d, "shared", "oracle", "bin", "owrt-ns")
			if _, err := os.Stat(p); err == nil {
				return p
			}
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	return "owrt-ns"
}

// RequireOracle is Require plus `owrt-ns preflight`: the real OpenWrt
// programs must be installed ($OWRT_ORACLE, default /opt/owrt-oracle).
func RequireOracle(t testing.TB) {
	t.Helper()
	Require(t)
	out, err := exec.Command(OwrtNS(), "preflight").CombinedOutput()
	if err == nil {
		return
	}
	msg := fmt.Sprintf("no OpenWrt oracle here (%s preflight: %v: %s); install ../shared/oracle (install.sh) or set OWRT_NS/OWRT_ORACLE", OwrtNS(), err, strings.TrimSpace(string(out)))
	if os.Getenv(requireEnv) == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// owrtNS runs owrt-ns with args; stdin may be nil.
func owrtNS(stdin string, args ...string) (stdout, stderr string, err error) {
	cmd := exec.Command(OwrtNS(), args...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	err = cmd.Run()
	if err != nil {
		err = errorf("owrt-ns %s: %v: %s%s", cmdline(args), err, strings.TrimSpace(e.String()), strings.TrimSpace(o.String()))
	}
	return o.String(), e.String(), err
}

// Router starts a router called name from configDir (its files are
// copied over the image's /etc/config) with the given WireGuard handler.
// Nothing runs yet but ubusd: cable it first, then Start.
func (l *Lab) Router(name, configDir, handler string) *Router {
	l.t.Helper()
	RequireOracle(l.t)
	rel, ok := handlerRelease[handler]
	if !ok {
		l.t.Fatalf("unknown WireGuard handler %q (24.10 or 25.12)", handler)
	}
	bin := WgowrtBinary(l.t)
	id := l.nsName(name)
	// On failure, the router's logs and state while everything is still
	// there (a t.Cleanup registered now runs before the lab's teardown).
	l.t.Cleanup(func() {
		if l.t.Failed() {
			out, _, _ := owrtNS("", "logs", id)
			l.t.Logf("owrt-ns logs %s:\n%s", id, out)
			out, _, _ = owrtNS("", "exec", id, "sh", "-c", "wg show all; ip -br addr; ip route show table all; cat /tmp/log/hotplug-events; nft list ruleset | grep -B2 -A12 'chain input {'")
			l.t.Logf("state of %s:\n%s", id, out)
		}
	})
	// Registered first among the lab's: down is fine when up failed half-way.
	// Down runs while /run/netns/ID still holds the namespace: owrt-ns down
	// ends by killing whatever is in a namespace with the number this one
	// had, and a freed number goes to the next namespace made (another
	// test's router; see testenv.NSDown). The name goes after.
	l.onCleanup(func() {
		if _, _, err := owrtNS("", "down", id); err != nil {
			l.t.Errorf("cleanup: %v", err)
		}
		if _, err := os.Stat("/run/netns/" + id); err != nil {
			return
		}
		if out, err := exec.Command("ip", "netns", "del", id).CombinedOutput(); err != nil {
			l.t.Errorf("cleanup: ip netns del %s: %v: %s", id, err, out)
		}
	})
	// The namespace's holder (owrt-ns's `sleep infinity`) is sometimes gone
	// right after up on a loaded machine: up reports a live holder as gone
	// (it looks for `sleep infinity` before the holder's exec), and in rare
	// runs (about 1 in 10 CI runs) the holder died between up and the next
	// owrt-ns exec: killed by another namespace's down (the numbers reused,
	// see above; now held while down runs). Either way: down, and up again.
	var holder string
	var err error
	for try := 0; try < 3; try++ {
		if holder, err = l.startHolder(id, configDir, handler, rel, bin); err == nil || !holderGone(err) {
			break
		}
		l.t.Logf("retrying: %v", err)
		orphan := holderPID(id)
		_, _, _ = owrtNS("", "down", id)
		_ = exec.Command("ip", "netns", "del", id).Run()
		reapHolder(orphan, id)
	}
	if err != nil {
		l.t.Fatal(err)
	}
	return &Router{NS: &NS{Name: name, Path: id, lab: l}, ID: id, Handler: handler, holder: holder}
}

// holderPID is the pid owrt-ns up recorded for namespace id's holder
// ("" when there is none).
func holderPID(id string) string {
	b, _ := os.ReadFile(filepath.Join(testenv.StateRoot(), id, "holder.pid"))
	return strings.TrimSpace(string(b))
}

// reapHolder kills pid if it is still namespace id's holder: when up takes
// a live holder for gone, down finds no holder to stop and the `sleep
// infinity` would outlive the test (one was found 77 minutes on). The
// holder is known by its command line and the state directory in its
// environment, so a reused pid is left alone.
func reapHolder(pid, id string) {
	n, err := strconv.Atoi(pid)
	if err != nil || n <= 0 {
		return
	}
	cmd, _ := os.ReadFile("/proc/" + pid + "/cmdline")
	env, _ := os.ReadFile("/proc/" + pid + "/environ")
	if string(cmd) != "sleep\x00infinity\x00" || !slices.Contains(strings.Split(string(env), "\x00"), "S="+filepath.Join(testenv.StateRoot(), id)) {
		return
	}
	_ = syscall.Kill(n, syscall.SIGKILL)
}

// holderGone says whether err is the namespace's holder having died.
func holderGone(err error) bool {
	m := err.Error()
	return strings.Contains(m, "is gone") || strings.Contains(m, "is not up") || strings.Contains(m, "ip netns attach")
}

// startHolder brings namespace id up and prepares it as a router of
// release rel with the wgowrt binary bin; it returns the holder's pid.
func (l *Lab) startHolder(id, configDir, handler, rel, bin string) (string, error) {
	if _, _, err := owrtNS("", "up", id, "--config", configDir, "--wireguard-handler", handler); err != nil {
		return "", err
	}
	out, _, err := owrtNS("", "pid", id)
	if err != nil {
		return "", err
	}
	pid := strings.TrimSpace(out)
	if out, err := exec.Command("ip", "netns", "attach", id, pid).CombinedOutput(); err != nil {
		return "", errorf("ip netns attach %s: %v: %s", id, err, out)
	}
	ns := &NS{Name: id, Path: id, lab: l}
	if _, err := ns.Run("ip", "link", "set", "lo", "up"); err != nil {
		return "", err
	}
	if _, err := ns.Run(append([]string{"sysctl", "-q", "-e", "-w"}, bootSysctls()...)...); err != nil {
		return "", err
	}
	release := fmt.Sprintf("DISTRIB_ID='OpenWrt'\nDISTRIB_RELEASE='%s'\nDISTRIB_REVISION='r0-lab'\nDISTRIB_TARGET='x86/64'\nDISTRIB_ARCH='x86_64'\n", rel)
	if _, _, err := owrtNS(release, "exec", id, "sh", "-c", "cat >/etc/openwrt_release"); err != nil {
		return "", err
	}
	if _, _, err := owrtNS("", "cp", id, bin, "/usr/bin/"); err != nil {
		return "", err
	}
	return pid, nil
}

// defaultSysctls are the net.* lines of base-files' 10-default.conf that a
// router relies on here, used when the oracle's boot rootfs is missing.
var defaultSysctls = []string{"net.ipv4.ip_forward=1", "net.ipv6.conf.default.forwarding=1", "net.ipv6.conf.all.forwarding=1"}

// bootSysctls are the network settings S11sysctl applies at boot, from
// base-files' /etc/sysctl.d/10-default.conf in the oracle's boot rootfs.
// owrt-ns does not apply them (its image has no 10-default.conf), so a
// router namespace would not even forward IPv4 without this.
func bootSysctls() []string {
	p := os.Getenv("OWRT_ORACLE")
	if p == "" {
		p = "/opt/owrt-oracle"
	}
	b, err := os.ReadFile(filepath.Join(p, ".boot-rootfs/etc/sysctl.d/10-default.conf"))
	if err != nil {
		return defaultSysctls
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "net.") && strings.Contains(l, "=") {
			out = append(out, l)
		}
	}
	if len(out) == 0 {
		return defaultSysctls
	}
	return out
}

// nsName is the global name of the lab's namespace name: "lb", the test
// process id, the lab's tag, then name.
func (l *Lab) nsName(name string) string {
	return fmt.Sprintf("lb%d%s-%s", os.Getpid(), l.tag[:4], name)
}

// Start starts rpcd, the firewall and netifd in boot order (rpcd carries
// the harness's `service event`, which is what wgowrt's firewall reload
// calls) and waits until netifd reports each of ifaces up.
func (r *Router) Start(ifaces ...string) {
	r.lab.t.Helper()
	services := []string{"rpcd", "firewall", "netifd"}
	for try := 0; ; try++ {
		_, _, err := owrtNS("", append([]string{"start", r.ID}, services...)...)
		if err == nil {
			break
		}
		// On a loaded machine a service may miss owrt-ns's 15 s wait:
		// start again what did not answer (once running, it is kept).
		var again []string
		for _, m := range notStarted.FindAllStringSubmatch(err.Error(), -1) {
			again = append(again, m[1])
		}
		if try == 2 || len(again) == 0 {
			r.lab.t.Fatal(err)
		}
		r.lab.t.Logf("retrying: %v", err)
		services = again
	}
	r.Wait(ifaces...)
}

// Wait waits until netifd reports each of ifaces up and its ifup hotplug
// event has been handled: hotplug-call runs /etc/hotplug.d/iface in
// order, so once the harness's 99-harness-events logged the event,
// 20-firewall has reloaded fw4 with the interface in its zone (until
// then, traffic on it meets the default policies).
func (r *Router) Wait(ifaces ...string) {
	r.lab.t.Helper()
	if len(ifaces) == 0 {
		return
	}
	if out, _, err := owrtNS("", append([]string{"wait", r.ID, "--timeout", "20"}, ifaces...)...); err != nil {
		r.lab.t.Fatalf("%v\n%s", err, out)
	}
	r.waitEvents(filepath.Join(r.StatePathCached(), "tmp", "log", "hotplug-events"), 0, ifaces)
}

// StatePathCached is StatePath, asked once.
func (r *Router) StatePathCached() string {
	r.lab.t.Helper()
	if r.state == "" {
		r.state = r.StatePath()
	}
	return r.state
}

// waitEvents waits until the hotplug event log, from byte offset from on,
// has an ifup of each of ifaces.
func (r *Router) waitEvents(events string, from int, ifaces []string) {
	r.lab.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		b, _ := os.ReadFile(events)
		if len(b) >= from {
			b = b[from:]
		}
		missing := ""
		for _, i := range ifaces {
			if !regexp.MustCompile(`(?m) ACTION=ifup INTERFACE=` + regexp.QuoteMeta(i) + `( |$)`).Match(b) {
				missing = i
				break
			}
		}
		if missing == "" {
			return
		}
		if time.Now().After(deadline) {
			r.lab.t.Fatalf("%s: no ifup hotplug event for %s after 15 s:\n%s", r.Name, missing, b)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Settle waits for what a configuration change set off: procd's reload
// triggers (the harness runs `fw4 reload` 1 s after the event, as the
// init scripts' reload_service would; hotplug runs it on every ifup)
// until no fw4 runs in the router, and netifd bringing ifaces up.
func (r *Router) Settle(ifaces ...string) {
	r.lab.t.Helper()
	r.Wait(ifaces...)
	deadline := time.Now().Add(20 * time.Second)
	quiet := 0
	for quiet < 3 {
		if time.Now().After(deadline) {
			r.lab.t.Fatalf("%s: fw4 still running after 20 s", r.Name)
		}
		time.Sleep(150 * time.Millisecond)
		if r.runningFw4() {
			quiet = 0
		} else {
			quiet++
		}
	}
}

// runningFw4 reports whether a process of the router's network namespace
// has fw4 in its command line (fw4 itself, or the shell that will start
// it after the reload trigger's sleep).
func (r *Router) runningFw4() bool {
	want, err := os.Readlink(filepath.Join("/proc", r.holder, "ns", "net"))
	if err != nil {
		r.lab.t.Fatalf("%s: %v", r.Name, err)
	}
	procs, _ := os.ReadDir("/proc")
	for _, p := range procs {
		if p.Name()[0] < '0' || p.Name()[0] > '9' || p.Name() == r.holder {
			continue
		}
		if ns, err := os.Readlink(filepath.Join("/proc", p.Name(), "ns", "net")); err != nil || ns != want {
			continue
		}
		if cmd, err := os.ReadFile(filepath.Join("/proc", p.Name(), "cmdline")); err == nil && bytes.Contains(cmd, []byte("fw4")) {
			return true
		}
	}
	return false
}

// Exec runs args inside the router's root (owrt-ns exec) and returns its
// standard output; standard error goes into the error.
func (r *Router) Exec(stdin string, args ...string) (string, error) {
	o, _, err := owrtNS(stdin, append([]string{"exec", r.ID}, args...)...)
	return o, err
}

// MustExec is Exec that fails the test on error.
func (r *Router) MustExec(args ...string) string {
	r.lab.t.Helper()
	o, err := r.Exec("", args...)
	if err != nil {
		r.lab.t.Fatal(err)
	}
	return o
}

// Wgowrt runs the router's own wgowrt with args (as root on the router:
// it writes /etc/config and applies through the real ubus) and returns
// its standard output. A non-zero exit fails the test.
func (r *Router) Wgowrt(args ...string) string {
	r.lab.t.Helper()
	o, _ := r.WgowrtNotes(args...)
	return o
}

// WgowrtNotes is Wgowrt returning its standard error (the notes) too.
func (r *Router) WgowrtNotes(args ...string) (stdout, stderr string) {
	r.lab.t.Helper()
	o, e, err := owrtNS("", append([]string{"exec", r.ID, "wgowrt"}, args...)...)
	r.lab.t.Logf("%s: wgowrt %s\n%s%s", r.Name, cmdline(args), o, e)
	if err != nil {
		r.lab.t.Fatalf("%s: wgowrt %s: %v", r.Name, cmdline(args), err)
	}
	for _, m := range ifupNote.FindAllStringSubmatch(e, -1) {
		if !slices.Contains(r.ifups, m[1]) {
			r.ifups = append(r.ifups, m[1])
		}
	}
	return o, e
}

// FollowAdvice does what wgowrt's notes since the last call asked for, as
// a user would: `ifup IFACE` (on 24.10, routes behind new peers and new
// addresses need it). It returns the interfaces brought up again.
func (r *Router) FollowAdvice() []string {
	r.lab.t.Helper()
	done := r.ifups
	r.ifups = nil
	r.Ifup(done...)
	return done
}

// Ifup runs `ifup` for each of ifaces and waits until netifd has set each
// up again (its ifup hotplug event after this point): a change made
// meanwhile would race the handler re-reading the configuration.
func (r *Router) Ifup(ifaces ...string) {
	r.lab.t.Helper()
	if len(ifaces) == 0 {
		return
	}
	start := time.Now()
	for _, i := range ifaces {
		r.MustExec("ifup", i)
	}
	// Not the hotplug log: netifd drops the ifdown/ifup pair of a quick
	// bounce when its hotplug queue is busy. ubus status shows the new up
	// (an uptime that started after the ifup).
	deadline := time.Now().Add(20 * time.Second)
	for _, i := range ifaces {
		for {
			var st struct {
				Up     bool  `json:"up"`
				Uptime int64 `json:"uptime"`
			}
			out, err := r.Exec("", "ubus", "call", "network.interface."+i, "status")
			if err == nil && json.Unmarshal([]byte(out), &st) == nil && st.Up &&
				time.Duration(st.Uptime)*time.Second <= time.Since(start)+time.Second {
				break
			}
			if time.Now().After(deadline) {
				r.lab.t.Fatalf("%s: %s not up again 20 s after ifup:\n%s", r.Name, i, out)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
}

// UCI runs `uci batch` with script and commits, with the real uci.
func (r *Router) UCI(script string) {
	r.lab.t.Helper()
	if _, err := r.Exec(script+"\ncommit\n", "uci", "batch"); err != nil {
		r.lab.t.Fatal(err)
	}
}

// Copy copies a host file into the router at dest.
func (r *Router) Copy(src, dest string) {
	r.lab.t.Helper()
	if _, _, err := owrtNS("", "cp", r.ID, src, dest); err != nil {
		r.lab.t.Fatal(err)
	}
}

// Fw4 runs `fw4 args` inside (owrt-ns fw4) and returns stdout and stderr.
func (r *Router) Fw4(args ...string) (string, string, error) {
	return owrtNS("", append([]string{"fw4", r.ID}, args...)...)
}

var (
	wgowrtOnce sync.Once
	wgowrtPath string
	wgowrtErr  error
)

// RemoveWgowrtBinary removes what WgowrtBinary built; TestMain calls it
// once every test has finished.
func RemoveWgowrtBinary() {
	if wgowrtPath != "" {
		_ = os.RemoveAll(filepath.Dir(wgowrtPath))
	}
}

// WgowrtBinary builds cmd/wgowrt (static) once per test process.
func WgowrtBinary(t testing.TB) string {
	t.Helper()
	wgowrtOnce.Do(func() {
		root, err := moduleRoot()
		if err != nil {
			wgowrtErr = err
			return
		}
		dir, err := os.MkdirTemp("", "wgowrt-lab-bin-")
		if err != nil {
			wgowrtErr = err
			return
		}
		wgowrtPath = filepath.Join(dir, "wgowrt")
		cmd := exec.Command("go", "build", "-trimpath", "-o", wgowrtPath, "./cmd/wgowrt")
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			wgowrtErr = errorf("build wgowrt: %v\n%s", err, out)
		}
	})
	if wgowrtErr != nil {
		t.Fatal(wgowrtErr)
	}
	return wgowrtPath
}

// StatePath is the router's state directory on the host (owrt-ns path):
// config/, log/, and tmp/ (the router's /tmp).
func (r *Router) StatePath() string {
	r.lab.t.Helper()
	o, _, err := owrtNS("", "path", r.ID)
	if err != nil {
		r.lab.t.Fatal(err)
	}
	return strings.TrimSpace(o)
}

// OwrtNSRun runs owrt-ns with args and returns its stdout and stderr.
func OwrtNSRun(args ...string) (string, string, error) { return owrtNS("", args...) }
