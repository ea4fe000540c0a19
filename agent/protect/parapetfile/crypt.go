package parapetfile

import (
	"context"
	"errors"
	"fmt"
	"io"

	"filippo.io/age"
)

// MaxHeaderSize bounds the age header that Decrypt hands to an Unwrapper,
// in bytes. A header with a few dozen X25519 stanzas fits with room.
const MaxHeaderSize = 16 << 10

// Unwrapper turns a detached age header, as age.ExtractHeader returns it,
// into the file key. The server implements it for files encrypted to
// keys it keeps, so private keys never leave the server.
type Unwrapper func(ctx context.Context, header []byte) (fileKey []byte, err error)

// IdentityUnwrapper returns an Unwrapper that uses local identities.
func IdentityUnwrapper(identities ...age.Identity) Unwrapper {
	return func(_ context.Context, header []byte) ([]byte, error) {
		return age.DecryptHeader(header, identities...)
	}
}

// labelRecipient adds the parapet-label stanza to a header. It wraps no
// key: the stanza only carries the label, under the header MAC.
type labelRecipient struct{ id, tenant string }

func (l labelRecipient) Wrap([]byte) ([]*age.Stanza, error) {
	return []*age.Stanza{{Type: LabelStanzaType, Args: []string{l.id, l.tenant}}}, nil
}

// Encrypt writes a .parapet file to dst: the preamble for h, then the
// content of src encrypted with age to recipients, which must be X25519
// recipients ("age1..."). When h has a label id and tenant, the age
// header carries them in a parapet-label stanza.
func Encrypt(dst io.Writer, src io.Reader, h Header, recipients []string) error {
	if len(recipients) == 0 {
		return errors.New("encrypting: no recipients")
	}
	parsed := make([]age.Recipient, 0, len(recipients)+1)
	for _, r := range recipients {
		rec, err := age.ParseX25519Recipient(r)
		if err != nil {
			return fmt.Errorf("encrypting: parsing recipient %.16q: %w", r, err)
		}
		parsed = append(parsed, rec)
	}
	if h.LabelID != "" && h.LabelTenant != "" {
		parsed = append(parsed, labelRecipient{id: h.LabelID, tenant: h.LabelTenant})
	}
	if err := WritePreamble(dst, h); err != nil {
		return err
	}
	w, err := age.Encrypt(dst, parsed...)
	if err != nil {
		return fmt.Errorf("encrypting: %w", err)
	}
	if _, err := io.Copy(w, src); err != nil {
		return fmt.Errorf("encrypting: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("encrypting: %w", err)
	}
	return nil
}

// Parsed is a .parapet file whose preamble and age header were read.
type Parsed struct {
	Header Header
	// AgeHeader is the detached age header, for an Unwrapper.
	AgeHeader []byte
	// PayloadOffset is where the age file starts, after the preamble.
	PayloadOffset int64
}

// Parse reads the preamble and the age header of the .parapet file in
// src, which is size bytes long.
func Parse(src io.ReaderAt, size int64) (Parsed, error) {
	h, offset, err := ReadPreamble(io.NewSectionReader(src, 0, size))
	if err != nil {
		return Parsed{}, err
	}
	limit := min(size-offset, MaxHeaderSize)
	hdr, err := age.ExtractHeader(io.NewSectionReader(src, offset, limit))
	if err != nil {
		return Parsed{}, fmt.Errorf("reading age header: %w", err)
	}
	return Parsed{Header: h, AgeHeader: hdr, PayloadOffset: offset}, nil
}

// Decrypt decrypts the .parapet file in src, size bytes long, into dst.
// unwrap turns the age header into the file key, and age checks the key
// against the header MAC and every payload chunk, so a wrong key or a
// changed byte fails. dst may have received part of the plaintext when
// Decrypt fails, so callers write to a temporary file.
func Decrypt(ctx context.Context, dst io.Writer, src io.ReaderAt, size int64, unwrap Unwrapper) (Header, error) {
	p, err := Parse(src, size)
	if err != nil {
		return Header{}, err
	}
	key, err := unwrap(ctx, p.AgeHeader)
	if err != nil {
		return Header{}, fmt.Errorf("unwrapping file key: %w", err)
	}
	r, err := age.Decrypt(io.NewSectionReader(src, p.PayloadOffset, size-p.PayloadOffset), age.NewInjectedFileKeyIdentity(key))
	if err != nil {
		return Header{}, fmt.Errorf("decrypting: %w", err)
	}
	if _, err := io.Copy(dst, r); err != nil {
		return Header{}, fmt.Errorf("decrypting: %w", err)
	}
	return p.Header, nil
}

// StanzaLabel returns the label GUID and tenant GUID of the parapet-label
// stanza among stanzas.
func StanzaLabel(stanzas []*age.Stanza) (id, tenant string, ok bool) {
	for _, s := range stanzas {
		if s.Type == LabelStanzaType && len(s.Args) == 2 {
			return s.Args[0], s.Args[1], true
		}
	}
	return "", "", false
}
