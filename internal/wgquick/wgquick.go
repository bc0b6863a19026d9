// Package wgquick reads the configuration files that providers hand out
// for wg-quick(8): an [Interface] block and one or more [Peer] blocks of
// "Key = Value" lines. It is pure: it parses text into facts and never
// touches the machine. Keys are parsed with internal/wg, so a secret never
// appears in an error.
package wgquick

import (
	"bufio"
	"bytes"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/wgowrt/wgowrt/internal/wg"
)

// Config is a parsed wg-quick file.
type Config struct {
	PrivateKey wg.Key
	// Addresses are the interface's own addresses, with their lengths.
	Addresses []netip.Prefix
	DNS       []netip.Addr
	// DNSSearch are the non-address entries of DNS (search domains).
	DNSSearch  []string
	MTU        int
	ListenPort int
	// Table is "" (not given), "auto", "off" or a table number.
	Table string
	// FwMark is 0 when not given or "off".
	FwMark uint32
	Peers  []Peer
	// Ignored are directives that have no meaning in UCI (hooks,
	// SaveConfig), kept so the caller can report them.
	Ignored []Directive
}

// Peer is one [Peer] block.
type Peer struct {
	// Line is where the block starts, for messages.
	Line         int
	PublicKey    wg.Key
	PresharedKey *wg.Key
	AllowedIPs   []netip.Prefix
	// Endpoint has Port 0 when no Endpoint was given.
	Endpoint  wg.Endpoint
	Keepalive int
}

// Directive is one ignored line: its number and key.
type Directive struct {
	Line int
	Key  string
}

// Error is a malformed file: the line (0 = the file as a whole) and why.
type Error struct {
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line == 0 {
		return e.Msg
	}
	return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
}

// hooks are wg-quick directives that run shell commands or rewrite the
// file; OpenWrt's netifd has no equivalent, so they are reported.
var hooks = map[string]bool{"preup": true, "postup": true, "predown": true, "postdown": true, "saveconfig": true}

// parser carries the state of one Parse.
type parser struct {
	cfg      Config
	section  string // "", "interface" or "peer"
	sawIface bool
	line     int
	seen     map[string]int // single-valued keys of the current block
}

// Parse reads a wg-quick file. The first problem found is returned as an
// *Error naming its line.
func Parse(data []byte) (*Config, error) {
	p := &parser{}
	sc := bufio.NewScanner(bytes.NewReader(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		p.line++
		if err := p.parseLine(sc.Text()); err != nil {
			return nil, err
		}
	}
	if err := sc.Err(); err != nil {
		return nil, &Error{Line: p.line + 1, Msg: "line too long"}
	}
	if err := p.finish(); err != nil {
		return nil, err
	}
	return &p.cfg, nil
}

func (p *parser) errf(format string, a ...any) error {
	return &Error{Line: p.line, Msg: fmt.Sprintf(format, a...)}
}

func (p *parser) parseLine(raw string) error {
	s := raw
	if i := strings.IndexByte(s, '#'); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return nil
	case strings.HasPrefix(s, "["):
		return p.startSection(s)
	}
	key, value, ok := strings.Cut(s, "=")
	if !ok {
		return p.errf("expected \"Key = Value\" or a [Section] header")
	}
	key, value = strings.TrimSpace(key), strings.TrimSpace(value)
	if key == "" {
		return p.errf("missing key before '='")
	}
	return p.setKey(key, value)
}

func (p *parser) startSection(s string) error {
	switch strings.ToLower(s) {
	case "[interface]":
		if p.sawIface {
			return p.errf("second [Interface] section; a file describes one interface")
		}
		p.sawIface = true
		p.section = "interface"
	case "[peer]":
		if err := p.closePeer(); err != nil {
			return err
		}
		p.section = "peer"
		p.cfg.Peers = append(p.cfg.Peers, Peer{Line: p.line})
	default:
		return p.errf("unknown section %s (expected [Interface] or [Peer])", s)
	}
	p.seen = map[string]int{}
	return nil
}

// once refuses a second occurrence of a single-valued key in a block.
func (p *parser) once(key string) error {
	k := strings.ToLower(key)
	if prev, dup := p.seen[k]; dup {
		return p.errf("%s given twice in this section (first on line %d)", key, prev)
	}
	p.seen[k] = p.line
	return nil
}

func (p *parser) setKey(key, value string) error {
	switch p.section {
	case "interface":
		return p.setInterface(key, value)
	case "peer":
		return p.setPeer(&p.cfg.Peers[len(p.cfg.Peers)-1], key, value)
	}
	return p.errf("%s outside of a section; the file must start with [Interface]", key)
}

// closePeer checks the peer block that just ended.
func (p *parser) closePeer() error {
	if n := len(p.cfg.Peers); n > 0 && p.cfg.Peers[n-1].PublicKey.IsZero() {
		return &Error{Line: p.cfg.Peers[n-1].Line, Msg: "[Peer] without PublicKey"}
	}
	return nil
}

func (p *parser) finish() error {
	if err := p.closePeer(); err != nil {
		return err
	}
	if !p.sawIface {
		return &Error{Msg: "no [Interface] section: this is not a wg-quick configuration"}
	}
	if p.cfg.PrivateKey.IsZero() {
		return &Error{Msg: "[Interface] has no PrivateKey"}
	}
	if len(p.cfg.Peers) == 0 {
		return &Error{Msg: "no [Peer] section: nothing to connect to"}
	}
	return nil
}

// splitList splits a comma-separated value, dropping empty items.
func splitList(v string) []string {
	var out []string
	for _, f := range strings.Split(v, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// parseInt reads a decimal integer in [lo, hi].
func parseInt(v string, lo, hi int) (int, bool) {
	n, err := strconv.Atoi(v)
	return n, err == nil && n >= lo && n <= hi
}
