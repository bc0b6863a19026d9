// Package txtar reads and writes the txtar archive format used by the
// conformance corpus and wgowrt's golden tests: a free-text comment, then
// files introduced by lines of the form "-- name --".
package txtar

import (
	"bytes"
	"fmt"
	"os"
	"strings"
)

// File is one member of an archive.
type File struct {
	Name string
	Data []byte
}

// Archive is a parsed txtar file.
type Archive struct {
	Comment []byte
	Files   []File
}

// Parse splits data into comment and files. Each file's data ends with a
// newline unless it is empty.
func Parse(data []byte) *Archive {
	a := &Archive{}
	var cur *File
	var buf []byte
	flush := func() {
		if cur == nil {
			a.Comment = buf
		} else {
			cur.Data = buf
			a.Files = append(a.Files, *cur)
		}
	}
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i+1], data[i+1:]
		} else {
			data = nil
		}
		if name, ok := marker(line); ok {
			flush()
			cur, buf = &File{Name: name}, []byte{}
			continue
		}
		buf = append(buf, line...)
	}
	flush()
	return a
}

func marker(line []byte) (string, bool) {
	s := strings.TrimRight(string(line), "\r\n")
	if !strings.HasPrefix(s, "-- ") || !strings.HasSuffix(s, " --") || len(s) < 7 {
		return "", false
	}
	return strings.TrimSpace(s[3 : len(s)-3]), true
}

// ParseFile reads and parses a txtar file.
func ParseFile(path string) (*Archive, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(data), nil
}

// Get returns the named file's data and whether it exists.
func (a *Archive) Get(name string) ([]byte, bool) {
	for _, f := range a.Files {
		if f.Name == name {
			return f.Data, true
		}
	}
	return nil, false
}

// Format returns the archive as bytes.
func Format(a *Archive) []byte {
	var b bytes.Buffer
	b.Write(a.Comment)
	for _, f := range a.Files {
		b.WriteString("-- " + f.Name + " --\n")
		b.Write(f.Data)
		if len(f.Data) > 0 && f.Data[len(f.Data)-1] != '\n' {
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}

// MustGet returns the named file's data or an error naming the missing file.
func (a *Archive) MustGet(name string) ([]byte, error) {
	if d, ok := a.Get(name); ok {
		return d, nil
	}
	return nil, fmt.Errorf("archive has no file %q", name)
}

// Prefixed returns the files whose names start with prefix, keyed by the
// rest of the name.
func (a *Archive) Prefixed(prefix string) map[string][]byte {
	out := map[string][]byte{}
	for _, f := range a.Files {
		if rest, ok := strings.CutPrefix(f.Name, prefix); ok {
			out[rest] = f.Data
		}
	}
	return out
}
