//go:build !windows

package main

import (
	"fmt"
	"os"
	"syscall"
)

func restrictUmask() { syscall.Umask(0o077) }

// checkDataDir rejects a data folder that other users can write to, since
// they could replace the database or the keys, and tightens one that they
// can only read.
func checkDataDir(dir string) error {
	info, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("checking data folder: %w", err)
	}
	mode := info.Mode().Perm()
	if mode&0o022 != 0 {
		return fmt.Errorf("data folder %s is writable by other users (mode %#o); run chmod 700 on it", dir, mode)
	}
	if mode&0o077 != 0 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("restricting data folder %s to its owner: %w", dir, err)
		}
	}
	return nil
}
