package uci

import (
	"strconv"
	"strings"
)

// Ptr addresses a package, section or option as uci(1) writes it:
// package[.section[.option]][=value]. Section may be @type[index].
type Ptr struct {
	Package, Section, Option string
	Value                    string
	HasValue                 bool
	// Extended is set when Section is not a plain name (e.g. @type[-1]).
	Extended bool
}

// ParsePtr parses a uci tuple the way uci_parse_ptr does.
func ParsePtr(s string) (Ptr, error) {
	var p Ptr
	if i := strings.IndexByte(s, '='); i >= 0 {
		p.Value, p.HasValue = s[i+1:], true
		s = s[:i]
	}
	parts := strings.Split(s, ".")
	if len(parts) > 3 {
		return Ptr{}, errf(ErrParse, "%q has more than package.section.option", s)
	}
	p.Package = parts[0]
	if len(parts) > 1 {
		p.Section = parts[1]
	}
	if len(parts) > 2 {
		p.Option = parts[2]
	}
	if !validPackage(p.Package) {
		return Ptr{}, errf(ErrParse, "invalid package name %q", p.Package)
	}
	if len(parts) > 1 && !validName(p.Section) {
		p.Extended = true
	}
	if len(parts) > 2 && !validName(p.Option) {
		return Ptr{}, errf(ErrParse, "invalid option name %q", p.Option)
	}
	if p.HasValue && !validText(p.Value) {
		return Ptr{}, errf(ErrParse, "value of %q contains a control character", s)
	}
	return p, nil
}

// String returns the tuple as uci(1) writes it.
func (p Ptr) String() string {
	s := p.Package
	if p.Section != "" {
		s += "." + p.Section
	}
	if p.Option != "" {
		s += "." + p.Option
	}
	if p.HasValue {
		s += "=" + p.Value
	}
	return s
}

// ref is a resolved Ptr: what libuci's uci_ptr holds after a lookup.
type ref struct {
	Ptr
	s        *Section
	o        *Option
	complete bool
}

// resolve looks ptr up in p. A malformed @type[index] is ErrInval; a missing
// section or option only leaves the result incomplete.
func (p *Package) resolve(ptr Ptr) (*ref, error) {
	r := &ref{Ptr: ptr}
	if ptr.Section == "" && !ptr.Extended {
		r.complete = true
		return r, nil
	}
	if ptr.Extended {
		s, err := p.lookupExtended(ptr.Section)
		if err != nil {
			return nil, err
		}
		if s == nil {
			return r, nil
		}
		r.s = s
		r.Section = s.Name
	} else if r.s = p.Section(ptr.Section); r.s == nil {
		return r, nil
	}
	if ptr.Option != "" {
		if r.o = r.s.Option(ptr.Option); r.o == nil {
			return r, nil
		}
	}
	r.complete = true
	return r, nil
}

// Lookup returns the section that name (a name or @type[index]) refers to.
func (p *Package) Lookup(name string) (*Section, error) {
	if validName(name) {
		if s := p.Section(name); s != nil {
			return s, nil
		}
		return nil, errf(ErrNotFound, "no section %s.%s", p.Name, name)
	}
	s, err := p.lookupExtended(name)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return nil, errf(ErrNotFound, "no section %s.%s", p.Name, name)
	}
	return s, nil
}

func (p *Package) lookupExtended(sec string) (*Section, error) {
	bad := errf(ErrInval, "invalid section reference %q (want a name or @type[index])", sec)
	if !strings.HasPrefix(sec, "@") {
		return nil, bad
	}
	open := strings.IndexByte(sec, '[')
	if open < 0 || !strings.HasSuffix(sec, "]") || strings.IndexByte(sec[open:], ']') != len(sec)-open-1 {
		return nil, bad
	}
	typ, idxStr := sec[1:open], sec[open+1:len(sec)-1]
	idx := 0
	if idxStr != "" {
		n, err := strconv.ParseInt(idxStr, 10, 32)
		if err != nil {
			return nil, bad
		}
		idx = int(n)
	}
	if typ != "" && !validType(typ) {
		return nil, bad
	}
	var match []*Section
	for _, s := range p.Sections {
		if typ == "" || s.Type == typ {
			match = append(match, s)
		}
	}
	if idx < 0 {
		idx += len(match)
	}
	if idx < 0 || idx >= len(match) {
		return nil, nil
	}
	return match[idx], nil
}
