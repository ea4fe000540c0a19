package posture

// platformProbes are the probes for this OS.
var platformProbes = probeSet{
	diskEncryption: linuxDiskEncryption,
	firewall:       linuxFirewall,
	screenLock:     linuxScreenLock,
	autoUpdates:    linuxAutoUpdates,
}
