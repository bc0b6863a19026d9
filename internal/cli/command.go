package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// The command layer: a tree of Commands (name -> flags and a small
// function), parsed with the standard flag package. Flags may come before
// or after the positional arguments; "--" ends them. Every command takes
// --help (-h). A command with SkipFlagParsing gets its arguments as
// written (uci, topology); one with FlagsFirst stops at its first
// positional argument (rpcd's call METHOD).

// Command is one word of the command line.
type Command struct {
	Name      string
	Usage     string
	ArgsUsage string
	// Description is the longer text of `wgowrt CMD --help`.
	Description string
	Flags       []Flag
	// Subcommands make a group (`peer add`); a group has no Action.
	Subcommands     []*Command
	Action          func(*Context) error
	Hidden          bool
	SkipFlagParsing bool
	FlagsFirst      bool

	path string // "peer add", set when it runs
}

// FullName is the command's words after "wgowrt" ("peer add").
func (c *Command) FullName() string {
	if c.path == "" {
		return c.Name
	}
	return c.path
}

// Context is a parsed command line for one command's Action.
type Context struct {
	Command *Command
	set     *flag.FlagSet
	args    []string
}

// Args are the positional arguments.
type Args []string

// First is the first argument, or "".
func (a Args) First() string { return a.Get(0) }

// Get is argument i, or "".
func (a Args) Get(i int) string {
	if i < len(a) {
		return a[i]
	}
	return ""
}

// Slice is all arguments.
func (a Args) Slice() []string { return a }

// Args are the positional arguments (all of them with SkipFlagParsing).
func (c *Context) Args() Args { return c.args }

// NArg is the number of positional arguments.
func (c *Context) NArg() int { return len(c.args) }

func (c *Context) value(name string) any {
	if c.set == nil {
		return nil
	}
	if f := c.set.Lookup(name); f != nil {
		return f.Value.(flag.Getter).Get()
	}
	return nil
}

// String is a string flag's value.
func (c *Context) String(name string) string { s, _ := c.value(name).(string); return s }

// Bool is a bool flag's value.
func (c *Context) Bool(name string) bool { b, _ := c.value(name).(bool); return b }

// Int is an int flag's value.
func (c *Context) Int(name string) int { n, _ := c.value(name).(int); return n }

// Int64 is an int64 flag's value.
func (c *Context) Int64(name string) int64 { n, _ := c.value(name).(int64); return n }

// Duration is a duration flag's value.
func (c *Context) Duration(name string) time.Duration {
	d, _ := c.value(name).(time.Duration)
	return d
}

// StringSlice is a repeatable flag's values, in order.
func (c *Context) StringSlice(name string) []string { s, _ := c.value(name).([]string); return s }

// IsSet tells whether the flag (under any of its names) was given.
func (c *Context) IsSet(name string) bool {
	names := []string{name}
	for _, f := range c.Command.Flags {
		if n := f.info().names; slices.Contains(n, name) {
			names = n
		}
	}
	set := false
	if c.set != nil {
		c.set.Visit(func(f *flag.Flag) { set = set || slices.Contains(names, f.Name) })
	}
	return set
}

// runCommand runs cmd (reached by the words in path) with its arguments.
func runCommand(env *Env, cmd *Command, path string, args []string) error {
	cmd.path = path
	env.command = path
	if cmd.SkipFlagParsing {
		return cmd.Action(&Context{Command: cmd, args: args})
	}
	set := flag.NewFlagSet(cmd.Name, flag.ContinueOnError)
	set.SetOutput(io.Discard)
	for _, f := range cmd.Flags {
		f.apply(set)
	}
	if len(cmd.Subcommands) > 0 {
		return runGroup(env, cmd, set, args)
	}
	pos, err := parseArgs(set, args, !cmd.FlagsFirst)
	if errors.Is(err, flag.ErrHelp) {
		return commandHelp(env.Stdout, cmd)
	}
	if err != nil {
		return Usagef("%v", err)
	}
	c := &Context{Command: cmd, set: set, args: pos}
	if err := checkRequired(c); err != nil {
		return err
	}
	return cmd.Action(c)
}

// runGroup dispatches `peer add …` to add; `peer` alone shows the group's help.
func runGroup(env *Env, cmd *Command, set *flag.FlagSet, args []string) error {
	err := set.Parse(args)
	if errors.Is(err, flag.ErrHelp) || err == nil && set.NArg() == 0 {
		return commandHelp(env.Stdout, cmd)
	}
	if err != nil {
		return Usagef("%v", err)
	}
	name := set.Arg(0)
	for _, sub := range cmd.Subcommands {
		if sub.Name == name {
			return runCommand(env, sub, cmd.path+" "+name, set.Args()[1:])
		}
	}
	return unknownCommand(name)
}

func unknownCommand(name string) error {
	return Usagef("unknown command %q (see 'wgowrt --help')", name)
}

// parseArgs parses flags anywhere among the positional arguments (unless
// !interspersed) and returns the positional ones; "--" ends the flags.
func parseArgs(set *flag.FlagSet, args []string, interspersed bool) ([]string, error) {
	var pos []string
	for {
		if err := set.Parse(args); err != nil {
			return nil, err
		}
		rest := set.Args()
		used := args[:len(args)-len(rest)]
		if n := len(used); n > 0 && used[n-1] == "--" || !interspersed {
			return append(pos, rest...), nil
		}
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

func checkRequired(c *Context) error {
	var missing []string
	for _, f := range c.Command.Flags {
		if i := f.info(); i.required && !c.IsSet(i.names[0]) {
			missing = append(missing, i.names[0])
		}
	}
	switch len(missing) {
	case 0:
		return nil
	case 1:
		return Usagef("Required flag %q not set", missing[0])
	}
	return Usagef("Required flags %q not set", strings.Join(missing, ", "))
}

// commandHelp prints a command's usage, its subcommands and its flags.
func commandHelp(w io.Writer, cmd *Command) error {
	args := " [OPTIONS]"
	if len(cmd.Subcommands) > 0 {
		args = " COMMAND [OPTIONS]"
	}
	if cmd.ArgsUsage != "" {
		args += " " + cmd.ArgsUsage
	}
	fmt.Fprintf(w, "Usage: wgowrt %s%s\n\n%s\n", cmd.FullName(), args, cmd.Usage)
	if cmd.Description != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(cmd.Description))
	}
	printCommands(w, cmd.Subcommands)
	printFlags(w, "Options", cmd.Flags)
	return nil
}

func printCommands(w io.Writer, cmds []*Command) {
	if len(cmds) == 0 {
		return
	}
	fmt.Fprintf(w, "\nCommands:\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, c := range cmds {
		if !c.Hidden {
			fmt.Fprintf(tw, "  %s\t%s\n", c.Name, c.Usage)
		}
	}
	tw.Flush()
}

func printFlags(w io.Writer, title string, flags []Flag) {
	fmt.Fprintf(w, "\n%s:\n", title)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, f := range flags {
		i := f.info()
		if i.hidden {
			continue
		}
		var names []string
		for _, n := range i.names {
			names = append(names, "-"+strings.Repeat("-", min(len(n)-1, 1))+n+i.arg)
		}
		fmt.Fprintf(tw, "  %s\t%s%s\n", strings.Join(names, ", "), i.usage, i.note())
	}
	fmt.Fprintf(tw, "  --help, -h\tshow help\n")
	tw.Flush()
}
