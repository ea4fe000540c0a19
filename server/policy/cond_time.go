package policy

import (
	"fmt"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

var timeShape = fields("days", "from", "to", "zone")

var dayNames = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
}

// compileTime compiles `time: {days: [mon, tue], from: "09:00", to:
// "17:00", zone: Europe/Paris}` into one node. The window includes from
// and excludes to, and a window whose to is before from spans midnight.
// Days are those of the zone's local time; without zone the time is UTC.
func (c *compiler) compileTime(p string, value *yaml.Node) {
	var doc struct {
		Days []string `yaml:"days"`
		From string   `yaml:"from"`
		To   string   `yaml:"to"`
		Zone string   `yaml:"zone"`
	}
	if value.Kind != yaml.MappingNode || len(value.Content) == 0 {
		c.fail(p, value, "must be a mapping with days, from, to and zone")
		return
	}
	if err := checkKeys(value, timeShape, ""); err != nil {
		c.fail(joinPath(p, err.Field), value, "unknown field")
		return
	}
	if err := value.Decode(&doc); err != nil {
		c.fail(p, value, "%v", err)
		return
	}
	n := node{op: opTime, path: p, loc: time.UTC, lo: -1, hi: -1}
	for _, d := range doc.Days {
		day, ok := dayNames[strings.ToLower(d)]
		if !ok {
			c.fail(p+".days", value, "unknown day %q; use mon, tue, wed, thu, fri, sat or sun", d)
			continue
		}
		n.mask |= 1 << day
	}
	if (doc.From == "") != (doc.To == "") {
		c.fail(p, value, "from and to must be given together")
	}
	if doc.From != "" {
		n.lo = c.parseClock(p+".from", value, doc.From)
		n.hi = c.parseClock(p+".to", value, doc.To)
	}
	if doc.Zone != "" {
		loc, err := time.LoadLocation(doc.Zone)
		if err != nil {
			c.fail(p+".zone", value, "unknown time zone %q; use an IANA name such as Europe/Paris", doc.Zone)
		} else {
			n.loc = loc
		}
	}
	window := describeWindow(doc.Days, doc.From, doc.To, n.loc.String())
	n.yes, n.no = "time is within "+window, "time is outside "+window
	c.leaf(n)
}

// parseClock returns the minutes after midnight of "HH:MM".
func (c *compiler) parseClock(p string, value *yaml.Node, s string) int64 {
	t, err := time.Parse("15:04", s)
	if err != nil {
		c.fail(p, value, "invalid time %q; use HH:MM from 00:00 to 23:59", s)
		return -1
	}
	return int64(t.Hour()*60 + t.Minute())
}

func describeWindow(days []string, from, to, zone string) string {
	var parts []string
	if len(days) > 0 {
		parts = append(parts, strings.Join(days, ","))
	}
	if from != "" {
		parts = append(parts, fmt.Sprintf("%s-%s", from, to))
	}
	parts = append(parts, zone)
	return strings.Join(parts, " ")
}

func (n *node) testTime(f *facts) bool {
	local := f.now.In(n.loc)
	if n.mask != 0 && n.mask&(1<<local.Weekday()) == 0 {
		return false
	}
	if n.lo < 0 {
		return true
	}
	minute := int64(local.Hour()*60 + local.Minute())
	if n.lo <= n.hi {
		return minute >= n.lo && minute < n.hi
	}
	return minute >= n.lo || minute < n.hi
}
