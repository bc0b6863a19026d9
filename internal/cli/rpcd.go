package cli

import (
	"github.com/wgowrt/wgowrt/internal/rpcd"
)

// RPCD returns the rpcd methods (the ubus object wgowrt used by LuCI)
// for the router under root. The bridge is a front-end of its own
// (internal/bridge); main plugs it in here so that the one binary answers
// rpcd as `list` and `call`, the way rpcd runs exec plugins
// (/usr/libexec/rpcd/wgowrt is a symlink to the binary), without the
// command line importing it.
var RPCD func(root string) []rpcd.Method

func rpcdMethods(env *Env) []rpcd.Method {
	if RPCD == nil {
		return nil
	}
	return RPCD(env.Root)
}

func rpcdCommand(env *Env) *Command {
	return &Command{
		Name:  "rpcd",
		Usage: "answer as rpcd's exec plugin (the ubus object wgowrt used by LuCI)",
		Subcommands: []*Command{
			rpcdListCommand(env, false),
			rpcdCallCommand(env, false),
		},
	}
}

// rpcdListCommand is `list`: the methods and their argument types.
func rpcdListCommand(env *Env, hidden bool) *Command {
	return &Command{
		Name:   "list",
		Usage:  "print the methods as rpcd reads them at start",
		Hidden: hidden,
		Action: func(c *Context) error {
			return rpcd.List(env.Stdout, rpcdMethods(env))
		},
	}
}

// rpcdCallCommand is `call METHOD`: arguments on stdin, one JSON object
// on stdout, failures included.
func rpcdCallCommand(env *Env, hidden bool) *Command {
	return &Command{
		Name:      "call",
		Usage:     "run METHOD with the JSON arguments on stdin and print one JSON object",
		ArgsUsage: "METHOD",
		Hidden:    hidden,
		// rpcd runs `call METHOD`: what follows METHOD is not ours
		FlagsFirst: true,
		Action: func(c *Context) error {
			return rpcd.Call(env.Stdout, env.Stdin, rpcdMethods(env), c.Args().First())
		},
	}
}
