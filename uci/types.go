// Package uci reads, edits and writes OpenWrt UCI configuration the way
// libuci and the uci(1) command do: the same grammar, the same anonymous
// section names, the same staged-change (delta) files and the same bytes on
// commit. It uses only the standard library and knows nothing of WireGuard.
package uci

// Option is one option or list of a section.
type Option struct {
	Name string
	// IsList is true for `list` options; Values then holds every item
	// (possibly none). A plain option has exactly one value.
	IsList bool
	Values []string
}

// Value returns the value of a plain option, or the items of a list joined
// by a space.
func (o *Option) Value() string {
	if !o.IsList {
		return o.Values[0]
	}
	s := ""
	for i, v := range o.Values {
		if i > 0 {
			s += " "
		}
		s += v
	}
	return s
}

// Section is a `config <type> ['<name>']` block.
type Section struct {
	Type string
	// Name is the section name; anonymous sections get libuci's generated
	// cfgXXXXXX name, which is valid only while the file is unchanged.
	Name      string
	Anonymous bool
	Options   []*Option
}

// Option returns the option called name, or nil.
func (s *Section) Option(name string) *Option {
	for _, o := range s.Options {
		if o.Name == name {
			return o
		}
	}
	return nil
}

// Get returns a plain option's value (a list's items joined by spaces) and
// whether the option exists.
func (s *Section) Get(name string) (string, bool) {
	o := s.Option(name)
	if o == nil {
		return "", false
	}
	return o.Value(), true
}

// List returns the values of an option: every item of a list, the single
// value of a plain option, nil when absent.
func (s *Section) List(name string) []string {
	o := s.Option(name)
	if o == nil {
		return nil
	}
	return append([]string(nil), o.Values...)
}

func (s *Section) optionIndex(name string) int {
	for i, o := range s.Options {
		if o.Name == name {
			return i
		}
	}
	return -1
}

// Package is one configuration file (/etc/config/<name>).
type Package struct {
	Name     string
	Sections []*Section

	// nSection counts every section ever allocated in this package; libuci
	// uses it for the first two hex digits of anonymous section names.
	nSection int
	// delta holds the changes made through the edit operations since the
	// package was loaded or saved; saved holds those read from delta files.
	delta []Delta
	saved []Delta

	// byName finds a section by name without scanning (a provider's file
	// can make tens of thousands of sections). The edit operations keep it
	// up to date; Section rebuilds it when Sections changed length behind
	// its back or a hit no longer carries the name. indexed is the length
	// of Sections it describes.
	byName  map[string]*Section
	indexed int
	// dupNames: two sections carry one name (a hand-edited file), so a
	// removal or rename cannot be mirrored in byName without a rescan.
	dupNames bool
}

// NewPackage returns an empty package.
func NewPackage(name string) *Package { return &Package{Name: name} }

// Section returns the section called name (generated names of anonymous
// sections included), or nil.
func (p *Package) Section(name string) *Section {
	if p.byName == nil || p.indexed != len(p.Sections) {
		p.reindex()
	}
	s := p.byName[name]
	if s != nil && s.Name != name {
		p.reindex()
		s = p.byName[name]
	}
	return s
}

// reindex maps every name to its first section, as a scan finds it.
func (p *Package) reindex() {
	p.byName = make(map[string]*Section, len(p.Sections))
	p.dupNames = false
	for _, s := range p.Sections {
		if _, seen := p.byName[s.Name]; seen {
			p.dupNames = true
		} else {
			p.byName[s.Name] = s
		}
	}
	p.indexed = len(p.Sections)
}

// indexDrop forgets s, just removed from Sections.
func (p *Package) indexDrop(s *Section) {
	if p.byName == nil || p.dupNames || p.indexed != len(p.Sections)+1 || p.byName[s.Name] != s {
		p.byName = nil // rebuilt on the next lookup
		return
	}
	delete(p.byName, s.Name)
	p.indexed = len(p.Sections)
}

// indexRename moves s, still in Sections, from name old to its new name.
func (p *Package) indexRename(s *Section, old string) {
	if p.byName == nil || p.dupNames || p.indexed != len(p.Sections) || p.byName[old] != s {
		p.byName = nil
		return
	}
	delete(p.byName, old)
	if _, seen := p.byName[s.Name]; seen {
		p.byName = nil
		return
	}
	p.byName[s.Name] = s
}

// indexAdd records s, just appended to Sections.
func (p *Package) indexAdd(s *Section) {
	if p.byName == nil || p.indexed != len(p.Sections)-1 {
		p.byName = nil // rebuilt on the next lookup
		return
	}
	if _, seen := p.byName[s.Name]; seen {
		p.dupNames = true
	} else {
		p.byName[s.Name] = s
	}
	p.indexed = len(p.Sections)
}

// SectionsOfType returns the sections of type typ in file order.
func (p *Package) SectionsOfType(typ string) []*Section {
	var out []*Section
	for _, s := range p.Sections {
		if s.Type == typ {
			out = append(out, s)
		}
	}
	return out
}

func (p *Package) sectionIndex(s *Section) int {
	for i, x := range p.Sections {
		if x == s {
			return i
		}
	}
	return -1
}

// removeSection drops Sections[i], shifting the rest in place (removing
// many sections stays cheap). Callers that delete while walking Sections
// walk a copy, as they had to for the indices anyway.
func (p *Package) removeSection(i int) {
	s := p.Sections[i]
	copy(p.Sections[i:], p.Sections[i+1:])
	p.Sections[len(p.Sections)-1] = nil
	p.Sections = p.Sections[:len(p.Sections)-1]
	p.indexDrop(s)
}

// Clone returns a deep copy of p (pending changes included).
func (p *Package) Clone() *Package {
	c := &Package{Name: p.Name, nSection: p.nSection}
	c.delta = append([]Delta(nil), p.delta...)
	c.saved = append([]Delta(nil), p.saved...)
	for _, s := range p.Sections {
		ns := &Section{Type: s.Type, Name: s.Name, Anonymous: s.Anonymous}
		for _, o := range s.Options {
			ns.Options = append(ns.Options, &Option{Name: o.Name, IsList: o.IsList, Values: append([]string(nil), o.Values...)})
		}
		c.Sections = append(c.Sections, ns)
	}
	return c
}
