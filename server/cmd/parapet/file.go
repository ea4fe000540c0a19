package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"parapet/agent/config"
	"parapet/agent/credential"
	"parapet/agent/protect"
	"parapet/protocol"
	"parapet/server/api"
)

func (c *cli) fileShow(args []string) error {
	fs := c.flags("file show", "FILE", "Prints the sensitivity label and the protection of FILE.\n"+
		"A .parapet file is described from its preamble, so no key is needed.")
	if err := parse(fs, args, 1); err != nil {
		return err
	}
	info, err := protect.Show(fs.Arg(0))
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "file:        %s\n", fs.Arg(0))
	if info.Label == nil {
		fmt.Fprintln(c.stdout, "label:       none")
	} else {
		fmt.Fprintf(c.stdout, "label:       %s (id %s, tenant %s, from %s)\n",
			dash(info.Label.Name), info.Label.ID, info.Label.TenantID, info.LabelSource)
	}
	switch info.Encrypted {
	case protocol.EncryptOrg:
		fmt.Fprintln(c.stdout, "protection:  encrypted for the organization")
	case protocol.EncryptUser:
		fmt.Fprintln(c.stdout, "protection:  encrypted for one user")
	default:
		fmt.Fprintln(c.stdout, "protection:  not encrypted")
	}
	if info.Parapet != nil {
		fmt.Fprintf(c.stdout, "original:    %s\n", info.Parapet.OriginalName)
		fmt.Fprintf(c.stdout, "event id:    %s\n", dash(info.Parapet.EventID))
	}
	return nil
}

func (c *cli) fileOpen(args []string) error {
	fs := c.flags("file open", "FILE", "Decrypts a .parapet file next to it, under its original name.\n"+
		"The server releases the file key to this device's user after checking that the\n"+
		"user may open it, and logs the opening. Reads the device credential, so it runs\n"+
		"as the user the agent runs as (root for the system service).")
	agentConfig := fs.String("agent-config", defaultAgentConfig(), "agent config `file` that names the server and the state folder")
	out := fs.String("out", "", "write the decrypted file to this `path` instead of beside FILE")
	if err := parse(fs, args, 1); err != nil {
		return err
	}
	opener, err := newFileOpener(*agentConfig)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	path := fs.Arg(0)
	written, err := protect.Open(ctx, path, *out, opener.unwrap(filepath.Base(path)))
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "decrypted %s to %s\n", path, written)
	return nil
}

// defaultAgentConfig is the agent's config path on this platform.
func defaultAgentConfig() string { return config.DefaultPath() }

// fileOpener requests file keys from the server with the device credential.
type fileOpener struct {
	server     string
	credential string
	client     *http.Client
}

func newFileOpener(agentConfig string) (*fileOpener, error) {
	cfg, err := config.Load(agentConfig)
	if err != nil {
		return nil, fmt.Errorf("reading agent config: %w", err)
	}
	log := slog.New(slog.DiscardHandler)
	store, err := credential.NewManager(cfg.CredentialStore, credential.Keyring{Account: cfg.ServerURL},
		credential.File{Path: filepath.Join(cfg.StateDir, "credential")}, log)
	if err != nil {
		return nil, fmt.Errorf("opening the device credential: %w", err)
	}
	cred, err := store.Load()
	if errors.Is(err, credential.ErrNotFound) {
		return nil, errors.New("this device is not enrolled: start parapet-agent once so it enrolls, then try again")
	}
	if err != nil {
		return nil, fmt.Errorf("reading the device credential: %w", err)
	}
	tlsConfig := &tls.Config{MinVersion: tls.VersionTLS12}
	if cfg.ServerCAFile != "" {
		pem, err := os.ReadFile(cfg.ServerCAFile)
		if err != nil {
			return nil, fmt.Errorf("reading server_ca_file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("server_ca_file %s: no PEM certificate found", cfg.ServerCAFile)
		}
		tlsConfig.RootCAs = pool
	}
	return &fileOpener{
		server:     strings.TrimSuffix(cfg.ServerURL, "/"),
		credential: cred.Credential,
		client:     &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: tlsConfig}},
	}, nil
}

// unwrap returns the function that turns a file's age header into its file
// key by asking the server.
func (o *fileOpener) unwrap(name string) func(context.Context, []byte) ([]byte, error) {
	return func(ctx context.Context, header []byte) ([]byte, error) {
		body, err := json.Marshal(map[string]any{"header": header, "file_name": name})
		if err != nil {
			return nil, err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, o.server+api.FileOpenPath, bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+o.credential)
		req.Header.Set("Content-Type", "application/json")
		resp, err := o.client.Do(req)
		if err != nil {
			return nil, fmt.Errorf("asking the server for the file key: %w", err)
		}
		defer resp.Body.Close()
		data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		if err != nil {
			return nil, fmt.Errorf("reading the server's response: %w", err)
		}
		if resp.StatusCode != http.StatusOK {
			var e struct {
				Error string `json:"error"`
			}
			if json.Unmarshal(data, &e) == nil && e.Error != "" {
				return nil, fmt.Errorf("the server denied opening the file: %s", e.Error)
			}
			return nil, fmt.Errorf("the server denied opening the file: %s", resp.Status)
		}
		var out struct {
			FileKey []byte `json:"file_key"`
		}
		if err := json.Unmarshal(data, &out); err != nil || len(out.FileKey) == 0 {
			return nil, errors.New("the server's response has no file key")
		}
		return out.FileKey, nil
	}
}
