package daemon

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"parapet/agent/config"
	"parapet/agent/credential"
	"parapet/protocol"
)

func TestRotateCredentialStoresNewOne(t *testing.T) {
	const old = "dev-7.old-secret"
	const fresh = "dev-7.new-secret"
	var gotAuth string
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != credential.RotatePath {
			http.NotFound(w, r)
			return
		}
		gotAuth = r.Header.Get("Authorization")
		json.NewEncoder(w).Encode(protocol.EnrollResponse{DeviceID: "dev-7", Credential: fresh})
	}))
	defer srv.Close()

	dir := t.TempDir()
	caFile := filepath.Join(dir, "ca.pem")
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(caFile, certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	file := credential.File{Path: filepath.Join(dir, "credential")}
	if err := file.Save(protocol.EnrollResponse{DeviceID: "dev-7", Credential: old}); err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.ServerURL = srv.URL
	cfg.ServerCAFile = caFile
	cfg.StateDir = dir
	cfg.CredentialStore = "file"

	deviceID, err := RotateCredential(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("RotateCredential: %v", err)
	}
	if deviceID != "dev-7" {
		t.Errorf("got device %q, want dev-7", deviceID)
	}
	if gotAuth != "Bearer "+old {
		t.Errorf("server got Authorization %q, want the old credential", gotAuth)
	}
	stored, err := file.Load()
	if err != nil {
		t.Fatal(err)
	}
	if stored.Credential != fresh {
		t.Errorf("stored credential %q, want the new one", stored.Credential)
	}
}
