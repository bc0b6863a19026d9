// Package ubus is wgowrt's side of the ubus boundary: calling objects of a
// running OpenWrt (netifd, procd) through the ubus(1) command, with a fake
// that answers from files so that everything above it runs off-router.
package ubus

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
)

// Caller invokes `ubus call OBJECT METHOD ARGS` and returns the reply
// (JSON; empty when the method returns nothing).
type Caller interface {
	Call(object, method string, args any) (json.RawMessage, error)
}

// Exec calls the real ubus(1) command.
type Exec struct {
	// Path is the ubus binary (default "ubus").
	Path string
}

var _ Caller = (*Exec)(nil)

// Call runs `ubus -S call object method json`; -S prints compact JSON and
// the exit status carries ubus's status code.
func (e *Exec) Call(object, method string, args any) (json.RawMessage, error) {
	a, err := encodeArgs(args)
	if err != nil {
		return nil, err
	}
	path := e.Path
	if path == "" {
		path = "ubus"
	}
	cmd := exec.Command(path, "-S", "call", object, method, string(a))
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(errb.String())
		if msg == "" {
			msg = err.Error()
		}
		return nil, fmt.Errorf("ubus call %s %s: %s", object, method, msg)
	}
	return json.RawMessage(bytes.TrimSpace(out.Bytes())), nil
}

func encodeArgs(args any) ([]byte, error) {
	if args == nil {
		return []byte("{}"), nil
	}
	b, err := json.Marshal(args)
	if err != nil {
		return nil, fmt.Errorf("ubus arguments: %v", err)
	}
	return b, nil
}
