package daemon

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"time"

	"parapet/agent/config"
	"parapet/agent/credential"
)

// RotateCredential asks the server for a new credential for this device
// and stores it in place of the current one, which the server accepts
// until the new one is first used. It returns the device id. A running
// agent keeps its current credential until it restarts.
func RotateCredential(ctx context.Context, cfg config.Config, log *slog.Logger) (string, error) {
	store, err := credential.NewManager(cfg.CredentialStore,
		credential.Keyring{Account: cfg.ServerURL},
		credential.File{Path: filepath.Join(cfg.StateDir, "credential")},
		log.With("component", "credential"))
	if err != nil {
		return "", err
	}
	tlsConfig, err := clientTLS(cfg.ServerCAFile)
	if err != nil {
		return "", err
	}
	rotator := &credential.HTTPRotator{
		Client:    &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: tlsConfig}},
		ServerURL: cfg.ServerURL,
	}
	enrolled, err := store.Rotate(ctx, rotator)
	if err != nil {
		return "", fmt.Errorf("rotating the device credential: %w", err)
	}
	return enrolled.DeviceID, nil
}
