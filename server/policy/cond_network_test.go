package policy

import (
	"net/netip"
	"testing"
)

func TestConditionNetwork(t *testing.T) {
	from := func(ip string) *Input {
		return with(download(""), func(in *Input) { in.SourceIP = netip.MustParseAddr(ip) })
	}
	runConditionCases(t, []conditionCase{
		{"range matches", "{network: {ranges: [office]}}", from("10.1.2.3"), true},
		{"range v6 matches", "{network: {ranges: [office]}}", from("2001:db8:1::5"), true},
		{"range mapped v4", "{network: {ranges: [office]}}", from("::ffff:10.1.2.3"), true},
		{"range differs", "{network: {ranges: [office]}}", from("10.2.0.1"), false},
		{"tag matches", "{network: {tags: [corporate]}}", from("10.9.0.1"), true},
		{"tag differs", "{network: {tags: [risky]}}", from("10.9.0.1"), false},
		{"cidr matches", "{network: {cidrs: [203.0.113.0/24]}}", from("203.0.113.7"), true},
		{"bare address", "{network: {cidrs: [203.0.113.7]}}", from("203.0.113.7"), true},
		{"cidr differs", "{network: {cidrs: [203.0.113.0/24]}}", from("203.0.114.7"), false},
		{"no source ip", "{network: {cidrs: [0.0.0.0/0]}}", download(""), false},
		{"not risky", "{not: {network: {tags: [risky]}}}", from("10.1.0.1"), true},
	})
}
