package watch

import "fmt"

// whereFromsOrigin decodes a kMDItemWhereFroms value, a binary property
// list array whose first entry is the download URL and whose second, when
// present, is the referring page.
func whereFromsOrigin(value []byte) (Origin, error) {
	froms, err := decodeStringList(value)
	if err != nil {
		return Origin{}, fmt.Errorf("reading kMDItemWhereFroms: %w", err)
	}
	o := Origin{Source: SourceWhereFroms}
	if len(froms) > 0 {
		o.URL = froms[0]
	}
	if len(froms) > 1 {
		o.Referrer = froms[1]
	}
	return o, nil
}
