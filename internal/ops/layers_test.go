package ops

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/wgowrt/wgowrt/"

// frontEnds translate between people or programs and the use cases:
// flags and text, rpcd's JSON. A new front-end (the supervisor's ubus
// object, `topology apply`) is added here.
var frontEnds = map[string]bool{"internal/cli": true, "internal/bridge": true, "internal/supervisor": true, "internal/topology": true}

// TestImportLayers states the shape of internal/: front-ends import ops
// and what is below it, never each other; ops imports no front-end;
// nothing below ops imports ops or a front-end. Test files are exempt
// (a test may drive two front-ends to prove they agree).
func TestImportLayers(t *testing.T) {
	for pkg, imports := range internalImports(t) {
		for _, imp := range imports {
			switch {
			case frontEnds[pkg] && frontEnds[imp]:
				t.Errorf("front-end %s imports front-end %s: put what they share in internal/ops", pkg, imp)
			case pkg == "internal/ops" && frontEnds[imp]:
				t.Errorf("internal/ops imports front-end %s", imp)
			case !frontEnds[pkg] && pkg != "internal/ops" && (frontEnds[imp] || imp == "internal/ops"):
				t.Errorf("%s imports %s, which is above it", pkg, imp)
			}
		}
	}
}

// internalImports maps each package under internal/ to the module's
// packages its non-test files import.
func internalImports(t *testing.T) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	files, err := filepath.Glob("../*/*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no Go files under internal/: %v", err)
	}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		pkg := "internal/" + filepath.Base(filepath.Dir(f))
		for _, is := range af.Imports {
			p, _ := strconv.Unquote(is.Path.Value)
			if rel, ok := strings.CutPrefix(p, module); ok {
				out[pkg] = append(out[pkg], rel)
			}
		}
	}
	for _, fe := range sortedKeys(frontEnds) {
		if _, err := os.Stat("../../" + fe); err != nil {
			t.Errorf("front-end %s is listed but does not exist", fe)
		}
	}
	return out
}

func sortedKeys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// maxFuncLines is the longest function internal/ may have: past it a
// function does several things and is split (style.md, size norms).
const maxFuncLines = 80

// overBudget are functions known to be longer, each to be split by whoever
// owns it; listed so the budget holds for everything else.
var overBudget = map[string]bool{
	"../oracletest/netifd.go:readNetwork": true,
}

// TestFunctionsShort keeps every function under internal/ (tests
// included) below maxFuncLines.
func TestFunctionsShort(t *testing.T) {
	files, _ := filepath.Glob("../*/*.go")
	fset := token.NewFileSet()
	for _, f := range files {
		af, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range af.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok {
				continue
			}
			if n := fset.Position(fd.End()).Line - fset.Position(fd.Pos()).Line + 1; n > maxFuncLines && !overBudget[f+":"+fd.Name.Name] {
				t.Errorf("%s: %s is %d lines, more than %d: split it", f, fd.Name.Name, n, maxFuncLines)
			}
		}
	}
}
