package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
)

// minTokenLength is the shortest admin or enrollment token accepted, in
// characters.
const minTokenLength = 16

// Environment variables that can carry the tokens.
const (
	envAdminToken  = "PARAPET_ADMIN_TOKEN"
	envEnrollToken = "PARAPET_ENROLL_TOKEN"
)

type config struct {
	listen      string
	dataDir     string
	policies    string
	apiPolicies bool
	tlsCert     string
	tlsKey      string
	logLevel    slog.Level
	adminToken  string
	enrollToken string
	// identity holds the sign-in, step-up and alert flags (identity.go).
	identity identityFlags
}

// parseConfig reads flags from args and tokens from getenv or files.
// Usage and help go to output, and --help returns flag.ErrHelp.
func parseConfig(args []string, getenv func(string) string, output io.Writer) (*config, error) {
	fs := flag.NewFlagSet("parapet-server", flag.ContinueOnError)
	fs.SetOutput(output)
	cfg := &config{}
	var logLevel, adminFile, enrollFile string
	fs.StringVar(&cfg.listen, "listen", "127.0.0.1:8443", "TCP address (host:port) of the HTTPS listener")
	fs.StringVar(&cfg.dataDir, "data-dir", "", "folder for parapet.db and the generated TLS certificate; created with mode 0700 if missing (required)")
	fs.StringVar(&cfg.policies, "policies", "", "YAML policy file, or a folder whose *.yaml and *.yml files are merged; changes reload automatically and on SIGHUP (required unless --api-policies)")
	fs.BoolVar(&cfg.apiPolicies, "api-policies", false, "manage policies through PUT /api/v1/policy and keep them in the database, instead of --policies")
	fs.StringVar(&cfg.tlsCert, "tls-cert", "", "PEM certificate file; without it a self-signed certificate for 127.0.0.1, ::1 and localhost is created in the data folder")
	fs.StringVar(&cfg.tlsKey, "tls-key", "", "PEM private key file for --tls-cert")
	fs.StringVar(&logLevel, "log-level", "info", "minimum log level: debug, info, warn or error")
	fs.StringVar(&adminFile, "admin-token-file", "", "file containing the bootstrap admin API token (at least 16 characters); otherwise "+envAdminToken+" is used, and without either only accounts and API tokens can use the admin API")
	fs.StringVar(&enrollFile, "enroll-token-file", "", "file containing the device enrollment token (at least 16 characters); otherwise "+envEnrollToken+" is used")
	cfg.identity.register(fs)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: parapet-server --data-dir DIR (--policies FILE | --api-policies) [flags]\n"+
			"       parapet-server admin create --data-dir DIR --email EMAIL [--role admin|analyst]\n"+
			"       parapet-server user create --data-dir DIR --email EMAIL [--group G]... [--enroll-totp]\n\n"+
			"Decides actions for Parapet agents and logs them. Tokens come from\n"+
			"%s and %s, or from the --*-token-file flags.\n"+
			"\"admin create\" adds an admin console account; run it with --help for details.\n\nFlags:\n", envAdminToken, envEnrollToken)
		fs.PrintDefaults()
	}

	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q; all options are flags", fs.Arg(0))
	}
	if err := cfg.logLevel.UnmarshalText([]byte(logLevel)); err != nil {
		return nil, fmt.Errorf("--log-level: invalid level %q; use debug, info, warn or error", logLevel)
	}
	if err := cfg.checkPaths(); err != nil {
		return nil, err
	}
	if err := cfg.identity.check(cfg.listen); err != nil {
		return nil, err
	}
	var err error
	if getenv(envAdminToken) != "" || adminFile != "" {
		if cfg.adminToken, err = readToken(envAdminToken, getenv(envAdminToken), "--admin-token-file", adminFile); err != nil {
			return nil, err
		}
	}
	if cfg.enrollToken, err = readToken(envEnrollToken, getenv(envEnrollToken), "--enroll-token-file", enrollFile); err != nil {
		return nil, err
	}
	if cfg.adminToken == cfg.enrollToken {
		return nil, errors.New("the admin token and the enrollment token are equal; choose different tokens, because every device stores the enrollment token")
	}
	return cfg, nil
}

func (c *config) checkPaths() error {
	switch {
	case c.dataDir == "":
		return errors.New("--data-dir: missing; name the folder for the database and certificate")
	case c.policies == "" && !c.apiPolicies:
		return errors.New("--policies: missing; name the YAML policy file, or pass --api-policies to manage policies through the admin API")
	case c.policies != "" && c.apiPolicies:
		return errors.New("--policies and --api-policies exclude each other; choose where the policies come from")
	case (c.tlsCert == "") != (c.tlsKey == ""):
		return errors.New("--tls-cert and --tls-key must be given together")
	}
	return nil
}

// readToken returns the token from file, or from the environment variable
// when no file is given. Surrounding whitespace, such as a trailing
// newline in the file, is removed.
func readToken(envName, envValue, flagName, file string) (string, error) {
	source := envName
	token := envValue
	if file != "" {
		if envValue != "" {
			return "", fmt.Errorf("both %s and %s are set; use one", envName, flagName)
		}
		data, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("%s: reading token: %w", flagName, err)
		}
		source = flagName
		token = string(data)
	}
	token = strings.TrimSpace(token)
	if token == "" {
		return "", fmt.Errorf("missing token: set %s or %s", envName, flagName)
	}
	if len(token) < minTokenLength {
		return "", fmt.Errorf("%s: token is %d characters, need at least %d", source, len(token), minTokenLength)
	}
	return token, nil
}
