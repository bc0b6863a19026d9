package uci

import (
	"bytes"
	"strconv"
	"strings"
)

// quote writes v in single quotes, a quote inside written as '\” — how
// uci export, uci show and delta files all write values.
func quote(b *bytes.Buffer, v string) {
	b.WriteByte('\'')
	b.WriteString(strings.ReplaceAll(v, "'", `'\''`))
	b.WriteByte('\'')
}

func escape(v string) string { return strings.ReplaceAll(v, "'", `'\''`) }

// exportType writes a section type as uci export does (bare), except that a
// type holding a quote, backslash, '#' or ';' is single-quoted: uci writes
// those bare and cannot read its own output back.
func exportType(t string) string {
	if strings.ContainsAny(t, `'"\#;`) {
		return "'" + escape(t) + "'"
	}
	return t
}

// Export returns the package as `uci export` prints it (header true) or as
// `uci commit` writes the file (header false).
func (p *Package) Export(header bool) []byte {
	var b bytes.Buffer
	if header {
		b.WriteString("package " + escape(p.Name) + "\n")
	}
	for _, s := range p.Sections {
		b.WriteString("\nconfig " + exportType(s.Type))
		if !s.Anonymous {
			b.WriteString(" '" + escape(s.Name) + "'")
		}
		b.WriteByte('\n')
		for _, o := range s.Options {
			kw := "\toption "
			if o.IsList {
				kw = "\tlist "
			}
			for _, v := range o.Values {
				b.WriteString(kw + escape(o.Name) + " ")
				quote(&b, v)
				b.WriteByte('\n')
			}
		}
	}
	b.WriteByte('\n')
	return b.Bytes()
}

// ShowOptions controls Show like uci(1)'s -X and -d flags.
type ShowOptions struct {
	// NoExtended prints anonymous sections by generated name instead of
	// @type[index].
	NoExtended bool
	// Delimiter separates list items (default a space).
	Delimiter string
}

// SectionRef returns how uci show names s: @type[index] for anonymous
// sections, the name otherwise.
func (p *Package) SectionRef(s *Section) string {
	if !s.Anonymous {
		return s.Name
	}
	idx := 0
	for _, x := range p.Sections {
		if x == s {
			break
		}
		if x.Type == s.Type {
			idx++
		}
	}
	return "@" + s.Type + "[" + itoa(idx) + "]"
}

// Show returns the package as `uci show <package>` prints it.
func (p *Package) Show(opt ShowOptions) []byte {
	var b bytes.Buffer
	for _, s := range p.Sections {
		p.showSection(&b, s, opt)
	}
	return b.Bytes()
}

// ShowSection returns one section as `uci show pkg.section` prints it.
func (p *Package) ShowSection(s *Section, opt ShowOptions) []byte {
	var b bytes.Buffer
	p.showSection(&b, s, opt)
	return b.Bytes()
}

// ShowOption returns one option as `uci show pkg.section.option` prints it.
func (p *Package) ShowOption(s *Section, o *Option, opt ShowOptions) []byte {
	var b bytes.Buffer
	p.showOption(&b, s.Name, o, opt)
	return b.Bytes()
}

func (p *Package) showSection(b *bytes.Buffer, s *Section, opt ShowOptions) {
	ref := s.Name
	if !opt.NoExtended {
		ref = p.SectionRef(s)
	}
	b.WriteString(p.Name + "." + ref + "=" + s.Type + "\n")
	for _, o := range s.Options {
		p.showOption(b, ref, o, opt)
	}
}

func (p *Package) showOption(b *bytes.Buffer, ref string, o *Option, opt ShowOptions) {
	b.WriteString(p.Name + "." + ref + "." + o.Name + "=")
	writeValue(b, o, true, opt.Delimiter)
}

// writeValue prints an option's value as uci show (quote) or uci get does.
func writeValue(b *bytes.Buffer, o *Option, quoted bool, delim string) {
	if delim == "" {
		delim = " "
	}
	if !o.IsList {
		if quoted {
			quote(b, o.Values[0])
		} else {
			b.WriteString(o.Values[0])
		}
		b.WriteByte('\n')
		return
	}
	for i, v := range o.Values {
		if i > 0 {
			b.WriteString(delim)
		}
		if quoted || strings.ContainsAny(v, " \t\r\n") {
			quote(b, v)
		} else {
			b.WriteString(v)
		}
	}
	b.WriteByte('\n')
}

// GetValue returns an option's value as `uci get` prints it.
func GetValue(o *Option, delim string) []byte {
	var b bytes.Buffer
	writeValue(&b, o, false, delim)
	return b.Bytes()
}

func itoa(i int) string { return strconv.Itoa(i) }
