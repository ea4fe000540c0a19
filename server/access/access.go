// Package access keeps the state that can stop a user between two
// actions: admin blocks, blocks set by anomaly detection, and the alerts
// that findings produce. The hub checks it before every decision and
// passes it every logged activity.
package access

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"strings"
	"time"

	"parapet/protocol"
	"parapet/server/anomaly"
	"parapet/server/store"
)

// Store is the part of the server's store that access uses. store.SQLite
// implements it.
type Store interface {
	InsertAlert(ctx context.Context, a store.Alert) (store.Alert, error)
	UserBlock(ctx context.Context, user string) (store.UserBlock, error)
	BlockActivity(ctx context.Context, id, reason string, codes []string) error
}

// Notifier pushes an access.changed message to every connected agent of
// a user and returns how many links it reached. The hub implements it.
type Notifier interface {
	NotifyUser(user string, change *protocol.AccessChanged) int
}

// Service checks blocks and turns anomaly findings into alerts. Its
// methods are safe for concurrent use once the fields are set.
type Service struct {
	Store Store
	// Anomaly is nil when anomaly detection is off.
	Anomaly *anomaly.Detector
	// Webhook receives every new alert; nil sends none.
	Webhook *Webhook
	// Notifier receives the blocks that anomaly detection sets. Nil
	// sends them nowhere.
	Notifier Notifier
	Log      *slog.Logger
	Now      func() time.Time
}

// Sources of a Block.
const (
	SourceAdmin   = "admin"
	SourceAnomaly = "anomaly"
)

// Block is a block in force on a user.
type Block struct {
	// Source is SourceAdmin or SourceAnomaly.
	Source string
	// Reason is the admin's reason or the detector's finding.
	Reason string
	// Until is nil for an admin block without an end.
	Until *time.Time
}

// Message returns the sentence the extension shows for a blocked action.
func (b Block) Message() string {
	until := ""
	if b.Until != nil {
		until = " until " + b.Until.UTC().Format("2006-01-02 15:04 UTC")
	}
	if b.Source == SourceAnomaly {
		return "Parapet blocked your access" + until + " because it detected unusual activity: " +
			strings.TrimSuffix(b.Reason, ".") + ". Contact IT if this is a mistake."
	}
	reason := strings.TrimSuffix(b.Reason, ".")
	if reason == "" {
		reason = "no reason given"
	}
	return "An administrator blocked your access" + until + ": " + reason + "."
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

// NormalizeUser returns the key under which blocks and alerts of user are
// kept: trimmed and lowercased, like identity emails.
func NormalizeUser(user string) string { return strings.ToLower(strings.TrimSpace(user)) }

// Check returns the block in force on user, if any. It reads the store
// every time, so an admin's change applies to the next action. An admin
// block wins over an anomaly block.
func (s *Service) Check(ctx context.Context, user string) (Block, bool, error) {
	user = NormalizeUser(user)
	if user == "" {
		return Block{}, false, nil
	}
	b, err := s.Store.UserBlock(ctx, user)
	switch {
	case err == nil && b.Active(s.now()):
		return Block{Source: SourceAdmin, Reason: b.Reason, Until: b.Until}, true, nil
	case err != nil && !errors.Is(err, store.ErrNotFound):
		return Block{}, false, fmt.Errorf("checking block of user %s: %w", user, err)
	}
	if s.Anomaly == nil {
		return Block{}, false, nil
	}
	if until, blocked := s.Anomaly.BlockedUntil(user); blocked {
		return Block{Source: SourceAnomaly, Reason: s.anomalyReason(ctx, user), Until: &until}, true, nil
	}
	return Block{}, false, nil
}

// anomalyReason returns the reason of the user's newest block_user alert.
func (s *Service) anomalyReason(ctx context.Context, user string) string {
	lister, ok := s.Store.(interface {
		ListAlerts(context.Context, store.AlertFilter) ([]store.Alert, error)
	})
	if !ok {
		return "too many actions in a short time"
	}
	alerts, err := lister.ListAlerts(ctx, store.AlertFilter{User: user, Limit: 20})
	if err != nil {
		s.log().Warn("reading alerts of blocked user", "user", user, "error", err)
	}
	for _, a := range alerts {
		if a.Action == string(anomaly.ActionBlockUser) {
			return a.Reason
		}
	}
	return "too many actions in a short time"
}

// Observation is one logged activity for anomaly detection.
type Observation struct {
	Activity store.Activity
	// Sensitive is anomaly.Sensitive of the activity's file.
	Sensitive bool
}

// Observe passes a logged activity to the detector and stores each
// finding as an alert, sends it to the webhook and, for block_user,
// notifies the user's agents. It returns the stored alerts.
func (s *Service) Observe(ctx context.Context, o Observation) []store.Alert {
	if s.Anomaly == nil {
		return nil
	}
	a := o.Activity
	ev := anomaly.Event{User: NormalizeUser(a.User), DeviceID: a.DeviceID, Activity: protocol.Activity(a.Activity),
		Decision: protocol.Decision(a.Decision), Sensitive: o.Sensitive, ActivityID: a.ID, Time: a.Time}
	if a.FileSize != nil {
		ev.FileSize = *a.FileSize
	}
	if ip, err := netip.ParseAddr(a.SourceIP); err == nil {
		ev.SourceIP = ip
	}
	var stored []store.Alert
	for _, f := range s.Anomaly.Observe(ev) {
		alert, err := s.Store.InsertAlert(ctx, alertOf(f, s.now()))
		if err != nil {
			s.log().Error("storing alert", "detector", string(f.Detector), "user", f.User, "error", err)
			continue
		}
		s.log().Warn("anomaly detected", "alert_id", alert.ID, "detector", alert.Detector, "user", alert.User,
			"action", alert.Action, "severity", alert.Severity)
		stored = append(stored, alert)
		if s.Webhook != nil {
			s.Webhook.Send(alert)
		}
		if f.Action == anomaly.ActionBlockUser && s.Notifier != nil {
			until := f.BlockedUntil
			block := Block{Source: SourceAnomaly, Reason: f.Reason, Until: &until}
			s.Notifier.NotifyUser(f.User, &protocol.AccessChanged{User: f.User, State: protocol.AccessBlocked,
				Message: block.Message(), Until: &until})
		}
	}
	return stored
}

func alertOf(f anomaly.Finding, now time.Time) store.Alert {
	a := store.Alert{Detector: string(f.Detector), User: f.User, DeviceID: f.DeviceID, Action: string(f.Action),
		Severity: string(f.Severity), Reason: f.Reason, Evidence: f.Evidence, CreatedAt: now,
		WindowStart: f.WindowStart, WindowEnd: f.WindowEnd}
	if !f.BlockedUntil.IsZero() {
		until := f.BlockedUntil
		a.BlockedUntil = &until
	}
	return a
}
