package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/wgowrt/wgowrt/internal/conformance"
	"github.com/wgowrt/wgowrt/internal/txtar"
)

// The conformance corpus replayed through `wgowrt uci`, the way it was
// recorded with the real uci(1): export/show output, exit status, file
// bytes after batch+commit, delta files, and the line of parse errors.

type uciCase struct {
	ar   *txtar.Archive
	root string
	pkg  string
}

func newUCICase(t *testing.T, file string) *uciCase {
	t.Helper()
	ar, err := txtar.ParseFile(file)
	if err != nil {
		t.Fatal(err)
	}
	c := &uciCase{ar: ar, root: t.TempDir()}
	for _, d := range []string{"etc/config", "tmp/.uci", "save"} {
		os.MkdirAll(filepath.Join(c.root, d), 0755)
	}
	for _, f := range ar.Files {
		if name, ok := strings.CutPrefix(f.Name, "in/"); ok {
			c.pkg = name
			os.WriteFile(filepath.Join(c.root, "etc/config", name), f.Data, 0644)
		}
		if name, ok := strings.CutPrefix(f.Name, "delta/"); ok {
			os.WriteFile(filepath.Join(c.root, "save", name), f.Data, 0644)
		}
	}
	return c
}

func (c *uciCase) want(name string) (string, bool) {
	d, ok := c.ar.Get(name)
	return string(d), ok
}

// uci runs `wgowrt --root R uci -c R/etc/config -t R/save args...`.
func (c *uciCase) uci(stdin string, args ...string) (stdout, stderr string, code int) {
	var out, errb bytes.Buffer
	full := append([]string{"wgowrt", "--root", c.root, "uci", "-c", filepath.Join(c.root, "etc/config"), "-t", filepath.Join(c.root, "save")}, args...)
	code = Main(full, strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), code
}

func (c *uciCase) compare(t *testing.T) {
	t.Helper()
	for _, f := range c.ar.Files {
		var got string
		switch {
		case f.Name == "want/export":
			got, _, _ = c.uci("", "export", c.pkg)
		case f.Name == "want/show":
			got, _, _ = c.uci("", "show", c.pkg)
		case f.Name == "want/changes":
			got, _, _ = c.uci("", "changes", c.pkg)
		case strings.HasPrefix(f.Name, "want/file/"):
			got = readFileString(t, filepath.Join(c.root, "etc/config", strings.TrimPrefix(f.Name, "want/file/")))
		case strings.HasPrefix(f.Name, "want/delta/"):
			got = readFileString(t, filepath.Join(c.root, "save", strings.TrimPrefix(f.Name, "want/delta/")))
		default:
			continue
		}
		if got != string(f.Data) {
			t.Errorf("%s differs from uci(1):\n--- want\n%s--- got\n%s", f.Name, f.Data, got)
		}
	}
}

func readFileString(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var atLine = regexp.MustCompile(`at line (\d+), byte (\d+)`)

func TestUCICommandConformance(t *testing.T) {
	for _, file := range conformance.Cases(t, "uci") {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			c := newUCICase(t, file)
			wantExit, _ := c.want("want/exit")
			wantExit = strings.TrimSpace(wantExit)
			if batch, ok := c.want("batch"); ok {
				_, stderr, code := c.uci(batch+"commit\n", "batch")
				if want := "0"; wantExit != want || code != 0 || stderr != "" {
					t.Fatalf("batch exit %d (uci: %s), stderr %q", code, wantExit, stderr)
				}
			}
			if wantExit != "0" {
				_, stderr, code := c.uci("", "export", c.pkg)
				if strconv.Itoa(code) != wantExit {
					t.Errorf("export exit %d, uci exited %s", code, wantExit)
				}
				want, _ := c.want("want/stderr")
				wm, gm := atLine.FindStringSubmatch(want), atLine.FindStringSubmatch(stderr)
				if wm == nil || gm == nil || wm[0] != gm[0] {
					t.Errorf("stderr %q, uci printed %q", stderr, want)
				}
				if !strings.Contains(stderr, filepath.Join("etc/config", c.pkg)) {
					t.Errorf("error %q does not name the file", stderr)
				}
				return
			}
			c.compare(t)
		})
	}
}

func TestUCICommandDeltaConformance(t *testing.T) {
	for _, file := range conformance.Cases(t, "uci-delta") {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			c := newUCICase(t, file)
			orig := readFileString(t, filepath.Join(c.root, "etc/config", c.pkg))
			if stage, ok := c.want("stage"); ok {
				var stderrs string
				for _, line := range strings.Split(strings.TrimSpace(stage), "\n") {
					_, stderr, _ := c.uci("", strings.Fields(line)...)
					stderrs += stderr
				}
				want, _ := c.want("want/stderr")
				if stderrs != want {
					t.Errorf("staging printed %q, uci printed %q", stderrs, want)
				}
			}
			c.compare(t)
			if got := readFileString(t, filepath.Join(c.root, "etc/config", c.pkg)); got != orig {
				t.Errorf("config changed by staging:\n%s", got)
			}
			if want, ok := c.want("want/committed/" + c.pkg); ok {
				if _, stderr, code := c.uci("", "commit", c.pkg); code != 0 {
					t.Fatalf("commit: %d %s", code, stderr)
				}
				if got := readFileString(t, filepath.Join(c.root, "etc/config", c.pkg)); got != want {
					t.Errorf("committed file:\n--- want\n%s--- got\n%s", want, got)
				}
			}
		})
	}
}
