package filekeys

import (
	"errors"
	"fmt"

	"filippo.io/age"

	"parapet/agent/protect/parapetfile"
	"parapet/protocol"
)

// Access describes a request to open a .parapet file, for the policy
// check. Every field except User comes from the age header after its MAC
// was verified, so a client cannot forge them without the file key.
type Access struct {
	// User is the requesting user.
	User string
	// Target is protocol.EncryptOrg when the organization's identity
	// unwrapped the key, and protocol.EncryptUser when User's did.
	Target string
	// LabelID and TenantID are the label of the file's parapet-label
	// stanza, empty when the header has none.
	LabelID  string
	TenantID string
}

// UnwrapFileKey returns the file key of the detached age header for user
// when allowed approves the request. It tries the organization's identity
// first, then user's own identity, so a file encrypted to another user
// returns ErrNotRecipient. A header whose MAC does not verify is rejected
// before allowed is called.
func (k *Keys) UnwrapFileKey(header []byte, user string, allowed func(Access) bool) ([]byte, error) {
	if len(header) > parapetfile.MaxHeaderSize {
		return nil, fmt.Errorf("unwrapping file key: header of %d bytes, more than the maximum %d", len(header), parapetfile.MaxHeaderSize)
	}
	access := Access{User: user}
	org := &recording{id: k.org}
	key, err := age.DecryptHeader(header, org)
	stanzas := org.stanzas
	access.Target = protocol.EncryptOrg
	if err != nil && isNoMatch(err) && user != "" {
		id, uerr := k.user(user)
		if uerr != nil {
			return nil, uerr
		}
		own := &recording{id: id}
		key, err = age.DecryptHeader(header, own)
		stanzas = own.stanzas
		access.Target = protocol.EncryptUser
	}
	if err != nil {
		if isNoMatch(err) {
			return nil, ErrNotRecipient
		}
		return nil, fmt.Errorf("unwrapping file key: %w", err)
	}
	access.LabelID, access.TenantID, _ = parapetfile.StanzaLabel(stanzas)
	if !allowed(access) {
		return nil, ErrDenied
	}
	return key, nil
}

func isNoMatch(err error) bool {
	var nm *age.NoIdentityMatchError
	return errors.As(err, &nm)
}

// recording is an age.Identity that keeps the stanzas it was offered, so
// the label stanza can be read after age has verified the header MAC.
type recording struct {
	id      age.Identity
	stanzas []*age.Stanza
}

func (r *recording) Unwrap(stanzas []*age.Stanza) ([]byte, error) {
	r.stanzas = stanzas
	return r.id.Unwrap(stanzas)
}
