package uplink

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"

	"parapet/protocol"
)

func testUpdate() *protocol.ActivityUpdate {
	return &protocol.ActivityUpdate{EventID: "ev-7", Encrypted: protocol.EncryptOrg,
		SHA256: strings.Repeat("ab", 32), FileName: "q3.docx.parapet"}
}

func TestSendUpdateAcked(t *testing.T) {
	cases := []struct {
		name    string
		answer  func(id string) protocol.Body
		wantErr bool
	}{
		{"ack", func(id string) protocol.Body { return &protocol.Ack{RefID: id} }, false},
		{"error", func(id string) protocol.Body {
			return &protocol.Error{Code: "invalid_field", Message: "unknown event", RefID: id}
		}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFakeServer(t)
			h := startClient(t, f, t.TempDir())
			ws := f.accept(t)
			waitFor(t, "connected", h.client.Connected)
			errc := make(chan error, 1)
			go func() { errc <- h.client.SendUpdate(context.Background(), "update-1", testUpdate()) }()
			msg := read(t, ws)
			u, ok := msg.Payload.(*protocol.ActivityUpdate)
			if !ok || msg.ID != "update-1" || u.EventID != "ev-7" {
				t.Fatalf("got %s %s %+v, want the activity.update under id update-1", msg.Type, msg.ID, msg.Payload)
			}
			write(t, ws, c.answer(msg.ID))
			err := <-errc
			if (err != nil) != c.wantErr {
				t.Errorf("got error %v, want error %v", err, c.wantErr)
			}
			if c.wantErr && !IsServerError(err) {
				t.Errorf("got %v, want a server error", err)
			}
		})
	}
}

func TestSendUpdateNotConnected(t *testing.T) {
	c := New(Config{Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err := c.SendUpdate(context.Background(), "update-1", testUpdate()); err != ErrNotConnected {
		t.Errorf("got %v, want ErrNotConnected", err)
	}
}
