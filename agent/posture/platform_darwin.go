package posture

// platformProbes are the probes for this OS.
var platformProbes = probeSet{
	diskEncryption: macDiskEncryption,
	firewall:       macFirewall,
	screenLock:     macScreenLock,
	autoUpdates:    macAutoUpdates,
}
