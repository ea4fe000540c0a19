package policy

import (
	"net/netip"
	"testing"
)

func TestConditionCombinators(t *testing.T) {
	office := func(file string) *Input {
		in := download(file)
		in.SourceIP = netip.MustParseAddr("10.1.0.9")
		in.User.Email = "ana@corp.test"
		return in
	}
	runConditionCases(t, []conditionCase{
		{"all match", "{all: [{activity: [download]}, {file: {extensions: [docx]}}]}", download("a.docx"), true},
		{"all one fails", "{all: [{activity: [download]}, {file: {extensions: [pdf]}}]}", download("a.docx"), false},
		{"any one matches", "{any: [{activity: [upload]}, {file: {extensions: [docx]}}]}", download("a.docx"), true},
		{"any none", "{any: [{activity: [upload]}, {file: {extensions: [pdf]}}]}", download("a.docx"), false},
		{"not inverts", "{not: {file: {extensions: [pdf]}}}", download("a.docx"), true},
		{"double not", "{not: {not: {file: {extensions: [pdf]}}}}", download("a.docx"), false},
		{"mapping is all", "{activity: [download], file: {extensions: [docx]}}", download("a.docx"), true},
		{"mapping one fails", "{activity: [upload], file: {extensions: [docx]}}", download("a.docx"), false},
		{"nested", "{all: [{any: [{network: {ranges: [vpn]}}, {network: {ranges: [office]}}]}, {not: {user: {groups: [finance]}}}]}",
			office("a.docx"), false},
		{"nested outside", "{all: [{not: {network: {tags: [corporate]}}}, {any: [{file: {extensions: [docx]}}, {file: {extensions: [xlsx]}}]}]}",
			download("a.xlsx"), true},
	})
}
