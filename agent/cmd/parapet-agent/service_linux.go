package main

import "github.com/kardianos/service"

// platformOptions are the systemd settings for the installed service.
func platformOptions() service.KeyValue {
	return service.KeyValue{"Restart": "on-failure"}
}
