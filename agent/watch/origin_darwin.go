package watch

const (
	xattrWhereFroms = "com.apple.metadata:kMDItemWhereFroms"
	xattrQuarantine = "com.apple.quarantine"
)

// readOrigin reads kMDItemWhereFroms, whose first entry is the download URL
// and whose second, when present, is the referring page, and adds the
// downloading application from com.apple.quarantine. A file without either
// attribute has a zero Origin and no error.
func readOrigin(path string) (Origin, error) {
	var o Origin
	froms, err := getXattr(path, xattrWhereFroms)
	if err != nil {
		return Origin{}, err
	}
	if froms != nil {
		if o, err = whereFromsOrigin(froms); err != nil {
			return Origin{}, err
		}
	}
	quarantine, err := getXattr(path, xattrQuarantine)
	if err != nil || quarantine == nil {
		return o, err
	}
	q, err := ParseQuarantine(string(quarantine))
	if err != nil {
		return o, err
	}
	o.Agent = q.Agent
	if o.Source == "" {
		o.Source = SourceQuarantine
	}
	return o, nil
}
