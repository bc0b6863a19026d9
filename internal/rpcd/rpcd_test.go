package rpcd

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wgowrt/wgowrt/uci"
)

func echo(args json.RawMessage) (any, error) {
	var v struct {
		Name string `json:"name"`
		N    Int    `json:"n"`
	}
	if _, err := Decode(args, &v); err != nil {
		return nil, err
	}
	return v, nil
}

var testMethods = []Method{
	{Name: "echo", Args: map[string]any{"name": "", "n": 32}, Call: echo},
	{Name: "big", Call: func(json.RawMessage) (any, error) {
		return map[string]string{"x": strings.Repeat("a", Limit)}, nil
	}},
	{Name: "boom", Call: func(json.RawMessage) (any, error) { panic("kaputt") }},
	{Name: "fails", Call: func(json.RawMessage) (any, error) { return nil, errors.New("line one\nline two") }},
	{Name: "array", Call: func(json.RawMessage) (any, error) { return []int{1}, nil }},
}

func call(t *testing.T, method, stdin string) string {
	t.Helper()
	var out bytes.Buffer
	if err := Call(&out, strings.NewReader(stdin), testMethods, method); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	if strings.Count(s, "\n") != 1 || !strings.HasPrefix(s, "{") {
		t.Fatalf("not one JSON object on one line: %q", s)
	}
	return strings.TrimSpace(s)
}

// TestCallAlwaysAnswersAnObject covers rpcd's rules: stdout is one JSON
// object whatever goes wrong, because an empty or non-object answer
// becomes a bare ubus status the page cannot explain.
func TestCallAlwaysAnswersAnObject(t *testing.T) {
	for _, tc := range []struct{ method, stdin, want string }{
		{"echo", `{"name":"a","n":"7","ubus_rpc_session":"00000000000000000000000000000000"}`, `{"name":"a","n":7}`},
		{"echo", ``, `{"name":"","n":null}`},
		{"echo", `{"n":""}`, `{"name":"","n":null}`},
		{"echo", `[1]`, `{"error":"the arguments are not a JSON object: json: cannot unmarshal array into Go value of type map[string]json.RawMessage"}`},
		{"echo", `{"name":1}`, `{"error":"argument name must be a string, not number","field":"name"}`},
		{"echo", `{"n":"x"}`, `{"error":"\"x\" is not a whole number","value":"x"}`},
		{"echo", `{"other":1}`, `{"error":"unknown argument \"other\"","field":"other","value":"other"}`},
		{"nope", `{}`, `{"error":"unknown method \"nope\" (known: array, big, boom, echo, fails)","field":"method","value":"nope"}`},
		{"boom", `{}`, `{"error":"internal error in boom: kaputt"}`},
		{"fails", `{}`, `{"error":"line one line two"}`},
		{"array", `{}`, `{"error":"internal error: the answer is not a JSON object"}`},
	} {
		if got := call(t, tc.method, tc.stdin); got != tc.want {
			t.Errorf("%s %s:\n got %s\nwant %s", tc.method, tc.stdin, got, tc.want)
		}
	}
}

// TestCallStaysWithinRPCDBuffer: rpcd relays at most 256 KiB; a larger
// answer is replaced by an error saying so.
func TestCallStaysWithinRPCDBuffer(t *testing.T) {
	got := call(t, "big", "{}")
	if len(got) > Limit || !strings.Contains(got, `"error":"the answer is`) {
		t.Errorf("oversized answer not refused: %.120s", got)
	}
	if Limit >= 256<<10 {
		t.Errorf("Limit %d leaves no room below rpcd's 256 KiB", Limit)
	}
}

// TestCallGivesUpBeforeRPCD: a call that hangs answers an error before
// rpcd's 30 s exec timeout would kill it without a word.
func TestCallGivesUpBeforeRPCD(t *testing.T) {
	m := Method{Name: "slow", Call: func(json.RawMessage) (any, error) {
		time.Sleep(time.Second)
		return map[string]int{}, nil
	}}
	_, err := callWithin(m, json.RawMessage("{}"), 10*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "took longer than") {
		t.Errorf("err = %v", err)
	}
	if Timeout >= 30*time.Second {
		t.Errorf("Timeout %s is not below rpcd's default 30 s", Timeout)
	}
}

func TestListGivesArgumentTypesByExample(t *testing.T) {
	var out bytes.Buffer
	if err := List(&out, testMethods[:2]); err != nil {
		t.Fatal(err)
	}
	want := `{"big":{},"echo":{"n":32,"name":""}}` + "\n"
	if out.String() != want {
		t.Errorf("got %s want %s", out.String(), want)
	}
}

func TestDecodeReturnsSession(t *testing.T) {
	var v struct{}
	sid, err := Decode(json.RawMessage(`{"ubus_rpc_session":"abc"}`), &v)
	if err != nil || sid != "abc" {
		t.Errorf("sid %q err %v", sid, err)
	}
}

func pkg(t *testing.T, text string) *uci.Package {
	t.Helper()
	p, err := uci.Parse("network", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestEditsDescribeFinalState checks each kind of edit and that unchanged
// sections produce none.
func TestEditsDescribeFinalState(t *testing.T) {
	before := pkg(t, `
config interface 'wg0'
	option proto 'wireguard'
	option listen_port '51820'
	list addresses '10.8.0.1/24'

config wireguard_wg0 'a'
	option public_key 'A'

config wireguard_wg0 'b'
	option public_key 'B'
`)
	after := pkg(t, `
config interface 'wg0'
	option proto 'wireguard'
	list addresses '10.8.0.1/24'
	list addresses 'fd00::1/64'
	option mtu '1420'

config wireguard_wg0 'c'
	option public_key 'C'
	list allowed_ips '10.8.0.3/32'

config wireguard_wg0 'b'
	option public_key 'B'
`)
	got, err := Edits(before, after)
	if err != nil {
		t.Fatal(err)
	}
	want := []Edit{
		{Op: "set", Config: "network", Section: "wg0", Values: Values{{"addresses", []string{"10.8.0.1/24", "fd00::1/64"}}, {"mtu", "1420"}, {"listen_port", nil}}},
		{Op: "add", Config: "network", Section: "c", Type: "wireguard_wg0", Values: Values{{"public_key", "C"}, {"allowed_ips", []string{"10.8.0.3/32"}}}},
		{Op: "remove", Config: "network", Section: "a"},
		{Op: "order", Config: "network", Sections: []string{"wg0", "c", "b"}},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
	if e, _ := Edits(before, before); len(e) != 0 {
		t.Errorf("no change gave edits %+v", e)
	}
}

func TestEditsRefuseWhatUCIJSCannotStage(t *testing.T) {
	before := pkg(t, "config interface 'x'\n")
	if _, err := Edits(before, pkg(t, "config device 'x'\n")); err == nil {
		t.Error("a type change was accepted")
	}
	if _, err := Edits(before, pkg(t, "config interface 'x'\nconfig rule\n")); err == nil {
		t.Error("a new anonymous section was accepted")
	}
}

func TestValuesKeepOrderThroughJSON(t *testing.T) {
	in := Values{{"z", "1"}, {"a", []string{"x", "y"}}, {"m", nil}}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"z":"1","a":["x","y"],"m":null}` {
		t.Errorf("marshal: %s", b)
	}
	var out Values
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(in, out); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
}

// TestDuplicateArgumentsRefused: {"name":"a","name":"b"} would mean "b"
// to encoding/json and maybe "a" to another parser on the way; it is
// refused, naming the argument.
func TestDuplicateArgumentsRefused(t *testing.T) {
	called := false
	m := []Method{{Name: "m", Call: func(json.RawMessage) (any, error) { called = true; return map[string]int{}, nil }}}
	var out bytes.Buffer
	Call(&out, strings.NewReader(`{"name":"a","iface":"wg0","name":"b"}`), m, "m")
	if called || !strings.Contains(out.String(), `"error":"argument \"name\" is given twice; give it once"`) || !strings.Contains(out.String(), `"field":"name"`) {
		t.Errorf("got %s (called %v), want a refusal naming name", out.String(), called)
	}
	out.Reset()
	Call(&out, strings.NewReader(`{"name":"a","list":["x","x"]}`), m, "m")
	if !called {
		t.Errorf("distinct names refused: %s", out.String())
	}
}
