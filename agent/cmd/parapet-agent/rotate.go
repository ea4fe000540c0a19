package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"parapet/agent/daemon"
)

func rotateCommand(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("rotate-credential", "Replace the device credential with a new one from the server.\n"+
		"The server accepts the old credential until the agent first connects with the new one,\n"+
		"so run \"parapet-agent restart\" afterwards to switch a running service.", stderr)
	var o overrides
	o.register(fs)
	if code, done := parse(fs, args); done {
		return code
	}
	cfg, err := o.load()
	if err != nil {
		fmt.Fprintf(stderr, "parapet-agent: %v\n", err)
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	deviceID, err := daemon.RotateCredential(ctx, cfg, log)
	if err != nil {
		fmt.Fprintf(stderr, "parapet-agent: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "rotated the credential of device %s; run \"parapet-agent restart\" to use it now\n", deviceID)
	return 0
}
