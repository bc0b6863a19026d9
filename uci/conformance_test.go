package uci

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/wgowrt/wgowrt/internal/conformance"
	"github.com/wgowrt/wgowrt/internal/txtar"
)

// These tests replay every case the real uci(1) recorded in
// shared/conformance/uci and uci-delta through the library alone (the CLI
// replays them again in internal/cli).

var lineRE = regexp.MustCompile(`at line (\d+), byte (\d+)`)

// confCase is a conformance case laid out in a temporary confdir/savedir.
type confCase struct {
	ar      *txtar.Archive
	ctx     *Context
	pkg     string
	origCfg []byte
}

func setupCase(t *testing.T, file string) *confCase {
	t.Helper()
	ar, err := txtar.ParseFile(file)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	c := &confCase{ar: ar, ctx: &Context{ConfDir: filepath.Join(dir, "config"), SaveDir: filepath.Join(dir, "save")}}
	for _, d := range []string{c.ctx.ConfDir, c.ctx.SaveDir} {
		if err := os.MkdirAll(d, 0755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range ar.Files {
		switch {
		case strings.HasPrefix(f.Name, "in/"):
			c.pkg = strings.TrimPrefix(f.Name, "in/")
			c.origCfg = f.Data
			writeFile(t, filepath.Join(c.ctx.ConfDir, c.pkg), f.Data)
		case strings.HasPrefix(f.Name, "delta/"):
			writeFile(t, filepath.Join(c.ctx.SaveDir, strings.TrimPrefix(f.Name, "delta/")), f.Data)
		}
	}
	if c.pkg == "" {
		t.Fatal("case has no in/<package>")
	}
	return c
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0644); err != nil {
		t.Fatal(err)
	}
}

func (c *confCase) want(name string) (string, bool) {
	d, ok := c.ar.Get(name)
	return string(d), ok
}

// run executes one uci command line through the library like a fresh uci
// process: load, edit, save.
func (c *confCase) run(t *testing.T, args []string) error {
	t.Helper()
	switch args[0] {
	case "commit":
		p, err := c.ctx.Load(c.pkg)
		if err != nil {
			return err
		}
		_, err = c.ctx.Commit(p)
		return err
	case "add":
		p, err := c.ctx.Load(args[1])
		if err != nil {
			return err
		}
		if _, err := p.Add(args[2]); err != nil {
			return err
		}
		return c.ctx.Save(p)
	}
	ptr, err := ParsePtr(args[1])
	if err != nil {
		return err
	}
	p, err := c.ctx.Load(ptr.Package)
	if err != nil {
		return err
	}
	switch args[0] {
	case "set":
		_, err = p.Set(ptr)
	case "add_list":
		err = p.AddList(ptr)
	case "del_list":
		err = p.DelList(ptr)
	case "delete":
		err = p.Delete(ptr)
	case "rename":
		err = p.Rename(ptr)
	default:
		t.Fatalf("conformance test does not know command %q", args[0])
	}
	if err != nil {
		return err
	}
	return c.ctx.Save(p)
}

func (c *confCase) runLines(t *testing.T, script string) []error {
	t.Helper()
	var errs []error
	br := NewBatchReader([]byte(script))
	for {
		args, done, err := br.Next()
		if done {
			return errs
		}
		if err != nil {
			t.Fatalf("batch line does not parse: %v", err)
		}
		if len(args) > 0 {
			if err := c.run(t, args); err != nil {
				errs = append(errs, err)
			}
		}
	}
}

func (c *confCase) checkOutputs(t *testing.T) {
	t.Helper()
	p, err := c.ctx.Load(c.pkg)
	if err != nil {
		t.Fatalf("load after case: %v", err)
	}
	if want, ok := c.want("want/export"); ok {
		diff(t, "export", want, string(p.Export(true)))
	}
	if want, ok := c.want("want/show"); ok {
		diff(t, "show", want, string(p.Show(ShowOptions{})))
	}
	if want, ok := c.want("want/changes"); ok {
		var got strings.Builder
		for _, d := range p.Changes() {
			got.WriteString(d.ChangeLine(p.Name))
		}
		diff(t, "changes", want, got.String())
	}
	for _, f := range c.ar.Files {
		if name, ok := strings.CutPrefix(f.Name, "want/file/"); ok {
			diff(t, f.Name, string(f.Data), readString(t, filepath.Join(c.ctx.ConfDir, name)))
		}
		if name, ok := strings.CutPrefix(f.Name, "want/delta/"); ok {
			diff(t, f.Name, string(f.Data), readString(t, filepath.Join(c.ctx.SaveDir, name)))
		}
	}
}

func readString(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func diff(t *testing.T, what, want, got string) {
	t.Helper()
	if want != got {
		t.Errorf("%s differs from uci(1):\n--- want\n%s--- got\n%s", what, want, got)
	}
}

func TestConformanceUCI(t *testing.T) {
	for _, file := range conformance.Cases(t, "uci") {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			c := setupCase(t, file)
			wantExit, _ := c.want("want/exit")
			if strings.TrimSpace(wantExit) != "0" {
				checkParseError(t, c)
				return
			}
			if batch, ok := c.want("batch"); ok {
				if errs := c.runLines(t, batch+"commit\n"); len(errs) > 0 {
					t.Fatalf("batch failed: %v", errs)
				}
			}
			c.checkOutputs(t)
		})
	}
}

// checkParseError loads a file uci refuses and compares line and byte.
func checkParseError(t *testing.T, c *confCase) {
	t.Helper()
	_, err := c.ctx.Load(c.pkg)
	e, ok := err.(*Error)
	if !ok || e.Code != ErrParse {
		t.Fatalf("want a parse error, got %v", err)
	}
	stderr, _ := c.want("want/stderr")
	m := lineRE.FindStringSubmatch(stderr)
	if m == nil {
		t.Fatalf("case stderr has no line number: %q", stderr)
	}
	line, _ := strconv.Atoi(m[1])
	byteOff, _ := strconv.Atoi(m[2])
	if e.Line != line || e.Byte != byteOff {
		t.Errorf("error at line %d, byte %d; uci said line %d, byte %d (%s)", e.Line, e.Byte, line, byteOff, e)
	}
	if !strings.Contains(stderr, "("+e.Reason+")") {
		t.Errorf("reason %q; uci said %q", e.Reason, stderr)
	}
	if !strings.Contains(e.Error(), c.ctx.Path(c.pkg)) {
		t.Errorf("error %q does not name the file", e)
	}
}

func TestConformanceDelta(t *testing.T) {
	for _, file := range conformance.Cases(t, "uci-delta") {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			c := setupCase(t, file)
			if stage, ok := c.want("stage"); ok {
				errs := c.runLines(t, stage)
				_, wantErr := c.want("want/stderr")
				if wantErr != (len(errs) > 0) {
					t.Errorf("staging errors %v; uci printed an error: %v", errs, wantErr)
				}
			}
			c.checkOutputs(t)
			diff(t, "config file before commit", string(c.origCfg), readString(t, c.ctx.Path(c.pkg)))
			if want, ok := c.want("want/committed/" + c.pkg); ok {
				if errs := c.runLines(t, "commit\n"); len(errs) > 0 {
					t.Fatal(errs)
				}
				diff(t, "committed file", want, readString(t, c.ctx.Path(c.pkg)))
				if d, err := os.ReadFile(c.ctx.DeltaPath(c.pkg)); err == nil && len(d) > 0 {
					t.Errorf("delta file not emptied by commit: %q", d)
				}
			}
		})
	}
}
