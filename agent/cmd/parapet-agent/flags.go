package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"parapet/agent/config"
)

func newFlagSet(name, summary string, out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() {
		fmt.Fprintf(out, "Usage: parapet-agent %s [flags]\n\n%s\n\nFlags:\n", name, summary)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses args and returns done=true with an exit code when the
// command must stop: 0 after --help, 2 after a usage error.
func parse(fs *flag.FlagSet, args []string) (code int, done bool) {
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		return 0, true
	}
	if err != nil {
		return 2, true
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "unexpected argument %q\n", fs.Arg(0))
		return 2, true
	}
	return 0, false
}

// overrides are the run flags that replace config file fields.
type overrides struct {
	configPath, serverURL, serverCA, stateDir, bridgeListen, user, tokenFile string
	debug                                                                    bool
}

func (o *overrides) register(fs *flag.FlagSet) {
	fs.StringVar(&o.configPath, "config", "", "YAML config `file` (without it, only flags and defaults apply)")
	fs.StringVar(&o.serverURL, "server-url", "", "https `URL` of parapet-server (overrides server_url)")
	fs.StringVar(&o.serverCA, "server-ca-file", "", "PEM `file` of certificates to trust for the server (overrides server_ca_file)")
	fs.StringVar(&o.stateDir, "state-dir", "", "state `folder`, created with mode 0700 (overrides state_dir)")
	fs.StringVar(&o.bridgeListen, "bridge-listen", "", "loopback IP:PORT of the extension bridge (overrides bridge_listen, default "+config.DefaultBridgeListen+")")
	fs.StringVar(&o.user, "user", "", "`name` of the device's user (overrides user)")
	fs.StringVar(&o.tokenFile, "enroll-token-file", "", "`file` with the enrollment token (overrides enroll_token_file, default $"+config.EnrollTokenEnv+")")
	fs.BoolVar(&o.debug, "debug", false, "log at debug level")
}

// load reads the config file, if any, and applies the flags over it.
func (o *overrides) load() (config.Config, error) {
	cfg := config.Default()
	if o.configPath != "" {
		var err error
		if cfg, err = config.Load(o.configPath); err != nil {
			return cfg, err
		}
	}
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&cfg.ServerURL, o.serverURL)
	set(&cfg.ServerCAFile, o.serverCA)
	set(&cfg.StateDir, o.stateDir)
	set(&cfg.BridgeListen, o.bridgeListen)
	set(&cfg.User, o.user)
	set(&cfg.EnrollTokenFile, o.tokenFile)
	cfg.FillUser()
	return cfg, cfg.Validate()
}
