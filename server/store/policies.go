package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

func (s *SQLite) ApplyPolicy(ctx context.Context, b PolicyBundle, audit AuditEntry) (int64, bool, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, false, fmt.Errorf("starting policy apply: %w", err)
	}
	defer tx.Rollback()

	var (
		latest int64
		digest string
	)
	err = tx.QueryRowContext(ctx, `SELECT revision, digest FROM policy_revisions ORDER BY revision DESC LIMIT 1`).
		Scan(&latest, &digest)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, false, fmt.Errorf("reading policy revision: %w", err)
	}
	if err == nil && digest == b.Digest {
		return latest, false, nil
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO policy_revisions (digest, loaded_at) VALUES (?, ?)`, b.Digest, b.AppliedAt.UnixMicro())
	if err != nil {
		return 0, false, fmt.Errorf("inserting policy revision: %w", err)
	}
	revision, err := res.LastInsertId()
	if err != nil {
		return 0, false, fmt.Errorf("inserting policy revision: %w", err)
	}
	const insert = `INSERT INTO policy_bundles (revision, source, applied_by, applied_at) VALUES (?, ?, ?, ?)`
	if _, err := tx.ExecContext(ctx, insert, revision, b.Source, b.AppliedBy, b.AppliedAt.UnixMicro()); err != nil {
		return 0, false, fmt.Errorf("inserting policy bundle: %w", err)
	}
	audit.Target = fmt.Sprintf("revision:%d", revision)
	if err := insertAudit(ctx, tx, audit); err != nil {
		return 0, false, err
	}
	if err := tx.Commit(); err != nil {
		return 0, false, fmt.Errorf("committing policy apply: %w", err)
	}
	return revision, true, nil
}

func (s *SQLite) LatestPolicyBundle(ctx context.Context) (PolicyBundle, error) {
	const query = `SELECT b.revision, r.digest, b.source, b.applied_by, b.applied_at
		FROM policy_bundles b JOIN policy_revisions r ON r.revision = b.revision
		ORDER BY b.revision DESC LIMIT 1`
	var (
		b  PolicyBundle
		at int64
	)
	err := s.db.QueryRowContext(ctx, query).Scan(&b.Revision, &b.Digest, &b.Source, &b.AppliedBy, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return PolicyBundle{}, fmt.Errorf("policy bundle: %w", ErrNotFound)
	}
	if err != nil {
		return PolicyBundle{}, fmt.Errorf("reading policy bundle: %w", err)
	}
	b.AppliedAt = time.UnixMicro(at).UTC()
	return b, nil
}
