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
  run        run the agent in the foreground; also the body of the OS service
  install    install the OS service and start it, or upgrade an installed one
  uninstall  stop and remove the OS service
  start      start the OS service
  stop       stop the OS service
  restart    restart the OS service
  status     print whether the OS service is running
  rotate-credential
             replace the device credential with a new one from the server
  version    print the agent's version

Run "parapet-agent COMMAND --help" for a command's flags.
`

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	return runWith(args, stdout, stderr, osController)
}

// runWith runs the command in args. newSvc connects the service commands
// to the OS service manager.
func runWith(args []string, stdout, stderr io.Writer, newSvc newController) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "run":
		return runCommand(args[1:], stderr)
	case "version":
		return versionCommand(args[1:], stdout, stderr)
	case "rotate-credential":
		return rotateCommand(args[1:], stdout, stderr)
	case "install", "uninstall", "start", "stop", "restart", "status":
		return controlCommand(args[0], args[1:], stdout, stderr, newSvc)
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
