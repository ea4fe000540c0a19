// Command parapet-agent is Parapet's endpoint agent. It relays in-app
// actions from the browser extension to parapet-server and the verdicts
// back, and decides by itself while the server is unreachable.
package main

import (
	"fmt"
	"io"
	"os"

	"parapet/agent/version"
)

const usage = `Usage: parapet-agent COMMAND [flags]

Commands:
  run       run the agent in the foreground; also the body of the OS service
  version   print the agent's version

Run "parapet-agent COMMAND --help" for a command's flags.
`

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "run":
		return runCommand(args[1:], stderr)
	case "version":
		return versionCommand(args[1:], stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "parapet-agent: unknown command %q\n\n%s", args[0], usage)
	return 2
}

func versionCommand(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("version", "Print the agent's version.", stderr)
	if code, done := parse(fs, args); done {
		return code
	}
	fmt.Fprintf(stdout, "parapet-agent %s\n", version.Version)
	return 0
}
