package uci

import (
	"bytes"
	"fmt"
)

// The parser follows libuci's algorithm closely (file.c): it works on a line
// buffer that grows across continued and multi-line quoted values, and
// reports errors with libuci's reason, line number and buffer offset, so
// that `wgowrt uci` fails on exactly the files `uci` fails on and says where.

// parseAbort carries a parse error out of the recursive descent.
type parseAbort struct{ err *Error }

type parser struct {
	src    []byte
	rd     int
	eof    bool
	buf    []byte
	filled int
	pos    int
	line   int

	name    string
	pkg     *Package
	section *Section
	// strict makes a redefined section type and trailing words errors, as in
	// uci(1)'s default mode.
	strict bool
}

// Parse reads a config file's bytes as package name. Errors are *Error with
// Code ErrParse and File set to name.
func Parse(name string, data []byte) (*Package, error) {
	return parseWith(name, data, true)
}

func parseWith(name string, data []byte, strict bool) (pkg *Package, err error) {
	if !validPackage(name) {
		return nil, errf(ErrInval, "invalid package name %q", name)
	}
	p := &parser{src: data, name: name, strict: strict}
	defer func() {
		if r := recover(); r != nil {
			a, ok := r.(parseAbort)
			if !ok {
				panic(r)
			}
			a.err.File = name
			pkg, err = nil, a.err
		}
	}()
	for !p.eof {
		p.pos = 0
		p.getln(0)
		if p.ch(0) != 0 {
			p.parseLine()
		}
	}
	if p.pkg == nil {
		p.pkg = NewPackage(name)
	}
	return p.pkg, nil
}

func (p *parser) fail(reason string) {
	panic(parseAbort{&Error{Code: ErrParse, Reason: reason, Line: p.line, Byte: p.pos}})
}

func (p *parser) ch(i int) byte {
	if i < len(p.buf) {
		return p.buf[i]
	}
	return 0
}

func (p *parser) cur() byte { return p.ch(p.pos) }

// str returns the NUL-terminated string starting at i.
func (p *parser) str(i int) string {
	if i >= len(p.buf) {
		return ""
	}
	b := p.buf[i:]
	if n := bytes.IndexByte(b, 0); n >= 0 {
		b = b[:n]
	}
	return string(b)
}

// getln appends the next input line to the buffer at offset, like fgets
// into libuci's growing line buffer.
func (p *parser) getln(offset int) {
	p.buf = p.buf[:offset]
	for {
		if p.rd >= len(p.src) {
			p.eof = true
			return
		}
		chunk := p.src[p.rd:]
		if n := bytes.IndexByte(chunk, '\n'); n >= 0 {
			chunk = chunk[:n+1]
		} else {
			p.eof = true
		}
		p.rd += len(chunk)
		if n := bytes.IndexByte(chunk, 0); n >= 0 {
			chunk = chunk[:n]
		}
		if len(chunk) == 0 {
			return
		}
		p.buf = append(p.buf, chunk...)
		p.filled = len(p.buf)
		if p.buf[len(p.buf)-1] == '\n' {
			p.line++
			return
		}
	}
}

func (p *parser) skipWhitespace() {
	for c := p.cur(); c != 0 && isSpace(c); c = p.cur() {
		p.pos++
	}
}

func (p *parser) addc(dest *int) {
	p.buf[*dest] = p.buf[p.pos]
	*dest++
	p.pos++
}

// parseBackslash skips a backslash; at the end of a line it joins the next
// line and reports false (nothing to add).
func (p *parser) parseBackslash() bool {
	p.pos++
	c := p.cur()
	if c == 0 || c == '\n' || (c == '\r' && p.ch(p.pos+1) == '\n' && p.ch(p.pos+2) == 0) {
		p.getln(p.pos)
		return false
	}
	return true
}

func (p *parser) parseDoubleQuote(target *int) {
	p.pos++
	for {
		switch p.cur() {
		case '"':
			p.pos++
			return
		case 0:
			p.getln(p.pos)
			if p.cur() == 0 {
				p.fail(`EOF with unterminated "`)
			}
		case '\\':
			if p.parseBackslash() {
				p.addc(target)
			}
		default:
			p.addc(target)
		}
	}
}

func (p *parser) parseSingleQuote(target *int) {
	p.pos++
	for {
		switch p.cur() {
		case '\'':
			p.pos++
			return
		case 0:
			p.getln(p.pos)
			if p.cur() == 0 {
				p.fail("EOF with unterminated '")
			}
		default:
			p.addc(target)
		}
	}
}

func (p *parser) parseStr(target *int) {
	next := true
loop:
	for {
		switch p.cur() {
		case '\'':
			p.parseSingleQuote(target)
		case '"':
			p.parseDoubleQuote(target)
		case '#':
			p.buf[p.pos] = 0
			break loop
		case 0:
			break loop
		case ';':
			next = false
			break loop
		case '\\':
			if p.parseBackslash() {
				p.addc(target)
			}
		default:
			p.addc(target)
		}
		if c := p.cur(); c == 0 || isSpace(c) {
			break
		}
	}
	if p.cur() != 0 && next {
		p.pos++
	}
	p.setNUL(*target)
}

func (p *parser) setNUL(i int) {
	if i < len(p.buf) {
		p.buf[i] = 0
	}
}

// nextArg parses the next word and returns its offset in the buffer.
func (p *parser) nextArg(required, name, pkg bool) int {
	p.skipWhitespace()
	val := p.pos
	ptr := p.pos
	if p.cur() == ';' {
		p.buf[p.pos] = 0
		p.pos++
	} else {
		p.parseStr(&ptr)
	}
	if p.ch(val) == 0 {
		if required {
			p.fail("insufficient arguments")
		}
		return val
	}
	if name && !validStr(p.str(val), true, pkg) {
		p.fail("invalid character in name field")
	}
	return val
}

func (p *parser) assertEOL() {
	p.skipWhitespace()
	v := p.nextArg(false, false, false)
	if p.str(v) != "" && p.strict {
		p.fail("too many arguments")
	}
}

// command consumes the command word (strtok semantics) and reports whether
// the line goes on after it.
func (p *parser) increasePos(cmdLen int, reason string) {
	if p.pos+cmdLen > p.filled {
		p.fail(reason)
	}
	p.pos += cmdLen
}

func (p *parser) parseLine() {
	p.skipWhitespace()
	for {
		// strtok(cur, " \t"): skip delimiters, cut the word at the next one.
		start := p.pos
		for c := p.ch(start); c == ' ' || c == '\t'; c = p.ch(start) {
			start++
		}
		if p.ch(start) == 0 {
			return
		}
		end := start
		for c := p.ch(end); c != 0 && c != ' ' && c != '\t'; c = p.ch(end) {
			end++
		}
		word := string(p.buf[start:end])
		if end < len(p.buf) {
			p.buf[end] = 0
		}
		cmdLen := end - p.pos + 1
		is := func(short, long string) bool { return word == short || word == long }
		switch {
		case word[0] == '#':
			return
		case is("p", "package"):
			p.increasePos(cmdLen, "package without name")
			p.nextArg(true, true, true)
			p.assertEOL()
		case is("c", "config"):
			p.parseConfig(cmdLen)
		case is("o", "option"):
			p.parseOption(cmdLen, false)
		case is("l", "list"):
			p.parseOption(cmdLen, true)
		default:
			p.fail("invalid command")
		}
	}
}

func (p *parser) parseConfig(cmdLen int) {
	if p.pkg == nil {
		p.pkg = NewPackage(p.name)
	}
	p.increasePos(cmdLen, "config without name")
	ofsType := p.nextArg(true, false, false)
	if !validType(p.str(ofsType)) {
		p.fail("invalid character in type field")
	}
	ofsName := p.nextArg(false, true, false)
	p.assertEOL()
	typ, name := p.str(ofsType), p.str(ofsName)
	if name == "" {
		p.section = p.pkg.allocSection(typ, "")
		return
	}
	s := p.pkg.Section(name)
	if s != nil {
		if p.strict && s.Type != typ {
			p.fail("section of different type overwrites prior section with same name")
		}
		s.Type = typ
	} else {
		s = p.pkg.allocSection(typ, name)
	}
	p.section = s
}

func (p *parser) parseOption(cmdLen int, list bool) {
	if p.section == nil {
		p.fail("option/list command found before the first section")
	}
	p.increasePos(cmdLen, "option without name")
	ofsName := p.nextArg(true, true, false)
	ofsValue := p.nextArg(false, false, false)
	p.assertEOL()
	name, value := p.str(ofsName), p.str(ofsValue)
	if list {
		p.section.addListValue(name, value)
		return
	}
	if value == "" {
		// libuci leaves an option with an empty value unset while parsing.
		return
	}
	p.section.setValue(name, value)
}

// allocSection appends a new section; anonymous ones get libuci's
// generated name: a per-package counter and a hash of the type.
func (p *Package) allocSection(typ, name string) *Section {
	p.nSection++
	s := &Section{Type: typ, Name: name}
	if name == "" {
		s.Anonymous = true
		s.Name = fmt.Sprintf("cfg%02x%04x", p.nSection, djbhash(typ)%(1<<16))
	}
	p.Sections = append(p.Sections, s)
	p.indexAdd(s)
	return s
}

// djbhash is D. J. Bernstein's string hash as libuci uses it for names.
func djbhash(str string) uint32 {
	h := uint32(5381)
	for i := 0; i < len(str); i++ {
		h = (h << 5) + h + uint32(int32(int8(str[i])))
	}
	return h & 0x7FFFFFFF
}

// setValue makes name a plain option with value, in place if it exists.
func (s *Section) setValue(name, value string) {
	if i := s.optionIndex(name); i >= 0 {
		s.Options[i] = &Option{Name: name, Values: []string{value}}
		return
	}
	s.Options = append(s.Options, &Option{Name: name, Values: []string{value}})
}

// addListValue appends value to list name, turning a plain option into a
// list that starts with its old value.
func (s *Section) addListValue(name, value string) {
	if o := s.Option(name); o != nil {
		o.IsList = true
		o.Values = append(o.Values, value)
		return
	}
	s.Options = append(s.Options, &Option{Name: name, IsList: true, Values: []string{value}})
}
