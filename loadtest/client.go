package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// client makes the few plain API calls a run needs besides its attacks.
type client struct {
	base  string
	http  *http.Client
	token string
}

func (c *client) header() http.Header {
	return http.Header{"Authorization": {"Bearer " + c.token}}
}

func (c *client) jsonHeader() http.Header {
	h := c.header()
	h.Set("Content-Type", "application/json")
	return h
}

// call sends one request and decodes a 2xx JSON answer into out.
func (c *client) call(ctx context.Context, method, path string, body []byte, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	req.Header = c.jsonHeader()
	if c.token == "" {
		req.Header.Del("Authorization")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return fmt.Errorf("%s %s: read the answer: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, bytes.TrimSpace(raw))
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("%s %s: decode the answer: %w", method, path, err)
	}
	return nil
}

// login gets a token for email and password.
func (c *client) login(ctx context.Context, email, password string) error {
	body, err := json.Marshal(map[string]string{"email": email, "password": password})
	if err != nil {
		return fmt.Errorf("log in: %w", err)
	}
	var out struct {
		Token string `json:"access_token"`
	}
	if err := c.call(ctx, http.MethodPost, "/api/auth/login", body, &out); err != nil {
		return fmt.Errorf("log in as %s: %w", email, err)
	}
	c.token = out.Token
	return nil
}

// createLoan creates one loan.
func (c *client) createLoan(ctx context.Context, id string) error {
	return c.call(ctx, http.MethodPost, "/api/admin/loans", loanBody(id), nil)
}

type loanPage struct {
	Loans []struct {
		LoanID           string `json:"loan_id"`
		BlockchainStatus string `json:"blockchain_status"`
	} `json:"loans"`
	Next string `json:"next_cursor"`
}

// loanIDs returns up to limit loan ids starting with prefix.
func (c *client) loanIDs(ctx context.Context, prefix string, limit int) ([]string, error) {
	var page loanPage
	q := url.Values{"limit": {fmt.Sprint(limit)}}
	if prefix != "" {
		q.Set("q", prefix)
	}
	if err := c.call(ctx, http.MethodGet, "/api/admin/loans?"+q.Encode(), nil, &page); err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(page.Loans))
	for _, l := range page.Loans {
		ids = append(ids, l.LoanID)
	}
	return ids, nil
}

// chainStatuses returns the blockchain_status of every loan whose id
// starts with prefix, page by page.
func (c *client) chainStatuses(ctx context.Context, prefix string) (map[string]string, error) {
	out := map[string]string{}
	cursor := ""
	for {
		q := url.Values{"limit": {"500"}, "q": {prefix}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var page loanPage
		if err := c.call(ctx, http.MethodGet, "/api/admin/loans?"+q.Encode(), nil, &page); err != nil {
			return nil, err
		}
		for _, l := range page.Loans {
			out[l.LoanID] = l.BlockchainStatus
		}
		if page.Next == "" || len(page.Loans) == 0 {
			return out, nil
		}
		cursor = page.Next
	}
}
