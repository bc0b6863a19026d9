package cli

import (
	"bytes"
	"crypto/sha256"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/wgowrt/wgowrt/internal/ops"
	"github.com/wgowrt/wgowrt/internal/txtar"
	"github.com/wgowrt/wgowrt/internal/wg"
)

var update = flag.Bool("update", false, "rewrite the want/ sections of golden scenarios")

// testKeys returns a deterministic key source: SHA-256 of a counter.
func testKeys() wg.KeySource {
	n := 0
	return func() (b [wg.KeyLen]byte, err error) {
		n++
		return sha256.Sum256([]byte(fmt.Sprintf("wgowrt test key %d", n))), nil
	}
}

// useTestDeps makes key generation deterministic and the system absent
// for the duration of a test.
func useTestDeps(t *testing.T) {
	t.Helper()
	old := ops.Default
	ops.Default.Keys = testKeys()
	ops.Default.Live = func(string) *ops.Live { return nil }
	ops.Default.Getenv = func(string) string { return "" }
	t.Cleanup(func() { ops.Default = old })
}

// scenarioEnv makes the scenario's -- env -- lines (NAME=value) the
// environment wgowrt sees ($SSH_CLIENT for the lockout guards).
func scenarioEnv(a *archive) {
	vars := map[string]string{}
	for _, l := range nonEmptyLines(a.files["env"]) {
		if k, v, ok := strings.Cut(l, "="); ok {
			vars[k] = v
		}
	}
	ops.Default.Getenv = func(k string) string { return vars[k] }
}

// archive is a txtar file: a comment and named sections.
type archive struct {
	comment string
	names   []string
	files   map[string]string
}

func parseTxtar(data string) *archive {
	ar := txtar.Parse([]byte(data))
	a := &archive{comment: string(ar.Comment), files: map[string]string{}}
	for _, f := range ar.Files {
		a.names = append(a.names, f.Name)
		a.files[f.Name] = string(f.Data)
	}
	return a
}

func (a *archive) format() string {
	var b strings.Builder
	b.WriteString(a.comment)
	for _, n := range a.names {
		fmt.Fprintf(&b, "-- %s --\n%s", n, a.files[n])
		if s := a.files[n]; s != "" && !strings.HasSuffix(s, "\n") {
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// dropWant forgets the want/ sections (except want/error, which marks a
// failing scenario) so -update rewrites them from scratch.
func (a *archive) dropWant() {
	var keep []string
	for _, n := range a.names {
		if strings.HasPrefix(n, "want/") && n != "want/error" {
			delete(a.files, n)
			continue
		}
		keep = append(keep, n)
	}
	a.names = keep
}

func (a *archive) set(name, data string) {
	if _, ok := a.files[name]; !ok {
		a.names = append(a.names, name)
	}
	a.files[name] = data
}

// run executes one wgowrt command line against root.
func run(t *testing.T, root, line string, dry bool) (stdout, stderr string, code int) {
	t.Helper()
	args := []string{"wgowrt", "--root", root}
	if dry {
		args = append(args, "--dry-run")
	}
	args = append(args, strings.Fields(line)...)
	var o, e bytes.Buffer
	code = Main(args, strings.NewReader(""), &o, &e)
	return o.String(), e.String(), code
}

// snapshot reads every file under root but the operations lock, which
// is runtime state (an empty file on a tmpfs), not configuration.
func snapshot(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(p)
			rel, _ := filepath.Rel(root, p)
			if "/"+filepath.ToSlash(rel) == ops.LockPath {
				return nil
			}
			out[rel] = string(b)
		}
		return nil
	})
	return out
}

func copyTree(t *testing.T, from, to string) {
	t.Helper()
	filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(from, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0755)
		}
		b, _ := os.ReadFile(p)
		return os.WriteFile(filepath.Join(to, rel), b, 0600)
	})
}

// TestGolden replays every scenario in testdata/wg/*.txtar:
//
//	-- base --          optional: a tree from testdata/wg/roots (default stock)
//	-- env --           optional: NAME=value lines, the environment ($SSH_CLIENT)
//	-- in/<path> --     files placed under the root (override the base)
//	-- setup --         commands run first, each must succeed
//	-- args --          the command under test
//	-- want/changes --  its --dry-run output (uci changes style)
//	-- want/stdout --, -- want/stderr --  what the real run printed
//	-- want/<path> --   files after the run (etc/config/network, …)
//	-- want/error --    for failing commands: stderr; nothing may change
//
// After a successful run the command is run again: its dry run must print
// no change and the real run must leave every file as it was.
func TestGolden(t *testing.T) {
	var files []string
	for _, dir := range []string{"wg", "client", "site"} {
		f, _ := filepath.Glob(filepath.Join("testdata", dir, "*.txtar"))
		if len(f) == 0 {
			t.Fatalf("no golden scenarios in testdata/%s", dir)
		}
		files = append(files, f...)
	}
	for _, f := range files {
		name := filepath.Base(filepath.Dir(f)) + "/" + strings.TrimSuffix(filepath.Base(f), ".txtar")
		t.Run(name, func(t *testing.T) { golden(t, f) })
	}
}

func golden(t *testing.T, file string) {
	a, root, expand := openScenario(t, file)
	args := expand(strings.TrimSpace(a.files["args"]))
	if _, ok := a.files["want/error"]; ok {
		goldenError(t, a, root, args)
	} else if readOnly(args) {
		goldenRead(t, a, root, args)
	} else {
		goldenSuccess(t, a, root, args)
	}
	oracleCheck(t, a, root, args)
	if *update {
		if err := os.WriteFile(file, []byte(a.format()), 0644); err != nil {
			t.Fatal(err)
		}
	}
}

// openScenario reads a scenario (the test dependencies in place, its
// wants dropped with -update), prepares its root and confs and runs its
// setup lines. expand replaces $CONF with the confs' directory.
func openScenario(t *testing.T, file string) (a *archive, root string, expand func(string) string) {
	t.Helper()
	useTestDeps(t)
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	a = parseTxtar(string(data))
	if *update {
		a.dropWant()
	}
	scenarioEnv(a)
	root = prepareRoot(t, a)
	confDir := writeConfs(t, a)
	expand = func(s string) string { return strings.ReplaceAll(s, "$CONF", confDir) }
	for _, line := range nonEmptyLines(a.files["setup"]) {
		if _, e, code := run(t, root, expand(line), false); code != 0 {
			t.Fatalf("setup %q: exit %d: %s", line, code, e)
		}
	}
	return a, root, expand
}

// writeConfs places the scenario's conf/<name> files (e.g. provider
// configs to import) in a directory outside the root: $CONF in setup and
// args, so imported files never show up among the router's files.
func writeConfs(t *testing.T, a *archive) string {
	dir := t.TempDir()
	for _, n := range a.names {
		if rel, ok := strings.CutPrefix(n, "conf/"); ok {
			if err := os.WriteFile(filepath.Join(dir, rel), []byte(a.files[n]), 0600); err != nil {
				t.Fatal(err)
			}
		}
	}
	return dir
}

func prepareRoot(t *testing.T, a *archive) string {
	root := t.TempDir()
	base := strings.TrimSpace(a.files["base"])
	if base == "" {
		base = "stock"
	}
	if base != "empty" {
		copyTree(t, filepath.Join("testdata/wg/roots", base), root)
	}
	for _, n := range a.names {
		if rel, ok := strings.CutPrefix(n, "in/"); ok {
			p := filepath.Join(root, rel)
			os.MkdirAll(filepath.Dir(p), 0755)
			if err := os.WriteFile(p, []byte(a.files[n]), 0600); err != nil {
				t.Fatal(err)
			}
		}
	}
	return root
}

func nonEmptyLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
}

func check(t *testing.T, a *archive, name, got string) {
	t.Helper()
	if *update {
		a.set(name, got)
		return
	}
	want, ok := a.files[name]
	if !ok {
		t.Errorf("missing section %s (run with -update); got:\n%s", name, got)
		return
	}
	if got != want {
		t.Errorf("%s differs\n--- want\n%s--- got\n%s", name, want, got)
	}
}

func goldenError(t *testing.T, a *archive, root, args string) {
	before := snapshot(t, root)
	_, e, code := run(t, root, args, false)
	if code == 0 {
		t.Fatalf("%q succeeded; want an error", args)
	}
	if n := strings.Count(e, "\n"); n != 1 {
		t.Errorf("error is %d lines, want one:\n%s", n, e)
	}
	check(t, a, "want/error", e)
	if after := snapshot(t, root); !equalMaps(before, after) {
		t.Errorf("a failing command changed files: %v", diffKeys(before, after))
	}
}

// readOnly recognises commands that only read (list, show, status).
func readOnly(args string) bool {
	for _, w := range strings.Fields(args) {
		if w == "list" || w == "show" || w == "status" || w == "invite" {
			return true
		}
	}
	return strings.HasPrefix(args, "lan-route") && !strings.Contains(args, "--dhcp")
}

func goldenRead(t *testing.T, a *archive, root, args string) {
	before := snapshot(t, root)
	o, e, code := run(t, root, args, false)
	if code != 0 {
		t.Fatalf("%q: exit %d: %s", args, code, e)
	}
	check(t, a, "want/stdout", o)
	check(t, a, "want/stderr", e)
	if after := snapshot(t, root); !equalMaps(before, after) {
		t.Errorf("a read-only command changed files: %v", diffKeys(before, after))
	}
}

func goldenSuccess(t *testing.T, a *archive, root, args string) {
	before := snapshot(t, root)
	changes, _, code := run(t, root, args, true)
	if code != 0 {
		t.Fatalf("dry run of %q: exit %d", args, code)
	}
	check(t, a, "want/changes", changes)
	if after := snapshot(t, root); !equalMaps(before, after) {
		t.Fatalf("--dry-run changed files: %v", diffKeys(before, after))
	}
	o, e, code := run(t, root, args, false)
	if code != 0 {
		t.Fatalf("%q: exit %d: %s", args, code, e)
	}
	check(t, a, "want/stdout", o)
	check(t, a, "want/stderr", e)
	after := snapshot(t, root)
	for _, p := range changedFiles(before, after) {
		check(t, a, "want/"+p, after[p])
	}
	for _, n := range a.names {
		if p, ok := strings.CutPrefix(n, "want/"); ok && strings.HasPrefix(p, "etc/") && after[p] != a.files[n] && !*update {
			t.Errorf("%s differs from want/%s", p, p)
		}
	}
	idempotent(t, root, args, after)
}

// idempotent runs the command again: nothing to change, nothing changed.
func idempotent(t *testing.T, root, args string, after map[string]string) {
	if again, _, _ := run(t, root, args, true); again != "" {
		t.Errorf("second dry run still has changes:\n%s", again)
	}
	if _, e, code := run(t, root, args, false); code != 0 {
		t.Errorf("second run failed: %s", e)
	}
	if again := snapshot(t, root); !equalMaps(after, again) {
		t.Errorf("second run changed files: %v", diffKeys(after, again))
	}
}

func equalMaps(a, b map[string]string) bool { return len(diffKeys(a, b)) == 0 }

func diffKeys(a, b map[string]string) []string {
	var out []string
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			out = append(out, k)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func changedFiles(before, after map[string]string) []string {
	var out []string
	for _, k := range diffKeys(before, after) {
		if _, ok := after[k]; ok {
			out = append(out, k)
		}
	}
	return out
}
