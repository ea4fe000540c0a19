// Package runner starts the agent's long-running parts together and stops
// them together.
package runner

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
)

// Actor is one long-running part of the agent. Run blocks until ctx is
// cancelled or the actor fails. An actor that returns, with or without an
// error, stops the whole group.
type Actor struct {
	Name string
	Run  func(ctx context.Context) error
}

// Group is a set of actors that run and stop together.
type Group struct {
	actors []Actor
}

// Add appends an actor. Call it before Run.
func (g *Group) Add(name string, run func(ctx context.Context) error) {
	g.actors = append(g.actors, Actor{Name: name, Run: run})
}

// Run starts every actor and waits until ctx is cancelled or the first
// actor returns. It then cancels the others, waits for all of them and
// returns the first actor's error, or nil when ctx was cancelled.
func (g *Group) Run(ctx context.Context, log *slog.Logger) error {
	if len(g.actors) == 0 {
		return errors.New("running group: no actors")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
	)
	for _, a := range g.actors {
		wg.Add(1)
		go func() {
			defer wg.Done()
			log.Info("actor started", "actor", a.Name)
			err := a.Run(ctx)
			if err != nil && ctx.Err() == nil {
				log.Error("actor stopped with an error", "actor", a.Name, "error", err)
				err = fmt.Errorf("running %s: %w", a.Name, err)
			} else {
				log.Info("actor stopped", "actor", a.Name)
				if ctx.Err() == nil {
					err = fmt.Errorf("running %s: stopped unexpectedly", a.Name)
				} else {
					err = nil
				}
			}
			once.Do(func() { first = err })
			cancel()
		}()
	}
	wg.Wait()
	return first
}
