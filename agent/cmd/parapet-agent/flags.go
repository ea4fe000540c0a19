package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

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
	configPath, serverURL, serverCA, stateDir, bridgeListen, user, tokenFile, logFile string
	debug                                                                             bool

	// resolvedConfig is the config file that load read, or "" for none.
	resolvedConfig string
}

func (o *overrides) register(fs *flag.FlagSet) {
	fs.StringVar(&o.configPath, "config", "", "YAML config `file` (default "+config.DefaultPath()+" when it exists; without a file only flags and defaults apply)")
	fs.StringVar(&o.serverURL, "server-url", "", "https `URL` of parapet-server (overrides server_url)")
	fs.StringVar(&o.serverCA, "server-ca-file", "", "PEM `file` of certificates to trust for the server (overrides server_ca_file)")
	fs.StringVar(&o.stateDir, "state-dir", "", "state `folder`, created with mode 0700 (overrides state_dir)")
	fs.StringVar(&o.bridgeListen, "bridge-listen", "", "loopback IP:PORT of the extension bridge (overrides bridge_listen, default "+config.DefaultBridgeListen+")")
	fs.StringVar(&o.user, "user", "", "`name` of the device's user (overrides user)")
	fs.StringVar(&o.tokenFile, "enroll-token-file", "", "`file` with the enrollment token (overrides enroll_token_file, default $"+config.EnrollTokenEnv+")")
	fs.StringVar(&o.logFile, "log-file", "", "absolute `path` of a file that receives a copy of the log (overrides log_file)")
	fs.BoolVar(&o.debug, "debug", false, "log at debug level")
}

// load reads the config file, if any, and applies the flags over it.
func (o *overrides) load() (config.Config, error) {
	cfg := config.Default()
	o.resolvedConfig = o.configPath
	if o.resolvedConfig == "" {
		if _, err := os.Stat(config.DefaultPath()); err == nil {
			o.resolvedConfig = config.DefaultPath()
		}
	}
	if o.resolvedConfig != "" {
		var err error
		if cfg, err = config.Load(o.resolvedConfig); err != nil {
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
	set(&cfg.LogFile, o.logFile)
	cfg.FillUser()
	return cfg, cfg.Validate()
}

// configPathForService returns the absolute path of the config file that
// load read, or "" when it read none.
func (o *overrides) configPathForService() string {
	if o.resolvedConfig == "" {
		return ""
	}
	if abs, err := filepath.Abs(o.resolvedConfig); err == nil {
		return abs
	}
	return o.resolvedConfig
}
