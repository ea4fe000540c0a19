package tlscert

import (
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/pem"
	"net"
	"os"
	"testing"
)

func TestEnsureCreatesOnce(t *testing.T) {
	dir := t.TempDir()
	certPath, keyPath, created, err := EnsureSelfSigned(dir)
	if err != nil {
		t.Fatalf("EnsureSelfSigned: %v", err)
	}
	if !created {
		t.Error("got created false on an empty folder, want true")
	}
	first, _ := os.ReadFile(certPath)

	_, _, created, err = EnsureSelfSigned(dir)
	if err != nil {
		t.Fatalf("second EnsureSelfSigned: %v", err)
	}
	if created {
		t.Error("got created true on the second call, want the pair reused")
	}
	second, _ := os.ReadFile(certPath)
	if string(first) != string(second) {
		t.Error("got a new certificate on the second call, want the same file")
	}

	info, err := os.Stat(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	if mode := info.Mode().Perm(); mode != 0o600 {
		t.Errorf("got key mode %o, want 600", mode)
	}
}

func TestCertificateNames(t *testing.T) {
	certPath, _, _, err := EnsureSelfSigned(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(certPath)
	block, _ := pem.Decode(data)
	if block == nil {
		t.Fatal("certificate file has no PEM block")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(cert)
	for _, name := range []string{"127.0.0.1", "::1", "localhost"} {
		opts := x509.VerifyOptions{DNSName: name, Roots: roots}
		if _, err := cert.Verify(opts); err != nil {
			t.Errorf("verifying for %s: %v", name, err)
		}
	}
	if _, ok := cert.PublicKey.(*ecdsa.PublicKey); !ok {
		t.Errorf("got public key %T, want an ECDSA key", cert.PublicKey)
	}
	if len(cert.IPAddresses) != 2 || !cert.IPAddresses[1].Equal(net.IPv6loopback) {
		t.Errorf("got IP addresses %v, want 127.0.0.1 and ::1", cert.IPAddresses)
	}
}
