package protect

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"testing"

	"parapet/agent/watch"
	"parapet/protocol"
)

// bigDocx returns the unlabeled fixture with a stored member of random
// bytes added, so the package is about size bytes.
func bigDocx(b *testing.B, size int) []byte {
	b.Helper()
	src := fixtureBytesB(b, "05_unlabeled.docx")
	zr, err := zip.NewReader(bytes.NewReader(src), int64(len(src)))
	if err != nil {
		b.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		if err := zw.Copy(f); err != nil {
			b.Fatal(err)
		}
	}
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "word/media/image1.bin", Method: zip.Store})
	if err != nil {
		b.Fatal(err)
	}
	blob := make([]byte, size)
	rand.Read(blob)
	w.Write(blob)
	if err := zw.Close(); err != nil {
		b.Fatal(err)
	}
	return out.Bytes()
}

func fixtureBytesB(b *testing.B, name string) []byte {
	data, err := os.ReadFile(filepath.Join("..", "label", "testdata", name))
	if err != nil {
		b.Fatal(err)
	}
	return data
}

// benchmarkProtect measures Handle, from a Ready event to the protected
// file on disk, for a 10 MB docx.
func benchmarkProtect(b *testing.B, encrypt string, recipients ...string) {
	f := newFixture(b)
	doc := bigDocx(b, 10<<20)
	dir := b.TempDir()
	b.SetBytes(int64(len(doc)))
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		path := filepath.Join(dir, "big.docx")
		os.Remove(path + ".parapet")
		if err := os.WriteFile(path, doc, 0o644); err != nil {
			b.Fatal(err)
		}
		f.p.Expect(download("big.docx", ""), protectVerdict("ev-bench", encrypt, recipients...))
		b.StartTimer()
		if _, ok := f.p.Handle(context.Background(), watch.Ready{Path: path}); !ok {
			b.Fatal("Handle did not protect the file")
		}
	}
}

func BenchmarkProtectLabel10MB(b *testing.B) { benchmarkProtect(b, protocol.EncryptNone) }

func BenchmarkProtectEncrypt10MB(b *testing.B) {
	benchmarkProtect(b, protocol.EncryptOrg, newIdentity(b).Recipient().String())
}
