package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/wgowrt/wgowrt/internal/ops"
	"github.com/wgowrt/wgowrt/internal/rpcd"
	"github.com/wgowrt/wgowrt/internal/store"
	"github.com/wgowrt/wgowrt/internal/wg"
	"github.com/wgowrt/wgowrt/internal/wgdev"
	"github.com/wgowrt/wgowrt/uci"
)

// TestRPCDContract replays testdata/rpcd/*.txtar, the JSON contract of
// the ubus object wgowrt:
//
//	-- setup --     wgowrt commands run first (each must succeed; $ROOT is
//	                the root, for files placed with in/)
//	-- in/<path> -- files placed under the root, e.g. a session's staged
//	                changes in var/run/rpcd/uci-<sid>/network
//	-- call --      the method
//	-- args --      its JSON arguments (stdin)
//	-- want --      the answer, indented (the QR image summarised)
//	-- cli --       optional: the command line that does the same; staging
//	                the answer's edits as uci.js does must give exactly the
//	                configuration that command writes
//
// Every answer is one JSON object on one line, no call changes a file,
// and no preview, warning or error repeats a private or preshared key.
func TestRPCDContract(t *testing.T) {
	files, _ := filepath.Glob("testdata/rpcd/*.txtar")
	if len(files) == 0 {
		t.Fatal("no rpcd scenarios")
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".txtar"), func(t *testing.T) { contract(t, f) })
	}
}

func contract(t *testing.T, file string) {
	useTestDeps(t)
	ops.Default.Devices = func() (wgdev.Client, error) { return wgdev.NewFake(), nil }
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	a := parseTxtar(string(data))
	if *update {
		a.dropWant()
	}
	root := prepareRoot(t, a)
	// Sessions stage their changes after setup (the CLI plans around
	// them, so staging first would change what setup writes).
	sessions, held := filepath.Join(root, "var/run/rpcd"), filepath.Join(t.TempDir(), "rpcd")
	os.Rename(sessions, held)
	runSetup(t, root, a.files["setup"])
	os.Rename(held, sessions)
	before := snapshot(t, root)
	out := callMethod(t, root, strings.TrimSpace(a.files["call"]), a.files["args"])
	if after := snapshot(t, root); !equalMaps(before, after) {
		t.Errorf("the call changed files: %v", diffKeys(before, after))
	}
	var ans map[string]any
	if err := json.Unmarshal([]byte(out), &ans); err != nil {
		t.Fatalf("answer is not a JSON object: %v\n%s", err, out)
	}
	noSecretsShown(t, ans)
	check(t, a, "want", indented(t, ans))
	oracleCheckAnswer(t, a, root, out)
	if cli := strings.TrimSpace(a.files["cli"]); cli != "" && !*update {
		sameAsCLI(t, a, root, out, cli)
	}
	if *update {
		if err := os.WriteFile(file, []byte(a.format()), 0644); err != nil {
			t.Fatal(err)
		}
	}
}

func runSetup(t *testing.T, root, setup string) {
	t.Helper()
	for _, line := range nonEmptyLines(setup) {
		if _, e, code := run(t, root, strings.ReplaceAll(line, "$ROOT", root), false); code != 0 {
			t.Fatalf("setup %q: exit %d: %s", line, code, e)
		}
	}
}

// callMethod runs `wgowrt call METHOD` as rpcd does and checks the
// protocol: exit 0, one line, nothing on stderr.
func callMethod(t *testing.T, root, method, args string) string {
	t.Helper()
	var o, e bytes.Buffer
	code := Main([]string{"/usr/libexec/rpcd/wgowrt", "--root", root, "call", method}, strings.NewReader(args), &o, &e)
	if code != 0 || e.Len() > 0 {
		t.Errorf("call %s: exit %d, stderr %q", method, code, e.String())
	}
	if n := strings.Count(o.String(), "\n"); n != 1 || !strings.HasPrefix(o.String(), "{") {
		t.Errorf("call %s: want one JSON object on one line, got %d lines:\n%s", method, n, o.String())
	}
	return o.String()
}

// indented is the golden form of an answer: the QR code summarised (its
// modules are tested in internal/qr).
func indented(t *testing.T, ans map[string]any) string {
	if q, ok := ans["qr"].(string); ok && q != "" {
		m := regexp.MustCompile(`viewBox="0 0 (\d+) `).FindStringSubmatch(q)
		if m == nil || !strings.HasPrefix(q, "<svg ") || !strings.HasSuffix(q, "</svg>") {
			t.Errorf("qr is not an SVG image: %.80s", q)
		} else {
			ans["qr"] = "(svg, " + m[1] + " modules square with the quiet zone)"
		}
	}
	b, err := json.MarshalIndent(ans, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b) + "\n"
}

// noSecretsShown checks that the human parts of an answer never carry a
// key that is staged as a secret or written into the client config.
func noSecretsShown(t *testing.T, ans map[string]any) {
	t.Helper()
	var secrets []string
	edits, _ := json.Marshal(ans["edits"])
	var es []rpcd.Edit
	json.Unmarshal(edits, &es)
	for _, e := range es {
		for _, v := range e.Values {
			if s, ok := v.Value.(string); ok && wg.IsSecret(v.Name) {
				secrets = append(secrets, s)
			}
		}
	}
	if c, ok := ans["config"].(string); ok {
		for _, m := range regexp.MustCompile(`(?m)^(?:PrivateKey|PresharedKey) = (\S+)$`).FindAllStringSubmatch(c, -1) {
			secrets = append(secrets, m[1])
		}
	}
	for _, field := range []string{"changes", "warnings", "notes", "info", "error", "value"} {
		shown, _ := json.Marshal(ans[field])
		for _, s := range secrets {
			if strings.Contains(string(shown), s) {
				t.Errorf("%s shows a secret key", field)
			}
		}
	}
}

// sameAsCLI stages the answer's edits the way uci.js does on the state
// the call saw, and compares with what the equivalent command writes on
// a fresh copy of the same root.
func sameAsCLI(t *testing.T, a *archive, root, out, cli string) {
	t.Helper()
	var plan struct {
		Edits   []rpcd.Edit `json:"edits"`
		Configs []string    `json:"configs"`
	}
	if err := json.Unmarshal([]byte(out), &plan); err != nil {
		t.Fatal(err)
	}
	s := store.New(root)
	staged := map[string]*uci.Package{}
	names := []string{wg.PkgNetwork, wg.PkgFirewall, wg.PkgWgowrt}
	for _, c := range plan.Configs {
		if c == "dhcp" { // dnsmasq's setup: compared too when the answer edits it
			names = append(names, c)
		}
	}
	for _, name := range names {
		p, err := s.Load(name, true)
		if err != nil {
			t.Fatal(err)
		}
		staged[name] = p
	}
	for _, e := range plan.Edits {
		if err := stageLikeUCIJS(staged[e.Config], e); err != nil {
			t.Fatalf("staging %+v: %v", e, err)
		}
	}
	useTestDeps(t)
	fresh := prepareRoot(t, a)
	runSetup(t, fresh, a.files["setup"])
	if _, e, code := run(t, fresh, strings.ReplaceAll(cli, "$ROOT", fresh), false); code != 0 {
		t.Fatalf("%q: exit %d: %s", cli, code, e)
	}
	for name, p := range staged {
		want, err := store.New(fresh).Load(name, true)
		if err != nil {
			t.Fatal(err)
		}
		got, w := string(p.Export(false)), string(want.Export(false))
		if name == "dhcp" {
			// uci.js replaces a list (rpcd deletes it and adds it back at
			// the section's end) where the command line takes items out in
			// place: the same settings, the options in another order.
			got, w = optionsSorted(p), optionsSorted(want)
		}
		if got != w {
			t.Errorf("staged %s differs from what %q writes\n--- cli\n%s--- staged\n%s", name, cli, w, got)
		}
	}
}

// optionsSorted is p's sections in order, each with its options by name
// (a list's items in their order).
func optionsSorted(p *uci.Package) string {
	var b strings.Builder
	for _, s := range p.Sections {
		fmt.Fprintf(&b, "%s %s\n", s.Type, s.Name)
		var opts []string
		for _, o := range s.Options {
			opts = append(opts, fmt.Sprintf("\t%s %v %q\n", o.Name, o.IsList, o.Values))
		}
		sort.Strings(opts)
		b.WriteString(strings.Join(opts, ""))
	}
	return b.String()
}

// stageLikeUCIJS applies one edit with uci.js semantics: add creates the
// named section and sets its values, set replaces options (a list by an
// array, null deletes), remove drops the section, order moves every named
// section to the end in turn.
func stageLikeUCIJS(p *uci.Package, e rpcd.Edit) error {
	switch e.Op {
	case "add":
		if _, err := p.NewSection(e.Type, e.Section); err != nil {
			return err
		}
		return setLikeUCIJS(p, e)
	case "set":
		return setLikeUCIJS(p, e)
	case "remove":
		return p.DeleteSection(e.Section)
	case "order":
		for i, name := range e.Sections {
			p.Reorder(p.Section(name), i)
		}
		return nil
	}
	return os.ErrInvalid
}

func setLikeUCIJS(p *uci.Package, e rpcd.Edit) error {
	for _, kv := range e.Values {
		var err error
		switch v := kv.Value.(type) {
		case nil:
			err = p.SetOption(e.Section, kv.Name, "")
		case string:
			err = p.SetOption(e.Section, kv.Name, v)
		case []string:
			err = p.SetList(e.Section, kv.Name, v)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
