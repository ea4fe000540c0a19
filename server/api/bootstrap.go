package api

import (
	"context"
	"fmt"
	"strings"
	"time"

	"parapet/protocol"
	"parapet/server/auth"
	"parapet/server/store"
)

// CreateAccount validates and stores a new account outside of HTTP, for
// `parapet-server admin create`. actor names the caller in the audit log.
// A taken email returns an error wrapping store.ErrConflict.
func CreateAccount(ctx context.Context, st store.Store, actor, email, role, password string, params auth.Params) (store.Account, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if err := CheckEmail(email); err != nil {
		return store.Account{}, fmt.Errorf("email: %w", err)
	}
	if !auth.ValidRole(role) {
		return store.Account{}, fmt.Errorf("role: must be admin or analyst, not %q", truncate(role))
	}
	if err := auth.CheckPassword(password); err != nil {
		return store.Account{}, err
	}
	if params == (auth.Params{}) {
		params = auth.DefaultParams
	}
	hash, err := auth.HashPassword(password, params)
	if err != nil {
		return store.Account{}, err
	}
	now := time.Now().UTC()
	account := store.Account{ID: "acc-" + protocol.NewID()[:24], Email: email, Role: role, PasswordHash: hash, CreatedAt: now}
	audit := store.AuditEntry{Time: now, Actor: actor, ActorRole: store.RoleAdmin, Action: "account.create",
		Target: account.ID, Details: []byte(fmt.Sprintf(`{"email":%q,"role":%q}`, email, role))}
	if err := st.CreateAccount(ctx, account, audit); err != nil {
		return store.Account{}, fmt.Errorf("creating account: %w", err)
	}
	return account, nil
}
