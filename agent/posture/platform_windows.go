package posture

// platformProbes are the probes for this OS.
var platformProbes = probeSet{
	diskEncryption: windowsDiskEncryption,
	firewall:       windowsFirewall,
	screenLock:     windowsScreenLock,
	autoUpdates:    windowsAutoUpdates,
}
