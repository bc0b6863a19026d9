package uci

import (
	"errors"
	"fmt"
	"math/rand"
	"testing"
)

// scan is what Section answered before it had an index: the first section
// carrying the name, in file order.
func scan(p *Package, name string) *Section {
	for _, s := range p.Sections {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// TestSectionIndexAgreesWithScan runs random edits (named and anonymous
// adds, deletes, renames, reorders) on a package that starts with two
// sections of one name (the parser merges a repeated name, as libuci does,
// but Sections is exported and a caller can append one), and after every edit
// asks Section for every name ever used: the answer must be the scan's.
func TestSectionIndexAgreesWithScan(t *testing.T) {
	for seed := int64(1); seed <= 20; seed++ {
		rng := rand.New(rand.NewSource(seed))
		p, err := Parse("network", []byte("config interface 'lan'\n\toption proto 'static'\n\nconfig route\n\toption target '10.0.0.0/8'\n"))
		if err != nil {
			t.Fatal(err)
		}
		p.Sections = append(p.Sections, &Section{Type: "interface", Name: "lan"}, &Section{Type: "route", Name: "x1"}, &Section{Type: "route", Name: "x1"})
		names := map[string]bool{"lan": true, "x0": true}
		for _, s := range p.Sections {
			names[s.Name] = true
		}
		for step := 0; step < 300; step++ {
			op := rng.Intn(5)
			var pick *Section
			if len(p.Sections) > 0 {
				pick = p.Sections[rng.Intn(len(p.Sections))]
			}
			fresh := fmt.Sprintf("x%d", rng.Intn(40))
			names[fresh] = true
			switch {
			case op == 0:
				_, err = p.NewSection("route", fresh)
			case op == 1:
				var s *Section
				s, err = p.Add("rule")
				if s != nil {
					names[s.Name] = true
				}
			case op == 2 && pick != nil:
				err = p.Delete(Ptr{Package: "network", Section: pick.Name})
			case op == 3 && pick != nil:
				err = p.Rename(Ptr{Package: "network", Section: pick.Name, Value: fresh, HasValue: true})
			case op == 4 && pick != nil:
				p.Reorder(pick, rng.Intn(len(p.Sections)+1))
			}
			var ue *Error
			if err != nil && !(errors.As(err, &ue) && (ue.Code == ErrDuplicate || ue.Code == ErrNotFound)) {
				t.Fatalf("seed %d step %d op %d: %v", seed, step, op, err)
			}
			err = nil
			for n := range names {
				if got, want := p.Section(n), scan(p, n); got != want {
					t.Fatalf("seed %d step %d op %d: Section(%q) = %p, the scan finds %p", seed, step, op, n, got, want)
				}
			}
		}
	}
}

// TestSectionIndexSeesOutsideChanges: Sections is exported; a caller that
// appends to it or drops from it directly still gets right answers.
func TestSectionIndexSeesOutsideChanges(t *testing.T) {
	p := NewPackage("network")
	a, _ := p.NewSection("interface", "a")
	if p.Section("a") != a {
		t.Fatal("a not found")
	}
	b := &Section{Type: "interface", Name: "b"}
	p.Sections = append(p.Sections, b)
	if p.Section("b") != b {
		t.Fatal("a section appended to Sections by hand is not found")
	}
	p.Sections = p.Sections[1:]
	if p.Section("a") != nil {
		t.Fatal("a section dropped from Sections by hand is still found")
	}
}

// BenchmarkDelete45000Sections removes 45 000 named sections (a provider's
// kill switch with one unreachable route per prefix), one by one as
// `client remove` does: was 3 min 52 s for the CLI before the index.
func BenchmarkDelete45000Sections(b *testing.B) {
	for i := 0; i < b.N; i++ {
		p := NewPackage("network")
		for j := 0; j < 45000; j++ {
			if _, err := p.NewSection("route", fmt.Sprintf("ks_%d", j)); err != nil {
				b.Fatal(err)
			}
		}
		for j := 0; j < 45000; j++ {
			if err := p.DeleteSection(fmt.Sprintf("ks_%d", j)); err != nil {
				b.Fatal(err)
			}
		}
	}
}
