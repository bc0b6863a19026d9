package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	testPkgVersion = "1.2.3-r1"
	phoneKey       = "FrmiFynWdPhyCZVuFGyjyVcTzJDzkn79ROOKEzrkmlY="
)

// fakeRouter plays OpenWrt's serial console: boot chatter, procd's
// "Please press Enter", busybox ash echoing each line and running it with a
// small model of opkg, wgowrt, netifd and wg, then power-off.
type fakeRouter struct {
	silentBoot  bool              // never prints "Please press Enter"
	stallOn     string            // stop answering at the first command with this prefix
	override    map[string]result // command prefix -> canned result
	feed        []string          // package file names in the package disk's feed/
	needsIfup   bool              // wg0 only comes up after ifup
	version     string            // what wgowrt --version prints (default 1.2.3)
	quitOnPower bool              // close the console without the kernel's last line

	mu        sync.Mutex
	installed map[string]string
	cmds      []string
	inited    bool
}

type result struct {
	out string
	rc  int
}

var frameRE = regexp.MustCompile(`^echo (@@WGO-\d+-)""BEGIN@@; (.*); echo (@@WGO-\d+-)""RC=\$\?@@$`)

func newFake() *fakeRouter {
	return &fakeRouter{installed: map[string]string{
		"base-files":      "1579-r29087",
		"busybox":         "1.36.1-r2",
		"kmod-wireguard":  "6.6.73-r1",
		"wireguard-tools": "1.0.20210914-r4",
	}}
}

// run serves the console on in/out until poweroff or in closes. Output is
// written in 7-byte pieces so that markers arrive split across reads.
func (f *fakeRouter) run(in io.Reader, out io.WriteCloser) {
	write := func(s string) {
		for len(s) > 0 {
			n := min(7, len(s))
			if _, err := io.WriteString(out, s[:n]); err != nil {
				return
			}
			s = s[n:]
		}
	}
	stalled := false
	lines := bufio.NewReader(in)
	write("\r\nSeaBIOS (version 1.16.2-debian-1.16.2-1)\r\nBooting from Hard Disk...\r\n")
	write("[    0.000000] Linux version 6.6.73 (builder@buildhost) #0 SMP Mon Jan 27 2025\r\n")
	write("[    3.112233] init: Console is alive\r\n[    9.876543] br-lan: port 1(eth0) entered forwarding state\r\n")
	if f.silentBoot {
		_, _ = io.Copy(io.Discard, in)
		return
	}
	write("\r\nPlease press Enter to activate this console.\r\n")
	for {
		line, err := lines.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		if stalled {
			continue // keeps reading so the driver never blocks writing
		}
		if line == "" && !f.isInited() {
			write("\r\n\r\nBusyBox v1.36.1 (2025-02-03 23:09:37 UTC) built-in shell (ash)\r\n\r\n" +
				"  _______                     ________        __\r\n |       |.-----.-----.-----.|  |  |  |.----.|  |_\r\n" +
				" OpenWrt 24.10.0, r28427-6df0e3d02a\r\n\r\nroot@OpenWrt:/# ")
			f.mu.Lock()
			f.inited = true
			f.mu.Unlock()
			continue
		}
		write(line + "\r\n") // the shell's echo
		if line == "poweroff" {
			f.record(line)
			if !f.quitOnPower {
				write("[   42.424242] reboot: Power down\r\n")
			}
			out.Close()
			_, _ = io.Copy(io.Discard, in)
			return
		}
		m := frameRE.FindStringSubmatch(line)
		if m == nil {
			write("-ash: syntax error\r\nroot@OpenWrt:/# ")
			continue
		}
		cmd := m[2]
		f.record(cmd)
		if f.stallOn != "" && strings.HasPrefix(cmd, f.stallOn) {
			stalled = true
			continue
		}
		res := f.exec(cmd)
		text := strings.ReplaceAll(res.out, "\n", "\r\n")
		if text != "" {
			text += "\r\n"
		}
		write(m[1] + "BEGIN@@\r\n" + text + fmt.Sprintf("%sRC=%d@@\r\nroot@OpenWrt:/# ", m[3], res.rc))
	}
}

func (f *fakeRouter) isInited() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.inited
}

func (f *fakeRouter) record(cmd string) {
	f.mu.Lock()
	f.cmds = append(f.cmds, cmd)
	f.mu.Unlock()
}

func (f *fakeRouter) commands() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.cmds...)
}

// ipkName: <name>_<version>_<arch>.ipk, where arch may hold '_' (x86_64).
var ipkName = regexp.MustCompile(`/([a-z0-9.+-]+)_([^_/]+)_[^/]+\.ipk$`)

func (f *fakeRouter) exec(cmd string) result {
	for p, r := range f.override {
		if strings.HasPrefix(cmd, p) {
			return r
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case cmd == "dmesg -n 1", strings.HasPrefix(cmd, "ubus -t 120 wait_for "):
		return result{}
	case strings.HasPrefix(cmd, "mkdir -p /tmp/wgowrt; for d in /dev/vdb /dev/sdb"):
		files := []string{"/tmp/wgowrt/wgowrt_" + testPkgVersion + "_x86_64.ipk"}
		for _, p := range f.feed {
			files = append(files, "/tmp/wgowrt/feed/"+p)
		}
		sort.Strings(files)
		return result{strings.Join(files, "\n"), 0}
	case cmd == "opkg list-installed":
		var l []string
		for n, v := range f.installed {
			l = append(l, n+" - "+v)
		}
		sort.Strings(l)
		return result{strings.Join(l, "\n"), 0}
	case strings.HasPrefix(cmd, "opkg list-installed ") && strings.HasSuffix(cmd, " | grep -q ."):
		if _, ok := f.installed[strings.Fields(cmd)[2]]; ok {
			return result{}
		}
		return result{"", 1}
	case strings.HasPrefix(cmd, "opkg list-installed "):
		n := strings.Fields(cmd)[2]
		if v, ok := f.installed[n]; ok {
			return result{n + " - " + v, 0}
		}
		return result{}
	case strings.HasPrefix(cmd, "opkg install "):
		if strings.Contains(cmd, "--nodeps") {
			return result{"test: --nodeps used", 99}
		}
		given := map[string]string{}
		for _, a := range strings.Fields(cmd)[2:] {
			m := ipkName.FindStringSubmatch(a)
			if m == nil {
				return result{"Collected errors:\n * opkg_install_cmd: Cannot install package " + a + ".", 255}
			}
			given[m[1]] = m[2]
		}
		for _, d := range wgowrtDeps {
			_, have := f.installed[d]
			_, comes := given[d]
			if !have && !comes {
				return result{"Collected errors:\n * satisfy_dependencies_for: Cannot satisfy the following dependencies for wgowrt:\n * \t" + d, 255}
			}
		}
		var out []string
		for n, v := range given {
			f.installed[n] = v
			out = append(out, "Installing "+n+" ("+v+") to root...")
		}
		sort.Strings(out)
		return result{strings.Join(append(out, "Configuring wgowrt."), "\n"), 0}
	case cmd == "wgowrt --version":
		if _, ok := f.installed["wgowrt"]; !ok {
			return result{"-ash: wgowrt: not found", 127}
		}
		v := f.version
		if v == "" {
			v = "1.2.3"
		}
		return result{"wgowrt " + v, 0}
	case cmd == "wgowrt server init --endpoint vpn.example.org":
		f.installed["#server"] = ""
		return result{"network.wg0=interface\nnetwork.wg0.proto='wireguard'\n...", 0}
	case cmd == "wgowrt peer add phone":
		return result{"[Interface]\nPrivateKey = (hidden)\nAddress = 10.8.0.2/32", 0}
	case cmd == `grep -q "proto 'wireguard'" /etc/config/network`:
		if _, ok := f.installed["#server"]; ok {
			return result{}
		}
		return result{"", 1}
	case strings.HasPrefix(cmd, "i=0; while [ ! -d /sys/class/net/wg0 ]"):
		link := "7: wg0: <POINTOPOINT,NOARP,UP,LOWER_UP> mtu 1420 qdisc noqueue state UNKNOWN qlen 1000\n    link/[65534]"
		if f.needsIfup {
			return result{"IFUP-NEEDED\n" + link, 0}
		}
		return result{link, 0}
	case cmd == "wg show wg0 peers":
		return result{phoneKey, 0}
	case cmd == "wgowrt --json status":
		return result{`{"version":1,"interfaces":[{"name":"wg0","listen_port":51820,"running":true,` +
			`"peers":[{"name":"phone","public_key":"` + phoneKey + `","state":"never"}]}]}`, 0}
	}
	return result{"-ash: " + strings.Fields(cmd)[0] + ": not found", 127}
}

// drive runs Drive against f with short timeouts.
func drive(t *testing.T, f *fakeRouter, step time.Duration) (*Report, error) {
	t.Helper()
	inR, inW := io.Pipe()   // driver -> router
	outR, outW := io.Pipe() // router -> driver
	go f.run(inR, outW)
	t.Cleanup(func() { inW.Close(); outR.Close() })
	var log strings.Builder
	var mu sync.Mutex
	c := NewConsole(outR, inW, writerFunc(func(b []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return log.Write(b)
	}))
	return Drive(c, Config{PkgVersion: testPkgVersion, BootTimeout: step, StepTimeout: step, WgWait: 1})
}

type writerFunc func([]byte) (int, error)

func (w writerFunc) Write(b []byte) (int, error) { return w(b) }

func stepOf(t *testing.T, err error) *StepError {
	t.Helper()
	var se *StepError
	if !errors.As(err, &se) {
		t.Fatalf("want a StepError, got %v", err)
	}
	return se
}

func TestQuickStartOnImageWithDeps(t *testing.T) {
	f := newFake()
	r, err := drive(t, f, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.MissingDeps) != 0 || r.IfupNeeded || r.PeerKey != phoneKey {
		t.Errorf("report %+v", r)
	}
	if f.installed["wgowrt"] != testPkgVersion {
		t.Errorf("wgowrt not installed: %v", f.installed)
	}
	cmds := f.commands()
	idx := func(c string) int {
		for i, x := range cmds {
			if x == c || strings.HasPrefix(x, c) {
				return i
			}
		}
		t.Fatalf("never ran %q; ran %q", c, cmds)
		return -1
	}
	// Dependencies are checked before installing, and the quick start runs in
	// the README's order after the install.
	order := []string{"opkg list-installed", "opkg install /tmp/wgowrt/wgowrt_1.2.3-r1_x86_64.ipk",
		"wgowrt --version", "wgowrt server init", "wgowrt peer add phone", "wgowrt --json status", "poweroff"}
	for i := 1; i < len(order); i++ {
		if idx(order[i-1]) >= idx(order[i]) {
			t.Errorf("%q ran after %q: %q", order[i-1], order[i], cmds)
		}
	}
}

func TestMissingDepsComeFromFeed(t *testing.T) {
	f := newFake()
	delete(f.installed, "kmod-wireguard")
	delete(f.installed, "wireguard-tools")
	f.feed = []string{"kmod-udptunnel4_6.6.73-r1_x86_64.ipk", "kmod-wireguard_6.6.73-r1_x86_64.ipk", "wireguard-tools_1.0.20210914-r4_x86_64.ipk"}
	f.needsIfup = true
	r, err := drive(t, f, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(r.MissingDeps, " ") != "kmod-wireguard wireguard-tools" || len(r.FromFeed) != 3 || !r.IfupNeeded {
		t.Errorf("report %+v", r)
	}
	if _, ok := f.installed["kmod-wireguard"]; !ok {
		t.Errorf("feed packages not installed: %v", f.installed)
	}
}

func TestMissingDepsWithoutFeedFailsBeforeInstalling(t *testing.T) {
	f := newFake()
	delete(f.installed, "wireguard-tools")
	_, err := drive(t, f, 2*time.Second)
	se := stepOf(t, err)
	if se.Step != "check dependencies" || !strings.Contains(se.Msg, "lacks wireguard-tools") ||
		!strings.Contains(se.Msg, "WGOWRT_OPENWRT_FEED") || strings.Contains(se.Msg, "kmod-wireguard,") {
		t.Errorf("error: %v", err)
	}
	for _, c := range f.commands() {
		if strings.HasPrefix(c, "opkg install") {
			t.Errorf("installed anyway: %q", c)
		}
	}
}

func TestFailingCommandNamesStepStatusAndOutput(t *testing.T) {
	f := newFake()
	f.override = map[string]result{"wgowrt peer add phone": {"wgowrt: peer \"phone\" exists", 1}}
	_, err := drive(t, f, 2*time.Second)
	se := stepOf(t, err)
	if se.Step != "peer add" || !strings.Contains(se.Msg, "exited 1") || !strings.Contains(se.Msg, `peer "phone" exists`) {
		t.Errorf("error: %v", err)
	}
}

func TestOpkgFailureIsReported(t *testing.T) {
	f := newFake()
	f.override = map[string]result{"opkg install": {"Collected errors:\n * pkg_hash_check_unresolved: cannot find dependency kernel (= 6.6.73~abc-r1) for kmod-wireguard", 255}}
	_, err := drive(t, f, 2*time.Second)
	if se := stepOf(t, err); se.Step != "opkg install" || !strings.Contains(se.Msg, "exited 255") || !strings.Contains(se.Msg, "cannot find dependency kernel") {
		t.Errorf("error: %v", err)
	}
}

func TestWrongVersion(t *testing.T) {
	f := newFake()
	f.version = "dev"
	_, err := drive(t, f, 2*time.Second)
	if se := stepOf(t, err); se.Step != "wgowrt --version" || !strings.Contains(se.Msg, `want "wgowrt 1.2.3"`) {
		t.Errorf("error: %v", err)
	}
}

func TestStatusMustShowRunningWg0WithPhone(t *testing.T) {
	for name, js := range map[string]string{
		"wg0 not running":           `{"version":1,"interfaces":[{"name":"wg0","running":false,"peers":[{"name":"phone","public_key":"` + phoneKey + `","state":"absent"}]}]}`,
		"not in the running device": `{"version":1,"interfaces":[{"name":"wg0","running":true,"peers":[{"name":"phone","public_key":"` + phoneKey + `","state":"absent"}]}]}`,
		"no peer phone":             `{"version":1,"interfaces":[{"name":"wg0","running":true,"peers":[]}]}`,
		"no interface wg0":          `{"version":1,"interfaces":[]}`,
		"not JSON":                  `Incorrect Usage: flag provided but not defined: -json`,
	} {
		f := newFake()
		f.override = map[string]result{"wgowrt --json status": {js, 0}}
		_, err := drive(t, f, 2*time.Second)
		if se := stepOf(t, err); se.Step != "status --json" || !strings.Contains(se.Msg, name) {
			t.Errorf("%s: error: %v", name, err)
		}
	}
}

func TestKernelDeviceMustHavePhone(t *testing.T) {
	f := newFake()
	f.override = map[string]result{"wg show wg0 peers": {"", 0}}
	_, err := drive(t, f, 2*time.Second)
	if se := stepOf(t, err); se.Step != "wg show" || !strings.Contains(se.Msg, "lacks phone's key") {
		t.Errorf("error: %v", err)
	}
}

func TestWg0NeverUp(t *testing.T) {
	f := newFake()
	f.override = map[string]result{"i=0; while": {"IFUP-NEEDED", 1}}
	_, err := drive(t, f, 2*time.Second)
	if se := stepOf(t, err); se.Step != "wg0 up" || !strings.Contains(se.Msg, "exited 1") {
		t.Errorf("error: %v", err)
	}
}

func TestStalledConsoleTimesOutNamingStep(t *testing.T) {
	f := newFake()
	f.stallOn = "opkg list-installed"
	start := time.Now()
	_, err := drive(t, f, 300*time.Millisecond)
	se := stepOf(t, err)
	if se.Step != "check dependencies" || !strings.Contains(se.Msg, "timed out after 300ms") {
		t.Errorf("error: %v", err)
	}
	// The tail shows what the console did last: the echoed command.
	if !strings.Contains(se.Tail, "opkg list-installed") {
		t.Errorf("tail: %q", se.Tail)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("took %s", d)
	}
}

func TestNoConsolePromptTimesOutInBoot(t *testing.T) {
	f := newFake()
	f.silentBoot = true
	_, err := drive(t, f, 300*time.Millisecond)
	if se := stepOf(t, err); se.Step != "boot" || !strings.Contains(se.Tail, "Console is alive") {
		t.Errorf("error: %v", err)
	}
}

func TestConsoleClosedMidStep(t *testing.T) {
	outR, outW := io.Pipe()
	inR, inW := io.Pipe()
	go func() { _, _ = io.Copy(io.Discard, inR) }()
	c := NewConsole(outR, inW, io.Discard)
	go func() {
		_, _ = io.WriteString(outW, "kernel panic - not syncing\r\n")
		outW.CloseWithError(errors.New("qemu exited: exit status 1"))
	}()
	_, err := c.Expect("boot", regexp.MustCompile("Please press Enter"), 5*time.Second)
	if se := stepOf(t, err); se.Step != "boot" || !strings.Contains(se.Msg, "console closed (qemu exited") || !strings.Contains(se.Tail, "kernel panic") {
		t.Errorf("error: %v", err)
	}
}

func TestPoweroffWithoutLastLine(t *testing.T) {
	f := newFake()
	f.quitOnPower = true
	if _, err := drive(t, f, 2*time.Second); err != nil {
		t.Fatal(err)
	}
}

// The markers must come from the shell's output, never from its echo of
// the command line: a command whose output never arrives must not pass.
func TestEchoIsNotAResult(t *testing.T) {
	outR, outW := io.Pipe()
	inR, inW := io.Pipe()
	c := NewConsole(outR, inW, io.Discard)
	go func() {
		r := bufio.NewReader(inR)
		l, _ := r.ReadString('\n')
		_, _ = io.WriteString(outW, strings.TrimRight(l, "\n")+"\r\n") // echo only
		_, _ = io.Copy(io.Discard, r)
	}()
	s := &Session{c: c, cfg: Config{StepTimeout: 300 * time.Millisecond, Say: func(string, ...any) {}}}
	if _, _, err := s.Run("echo only", "true"); err == nil || !strings.Contains(err.Error(), "timed out") {
		t.Errorf("want a timeout, got %v", err)
	}
}

func TestParseInstalled(t *testing.T) {
	m := parseInstalled("base-files - 1579-r29087\nkmod-wireguard - 6.6.73-r1\n\ngarbage\nwgowrt - 1.2.3-r1\n")
	if len(m) != 3 || m["kmod-wireguard"] != "6.6.73-r1" || m["wgowrt"] != "1.2.3-r1" {
		t.Errorf("%v", m)
	}
}
