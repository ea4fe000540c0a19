package runner

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
)

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

func TestGroupStopsAllOnFailure(t *testing.T) {
	boom := errors.New("boom")
	stopped := make(chan string, 2)
	var g Group
	g.Add("waiter", func(ctx context.Context) error {
		<-ctx.Done()
		stopped <- "waiter"
		return nil
	})
	g.Add("failer", func(ctx context.Context) error { return boom })

	err := g.Run(context.Background(), discard)
	if !errors.Is(err, boom) {
		t.Fatalf("got error %v, want %v", err, boom)
	}
	if got := <-stopped; got != "waiter" {
		t.Errorf("got %q stopped, want waiter", got)
	}
}

func TestGroupCancelReturnsNil(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var g Group
	g.Add("a", func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() })
	g.Add("b", func(ctx context.Context) error { <-ctx.Done(); return nil })
	cancel()
	if err := g.Run(ctx, discard); err != nil {
		t.Errorf("got error %v, want nil", err)
	}
}

func TestGroupEarlyReturnIsError(t *testing.T) {
	var g Group
	g.Add("quitter", func(ctx context.Context) error { return nil })
	if err := g.Run(context.Background(), discard); err == nil {
		t.Error("got nil, want an error for an actor that stopped by itself")
	}
}

func TestGroupEmpty(t *testing.T) {
	var g Group
	if err := g.Run(context.Background(), discard); err == nil {
		t.Error("got nil, want an error for an empty group")
	}
}
