// Package cli is wgowrt's command line: the urfave/cli application, built in
// one function, with streams injected and exit codes decided in one place.
package cli

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	ucli "github.com/urfave/cli/v2"
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

	unknownCommand bool
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
	app := NewApp(env)
	err := app.Run(hoistGlobalFlags(expandConfirm(args)))
	if err == nil && env.unknownCommand {
		return ExitUsage
	}
	return exitCode(err, stderr)
}

// hoistGlobalFlags moves --json, --dry-run and -n written after the command
// (`wgowrt status --json`, `wgowrt peer add phone --dry-run`) in front of
// it, where urfave/cli looks for global flags. `uci` and the rpcd entry
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
	if errors.As(err, &ue) || isFlagError(err) {
		return ExitUsage
	}
	return ExitFailure
}

// isFlagError recognises urfave/cli's own parse errors, which are plain
// errors from the flag package.
func isFlagError(err error) bool {
	s := err.Error()
	for _, p := range []string{"flag provided but not defined", "flag needs an argument", "invalid value", "Required flag", "Required flags"} {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}

// NewApp builds the whole command tree.
func NewApp(env *Env) *ucli.App {
	app := &ucli.App{
		Name:                 "wgowrt",
		Usage:                "WireGuard on OpenWrt: from intention to UCI configuration",
		Version:              Version,
		Reader:               env.Stdin,
		Writer:               env.Stdout,
		ErrWriter:            env.Stderr,
		HideHelpCommand:      true,
		EnableBashCompletion: false,
		ExitErrHandler:       func(*ucli.Context, error) {},
		OnUsageError: func(_ *ucli.Context, err error, _ bool) error {
			return &UsageError{err.Error()}
		},
		Before: func(*ucli.Context) error { _, err := confirmMode(env, ""); return err },
		Flags: append([]ucli.Flag{
			&ucli.StringFlag{Name: "root", Usage: "prefix for every system path (run against a copy of a router's filesystem)", Destination: &env.Root},
			&ucli.BoolFlag{Name: "json", Usage: "machine-readable output", Destination: &env.JSON},
			&ucli.BoolFlag{Name: "dry-run", Aliases: []string{"n"}, Usage: "show what would change, write nothing", Destination: &env.DryRun},
		}, confirmFlags(env)...),
		Commands: []*ucli.Command{
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
			fleetCommand(env, "topology", "fleets: check, apply or export a topology file (see README, Fleets)"), fleetCommand(env, "node", "fleets: 'node key' prints this router's public key (the private key stays here, 0600)"),
			rpcdCommand(env),
			rpcdListCommand(env, true),
			rpcdCallCommand(env, true),
		},
	}
	app.CommandNotFound = func(c *ucli.Context, name string) {
		env.unknownCommand = true
		fmt.Fprintf(env.Stderr, "wgowrt: unknown command %q (see 'wgowrt --help')\n", name)
	}
	ucli.VersionPrinter = func(c *ucli.Context) { fmt.Fprintf(c.App.Writer, "wgowrt %s\n", c.App.Version) }
	return app
}

func versionCommand(env *Env) *ucli.Command {
	return &ucli.Command{
		Name:  "version",
		Usage: "print the version",
		Action: func(c *ucli.Context) error {
			if env.JSON {
				return writeJSON(env.Stdout, map[string]any{"version": 1, "wgowrt": Version})
			}
			fmt.Fprintf(env.Stdout, "wgowrt %s\n", Version)
			return nil
		},
	}
}
