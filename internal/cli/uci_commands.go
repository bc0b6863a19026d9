package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/wgowrt/wgowrt/uci"
)

// uciCommands is the command table, as in uci.c: each command word to
// the function that runs it with its arguments (the word included).
// Package commands take an optional config and run on every config
// without one; tuple commands take one config.section[.option] tuple.
var uciCommands map[string]func(r *uciRun, args []string) int

// The table is filled in init: batch runs commands from the table.
func init() {
	uciCommands = map[string]func(r *uciRun, args []string) int{
		"batch":    (*uciRun).batch,
		"show":     packageCmd(uciShow),
		"changes":  packageCmd(uciChanges),
		"export":   packageCmd(uciExport),
		"commit":   packageCmd(uciCommit),
		"add":      (*uciRun).add,
		"get":      tupleCmd(uciGet),
		"revert":   tupleCmd(uciRevert),
		"set":      tupleCmd(uciSet),
		"add_list": tupleCmd(uciAddList),
		"del_list": tupleCmd(uciDelList),
		"delete":   tupleCmd(uciDelete),
		"del":      tupleCmd(uciDelete),
		"rename":   tupleCmd(uciRename),
		"ren":      tupleCmd(uciRename),
		"reorder":  tupleCmd(uciReorder),
		"help":     (*uciRun).help,
	}
}

func (r *uciRun) cmd(args []string) int {
	run, ok := uciCommands[strings.ToLower(args[0])]
	if ok && !(r.inBatch && strings.EqualFold(args[0], "batch")) {
		return run(r, args)
	}
	if !r.inBatch {
		fmt.Fprintf(r.stderr, "wgowrt uci: unknown command %q\n%s", args[0], uciUsage)
	}
	return ExitUsage
}

func (r *uciRun) help([]string) int {
	fmt.Fprint(r.stderr, uciUsage)
	return 0
}

func (r *uciRun) usage() int {
	fmt.Fprint(r.stderr, uciUsage)
	return ExitUsage
}

func (r *uciRun) batch([]string) int {
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

// tuple is a resolved config.section[.option] argument.
type tuple struct {
	p        *uci.Package
	ptr      uci.Ptr
	s        *uci.Section
	o        *uci.Option
	complete bool
}

// lookup parses a tuple, loads its package and resolves it like
// uci_lookup_ptr with extended syntax.
func (r *uciRun) lookup(arg string) (tuple, error) {
	ptr, err := uci.ParsePtr(arg)
	if err != nil {
		return tuple{ptr: ptr}, &uci.Error{Code: uci.ErrParse}
	}
	t := tuple{ptr: ptr}
	if t.p, err = r.ctx.Load(ptr.Package); err != nil {
		return t, err
	}
	if ptr.Section == "" && !ptr.Extended {
		t.complete = true
		return t, nil
	}
	if t.s, err = t.p.Lookup(ptr.Section); err != nil {
		if uci.CodeOf(err) == uci.ErrNotFound {
			return tuple{p: t.p, ptr: ptr}, nil
		}
		return tuple{ptr: ptr}, err
	}
	if ptr.Option == "" {
		t.complete = true
		return t, nil
	}
	t.o = t.s.Option(ptr.Option)
	t.complete = t.o != nil
	return t, nil
}

// packageCmd runs one on the config named, or on every config.
func packageCmd(one func(r *uciRun, t tuple) int) func(r *uciRun, args []string) int {
	return func(r *uciRun, args []string) int {
		if len(args) > 2 {
			return r.usage()
		}
		names := args[1:]
		if len(args) == 1 {
			var err error
			if names, err = r.ctx.Configs(); err != nil {
				r.perror(err)
				return 1
			}
		}
		code := 0
		for _, n := range names {
			t, err := r.lookup(n)
			if err != nil {
				r.perror(err)
				code = 1
				continue
			}
			code = max(code, one(r, t))
		}
		if len(args) == 1 {
			return 0
		}
		return code
	}
}

// tupleCmd runs one on the tuple given.
func tupleCmd(one func(r *uciRun, t tuple) int) func(r *uciRun, args []string) int {
	return func(r *uciRun, args []string) int {
		if len(args) != 2 {
			return r.usage()
		}
		t, err := r.lookup(args[1])
		if err != nil {
			r.perror(err)
			return 1
		}
		return one(r, t)
	}
}

// save stages p's edit (err is the edit's own failure).
func (r *uciRun) save(p *uci.Package, err error) int {
	if err == nil {
		err = r.ctx.Save(p)
	}
	if err != nil {
		r.perror(err)
		return 1
	}
	return 0
}

func (r *uciRun) notFound() int {
	r.perror(&uci.Error{Code: uci.ErrNotFound})
	return 1
}

func uciChanges(r *uciRun, t tuple) int {
	for _, d := range t.p.Changes() {
		fmt.Fprint(r.stdout, d.ChangeLine(t.p.Name))
	}
	return 0
}

func uciCommit(r *uciRun, t tuple) int {
	if r.noCommit {
		return 0
	}
	if _, err := r.ctx.Commit(t.p); err != nil {
		r.perror(err)
		return 1
	}
	return 0
}

func uciExport(r *uciRun, t tuple) int {
	r.stdout.Write(t.p.Export(true))
	return 0
}

func uciShow(r *uciRun, t tuple) int {
	switch {
	case !t.complete:
		return r.notFound()
	case t.o != nil:
		r.stdout.Write(t.p.ShowOption(t.s, t.o, r.show))
	case t.s != nil:
		r.stdout.Write(t.p.ShowSection(t.s, uci.ShowOptions{NoExtended: true, Delimiter: r.show.Delimiter}))
	default:
		r.stdout.Write(t.p.Show(r.show))
	}
	return 0
}

func (r *uciRun) add(args []string) int {
	if len(args) != 3 {
		return r.usage()
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

func uciGet(r *uciRun, t tuple) int {
	switch {
	case t.ptr.HasValue:
		return 1
	case !t.complete:
		return r.notFound()
	case t.o != nil:
		r.stdout.Write(uci.GetValue(t.o, r.show.Delimiter))
	case t.s != nil:
		fmt.Fprintln(r.stdout, t.s.Type)
	}
	return 0
}

func uciRevert(r *uciRun, t tuple) int {
	if t.ptr.HasValue {
		return 1
	}
	if _, err := r.ctx.Revert(t.p, t.ptr); err != nil {
		r.perror(err)
		return 1
	}
	return 0
}

func uciSet(r *uciRun, t tuple) int {
	_, err := t.p.Set(t.ptr)
	return r.save(t.p, err)
}

func uciAddList(r *uciRun, t tuple) int { return r.save(t.p, t.p.AddList(t.ptr)) }

func uciDelList(r *uciRun, t tuple) int { return r.save(t.p, t.p.DelList(t.ptr)) }

func uciRename(r *uciRun, t tuple) int { return r.save(t.p, t.p.Rename(t.ptr)) }

func uciReorder(r *uciRun, t tuple) int {
	if t.s == nil || !t.ptr.HasValue {
		return r.notFound()
	}
	t.p.Reorder(t.s, reorderPos(t.ptr.Value))
	return r.save(t.p, nil)
}

func uciDelete(r *uciRun, t tuple) int {
	if t.ptr.HasValue && !startsWithInt(t.ptr.Value) {
		return 1
	}
	return r.save(t.p, t.p.Delete(t.ptr))
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
