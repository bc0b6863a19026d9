// Package txtar reads the txtar archives of the conformance corpus: a free-text
// comment, then files introduced by lines of the form "-- name --".
//
// It is deliberately tiny and stdlib-only so the lab does not depend on code
// owned by other parts of the project.
package txtar

import (
	"fmt"
	"os"
	"strings"
)

// Archive is a parsed txtar file.
type Archive struct {
	Comment string
	Files   []File
}

// File is one "-- name --" section of an archive.
type File struct {
	Name string
	Data string
}

// Parse splits data into the leading comment and its files.
func Parse(data string) *Archive {
	a := &Archive{}
	cur := (*File)(nil)
	var b strings.Builder
	flush := func() {
		if cur == nil {
			a.Comment = b.String()
		} else {
			cur.Data = b.String()
			a.Files = append(a.Files, *cur)
		}
		b.Reset()
	}
	for _, line := range strings.SplitAfter(data, "\n") {
		if name, ok := marker(line); ok {
			flush()
			cur = &File{Name: name}
			continue
		}
		b.WriteString(line)
	}
	flush()
	return a
}

// marker reports whether line is a file marker and returns the file name.
func marker(line string) (string, bool) {
	line = strings.TrimRight(line, "\r\n")
	if !strings.HasPrefix(line, "-- ") || !strings.HasSuffix(line, " --") || len(line) < 7 {
		return "", false
	}
	return strings.TrimSpace(line[3 : len(line)-3]), true
}

// ParseFile reads and parses a txtar file.
func ParseFile(path string) (*Archive, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(string(data)), nil
}

// Get returns the named file's content.
func (a *Archive) Get(name string) (string, bool) {
	for _, f := range a.Files {
		if f.Name == name {
			return f.Data, true
		}
	}
	return "", false
}

// MustGet returns the named file's content or an error naming the missing file.
func (a *Archive) MustGet(name string) (string, error) {
	if d, ok := a.Get(name); ok {
		return d, nil
	}
	return "", fmt.Errorf("txtar: no file %q", name)
}

// Prefixed returns the files whose names start with prefix, prefix stripped.
func (a *Archive) Prefixed(prefix string) map[string]string {
	out := map[string]string{}
	for _, f := range a.Files {
		if strings.HasPrefix(f.Name, prefix) {
			out[strings.TrimPrefix(f.Name, prefix)] = f.Data
		}
	}
	return out
}
