package cli

import (
	"errors"
	"flag"
	"io"
	"strings"

	ucli "github.com/urfave/cli/v2"
)

// interspersed lets a command take its flags before or after its
// positional arguments (`peer add alice --psk`), which urfave/cli v2 does
// not do: the command is declared with SkipFlagParsing and its arguments
// are parsed here, flags anywhere, "--" ending them.
func interspersed(run func(*ucli.Context) error) ucli.ActionFunc {
	return func(c *ucli.Context) error {
		flags, pos, err := splitArgs(c.Command.Flags, c.Args().Slice())
		if errors.Is(err, flag.ErrHelp) {
			return ucli.ShowCommandHelp(parentOf(c), c.Command.Name)
		}
		if err != nil {
			return err
		}
		set, err := flagSet(c.Command.Name, c.Command.Flags)
		if err != nil {
			return err
		}
		if err := set.Parse(append(append(canonical(c.Command.Flags, flags), "--"), pos...)); err != nil {
			return Usagef("%v", err)
		}
		if h := set.Lookup("help"); h != nil && h.Value.String() == "true" {
			return ucli.ShowCommandHelp(parentOf(c), c.Command.Name)
		}
		nc := ucli.NewContext(c.App, set, parentOf(c))
		nc.Command = c.Command
		return run(nc)
	}
}

// canonical rewrites aliases (-o) to a flag's first name (--output):
// urfave/cli gives every name its own flag.Value and only reconciles them
// in its own parser.
func canonical(flags []ucli.Flag, toks []string) []string {
	alias := map[string]string{}
	for _, f := range flags {
		names := f.Names()
		for _, n := range names[1:] {
			alias[n] = names[0]
		}
	}
	out := make([]string, len(toks))
	for i, t := range toks {
		out[i] = t
		name := strings.TrimLeft(t, "-")
		if name == t || name == "" {
			continue
		}
		rest := ""
		if j := strings.IndexByte(name, '='); j >= 0 {
			name, rest = name[:j], name[j:]
		}
		if c, ok := alias[name]; ok {
			out[i] = "--" + c + rest
		}
	}
	return out
}

func parentOf(c *ucli.Context) *ucli.Context {
	if l := c.Lineage(); len(l) > 1 {
		return l[1]
	}
	return c
}

func flagSet(name string, flags []ucli.Flag) (*flag.FlagSet, error) {
	set := flag.NewFlagSet(name, flag.ContinueOnError)
	set.SetOutput(io.Discard)
	for _, f := range flags {
		if err := f.Apply(set); err != nil {
			return nil, err
		}
	}
	return set, nil
}

// splitArgs separates flag tokens from positional arguments.
func splitArgs(flags []ucli.Flag, args []string) (flagToks, pos []string, err error) {
	set, err := flagSet("args", flags)
	if err != nil {
		return nil, nil, err
	}
	for len(args) > 0 {
		if err := set.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, nil, err
			}
			return nil, nil, Usagef("%v", err)
		}
		rest := set.Args()
		used := args[:len(args)-len(rest)]
		if n := len(used); n > 0 && used[n-1] == "--" {
			return append(flagToks, used[:n-1]...), append(pos, rest...), nil
		}
		flagToks = append(flagToks, used...)
		if len(rest) == 0 {
			break
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
	return flagToks, pos, nil
}
