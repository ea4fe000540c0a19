// Command parapet is the admin CLI of parapet-server: it logs in, lists
// activities, devices and the audit log, revokes devices and validates,
// applies, diffs and previews policies.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// defaultServer is the server URL when neither --server, PARAPET_SERVER
// nor a stored login names one.
const defaultServer = "https://127.0.0.1:8443"

// errUsage marks an error in the command line; it exits with status 2.
var errUsage = errors.New("usage error")

func main() {
	c := &cli{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}
	os.Exit(c.run(os.Args[1:]))
}

// cli is one invocation, with its streams and environment, so tests can run
// commands in-process.
type cli struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	globals        globals
}

// globals are the flags that every command accepts.
type globals struct {
	server string
	caFile string
	token  string
}

func addGlobals(fs *flag.FlagSet, g *globals) {
	fs.StringVar(&g.server, "server", g.server, "server URL (default "+defaultServer+", or PARAPET_SERVER, or the server of the last login)")
	fs.StringVar(&g.caFile, "ca-file", g.caFile, "PEM file of the CA that signed the server's certificate, such as DATA_DIR/tls.crt of a self-signed server")
	fs.StringVar(&g.token, "token", g.token, "API or session token (default PARAPET_TOKEN, or the token of the last login)")
}

type command struct {
	usage   string
	summary string
	run     func(c *cli, args []string) error
}

var commands = map[string]command{
	"login":                {"login --email EMAIL", "log in and store a session token", (*cli).login},
	"logout":               {"logout", "forget the stored token", (*cli).logout},
	"activities list":      {"activities list [filters] [--csv] [--all]", "list the activity log", (*cli).activitiesList},
	"devices list":         {"devices list", "list enrolled devices", (*cli).devicesList},
	"devices show":         {"devices show ID", "show one device with its last posture", (*cli).devicesShow},
	"devices revoke":       {"devices revoke ID", "revoke a device's credential and disconnect it", (*cli).devicesRevoke},
	"file show":            {"file show FILE", "print a file's sensitivity label and protection", (*cli).fileShow},
	"file open":            {"file open FILE [--out PATH]", "decrypt a .parapet file for this device's user", (*cli).fileOpen},
	"audit list":           {"audit list [filters]", "list the audit log of admin changes", (*cli).auditList},
	"enroll-tokens create": {"enroll-tokens create --name NAME [flags]", "create a device enrollment token and print it once", (*cli).enrollTokensCreate},
	"enroll-tokens list":   {"enroll-tokens list", "list enrollment tokens with their uses left", (*cli).enrollTokensList},
	"enroll-tokens revoke": {"enroll-tokens revoke ID", "revoke an enrollment token", (*cli).enrollTokensRevoke},
	"policy validate":      {"policy validate FILE|DIR", "validate policies locally", (*cli).policyValidate},
	"policy export":        {"policy export [--format yaml|json]", "print the server's current policies", (*cli).policyExport},
	"policy apply":         {"policy apply FILE|DIR", "replace the server's policies and print the diff", (*cli).policyApply},
	"policy diff":          {"policy diff FILE|DIR", "compare the server's policies with local ones", (*cli).policyDiff},
	"policy test":          {"policy test CASES", "run policy test cases locally", (*cli).policyTest},
	"policy preview":       {"policy preview FILE|DIR", "replay logged activities against draft policies", (*cli).policyPreview},
}

func (c *cli) run(args []string) int {
	top := flag.NewFlagSet("parapet", flag.ContinueOnError)
	top.SetOutput(c.stderr)
	addGlobals(top, &c.globals)
	top.Usage = c.usage
	if err := top.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	rest := top.Args()
	if len(rest) == 0 {
		c.usage()
		return 2
	}

	name, cmd, args, ok := findCommand(rest)
	if !ok {
		fmt.Fprintf(c.stderr, "parapet: unknown command %q\n\n", strings.Join(rest, " "))
		c.usage()
		return 2
	}

	err := cmd.run(c, args)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprintf(c.stderr, "parapet %s: %v\n", name, err)
		return 2
	default:
		fmt.Fprintf(c.stderr, "parapet %s: %v\n", name, err)
		return 1
	}
}

// findCommand matches a two-word command such as "devices list" before a
// one-word one such as "login".
func findCommand(args []string) (string, command, []string, bool) {
	if len(args) >= 2 {
		if cmd, ok := commands[args[0]+" "+args[1]]; ok {
			return args[0] + " " + args[1], cmd, args[2:], true
		}
	}
	cmd, ok := commands[args[0]]
	return args[0], cmd, args[1:], ok
}

func (c *cli) usage() {
	fmt.Fprintf(c.stderr, "Usage: parapet [--server URL] [--ca-file FILE] [--token TOKEN] COMMAND [flags]\n\n"+
		"Administers a parapet-server. Run \"parapet COMMAND --help\" for a command's flags.\n\nCommands:\n")
	names := make([]string, 0, len(commands))
	for name := range commands {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Fprintf(c.stderr, "  %-42s %s\n", commands[name].usage, commands[name].summary)
	}
}

// flags returns a flag set for command name with the global flags added.
func (c *cli) flags(name, args string, description string) *flag.FlagSet {
	fs := flag.NewFlagSet("parapet "+name, flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	addGlobals(fs, &c.globals)
	fs.Usage = func() {
		fmt.Fprintf(c.stderr, "Usage: parapet %s %s\n\n%s\n\nFlags:\n", name, args, description)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses args, with flags allowed before and after the positional
// arguments, and checks the number of positional arguments. A lone "--"
// ends the flags.
func parse(fs *flag.FlagSet, args []string, positional int) error {
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return err
			}
			return fmt.Errorf("%w: %v", errUsage, err)
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		if args[0] == "--" {
			rest = append(rest, args[1:]...)
			break
		}
		rest = append(rest, args[0])
		args = args[1:]
	}
	if len(rest) != positional {
		return fmt.Errorf("%w: got %d arguments, want %d; see --help", errUsage, len(rest), positional)
	}
	// Reparse the positional arguments alone, so fs.Arg returns them.
	return fs.Parse(append([]string{"--"}, rest...))
}
