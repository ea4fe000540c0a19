package policy

import "testing"

func TestConditionDevice(t *testing.T) {
	compliant := func(in *Input) {
		in.Device = DeviceFacts{Enrolled: true, Managed: true, Tags: []string{"kiosk"}, Posture: map[string]string{
			"os": "Windows", "os_version": "10.0.22631", "disk_encryption": "true", "agent_version": "1.4.0"}}
	}
	oldOS := func(in *Input) {
		in.Device = DeviceFacts{Enrolled: true, Posture: map[string]string{
			"os": "windows", "os_version": "10.0.19044", "disk_encryption": "true", "agent_version": "1.4.0"}}
	}
	noDisk := func(in *Input) {
		in.Device = DeviceFacts{Posture: map[string]string{"os": "macos", "os_version": "14.5", "agent_version": "1.2"}}
	}
	linux := func(in *Input) {
		in.Device = DeviceFacts{Posture: map[string]string{"os": "linux", "os_version": "6.8", "disk_encryption": "true", "agent_version": "2"}}
	}
	runConditionCases(t, []conditionCase{
		{"enrolled matches", "{device: {enrolled: true}}", with(download(""), compliant), true},
		{"enrolled differs", "{device: {enrolled: true}}", download(""), false},
		{"managed matches", "{device: {managed: true}}", with(download(""), compliant), true},
		{"unmanaged matches", "{device: {managed: false}}", with(download(""), oldOS), true},
		{"unmanaged differs", "{device: {managed: false}}", with(download(""), compliant), false},
		{"compliant", "{device: {compliant: baseline}}", with(download(""), compliant), true},
		{"old os version", "{device: {compliant: baseline}}", with(download(""), oldOS), false},
		{"missing disk fact", "{device: {compliant: baseline}}", with(download(""), noDisk), false},
		{"os not listed", "{device: {compliant: baseline}}", with(download(""), linux), false},
		{"no posture", "{device: {compliant: baseline}}", download(""), false},
		{"posture value", "{device: {posture: {os: windows}}}", with(download(""), compliant), true},
		{"posture value differs", "{device: {posture: {os: macos}}}", with(download(""), compliant), false},
		{"posture bool", "{device: {posture: {disk_encryption: true}}}", with(download(""), compliant), true},
		{"posture unknown fact", "{device: {posture: {firewall: false}}}", with(download(""), compliant), false},
		{"posture min", "{device: {posture: {os_version: {min: 10.0.22000}}}}", with(download(""), compliant), true},
		{"posture below min", "{device: {posture: {os_version: {min: 10.0.22000}}}}", with(download(""), oldOS), false},
		{"posture min missing", "{device: {posture: {os_version: {min: '1'}}}}", download(""), false},
		{"tag matches", "{device: {tags: [kiosk, lab]}}", with(download(""), compliant), true},
		{"tag differs", "{device: {tags: [lab]}}", with(download(""), compliant), false},
	})
}
