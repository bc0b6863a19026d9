// Package rpcd implements the protocol of an rpcd exec plugin
// (openwrt-reference.md §5.3): rpcd runs `<plugin> list` once at start and
// reads one JSON object describing the methods and their argument types;
// for every ubus call it runs `<plugin> call <method>` with the arguments
// as one JSON object on stdin and relays the one JSON object printed on
// stdout. rpcd ignores the exit status and stderr, drops output beyond its
// buffer and kills the plugin after its exec timeout, so every answer here
// is a JSON object, failures included ({"error": ...}), kept below Limit
// and produced before Timeout.
package rpcd

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// Limit is the largest answer written: rpcd's output buffer is 256 KiB,
// and an answer cut short is no answer at all.
const Limit = 240 << 10

// Timeout bounds one call: rpcd's exec timeout is 30 s on a default
// install (/etc/config/rpcd), after which the caller sees a ubus timeout
// instead of an explanation.
const Timeout = 25 * time.Second

// maxInput bounds what is read from stdin (an uploaded .conf is a few
// hundred bytes; rpcd's own request limit is far below this).
const maxInput = 1 << 20

// Method is one ubus method of the plugin.
type Method struct {
	Name string
	// Args are the argument names with an example value whose JSON type
	// rpcd turns into the ubus argument type: "" string, true bool,
	// 32 int32, [] array, {} table.
	Args map[string]any
	// Write marks methods whose answer is meant to be staged as
	// configuration, or which hand out secrets: the ACL grants them only
	// with write access.
	Write bool
	// Call answers the call; args is the JSON object rpcd passed.
	Call func(args json.RawMessage) (any, error)
}

// Error is a failure returned as data. Field names the argument at fault,
// Value repeats it (never for a secret).
type Error struct {
	Msg   string `json:"error"`
	Field string `json:"field,omitempty"`
	Value string `json:"value,omitempty"`
}

func (e *Error) Error() string { return e.Msg }

// Errorf returns an Error about argument field.
func Errorf(field, value, format string, a ...any) *Error {
	return &Error{Msg: fmt.Sprintf(format, a...), Field: field, Value: value}
}

// List writes the signature object rpcd reads at start.
func List(w io.Writer, methods []Method) error {
	sig := map[string]map[string]any{}
	for _, m := range methods {
		args := map[string]any{}
		for k, v := range m.Args {
			args[k] = v
		}
		sig[m.Name] = args
	}
	return writeObject(w, sig)
}

// Call runs method name with the arguments read from r and writes exactly
// one JSON object to w, whatever happens.
func Call(w io.Writer, r io.Reader, methods []Method, name string) error {
	return writeObject(w, answer(r, methods, name))
}

// answer is the object Call prints.
func answer(r io.Reader, methods []Method, name string) any {
	m, ok := find(methods, name)
	if !ok {
		return &Error{Msg: fmt.Sprintf("unknown method %q (known: %s)", name, strings.Join(Names(methods), ", ")), Field: "method", Value: name}
	}
	args, aerr := readArgs(r)
	if aerr != nil {
		return aerr
	}
	v, err := callWithin(m, args, Timeout)
	if err != nil {
		return asError(err)
	}
	return bounded(v)
}

// callWithin runs m, giving up after d: the late result is dropped when
// the process exits after printing the timeout.
func callWithin(m Method, args json.RawMessage, d time.Duration) (any, error) {
	type result struct {
		v   any
		err error
	}
	done := make(chan result, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- result{nil, fmt.Errorf("internal error in %s: %v", m.Name, p)}
			}
		}()
		v, err := m.Call(args)
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-time.After(d):
		return nil, fmt.Errorf("%s took longer than %s and was abandoned", m.Name, d)
	}
}

// bounded replaces an answer too large for rpcd by an error saying so.
func bounded(v any) any {
	b, err := marshal(v)
	if err != nil {
		return &Error{Msg: "encoding the answer: " + err.Error()}
	}
	if len(b) > Limit {
		return &Error{Msg: fmt.Sprintf("the answer is %d bytes, more than rpcd relays (%d); ask for one interface at a time, or for fewer peers with offset and limit", len(b), Limit)}
	}
	if len(b) == 0 || b[0] != '{' {
		return &Error{Msg: "internal error: the answer is not a JSON object"}
	}
	return json.RawMessage(b)
}

func asError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Msg: strings.ReplaceAll(strings.TrimSpace(err.Error()), "\n", " ")}
}

// readArgs reads the argument object; empty input is no arguments, as
// when the plugin is run by hand.
func readArgs(r io.Reader) (json.RawMessage, *Error) {
	if r == nil {
		return json.RawMessage("{}"), nil
	}
	b, err := io.ReadAll(io.LimitReader(r, maxInput+1))
	if err != nil {
		return nil, &Error{Msg: "reading the arguments: " + err.Error()}
	}
	if len(b) > maxInput {
		return nil, &Error{Msg: fmt.Sprintf("the arguments are larger than %d bytes", maxInput)}
	}
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return json.RawMessage("{}"), nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(b, &obj); err != nil {
		return nil, &Error{Msg: "the arguments are not a JSON object: " + err.Error()}
	}
	if k, dup := duplicateKey(b); dup {
		return nil, Errorf(k, k, "argument %q is given twice; give it once", k)
	}
	return json.RawMessage(b), nil
}

// duplicateKey finds a name given twice in the argument object, which
// encoding/json would silently resolve to the last one: a request whose
// meaning depends on the parser is refused instead.
func duplicateKey(obj []byte) (string, bool) {
	dec := json.NewDecoder(bytes.NewReader(obj))
	if _, err := dec.Token(); err != nil { // {
		return "", false
	}
	seen := map[string]bool{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return "", false
		}
		k, _ := t.(string)
		if seen[k] {
			return k, true
		}
		seen[k] = true
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return "", false
		}
	}
	return "", false
}

func find(methods []Method, name string) (Method, bool) {
	for _, m := range methods {
		if m.Name == name {
			return m, true
		}
	}
	return Method{}, false
}

// Names returns the method names, sorted.
func Names(methods []Method) []string {
	out := make([]string, 0, len(methods))
	for _, m := range methods {
		out = append(out, m.Name)
	}
	sort.Strings(out)
	return out
}

// writeObject prints v as one line of compact JSON.
func writeObject(w io.Writer, v any) error {
	b, err := marshal(v)
	if err != nil {
		b, _ = marshal(&Error{Msg: "encoding the answer: " + err.Error()})
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// marshal is compact JSON without HTML escaping: QR codes are SVG, and
// \u003c for every < would cost six bytes of rpcd's buffer each.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}
