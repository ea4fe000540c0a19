// Command parapet-server decides the actions that Parapet agents relay
// from protected web apps and keeps the activity log.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"parapet/server/api"
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
	if err := os.MkdirAll(cfg.dataDir, 0o700); err != nil {
		return fmt.Errorf("creating data folder: %w", err)
	}
	set, err := policy.Load(cfg.policies)
	if err != nil {
		return fmt.Errorf("loading policies: %w", err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	dbPath := filepath.Join(cfg.dataDir, "parapet.db")
	st, err := store.OpenSQLite(ctx, dbPath)
	if err != nil {
		return fmt.Errorf("opening store: %w", err)
	}
	defer st.Close()

	revision, err := st.PolicyRevision(ctx, set.Digest, time.Now())
	if err != nil {
		return fmt.Errorf("recording policy revision: %w", err)
	}
	log.Info("loaded policies", "file", cfg.policies, "revision", revision,
		"apps", len(set.Apps), "policies", len(set.Policies))

	certPath, keyPath, err := certificate(cfg, log)
	if err != nil {
		return err
	}
	cert, err := tls.LoadX509KeyPair(certPath, keyPath)
	if err != nil {
		return fmt.Errorf("loading TLS certificate: %w", err)
	}

	h := hub.New(st, base, "parapet-server "+version, hub.Policies{Set: set, Revision: revision})
	handler := api.New(api.Config{Store: st, Hub: h, Log: base,
		EnrollToken: api.NewSecret(cfg.enrollToken), AdminToken: api.NewSecret(cfg.adminToken)})

	reloads := make(chan os.Signal, 1)
	signal.Notify(reloads, syscall.SIGHUP)
	defer signal.Stop(reloads)
	go reloadOnSignal(ctx, reloads, cfg.policies, st, h, log)

	return listen(ctx, cfg.listen, handler, cert, certPath, h, log)
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
