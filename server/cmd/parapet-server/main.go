// Command parapet-server decides the actions that Parapet agents relay
// from protected web apps and keeps the activity log.
package main

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"parapet/server/api"
	"parapet/server/api/policyview"
	"parapet/server/auth"
	"parapet/server/bundle"
	"parapet/server/filekeys"
	"parapet/server/hub"
	"parapet/server/policy"
	"parapet/server/store"
	"parapet/server/tlscert"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// shutdownTimeout bounds how long open HTTP requests may take to finish.
const shutdownTimeout = 10 * time.Second

func main() { os.Exit(run()) }

func run() int {
	if len(os.Args) > 1 && os.Args[1] == "admin" {
		return runAdmin(os.Args[2:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	}
	if len(os.Args) > 1 && os.Args[1] == "user" {
		return runUser(os.Args[2:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	}
	cfg, err := parseConfig(os.Args[1:], os.Getenv, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "parapet-server:", err)
		return 2
	}
	base := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.logLevel}))
	if err := serve(cfg, base); err != nil {
		base.Error("server stopped", "component", "main", "error", err)
		return 1
	}
	return 0
}

// serve runs the server until SIGINT or SIGTERM. base is the logger
// without a component attribute, which each package adds.
func serve(cfg *config, base *slog.Logger) error {
	log := base.With("component", "main")
	// Everything the server writes (database, keys, certificates) is for
	// its own user only, whatever umask it was started with.
	restrictUmask()
	if err := os.MkdirAll(cfg.dataDir, 0o700); err != nil {
		return fmt.Errorf("creating data folder: %w", err)
	}
	if err := checkDataDir(cfg.dataDir); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	dbPath := filepath.Join(cfg.dataDir, "parapet.db")
	st, err := store.OpenSQLite(ctx, dbPath)
	if err != nil {
		return fmt.Errorf("opening store: %w", err)
	}
	defer st.Close()

	set, revision, err := initialPolicies(ctx, cfg, st)
	if err != nil {
		return err
	}
	log.Info("loaded policies", "path", cfg.policies, "files", len(set.Files), "revision", revision,
		"apps", len(set.Apps), "policies", len(set.Policies))
	if cfg.adminToken == "" {
		log.Info("bootstrap admin token not set; the admin API accepts accounts and API tokens only")
	}

	certPath, keyPath, err := certificate(cfg, log)
	if err != nil {
		return err
	}
	cert, err := tls.LoadX509KeyPair(certPath, keyPath)
	if err != nil {
		return fmt.Errorf("loading TLS certificate: %w", err)
	}

	keys, err := filekeys.Open(cfg.dataDir)
	if err != nil {
		return fmt.Errorf("opening file keys: %w", err)
	}
	bundleKey, err := signingKey(cfg.dataDir, log)
	if err != nil {
		return err
	}
	h := hub.New(st, base, "parapet-server "+version, hub.Policies{Set: set, Revision: revision})
	h.SetFileKeys(keys)
	mux := http.NewServeMux()
	ids, err := setUpIdentity(ctx, cfg.identity, st, h, mux, base)
	if err != nil {
		return fmt.Errorf("setting up identity: %w", err)
	}
	ids.run(ctx, log)
	mux.Handle("/", api.New(api.Config{Store: st, Hub: h, Log: base, FileKeys: keys,
		EnrollToken: api.NewSecret(cfg.enrollToken), AdminToken: adminSecret(cfg.adminToken), PolicyPath: cfg.policies,
		BundleKey: bundleKey, Identity: ids.apiIdentity(st)}))
	var handler http.Handler = mux

	if cfg.policies != "" {
		reloads := make(chan os.Signal, 1)
		signal.Notify(reloads, syscall.SIGHUP)
		defer signal.Stop(reloads)
		go reloadOnSignal(ctx, reloads, cfg.policies, st, h, log)
		reload := func() { reloadPolicies(ctx, cfg.policies, st, h, log) }
		if err := watchPolicies(ctx, cfg.policies, reload, log); err != nil {
			log.Warn("policy changes need SIGHUP to take effect", "error", err)
		}
	}

	return listen(ctx, cfg.listen, handler, cert, certPath, h, log)
}

// initialPolicies loads the --policies file, or with --api-policies the
// newest bundle applied through the API, which is an empty set before the
// first apply.
func initialPolicies(ctx context.Context, cfg *config, st store.Store) (*policy.Set, int64, error) {
	if cfg.policies != "" {
		set, err := policy.Load(cfg.policies)
		if err != nil {
			return nil, 0, fmt.Errorf("loading policies: %w", err)
		}
		revision, err := st.PolicyRevision(ctx, set.Digest, time.Now())
		if err != nil {
			return nil, 0, fmt.Errorf("recording policy revision: %w", err)
		}
		return set, revision, nil
	}
	bundle, err := st.LatestPolicyBundle(ctx)
	if errors.Is(err, store.ErrNotFound) {
		set := policyview.Empty()
		revision, err := st.PolicyRevision(ctx, set.Digest, time.Now())
		if err != nil {
			return nil, 0, fmt.Errorf("recording policy revision: %w", err)
		}
		return set, revision, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("loading stored policies: %w", err)
	}
	set, err := policyview.Parse("stored bundle", []byte(bundle.Source))
	if err != nil {
		return nil, 0, fmt.Errorf("parsing stored policy revision %d: %w", bundle.Revision, err)
	}
	return set, bundle.Revision, nil
}

// adminSecret hashes the bootstrap admin token; without one the zero
// Secret disables it.
func adminSecret(token string) api.Secret {
	if token == "" {
		return api.Secret{}
	}
	return api.NewSecret(token)
}

// signingKey returns the key that signs policy bundles, creating it in the
// data folder on first start. Agents pin its public key, so the file must
// be kept with the database in backups.
func signingKey(dataDir string, log *slog.Logger) (ed25519.PrivateKey, error) {
	path := filepath.Join(dataDir, bundle.KeyFileName)
	key, created, err := bundle.LoadOrCreateKey(path)
	if err != nil {
		return nil, fmt.Errorf("preparing policy bundle signing key: %w", err)
	}
	keyID := bundle.KeyID(key.Public().(ed25519.PublicKey))
	if created {
		log.Info("created policy bundle signing key", "path", path, "key_id", keyID)
	} else {
		log.Info("loaded policy bundle signing key", "path", path, "key_id", keyID)
	}
	return key, nil
}

// certificate returns the configured certificate or the data folder's
// self-signed one, creating it on first start.
func certificate(cfg *config, log *slog.Logger) (certPath, keyPath string, err error) {
	if cfg.tlsCert != "" {
		return cfg.tlsCert, cfg.tlsKey, nil
	}
	certPath, keyPath, created, err := tlscert.EnsureSelfSigned(cfg.dataDir)
	if err != nil {
		return "", "", fmt.Errorf("preparing self-signed certificate: %w", err)
	}
	if created {
		log.Info("created self-signed certificate", "cert", certPath)
	}
	return certPath, keyPath, nil
}

func listen(ctx context.Context, addr string, handler http.Handler, cert tls.Certificate, certPath string, h *hub.Hub, log *slog.Logger) error {
	listener, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", addr, err)
	}
	srv := &http.Server{
		Handler:           handler,
		TLSConfig:         &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}},
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.With("component", "http").Handler(), slog.LevelInfo),
	}
	errs := make(chan error, 1)
	go func() { errs <- srv.ServeTLS(listener, "", "") }()
	log.Info("listening", "address", listener.Addr().String(), "cert", certPath)

	select {
	case err := <-errs:
		return fmt.Errorf("serving HTTPS: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	h.Close()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutting down HTTPS server: %w", err)
	}
	log.Info("stopped")
	return nil
}

// envAdminPassword can carry the password of `admin create`; otherwise the
// first line of standard input is read.
const envAdminPassword = "PARAPET_ADMIN_PASSWORD"

// runAdmin runs `parapet-server admin create`, which adds an account to
// the database, typically the first admin before the server has any.
func runAdmin(args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 || args[0] != "create" {
		fmt.Fprintln(stderr, "Usage: parapet-server admin create --data-dir DIR --email EMAIL [--role admin|analyst]")
		return 2
	}
	fs := flag.NewFlagSet("parapet-server admin create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data-dir", "", "folder of parapet.db, as given to the server (required)")
	email := fs.String("email", "", "email address the account logs in with (required)")
	role := fs.String("role", "admin", "role of the account: admin (everything) or analyst (read-only)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: parapet-server admin create --data-dir DIR --email EMAIL [--role admin|analyst]\n\n"+
			"Creates an admin console account. The password is read from %s or,\n"+
			"when it is not set, from the first line of standard input; it is never a flag.\n\nFlags:\n", envAdminPassword)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *dataDir == "" || *email == "" {
		fmt.Fprintln(stderr, "parapet-server admin create: --data-dir and --email are required")
		return 2
	}

	password, err := readPassword(stdin, getenv)
	if err != nil {
		fmt.Fprintln(stderr, "parapet-server admin create:", err)
		return 2
	}
	if err := os.MkdirAll(*dataDir, 0o700); err != nil {
		fmt.Fprintln(stderr, "parapet-server admin create: creating data folder:", err)
		return 1
	}

	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, filepath.Join(*dataDir, "parapet.db"))
	if err != nil {
		fmt.Fprintln(stderr, "parapet-server admin create:", err)
		return 1
	}
	defer st.Close()
	account, err := api.CreateAccount(ctx, st, "cli:parapet-server", *email, *role, password, auth.DefaultParams)
	if err != nil {
		fmt.Fprintln(stderr, "parapet-server admin create:", err)
		return 1
	}
	fmt.Fprintf(stdout, "created %s account %s (%s)\n", account.Role, account.Email, account.ID)
	return 0
}

func readPassword(stdin io.Reader, getenv func(string) string) (string, error) {
	if p := getenv(envAdminPassword); p != "" {
		return p, nil
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("reading password from standard input: %w", err)
	}
	password := strings.TrimRight(line, "\r\n")
	if password == "" {
		return "", fmt.Errorf("missing password: set %s or write it to standard input", envAdminPassword)
	}
	return password, nil
}
