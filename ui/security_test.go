package ui_test

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/store/storetest"
)

// badFormTexts are issue 20's bad text inputs as a browser would send them.
var badFormTexts = map[string]string{
	"NUL": "a\x00b", "invalid UTF-8": "a\xc0\xafb", "lone surrogate": "a\xed\xa0\x80b",
	"control character": "a\x1bb", "bidi override": "abc\u202efed",
}

var (
	formRE  = regexp.MustCompile(`(?s)<form([^>]*)>(.*?)</form>`)
	attrRE  = regexp.MustCompile(`(\w[\w-]*)="([^"]*)"`)
	fieldRE = regexp.MustCompile(`<(?:input|select|textarea)\b([^>]*)>`)
)

type pageForm struct {
	method, action string
	fields         url.Values
}

// formsOf finds the forms of a page: method, action and fields with their
// values as drawn.
func formsOf(body string) []pageForm {
	attrs := func(s string) map[string]string {
		m := map[string]string{}
		for _, a := range attrRE.FindAllStringSubmatch(s, -1) {
			m[a[1]] = html.UnescapeString(a[2])
		}
		return m
	}
	var out []pageForm
	for _, f := range formRE.FindAllStringSubmatch(body, -1) {
		fa := attrs(f[1])
		pf := pageForm{method: strings.ToUpper(fa["method"]), action: fa["action"], fields: url.Values{}}
		for _, in := range fieldRE.FindAllStringSubmatch(f[2], -1) {
			ia := attrs(in[1])
			if ia["name"] != "" {
				pf.fields.Set(ia["name"], ia["value"])
			}
		}
		out = append(out, pf)
	}
	return out
}

// TestFormSecuritySuite finds every form of the admin UI on its pages (the
// login form, the filters, the new-loan form, every loan action) and sends
// each bad text input in each field: each must be answered 400 naming the
// field, and nothing may be stored. It runs on SQLite and PostgreSQL.
func TestFormSecuritySuite(t *testing.T) {
	t.Parallel()
	for _, b := range storetest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			e := setupOn(t, true, b.Open)
			ctx := context.Background()
			e.loan(t, "L-1")
			e.loan(t, "L-2")
			_, err := e.svc.Approve(ctx, ledger.CLIActor("test"), "L-2")
			require.NoError(t, err)
			before := snapshotUI(t, e)

			anon := e.browser(t)
			_, loginPage := anon.get("/admin/login")
			admin := e.browser(t)
			admin.login("admin@example.com")
			forms := map[string]pageForm{}
			browserOf := map[string]*browser{}
			for _, f := range formsOf(loginPage) {
				forms[f.method+" "+f.action] = f
				browserOf[f.method+" "+f.action] = anon
			}
			for _, page := range []string{"/admin/", "/admin/loans", "/admin/loans/new", "/admin/loans/L-1", "/admin/loans/L-2", "/admin/audit", "/admin/batches"} {
				resp, body := admin.get(page)
				require.Equal(t, http.StatusOK, resp.StatusCode, page)
				for _, f := range formsOf(body) {
					if f.action == "/admin/logout" {
						continue // no input but the token; logging out is tested elsewhere
					}
					forms[f.method+" "+f.action] = f
					browserOf[f.method+" "+f.action] = admin
				}
			}
			for _, want := range []string{"POST /admin/login", "POST /admin/loans", "GET /admin/loans", "GET /admin/audit",
				"GET /admin/batches", "POST /admin/loans/L-1/reject", "POST /admin/loans/L-1/approve", "POST /admin/loans/L-2/repaid"} {
				require.Contains(t, forms, want, "the pages draw this form")
			}

			probes := 0
			for _, key := range sortedFormKeys(forms) {
				f, br := forms[key], browserOf[key]
				for _, name := range sortedFormKeys(f.fields) {
					if name == "csrf" {
						continue
					}
					for what, bad := range badFormTexts {
						v := url.Values{}
						for k, vs := range f.fields {
							v[k] = append([]string(nil), vs...)
						}
						v.Set(name, bad)
						var (
							resp *http.Response
							body string
						)
						if f.method == "GET" {
							resp, body = br.get(f.action + "?" + v.Encode())
						} else {
							resp, body = br.post(f.action, v)
						}
						require.Equal(t, http.StatusBadRequest, resp.StatusCode, "%s field %s (%s): %s", key, name, what, body)
						require.Contains(t, body, html.EscapeString(name)+" holds", "%s field %s (%s)", key, name, what)
						probes++
					}
				}
			}
			t.Logf("%d probes over %d forms", probes, len(forms))
			require.Equal(t, before, snapshotUI(t, e), "nothing may be stored by a refused form")
		})
	}
}

func snapshotUI(t *testing.T, e *env) map[string]any {
	t.Helper()
	ctx := context.Background()
	page, err := e.db.Loans(ctx, ledger.LoanFilter{Limit: 100})
	require.NoError(t, err)
	loans := []string{}
	for _, l := range page.Loans {
		b, _ := json.Marshal(l)
		loans = append(loans, string(b))
	}
	audit, err := e.db.AuditEntries(ctx, ledger.AuditFilter{Limit: 1000})
	require.NoError(t, err)
	n, err := e.db.CountUsers(ctx)
	require.NoError(t, err)
	return map[string]any{"loans": loans, "audit": len(audit), "users": n}
}

func sortedFormKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
