package uci

import (
	"bytes"
	"strconv"
)

// Cmd is the kind of a staged change.
type Cmd int

// The staged-change kinds of libuci, each with its delta-file prefix.
const (
	CmdAdd     Cmd = iota // '+': new anonymous section
	CmdRemove             // '-': delete section, option or list index
	CmdChange             // none: set option or section type
	CmdRename             // '@'
	CmdReorder            // '^'
	CmdListAdd            // '|'
	CmdListDel            // '~'
)

var cmdChar = [...]byte{CmdAdd: '+', CmdRemove: '-', CmdChange: 0, CmdRename: '@', CmdReorder: '^', CmdListAdd: '|', CmdListDel: '~'}

// Delta is one staged change, as kept in /tmp/.uci/<package>.
type Delta struct {
	Cmd      Cmd
	Section  string
	Option   string
	Value    string
	HasValue bool
	// SectionType is the type of the section when the change was made
	// (empty for changes read from delta files). It is not part of the
	// delta format; it lets callers classify a change even after the
	// section is gone.
	SectionType string
	// File is the delta file the change was read from (empty for changes
	// made since loading or read with ApplyDeltas). Not part of the
	// format either: it tells whose staged change it is.
	File string
}

// DeltaLine returns the change as libuci writes it into a delta file.
func (d Delta) DeltaLine(pkg string) string {
	var b bytes.Buffer
	if c := cmdChar[d.Cmd]; c != 0 {
		b.WriteByte(c)
	}
	b.WriteString(pkg + "." + d.Section)
	if d.Option != "" {
		b.WriteString("." + d.Option)
	}
	if d.Cmd == CmdRemove && !d.HasValue {
		b.WriteByte('\n')
		return b.String()
	}
	b.WriteByte('=')
	quote(&b, d.Value)
	b.WriteByte('\n')
	return b.String()
}

// ChangeLine returns the change as `uci changes` prints it.
func (d Delta) ChangeLine(pkg string) string {
	var b bytes.Buffer
	op := "="
	switch d.Cmd {
	case CmdRemove:
		b.WriteByte('-')
	case CmdListAdd:
		op = "+="
	case CmdListDel:
		op = "-="
	}
	b.WriteString(pkg + "." + d.Section)
	if d.Option != "" {
		b.WriteString("." + d.Option)
	}
	if d.Cmd != CmdRemove {
		b.WriteString(op)
		quote(&b, d.Value)
	}
	b.WriteByte('\n')
	return b.String()
}

// Changes returns the package's staged changes in `uci changes` order: those
// read from delta files, then those made since loading.
func (p *Package) Changes() []Delta {
	out := append([]Delta(nil), p.saved...)
	return append(out, p.delta...)
}

// Unsaved returns the changes made since the package was loaded or saved.
func (p *Package) Unsaved() []Delta { return append([]Delta(nil), p.delta...) }

// parseDeltaTuple reads one delta line's argument the way
// uci_parse_delta_tuple does: one quoted argument, nothing after it.
func parseDeltaTuple(arg string) (Cmd, Ptr, error) {
	bad := errf(ErrInval, "malformed delta line %q", arg)
	c := CmdChange
	if arg != "" {
		for i, ch := range cmdChar {
			if ch != 0 && ch == arg[0] {
				c = Cmd(i)
				arg = arg[1:]
				break
			}
		}
	}
	ptr, err := ParsePtr(arg)
	if err != nil {
		return 0, Ptr{}, err
	}
	if ptr.Section == "" || ptr.Extended {
		return 0, Ptr{}, bad
	}
	if c != CmdRemove && !ptr.HasValue {
		return 0, Ptr{}, bad
	}
	switch c {
	case CmdReorder:
		if ptr.Option != "" {
			return 0, Ptr{}, bad
		}
	case CmdRename:
		if !validName(ptr.Value) {
			return 0, Ptr{}, bad
		}
	case CmdListAdd, CmdListDel:
		if ptr.Option == "" {
			return 0, Ptr{}, bad
		}
	}
	return c, ptr, nil
}

// ApplyDeltas reads a delta file's bytes and applies every line that
// belongs to p, recording each as a saved change. Lines that do not parse
// or do not apply are skipped, as libuci skips them, so that one bad line
// never loses the rest. It returns the number of lines that parsed.
func (p *Package) ApplyDeltas(data []byte) int { return p.ApplyDeltaFile(data, "") }

// ApplyDeltaFile is ApplyDeltas for the content of delta file file, which
// every change read is marked with (Delta.File).
func (p *Package) ApplyDeltaFile(data []byte, file string) int {
	ps := &parser{src: data, strict: true}
	n := 0
	for !ps.eof {
		ps.pos = 0
		ps.getln(0)
		if ps.ch(0) == 0 {
			continue
		}
		arg, rest, ok := ps.argument()
		if !ok || rest != "" {
			continue
		}
		c, ptr, err := parseDeltaTuple(arg)
		if err != nil || ptr.Package != p.Name {
			continue
		}
		d := Delta{Cmd: c, Section: ptr.Section, Option: ptr.Option, Value: ptr.Value, HasValue: ptr.HasValue, File: file}
		p.saved = append(p.saved, d)
		n++
		_ = p.apply(d)
	}
	return n
}

// argument parses one word of the current buffer with uci's quoting rules
// and returns it with the rest of the line.
func (p *parser) argument() (arg, rest string, ok bool) {
	defer func() {
		if r := recover(); r != nil {
			if _, isAbort := r.(parseAbort); !isAbort {
				panic(r)
			}
			ok = false
		}
	}()
	v := p.nextArg(false, false, false)
	return p.str(v), p.str(p.pos), true
}

// apply replays one change without recording it.
func (p *Package) apply(d Delta) error {
	ptr := Ptr{Package: p.Name, Section: d.Section, Option: d.Option, Value: d.Value, HasValue: d.HasValue}
	var err error
	switch d.Cmd {
	case CmdReorder:
		s := p.Section(d.Section)
		if s == nil {
			return errf(ErrNotFound, "no section %s", d.Section)
		}
		pos, _ := strconv.ParseUint(d.Value, 10, 31)
		p.reorder(s, int(pos), false)
	case CmdRename:
		err = p.rename(ptr, false)
	case CmdRemove:
		err = p.delete(ptr, false)
	case CmdListAdd:
		err = p.addList(ptr, false)
	case CmdListDel:
		err = p.delList(ptr, false)
	case CmdAdd, CmdChange:
		var s *Section
		s, err = p.set(ptr, false)
		if err == nil && d.Cmd == CmdAdd && d.Option == "" && s != nil {
			s.Anonymous = true
		}
	}
	return err
}
