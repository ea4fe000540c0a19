package policy

import (
	"testing"
	"time"
)

func TestConditionTime(t *testing.T) {
	at := func(s string) *Input {
		in := download("")
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		in.Time = tm
		return in
	}
	const office = `{time: {days: [mon, tue, wed, thu, fri], from: "09:00", to: "17:00", zone: Europe/Paris}}`
	runConditionCases(t, []conditionCase{
		// 2026-12-07 is a Monday; Paris is UTC+1 in December.
		{"within hours", office, at("2026-12-07T08:00:00Z"), true},
		{"before hours", office, at("2026-12-07T07:59:00Z"), false},
		{"end excluded", office, at("2026-12-07T16:00:00Z"), false},
		{"weekend", office, at("2026-12-12T10:00:00Z"), false},
		{"day in zone", `{time: {days: [sat], zone: Asia/Tokyo}}`, at("2026-12-11T20:00:00Z"), true},
		{"night span late", `{time: {from: "22:00", to: "06:00"}}`, at("2026-12-07T23:30:00Z"), true},
		{"night span early", `{time: {from: "22:00", to: "06:00"}}`, at("2026-12-07T05:59:00Z"), true},
		{"night span day", `{time: {from: "22:00", to: "06:00"}}`, at("2026-12-07T12:00:00Z"), false},
		{"days only", `{time: {days: [MON]}}`, at("2026-12-07T00:00:00Z"), true},
	})
}
