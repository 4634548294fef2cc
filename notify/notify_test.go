package notify_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aartha/ledger/notify"
)

// TestWebhookRetriesUntilAccepted posts to a real local HTTP receiver that
// fails twice, and sees the third attempt delivered with the event as JSON.
func TestWebhookRetriesUntilAccepted(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var bodies []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		bodies = append(bodies, string(b))
		if len(bodies) < 3 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		require.Equal(t, "application/json", r.Header.Get("Content-Type"))
	}))
	t.Cleanup(srv.Close)
	n := notify.New(notify.Config{WebhookURL: srv.URL + "/hook?token=secret", RetryDelay: time.Millisecond})
	err := n.Send(context.Background(), notify.Event{Kind: notify.KindReconcileProblems, Summary: "2 mismatches", Details: map[string]int{"mismatch": 2}})
	require.NoError(t, err)
	require.Len(t, bodies, 3)
	var got notify.Event
	require.NoError(t, json.Unmarshal([]byte(bodies[2]), &got))
	require.Equal(t, notify.KindReconcileProblems, got.Kind)
	require.Equal(t, "2 mismatches", got.Summary)
	require.NotEmpty(t, got.ID)
	require.Equal(t, bodies[0], bodies[2], "every attempt carries the same event id")
}

func TestWebhookGivesUpWithoutLeakingTheURL(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusInternalServerError) }))
	t.Cleanup(srv.Close)
	n := notify.New(notify.Config{WebhookURL: srv.URL + "/hook?token=s3cr3t", RetryDelay: time.Millisecond, MaxAttempts: 3})
	err := n.Send(context.Background(), notify.Event{Kind: notify.KindAnchorFailed, Summary: "x"})
	require.Error(t, err)
	require.Contains(t, err.Error(), "gave up after 3 attempts")
	require.NotContains(t, err.Error(), "s3cr3t")
}

// TestNotifyNeverBlocks queues events while the receiver hangs: Notify
// returns, and the queued events arrive once the receiver answers.
func TestNotifyNeverBlocks(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	got := make(chan string, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
		var e notify.Event
		_ = json.NewDecoder(r.Body).Decode(&e)
		got <- e.Summary
	}))
	t.Cleanup(srv.Close)
	n := notify.New(notify.Config{WebhookURL: srv.URL, QueueSize: 2, RetryDelay: time.Millisecond})
	require.NoError(t, n.Start(context.Background()))
	for _, s := range []string{"a", "b", "c", "d", "e"} {
		n.Notify(notify.Event{Kind: notify.KindAnchorFailed, Summary: s}) // the receiver hangs: these must not
	}
	close(release)
	first := <-got
	require.Equal(t, "a", first)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	n.Stop(ctx)
	n.Stop(ctx) // twice is fine
}

// TestMailToLocalSMTP delivers an alert to a real SMTP listener on loopback.
func TestMailToLocalSMTP(t *testing.T) {
	t.Parallel()
	addr, msgs := smtpListener(t)
	n := notify.New(notify.Config{Email: "ops@example.com", SMTP: notify.SMTP{Addr: addr, From: "ledger@example.com"}, RetryDelay: time.Millisecond})
	require.True(t, n.Enabled())
	err := n.Send(context.Background(), notify.Event{Kind: notify.KindVerificationMismatch, Summary: "loan L-7 does not verify\r\nBcc: evil@example.com", Details: map[string]string{"loan_id": "L-7"}})
	require.NoError(t, err)
	m := <-msgs
	require.Equal(t, "<ledger@example.com>", m.from)
	require.Equal(t, []string{"<ops@example.com>"}, m.to)
	require.Contains(t, m.data, "Subject: [aartha] loan L-7 does not verify  Bcc: evil@example.com\r\n")
	headers, _, _ := strings.Cut(m.data, "\r\n\r\n")
	require.NotContains(t, headers, "\r\nBcc:", "a summary cannot add headers")
	require.Contains(t, m.data, `"loan_id": "L-7"`)
}

type smtpMsg struct {
	from string
	to   []string
	data string
}

// smtpListener is a minimal SMTP server: enough of RFC 5321 for net/smtp.
func smtpListener(t *testing.T) (string, <-chan smtpMsg) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	msgs := make(chan smtpMsg, 4)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go serveSMTP(c, msgs)
		}
	}()
	return ln.Addr().String(), msgs
}

func serveSMTP(c net.Conn, msgs chan<- smtpMsg) {
	defer c.Close()
	r := bufio.NewReader(c)
	say := func(s string) { _, _ = io.WriteString(c, s+"\r\n") }
	say("220 localhost ESMTP test")
	var m smtpMsg
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		cmd := strings.ToUpper(line)
		switch {
		case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
			say("250 localhost")
		case strings.HasPrefix(cmd, "MAIL FROM:"):
			m.from = line[len("MAIL FROM:"):]
			say("250 ok")
		case strings.HasPrefix(cmd, "RCPT TO:"):
			m.to = append(m.to, line[len("RCPT TO:"):])
			say("250 ok")
		case cmd == "DATA":
			say("354 go on")
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				b.WriteString(l)
			}
			m.data = b.String()
			say("250 queued")
			msgs <- m
		case cmd == "QUIT":
			say("221 bye")
			return
		default:
			say("250 ok")
		}
	}
}
