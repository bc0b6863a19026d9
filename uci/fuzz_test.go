package uci

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wgowrt/wgowrt/internal/txtar"
)

// FuzzParse checks that the parser never panics and that whatever it
// accepts survives a write and a re-read unchanged: parse → export → parse
// gives the same tree, and exporting that again gives the same bytes.
func FuzzParse(f *testing.F) {
	for _, sub := range []string{"uci", "uci-delta"} {
		files, _ := filepath.Glob(filepath.Join(conformanceDirForFuzz(), sub, "*.txtar"))
		for _, file := range files {
			ar, err := txtar.ParseFile(file)
			if err != nil {
				continue
			}
			for _, m := range ar.Files {
				if strings.HasPrefix(m.Name, "in/") || strings.HasPrefix(m.Name, "want/file/") {
					f.Add(m.Data)
				}
			}
		}
	}
	f.Add([]byte("config a\n\toption b 'x'; option c \"y\\\"z\"\n\tlist d 'e\nf'\n"))
	f.Add([]byte("config 'a' b\\\n\toption x a\\\nb\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse("fuzz", data)
		if err != nil {
			if CodeOf(err) != ErrParse {
				t.Fatalf("non-parse error %v", err)
			}
			return
		}
		out := p.Export(false)
		q, err := Parse("fuzz", out)
		if err != nil {
			t.Fatalf("export of accepted input does not parse: %v\ninput %q\nexport %q", err, data, out)
		}
		if !sameTree(p, q) {
			t.Fatalf("tree changed on round trip\ninput %q\nexport %q", data, out)
		}
		if again := q.Export(false); !bytes.Equal(again, out) {
			t.Fatalf("export not stable:\n%q\n%q", out, again)
		}
	})
}

// conformanceDirForFuzz finds the corpus without failing: seeds are a bonus.
func conformanceDirForFuzz() string {
	if d := os.Getenv("WGOWRT_CONFORMANCE"); d != "" {
		return d
	}
	for _, d := range []string{"../../shared/conformance", "../shared/conformance"} {
		if _, err := os.Stat(d); err == nil {
			return d
		}
	}
	return ""
}

// sameTree compares two packages, ignoring the generated names of
// anonymous sections (their counter depends on merges of named sections).
func sameTree(a, b *Package) bool {
	if len(a.Sections) != len(b.Sections) {
		return false
	}
	for i, s := range a.Sections {
		t := b.Sections[i]
		if s.Type != t.Type || s.Anonymous != t.Anonymous || (!s.Anonymous && s.Name != t.Name) {
			return false
		}
		var so, to []*Option
		for _, o := range s.Options {
			if !o.IsList || len(o.Values) > 0 {
				so = append(so, o)
			}
		}
		to = t.Options
		if len(so) != len(to) {
			return false
		}
		for j, o := range so {
			if o.Name != to[j].Name || o.IsList != to[j].IsList || !equalStrings(o.Values, to[j].Values) {
				return false
			}
		}
	}
	return true
}
