package nfteval

import (
	"encoding/json"
	"fmt"
)

// statement evaluates one expression of a rule. cont is false when the rule
// stops here: a failed match (verdict "") or a verdict.
func (e *evaluator) statement(key string, raw json.RawMessage) (verdict string, cont bool, err error) {
	switch key {
	case "match":
		ok, err := e.match(raw)
		return "", ok && err == nil, err
	case "counter", "limit", "log", "ct helper":
		// Counting, rate limiting (a probe is always under the limit), logging
		// and conntrack helper assignment never change a verdict.
		return "", true, nil
	case "mangle":
		e.effects = append(e.effects, "mangle "+compact(raw))
		return "", true, nil
	case "accept", "drop", "return", "masquerade":
		return key, false, nil
	case "reject", "dnat", "snat", "redirect":
		return key + " " + compact(raw), false, nil
	case "jump", "goto":
		return e.jump(raw)
	case "vmap":
		return e.vmap(raw)
	}
	return "", false, fmt.Errorf("unsupported statement %q: %s", key, raw)
}

func compact(raw json.RawMessage) string {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil || v == nil {
		return ""
	}
	b, _ := json.Marshal(v) // maps marshal with sorted keys: stable text
	return string(b)
}

func (e *evaluator) jump(raw json.RawMessage) (string, bool, error) {
	var j struct{ Target string }
	if err := json.Unmarshal(raw, &j); err != nil {
		return "", false, err
	}
	c := e.rs.chains[j.Target]
	if c == nil {
		return "", false, fmt.Errorf("jump to unknown chain %q", j.Target)
	}
	v, err := e.run(c)
	if err != nil || v != "" {
		return v, false, err
	}
	return "", true, nil // returned: continue with the next expression (none) / rule
}

func (e *evaluator) vmap(raw json.RawMessage) (string, bool, error) {
	var vm struct {
		Key  json.RawMessage
		Data struct{ Set [][2]json.RawMessage }
	}
	if err := json.Unmarshal(raw, &vm); err != nil {
		return "", false, err
	}
	vals, ok, err := e.value(vm.Key)
	if err != nil || !ok {
		return "", true, err
	}
	for _, kv := range vm.Data.Set {
		if e.compare(vals, kv[0]) {
			var verdict map[string]json.RawMessage
			if err := json.Unmarshal(kv[1], &verdict); err != nil {
				return "", false, err
			}
			for k, r := range verdict {
				return e.statement(k, r)
			}
		}
	}
	return "", true, nil
}

func (e *evaluator) match(raw json.RawMessage) (bool, error) {
	var m struct {
		Op    string
		Left  json.RawMessage
		Right json.RawMessage
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return false, err
	}
	vals, ok, err := e.value(m.Left)
	if err != nil || !ok {
		return false, err // protocol dependency not met: nft would not match
	}
	hit := e.compare(vals, m.Right)
	switch m.Op {
	case "==", "in":
		return hit, nil
	case "!=":
		return !hit, nil
	}
	return false, fmt.Errorf("unsupported match op %q", m.Op)
}

// compare reports whether the packet value(s) vals match the right-hand side:
// a scalar, a prefix, a range, a set of those, a concatenation or a flag list.
func (e *evaluator) compare(vals []string, right json.RawMessage) bool {
	var r any
	if err := json.Unmarshal(right, &r); err != nil {
		return false
	}
	return matchValue(vals, r)
}

func matchValue(vals []string, r any) bool {
	switch rv := r.(type) {
	case map[string]any:
		if s, ok := rv["set"]; ok {
			for _, item := range s.([]any) {
				if matchValue(vals, item) {
					return true
				}
			}
			return false
		}
		if c, ok := rv["concat"]; ok {
			items := c.([]any)
			if len(items) != len(vals) {
				return false
			}
			for i, it := range items {
				if !matchValue(vals[i:i+1], it) {
					return false
				}
			}
			return true
		}
		if p, ok := rv["prefix"]; ok && len(vals) == 1 {
			pm := p.(map[string]any)
			return inPrefix(vals[0], scalar(pm["addr"]), scalar(pm["len"]))
		}
		if rg, ok := rv["range"]; ok && len(vals) == 1 {
			b := rg.([]any)
			return inRange(vals[0], scalar(b[0]), scalar(b[1]))
		}
		return false
	case []any: // flag list, e.g. tcp flags or ct status
		want := map[string]bool{}
		for _, f := range rv {
			want[scalar(f)] = true
		}
		got := map[string]bool{}
		for _, v := range vals {
			got[v] = true
		}
		if len(want) != len(got) {
			return false
		}
		for k := range want {
			if !got[k] {
				return false
			}
		}
		return true
	}
	s := scalar(r)
	if len(vals) > 1 {
		// One flag against a packet's flag set: "in" semantics (ct status).
		for _, v := range vals {
			if v == s {
				return true
			}
		}
		return false
	}
	return len(vals) == 1 && equalScalar(vals[0], s)
}

func scalar(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case float64:
		return fmt.Sprintf("%d", int64(t))
	}
	return fmt.Sprint(v)
}
