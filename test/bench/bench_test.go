package bench

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"

	"parapet/protocol"
	"parapet/server/policy"
	"parapet/server/policy/policygen"
)

// sizes are the policy counts compared.
var sizes = []int{20, 500}

// engines holds both engines prepared for one generated set.
type engines struct {
	gen    *policygen.Generated
	set    *policy.Set
	query  rego.PreparedEvalQuery
	inputs []ast.Value
}

func prepare(tb testing.TB, n int) *engines {
	tb.Helper()
	gen := policygen.Generate(n, 1)
	set, err := policy.Parse("generated.yaml", gen.YAML)
	if err != nil {
		tb.Fatalf("parsing the generated set: %v", err)
	}
	query, err := rego.New(rego.Query(Query), rego.Module("parapet.rego", Rego(gen.Policies))).PrepareForEval(context.Background())
	if err != nil {
		tb.Fatalf("preparing the Rego query: %v", err)
	}
	e := &engines{gen: gen, set: set, query: query}
	for _, in := range gen.Inputs {
		v, err := ast.InterfaceToValue(RegoInput(in))
		if err != nil {
			tb.Fatal(err)
		}
		e.inputs = append(e.inputs, v)
	}
	return e
}

// opaDecide returns OPA's decision and sorted matching policy ids for
// input i.
func (e *engines) opaDecide(tb testing.TB, i int) (protocol.Decision, []string) {
	rs, err := e.query.Eval(context.Background(), rego.EvalParsedInput(e.inputs[i]))
	if err != nil {
		tb.Fatalf("OPA eval: %v", err)
	}
	if len(rs) != 1 || len(rs[0].Expressions) != 1 {
		tb.Fatalf("got OPA result %v, want one expression", rs)
	}
	result := rs[0].Expressions[0].Value.(map[string]any)
	var ids []string
	for _, id := range result["matched"].([]any) {
		ids = append(ids, id.(string))
	}
	slices.Sort(ids)
	return protocol.Decision(result["decision"].(string)), ids
}

func TestEnginesAgree(t *testing.T) {
	for _, n := range sizes {
		e := prepare(t, n)
		decided := map[protocol.Decision]int{}
		for i, in := range e.gen.Inputs {
			got := e.set.Decide(in)
			ids := slices.Clone(got.PolicyIDs)
			slices.Sort(ids)
			opaDecision, opaIDs := e.opaDecide(t, i)
			if got.Decision != opaDecision {
				t.Errorf("%d policies, input %d: got Parapet %s, OPA %s", n, i, got.Decision, opaDecision)
			}
			if !slices.Equal(ids, opaIDs) {
				t.Errorf("%d policies, input %d: got Parapet ids %v, OPA %v", n, i, ids, opaIDs)
			}
			decided[got.Decision]++
		}
		// The comparison means little if every input got the same answer.
		if len(decided) < 3 {
			t.Errorf("%d policies: got decisions %v, want at least 3 different ones", n, decided)
		}
	}
}

func BenchmarkDecide(b *testing.B) {
	for _, n := range sizes {
		e := prepare(b, n)
		b.Run(fmt.Sprintf("engine=parapet/policies=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				e.set.Decide(e.gen.Inputs[i%len(e.gen.Inputs)])
				i++
			}
		})
		b.Run(fmt.Sprintf("engine=opa/policies=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			ctx := context.Background()
			i := 0
			for b.Loop() {
				if _, err := e.query.Eval(ctx, rego.EvalParsedInput(e.inputs[i%len(e.inputs)])); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}
