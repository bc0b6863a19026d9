package uci

import (
	"errors"
	"fmt"
)

// Code classifies an error the way libuci does; uci(1) prints its text.
type Code int

// The error classes of libuci, in its order.
const (
	ErrMem Code = iota + 1
	ErrInval
	ErrNotFound
	ErrIO
	ErrParse
	ErrDuplicate
	ErrUnknown
)

var codeText = map[Code]string{
	ErrMem:       "Out of memory",
	ErrInval:     "Invalid argument",
	ErrNotFound:  "Entry not found",
	ErrIO:        "I/O error",
	ErrParse:     "Parse error",
	ErrDuplicate: "Duplicate entry",
	ErrUnknown:   "Unknown error",
}

// Error is every error this package returns.
type Error struct {
	Code Code
	// File is the path of the file being read or written, when known.
	File string
	// Reason, Line and Byte describe a parse error as libuci does: Byte is
	// the offset in libuci's line buffer when the parser stopped.
	Reason string
	Line   int
	Byte   int
	// Detail names the offending value for errors that are not parse errors.
	Detail string
	Err    error
}

// UCIText is the message uci(1) prints after "uci: ".
func (e *Error) UCIText() string {
	s := codeText[e.Code]
	if e.Code == ErrParse && e.Reason != "" {
		s += fmt.Sprintf(" (%s) at line %d, byte %d", e.Reason, e.Line, e.Byte)
	}
	return s
}

func (e *Error) Error() string {
	s := e.UCIText()
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	if e.File != "" {
		s = e.File + ": " + s
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Is lets errors.Is(err, &Error{Code: ErrNotFound}) match by code.
func (e *Error) Is(target error) bool {
	var t *Error
	if errors.As(target, &t) {
		return t.Code == e.Code && t.Reason == "" && t.File == "" && t.Detail == ""
	}
	return false
}

// CodeOf returns the Code of err, or 0 if err is not an *Error.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return 0
}

func errf(c Code, format string, a ...any) *Error {
	return &Error{Code: c, Detail: fmt.Sprintf(format, a...)}
}

// validName reports whether s is a valid section or option name:
// letters, digits and underscores only.
func validName(s string) bool { return validStr(s, true, false) }

// validPackage reports whether s is a valid package (config file) name.
func validPackage(s string) bool { return validStr(s, true, true) }

// validType reports whether s is a valid section type: printable ASCII
// without spaces.
func validType(s string) bool { return validStr(s, false, false) }

func validStr(s string, name, pkg bool) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isAlnum(c) || c == '_' || (pkg && c == '-') {
			continue
		}
		if name || c < 33 || c > 126 {
			return false
		}
	}
	return true
}

// validText reports whether s may be stored as a value: no control
// characters other than TAB, and no line breaks.
func validText(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\r' || c == '\n' || (c < 32 && c != '\t') {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// ValidName reports whether s can be a UCI section or option name.
func ValidName(s string) bool { return validName(s) }

// ValidPackage reports whether s can be a UCI package name.
func ValidPackage(s string) bool { return validPackage(s) }

// ValidType reports whether s can be a UCI section type.
func ValidType(s string) bool { return validType(s) }

// ValidText reports whether s can be stored as a UCI value.
func ValidText(s string) bool { return validText(s) }
