package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"parapet/protocol"
	"parapet/server/hub"
	"parapet/server/policy"
	"parapet/server/store"
)

const (
	appsFile   = "apps:\n  - {id: filestore, hosts: [\"127.0.0.1:8080\"], tags: [sensitive]}\n"
	policyFile = "policies:\n  - {id: monitor-all, apps: [filestore], decision: monitor}\n"
)

// reloadFixture is a server's policy folder, store and hub with one agent
// connected over a loopback websocket.
type reloadFixture struct {
	dir     string
	hub     *hub.Hub
	updates chan *protocol.PolicyUpdate
}

func newReloadFixture(t *testing.T) *reloadFixture {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))

	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "apps.yaml"), appsFile)
	writeFile(t, filepath.Join(dir, "policies.yaml"), policyFile)
	set, err := policy.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "parapet.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	revision, err := st.PolicyRevision(ctx, set.Digest, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	device := store.Device{ID: "dev-1", User: "ana@corp.test", Managed: true, CredentialSHA256: []byte("x"), EnrolledAt: time.Now()}
	if err := st.CreateDevice(ctx, device); err != nil {
		t.Fatal(err)
	}
	h := hub.New(st, log, "parapet-server test", hub.Policies{Set: set, Revision: revision})

	upgrader := websocket.Upgrader{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		h.Serve(r.Context(), conn, device, "127.0.0.1")
	}))
	t.Cleanup(srv.Close)
	conn, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })

	f := &reloadFixture{dir: dir, hub: h, updates: make(chan *protocol.PolicyUpdate, 16)}
	go func() {
		for {
			_, data, err := conn.ReadMessage()
			if err != nil {
				return
			}
			if msg, err := protocol.Decode(data); err == nil {
				if u, ok := msg.Payload.(*protocol.PolicyUpdate); ok {
					f.updates <- u
				}
			}
		}
	}()
	if u := f.nextUpdate(t, 5*time.Second); u == nil || u.Revision != revision {
		t.Fatalf("got first policy.update %+v, want revision %d", u, revision)
	}

	reload := func() { reloadPolicies(ctx, dir, st, h, log) }
	if err := watchPolicies(ctx, dir, reload, log); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *reloadFixture) nextUpdate(t *testing.T, wait time.Duration) *protocol.PolicyUpdate {
	t.Helper()
	select {
	case u := <-f.updates:
		return u
	case <-time.After(wait):
		return nil
	}
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestWatchPushesChange(t *testing.T) {
	f := newReloadFixture(t)
	before := f.hub.Policies().Revision
	start := time.Now()
	writeFile(t, filepath.Join(f.dir, "apps.yaml"), appsFile+"  - {id: wiki, hosts: [\"*.wiki.corp.test\"]}\n")

	u := f.nextUpdate(t, 3*time.Second)
	if u == nil {
		t.Fatal("got no policy.update after the change, want one")
	}
	if elapsed := time.Since(start); elapsed > time.Second {
		t.Errorf("got policy.update after %v, want within 1s", elapsed)
	}
	if u.Revision <= before {
		t.Errorf("got revision %d, want above %d", u.Revision, before)
	}
	if len(u.Apps) != 2 || u.Apps[1].ID != "wiki" || !u.Apps[0].Sensitive {
		t.Errorf("got apps %+v, want sensitive filestore and wiki", u.Apps)
	}
	if got := len(f.hub.Policies().Set.Apps); got != 2 {
		t.Errorf("got %d apps in the hub's set, want 2", got)
	}
}

func TestWatchKeepsSetOnInvalidChange(t *testing.T) {
	f := newReloadFixture(t)
	before := f.hub.Policies()
	writeFile(t, filepath.Join(f.dir, "policies.yaml"), "policies:\n  - {id: broken, decision: blok}\n")

	if u := f.nextUpdate(t, time.Second); u != nil {
		t.Errorf("got policy.update %+v after an invalid change, want none", u)
	}
	after := f.hub.Policies()
	if after.Revision != before.Revision || after.Set != before.Set {
		t.Errorf("got revision %d, want the old set with revision %d", after.Revision, before.Revision)
	}

	writeFile(t, filepath.Join(f.dir, "policies.yaml"), "policies:\n  - {id: fixed, decision: block}\n")
	u := f.nextUpdate(t, 3*time.Second)
	if u == nil || u.Revision <= before.Revision {
		t.Fatalf("got %+v after fixing the file, want a newer policy.update", u)
	}
	if got := f.hub.Policies().Set.Policies[0].ID; got != "fixed" {
		t.Errorf("got policy %q, want fixed", got)
	}
}

func TestWatchIgnoresOtherFiles(t *testing.T) {
	f := newReloadFixture(t)
	writeFile(t, filepath.Join(f.dir, "notes.txt"), "todo")
	writeFile(t, filepath.Join(f.dir, "cases_test.yaml"), "cases: []\n")
	if u := f.nextUpdate(t, time.Second); u != nil {
		t.Errorf("got policy.update %+v after changes to non-policy files, want none", u)
	}
}

func TestWatchSingleFile(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := t.TempDir()
	file := filepath.Join(dir, "policies.yaml")
	writeFile(t, file, appsFile)
	reloads := make(chan struct{}, 4)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := watchPolicies(ctx, file, func() { reloads <- struct{}{} }, log); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "other.yaml"), appsFile)
	// Replacing the file by rename is what many editors do.
	writeFile(t, filepath.Join(dir, "tmp"), appsFile+policyFile)
	if err := os.Rename(filepath.Join(dir, "tmp"), file); err != nil {
		t.Fatal(err)
	}
	select {
	case <-reloads:
	case <-time.After(3 * time.Second):
		t.Fatal("got no reload after the file was replaced, want one")
	}
	select {
	case <-reloads:
		t.Error("got a second reload, want the burst of events debounced into one")
	case <-time.After(2 * reloadDelay):
	}
}
