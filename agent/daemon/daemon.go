// Package daemon wires the agent's parts together: the extension bridge,
// the server uplink and the posture loop, run as one group.
package daemon

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"

	"parapet/agent/bridge"
	"parapet/agent/config"
	"parapet/agent/credential"
	"parapet/agent/policy"
	"parapet/agent/posture"
	"parapet/agent/queue"
	"parapet/agent/uplink"
)

// Daemon is a configured agent, ready to Run. Its logger carries no
// component attribute, because each part adds its own.
type Daemon struct {
	cfg     config.Config
	log     *slog.Logger
	ln      net.Listener
	cache   *policy.Cache
	queue   *queue.Queue
	store   *credential.Manager
	posture *posture.Collector
	tls     *tls.Config
	bridge  *bridge.Server
	uplink  *uplink.Client
	files   *fileActors
	offline *offlineParts
}

// New validates cfg, prepares the state folder and the bridge listener,
// and builds every part. It fails early on problems a restart cannot fix:
// an invalid config, a busy bridge port, or no credential and no
// enrollment token.
func New(cfg config.Config, log *slog.Logger) (*Daemon, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("checking config: %w", err)
	}
	if err := prepareStateDir(cfg.StateDir); err != nil {
		return nil, err
	}
	tlsConfig, err := clientTLS(cfg.ServerCAFile)
	if err != nil {
		return nil, err
	}
	d := &Daemon{cfg: cfg, log: log, tls: tlsConfig}
	if err := d.openState(); err != nil {
		return nil, err
	}
	if err := d.checkEnrollable(); err != nil {
		return nil, err
	}
	if err := d.openOffline(); err != nil {
		return nil, err
	}
	if err := d.openFiles(); err != nil {
		return nil, err
	}
	d.ln, err = net.Listen("tcp", cfg.BridgeListen)
	if err != nil {
		return nil, fmt.Errorf("listening on bridge_listen %s: %w", cfg.BridgeListen, err)
	}
	d.build()
	return d, nil
}

func prepareStateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("creating state_dir: %w", err)
	}
	// MkdirAll leaves an existing folder's mode alone. The state folder
	// contains the credential fallback, so its mode is set here.
	if err := os.Chmod(dir, 0o700); err != nil {
		return fmt.Errorf("setting mode of state_dir: %w", err)
	}
	return nil
}

func clientTLS(caFile string) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile == "" {
		return cfg, nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("reading server_ca_file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("reading server_ca_file %s: no PEM certificate found", caFile)
	}
	cfg.RootCAs = pool
	return cfg, nil
}

func (d *Daemon) openState() error {
	var err error
	d.cache, err = policy.Open(filepath.Join(d.cfg.StateDir, "policy.json"))
	if err != nil {
		d.log.Warn("policy cache unreadable, starting without cached policy", "component", "policy", "error", err)
	}
	d.queue, err = queue.Open(filepath.Join(d.cfg.StateDir, "queue"), queue.DefaultLimits, d.log.With("component", "queue"))
	if err != nil {
		return err
	}
	d.store, err = credential.NewManager(d.cfg.CredentialStore,
		credential.Keyring{Account: d.cfg.ServerURL},
		credential.File{Path: filepath.Join(d.cfg.StateDir, "credential")},
		d.log.With("component", "credential"))
	return err
}

// checkEnrollable fails when no credential is stored and no enrollment
// token is configured, because the agent could never connect.
func (d *Daemon) checkEnrollable() error {
	_, err := d.store.Load()
	if err == nil {
		return nil
	}
	if !errors.Is(err, credential.ErrNotFound) {
		return err
	}
	token, err := d.cfg.EnrollToken()
	if err != nil {
		return err
	}
	if token == "" {
		return fmt.Errorf("device is not enrolled: set enroll_token_file or %s", config.EnrollTokenEnv)
	}
	return nil
}
