package policy

// decisionIndex lists, for each app and activity, the enforced and
// test-mode policies that can match, in evaluation order. A policy whose
// top-level conditions require certain apps or activities is listed only
// under those; the others are listed everywhere.
type decisionIndex struct {
	// lists[app*width+activity] are positions in Set.Policies. Unknown
	// activities use the last column, which only lists policies without an
	// activity condition.
	lists [][]int32
	width int
}

func buildIndex(s *Set) decisionIndex {
	width := len(activities) + 1
	idx := decisionIndex{lists: make([][]int32, len(s.Apps)*width), width: width}
	for pi := range s.Policies {
		p := &s.Policies[pi]
		if p.State == StateDisabled {
			continue
		}
		apps, mask := p.program.requirements(len(s.Apps))
		for a := range s.Apps {
			if apps != nil && !apps[a] {
				continue
			}
			for act := range width {
				if act < len(activities) && mask&(1<<act) == 0 {
					continue
				}
				if act == len(activities) && mask != allActivities {
					continue
				}
				cell := a*width + act
				idx.lists[cell] = append(idx.lists[cell], int32(pi))
			}
		}
	}
	return idx
}

const allActivities = 1<<len(activities) - 1

func (idx *decisionIndex) candidates(app, activity int) []int32 {
	return idx.lists[app*idx.width+activity]
}

// requirements returns the apps (nil for any) and the activity mask that
// the root's direct app and activity conditions require. Conditions under
// any or not are left to evaluation.
func (p *program) requirements(appCount int) ([]bool, uint32) {
	var apps []bool
	mask := uint32(allActivities)
	p.collect(0, appCount, &apps, &mask)
	return apps, mask
}

// collect narrows apps and mask by node i when every match of the root
// needs node i to match, which holds for the root and for the children of
// an all that itself holds.
func (p *program) collect(i int32, appCount int, apps *[]bool, mask *uint32) {
	n := &p.nodes[i]
	switch n.op {
	case opAll:
		for j := i + 1; j < n.end; j = p.nodes[j].end {
			p.collect(j, appCount, apps, mask)
		}
	case opApp:
		if *apps == nil {
			*apps = make([]bool, appCount)
			for a := range *apps {
				(*apps)[a] = true
			}
		}
		for a := range *apps {
			(*apps)[a] = (*apps)[a] && a < len(n.apps) && n.apps[a]
		}
	case opActivity:
		*mask &= n.mask
	}
}
