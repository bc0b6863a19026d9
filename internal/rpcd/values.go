package rpcd

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Values are the options of an edit in order. They travel as a JSON
// object whose keys keep that order: uci.js hands a new section's values
// to rpcd in the object's order, so the file gets the options in the
// order the command line writes them.
type Values []Value

// Value is one option: a string, a []string (list) or nil (delete).
type Value struct {
	Name  string
	Value any
}

// Get returns the value of option name and whether it is there.
func (vs Values) Get(name string) (any, bool) {
	for _, v := range vs {
		if v.Name == name {
			return v.Value, true
		}
	}
	return nil, false
}

// MarshalJSON writes the object in option order.
func (vs Values) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, v := range vs {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(v.Name)
		val, err := marshal(v.Value)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(val)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// UnmarshalJSON reads the object keeping its key order.
func (vs *Values) UnmarshalJSON(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return fmt.Errorf("values: want an object")
	}
	*vs = nil
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		name, _ := t.(string)
		var raw any
		if err := dec.Decode(&raw); err != nil {
			return err
		}
		*vs = append(*vs, Value{name, listOf(raw)})
	}
	_, err := dec.Token()
	return err
}

// listOf turns a decoded JSON array into []string.
func listOf(raw any) any {
	a, ok := raw.([]any)
	if !ok {
		return raw
	}
	out := make([]string, 0, len(a))
	for _, x := range a {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}
