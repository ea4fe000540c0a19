package parapetfile

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"filippo.io/age"
)

const (
	testLabelID = "2096f6a2-d2f7-48be-b329-b73aaa526e5d"
	testTenant  = "6d1ea4b4-7e3c-4b6f-9a55-0f2c8a9c1e11"
)

func testHeader() Header {
	return Header{OriginalName: "q3-forecast.docx", LabelName: "Confidential", LabelID: testLabelID,
		LabelTenant: testTenant, EncryptedFor: "org", EventID: "ev-1"}
}

func encryptTo(t *testing.T, plain []byte, h Header, ids ...*age.X25519Identity) []byte {
	t.Helper()
	var recipients []string
	for _, id := range ids {
		recipients = append(recipients, id.Recipient().String())
	}
	var out bytes.Buffer
	if err := Encrypt(&out, bytes.NewReader(plain), h, recipients); err != nil {
		t.Fatalf("Encrypt: %v", err)
	}
	return out.Bytes()
}

func newIdentity(t *testing.T) *age.X25519Identity {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestRoundTrip(t *testing.T) {
	plain := bytes.Repeat([]byte("forecast row\n"), 10000)
	id := newIdentity(t)
	file := encryptTo(t, plain, testHeader(), id)

	var got bytes.Buffer
	h, err := Decrypt(context.Background(), &got, bytes.NewReader(file), int64(len(file)), IdentityUnwrapper(id))
	if err != nil {
		t.Fatalf("Decrypt: %v", err)
	}
	if !bytes.Equal(got.Bytes(), plain) {
		t.Errorf("got %d plaintext bytes, want the %d written", got.Len(), len(plain))
	}
	if h != testHeader() {
		t.Errorf("got header %+v, want %+v", h, testHeader())
	}
}

func TestPreambleIsText(t *testing.T) {
	file := encryptTo(t, []byte("secret"), testHeader(), newIdentity(t))
	end := bytes.Index(file, []byte(PreambleEnd+"\n"))
	if end < 0 {
		t.Fatal("preamble end marker not found")
	}
	preamble := file[:end]
	if !utf8.Valid(preamble) {
		t.Error("preamble is not valid UTF-8")
	}
	for _, want := range []string{Magic + "\n", `parapet file open "q3-forecast.docx.parapet"`,
		"Label-Name: Confidential\n", "Encrypted-For: org\n"} {
		if !bytes.Contains(preamble, []byte(want)) {
			t.Errorf("preamble lacks %q", want)
		}
	}
	rest := file[end+len(PreambleEnd)+1:]
	if !bytes.HasPrefix(rest, []byte("age-encryption.org/v1\n")) {
		t.Errorf("got %q after the preamble, want the age header", rest[:min(len(rest), 30)])
	}
	if bytes.Contains(file, []byte("secret")) {
		t.Error("plaintext appears in the file")
	}
}

func TestLabelStanzaInHeader(t *testing.T) {
	file := encryptTo(t, []byte("x"), testHeader(), newIdentity(t))
	p, err := Parse(bytes.NewReader(file), int64(len(file)))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	want := "-> " + LabelStanzaType + " " + testLabelID + " " + testTenant + "\n"
	if !strings.Contains(string(p.AgeHeader), want) {
		t.Errorf("age header %q lacks %q", p.AgeHeader, want)
	}
}

func TestDecryptWrongKey(t *testing.T) {
	file := encryptTo(t, []byte("x"), testHeader(), newIdentity(t))
	_, err := Decrypt(context.Background(), &bytes.Buffer{}, bytes.NewReader(file), int64(len(file)), IdentityUnwrapper(newIdentity(t)))
	var nm *age.NoIdentityMatchError
	if !errors.As(err, &nm) {
		t.Errorf("got error %v, want a NoIdentityMatchError", err)
	}
}

func TestDecryptTamperedPayload(t *testing.T) {
	id := newIdentity(t)
	file := encryptTo(t, bytes.Repeat([]byte("a"), 1000), testHeader(), id)
	file[len(file)-5] ^= 1
	_, err := Decrypt(context.Background(), &bytes.Buffer{}, bytes.NewReader(file), int64(len(file)), IdentityUnwrapper(id))
	if err == nil {
		t.Error("got no error for a changed payload byte, want one")
	}
}

func TestReadPreambleRejects(t *testing.T) {
	cases := []struct {
		name  string
		input string
	}{
		{"empty", ""},
		{"other file", "PK\x03\x04 a zip file"},
		{"magic without newline", Magic},
		{"no end marker", Magic + "\nOriginal-Name: a\n"},
		{"oversized", Magic + "\n" + strings.Repeat("x", MaxPreambleSize) + "\n" + PreambleEnd + "\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, _, err := ReadPreamble(strings.NewReader(c.input)); err == nil {
				t.Error("got no error, want one")
			}
		})
	}
}

func TestPreambleCleansName(t *testing.T) {
	h := testHeader()
	h.OriginalName = "evil\nEncrypted-For: none\n.docx"
	var buf bytes.Buffer
	if err := WritePreamble(&buf, h); err != nil {
		t.Fatal(err)
	}
	got, _, err := ReadPreamble(&buf)
	if err != nil {
		t.Fatalf("ReadPreamble: %v", err)
	}
	if got.EncryptedFor != "org" {
		t.Errorf("got Encrypted-For %q, want org", got.EncryptedFor)
	}
	if got.OriginalName != "evil?Encrypted-For: none?.docx" {
		t.Errorf("got name %q, want control characters replaced", got.OriginalName)
	}
}
