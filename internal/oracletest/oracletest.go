// Package oracletest checks router trees that tests produced with the real
// OpenWrt programs of ../shared/oracle: uci(1), netifd, firewall4 and nft.
//
// A tree is ROOT/etc/config as wgowrt left it. For each tree the real
// `uci show` and `uci -X show` of network, firewall and wgowrt must print
// byte for byte what `wgowrt uci` prints, and each file wgowrt wrote must
// be what the real `uci commit` writes; `fw4 print` must render the tree
// without a warning and fw4 check (`nft -c` on that ruleset) must pass.
// With WGOWRT_ORACLE_NETIFD=1 the real netifd loads the network config
// first (fw4 then sees its devices and subnets) and must know every
// interface, report no error for wgowrt's and bring them up.
//
// fw4 and netifd run inside one owrt-ns namespace per test binary, started
// on first use and reused: each tree's files are copied into the
// namespace's /etc/config. Identical trees are checked once.
//
// Environment: OWRT_NS (owrt-ns; default ../shared/oracle/bin/owrt-ns
// beside the repository, then PATH), OWRT_ORACLE and OWRT_STATE (as
// owrt-ns), OWRT_WG_HANDLER (24.10 or 25.12, netifd's WireGuard handler),
// WGOWRT_ORACLE_NETIFD=1, WGOWRT_REQUIRE_PRIVILEGED=1 (no oracle is a
// failure, not a skip).
package oracletest

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/wgowrt/wgowrt/internal/testenv"
)

// Packages are the configs wgowrt writes, the ones compared with uci show.
var Packages = []string{"network", "firewall", "wgowrt"}

// UCIFunc runs `wgowrt uci ARGS...` and returns what it printed and its
// exit code.
type UCIFunc func(args ...string) (stdout, stderr string, code int)

// Oracle is a started namespace with the real programs.
type Oracle struct {
	tool   string // owrt-ns
	prefix string // OWRT_ORACLE
	name   string // the namespace
	state  string // $OWRT_STATE/name on the host
	noVLAN bool   // the kernel cannot make 802.1q devices (no module here)
	netifd bool   // WGOWRT_ORACLE_NETIFD=1: netifd loads each tree first

	mu    sync.Mutex
	cache map[[32]byte][]string // what a check found, by the hash of what it read
}

var shared struct {
	once   sync.Once
	o      *Oracle
	reason string
}

// Get returns the process's oracle, starting it on first use. Without the
// oracle (or root) it skips the test with the reason, unless
// WGOWRT_REQUIRE_PRIVILEGED=1, where that is a failure.
func Get(t testing.TB) *Oracle {
	t.Helper()
	shared.once.Do(func() { shared.o, shared.reason = start() })
	if shared.o == nil {
		if os.Getenv("WGOWRT_REQUIRE_PRIVILEGED") == "1" {
			t.Fatalf("real OpenWrt oracle required (WGOWRT_REQUIRE_PRIVILEGED=1): %s", shared.reason)
		}
		t.Skipf("no real OpenWrt oracle: %s", shared.reason)
	}
	return shared.o
}

// Stop takes the namespace down if one was started; call it from TestMain.
func Stop() {
	if o := shared.o; o != nil {
		testenv.NSDown(o.tool, o.name)
	}
}

// nsTool finds owrt-ns: $OWRT_NS, else ../shared/oracle/bin/owrt-ns beside
// the repository (the directory holding go.mod), else PATH.
func nsTool() string {
	if p := os.Getenv("OWRT_NS"); p != "" {
		return p
	}
	if dir, err := os.Getwd(); err == nil {
		for ; dir != filepath.Dir(dir); dir = filepath.Dir(dir) {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				p := filepath.Join(filepath.Dir(dir), "shared/oracle/bin/owrt-ns")
				if _, err := os.Stat(p); err == nil {
					return p
				}
				break
			}
		}
	}
	if p, err := exec.LookPath("owrt-ns"); err == nil {
		return p
	}
	return ""
}

func start() (*Oracle, string) {
	tool := nsTool()
	if tool == "" {
		return nil, "owrt-ns not found (set OWRT_NS, or put ../shared/oracle beside the repository)"
	}
	if out, err := exec.Command(tool, "preflight").CombinedOutput(); err != nil {
		return nil, fmt.Sprintf("%s preflight: %s", tool, firstLine(out, err))
	}
	prefix := os.Getenv("OWRT_ORACLE")
	if prefix == "" {
		prefix = "/opt/owrt-oracle"
	}
	stateRoot := testenv.StateRoot()
	reapStale(tool, stateRoot)
	o := &Oracle{tool: tool, prefix: prefix, name: fmt.Sprintf("wgowrt-chk-%d", os.Getpid()),
		cache: map[[32]byte][]string{}, netifd: os.Getenv("WGOWRT_ORACLE_NETIFD") == "1"}
	o.state = filepath.Join(stateRoot, o.name)
	if out, err := exec.Command(tool, "up", o.name).CombinedOutput(); err != nil {
		testenv.NSDown(tool, o.name)
		return nil, fmt.Sprintf("owrt-ns up %s: %s", o.name, firstLine(out, err))
	}
	if !o.netifd {
		return o, ""
	}
	if out, err := exec.Command(tool, "start", o.name, "netifd").CombinedOutput(); err != nil {
		testenv.NSDown(tool, o.name)
		return nil, fmt.Sprintf("owrt-ns start %s netifd: %s", o.name, firstLine(out, err))
	}
	o.noVLAN = o.exec(`ip link add chkvl type veth peer name chkvlp && ip link add link chkvl name chkvl.5 type vlan id 5; rc=$?; ip link del chkvl; exit $rc`) != ""
	return o, ""
}

// reapStale takes down namespaces of earlier test processes that died
// without Stop (a panic, a timeout).
func reapStale(tool, stateRoot string) {
	dirs, _ := filepath.Glob(filepath.Join(stateRoot, "wgowrt-chk-*"))
	for _, d := range dirs {
		pid, err := strconv.Atoi(strings.TrimPrefix(filepath.Base(d), "wgowrt-chk-"))
		if err != nil {
			continue
		}
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); errors.Is(err, os.ErrNotExist) {
			testenv.NSDown(tool, filepath.Base(d))
		}
	}
}

func firstLine(out []byte, err error) string {
	s := strings.TrimSpace(string(out))
	if s == "" {
		return err.Error()
	}
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

// CheckTree checks ROOT/etc/config with the real programs in a subtest
// named "openwrt" (skipped with the reason when there is no oracle).
// written says wgowrt wrote the tree; a tree that is only a scenario's
// hand-written input is checked with uci show alone (netifd and fw4 would
// judge the fixture, not wgowrt). wrote names the packages wgowrt
// changed: each must be byte for byte what the real uci commit writes.
func CheckTree(t *testing.T, root string, written bool, wrote []string, wgowrtUCI UCIFunc) {
	t.Helper()
	t.Run("openwrt", func(t *testing.T) {
		o := Get(t)
		if msg := o.Check(filepath.Join(root, "etc/config"), written, wrote, wgowrtUCI); msg != "" {
			t.Error(msg)
		}
	})
}

// Check checks one config directory and returns what real OpenWrt said
// against it ("" when everything passed): uci show, and for a tree
// wgowrt wrote, netifd and fw4.
func (o *Oracle) Check(confDir string, written bool, wrote []string, wgowrtUCI UCIFunc) string {
	files := map[string][]byte{}
	for _, p := range Packages {
		b, err := os.ReadFile(filepath.Join(confDir, p))
		if errors.Is(err, os.ErrNotExist) {
			continue
		} else if err != nil {
			return err.Error()
		}
		files[p] = b
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	var problems []string
	showKey := hashFiles(files, Packages, fmt.Sprintf("wrote=%q", wrote))
	problems = append(problems, o.cached(showKey, func() []string { return o.compareShow(confDir, files, wrote, wgowrtUCI) })...)
	if written {
		// without netifd, fw4 reads only the firewall config
		deps := []string{"firewall"}
		if o.netifd {
			deps = append(deps, "network")
		}
		liveKey := hashFiles(files, deps, "live")
		problems = append(problems, o.cached(liveKey, func() []string { return o.live(confDir, files) })...)
	}
	return strings.Join(problems, "\n")
}

// cached runs check once per key.
func (o *Oracle) cached(key [32]byte, check func() []string) []string {
	if r, ok := o.cache[key]; ok {
		return r
	}
	r := check()
	o.cache[key] = r
	return r
}

func hashFiles(files map[string][]byte, names []string, salt string) (key [32]byte) {
	h := sha256.New()
	for _, p := range names {
		b, ok := files[p]
		fmt.Fprintf(h, "%s\x00%v\x00%d\x00%s", p, ok, len(b), b)
	}
	h.Write([]byte(salt))
	copy(key[:], h.Sum(nil))
	return key
}

// compareShow runs the real `uci show PKG` and `wgowrt uci show PKG` on
// the same directory, with an empty save and override directory each. A
// file wgowrt wrote must also be what the real uci commit would write.
func (o *Oracle) compareShow(confDir string, files map[string][]byte, wrote []string, wgowrtUCI UCIFunc) []string {
	tmp, err := os.MkdirTemp("", "oracletest-uci-")
	if err != nil {
		return []string{err.Error()}
	}
	defer os.RemoveAll(tmp)
	var out []string
	for _, p := range Packages {
		if files[p] == nil {
			continue
		}
		opts := []string{"-c", confDir, "-C", filepath.Join(tmp, "override"), "-t", filepath.Join(tmp, "save")}
		so, se, code, err := o.UCI(append(opts, "show", p)...)
		if err != nil {
			return append(out, err.Error())
		}
		if code != 0 || se != "" {
			out = append(out, fmt.Sprintf("real `uci show %s` rejects the file: exit %d: %s", p, code, strings.TrimSpace(se)))
			continue
		}
		got, gerr, gcode := wgowrtUCI(append(opts, "show", p)...)
		if gcode != 0 || got != so {
			out = append(out, fmt.Sprintf("`wgowrt uci show %s` differs from the real uci (exit %d %s):\n%s", p, gcode, strings.TrimSpace(gerr), lineDiff(so, got)))
		}
		// -X: anonymous sections by their cfgXXXXXX names
		so, _, _, err = o.UCI(append(opts, "-X", "show", p)...)
		if err != nil {
			return append(out, err.Error())
		}
		if got, gerr, gcode := wgowrtUCI(append(opts, "-X", "show", p)...); gcode != 0 || got != so {
			out = append(out, fmt.Sprintf("`wgowrt uci -X show %s` differs from the real uci (exit %d %s):\n%s", p, gcode, strings.TrimSpace(gerr), lineDiff(so, got)))
		}
		if !slices.Contains(wrote, p) {
			continue
		}
		// uci commit writes `uci export` without its "package" line
		exp, _, _, err := o.UCI(append(opts, "export", p)...)
		if err != nil {
			return append(out, err.Error())
		}
		if _, want, _ := strings.Cut(exp, "\n"); want != string(files[p]) {
			out = append(out, fmt.Sprintf("etc/config/%s is not byte for byte what the real uci commit writes:\n%s", p, lineDiff(want, string(files[p]))))
		}
	}
	return out
}

// UCI runs the real uci(1) on the host; err is set when it could not run.
func (o *Oracle) UCI(args ...string) (stdout, stderr string, code int, err error) {
	cmd := exec.Command(filepath.Join(o.prefix, "usr/bin/uci"), args...)
	var so, se bytes.Buffer
	cmd.Stdout, cmd.Stderr = &so, &se
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			return "", "", 0, fmt.Errorf("real uci: %v", err)
		}
		code = ee.ExitCode()
	}
	return so.String(), se.String(), code, nil
}

// live copies the tree's configs into the namespace, has the real netifd
// load the network config from a clean state (only loopback) and then
// runs fw4 print and fw4 check there, so fw4 sees the devices and subnets
// netifd reports, as on a router. fw4 check is `fw4 print | nft -c`: the
// real nft checks the rendered ruleset (fw4Script).
func (o *Oracle) live(confDir string, files map[string][]byte) []string {
	n, err := o.readNetwork(confDir, files["network"] != nil)
	if err != nil {
		return []string{err.Error()}
	}
	cfg, tmp := filepath.Join(o.state, "config"), filepath.Join(o.state, "tmp")
	if o.netifd {
		// netifd drops the last tree's interfaces first
		if err := os.WriteFile(filepath.Join(cfg, "network"), []byte(loopbackOnly), 0644); err != nil {
			return []string{err.Error()}
		}
		if msg := o.exec(dropScript); msg != "" {
			return []string{msg}
		}
	}
	for _, p := range Packages {
		dst := filepath.Join(cfg, p)
		b := files[p]
		if b == nil {
			// the image's default (firewall, network), else none
			var err error
			if b, err = os.ReadFile(filepath.Join(o.prefix, "etc/config", p)); err != nil {
				os.Remove(dst)
				continue
			}
		}
		if p == "network" {
			dst = filepath.Join(tmp, "chk-network") // the script copies it after making the devices
		}
		if err := os.WriteFile(dst, b, 0644); err != nil {
			return []string{err.Error()}
		}
	}
	logName := filepath.Join(o.state, "log", "netifd.log")
	var logFrom int64
	if fi, err := os.Stat(logName); err == nil {
		logFrom = fi.Size()
	}
	script := "cd /tmp && rm -f chk.* && cp chk-network /etc/config/network\n" + fw4Script
	if o.netifd {
		script = fmt.Sprintf(loadScript, strings.Join(n.plainDevices, " "), strings.Join(n.expectUp, " ")) + fw4Script
	}
	if msg := o.exec(script); msg != "" {
		return []string{msg}
	}
	read := func(name string) string {
		b, _ := os.ReadFile(filepath.Join(tmp, name))
		return string(b)
	}
	var out []string
	if o.netifd {
		out = n.judge(read("chk.dump"), netifdLog(logName, logFrom))
	}
	if rc, warn := strings.TrimSpace(read("chk.print.rc")), read("chk.warn"); rc != "0" || warn != "" {
		out = append(out, fmt.Sprintf("real `fw4 print`: exit %s, warnings:\n%s", rc, warn))
	}
	if rc, msg := strings.TrimSpace(read("chk.check.rc")), read("chk.check"); rc != "0" || msg != "" {
		out = append(out, fmt.Sprintf("real `fw4 check` (nft -c on the rendered ruleset): exit %s:\n%s", rc, msg))
	}
	return out
}

func (o *Oracle) exec(script string) string {
	if out, err := exec.Command(o.tool, "exec", o.name, "/bin/sh", "-c", script).CombinedOutput(); err != nil {
		return fmt.Sprintf("owrt-ns exec %s: %v: %s", o.name, err, out)
	}
	return ""
}

const loopbackOnly = "config interface 'loopback'\n\toption device 'lo'\n\toption proto 'static'\n\toption ipaddr '127.0.0.1'\n\toption netmask '255.0.0.0'\n"

const settle = `settle() { # settle COND: up to 5 s
	i=0; while [ $i -lt 50 ]; do eval "$1" && return 0; sleep 0.1; i=$((i+1)); done; return 1
}
`

// dropScript has netifd load the loopback-only config and waits until it
// has dropped every other interface.
const dropScript = settle + `ubus call network reload
settle '[ "$(ubus -S call network.interface dump | grep -o "\"interface\":\"" | wc -l)" = 1 ]'
`

// loadScript runs inside the namespace: %s are the plain devices the
// tree's network needs (made as veth pairs, like a router's ports) and the
// interfaces that must come up.
const loadScript = settle + `cd /tmp && rm -f chk.*
for d in %s; do
	p=$(printf 'p%%.14s' "$d")
	[ -e /sys/class/net/$d ] || { ip link add "$d" type veth peer name "$p" && ip link set "$p" up; }
	ip link set "$d" up
done
cp chk-network /etc/config/network
ubus call network reload
up() { for x in %s; do ubus -S call network.interface.$x status 2>/dev/null | grep -q '"up":true' || return 1; done; }
settle up
ubus call network.interface dump >chk.dump
`

// fw4Script: fw4 print, then what fw4 check does with it (`print | nft
// -c -f -`), without rendering the ruleset a second time.
const fw4Script = `fw4 print >chk.nft 2>chk.warn; echo $? >chk.print.rc
nft -c -f chk.nft >chk.check 2>&1; echo $? >chk.check.rc
`

// lineDiff lists the lines only in want (-) and only in got (+).
func lineDiff(want, got string) string {
	count := map[string]int{}
	for _, l := range strings.Split(want, "\n") {
		count[l]++
	}
	for _, l := range strings.Split(got, "\n") {
		count[l]--
	}
	var d []string
	for l, n := range count {
		for ; n > 0; n-- {
			d = append(d, "- "+l)
		}
		for ; n < 0; n++ {
			d = append(d, "+ "+l)
		}
	}
	sort.Strings(d)
	if len(d) == 0 {
		return "(same lines, different order)"
	}
	return strings.Join(d, "\n")
}

// checkSession: what a session sees (its staged deltas over the files)
// shows the same through wgowrt uci as through the real uci.
func checkSession(t *testing.T, root, sess string, wgowrtUCI UCIFunc) {
	o := Get(t)
	empty := t.TempDir()
	for _, p := range Packages {
		if !fileExists(filepath.Join(root, "etc/config", p)) {
			continue
		}
		args := []string{"-c", filepath.Join(root, "etc/config"), "-C", empty, "-t", sess, "show", p}
		want, _, _, err := o.UCI(args...)
		if err != nil {
			t.Fatal(err)
		}
		if got, e, code := wgowrtUCI(args...); got != want {
			t.Errorf("`wgowrt uci -t SESSION show %s` differs from the real uci (exit %d %s):\n%s", p, code, strings.TrimSpace(e), lineDiff(want, got))
		}
	}
}

// CheckAnswer checks the tree an rpcd answer leads to: when the answer
// carries edits (LuCI stages them, then Save & Apply commits), they are
// applied with the real `uci batch` + `uci commit` to a copy of ROOT's
// configs, on top of the caller's session deltas if args names a session
// with staged changes; that tree is then checked as CheckTree does. An
// answer without edits checks ROOT itself (written: as CheckTree).
// cliConf, when set, is the config directory the equivalent command line
// wrote: the real `uci show` of the staged tree must equal its own.
func CheckAnswer(t *testing.T, root string, written bool, wrote []string, args, answer, cliConf string, wgowrtUCI UCIFunc) {
	t.Helper()
	edits, err := parseEdits(answer)
	if err != nil {
		t.Fatalf("oracletest: %v", err)
	}
	var a struct {
		Session string `json:"ubus_rpc_session"`
	}
	json.Unmarshal([]byte(args), &a)
	if sess := filepath.Join(root, "var/run/rpcd", "uci-"+a.Session); a.Session != "" && fileExists(sess) {
		t.Run("openwrt-session", func(t *testing.T) { checkSession(t, root, sess, wgowrtUCI) })
	}
	if len(edits) == 0 {
		CheckTree(t, root, written, wrote, wgowrtUCI)
		return
	}
	t.Run("openwrt", func(t *testing.T) {
		o := Get(t)
		tree := t.TempDir()
		conf, save := filepath.Join(tree, "etc/config"), filepath.Join(tree, "save")
		for _, d := range []string{conf, save, filepath.Join(tree, "override")} {
			os.MkdirAll(d, 0755)
		}
		copyFiles(t, filepath.Join(root, "etc/config"), conf)
		if a.Session != "" {
			copyFiles(t, filepath.Join(root, "var/run/rpcd", "uci-"+a.Session), save)
		}
		uci := func(stdin string, args ...string) *exec.Cmd {
			cmd := exec.Command(filepath.Join(o.prefix, "usr/bin/uci"), append([]string{"-c", conf, "-C", filepath.Join(tree, "override"), "-t", save}, args...)...)
			cmd.Stdin = strings.NewReader(stdin)
			return cmd
		}
		// rpcd stages only into configs that exist: luci-app-wgowrt's
		// uci-defaults creates an empty /etc/config/wgowrt for that. And
		// rpcd deletes an option only when it exists
		exists := map[string]bool{}
		for _, e := range edits {
			if p := filepath.Join(conf, e.Config); !fileExists(p) {
				os.WriteFile(p, nil, 0644)
			}
			out, _ := uci("", "-X", "show", e.Config).Output() // anonymous sections by the names edits use
			for _, l := range strings.Split(string(out), "\n") {
				if k, _, ok := strings.Cut(l, "="); ok {
					exists[k] = true
				}
			}
		}
		batch := batchLines(edits, exists) + "commit\n"
		cmd := uci(batch, "batch")
		if out, err := cmd.CombinedOutput(); err != nil || len(out) > 0 {
			t.Fatalf("real `uci batch` refuses the answer's edits: %v: %s\n%s", err, out, batch)
		}
		if msg := o.Check(conf, true, nil, wgowrtUCI); msg != "" { // the real uci wrote them
			t.Errorf("after staging the edits with the real uci:\n%s", msg)
		}
		if cliConf == "" {
			return
		}
		for _, p := range append(append([]string{}, Packages...), otherConfigs(edits)...) {
			staged, _, _, err1 := o.UCI("-c", conf, "-C", filepath.Join(tree, "override"), "-t", filepath.Join(tree, "empty"), "show", p)
			want, _, _, err2 := o.UCI("-c", cliConf, "-C", filepath.Join(tree, "override"), "-t", filepath.Join(tree, "empty"), "show", p)
			if err := errors.Join(err1, err2); err != nil {
				t.Fatal(err)
			}
			if !slices.Contains(Packages, p) {
				// dhcp: rpcd sets a list by deleting it and adding it back at
				// the section's end; the same options, maybe in another order
				staged, want = sortedLines(staged), sortedLines(want)
			}
			if staged != want {
				t.Errorf("the edits staged with the real uci give another %s than the command line writes:\n%s", p, lineDiff(want, staged))
			}
		}
	})
}

// otherConfigs are the configs edits touch beyond Packages (dhcp).
func otherConfigs(edits []edit) []string {
	var out []string
	for _, e := range edits {
		if !slices.Contains(Packages, e.Config) && !slices.Contains(out, e.Config) {
			out = append(out, e.Config)
		}
	}
	return out
}

func sortedLines(s string) string {
	l := strings.Split(s, "\n")
	sort.Strings(l)
	return strings.Join(l, "\n")
}

func copyFiles(t *testing.T, from, to string) {
	t.Helper()
	ents, err := os.ReadDir(from)
	if errors.Is(err, os.ErrNotExist) {
		return
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err == nil {
			err = os.WriteFile(filepath.Join(to, e.Name()), b, 0644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// edit is one staged operation of an rpcd answer, its values in the
// order of the JSON object.
type edit struct {
	Op, Config, Section, Type string
	Names                     []string
	Values                    []any // string, []string or nil
	Sections                  []string
}

func parseEdits(answer string) ([]edit, error) {
	var a struct {
		Edits []json.RawMessage `json:"edits"`
	}
	if err := json.Unmarshal([]byte(answer), &a); err != nil {
		return nil, fmt.Errorf("answer is not JSON: %v", err)
	}
	var out []edit
	for _, raw := range a.Edits {
		var e struct {
			Op       string          `json:"op"`
			Config   string          `json:"config"`
			Section  string          `json:"section"`
			Type     string          `json:"type"`
			Values   json.RawMessage `json:"values"`
			Sections []string        `json:"sections"`
		}
		if err := json.Unmarshal(raw, &e); err != nil {
			return nil, fmt.Errorf("edit %s: %v", raw, err)
		}
		ed := edit{Op: e.Op, Config: e.Config, Section: e.Section, Type: e.Type, Sections: e.Sections}
		if len(e.Values) > 0 {
			if err := orderedValues(e.Values, &ed); err != nil {
				return nil, fmt.Errorf("edit %s: %v", raw, err)
			}
		}
		out = append(out, ed)
	}
	return out, nil
}

// orderedValues decodes {"name": "v" | ["a","b"] | null, ...} keeping the
// order of the names.
func orderedValues(raw json.RawMessage, e *edit) error {
	d := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := d.Token(); err != nil || tok != json.Delim('{') {
		return fmt.Errorf("values: want an object")
	}
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			return err
		}
		var v any
		if err := d.Decode(&v); err != nil {
			return err
		}
		if l, ok := v.([]any); ok {
			s := make([]string, len(l))
			for i, x := range l {
				s[i], _ = x.(string)
			}
			v = s
		}
		e.Names = append(e.Names, tok.(string))
		e.Values = append(e.Values, v)
	}
	return nil
}

// batchLines is what uci.js + rpcd's uci object do, as uci(1) batch lines:
// add = a named section of a type with its values; set = options (a list
// replaced whole, null deletes); remove = the section; order = each named
// section moved to its index in turn. exists holds the options there are
// ("network.wg0.addresses"), the only ones rpcd deletes.
func batchLines(edits []edit, exists map[string]bool) string {
	var b strings.Builder
	for _, e := range edits {
		sec := e.Config + "." + e.Section
		switch e.Op {
		case "add":
			fmt.Fprintf(&b, "set %s=%s\n", sec, quote(e.Type))
		case "remove":
			fmt.Fprintf(&b, "delete %s\n", sec)
		case "order":
			for i, s := range e.Sections {
				fmt.Fprintf(&b, "reorder %s.%s=%d\n", e.Config, s, i)
			}
		}
		for i, name := range e.Names {
			opt := sec + "." + name
			switch v := e.Values[i].(type) {
			case nil:
				if exists[opt] {
					fmt.Fprintf(&b, "delete %s\n", opt)
				}
			case string:
				fmt.Fprintf(&b, "set %s=%s\n", opt, quote(v))
			case []string:
				if exists[opt] {
					fmt.Fprintf(&b, "delete %s\n", opt)
				}
				for _, x := range v {
					fmt.Fprintf(&b, "add_list %s=%s\n", opt, quote(x))
				}
			}
		}
	}
	return b.String()
}

// quote is uci's single-quoting: ' becomes '\”.
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }
