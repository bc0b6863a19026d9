package rpcd

import (
	"fmt"

	"github.com/wgowrt/wgowrt/uci"
)

// Edit is one operation for LuCI's uci.js to stage in the browser session
// (uci.add, uci.set/unset, uci.remove, uci.move), so that the change is
// committed by LuCI's own Save & Apply with its rollback. Edits describe
// the final state of each touched section, not the steps a plan took:
// uci.js sends all of a save's calls at once, so a step order could not be
// relied on anyway.
type Edit struct {
	// Op is add, set, remove or order.
	Op     string `json:"op"`
	Config string `json:"config"`
	// Section is the section name (add, set, remove).
	Section string `json:"section,omitempty"`
	// Type is the type of an added section.
	Type string `json:"type,omitempty"`
	// Values maps option names to a string (option), an array of strings
	// (list) or null (delete the option), in the section's option order.
	Values Values `json:"values,omitempty"`
	// Sections is the complete section order of the config (order).
	Sections []string `json:"sections,omitempty"`
}

// Edits returns the operations that turn before into after: sections
// removed, sections added with all their options, changed options of the
// others, then the section order when plain adds and removes would not
// produce it. New anonymous sections and sections whose type changed
// cannot be expressed for uci.js and are refused.
func Edits(before, after *uci.Package) ([]Edit, error) {
	var out []Edit
	old := map[string]*uci.Section{}
	for _, s := range before.Sections {
		old[s.Name] = s
	}
	kept := map[string]bool{}
	var added []string
	for _, s := range after.Sections {
		o, ok := old[s.Name]
		switch {
		case !ok && s.Anonymous:
			return nil, fmt.Errorf("internal error: a new anonymous %s section in %s cannot be staged", s.Type, after.Name)
		case !ok:
			out = append(out, Edit{Op: "add", Config: after.Name, Section: s.Name, Type: s.Type, Values: optionValues(s)})
			added = append(added, s.Name)
		case o.Type != s.Type:
			return nil, fmt.Errorf("internal error: section %s.%s changes type from %s to %s", after.Name, s.Name, o.Type, s.Type)
		default:
			kept[s.Name] = true
			if v := changedValues(o, s); len(v) > 0 {
				out = append(out, Edit{Op: "set", Config: after.Name, Section: s.Name, Values: v})
			}
		}
	}
	for _, s := range before.Sections {
		if !kept[s.Name] {
			out = append(out, Edit{Op: "remove", Config: after.Name, Section: s.Name})
		}
	}
	if o := orderEdit(before, after, kept, added); o != nil {
		out = append(out, *o)
	}
	return out, nil
}

// orderEdit returns an order edit when the order uci.js would produce
// (survivors in their old order, then additions) differs from after's.
func orderEdit(before, after *uci.Package, kept map[string]bool, added []string) *Edit {
	var natural []string
	for _, s := range before.Sections {
		if kept[s.Name] {
			natural = append(natural, s.Name)
		}
	}
	natural = append(natural, added...)
	want := make([]string, len(after.Sections))
	for i, s := range after.Sections {
		want[i] = s.Name
	}
	if equal(natural, want) {
		return nil
	}
	return &Edit{Op: "order", Config: after.Name, Sections: want}
}

func optionValues(s *uci.Section) Values {
	var v Values
	for _, o := range s.Options {
		v = append(v, Value{o.Name, value(o)})
	}
	return v
}

func value(o *uci.Option) any {
	if o.IsList {
		return append([]string{}, o.Values...)
	}
	return o.Values[0]
}

// changedValues lists the options of s that differ from o (null for a
// removed option).
func changedValues(o, s *uci.Section) Values {
	var v Values
	for _, opt := range s.Options {
		prev := o.Option(opt.Name)
		if prev == nil || prev.IsList != opt.IsList || !equal(prev.Values, opt.Values) {
			v = append(v, Value{opt.Name, value(opt)})
		}
	}
	for _, opt := range o.Options {
		if s.Option(opt.Name) == nil {
			v = append(v, Value{opt.Name, nil})
		}
	}
	return v
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
