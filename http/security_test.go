package http_test

import (
	"context"
	"encoding/json"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	ledger "github.com/aartha/ledger"
	aarthahttp "github.com/aartha/ledger/http"
	"github.com/aartha/ledger/store/storetest"
)

// badTexts are the text inputs issue 20 found answered with 500 on
// PostgreSQL or stored as sent, as a JSON string literal and as a URL
// query value.
var badTexts = []struct{ name, json, query string }{
	{"NUL", `"a\u0000b"`, "a%00b"},
	{"invalid UTF-8", "\"a\xc0\xafb\"", "a%c0%afb"},
	{"lone surrogate", `"a\ud800b"`, "a%ed%a0%80b"},
	{"control character", `"a\u001bb"`, "a%1bb"},
	{"bidi override", `"abc\u202efed"`, "abc%e2%80%aefed"},
}

type openAPIDoc struct {
	Paths      map[string]map[string]openAPIOp `json:"paths"`
	Components struct {
		Schemas map[string]openAPISchema `json:"schemas"`
	} `json:"components"`
}

type openAPIOp struct {
	Parameters []struct {
		Name string `json:"name"`
		In   string `json:"in"`
	} `json:"parameters"`
	RequestBody struct {
		Content map[string]struct {
			Schema openAPISchema `json:"schema"`
		} `json:"content"`
	} `json:"requestBody"`
}

type openAPISchema struct {
	Ref        string                   `json:"$ref"`
	Type       any                      `json:"type"`
	Properties map[string]openAPISchema `json:"properties"`
	Enum       []any                    `json:"enum"`
}

// TestSecuritySuite sends every bad text input to every input of every
// endpoint in the OpenAPI document — each query parameter it lists plus
// one it does not, each string property of its JSON body — and each body
// property twice, as a duplicate key and as a case variant. Every probe
// must be answered 400 with the field named, and nothing may be stored:
// the loans, users, sessions, audit trail and maintenance switch are the
// same after all of them. It runs on SQLite and on PostgreSQL.
func TestSecuritySuite(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("openapi.json")
	require.NoError(t, err)
	var doc openAPIDoc
	require.NoError(t, json.Unmarshal(raw, &doc))

	for _, b := range storetest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			f := newAPIFixture(t, apiOptions{open: b.Open, limits: &aarthahttp.Limits{ChainWrites: 1000, Verify: 1000, Login: 1000, LoginAccount: 1000}})
			code, _ := f.call("POST", "/api/admin/loans", ledger.RoleOperator, newLoanBody("L-1"))
			require.Equal(t, 201, code)
			before := f.snapshot()

			probes := 0
			probe := func(method, path, body, field, what string) {
				t.Helper()
				ct := ""
				if body != "" {
					ct = "application/json"
				}
				resp, out := f.request(method, path, f.tokens[ledger.RoleAdmin], ct, []byte(body))
				require.Equal(t, 400, resp.StatusCode, "%s %s %s (%s): %v", method, path, body, what, out)
				require.Contains(t, out["detail"], field, "%s %s %s (%s)", method, path, body, what)
				probes++
			}
			for _, path := range sortedKeys(doc.Paths) {
				if !strings.HasPrefix(path, "/api/") {
					continue // the probes take no input
				}
				for _, method := range sortedKeys(doc.Paths[path]) {
					op := doc.Paths[path][method]
					method = strings.ToUpper(method)
					concrete := strings.NewReplacer("{loan_id}", "L-1", "{email}", "viewer@example.com").Replace(path)
					props := bodyProperties(doc, op)
					base := map[string]string{}
					for name, s := range props {
						base[name] = exampleJSON(s)
					}
					body := func(override map[string]string, extra ...string) string {
						if props == nil {
							return ""
						}
						parts := []string{}
						for _, name := range sortedKeys(base) {
							v := base[name]
							if o, ok := override[name]; ok {
								v = o
							}
							parts = append(parts, `"`+name+`":`+v)
						}
						return "{" + strings.Join(append(parts, extra...), ",") + "}"
					}
					queryNames := []string{"probe"}
					for _, p := range op.Parameters {
						if p.In == "query" {
							queryNames = append(queryNames, p.Name)
						}
					}
					for _, bad := range badTexts {
						for _, q := range queryNames {
							probe(method, concrete+"?"+q+"="+bad.query, body(nil), q, "query "+bad.name)
						}
						for _, name := range sortedKeys(props) {
							if props[name].Type == "string" {
								probe(method, concrete, body(map[string]string{name: bad.json}), name, "body "+bad.name)
							}
						}
					}
					for _, name := range sortedKeys(props) {
						probe(method, concrete, body(nil, `"`+name+`":`+base[name]), name, "duplicate key")
						variant := strings.ToUpper(name[:1]) + name[1:]
						probe(method, concrete, body(nil, `"`+variant+`":`+base[name]), variant, "case-variant key")
					}
				}
			}
			t.Logf("%d probes", probes)
			require.Greater(t, probes, 150, "the suite must reach every endpoint")
			require.Equal(t, before, f.snapshot(), "nothing may be stored by a refused request")
		})
	}
}

// snapshot is everything a request could have stored.
func (f *apiFixture) snapshot() map[string]any {
	f.t.Helper()
	ctx := context.Background()
	page, err := f.db.Loans(ctx, ledger.LoanFilter{Limit: 100})
	require.NoError(f.t, err)
	loans := []string{}
	for _, l := range page.Loans {
		b, _ := json.Marshal(l)
		loans = append(loans, string(b))
	}
	users := map[string]any{}
	for _, r := range []ledger.Role{ledger.RoleViewer, ledger.RoleOperator, ledger.RoleAdmin} {
		u, err := f.db.UserByEmail(ctx, string(r)+"@example.com")
		require.NoError(f.t, err)
		users[u.Email] = []any{u.Role, u.SessionVersion}
	}
	n, err := f.db.CountUsers(ctx)
	require.NoError(f.t, err)
	m, err := f.db.Maintenance(ctx)
	require.NoError(f.t, err)
	st, err := f.db.SessionState(ctx, "admin@example.com", "none")
	require.NoError(f.t, err)
	return map[string]any{"loans": loans, "users": users, "user_count": n, "audit": len(f.auditRows()),
		"maintenance": m.On, "valid_after": st.ValidAfter}
}

// bodyProperties returns the JSON body's top-level properties, or nil when
// the endpoint takes no body.
func bodyProperties(doc openAPIDoc, op openAPIOp) map[string]openAPISchema {
	c, ok := op.RequestBody.Content["application/json"]
	if !ok {
		return nil
	}
	s := c.Schema
	if s.Ref != "" {
		s = doc.Components.Schemas[strings.TrimPrefix(s.Ref, "#/components/schemas/")]
	}
	if s.Properties == nil {
		return map[string]openAPISchema{}
	}
	return s.Properties
}

// exampleJSON is a clean value of the schema's type.
func exampleJSON(s openAPISchema) string {
	switch {
	case len(s.Enum) > 0:
		b, _ := json.Marshal(s.Enum[0])
		return string(b)
	case s.Type == "integer" || s.Type == "number":
		return "1"
	case s.Type == "boolean":
		return "false"
	case s.Type == "array":
		return "[]"
	case s.Type == "object":
		return "{}"
	}
	return `"x"`
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
