package main

import "github.com/kardianos/service"

// platformOptions are the launchd settings for the installed service.
func platformOptions() service.KeyValue {
	return service.KeyValue{"KeepAlive": true, "RunAtLoad": true}
}
