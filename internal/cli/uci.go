package cli

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	ucli "github.com/urfave/cli/v2"

	"github.com/wgowrt/wgowrt/uci"
)

// `wgowrt uci` behaves like OpenWrt's uci(1): the same options, commands,
// output and exit codes, so router configs can be inspected and edited on
// any machine and the conformance corpus can be checked end to end.

const uciUsage = `Usage: wgowrt uci [<options>] <command> [<arguments>]

Commands:
	batch
	export     [<config>]
	changes    [<config>]
	commit     [<config>]
	add        <config> <section-type>
	add_list   <config>.<section>.<option>=<string>
	del_list   <config>.<section>.<option>=<string>
	show       [<config>[.<section>[.<option>]]]
	get        <config>.<section>[.<option>]
	set        <config>.<section>[.<option>]=<value>
	delete     <config>[.<section>[[.<option>][=<id>]]]
	rename     <config>.<section>[.<option>]=<name>
	revert     <config>[.<section>[.<option>]]
	reorder    <config>.<section>=<position>

Options:
	-c <path>  set the search path for config files (default: /etc/config)
	-C <path>  set the override path looked in first (default: /var/run/uci)
	-d <str>   set the delimiter for list values in uci show
	-f <file>  use <file> as input instead of stdin
	-p <path>  add a search path for config change files
	-P <path>  add a search path for config change files and use as default
	-t <path>  set save path for config change files
	-q         quiet mode (don't print error messages)
	-X         do not use extended syntax on 'show'
`

func uciCommand(env *Env) *ucli.Command {
	return &ucli.Command{
		Name:            "uci",
		Usage:           "inspect and edit UCI configuration exactly like OpenWrt's uci(1)",
		ArgsUsage:       "[-c confdir] [-t savedir] <command> [<arguments>]",
		SkipFlagParsing: true,
		Action: func(c *ucli.Context) error {
			code := runUCI(env, c.Args().Slice())
			if code != 0 {
				return &ExitError{Code: code}
			}
			return nil
		},
	}
}

type uciRun struct {
	env      *Env
	ctx      *uci.Context
	stdout   io.Writer
	stderr   io.Writer
	input    io.Reader
	show     uci.ShowOptions
	quiet    bool
	noCommit bool
	inBatch  bool
}

// runUCI parses uci(1)'s options (getopt, stopping at the first command
// word as musl does) and runs the command. It returns the exit code.
func runUCI(env *Env, args []string) int {
	r := &uciRun{env: env, stdout: env.Stdout, stderr: env.Stderr, input: env.Stdin,
		ctx: &uci.Context{ConfDir: env.Path(uci.DefaultConfDir), SaveDir: env.Path(uci.DefaultSaveDir),
			OverrideDir: env.Path(uci.DefaultOverrideDir)}}
	r.ctx.DeltaPaths = []string{r.ctx.SaveDir}
	i := 0
	for ; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			i++
			break
		}
		if len(a) < 2 || a[0] != '-' {
			break
		}
		for j := 1; j < len(a); j++ {
			opt := a[j]
			if strings.IndexByte("cCdfpPt", opt) >= 0 {
				val := a[j+1:]
				if val == "" {
					if i+1 >= len(args) {
						fmt.Fprintf(r.stderr, "wgowrt uci: option -%c needs a value\n", opt)
						return ExitUsage
					}
					i++
					val = args[i]
				}
				if code := r.setOpt(opt, val); code != 0 {
					return code
				}
				break
			}
			switch opt {
			case 'q':
				r.quiet = true
			case 'X':
				r.show.NoExtended = true
			case 's', 'S', 'n', 'N', 'm', 'L':
				// strictness and export naming: wgowrt always parses strictly
				// and exports like uci's default.
			default:
				fmt.Fprintf(r.stderr, "wgowrt uci: unknown option -%c\n%s", opt, uciUsage)
				return ExitUsage
			}
		}
	}
	args = args[i:]
	if len(args) == 0 {
		fmt.Fprint(r.stderr, uciUsage)
		return ExitUsage
	}
	return r.cmd(args)
}

func (r *uciRun) setOpt(opt byte, val string) int {
	switch opt {
	case 'c':
		r.ctx.ConfDir = val
	case 'C':
		r.ctx.OverrideDir = val
	case 'd':
		r.show.Delimiter = val
	case 'f':
		data, err := readFileArg(val)
		if err != nil {
			fmt.Fprintf(r.stderr, "uci: %v\n", err)
			return ExitFailure
		}
		r.input = bytes.NewReader(data)
	case 'p':
		r.ctx.DeltaPaths = append(r.ctx.DeltaPaths, val)
	case 'P':
		r.ctx.SaveDir = val
		r.ctx.DeltaPaths = append(r.ctx.DeltaPaths, val)
		r.noCommit = true
	case 't':
		r.ctx.SaveDir = val
		r.ctx.DeltaPaths = append(r.ctx.DeltaPaths, val)
	}
	return 0
}

// perror prints an error the way uci's cli_perror does.
func (r *uciRun) perror(err error) {
	if r.quiet {
		return
	}
	if e, ok := err.(*uci.Error); ok {
		msg := e.UCIText()
		if e.Code == uci.ErrParse && e.File != "" && e.Reason != "" {
			msg += " in " + e.File
		}
		fmt.Fprintf(r.stderr, "uci: %s\n", msg)
		return
	}
	fmt.Fprintf(r.stderr, "uci: %v\n", err)
}

func (r *uciRun) cmd(args []string) int {
	switch strings.ToLower(args[0]) {
	case "batch":
		if r.inBatch {
			break
		}
		return r.batch()
	case "show", "changes", "export", "commit":
		return r.packageCmd(strings.ToLower(args[0]), args)
	case "get", "set", "add_list", "del_list", "del", "delete", "ren", "rename", "revert", "reorder":
		return r.sectionCmd(strings.ToLower(args[0]), args)
	case "add":
		return r.add(args)
	case "help":
		fmt.Fprint(r.stderr, uciUsage)
		return 0
	}
	if !r.inBatch {
		fmt.Fprintf(r.stderr, "wgowrt uci: unknown command %q\n%s", args[0], uciUsage)
	}
	return ExitUsage
}

func (r *uciRun) batch() int {
	data, err := io.ReadAll(r.input)
	if err != nil {
		fmt.Fprintf(r.stderr, "uci: %v\n", err)
		return ExitFailure
	}
	r.inBatch = true
	defer func() { r.inBatch = false }()
	br := uci.NewBatchReader(data)
	for {
		args, done, err := br.Next()
		if done {
			return 0
		}
		if err != nil {
			r.perror(err)
			continue
		}
		if len(args) == 0 {
			continue
		}
		if strings.EqualFold(args[0], "exit") {
			return 0
		}
		if r.cmd(args) == ExitUsage {
			fmt.Fprintln(r.stderr, "Unknown command")
		}
	}
}

func (r *uciRun) packageCmd(cmd string, args []string) int {
	if len(args) > 2 {
		fmt.Fprint(r.stderr, uciUsage)
		return ExitUsage
	}
	if len(args) == 2 {
		return r.packageCmdOne(cmd, args[1])
	}
	names, err := r.ctx.Configs()
	if err != nil {
		r.perror(err)
		return 1
	}
	for _, n := range names {
		r.packageCmdOne(cmd, n)
	}
	return 0
}

// lookup parses a tuple, loads its package and resolves it like
// uci_lookup_ptr with extended syntax.
func (r *uciRun) lookup(tuple string) (*uci.Package, uci.Ptr, *uci.Section, *uci.Option, bool, error) {
	ptr, err := uci.ParsePtr(tuple)
	if err != nil {
		return nil, ptr, nil, nil, false, &uci.Error{Code: uci.ErrParse}
	}
	p, err := r.ctx.Load(ptr.Package)
	if err != nil {
		return nil, ptr, nil, nil, false, err
	}
	if ptr.Section == "" && !ptr.Extended {
		return p, ptr, nil, nil, true, nil
	}
	s, err := p.Lookup(ptr.Section)
	if err != nil {
		if uci.CodeOf(err) == uci.ErrNotFound {
			return p, ptr, nil, nil, false, nil
		}
		return nil, ptr, nil, nil, false, err
	}
	if ptr.Option == "" {
		return p, ptr, s, nil, true, nil
	}
	o := s.Option(ptr.Option)
	return p, ptr, s, o, o != nil, nil
}

func (r *uciRun) packageCmdOne(cmd, tuple string) int {
	p, _, s, o, complete, err := r.lookup(tuple)
	if err != nil {
		r.perror(err)
		return 1
	}
	switch cmd {
	case "changes":
		for _, d := range p.Changes() {
			fmt.Fprint(r.stdout, d.ChangeLine(p.Name))
		}
	case "commit":
		if r.noCommit {
			return 0
		}
		if _, err := r.ctx.Commit(p); err != nil {
			r.perror(err)
			return 1
		}
	case "export":
		r.stdout.Write(p.Export(true))
	case "show":
		if !complete {
			r.perror(&uci.Error{Code: uci.ErrNotFound})
			return 1
		}
		switch {
		case o != nil:
			r.stdout.Write(p.ShowOption(s, o, r.show))
		case s != nil:
			r.stdout.Write(p.ShowSection(s, uci.ShowOptions{NoExtended: true, Delimiter: r.show.Delimiter}))
		default:
			r.stdout.Write(p.Show(r.show))
		}
	}
	return 0
}

func (r *uciRun) add(args []string) int {
	if len(args) != 3 {
		fmt.Fprint(r.stderr, uciUsage)
		return ExitUsage
	}
	p, err := r.ctx.Load(args[1])
	if err == nil {
		var s *uci.Section
		if s, err = p.Add(args[2]); err == nil {
			if err = r.ctx.Save(p); err == nil {
				fmt.Fprintln(r.stdout, s.Name)
				return 0
			}
		}
	}
	r.perror(err)
	return 1
}

func (r *uciRun) sectionCmd(cmd string, args []string) int {
	if len(args) != 2 {
		fmt.Fprint(r.stderr, uciUsage)
		return ExitUsage
	}
	p, ptr, s, o, complete, err := r.lookup(args[1])
	if err != nil {
		r.perror(err)
		return 1
	}
	if ptr.HasValue && (cmd == "get" || cmd == "revert") {
		return 1
	}
	switch cmd {
	case "get":
		if !complete {
			r.perror(&uci.Error{Code: uci.ErrNotFound})
			return 1
		}
		if o != nil {
			r.stdout.Write(uci.GetValue(o, r.show.Delimiter))
		} else if s != nil {
			fmt.Fprintln(r.stdout, s.Type)
		}
		return 0
	case "revert":
		if _, err := r.ctx.Revert(p, ptr); err != nil {
			r.perror(err)
			return 1
		}
		return 0
	case "set":
		_, err = p.Set(ptr)
	case "add_list":
		err = p.AddList(ptr)
	case "del_list":
		err = p.DelList(ptr)
	case "ren", "rename":
		err = p.Rename(ptr)
	case "reorder":
		if s == nil || !ptr.HasValue {
			r.perror(&uci.Error{Code: uci.ErrNotFound})
			return 1
		}
		p.Reorder(s, reorderPos(ptr.Value))
	case "del", "delete":
		if ptr.HasValue && !startsWithInt(ptr.Value) {
			return 1
		}
		err = p.Delete(ptr)
	}
	if err == nil {
		err = r.ctx.Save(p)
	}
	if err != nil {
		r.perror(err)
		return 1
	}
	return 0
}

// reorderPos reads a position like strtoul: leading digits, anything else
// ends it; a negative number wraps to "last".
func reorderPos(v string) int {
	v = strings.TrimLeft(v, " \t")
	if strings.HasPrefix(v, "-") {
		return 1 << 30
	}
	n := 0
	for _, c := range strings.TrimPrefix(v, "+") {
		if c < '0' || c > '9' || n > 1<<29 {
			break
		}
		n = n*10 + int(c-'0')
	}
	return n
}

func startsWithInt(v string) bool {
	v = strings.TrimLeft(v, " \t")
	v = strings.TrimLeft(v, "+-")
	return v != "" && v[0] >= '0' && v[0] <= '9'
}
