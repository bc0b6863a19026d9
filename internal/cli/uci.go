package cli

import (
	"bytes"
	"fmt"
	"io"
	"strings"

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

func uciCommand(env *Env) *Command {
	return &Command{
		Name:            "uci",
		Usage:           "inspect and edit UCI configuration exactly like OpenWrt's uci(1)",
		ArgsUsage:       "[-c confdir] [-t savedir] <command> [<arguments>]",
		SkipFlagParsing: true,
		Action: func(c *Context) error {
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
