package hub

import (
	"errors"
	"fmt"

	"parapet/protocol"
	"parapet/server/policy"
)

// FileKeys returns the age recipients that a protect decision encrypts to:
// none for "none", the organization's key for "org", and only the user's
// own key for "user". server/filekeys implements it.
type FileKeys interface {
	RecipientsFor(target, user string) ([]string, error)
}

type fileKeysHolder struct{ keys FileKeys }

// SetFileKeys sets the keys that protect verdicts encrypt to. Without
// them, a protect decision that requires encryption cannot be carried out,
// and the server sends a block instead.
func (h *Hub) SetFileKeys(k FileKeys) { h.fileKeys.Store(&fileKeysHolder{keys: k}) }

var errNoFileKeys = errors.New("the server has no file keys configured")

// protection returns the protection a protect verdict carries: the label
// named by the policy, with its tenant and name from the policy set, and
// the recipients for the policy's encryption target or, when the policy
// sets none, the target the label's protection implies.
func (l *link) protection(set *policy.Set, params policy.Params) (*protocol.Protection, error) {
	label := findLabel(set, params.Label)
	if label == nil {
		return nil, fmt.Errorf("label %q of the deciding policy is not defined", params.Label)
	}
	target := string(params.Encrypt)
	if target == "" {
		switch label.Protection {
		case policy.ProtectionEncryptOrg:
			target = protocol.EncryptOrg
		case policy.ProtectionEncryptUser:
			target = protocol.EncryptUser
		default:
			target = protocol.EncryptNone
		}
	}
	p := &protocol.Protection{
		Label:   protocol.FileLabel{ID: label.ID, TenantID: label.Tenant, Name: label.Name},
		Encrypt: target,
	}
	if target == protocol.EncryptNone {
		return p, nil
	}
	holder := l.hub.fileKeys.Load()
	if holder == nil {
		return nil, errNoFileKeys
	}
	recipients, err := holder.keys.RecipientsFor(target, l.device.User)
	if err != nil {
		return nil, fmt.Errorf("finding recipients for %s: %w", target, err)
	}
	p.Recipients = recipients
	return p, nil
}

func findLabel(set *policy.Set, id string) *policy.Label {
	for i := range set.Labels {
		if set.Labels[i].ID == id {
			return &set.Labels[i]
		}
	}
	return nil
}
