package txtar

import (
	"reflect"
	"testing"
)

func TestParse(t *testing.T) {
	a := Parse("comment line\n-- in/network --\nconfig x\n-- want/exit --\n0\n-- empty --\n")
	if a.Comment != "comment line\n" {
		t.Errorf("comment = %q", a.Comment)
	}
	want := []File{{"in/network", "config x\n"}, {"want/exit", "0\n"}, {"empty", ""}}
	if !reflect.DeepEqual(a.Files, want) {
		t.Errorf("files = %#v, want %#v", a.Files, want)
	}
	if got := a.Prefixed("in/"); !reflect.DeepEqual(got, map[string]string{"network": "config x\n"}) {
		t.Errorf("Prefixed = %v", got)
	}
	if _, err := a.MustGet("nope"); err == nil {
		t.Error("MustGet(nope) succeeded")
	}
}

func TestMarkerNeedsBothDashes(t *testing.T) {
	a := Parse("-- not a marker\n--x--\n")
	if len(a.Files) != 0 {
		t.Errorf("files = %v, want none", a.Files)
	}
}
