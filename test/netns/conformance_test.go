//go:build lab_realizer

package netns

import (
	"path/filepath"
	"testing"

	"github.com/wgowrt/wgowrt/internal/conformance"
	"github.com/wgowrt/wgowrt/internal/txtar"
	"github.com/wgowrt/wgowrt/test/netns/lab"
	"github.com/wgowrt/wgowrt/test/netns/realize"
)

// conformanceDir is where the recorded netifd/fw4 behaviour lives.
func conformanceDir(t *testing.T) string { return conformance.Dir(t) }

// conformanceCases returns the txtar files of one corpus (fw4 or netifd).
func conformanceCases(t *testing.T, corpus string) map[string]*txtar.Archive {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(conformanceDir(t), corpus, "*.txtar"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no %s cases: %v", corpus, err)
	}
	out := map[string]*txtar.Archive{}
	for _, p := range paths {
		a, err := txtar.ParseFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(p)] = a
	}
	return out
}

// caseConfig is the in/network + in/firewall pair of a case.
func caseConfig(t *testing.T, a *txtar.Archive) realize.Config {
	t.Helper()
	n, err := a.MustGet("in/network")
	if err != nil {
		t.Fatal(err)
	}
	c := realize.Config{Network: []byte(n)}
	if f, ok := a.Get("in/firewall"); ok {
		c.Firewall = []byte(f)
	}
	return c
}

// loadRuleset loads an nft script into a fresh namespace and returns the
// kernel's JSON listing of it.
func loadRuleset(t *testing.T, l *lab.Lab, name, script string) []byte {
	t.Helper()
	ns := l.NS(name)
	if _, err := ns.RunStdin(script, "nft", "-f", "-"); err != nil {
		t.Fatal(err)
	}
	return []byte(ns.MustRun("nft", "-j", "list", "ruleset"))
}
