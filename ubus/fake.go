package ubus

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// Fake answers calls from files named after the call, as fw4's tests mock
// ubus: DIR/<object>~<method>.json (e.g. network.interface~dump.json). A
// call without a file succeeds with an empty reply, except when the file
// <object>~<method>.error exists: its content is the error. Every call is
// recorded.
type Fake struct {
	Dir string

	mu    sync.Mutex
	calls []string
}

var _ Caller = (*Fake)(nil)

// Call returns the canned reply and records the call as
// "object method {args}".
func (f *Fake) Call(object, method string, args any) (json.RawMessage, error) {
	a, err := encodeArgs(args)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	f.calls = append(f.calls, fmt.Sprintf("%s %s %s", object, method, a))
	f.mu.Unlock()
	base := filepath.Join(f.Dir, object+"~"+method)
	if msg, err := os.ReadFile(base + ".error"); err == nil {
		return nil, fmt.Errorf("ubus call %s %s: %s", object, method, bytesTrim(msg))
	}
	b, err := os.ReadFile(base + ".json")
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !json.Valid(b) {
		return nil, fmt.Errorf("ubus fake %s.json: not valid JSON", base)
	}
	return json.RawMessage(b), nil
}

// Calls returns the calls made so far.
func (f *Fake) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

func bytesTrim(b []byte) string {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == ' ') {
		b = b[:len(b)-1]
	}
	return string(b)
}
