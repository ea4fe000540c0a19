package policy

import (
	"path"
	"strings"

	"parapet/protocol"
)

// input is one action as the conditions see it.
type input struct {
	req *protocol.ActionRequest
	dev Device
	app *App
	// fileName is the request's file name in lower case, computed once.
	fileName string
}

// conditionKind selects what a condition tests.
type conditionKind uint8

const (
	conditionApp conditionKind = iota + 1
	conditionActivity
	conditionFile
	conditionManaged
)

// condition is one test that a policy applies to an action, and a policy
// matches when all of its conditions match. It is a tagged struct rather
// than an interface so that evaluating it allocates nothing. Combinators
// such as any-of or not can become further kinds with child conditions.
type condition struct {
	kind       conditionKind
	appIDs     []string
	activities []protocol.Activity
	// patterns are lower-case globs, validated at load time.
	patterns []string
	managed  bool
}

func (c *condition) match(in *input) bool {
	switch c.kind {
	case conditionApp:
		for _, id := range c.appIDs {
			if id == in.app.ID {
				return true
			}
		}
	case conditionActivity:
		for _, a := range c.activities {
			if a == in.req.Activity {
				return true
			}
		}
	case conditionFile:
		return c.matchingPattern(in) != ""
	case conditionManaged:
		return in.dev.Managed == c.managed
	}
	return false
}

// matchingPattern returns the first pattern that matches the file name, or
// "" when none does or the action has no file.
func (c *condition) matchingPattern(in *input) string {
	if in.req.File == nil {
		return ""
	}
	for _, p := range c.patterns {
		if ok, _ := path.Match(p, in.fileName); ok {
			return p
		}
	}
	return ""
}

// describe appends a clause such as `the activity is download` that
// explains why c matched in.
func (c *condition) describe(b *strings.Builder, in *input) {
	switch c.kind {
	case conditionApp:
		b.WriteString("the app is ")
		b.WriteString(in.app.ID)
	case conditionActivity:
		b.WriteString("the activity is ")
		b.WriteString(string(in.req.Activity))
	case conditionFile:
		b.WriteString(`the file name "`)
		b.WriteString(in.req.File.Name)
		b.WriteString(`" matches "`)
		b.WriteString(c.matchingPattern(in))
		b.WriteString(`"`)
	case conditionManaged:
		if c.managed {
			b.WriteString("the device is managed")
		} else {
			b.WriteString("the device is not managed")
		}
	}
}
