package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestJSONScripts replays testdata/json/*.txtar: scenarios of several
// commands, most with --json (the lifecycle commands' change documents):
//
//	-- base --, -- in/<path> --, -- conf/<name> --, -- setup --   as in TestGolden
//	-- script --        one command line each (after "wgowrt --root ROOT")
//	-- want/output --   "$ LINE", its stdout, its stderr lines as "! ...",
//	                    and "exit N" when it failed
//	-- want/<path> --   the files the script changed, as they end
//
// Every --json answer must be one JSON document with "version": 1; a
// change document (it has "changes") must agree with itself: dry_run as
// the line asked, written only for a real run with changes, every section
// a changes line names listed under its file in "files". The final tree
// goes through the oracle's uci, fw4 and nft like TestGolden's.
func TestJSONScripts(t *testing.T) {
	files, _ := filepath.Glob("testdata/json/*.txtar")
	if len(files) == 0 {
		t.Fatal("no scenarios in testdata/json")
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".txtar"), func(t *testing.T) { jsonScript(t, f) })
	}
}

func jsonScript(t *testing.T, file string) {
	a, root, expand := openScenario(t, file)
	before := snapshot(t, root)
	var out strings.Builder
	for _, line := range nonEmptyLines(a.files["script"]) {
		o, e, code := run(t, root, expand(line), false)
		fmt.Fprintf(&out, "$ %s\n%s", line, o)
		for _, l := range strings.Split(strings.TrimRight(e, "\n"), "\n") {
			if l != "" {
				fmt.Fprintf(&out, "! %s\n", l)
			}
		}
		if code != 0 {
			fmt.Fprintf(&out, "exit %d\n", code)
		}
		if slices.Contains(strings.Fields(line), "--json") && code == 0 {
			checkJSONAnswer(t, line, o)
		}
	}
	check(t, a, "want/output", out.String())
	after := snapshot(t, root)
	for _, p := range changedFiles(before, after) {
		check(t, a, "want/"+p, after[p])
	}
	oracleCheck(t, a, root, "script") // the final tree, through the real uci, fw4 and nft
	if *update {
		if err := os.WriteFile(file, []byte(a.format()), 0644); err != nil {
			t.Fatal(err)
		}
	}
}

// checkJSONAnswer checks one --json answer (see TestJSONScripts).
func checkJSONAnswer(t *testing.T, line, stdout string) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(stdout))
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		t.Errorf("%s: stdout is not a JSON document: %v\n%s", line, err, stdout)
		return
	}
	if dec.More() {
		t.Errorf("%s: more than one JSON document on stdout", line)
	}
	if doc["version"] != 1.0 {
		t.Errorf("%s: version is %v, want 1", line, doc["version"])
	}
	if _, ok := doc["changes"]; ok {
		checkChangeDoc(t, line, doc)
	}
}

func checkChangeDoc(t *testing.T, line string, doc map[string]any) {
	t.Helper()
	words := strings.Fields(line)
	dry := slices.Contains(words, "--dry-run") || slices.Contains(words, "-n")
	changed, _ := doc["changed"].(bool)
	if doc["dry_run"] != dry || doc["written"] != (changed && !dry) {
		t.Errorf("%s: dry_run %v, changed %v, written %v", line, doc["dry_run"], changed, doc["written"])
	}
	changes, _ := doc["changes"].([]any)
	if changed != (len(changes) > 0) {
		t.Errorf("%s: changed %v with %d changes", line, changed, len(changes))
	}
	files, _ := doc["files"].(map[string]any)
	for _, c := range changes {
		pkg, sec := changeSection(c.(string))
		if !strings.HasPrefix(sec, "cfg") && !mentions(files[pkg], sec) {
			t.Errorf("%s: change %q: section %s is not among files.%s: %v", line, c, sec, pkg, files[pkg])
		}
	}
}

// changeSection splits a `uci changes` line's package.section.
func changeSection(l string) (pkg, sec string) {
	l = strings.TrimPrefix(l, "-")
	ref, _, _ := strings.Cut(l, "=")
	parts := strings.SplitN(ref, ".", 3)
	return parts[0], strings.TrimRight(parts[1], "+-")
}

func mentions(file any, sec string) bool {
	b, _ := json.Marshal(file)
	return bytes.Contains(b, []byte(`"`+sec+`"`))
}
