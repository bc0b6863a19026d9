package topology

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/wgowrt/wgowrt/internal/ops"
)

// Options are the command line's global flags.
type Options struct {
	JSON, DryRun bool
	// Confirm (--confirm) makes topology apply's changes wait for
	// `wgowrt confirm`, as one change.
	Confirm ops.Confirm
	// Stdin is read for FILE "-" (how the Ansible plugin hands the file
	// over: nothing is written on the router in check mode).
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
}

// UsageError is a command-line mistake (exit 2); the command line
// recognises it by its Usage method.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// Usage marks the error as a command-line mistake.
func (e *UsageError) Usage() bool { return true }

func usagef(format string, a ...any) error { return &UsageError{fmt.Sprintf(format, a...)} }

// Run is Main with the options spelled out (what the command line's
// hook takes).
func Run(o *ops.Ops, cmd string, args []string, json, dryRun bool, confirm ops.Confirm, stdin io.Reader, stdout, stderr io.Writer) error {
	return Main(o, cmd, args, Options{JSON: json, DryRun: dryRun, Confirm: confirm, Stdin: stdin, Stdout: stdout, Stderr: stderr})
}

// Main runs `wgowrt topology check|apply|export ...` and `wgowrt node
// key` (cmd is "topology" or "node"; args follow it).
func Main(o *ops.Ops, cmd string, args []string, opt Options) error {
	if len(args) == 0 {
		return usagef("%s needs a subcommand (topology: check, apply, export; node: key)", cmd)
	}
	if opt.Confirm.Window > 0 && cmd+" "+args[0] != "topology apply" {
		return usagef("--confirm is for topology apply (%s %s changes nothing that could cut the router off)", cmd, args[0])
	}
	switch cmd + " " + args[0] {
	case "node key":
		return nodeKeyCmd(o, args[1:], opt)
	case "topology check":
		return checkCmd(args[1:], opt)
	case "topology apply":
		return applyCmd(o, args[1:], opt)
	case "topology export":
		return exportCmd(args[1:], opt)
	}
	return usagef("unknown command %q", cmd+" "+args[0])
}

// parse reads FILE and --node/--format/--iface, flags before or after FILE.
func parse(name string, args []string, want ...string) (map[string]string, []string, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	vals := map[string]*string{}
	for _, w := range want {
		vals[w] = fs.String(w, "", "")
	}
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, nil, usagef("%s: %v", name, err)
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	out := map[string]string{}
	for k, v := range vals {
		out[k] = *v
	}
	return out, pos, nil
}

func oneFile(opt Options, name string, args []string, want ...string) (*Topology, map[string]string, error) {
	f, pos, err := parse(name, args, want...)
	if err != nil {
		return nil, nil, err
	}
	if len(pos) != 1 {
		return nil, nil, usagef("%s needs exactly one topology FILE (got %d arguments)", name, len(pos))
	}
	if pos[0] == "-" && opt.Stdin != nil {
		data, err := io.ReadAll(opt.Stdin)
		if err != nil {
			return nil, nil, err
		}
		t, err := Parse(data)
		return t, f, err
	}
	t, err := Load(pos[0])
	return t, f, err
}

func checkCmd(args []string, opt Options) error {
	t, _, err := oneFile(opt, "topology check", args)
	if err != nil {
		return err
	}
	errs := t.Check(false)
	if opt.JSON {
		msgs := []string{}
		for _, e := range errs {
			msgs = append(msgs, e.Error())
		}
		return writeJSON(opt.Stdout, map[string]any{"ok": len(errs) == 0, "errors": msgs}, len(errs))
	}
	for _, e := range errs {
		fmt.Fprintf(opt.Stderr, "wgowrt: %v\n", e)
	}
	if len(errs) > 0 {
		return fmt.Errorf("topology check: %d problems", len(errs))
	}
	fmt.Fprintf(opt.Stdout, "ok: %d nodes, %d tunnels\n", len(t.Nodes), len(t.Edges()))
	return nil
}

func writeJSON(w io.Writer, v any, problems int) error {
	b, _ := json.MarshalIndent(v, "", "  ")
	fmt.Fprintf(w, "%s\n", b)
	if problems > 0 {
		return fmt.Errorf("topology check: %d problems", problems)
	}
	return nil
}

func applyCmd(o *ops.Ops, args []string, opt Options) error {
	t, f, err := oneFile(opt, "topology apply", args, "node")
	if err != nil {
		return err
	}
	if f["node"] == "" {
		return usagef("topology apply needs --node NAME (this router's name in the file)")
	}
	rep, err := ApplyWith(o, t, f["node"], ApplyOptions{DryRun: opt.DryRun, Confirm: opt.Confirm})
	if rep != nil {
		printReport(rep, opt)
	}
	if rep != nil && rep.Pending != nil && !opt.JSON {
		fmt.Fprintf(opt.Stderr, "wgowrt: %s\n", pendingNote(rep.Pending, err != nil))
	}
	return err
}

// pendingNote says how the changes of a confirmed apply are kept, and
// that a failed one is best rolled back.
func pendingNote(p *ops.Pending, failed bool) string {
	if failed {
		return fmt.Sprintf("the steps that ran roll back by themselves at %s unless confirmed; the same command run again before then finishes the apply, 'wgowrt rollback' undoes them now",
			p.Deadline.Local().Format("15:04:05"))
	}
	return fmt.Sprintf("every change of this apply rolls back by itself at %s unless confirmed: open a NEW ssh session to the router and run 'wgowrt confirm' (or 'wgowrt rollback' to undo it now)",
		p.Deadline.Local().Format("15:04:05"))
}

func printReport(rep *Report, opt Options) {
	if opt.JSON {
		b, _ := json.MarshalIndent(rep, "", "  ")
		fmt.Fprintf(opt.Stdout, "%s\n", b)
		return
	}
	for _, s := range rep.Steps {
		fmt.Fprintf(opt.Stdout, "# %s\n", s.Use)
		for _, c := range s.Changes {
			fmt.Fprintln(opt.Stdout, c)
		}
		for _, n := range s.Notes {
			fmt.Fprintf(opt.Stderr, "wgowrt: %s\n", n)
		}
	}
	for _, u := range rep.Unlisted {
		fmt.Fprintf(opt.Stderr, "wgowrt: %s\n", unlistedNote(rep.Node, u))
	}
	if !rep.Changed {
		fmt.Fprintln(opt.Stderr, "wgowrt: nothing to change")
	}
}

func exportCmd(args []string, opt Options) error {
	t, f, err := oneFile(opt, "topology export", args, "node", "format")
	if err != nil {
		return err
	}
	if f["format"] != "wg-quick" {
		return usagef("topology export: --format %q is not wg-quick (the only format)", f["format"])
	}
	if f["node"] == "" {
		return usagef("topology export needs --node NAME")
	}
	s, err := t.WgQuick(f["node"])
	if err != nil {
		return err
	}
	_, err = io.WriteString(opt.Stdout, s)
	return err
}

func nodeKeyCmd(o *ops.Ops, args []string, opt Options) error {
	f, pos, err := parse("node key", args, "iface")
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("node key takes no arguments (got %q)", pos[0])
	}
	iface := f["iface"]
	if iface == "" {
		iface = "wg0"
	}
	k, created, err := NodeKey(o, iface, !opt.DryRun)
	if err != nil {
		return err
	}
	if k.IsZero() {
		return fmt.Errorf("%s has no key yet: 'wgowrt node key' without --dry-run draws one", iface)
	}
	if opt.JSON {
		return json.NewEncoder(opt.Stdout).Encode(map[string]any{"iface": iface, "public_key": k.PublicKey().String(), "created": created})
	}
	fmt.Fprintln(opt.Stdout, k.PublicKey())
	return nil
}

// unlistedNote says that peer stays on node although the file no longer
// names it as a neighbour, and how to remove it.
func unlistedNote(node, peer string) string {
	return fmt.Sprintf("peer %s of %s is not its neighbour in the topology file: left as it is (remove it with 'wgowrt site remove %s' or 'wgowrt peer remove %s')", peer, node, peer, peer)
}
