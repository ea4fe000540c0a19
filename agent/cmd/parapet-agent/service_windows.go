package main

import "github.com/kardianos/service"

// serviceName is the Windows service name. The MSI in installer/windows
// installs the same service, so both install paths manage one service.
const serviceName = "ParapetAgent"

const serviceDescription = "Checks actions in protected web apps with parapet-server and serves the Parapet browser extension on 127.0.0.1:47801."

// platformOptions returns the Service Control Manager settings. Like the
// MSI, they restart the agent 2 seconds after every failure and reset the
// failure count after a day.
// NOTE: kardianos/service v1.3.0 ignores the RunWait option on Windows, so
// there an actor that fails leaves the service running until it is stopped.
func platformOptions(unitSettings) (service.KeyValue, error) {
	return service.KeyValue{
		"StartType":              "automatic",
		"OnFailure":              "restart",
		"OnFailureDelayDuration": "2s",
		"OnFailureResetPeriod":   86400,
	}, nil
}

// prepareInstall has nothing to do on Windows.
func prepareInstall(unitSettings) error { return nil }
