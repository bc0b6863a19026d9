package cli

import (
	"flag"
	"fmt"
	"strings"
	"time"
)

// Flag is one option of a command. Aliases share the flag's value.
type Flag interface {
	apply(set *flag.FlagSet)
	info() flagInfo
}

// flagInfo is what help and the required check need to know of a flag.
type flagInfo struct {
	names            []string
	arg, usage, def  string
	required, hidden bool
}

func (i flagInfo) note() string {
	switch {
	case i.required:
		return " (required)"
	case i.def != "":
		return " (default: " + i.def + ")"
	}
	return ""
}

// alias registers the flag's other names with the same value.
func alias(set *flag.FlagSet, name string, aliases []string) {
	for _, a := range aliases {
		set.Var(set.Lookup(name).Value, a, "")
	}
}

func names(name string, aliases []string) []string { return append([]string{name}, aliases...) }

// StringFlag is --name VALUE (Arg names VALUE in the help).
type StringFlag struct {
	Name, Value, Usage, Arg string
	Aliases                 []string
	Required, Hidden        bool
	Destination             *string
}

func (f *StringFlag) apply(set *flag.FlagSet) {
	p := f.Destination
	if p == nil {
		p = new(string)
	}
	set.StringVar(p, f.Name, f.Value, f.Usage)
	alias(set, f.Name, f.Aliases)
}

func (f *StringFlag) info() flagInfo {
	arg := " VALUE"
	if f.Arg != "" {
		arg = " " + f.Arg
	}
	return flagInfo{names(f.Name, f.Aliases), strings.Replace(arg, " [", "[", 1), f.Usage, f.Value, f.Required, f.Hidden}
}

// BoolFlag is --name (or --name=false).
type BoolFlag struct {
	Name, Usage string
	Aliases     []string
	Hidden      bool
	Destination *bool
}

func (f *BoolFlag) apply(set *flag.FlagSet) {
	p := f.Destination
	if p == nil {
		p = new(bool)
	}
	set.BoolVar(p, f.Name, false, f.Usage)
	alias(set, f.Name, f.Aliases)
}

func (f *BoolFlag) info() flagInfo {
	return flagInfo{names: names(f.Name, f.Aliases), usage: f.Usage, hidden: f.Hidden}
}

// IntFlag is --name N.
type IntFlag struct {
	Name, Usage      string
	Aliases          []string
	Value            int
	Required, Hidden bool
}

func (f *IntFlag) apply(set *flag.FlagSet) {
	set.Int(f.Name, f.Value, f.Usage)
	alias(set, f.Name, f.Aliases)
}

func (f *IntFlag) info() flagInfo {
	return flagInfo{names(f.Name, f.Aliases), " N", f.Usage, nonZero(f.Value), f.Required, f.Hidden}
}

// Int64Flag is --name N.
type Int64Flag struct {
	Name, Usage string
	Hidden      bool
}

func (f *Int64Flag) apply(set *flag.FlagSet) { set.Int64(f.Name, 0, f.Usage) }

func (f *Int64Flag) info() flagInfo {
	return flagInfo{names: []string{f.Name}, arg: " N", usage: f.Usage, hidden: f.Hidden}
}

// DurationFlag is --name DURATION (90s, 10m).
type DurationFlag struct {
	Name, Usage string
	Value       time.Duration
}

func (f *DurationFlag) apply(set *flag.FlagSet) { set.Duration(f.Name, f.Value, f.Usage) }

func (f *DurationFlag) info() flagInfo {
	return flagInfo{names: []string{f.Name}, arg: " DURATION", usage: f.Usage, def: nonZero(f.Value)}
}

// StringSliceFlag is --name VALUE, repeatable; each value is also split
// at commas (--dns 1.1.1.1,9.9.9.9), its parts trimmed of spaces.
type StringSliceFlag struct {
	Name, Usage string
	Required    bool
}

func (f *StringSliceFlag) apply(set *flag.FlagSet) { set.Var(&sliceValue{}, f.Name, f.Usage) }

func (f *StringSliceFlag) info() flagInfo {
	return flagInfo{names: []string{f.Name}, arg: " VALUE", usage: f.Usage, required: f.Required}
}

type sliceValue struct{ vals []string }

func (s *sliceValue) String() string { return strings.Join(s.vals, ",") }
func (s *sliceValue) Get() any       { return s.vals }

func (s *sliceValue) Set(v string) error {
	for _, t := range strings.Split(v, ",") {
		s.vals = append(s.vals, strings.TrimSpace(t))
	}
	return nil
}

func nonZero[T comparable](v T) string {
	var zero T
	if v == zero {
		return ""
	}
	return fmt.Sprint(v)
}
