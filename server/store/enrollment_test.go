package store

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"
)

var testNow = time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)

func addEnrollmentToken(t *testing.T, s *SQLite, id string, maxUses int, expires *time.Time) []byte {
	t.Helper()
	sum := []byte("sha256-of-" + id)
	tok := EnrollmentToken{ID: id, Name: "laptops " + id, SHA256: sum, Managed: true, User: "",
		MaxUses: maxUses, CreatedBy: "test", CreatedAt: testNow, ExpiresAt: expires}
	if err := s.CreateEnrollmentToken(context.Background(), tok, AuditEntry{Actor: "test", Action: "enrollment_token.create"}); err != nil {
		t.Fatalf("CreateEnrollmentToken: %v", err)
	}
	return sum
}

func enrollment(id, hostID string, sum []byte) Enrollment {
	return Enrollment{TokenSHA256: sum, Device: Device{ID: id, User: "ana@corp.test", Hostname: "ana-laptop",
		HostID: hostID, CredentialSHA256: []byte{1}, EnrolledAt: testNow}}
}

func TestEnrollConsumesUses(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	sum := addEnrollmentToken(t, s, "enr-1", 2, nil)
	steps := []struct {
		device string
		want   error
	}{{"dev-1", nil}, {"dev-2", nil}, {"dev-3", ErrTokenUsedUp}}
	for _, step := range steps {
		got, err := s.EnrollDevice(ctx, enrollment(step.device, "", sum))
		if !errors.Is(err, step.want) {
			t.Fatalf("%s: got %v, want %v", step.device, err, step.want)
		}
		if err == nil && (got.Device.EnrollmentTokenID != "enr-1" || !got.Device.Managed) {
			t.Errorf("%s: got token %q managed %v, want enr-1 managed", step.device, got.Device.EnrollmentTokenID, got.Device.Managed)
		}
	}
	tok, err := s.EnrollmentToken(ctx, "enr-1")
	if err != nil {
		t.Fatal(err)
	}
	if tok.Uses != 2 {
		t.Errorf("got %d uses, want 2", tok.Uses)
	}
	if tok.LastUsedAt == nil {
		t.Error("got no last_used_at after two uses")
	}
	if _, err := s.Device(ctx, "dev-3"); !errors.Is(err, ErrNotFound) {
		t.Errorf("rejected enrollment: got %v for its device, want ErrNotFound", err)
	}
}

func TestEnrollTokenRejected(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	past := testNow.Add(-time.Minute)
	expired := addEnrollmentToken(t, s, "enr-expired", 5, &past)
	revoked := addEnrollmentToken(t, s, "enr-revoked", 5, nil)
	if err := s.RevokeEnrollmentToken(ctx, "enr-revoked", testNow, AuditEntry{Actor: "test", Action: "enrollment_token.revoke"}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		sum  []byte
		want error
	}{
		{"expired", expired, ErrTokenExpired},
		{"revoked", revoked, ErrTokenRevoked},
		{"unknown", []byte("nope"), ErrNotFound},
	}
	for _, tt := range tests {
		if _, err := s.EnrollDevice(ctx, enrollment("dev-"+tt.name, "", tt.sum)); !errors.Is(err, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, err, tt.want)
		}
	}
}

// TestEnrollSingleUseConcurrent races several enrollments for one use;
// the UPDATE must let exactly one of them through.
func TestEnrollSingleUseConcurrent(t *testing.T) {
	s, _ := openTemp(t)
	sum := addEnrollmentToken(t, s, "enr-once", 1, nil)
	const racers = 8
	errs := make([]error, racers)
	var wg sync.WaitGroup
	for i := range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = s.EnrollDevice(context.Background(), enrollment("dev-"+string(rune('a'+i)), "", sum))
		}()
	}
	wg.Wait()
	won := 0
	for i, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, ErrTokenUsedUp):
			t.Errorf("racer %d: got %v, want nil or ErrTokenUsedUp", i, err)
		}
	}
	if won != 1 {
		t.Errorf("got %d successful enrollments, want exactly 1", won)
	}
	devices, err := s.ListDevices(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(devices) != 1 {
		t.Errorf("got %d devices, want 1", len(devices))
	}
}

func TestEnrollReplacesHost(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	if _, err := s.EnrollDevice(ctx, enrollment("dev-old", "host-1", nil)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.EnrollDevice(ctx, enrollment("dev-other", "host-2", nil)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.EnrollDevice(ctx, enrollment("dev-blank", "", nil)); err != nil {
		t.Fatal(err)
	}
	got, err := s.EnrollDevice(ctx, enrollment("dev-new", "host-1", nil))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Replaced, []string{"dev-old"}) {
		t.Errorf("got replaced %v, want [dev-old]", got.Replaced)
	}
	if got, _ := s.EnrollDevice(ctx, enrollment("dev-blank-2", "", nil)); len(got.Replaced) != 0 {
		t.Errorf("empty host id: got replaced %v, want none", got.Replaced)
	}
	wantRevoked := map[string]bool{"dev-old": true, "dev-other": false, "dev-blank": false, "dev-new": false}
	for id, want := range wantRevoked {
		d, err := s.Device(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if revoked := !d.RevokedAt.IsZero(); revoked != want {
			t.Errorf("%s: got revoked %v, want %v", id, revoked, want)
		}
	}
}

func TestEnrollFixedUser(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	tok := EnrollmentToken{ID: "enr-kiosk", Name: "kiosk", SHA256: []byte("kiosk"), Managed: false, User: "kiosk@corp.test",
		MaxUses: 1, CreatedBy: "test", CreatedAt: testNow}
	if err := s.CreateEnrollmentToken(ctx, tok, AuditEntry{Actor: "test", Action: "enrollment_token.create"}); err != nil {
		t.Fatal(err)
	}
	e := enrollment("dev-1", "", []byte("kiosk"))
	e.Device.Managed = true
	got, err := s.EnrollDevice(ctx, e)
	if err != nil {
		t.Fatal(err)
	}
	if got.Device.User != "kiosk@corp.test" {
		t.Errorf("got user %q, want the token's kiosk@corp.test", got.Device.User)
	}
	stored, _ := s.Device(ctx, "dev-1")
	if stored.Managed {
		t.Error("got a managed device from an unmanaged token")
	}
	if stored.User != "kiosk@corp.test" {
		t.Errorf("got stored user %q, want kiosk@corp.test", stored.User)
	}
}

func TestCredentialPromotion(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	addDevice(t, s, "dev-1")
	if err := s.SetPendingCredential(ctx, "dev-1", []byte{9, 9}); err != nil {
		t.Fatal(err)
	}
	d, _ := s.Device(ctx, "dev-1")
	if !slices.Equal(d.CredentialSHA256, []byte{1, 2, 3}) || !slices.Equal(d.PendingCredentialSHA256, []byte{9, 9}) {
		t.Errorf("after rotation: got current %v pending %v, want [1 2 3] and [9 9]", d.CredentialSHA256, d.PendingCredentialSHA256)
	}
	if err := s.PromoteCredential(ctx, "dev-1", []byte{8}); !errors.Is(err, ErrNotFound) {
		t.Errorf("promoting another hash: got %v, want ErrNotFound", err)
	}
	if err := s.PromoteCredential(ctx, "dev-1", []byte{9, 9}); err != nil {
		t.Fatal(err)
	}
	d, _ = s.Device(ctx, "dev-1")
	if !slices.Equal(d.CredentialSHA256, []byte{9, 9}) || d.PendingCredentialSHA256 != nil {
		t.Errorf("after promotion: got current %v pending %v, want [9 9] and nil", d.CredentialSHA256, d.PendingCredentialSHA256)
	}
	if err := s.PromoteCredential(ctx, "dev-1", []byte{9, 9}); !errors.Is(err, ErrNotFound) {
		t.Errorf("second promotion: got %v, want ErrNotFound", err)
	}

	if err := s.RevokeDevice(ctx, "dev-1", testNow, AuditEntry{Actor: "test", Action: "device.revoke"}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetPendingCredential(ctx, "dev-1", []byte{7}); !errors.Is(err, ErrNotFound) {
		t.Errorf("rotating a revoked device: got %v, want ErrNotFound", err)
	}
}
