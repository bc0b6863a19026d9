package uci

import "strconv"

// The edit operations follow libuci's semantics (list.c) and record each
// change the way libuci records it for delta files. Where libuci would
// store something it later refuses to read (an invalid name or type, a
// section called "@x[1]", two sections with one name), these refuse with
// ErrInval or ErrDuplicate instead.

func (p *Package) record(track bool, d Delta) {
	if !track {
		return
	}
	if s := p.Section(d.Section); s != nil {
		d.SectionType = s.Type
	}
	p.delta = append(p.delta, d)
}

// Set implements `uci set`: a section (no option; Value is its type) or an
// option. An empty value deletes; setting an option to its current value
// records nothing. It returns the section set or changed.
func (p *Package) Set(ptr Ptr) (*Section, error) { return p.set(ptr, true) }

func (p *Package) set(ptr Ptr, track bool) (*Section, error) {
	r, err := p.resolve(ptr)
	if err != nil {
		return nil, err
	}
	if !ptr.HasValue {
		return nil, errf(ErrInval, "%s: missing =value", ptr)
	}
	if r.s == nil && (ptr.Option != "" || ptr.Section == "") {
		return nil, errf(ErrInval, "%s: no such section", ptr)
	}
	if ptr.Option == "" && ptr.Value != "" && !validType(ptr.Value) {
		return nil, errf(ErrInval, "%q is not a valid section type", ptr.Value)
	}
	if ptr.Value == "" {
		if !r.complete {
			return r.s, nil
		}
		return r.s, p.delete(ptr, track)
	}
	switch {
	case ptr.Option != "" && r.o == nil:
		r.s.Options = append(r.s.Options, &Option{Name: ptr.Option, Values: []string{ptr.Value}})
	case r.s == nil:
		if ptr.Extended || !validName(ptr.Section) {
			return nil, errf(ErrInval, "%q is not a valid section name", ptr.Section)
		}
		r.s = p.allocSection(ptr.Value, ptr.Section)
	case r.o != nil:
		if !r.o.IsList && r.o.Values[0] == ptr.Value {
			return r.s, nil
		}
		r.s.setValue(ptr.Option, ptr.Value)
	default:
		r.s.Type = ptr.Value
	}
	p.record(track, Delta{Cmd: CmdChange, Section: r.Section, Option: ptr.Option, Value: ptr.Value, HasValue: true})
	return r.s, nil
}

// AddList implements `uci add_list`: append a value, turning a plain option
// into a list.
func (p *Package) AddList(ptr Ptr) error { return p.addList(ptr, true) }

func (p *Package) addList(ptr Ptr, track bool) error {
	r, err := p.resolve(ptr)
	if err != nil {
		return err
	}
	if r.s == nil || ptr.Option == "" || !ptr.HasValue {
		return errf(ErrInval, "%s: no such section or no option", ptr)
	}
	r.s.addListValue(ptr.Option, ptr.Value)
	p.record(track, Delta{Cmd: CmdListAdd, Section: r.Section, Option: ptr.Option, Value: ptr.Value, HasValue: true})
	return nil
}

// DelList implements `uci del_list`: remove every item equal to Value.
func (p *Package) DelList(ptr Ptr) error { return p.delList(ptr, true) }

func (p *Package) delList(ptr Ptr, track bool) error {
	r, err := p.resolve(ptr)
	if err != nil {
		return err
	}
	if r.s == nil || !ptr.HasValue {
		return errf(ErrInval, "%s: no such section", ptr)
	}
	if r.o == nil || ptr.Option == "" || !r.o.IsList {
		return nil
	}
	p.record(track, Delta{Cmd: CmdListDel, Section: r.Section, Option: ptr.Option, Value: ptr.Value, HasValue: true})
	kept := r.o.Values[:0]
	for _, v := range r.o.Values {
		if v != ptr.Value {
			kept = append(kept, v)
		}
	}
	r.o.Values = kept
	return nil
}

// Delete implements `uci delete`: a section, an option, or (with a numeric
// Value) one item of a list by index.
func (p *Package) Delete(ptr Ptr) error { return p.delete(ptr, true) }

func (p *Package) delete(ptr Ptr, track bool) error {
	r, err := p.resolve(ptr)
	if err != nil {
		return err
	}
	if !r.complete {
		return errf(ErrNotFound, "%s: not found", ptr)
	}
	if r.s == nil {
		return errf(ErrInval, "%s: cannot delete a whole package", ptr)
	}
	if ptr.HasValue && ptr.Value != "" && r.o != nil && r.o.IsList {
		idx, err := strconv.Atoi(leadingInt(ptr.Value))
		if err != nil {
			return errf(ErrInval, "%q is not a list index", ptr.Value)
		}
		if idx >= 0 && idx < len(r.o.Values) {
			p.record(track, Delta{Cmd: CmdRemove, Section: r.Section, Option: ptr.Option, Value: ptr.Value, HasValue: true})
			r.o.Values = append(r.o.Values[:idx:idx], r.o.Values[idx+1:]...)
		}
		return nil
	}
	p.record(track, Delta{Cmd: CmdRemove, Section: r.Section, Option: ptr.Option})
	if r.o != nil {
		i := r.s.optionIndex(r.o.Name)
		r.s.Options = append(r.s.Options[:i:i], r.s.Options[i+1:]...)
		return nil
	}
	p.removeSection(p.sectionIndex(r.s))
	return nil
}

// leadingInt returns the leading decimal integer of s as sscanf("%d") reads it.
func leadingInt(s string) string {
	i := 0
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	start := i
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		i++
	}
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return s[start:i]
}

// Rename implements `uci rename`: a section or an option gets the name in
// Value; a renamed anonymous section becomes named.
func (p *Package) Rename(ptr Ptr) error { return p.rename(ptr, true) }

func (p *Package) rename(ptr Ptr, track bool) error {
	r, err := p.resolve(ptr)
	if err != nil {
		return err
	}
	if !r.complete {
		return errf(ErrNotFound, "%s: not found", ptr)
	}
	if r.s == nil || !ptr.HasValue {
		return errf(ErrInval, "%s: nothing to rename", ptr)
	}
	if !validName(ptr.Value) {
		return errf(ErrInval, "%q is not a valid name (letters, digits and _ only)", ptr.Value)
	}
	if r.o != nil {
		if x := r.s.Option(ptr.Value); x != nil && x != r.o {
			return errf(ErrDuplicate, "%s already has an option %s", r.Section, ptr.Value)
		}
	} else if x := p.Section(ptr.Value); x != nil && x != r.s {
		return errf(ErrDuplicate, "%s.%s already exists", p.Name, ptr.Value)
	}
	p.record(track, Delta{Cmd: CmdRename, Section: r.Section, Option: ptr.Option, Value: ptr.Value, HasValue: true})
	if r.o != nil {
		r.o.Name = ptr.Value
		return nil
	}
	old := r.s.Name
	r.s.Name = ptr.Value
	r.s.Anonymous = false
	p.indexRename(r.s, old)
	return nil
}

// Reorder implements `uci reorder`: move section s to position pos (0 is
// first; past the end means last).
func (p *Package) Reorder(s *Section, pos int) { p.reorder(s, pos, true) }

func (p *Package) reorder(s *Section, pos int, track bool) {
	i := p.sectionIndex(s)
	if i < 0 {
		return
	}
	rest := append(p.Sections[:i:i], p.Sections[i+1:]...)
	at := pos
	if at < 0 {
		at = 0
	}
	if at > len(rest) {
		at = len(rest)
	}
	out := make([]*Section, 0, len(p.Sections))
	out = append(out, rest[:at]...)
	out = append(out, s)
	p.Sections = append(out, rest[at:]...)
	if p.dupNames {
		p.byName = nil // which of two same-named sections comes first may change
	}
	p.record(track, Delta{Cmd: CmdReorder, Section: s.Name, Value: strconv.Itoa(pos), HasValue: true})
}

// Add implements `uci add`: a new anonymous section of type typ, appended.
func (p *Package) Add(typ string) (*Section, error) {
	if !validType(typ) {
		return nil, errf(ErrInval, "%q is not a valid section type", typ)
	}
	s := p.allocSection(typ, "")
	p.record(true, Delta{Cmd: CmdAdd, Section: s.Name, Value: typ, HasValue: true})
	return s, nil
}

// SetOption sets option opt of section sec (a name or @type[index]) to
// value; an empty value deletes it.
func (p *Package) SetOption(sec, opt, value string) error {
	_, err := p.Set(Ptr{Package: p.Name, Section: sec, Option: opt, Value: value, HasValue: true, Extended: !validName(sec)})
	return err
}

// SetList replaces option opt of section sec with a list of values (no
// values deletes it). Nothing is recorded when the list is unchanged.
func (p *Package) SetList(sec, opt string, values []string) error {
	ptr := Ptr{Package: p.Name, Section: sec, Option: opt, Extended: !validName(sec)}
	r, err := p.resolve(ptr)
	if err != nil {
		return err
	}
	if r.s == nil {
		return errf(ErrInval, "%s: no such section", ptr)
	}
	if r.o != nil && r.o.IsList && equalStrings(r.o.Values, values) {
		return nil
	}
	if r.o != nil {
		if err := p.Delete(ptr); err != nil {
			return err
		}
	}
	for _, v := range values {
		ptr.Value, ptr.HasValue = v, true
		if err := p.AddList(ptr); err != nil {
			return err
		}
	}
	return nil
}

// NewSection adds a section of type typ called name, or an anonymous one
// when name is empty, and returns it. A named section that exists with
// another type is ErrDuplicate.
func (p *Package) NewSection(typ, name string) (*Section, error) {
	if name == "" {
		return p.Add(typ)
	}
	if s := p.Section(name); s != nil {
		if s.Type != typ {
			return nil, errf(ErrDuplicate, "%s.%s exists with type %s, not %s", p.Name, name, s.Type, typ)
		}
		return s, nil
	}
	return p.Set(Ptr{Package: p.Name, Section: name, Value: typ, HasValue: true})
}

// DeleteSection removes section sec (a name or @type[index]).
func (p *Package) DeleteSection(sec string) error {
	return p.Delete(Ptr{Package: p.Name, Section: sec, Extended: !validName(sec)})
}

func equalStrings(a, b []string) bool {
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
