package main

import "github.com/kardianos/service"

// platformOptions are the Windows service manager settings.
// NOTE: kardianos/service v1.3.0 ignores the RunWait option on Windows, so
// there an actor that fails leaves the service running until it is stopped.
func platformOptions() service.KeyValue {
	return service.KeyValue{"OnFailure": "restart", "StartType": "automatic"}
}
