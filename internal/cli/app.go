// Package cli is wgowrt's command line: a table of commands (command.go),
// with streams injected and exit codes decided in one place.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"
)

// Version is set at build time with -ldflags '-X github.com/wgowrt/wgowrt/internal/cli.Version=…'.
var Version = "dev"

// Exit codes.
const (
	ExitOK      = 0
	ExitFailure = 1
	ExitUsage   = 2
)

// Env is what every command gets: streams and the global flags.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Root prefixes every system path (/etc/config, /tmp/.uci, /var/run…).
	Root   string
	JSON   bool
	DryRun bool
	// confirm and noConfirm are --confirm[=SECONDS] and --no-confirm.
	confirm   string
	noConfirm bool
	// command is the running command's words ("server remove").
	command string
}

// Path returns a system path under the --root prefix.
func (e *Env) Path(p string) string {
	if e.Root == "" {
		return p
	}
	return filepath.Join(e.Root, p)
}

// UsageError marks a command-line mistake (exit 2).
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// Usagef returns a UsageError.
func Usagef(format string, a ...any) error { return &UsageError{fmt.Sprintf(format, a...)} }

// ExitError carries an exit code chosen by a command that already printed
// its own diagnostics (e.g. `wgowrt uci`, which prints like uci(1)).
type ExitError struct{ Code int }

func (e *ExitError) Error() string { return fmt.Sprintf("exit status %d", e.Code) }

// Main runs wgowrt with args and returns the process exit code.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	env := &Env{Stdin: stdin, Stdout: stdout, Stderr: stderr}
	return exitCode(dispatch(env, hoistGlobalFlags(expandConfirm(args))), stderr)
}

// dispatch parses the global flags and dispatches to the command named next.
func dispatch(env *Env, args []string) error {
	if len(args) > 0 {
		args = args[1:]
	}
	cmds, flags := commands(env), globalFlags(env)
	set := flag.NewFlagSet("wgowrt", flag.ContinueOnError)
	set.SetOutput(io.Discard)
	for _, f := range flags {
		f.apply(set)
	}
	version := set.Bool("version", false, "print the version")
	set.Var(set.Lookup("version").Value, "v", "")
	err := set.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return appHelp(env.Stdout, cmds, flags)
	case err != nil:
		return Usagef("%v", err)
	case *version:
		fmt.Fprintf(env.Stdout, "wgowrt %s\n", Version)
		return nil
	}
	if _, err := confirmMode(env, ""); err != nil {
		return err
	}
	if set.NArg() == 0 {
		return appHelp(env.Stdout, cmds, flags)
	}
	for _, c := range cmds {
		if c.Name == set.Arg(0) {
			return runCommand(env, c, c.Name, set.Args()[1:])
		}
	}
	return unknownCommand(set.Arg(0))
}

// hoistGlobalFlags moves --json, --dry-run and -n written after the command
// (`wgowrt status --json`, `wgowrt peer add phone --dry-run`) in front of
// it, where the global flags are parsed. `uci` and the rpcd entry
// points parse their own arguments and are left alone, as is everything
// after "--".
func hoistGlobalFlags(args []string) []string {
	if len(args) < 2 {
		return args
	}
	cmd := -1
	for i := 1; i < len(args); i++ {
		if !strings.HasPrefix(args[i], "-") {
			cmd = i
			break
		}
		if args[i] == "--root" {
			i++
		}
	}
	if cmd < 0 || args[cmd] == "uci" || args[cmd] == "rpcd" || args[cmd] == "list" || args[cmd] == "call" {
		return args
	}
	var global, rest []string
	for i, a := range args[cmd:] {
		if a == "--" {
			rest = append(rest, args[cmd+i:]...)
			break
		}
		switch a {
		case "--json", "--dry-run", "-n", "-json", "-dry-run", "--no-confirm":
			global = append(global, a)
		default:
			if strings.HasPrefix(a, "--confirm=") {
				global = append(global, a)
			} else {
				rest = append(rest, a)
			}
		}
	}
	out := append([]string{}, args[:cmd]...)
	out = append(out, global...)
	return append(out, rest...)
}

// exitCode decides the exit status of err and prints it as one line.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return ExitOK
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		return ee.Code
	}
	msg := strings.ReplaceAll(strings.TrimSpace(err.Error()), "\n", " ")
	fmt.Fprintf(stderr, "wgowrt: %s\n", msg)
	var ue *UsageError
	if errors.As(err, &ue) {
		return ExitUsage
	}
	return ExitFailure
}

func globalFlags(env *Env) []Flag {
	return append([]Flag{
		&StringFlag{Name: "root", Arg: "DIR", Usage: "prefix for every system path (run against a copy of a router's filesystem)", Destination: &env.Root},
		&BoolFlag{Name: "json", Usage: "machine-readable output", Destination: &env.JSON},
		&BoolFlag{Name: "dry-run", Aliases: []string{"n"}, Usage: "show what would change, write nothing", Destination: &env.DryRun},
	}, confirmFlags(env)...)
}

// commands is the dispatch table: the first word after the global flags.
// list and call are rpcd's exec-plugin protocol (argv[0] is then
// /usr/libexec/rpcd/wgowrt), hidden from the help.
func commands(env *Env) []*Command {
	return []*Command{
		versionCommand(env),
		uciCommand(env),
		serverCommand(env),
		adoptCommand(env),
		peerCommand(env),
		statusCommand(env),
		clientCommand(env),
		gatewayCommand(env),
		siteCommand(env),
		accessCommand(env),
		exposeCommand(env),
		lanRouteCommand(env),
		syncCommand(env),
		superviseCommand(env),
		confirmCommand(env),
		rollbackCommand(env),
		doctorCommand(env),
		fleetCommand(env, "topology", "fleets: check, apply or export a topology file (see README, Fleets)"),
		fleetCommand(env, "node", "fleets: 'node key' prints this router's public key (the private key stays here, 0600)"),
		rpcdCommand(env),
		rpcdListCommand(env, true),
		rpcdCallCommand(env, true),
	}
}

// appHelp is `wgowrt --help`.
func appHelp(w io.Writer, cmds []*Command, flags []Flag) error {
	fmt.Fprintf(w, "Usage: wgowrt [GLOBAL OPTIONS] COMMAND [OPTIONS] [ARGUMENTS]\n\n"+
		"wgowrt %s: WireGuard on OpenWrt, from intention to UCI configuration.\n"+
		"'wgowrt COMMAND --help' describes a command.\n", Version)
	printCommands(w, cmds)
	printFlags(w, "Global options (also after the command)", append(flags, &BoolFlag{Name: "version", Aliases: []string{"v"}, Usage: "print the version"}))
	return nil
}

func versionCommand(env *Env) *Command {
	return &Command{
		Name:  "version",
		Usage: "print the version",
		Action: func(c *Context) error {
			if env.JSON {
				return writeJSON(env.Stdout, map[string]any{"version": 1, "wgowrt": Version})
			}
			fmt.Fprintf(env.Stdout, "wgowrt %s\n", Version)
			return nil
		},
	}
}
