package offline

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	"parapet/server/bundle"
)

// DefaultRetry is how long the Refresher waits after a failed fetch before
// it tries again.
const DefaultRetry = 30 * time.Second

// Refresher fetches the bundle whenever the server announces a policy
// revision newer than the cached bundle's, pinning the bundle key first
// when none is pinned.
type Refresher struct {
	Cache  *Cache
	Client *Client
	// Credential returns the device credential.
	Credential func() (string, error)
	// OnRevoked is called when the server reports the device revoked.
	OnRevoked func(message string)
	// Retry is the wait after a failed fetch; zero means DefaultRetry.
	Retry time.Duration
	Log   *slog.Logger

	wanted atomic.Int64
	kick   chan struct{}
}

// NewRefresher returns a Refresher; set its fields before Run.
func NewRefresher() *Refresher { return &Refresher{kick: make(chan struct{}, 1)} }

// Notify passes the server's current policy revision to the Refresher.
// It never blocks.
func (r *Refresher) Notify(revision int64) {
	for {
		old := r.wanted.Load()
		if revision <= old || r.wanted.CompareAndSwap(old, revision) {
			break
		}
	}
	select {
	case r.kick <- struct{}{}:
	default:
	}
}

// Run fetches on every Notify until ctx ends, and stops fetching once the
// server reports the device revoked. It returns nil.
func (r *Refresher) Run(ctx context.Context) error {
	retry := r.Retry
	if retry <= 0 {
		retry = DefaultRetry
	}
	var timer <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-r.kick:
		case <-timer:
		}
		timer = nil
		if !r.due() {
			continue
		}
		err := r.refresh(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if msg, ok := IsRevoked(err); ok {
			if r.OnRevoked != nil {
				r.OnRevoked(msg)
			}
			// The credential is no longer valid, so there is nothing more
			// to fetch. Run waits for ctx like the agent's other actors.
			<-ctx.Done()
			return nil
		}
		if err != nil {
			r.Log.Warn("policy bundle not refreshed, retrying", "error", err, "wanted_revision", r.wanted.Load(), "retry_in", retry)
			timer = time.After(retry)
		}
	}
}

// due reports whether the cached bundle is older than the wanted revision.
func (r *Refresher) due() bool {
	cur := r.Cache.Current()
	return cur == nil || cur.Revision < r.wanted.Load()
}

func (r *Refresher) refresh(ctx context.Context) error {
	credential, err := r.Credential()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()

	if r.Cache.Key() == nil {
		key, err := r.Client.FetchKey(ctx, credential)
		if err != nil {
			return err
		}
		if err := r.Cache.Pin(key); err != nil {
			return err
		}
		r.Log.Info("bundle key pinned", "key_id", bundle.KeyID(key))
	}

	data, err := r.Client.FetchBundle(ctx, credential, r.Cache.ETag())
	if err != nil {
		return err
	}
	if data == nil {
		// 304: the server's bundle is the cached one, although a newer
		// revision was announced; the next policy.update tries again.
		r.Log.Info("policy bundle not modified", "etag", r.Cache.ETag())
		return nil
	}
	if err := r.Cache.Accept(data); err != nil {
		if errors.Is(err, bundle.ErrSignature) {
			r.Log.Error("policy bundle rejected: not signed by the pinned bundle key; "+
				"if the server's signing key was replaced on purpose, remove the pinned key file and restart the agent",
				"pinned_key_id", bundle.KeyID(r.Cache.Key()), "file", KeyFileName, "error", err)
		}
		return err
	}
	cur := r.Cache.Current()
	r.Log.Info("policy bundle cached", "revision", cur.Revision, "skipped_policies", len(cur.skipped))
	return nil
}
