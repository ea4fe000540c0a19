// Package tlscert creates the server's self-signed TLS certificate for
// loopback use, once, and reuses it on later starts.
package tlscert

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// File names in the data folder.
const (
	CertFile = "tls.crt"
	KeyFile  = "tls.key"
)

// validity is how long a generated certificate is valid.
const validity = 5 * 365 * 24 * time.Hour

// EnsureSelfSigned returns the paths of the certificate and key in dir,
// creating a self-signed ECDSA P-256 pair for 127.0.0.1, ::1 and localhost
// when they do not exist yet. Agents trust the certificate file itself, so
// it is marked as a CA. created reports whether a new pair was written.
func EnsureSelfSigned(dir string) (certPath, keyPath string, created bool, err error) {
	certPath = filepath.Join(dir, CertFile)
	keyPath = filepath.Join(dir, KeyFile)
	certExists, err := exists(certPath)
	if err != nil {
		return "", "", false, err
	}
	keyExists, err := exists(keyPath)
	if err != nil {
		return "", "", false, err
	}
	if certExists && keyExists {
		if _, err := tls.LoadX509KeyPair(certPath, keyPath); err != nil {
			return "", "", false, fmt.Errorf("loading existing certificate %s: %w; delete %s and %s to create a new one", certPath, err, certPath, keyPath)
		}
		return certPath, keyPath, false, nil
	}
	if err := generate(certPath, keyPath, time.Now()); err != nil {
		return "", "", false, err
	}
	return certPath, keyPath, true, nil
}

func exists(path string) (bool, error) {
	_, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("checking %s: %w", path, err)
	}
	return true, nil
}

func generate(certPath, keyPath string, now time.Time) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("generating TLS key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return fmt.Errorf("generating certificate serial number: %w", err)
	}

	template := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "parapet-server", Organization: []string{"Parapet"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(validity),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		return fmt.Errorf("creating certificate: %w", err)
	}

	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return fmt.Errorf("encoding TLS key: %w", err)
	}
	// The key goes first, so a crash between the two writes leaves no
	// certificate without its key.
	if err := writePEM(keyPath, "PRIVATE KEY", keyDER, 0o600); err != nil {
		return err
	}
	return writePEM(certPath, "CERTIFICATE", der, 0o644)
}

// writePEM writes to a temporary file and renames it, so a reader never
// sees a partial file.
func writePEM(path, blockType string, der []byte, mode os.FileMode) error {
	tmp := path + ".tmp"
	data := pem.EncodeToMemory(&pem.Block{Type: blockType, Bytes: der})
	if err := os.WriteFile(tmp, data, mode); err != nil {
		return fmt.Errorf("writing %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("renaming %s: %w", tmp, err)
	}
	return nil
}
