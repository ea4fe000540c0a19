package policy_test

import (
	"fmt"
	"slices"
	"testing"

	"parapet/server/policy"
	"parapet/server/policy/policygen"
)

// TestDecideIndexAgrees checks that the indexed Decide and the full scan
// of Explain give the same result on generated sets and actions.
func TestDecideIndexAgrees(t *testing.T) {
	for _, n := range []int{20, 500} {
		gen := policygen.Generate(n, 7)
		set, err := policy.Parse("generated.yaml", gen.YAML)
		if err != nil {
			t.Fatalf("Parse generated set: %v", err)
		}
		for i, in := range gen.Inputs {
			fast, full := set.Decide(in), set.Explain(in)
			if fast.Decision != full.Decision || fast.Policy != full.Policy || !slices.Equal(fast.PolicyIDs, full.PolicyIDs) {
				t.Errorf("%d policies, input %d: got %s by %q %v, full scan %s by %q %v", n, i,
					fast.Decision, fast.Policy, fast.PolicyIDs, full.Decision, full.Policy, full.PolicyIDs)
			}
		}
	}
}

func BenchmarkDecide(b *testing.B) {
	for _, n := range []int{20, 500} {
		gen := policygen.Generate(n, 1)
		set, err := policy.Parse("generated.yaml", gen.YAML)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("policies=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				set.Decide(gen.Inputs[i%len(gen.Inputs)])
				i++
			}
		})
	}
}
