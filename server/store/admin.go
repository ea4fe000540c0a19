package store

import (
	"context"
	"encoding/json"
	"time"
)

// AdminStore is the part of Store behind the admin API. Every method that
// changes state takes the AuditEntry that records the change and writes
// both in one transaction, so a change is never stored without its entry.
type AdminStore interface {
	// CreateAccount inserts a. A taken email returns ErrConflict.
	CreateAccount(ctx context.Context, a Account, audit AuditEntry) error
	// Account returns the account with id, or ErrNotFound.
	Account(ctx context.Context, id string) (Account, error)
	// AccountByEmail returns the account with the lower-cased email, or
	// ErrNotFound.
	AccountByEmail(ctx context.Context, email string) (Account, error)
	// ListAccounts returns every account, oldest first.
	ListAccounts(ctx context.Context) ([]Account, error)
	// DeleteAccount deletes the account and its session tokens.
	DeleteAccount(ctx context.Context, id string, audit AuditEntry) error

	// CreateToken inserts t.
	CreateToken(ctx context.Context, t Token, audit AuditEntry) error
	// TokenBySHA256 returns the token whose secret hashes to sum, revoked
	// and expired ones included, or ErrNotFound.
	TokenBySHA256(ctx context.Context, sum []byte) (Token, error)
	// TouchToken sets the token's last_used_at.
	TouchToken(ctx context.Context, id string, at time.Time) error
	// ListTokens returns the tokens of kind, oldest first.
	ListTokens(ctx context.Context, kind string) ([]Token, error)
	// RevokeToken sets the token's revoked_at. A token revoked before
	// keeps its first revocation time.
	RevokeToken(ctx context.Context, id string, at time.Time, audit AuditEntry) error

	// ListDevices returns every device, in enrollment order.
	ListDevices(ctx context.Context) ([]Device, error)
	// RevokeDevice sets the device's revoked_at, after which its
	// credential is rejected.
	RevokeDevice(ctx context.Context, id string, at time.Time, audit AuditEntry) error

	// CreateEnrollmentToken inserts t.
	CreateEnrollmentToken(ctx context.Context, t EnrollmentToken, audit AuditEntry) error
	// ListEnrollmentTokens returns every enrollment token, oldest first.
	ListEnrollmentTokens(ctx context.Context) ([]EnrollmentToken, error)
	// EnrollmentToken returns the enrollment token with id, or ErrNotFound.
	EnrollmentToken(ctx context.Context, id string) (EnrollmentToken, error)
	// RevokeEnrollmentToken sets the token's revoked_at, after which no
	// device can enroll with it. Devices enrolled before stay enrolled. A
	// token revoked before keeps its first revocation time.
	RevokeEnrollmentToken(ctx context.Context, id string, at time.Time, audit AuditEntry) error

	// QueryActivities returns one page of the activities that match f,
	// newest first.
	QueryActivities(ctx context.Context, f ActivityFilter) (ActivityPage, error)
	// ListAudit returns one page of the audit log, newest first.
	ListAudit(ctx context.Context, f AuditFilter) (AuditPage, error)

	// ApplyPolicy stores b as the newest policy bundle with a new revision
	// and returns it. When b.Digest equals the newest revision's digest,
	// nothing is written and changed is false.
	ApplyPolicy(ctx context.Context, b PolicyBundle, audit AuditEntry) (revision int64, changed bool, err error)
	// LatestPolicyBundle returns the newest applied bundle, or ErrNotFound.
	LatestPolicyBundle(ctx context.Context) (PolicyBundle, error)
}

// Roles of accounts and tokens.
const (
	RoleAdmin   = "admin"
	RoleAnalyst = "analyst"
)

// Token kinds.
const (
	TokenAPI     = "api"
	TokenSession = "session"
)

// Account is an admin console user.
type Account struct {
	ID    string `json:"id"`
	Email string `json:"email"`
	Role  string `json:"role"`
	// PasswordHash is the PHC-format argon2id hash with its parameters.
	PasswordHash string    `json:"-"`
	CreatedAt    time.Time `json:"created_at"`
}

// Token is an API or session token. Only the SHA-256 of its secret is
// stored.
type Token struct {
	ID   string `json:"id"`
	Kind string `json:"kind"`
	Name string `json:"name"`
	Role string `json:"role"`
	// SHA256 is the hash of the whole token string.
	SHA256 []byte `json:"-"`
	// AccountID is set for session tokens.
	AccountID string `json:"account_id,omitempty"`
	// CreatedBy is the audit actor that created the token.
	CreatedBy  string     `json:"created_by"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

// AuditEntry is one record of the audit log.
type AuditEntry struct {
	// ID is filled in by the store when empty.
	ID   string    `json:"id"`
	Time time.Time `json:"time"`
	// Actor is "account:EMAIL", "token:NAME" or "bootstrap".
	Actor     string `json:"actor"`
	ActorRole string `json:"actor_role"`
	// Action is a dotted verb such as account.create or policy.apply.
	Action string `json:"action"`
	// Target is the id of the changed record.
	Target string `json:"target"`
	// Details is a JSON object with the change's summary or diff.
	Details json.RawMessage `json:"details"`
}

// PolicyBundle is a policy set applied through the API, as its YAML source.
type PolicyBundle struct {
	Revision  int64
	Digest    string
	Source    string
	AppliedBy string
	AppliedAt time.Time
}

// ActivityFilter selects activities. Each non-empty list matches an
// activity whose field equals any of its values; Policies matches any id
// in the activity's policy_ids.
type ActivityFilter struct {
	Users      []string
	Devices    []string
	Apps       []string
	Activities []string
	Decisions  []string
	Policies   []string
	// Since and Until bound the time, inclusive and exclusive; zero is
	// unbounded.
	Since, Until time.Time
	// Cursor is the NextCursor of the previous page, or empty.
	Cursor string
	Limit  int
}

// ActivityPage is one page of QueryActivities.
type ActivityPage struct {
	Activities []Activity
	// NextCursor is empty on the last page.
	NextCursor string
}

// AuditFilter selects audit entries.
type AuditFilter struct {
	Actor        string
	Action       string
	Target       string
	Since, Until time.Time
	Cursor       string
	Limit        int
}

// AuditPage is one page of ListAudit.
type AuditPage struct {
	Entries    []AuditEntry
	NextCursor string
}
