package rpcd

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// SessionArg is the argument rpcd adds to every call made through a
// session (LuCI's): the session id.
const SessionArg = "ubus_rpc_session"

// Decode reads the call's arguments into v (a pointer to a struct with
// json tags) and returns the caller's session id. Unknown arguments are
// refused, so a misspelt name is reported instead of silently ignored.
func Decode(args json.RawMessage, v any) (session string, err error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(args, &obj); err != nil {
		return "", &Error{Msg: "the arguments are not a JSON object: " + err.Error()}
	}
	if raw, ok := obj[SessionArg]; ok {
		if json.Unmarshal(raw, &session) != nil {
			return "", Errorf(SessionArg, "", "%s is not a string", SessionArg)
		}
		delete(obj, SessionArg)
	}
	rest, _ := json.Marshal(obj)
	dec := json.NewDecoder(bytes.NewReader(rest))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return "", decodeError(err)
	}
	return session, nil
}

// decodeError names the argument encoding/json complained about.
func decodeError(err error) *Error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return Errorf(te.Field, "", "argument %s must be %s, not %s", te.Field, kind(te.Type.Kind().String()), te.Value)
	}
	msg := err.Error()
	if f, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		f = strings.Trim(f, `"`)
		return Errorf(f, f, "unknown argument %q", f)
	}
	var fe *fieldError
	if errors.As(err, &fe) {
		return Errorf("", fe.value, "%s", fe.msg)
	}
	return &Error{Msg: "bad arguments: " + msg}
}

func kind(k string) string {
	switch k {
	case "slice":
		return "an array"
	case "bool":
		return "a boolean"
	case "string":
		return "a string"
	case "map", "struct":
		return "an object"
	}
	return "a number"
}

type fieldError struct{ msg, value string }

func (e *fieldError) Error() string { return e.msg }

// Int is an integer argument that also accepts a decimal string, as LuCI
// form fields hold every value as a string. Set reports whether it was
// given at all.
type Int struct {
	Value int
	Set   bool
}

// UnmarshalJSON accepts 25, "25" and "" (unset).
func (n *Int) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		if strings.TrimSpace(s) == "" {
			*n = Int{}
			return nil
		}
		v, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			return &fieldError{msg: fmt.Sprintf("%q is not a whole number", s), value: s}
		}
		*n = Int{Value: v, Set: true}
		return nil
	}
	var v int
	if err := json.Unmarshal(b, &v); err != nil {
		return &fieldError{msg: fmt.Sprintf("%s is not a whole number", b), value: string(b)}
	}
	*n = Int{Value: v, Set: true}
	return nil
}

// MarshalJSON writes the number, or null when unset.
func (n Int) MarshalJSON() ([]byte, error) {
	if !n.Set {
		return []byte("null"), nil
	}
	return []byte(strconv.Itoa(n.Value)), nil
}
