package bridge

import (
	"encoding/json"
)

// doctorAnswer is the doctor answer: `doctor --json` (version 1).
// LuCI's Overview shows it under its "Check" button, as text.
type doctorAnswer struct {
	Version  int      `json:"version"`
	Checked  []string `json:"checked"`
	Live     bool     `json:"live"`
	Findings any      `json:"findings"`
}

func (b *bridge) doctor(args json.RawMessage) (any, error) {
	var a ifaceArgs
	if _, err := decode(args, &a); err != nil {
		return nil, err
	}
	r, err := b.ops.Doctor(a.Iface)
	if err != nil {
		return nil, err
	}
	return doctorAnswer{Version: 1, Checked: r.Checked, Live: r.Live, Findings: r.Findings}, nil
}
